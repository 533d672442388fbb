## Unit tests of the token layer (pkcs11/): real SoftHSM2 tokens through
## real p11-kit, made by the scripts of tests/pki/ in a temporary folder.

EXTRA_DIST += tests/pki/make-pki.sh tests/pki/make-tokens.sh tests/pki/pki-lib.sh

unit_tests += tests/unit/test-token
tests_unit_test_token_SOURCES = tests/unit/test-token.c
tests_unit_test_token_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_token_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-pinentry
tests_unit_test_pinentry_SOURCES = tests/unit/test-pinentry.c
tests_unit_test_pinentry_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_pinentry_LDADD = $(TEST_LDADD)
