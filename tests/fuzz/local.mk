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
# The auditor's walk, for fuzz-history (unused by the others).
FUZZ_EXTRA_C = src/audit/history.c src/audit/history-vlob.c \
	src/audit/history-batch.c
CLEANFILES += $(fuzz_targets:%=tests/fuzz/fuzz-%.libfuzzer)

fuzz-build:
	@for t in $(fuzz_targets); do \
		echo "  FUZZCC   tests/fuzz/fuzz-$$t.libfuzzer"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) $(DEFAULT_INCLUDES) \
		    $(AM_CPPFLAGS) $(CPPFLAGS) -I$(srcdir)/src/audit \
		    $(addprefix $(srcdir)/,$(FUZZ_LIBSCEAU_C) $(FUZZ_EXTRA_C)) \
		    $(srcdir)/tests/fuzz/fuzz-$$t.c \
		    $(OPENSSL_LIBS) $(JANSSON_LIBS) $(ARGON2_LIBS) $(SQLITE_LIBS) \
		    $(CURL_LIBS) $(KEYUTILS_LIBS) $(LIBXML_LIBS) $(P11KIT_LIBS) $(LIBINTL) \
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

# The access-log export and its verifier (src/alog.c).
fuzz_targets += alog
check_PROGRAMS += tests/fuzz/fuzz-alog
tests_fuzz_fuzz_alog_SOURCES = tests/fuzz/fuzz-alog.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_alog_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-alog.sh

# The history export and the auditor's walk (src/histfile.c,
# src/audit/history.c).
fuzz_targets += history
check_PROGRAMS += tests/fuzz/fuzz-history
tests_fuzz_fuzz_history_SOURCES = tests/fuzz/fuzz-history.c \
	src/audit/history.c src/audit/history-vlob.c \
	src/audit/history-batch.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_history_CPPFLAGS = -I$(top_srcdir)/src/audit $(AM_CPPFLAGS)
tests_fuzz_fuzz_history_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-history.sh

# The device key file (src/keyfile.c): header, unlock and decrypt.
fuzz_targets += keyfile
check_PROGRAMS += tests/fuzz/fuzz-keyfile
tests_fuzz_fuzz_keyfile_SOURCES = tests/fuzz/fuzz-keyfile.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_keyfile_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-keyfile.sh

## fuzz-request: sceau-server's dispatcher (src/server/router.c), with the
## server's modules, the test organization and an in-memory SQLite.
check_PROGRAMS += tests/fuzz/fuzz-request
tests_fuzz_fuzz_request_SOURCES = tests/fuzz/fuzz-request.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_request_CPPFLAGS = $(SRV_TEST_CPPFLAGS)
tests_fuzz_fuzz_request_LDADD = tests/unit/libsrvfixture.a $(SRV_LIBS)
script_tests += tests/fuzz/fuzz-request.sh

# Its libFuzzer build needs more than libsceau: a rule of its own, run by
# fuzz-build and fuzz-smoke besides the loop over fuzz_targets.
FUZZ_SRV_C = $(filter %.c,$(src_server_libsrv_a_SOURCES)) \
	tests/unit/srv-fixture.c
CLEANFILES += tests/fuzz/fuzz-request.libfuzzer
fuzz-build: fuzz-build-request
fuzz-build-request:
	@echo "  FUZZCC   tests/fuzz/fuzz-request.libfuzzer"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) $(DEFAULT_INCLUDES) \
	    $(SRV_TEST_CPPFLAGS) $(CPPFLAGS) \
	    $(addprefix $(srcdir)/,$(FUZZ_LIBSCEAU_C) $(FUZZ_SRV_C)) \
	    $(srcdir)/tests/fuzz/fuzz-request.c \
	    $(SCEAU_LIBS:libsceau.a=) $(SQLITE_LIBS) $(MHD_LIBS) $(LIBINTL) \
	    -lpthread -o tests/fuzz/fuzz-request.libfuzzer
fuzz-smoke: fuzz-smoke-request
fuzz-smoke-request: fuzz-build-request
	@work=$$(mktemp -d) || exit 1; \
	tests/fuzz/fuzz-request.libfuzzer -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=4096 -print_final_stats=1 \
	    "$$work" $(srcdir)/tests/fuzz/corpus/request; \
	st=$$?; rm -rf "$$work"; exit $$st
.PHONY: fuzz-build-request fuzz-smoke-request

# Certificates and identity blobs (src/cert.c, src/chain.c).
fuzz_targets += cert
check_PROGRAMS += tests/fuzz/fuzz-cert
tests_fuzz_fuzz_cert_SOURCES = tests/fuzz/fuzz-cert.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_cert_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-cert.sh

# Workspace records (src/manifest*.c): manifest plaintexts and sealed,
# signed vlobs.  Blocks from the server (src/blockframe.c, the export
# pipeline): frames, and ciphertexts that must decrypt exactly when right.
fuzz_targets += manifest block
check_PROGRAMS += tests/fuzz/fuzz-manifest tests/fuzz/fuzz-block
tests_fuzz_fuzz_manifest_SOURCES = tests/fuzz/fuzz-manifest.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_manifest_LDADD = $(SCEAU_LIBS)
tests_fuzz_fuzz_block_SOURCES = tests/fuzz/fuzz-block.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_block_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-manifest.sh tests/fuzz/fuzz-block.sh

# The code exchange of invitations (src/invite.c): every message.
fuzz_targets += invite
check_PROGRAMS += tests/fuzz/fuzz-invite
tests_fuzz_fuzz_invite_SOURCES = tests/fuzz/fuzz-invite.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_invite_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-invite.sh

# PKI enrollment requests (src/enroll.c): envelope and payload.
fuzz_targets += enroll
check_PROGRAMS += tests/fuzz/fuzz-enroll
tests_fuzz_fuzz_enroll_SOURCES = tests/fuzz/fuzz-enroll.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_enroll_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-enroll.sh

# Policy documents (policy/policy.c): parse, validate, read.
fuzz_targets += policy
check_PROGRAMS += tests/fuzz/fuzz-policy
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz-policy.c \
	$(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_policy_LDADD = $(SCEAU_LIBS)
script_tests += tests/fuzz/fuzz-policy.sh
