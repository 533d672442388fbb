## Integration scripts of sceau-server: the real server on 127.0.0.1.

# A minimal device (bootstrap body, signed headers) for the scripts.
check_PROGRAMS += tests/integration/srv-tool
tests_integration_srv_tool_SOURCES = tests/integration/srv-tool.c
tests_integration_srv_tool_CPPFLAGS = -I$(top_srcdir)/tests/unit \
	$(AM_CPPFLAGS)
tests_integration_srv_tool_LDADD = tests/unit/libsrvfixture.a $(SCEAU_LIBS)

script_tests += tests/integration/server-basics.sh \
	tests/integration/server-signed.sh

# Organizations end to end with the sceau program (issue 3), and a lying
# server in front of the real one.
script_tests += tests/integration/org-basics.sh \
	tests/integration/org-tamper.sh \
	tests/integration/main-job.sh \
	tests/integration/workspace-basics.sh \
	tests/integration/workspace-share.sh \
	tests/integration/invite.sh \
	tests/integration/recovery.sh
EXTRA_DIST += tests/server-lib.sh tests/tamper-proxy.py

# The server's signed access log and sceau-audit verify-log (issue 9).
script_tests += tests/integration/audit-log.sh
script_tests += tests/integration/audit-history.sh

# Signed reports: sceau-audit verify-report over reports signed by
# tests/tools/sceau-test-xmlsign with a test PKI made by openssl.
script_tests += tests/integration/audit-report-sig.sh

# The server's invitation mail (tests/tools/sceau-test-mail) against an
# SMTP sink on 127.0.0.1 (python3-aiosmtpd).
script_tests += tests/integration/server-mail.sh
EXTRA_DIST += tests/smtp-sink.py

# PKCS#11 tokens (issue 6): "sceau token" on SoftHSM2 tokens holding the
# test PKI's users (tests/pki/).
script_tests += tests/integration/token-cli.sh tests/integration/token-org.sh
script_tests += tests/integration/agent.sh tests/integration/agent-sync.sh
script_tests += tests/integration/policy-cli.sh tests/integration/policy-ws.sh \
	tests/integration/policy-ws-pki.sh tests/integration/policy-org.sh

# Key rotation after revocations and unshares, by the command and by an
# owner's agent; X.509 revocation turned into a revocation in the
# organization by an admin's agent.
script_tests += tests/integration/policy-rotate.sh tests/integration/policy-x509.sh

# X.509 validation with sceau pki check over the test PKI: CRL files,
# CRLs fetched from a loopback-only server and cached, OCSP in a private
# network namespace (unshare -n, as root).
script_tests += tests/integration/pki.sh

# OpenSC's PKCS#11 module over pcscd and a virtual PIV card of our own
# (tests/piv/: pcscd and the card in a private network namespace), with
# "sceau token", the token layer (tests/tools/sceau-test-token) and an
# organization bootstrapped with the card.
script_tests += tests/integration/token-piv.sh
EXTRA_DIST += tests/piv/pivcard.py tests/piv/piv-pubkey.py \
	tests/piv/piv-lib.sh tests/piv/lsan.supp

# sceau mount (libfuse3, issue 7): real programs on a real mount of a
# workspace, and a POSIX behaviour suite in C run on it.
check_PROGRAMS += tests/posix/posix-suite
tests_posix_posix_suite_SOURCES = tests/posix/posix-suite.c
script_tests += tests/integration/mount.sh
