## libsceau: the core library (no program-level policy: never exits,
## never prints; returns SCEAU_ERR_* codes).

noinst_LIBRARIES += libsceau.a
libsceau_a_SOURCES = \
	src/defs.h \
	src/i18n.h src/i18n.c \
	src/errors.h src/errors.c \
	src/log.h src/log.c \
	src/alloc.h src/alloc.c \
	src/secmem.h src/secmem.c \
	src/buf.h src/buf-internal.h src/buf.c src/buf-getput.c src/buf-io.c \
	src/random.h src/random.c

# What every program and test links with libsceau.
SCEAU_LIBS = libsceau.a $(OPENSSL_LIBS) $(JANSSON_LIBS) $(ARGON2_LIBS) $(SQLITE_LIBS) $(CURL_LIBS) $(KEYUTILS_LIBS) $(LIBXML_LIBS) \
	$(LTLIBINTL) -lpthread

## Organization records and request signatures (issue 3).
libsceau_a_SOURCES += \
	src/strmap.h src/strmap.c \
	src/cert.h src/cert.c \
	src/chain.h src/chain-internal.h src/chain.c src/chain-realm.c \
	src/chain-x509.c src/chain-policy.c \
	src/reqsign.h src/reqsign.c \
	src/alog.h src/alog.c src/histfile.h src/histfile.c \
	src/store.h src/store-internal.h src/store.c src/store-vlob.c \
	src/conf.h src/conf.c \
	src/manifest.h src/manifest.c src/manifest-codec.c \
	src/client.h src/client.c src/client-bootstrap.c \
	src/client-members.c src/client-internal.h src/client-realm.c src/client-policy.c \
	src/client-sign.c src/client-rotate.c src/client-x509rev.c src/client-history.c \
	src/client-recovery.c \
	src/ws.h src/ws-internal.h src/ws.c src/ws-path.c src/ws-files.c \
	src/ws-history.c \
	src/sync.h src/sync-internal.h src/sync.c src/sync-blocks.c src/sync-upload.c \
	src/sync-watch.c \
	src/sync-merge.c

## Joining (issue 5): the code exchange of invitations, and its client.
libsceau_a_SOURCES += \
	src/invite.h src/invite.c src/enroll.h src/enroll.c \
	src/client-invite.h src/client-invite.c \
	src/client-enroll.h src/client-enroll.c
