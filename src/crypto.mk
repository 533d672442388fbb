## Cryptography modules of libsceau (OpenSSL 3 EVP, libargon2).
libsceau_a_SOURCES += \
	src/hash.h src/hash.c \
	src/kdf.h src/kdf.c \
	src/aead.h src/aead.c \
	src/sign.h src/sign.c \
	src/box.h src/box.c \
	src/selftest.h src/selftest.c
