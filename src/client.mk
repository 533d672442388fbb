## Client side of libsceau: sceau links, the HTTP transport (libcurl),
## the data directory and the device key file (kernel keyring).
libsceau_a_SOURCES += \
	src/link.h src/link.c \
	src/http.h src/http.c src/http-sse.c \
	src/paths.h src/paths.c \
	src/keyfile.h src/keyfile.c \
	src/wspolicy.h src/wspolicy.c \
	src/recovery.h src/recovery.c
