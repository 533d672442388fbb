/*
 * tls.h: the server's TLS certificate and key, read and checked before
 * they are handed to libmicrohttpd (whose own refusal says little).
 */
#ifndef SCEAU_SRV_TLS_H
#define SCEAU_SRV_TLS_H

#include "defs.h"

#define SRV_TLS_FILE_MAX (1024 * 1024)

/*
 * Reads the PEM certificate (chain) at cert_path and the PEM private key
 * at key_path, and checks that both parse and belong together, and that
 * the key file is not readable by everyone.  *cert_pem and *key_pem are
 * new NUL-terminated strings: free the key with srv_tls_free_key().
 * SCEAU_ERR_CONFIG (with a message naming the file), SCEAU_ERR_NOT_FOUND,
 * SCEAU_ERR_PERMISSION, SCEAU_ERR_INSECURE_FILE.
 */
int srv_tls_load(const char *cert_path, const char *key_path, char **cert_pem,
    char **key_pem) SCEAU_WUR;

/* Wipes and frees a key from srv_tls_load(); NULL is allowed. */
void srv_tls_free_key(char *key_pem);

#endif /* SCEAU_SRV_TLS_H */
