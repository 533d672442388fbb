## Cryptography modules of libsceau (OpenSSL 3 EVP, libargon2).
libsceau_a_SOURCES += \
	src/hash.h src/hash.c \
	src/kdf.h src/kdf.c \
	src/aead.h src/aead.c \
	src/sign.h src/sign.c \
	src/box.h src/box.c \
	src/selftest.h src/selftest.c

## X.509 validation of the organization's PKI (issue 6): certificates,
## trust and path validation, CRL fetching and cache, OCSP.
libsceau_a_SOURCES += \
	src/x509.h src/x509-internal.h src/x509.c src/x509-trust.c \
	src/x509-fetch.c
