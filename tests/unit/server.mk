## Unit tests of the configuration parser and of sceau-server's modules.

unit_tests += tests/unit/test-conf
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c
tests_unit_test_conf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_conf_LDADD = $(TEST_LDADD)

# A test organization (keys, signed certificates and requests), shared by
# the server's unit tests, its fuzz target and its bench.
check_LIBRARIES += tests/unit/libsrvfixture.a
tests_unit_libsrvfixture_a_SOURCES = tests/unit/srv-fixture.h \
	tests/unit/srv-fixture.c
SRV_TEST_CPPFLAGS = -I$(top_srcdir)/tests/unit $(SRV_CPPFLAGS)
SRV_TEST_LDADD = tests/unit/libsrvfixture.a tests/unit/libtestutil.a \
	$(SRV_LIBS) $(CMOCKA_LIBS)

unit_tests += tests/unit/test-server-auth
tests_unit_test_server_auth_SOURCES = tests/unit/test-server-auth.c
tests_unit_test_server_auth_CPPFLAGS = $(SRV_TEST_CPPFLAGS)
tests_unit_test_server_auth_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_server_auth_LDADD = $(SRV_TEST_LDADD)

unit_tests += tests/unit/test-server-proxy
tests_unit_test_server_proxy_SOURCES = tests/unit/test-server-proxy.c
tests_unit_test_server_proxy_CPPFLAGS = $(SRV_TEST_CPPFLAGS)
tests_unit_test_server_proxy_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_server_proxy_LDADD = $(SRV_TEST_LDADD)

# The invitation mail, built without sending (sending:
# tests/integration/server-mail.sh).
unit_tests += tests/unit/test-server-mail
tests_unit_test_server_mail_SOURCES = tests/unit/test-server-mail.c
tests_unit_test_server_mail_CPPFLAGS = $(SRV_TEST_CPPFLAGS)
tests_unit_test_server_mail_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_server_mail_LDADD = $(SRV_TEST_LDADD)

# Workspaces: roles, vlobs, blocks, events, accounting, restarts.
unit_tests += tests/unit/test-server-realms
tests_unit_test_server_realms_SOURCES = tests/unit/test-server-realms.c
tests_unit_test_server_realms_CPPFLAGS = $(SRV_TEST_CPPFLAGS)
tests_unit_test_server_realms_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_server_realms_LDADD = $(SRV_TEST_LDADD)

# The workspaces' integration script (with srv-tool, tests/integration).
script_tests += tests/integration/server-realms.sh

# The access log: batches, checkpoints, the router's records, the key.
unit_tests += tests/unit/test-server-alog
tests_unit_test_server_alog_SOURCES = tests/unit/test-server-alog.c
tests_unit_test_server_alog_CPPFLAGS = $(SRV_TEST_CPPFLAGS)
tests_unit_test_server_alog_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_server_alog_LDADD = $(SRV_TEST_LDADD)
