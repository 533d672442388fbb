## sceau-agent (issue 7): the per-user daemon that holds unlocked devices.
## Its protocol, dispatcher and state are a library, so that the unit
## tests, the fuzz target and the CLI (which speaks the protocol) link
## them; main.c is the program (doc/agent-protocol.md).

noinst_LIBRARIES += agent/libagent.a
agent_libagent_a_SOURCES = \
	agent/protocol.h agent/protocol.c \
	agent/state.h agent/state.c \
	agent/dispatch.h agent/dispatch.c \
	agent/conn.h agent/conn.c \
	agent/bgsync.h agent/bgsync.c
agent_libagent_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent $(CURL_CFLAGS) $(SQLITE_CFLAGS) $(LIBXML_CFLAGS) $(P11KIT_CFLAGS)

# The program.
bin_PROGRAMS += sceau-agent
sceau_agent_SOURCES = agent/main.c
sceau_agent_CPPFLAGS = $(agent_libagent_a_CPPFLAGS)
sceau_agent_LDADD = agent/libagent.a $(SCEAU_LIBS) $(CURL_LIBS) \
	$(SQLITE_LIBS) $(LIBXML_LIBS) $(P11KIT_LIBS) -lpthread

# Unit tests of the agent's modules.
AGENT_TEST_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/agent
unit_tests += tests/unit/test-agent-protocol
tests_unit_test_agent_protocol_SOURCES = tests/unit/test-agent-protocol.c
tests_unit_test_agent_protocol_CFLAGS = $(AGENT_TEST_CFLAGS)
tests_unit_test_agent_protocol_LDADD = agent/libagent.a $(TEST_LDADD) \
	-lpthread

unit_tests += tests/unit/test-agent-dispatch
tests_unit_test_agent_dispatch_SOURCES = tests/unit/test-agent-dispatch.c
tests_unit_test_agent_dispatch_CPPFLAGS = $(agent_libagent_a_CPPFLAGS)
tests_unit_test_agent_dispatch_CFLAGS = $(AGENT_TEST_CFLAGS)
tests_unit_test_agent_dispatch_LDADD = agent/libagent.a $(TEST_LDADD) \
	$(P11KIT_LIBS) -lpthread

# The dispatcher, fuzzed (tests/fuzz/local.mk has the other targets).  Its
# libFuzzer build needs agent/ besides libsceau: see fuzz-build-agent.
check_PROGRAMS += tests/fuzz/fuzz-agent
tests_fuzz_fuzz_agent_SOURCES = tests/fuzz/fuzz-agent.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_fuzz_agent_CPPFLAGS = $(agent_libagent_a_CPPFLAGS)
tests_fuzz_fuzz_agent_LDADD = agent/libagent.a $(SCEAU_LIBS) $(P11KIT_LIBS) \
	-lpthread
script_tests += tests/fuzz/fuzz-agent.sh
CLEANFILES += tests/fuzz/fuzz-agent.libfuzzer
fuzz-build: fuzz-build-agent
fuzz-build-agent:
	@echo "  FUZZCC   tests/fuzz/fuzz-agent.libfuzzer"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) $(DEFAULT_INCLUDES) \
	    $(agent_libagent_a_CPPFLAGS) $(CPPFLAGS) \
	    $(addprefix $(srcdir)/,$(FUZZ_LIBSCEAU_C) \
	    $(filter %.c,$(agent_libagent_a_SOURCES))) \
	    $(srcdir)/tests/fuzz/fuzz-agent.c \
	    $(SCEAU_LIBS:libsceau.a=) $(P11KIT_LIBS) $(LIBINTL) -lpthread \
	    -o tests/fuzz/fuzz-agent.libfuzzer
.PHONY: fuzz-build-agent
