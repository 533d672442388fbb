## sceau-audit (issue 9): the auditor's offline verifier, one file per
## subcommand (doc/audit.md).  verify-log checks the server's signed
## access log; the library side (records, checkpoints, the verifier) is
## src/alog.c, shared with the server.

bin_PROGRAMS += sceau-audit
sceau_audit_SOURCES = src/audit/audit.h src/audit/main.c \
	src/audit/verify-log.c src/audit/util.c \
	src/audit/history.h src/audit/history-internal.h \
	src/audit/history.c src/audit/history-vlob.c \
	src/audit/history-batch.c src/audit/verify.c
sceau_audit_LDADD = $(SCEAU_LIBS)
