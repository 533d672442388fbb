## Unit tests of the encodings (hex, base64, JSON), with allocation-failure
## torture of the encoders and decoders.

unit_tests += tests/unit/test-encoding
tests_unit_test_encoding_SOURCES = tests/unit/test-encoding.c
tests_unit_test_encoding_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_encoding_LDADD = $(TEST_LDADD)

unit_tests += tests/unit/test-json
tests_unit_test_json_SOURCES = tests/unit/test-json.c
tests_unit_test_json_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_json_LDADD = $(TEST_LDADD)
