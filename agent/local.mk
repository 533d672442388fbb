## sceau-agent (issue 7): the per-user daemon that holds unlocked devices.
## Its protocol, dispatcher and state are a library, so that the unit
## tests, the fuzz target and the CLI (which speaks the protocol) link
## them; main.c is the program (doc/agent-protocol.md).

noinst_LIBRARIES += agent/libagent.a
agent_libagent_a_SOURCES = \
	agent/protocol.h agent/protocol.c
agent_libagent_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent

# Unit tests of the agent's modules.
AGENT_TEST_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/agent
unit_tests += tests/unit/test-agent-protocol
tests_unit_test_agent_protocol_SOURCES = tests/unit/test-agent-protocol.c
tests_unit_test_agent_protocol_CFLAGS = $(AGENT_TEST_CFLAGS)
tests_unit_test_agent_protocol_LDADD = agent/libagent.a $(TEST_LDADD)
