## sceau-server: the HTTP API (doc/protocol.md) on libmicrohttpd, storage
## behind one backend interface (SQLite embedded).

# The server's modules but main.c, in a library of their own so that the
# unit tests, the fuzz target and the bench link the same code.
noinst_LIBRARIES += src/server/libsrv.a
src_server_libsrv_a_SOURCES = \
	src/server/server.h src/server/ctx.c \
	src/server/backend.h src/server/backend.c \
	src/server/backend-sqlite.h src/server/backend-sqlite.c \
	src/server/backend-sqlite-realms.c src/server/backend-sqlite-invites.c \
	src/server/backend-sqlite-enroll.c src/server/backend-sqlite-alog.c \
	src/server/accesslog.h src/server/accesslog.c \
	src/server/export.h src/server/export.c \
	src/server/blockstore.h src/server/blockstore-packs.c \
	src/server/replay.h src/server/replay.c \
	src/server/chains.h src/server/chains.c \
	src/server/auth.h src/server/auth.c \
	src/server/request.h src/server/request.c \
	src/server/stream.h src/server/stream.c \
	src/server/router.h src/server/router.c \
	src/server/routes.h src/server/routes-util.c \
	src/server/routes-admin.c src/server/routes-org.c \
	src/server/routes-certs.c src/server/routes-realms.c \
	src/server/routes-vlobs.c src/server/routes-blocks.c \
	src/server/routes-invites.c src/server/routes-enroll.c \
	src/server/upload.h src/server/upload.c \
	src/server/proxy.h src/server/proxy.c \
	src/server/tls.h src/server/tls.c \
	src/server/srvconf.h src/server/srvconf.c \
	src/server/mail.h src/server/mail.c \
	src/server/httpd.h src/server/httpd.c
SRV_CPPFLAGS = -I$(top_srcdir)/src/server $(AM_CPPFLAGS) \
	-DLOCALSTATEDIR=\"$(localstatedir)\" \
	$(SQLITE_CFLAGS) $(MHD_CFLAGS)
src_server_libsrv_a_CPPFLAGS = $(SRV_CPPFLAGS)
SRV_LIBS = src/server/libsrv.a $(SCEAU_LIBS) $(SQLITE_LIBS) $(MHD_LIBS) \
	-lpthread

sbin_PROGRAMS += sceau-server
sceau_server_SOURCES = src/server/main.c
sceau_server_CPPFLAGS = $(SRV_CPPFLAGS)
sceau_server_LDADD = $(SRV_LIBS)
EXTRA_DIST += doc/server.md
