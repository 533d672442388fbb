## Benchmarks, with machine-readable output.  Built by make check (so
## that they keep compiling), never run by it:
##
##   make bench-requests        # bench/run-requests.sh: a server, a bench
##   make bench-audit           # bench/bench-audit.sh: sceau-audit verify
##                              # of a generated history export

check_PROGRAMS += bench/bench-requests
bench_bench_requests_SOURCES = bench/bench-requests.c
bench_bench_requests_CPPFLAGS = -I$(top_srcdir)/tests/unit $(AM_CPPFLAGS) \
	$(CURL_CFLAGS)
bench_bench_requests_LDADD = tests/unit/libsrvfixture.a $(SCEAU_LIBS) \
	$(CURL_LIBS) -lpthread
EXTRA_DIST += bench/run-requests.sh

bench-requests: bench/bench-requests$(EXEEXT) sceau-server$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/run-requests.sh
.PHONY: bench-requests
include bench/files.mk

# sceau-audit verify on a generated export (bench/bench-audit.sh):
# bench-gen-history writes a valid history export of N certificates and M
# vlob versions, and times N + M Ed25519 verifications as a baseline.
check_PROGRAMS += bench/bench-gen-history
bench_bench_gen_history_SOURCES = bench/gen-history.c
bench_bench_gen_history_LDADD = $(SCEAU_LIBS)
EXTRA_DIST += bench/bench-audit.sh bench/results/2026-11-23-audit.jsonl

bench-audit: bench/bench-gen-history$(EXEEXT) sceau-audit$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/bench-audit.sh
.PHONY: bench-audit

# sceau mount against gocryptfs (bench/bench-mount.sh; needs /dev/fuse).
EXTRA_DIST += bench/bench-mount.sh
bench-mount: sceau$(EXEEXT) sceau-server$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/bench-mount.sh
.PHONY: bench-mount
