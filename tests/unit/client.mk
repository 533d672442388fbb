## Unit tests of the client modules: links, the HTTP transport (against
## an in-test server on 127.0.0.1), the data directory, key files and
## recovery passphrases.

unit_tests += tests/unit/test-link
tests_unit_test_link_SOURCES = tests/unit/test-link.c
tests_unit_test_link_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_link_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-http
tests_unit_test_http_SOURCES = tests/unit/test-http.c \
	tests/unit/testserver.h tests/unit/testserver.c
tests_unit_test_http_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_http_LDADD = $(TEST_LDADD) -lpthread

unit_tests += tests/unit/test-paths
tests_unit_test_paths_SOURCES = tests/unit/test-paths.c
tests_unit_test_paths_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_paths_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-keyfile
tests_unit_test_keyfile_SOURCES = tests/unit/test-keyfile.c
tests_unit_test_keyfile_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_keyfile_LDADD = $(TEST_LDADD)

# The code exchange of invitations (src/invite.c).
unit_tests += tests/unit/test-invite
tests_unit_test_invite_SOURCES = tests/unit/test-invite.c
tests_unit_test_invite_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_invite_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-recovery
tests_unit_test_recovery_SOURCES = tests/unit/test-recovery.c
tests_unit_test_recovery_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_recovery_LDADD = $(TEST_LDADD)
