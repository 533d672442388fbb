## Tests: unit tests (one cmocka program per module, TAP output),
## check scripts, integration scripts (real binaries), fuzz corpora.

EXTRA_DIST += tests/tap.sh tests/vectors

TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LDADD = tests/unit/libtestutil.a $(SCEAU_LIBS) $(CMOCKA_LIBS)

check_LIBRARIES = tests/unit/libtestutil.a
tests_unit_libtestutil_a_SOURCES = tests/unit/testutil.h tests/unit/testutil.c \
	tests/unit/chainfx.h tests/unit/chainfx.c
tests_unit_libtestutil_a_CFLAGS = $(TEST_CFLAGS)

unit_tests += tests/unit/test-errors
tests_unit_test_errors_SOURCES = tests/unit/test-errors.c
tests_unit_test_errors_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_errors_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-buf
tests_unit_test_buf_SOURCES = tests/unit/test-buf.c
tests_unit_test_buf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_buf_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-secmem
tests_unit_test_secmem_SOURCES = tests/unit/test-secmem.c
tests_unit_test_secmem_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_secmem_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-log
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_log_LDADD = $(TEST_LDADD)

include tests/unit/crypto.mk
include tests/unit/token.mk
include tests/unit/encoding.mk
include tests/unit/client.mk
include tests/unit/data.mk
include tests/fuzz/local.mk

check_PROGRAMS += $(unit_tests)

# Catalog for the French message test, from the build tree.
check_DATA += tests/locale/fr/LC_MESSAGES/sceau.mo
tests/locale/fr/LC_MESSAGES/sceau.mo: $(srcdir)/po/fr.po
	$(AM_V_GEN)$(MKDIR_P) tests/locale/fr/LC_MESSAGES && \
	$(MSGFMT) -c -o $@ $(srcdir)/po/fr.po
clean-local: clean-local-tests
clean-local-tests:
	-rm -rf tests/locale tests/tmp
.PHONY: clean-local-tests

script_tests += \
	tests/check-i18n.sh \
	tests/check-manpages.sh \
	tests/check-banned.sh \
	tests/check-complexity.sh \
	tests/check-format.sh \
	tests/check-cppcheck.sh \
	tests/integration/cli-basics.sh
EXTRA_DIST += $(script_tests)

unit_tests += tests/unit/test-strmap
tests_unit_test_strmap_SOURCES = tests/unit/test-strmap.c
tests_unit_test_strmap_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_strmap_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-chain
tests_unit_test_chain_SOURCES = tests/unit/test-chain.c
tests_unit_test_chain_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_chain_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-chain-realm
tests_unit_test_chain_realm_SOURCES = tests/unit/test-chain-realm.c
tests_unit_test_chain_realm_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_chain_realm_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-chain-policy
tests_unit_test_chain_policy_SOURCES = tests/unit/test-chain-policy.c
tests_unit_test_chain_policy_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_chain_policy_LDADD = $(TEST_LDADD)

# The chain's X.509 rules over the test PKI (tests/pki/make-pki.sh).
unit_tests += tests/unit/test-chain-x509
tests_unit_test_chain_x509_SOURCES = tests/unit/test-chain-x509.c
tests_unit_test_chain_x509_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_chain_x509_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-reqsign
tests_unit_test_reqsign_SOURCES = tests/unit/test-reqsign.c
tests_unit_test_reqsign_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_reqsign_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-store
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_store_LDADD = $(TEST_LDADD)
include tests/tools/local.mk
include tests/unit/server.mk
include tests/integration/local.mk

unit_tests += tests/unit/test-manifest
tests_unit_test_manifest_SOURCES = tests/unit/test-manifest.c
tests_unit_test_manifest_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_manifest_LDADD = $(TEST_LDADD)
