## The sceau command-line program: one file per subcommand.

bin_PROGRAMS += sceau
sceau_SOURCES = \
	src/cli/cli.h src/cli/commands.h \
	src/cli/sceau.c src/cli/commands.c src/cli/output.c \
	src/cli/dispatch.c src/cli/secret.c src/cli/device-opts.c \
	src/cli/describe.c \
	src/cli/cmd-device.c src/cli/cmd-recovery.c \
	src/cli/cmd-help.c \
	src/cli/cmd-org.c \
	src/cli/cmd-pki.c \
	src/cli/cmd-invite.c \
	src/cli/cmd-enroll.c \
	src/cli/cmd-selftest.c \
	src/cli/cmd-server.c \
	src/cli/cmd-status.c \
	src/cli/cmd-token.c \
	src/cli/cmd-user.c \
	src/cli/cmd-version.c \
	src/cli/cmd-whoami.c \
	src/cli/cmd-agent.c \
	src/cli/cmd-policy.c src/cli/cmd-policy-org.c src/cli/wspolicy.c \
	src/cli/wspath.c src/cli/progress.c \
	src/cli/cmd-workspace.c src/cli/cmd-files.c src/cli/cmd-transfer.c \
	src/cli/cmd-sync.c src/cli/cmd-history.c src/cli/rotate.c \
	src/cli/mount.h src/cli/cmd-mount.c src/cli/cmd-unmount.c \
	src/cli/mount-fs.c src/cli/mount-file.c src/cli/mount-local.c \
	src/cli/mount-offline.c
sceau_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent -DBINDIR=\"$(bindir)\" \
	$(CURL_CFLAGS) \
	$(SQLITE_CFLAGS) $(LIBXML_CFLAGS) $(P11KIT_CFLAGS) $(FUSE_CFLAGS)
sceau_LDADD = agent/libagent.a $(SCEAU_LIBS) $(CURL_LIBS) $(SQLITE_LIBS) $(LIBXML_LIBS) \
	$(P11KIT_LIBS) $(FUSE_LIBS) -lpthread
