## The token layer (issue 6): PKCS#11 tokens through p11-kit, in libsceau.
## See doc/tokens.md.
libsceau_a_SOURCES += \
	pkcs11/token.h pkcs11/token-internal.h pkcs11/token.c \
	pkcs11/token-module.c pkcs11/token-host.c \
	pkcs11/pinentry.h pkcs11/pinentry.c
SCEAU_LIBS += $(P11KIT_LIBS)
