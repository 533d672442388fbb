## Unit tests of the cryptography modules.  Known answers are read from
## tests/vectors/ (in EXTRA_DIST) through $(top_srcdir).

unit_tests += tests/unit/test-hash
tests_unit_test_hash_SOURCES = tests/unit/test-hash.c
tests_unit_test_hash_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_hash_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-kdf
tests_unit_test_kdf_SOURCES = tests/unit/test-kdf.c
tests_unit_test_kdf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_kdf_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-aead
tests_unit_test_aead_SOURCES = tests/unit/test-aead.c
tests_unit_test_aead_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_aead_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-sign
tests_unit_test_sign_SOURCES = tests/unit/test-sign.c
tests_unit_test_sign_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_sign_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-box
tests_unit_test_box_SOURCES = tests/unit/test-box.c
tests_unit_test_box_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_box_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-selftest
tests_unit_test_selftest_SOURCES = tests/unit/test-selftest.c
tests_unit_test_selftest_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_selftest_LDADD = $(TEST_LDADD)

# X.509 over the test PKI (tests/pki/make-pki.sh, run by the test).
unit_tests += tests/unit/test-x509
tests_unit_test_x509_SOURCES = tests/unit/test-x509.c
tests_unit_test_x509_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_x509_LDADD = $(TEST_LDADD)
EXTRA_DIST += tests/pki/make-pki.sh

# The access log's records, checkpoints and verifier (src/alog.c).
unit_tests += tests/unit/test-alog
tests_unit_test_alog_SOURCES = tests/unit/test-alog.c
tests_unit_test_alog_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_alog_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-histfile
tests_unit_test_histfile_SOURCES = tests/unit/test-histfile.c
tests_unit_test_histfile_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_histfile_LDADD = $(TEST_LDADD)
