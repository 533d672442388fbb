## Test tools: programs the integration tests drive (never installed).
check_PROGRAMS += tests/tools/sceau-test-provision
tests_tools_sceau_test_provision_SOURCES = tests/tools/provision.c
tests_tools_sceau_test_provision_LDADD = $(SCEAU_LIBS)
