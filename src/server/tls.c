/*
 * tls.c: loading and checking the server's TLS certificate and key with
 * OpenSSL, so that a wrong file is named at start (and by
 * --check-config) instead of failing inside the TLS library.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "tls.h"

static int
tls_read(const char *path, char **out)
{
	struct sceau_buf *b;
	int r;

	*out = NULL;
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_load_file(path, SRV_TLS_FILE_MAX, b)) == 0 &&
	    (*out = sceau_buf_dup_cstring(b)) == NULL) {
		sceau_message("%s: holds a NUL byte", path);
		r = SCEAU_ERR_CONFIG;
	}
	sceau_buf_free(b);
	return r;
}

void
srv_tls_free_key(char *key_pem)
{
	if (key_pem != NULL)
		sceau_freezero(key_pem, strlen(key_pem) + 1);
}

static int
tls_check(const char *cert_path, const char *cert_pem, const char *key_path,
    const char *key_pem)
{
	BIO *cb = NULL, *kb = NULL;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int r = SCEAU_ERR_CONFIG;

	if ((cb = BIO_new_mem_buf(cert_pem, -1)) == NULL ||
	    (kb = BIO_new_mem_buf(key_pem, -1)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) == NULL) {
		sceau_message("%s: no PEM certificate", cert_path);
		goto out;
	}
	if ((k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL)) == NULL) {
		sceau_message(
		    "%s: no PEM private key (or it is encrypted)", key_path);
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		sceau_message("%s does not match the certificate of %s",
		    key_path, cert_path);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(kb);
	BIO_free(cb);
	return r;
}

int
srv_tls_load(const char *cert_path, const char *key_path, char **cert_pem,
    char **key_pem)
{
	struct stat st;
	int r;

	*cert_pem = *key_pem = NULL;
	if (stat(key_path, &st) == 0 && (st.st_mode & S_IROTH) != 0) {
		sceau_message("%s: private key readable by everyone", key_path);
		return SCEAU_ERR_INSECURE_FILE;
	}
	if ((r = tls_read(cert_path, cert_pem)) != 0 ||
	    (r = tls_read(key_path, key_pem)) != 0 ||
	    (r = tls_check(cert_path, *cert_pem, key_path, *key_pem)) != 0) {
		sceau_free(*cert_pem);
		srv_tls_free_key(*key_pem);
		*cert_pem = *key_pem = NULL;
		return r;
	}
	return 0;
}
