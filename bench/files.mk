## make bench-files: bench/bench-files.sh runs plain cp, rclone crypt
## (local and over WebDAV on loopback) and sceau (the program and
## sceau-server on loopback) on 1 GiB of big files and 10,000 small ones;
## one JSON line per system x workload x phase (doc/performance.md).
## bench-pipeline drives the block cache and the pipeline directly.  Built
## by make check (so that it keeps compiling), never run there.

check_PROGRAMS += bench/bench-pipeline
bench_bench_pipeline_SOURCES = bench/bench-pipeline.c
bench_bench_pipeline_LDADD = $(SCEAU_LIBS)
EXTRA_DIST += bench/bench-files.sh bench/results/2026-11-23-files.jsonl

bench-files: bench/bench-pipeline$(EXEEXT) sceau$(EXEEXT) \
    sceau-server$(EXEEXT) tests/tools/sceau-test-provision$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/bench-files.sh
.PHONY: bench-files
