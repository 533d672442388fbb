## Encodings of libsceau: hex, base64, JSON.
libsceau_a_SOURCES += \
	src/encoding.h src/encoding.c \
	src/json.h src/json.c
