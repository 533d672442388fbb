## Benchmarks, with machine-readable output.  Built by make check (so
## that they keep compiling), never run by it:
##
##   make bench-requests        # bench/run-requests.sh: a server, a bench

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

# sceau mount against gocryptfs (bench/bench-mount.sh; needs /dev/fuse).
EXTRA_DIST += bench/bench-mount.sh
bench-mount: sceau$(EXEEXT) sceau-server$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/bench-mount.sh
.PHONY: bench-mount
