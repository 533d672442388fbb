## sceau-audit (issue 9): the auditor's offline verifier, one file per
## subcommand (doc/audit.md).  verify-log checks the server's signed
## access log; the library side (records, checkpoints, the verifier) is
## src/alog.c, shared with the server.  verify-report checks the XML-DSig
## of a report (xmldsig.c, on xmlsec1 with its OpenSSL backend: its flags
## reach this program only).

bin_PROGRAMS += sceau-audit
sceau_audit_SOURCES = src/audit/audit.h src/audit/main.c \
	src/audit/verify-log.c src/audit/util.c \
	src/audit/history.h src/audit/history-internal.h \
	src/audit/history.c src/audit/history-vlob.c \
	src/audit/history-batch.c src/audit/verify.c \
	src/audit/report.h src/audit/report.c src/audit/report-names.c \
	src/audit/verify-report.c src/audit/xmldsig.h src/audit/xmldsig.c \
	src/cli/secret.c
sceau_audit_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/cli \
	$(XMLSEC_CFLAGS)
sceau_audit_LDADD = $(SCEAU_LIBS) $(XMLSEC_LIBS)

# xmldsig.c with keys and certificates made by the test.
unit_tests += tests/unit/test-xmldsig
tests_unit_test_xmldsig_SOURCES = tests/unit/test-xmldsig.c \
	src/audit/xmldsig.h src/audit/xmldsig.c
tests_unit_test_xmldsig_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/src/audit $(XMLSEC_CFLAGS)
tests_unit_test_xmldsig_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_xmldsig_LDADD = $(TEST_LDADD) $(XMLSEC_LIBS)
