## Test tools: programs the integration tests drive (never installed).
check_PROGRAMS += tests/tools/sceau-test-provision
tests_tools_sceau_test_provision_SOURCES = tests/tools/provision.c
tests_tools_sceau_test_provision_LDADD = $(SCEAU_LIBS)

# Mails an invitation through a server configuration's [mail] relay
# (tests/integration/server-mail.sh, with tests/smtp-sink.py).
check_PROGRAMS += tests/tools/sceau-test-mail
tests_tools_sceau_test_mail_SOURCES = tests/tools/mail.c
tests_tools_sceau_test_mail_CPPFLAGS = $(SRV_CPPFLAGS)
tests_tools_sceau_test_mail_LDADD = $(SRV_LIBS)

# The token layer against the key pair a PKCS#11 URI names, printing TAP
# lines (tests/integration/token-piv.sh, through OpenSC and a virtual PIV
# card).
check_PROGRAMS += tests/tools/sceau-test-token
tests_tools_sceau_test_token_SOURCES = tests/tools/token.c
tests_tools_sceau_test_token_LDADD = $(SCEAU_LIBS)

# What a former member's kept keys can still open and decrypt, from the
# certificates and vlobs the server stores (tests/integration/
# policy-rotate.sh).
check_PROGRAMS += tests/tools/sceau-test-outsider
tests_tools_sceau_test_outsider_SOURCES = tests/tools/outsider.c
tests_tools_sceau_test_outsider_LDADD = $(SCEAU_LIBS)

# Signs an XML file with audit_xmldsig_sign() (src/audit/xmldsig.c), as
# the report writer of sceau-audit will (tests/integration/
# audit-report-sig.sh).
check_PROGRAMS += tests/tools/sceau-test-xmlsign
tests_tools_sceau_test_xmlsign_SOURCES = tests/tools/xmlsign.c \
	src/audit/xmldsig.h src/audit/xmldsig.c
tests_tools_sceau_test_xmlsign_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/src/audit $(XMLSEC_CFLAGS)
tests_tools_sceau_test_xmlsign_LDADD = $(SCEAU_LIBS) $(XMLSEC_LIBS)
