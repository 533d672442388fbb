## Unit tests of the data path: block cache and encryption pipeline.

unit_tests += tests/unit/test-blockcache
tests_unit_test_blockcache_SOURCES = tests/unit/test-blockcache.c
tests_unit_test_blockcache_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_blockcache_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-pipeline
tests_unit_test_pipeline_SOURCES = tests/unit/test-pipeline.c
tests_unit_test_pipeline_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_pipeline_LDADD = $(TEST_LDADD)
