## Fuzz targets: one per parser.  Each builds twice: as a corpus replayer
## (with tests/fuzz/main.c; make check runs it over tests/fuzz/corpus/NAME
## through tests/fuzz/fuzz-NAME.sh, with the sanitizers of the build), and
## on request as a libFuzzer binary (make fuzz-build, below).

fuzz_targets = encoding json buf
FUZZ_REPLAY_SOURCES = tests/fuzz/fuzz.h tests/fuzz/main.c

check_PROGRAMS += \
	tests/fuzz/fuzz-encoding \
	tests/fuzz/fuzz-json \
	tests/fuzz/fuzz-buf

tests_fuzz_fuzz_encoding_SOURCES = tests/fuzz/fuzz-encoding.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_encoding_LDADD = $(SCEAU_LIBS)
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz-json.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_json_LDADD = $(SCEAU_LIBS)
tests_fuzz_fuzz_buf_SOURCES = tests/fuzz/fuzz-buf.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_buf_LDADD = $(SCEAU_LIBS)

script_tests += \
	tests/fuzz/fuzz-encoding.sh \
	tests/fuzz/fuzz-json.sh \
	tests/fuzz/fuzz-buf.sh

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/corpus

# libFuzzer builds (opt-in, not part of make check; see tests/fuzz/README.md).
# libsceau's sources are compiled again with the fuzzer's coverage
# instrumentation, which the libsceau.a of this build does not have:
#
#   make fuzz-build                      # tests/fuzz/fuzz-NAME.libfuzzer
#   make fuzz-smoke FUZZ_SECONDS=60      # each target for that long
#
# FUZZ_CC must be a clang with libFuzzer (-fsanitize=fuzzer).
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS = 60
FUZZ_LIBSCEAU_C = $(filter %.c,$(libsceau_a_SOURCES))
CLEANFILES += $(fuzz_targets:%=tests/fuzz/fuzz-%.libfuzzer)

fuzz-build:
	@for t in $(fuzz_targets); do \
		echo "  FUZZCC   tests/fuzz/fuzz-$$t.libfuzzer"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) $(DEFAULT_INCLUDES) \
		    $(AM_CPPFLAGS) $(CPPFLAGS) \
		    $(addprefix $(srcdir)/,$(FUZZ_LIBSCEAU_C)) \
		    $(srcdir)/tests/fuzz/fuzz-$$t.c \
		    $(OPENSSL_LIBS) $(JANSSON_LIBS) $(ARGON2_LIBS) $(LIBINTL) \
		    -o tests/fuzz/fuzz-$$t.libfuzzer || exit 1; \
	done

# New inputs go to a scratch directory, never into the source corpus.
fuzz-smoke: fuzz-build
	@for t in $(fuzz_targets); do \
		work=$$(mktemp -d) || exit 1; \
		tests/fuzz/fuzz-$$t.libfuzzer -max_total_time=$(FUZZ_SECONDS) \
		    -max_len=4096 -print_final_stats=1 \
		    "$$work" $(srcdir)/tests/fuzz/corpus/$$t; \
		st=$$?; rm -rf "$$work"; test $$st -eq 0 || exit $$st; \
	done

.PHONY: fuzz-build fuzz-smoke
