## Example configuration files (installed by packagers, documented in
## section 5 of the manual).
EXTRA_DIST += conf/server.conf conf/policy.xml

# The systemd user unit of sceau-agent, with the installed path in it.
systemduserunitdir = $(prefix)/lib/systemd/user
systemduserunit_DATA = conf/sceau-agent.service
EXTRA_DIST += conf/sceau-agent.service.in
CLEANFILES += conf/sceau-agent.service
conf/sceau-agent.service: $(srcdir)/conf/sceau-agent.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf && \
	sed -e 's|@bindir[@]|$(bindir)|g' $(srcdir)/conf/sceau-agent.service.in >$@
