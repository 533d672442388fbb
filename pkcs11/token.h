/*
 * token.h: PKCS#11 tokens (smartcards, SoftHSM2) through p11-kit.
 *
 * A token is chosen by a PKCS#11 URI (RFC 7512, parsed by p11-kit):
 *
 *   pkcs11:token=alice;id=%01?module-name=softhsm2
 *   pkcs11:serial=27f04bcfa2dc5fc4;object=alice?module-path=/usr/lib/...
 *
 * Path attributes select the token (token, manufacturer, model, serial,
 * slot-id, slot-description, library-*) and the key pair on it (id,
 * object); "type" is ignored: the pair is always a private key and its
 * X.509 certificate with the same CKA_ID.  Query attributes select the
 * module: module-name (registered with p11-kit, e.g. "softhsm2",
 * "opensc-pkcs11"), or module-path, which must be on the allow-list (see
 * sceau_token_module_allowed()).  With neither, every module registered
 * with p11-kit is searched.  A pin-value or pin-source in the URI is
 * refused: PINs do not travel in URIs (they end up in logs and process
 * lists).
 *
 * The private key never leaves the token.  What the token does: C_Login,
 * C_Sign (RSA-PSS, ECDSA over a digest made on the host), C_Decrypt
 * (RSA-OAEP) and C_DeriveKey (ECDH); everything else (hashing, HKDF,
 * AES-GCM, checking points) runs on the host.  Each of those four calls
 * counts as one token operation (sceau_token_ops()), failed or not.
 *
 * Wrapped keys (see doc/tokens.md): a 32-byte secret is wrapped on the host
 * to the public key of a certificate (anyone may do it: no token), and
 * unwrapped on the token that holds the private key.  The first byte of a
 * wrapped blob names its algorithm and version together, in the same space
 * as box.h's sealed boxes (0x01 is X25519 there), so that one stored
 * envelope may be either:
 *
 *   0x02 ECDH P-256:  alg || E (65, uncompressed point) || nonce (12)
 *   0x03 ECDH P-384:  alg || E (97, uncompressed point) || nonce (12)
 *                     || ciphertext (32) || tag (16)
 *        key = HKDF-SHA256(salt = E || R, ikm = x(ECDH(e, R)),
 *                          info = "sceau token wrap v1 ecdh-p256" (-p384))
 *        where R is the recipient's uncompressed point; AES-256-GCM, no
 *        additional data.
 *   0x04 RSA-OAEP, SHA-256 and MGF1-SHA-256, empty label: alg || c
 *   0x05 RSA-OAEP, SHA-1 and MGF1-SHA-1, empty label:     alg || c
 *        where c is as long as the modulus.
 *
 * The OAEP hash is the wrapper's choice, written in the blob: SHA-256
 * wherever the token can (OpenSC cards do), SHA-1 for tokens that only do
 * that (SoftHSM 2.6.1).  sceau_token_oaep_probe() finds out which one a
 * token does, for enrollment to record it next to the certificate.
 *
 * Thread safety: a struct sceau_token is one PKCS#11 session; use it from
 * one thread at a time.  Separate handles (on one token or several) may be
 * used from separate threads: p11-kit initializes managed modules with OS
 * locking.  The operation counters are atomic.  Modules are loaded through
 * p11-kit's reference counting (p11_kit_module_initialize and _finalize,
 * or the modules_* equivalents), so closing a handle never finalizes a
 * module that another handle or another library in the process still uses.
 */
#ifndef SCEAU_TOKEN_H
#define SCEAU_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sceau_token_key_type {
	SCEAU_TOKEN_KEY_NONE = 0,
	SCEAU_TOKEN_KEY_RSA, /* 2048 to 8192 bits */
	SCEAU_TOKEN_KEY_EC_P256,
	SCEAU_TOKEN_KEY_EC_P384,
};

/* What the token says of its user PIN (CK_TOKEN_INFO flags). */
enum sceau_token_pin_state {
	SCEAU_TOKEN_PIN_OK = 0, /* nothing to report */
	SCEAU_TOKEN_PIN_COUNT_LOW, /* a wrong PIN was entered */
	SCEAU_TOKEN_PIN_FINAL_TRY, /* one more wrong PIN locks it */
	SCEAU_TOKEN_PIN_LOCKED,
};

#define SCEAU_TOKEN_WRAP_ECDH_P256 0x02
#define SCEAU_TOKEN_WRAP_ECDH_P384 0x03
#define SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256 0x04
#define SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1 0x05
#define SCEAU_TOKEN_WRAP_KEY_LEN 32
/* Largest blob: an RSA-8192 ciphertext and its alg byte. */
#define SCEAU_TOKEN_WRAP_MAX (1 + 1024)

#define SCEAU_TOKEN_SIG_MAX 1024 /* RSA-8192; ECDSA DER is far shorter */
#define SCEAU_TOKEN_CERT_MAX (64 * 1024)
#define SCEAU_TOKEN_PIN_MAX 256

struct sceau_token;

/* The token found by a URI, as listed or opened. */
struct sceau_token_info {
	char module[256]; /* p11-kit name, or path when loaded by path */
	unsigned long slot_id;
	char slot_description[65];
	char label[33]; /* trailing blanks removed */
	char manufacturer[33];
	char model[17];
	char serial[17];
	unsigned long flags; /* CK_TOKEN_INFO flags */
	enum sceau_token_pin_state pin_state;
	char uri[1024]; /* pkcs11:... naming this token and its module */
};

/*
 * Opens a session on the one token that uri names.  Errors:
 * SCEAU_ERR_TOKEN_URI (malformed, or with a PIN), _TOKEN_MODULE_REFUSED
 * (module-path off the allow-list), _TOKEN_MODULE (cannot load it),
 * _TOKEN_NOT_FOUND, _TOKEN_AMBIGUOUS (several tokens match: name one by
 * label or serial), _TOKEN_ABSENT, _TOKEN_FAILURE.  sceau_message() says
 * which.  Close with sceau_token_close().
 */
int sceau_token_open(const char *uri, struct sceau_token **tp) SCEAU_WUR;
/* Closes the session and releases the module; NULL is allowed. */
void sceau_token_close(struct sceau_token *t);

/* The token's description (refreshed flags and PIN state). */
const struct sceau_token_info *sceau_token_info(struct sceau_token *t);

/*
 * Logs the user in with pin[0..pinlen) (1 to SCEAU_TOKEN_PIN_MAX bytes),
 * or with pin NULL on a token with a protected authentication path (PIN
 * pad).  The PIN is copied to locked memory for the call and wiped; the
 * caller wipes its own copy.  Already logged in is success.  Errors:
 * SCEAU_ERR_WRONG_PIN (sceau_message() tells the tries left when the
 * token says: "few tries left", "one try left"), _PIN_LOCKED,
 * _TOKEN_ABSENT, _TOKEN_FAILURE.  Counts one operation.
 */
int sceau_token_login(struct sceau_token *t, const void *pin, size_t pinlen)
    SCEAU_WUR;

/*
 * The certificate of the pair (DER), owned by t until it is closed.
 * _TOKEN_NO_CERT when none matches, _TOKEN_AMBIGUOUS when several do
 * (add id= or object= to the URI).  Needs no login on usual tokens.
 */
int sceau_token_certificate(
    struct sceau_token *t, const uint8_t **der, size_t *len) SCEAU_WUR;

/*
 * The pair's key type, from the certificate (or the private key when the
 * token has no certificate and the user is logged in); NONE when unknown
 * or unsupported.
 */
enum sceau_token_key_type sceau_token_key_type(struct sceau_token *t);

/*
 * Signs data[0..len) with the private key (login first): SHA-256 on the
 * host, then CKM_RSA_PKCS_PSS {SHA-256, MGF1-SHA-256, salt 32} for RSA,
 * CKM_ECDSA over SHA-256 (P-256) or SHA-384 (P-384) for EC.  Appends the
 * signature to sig: RSA-PSS as is, ECDSA as DER (X9.62 Ecdsa-Sig-Value,
 * what X.509 and OpenSSL use) converted from the token's r||s.  *alg (if
 * not NULL) gets the algorithm's name (sceau_token_sig_alg()).  Counts
 * one operation.  Errors: _TOKEN_NOT_LOGGED_IN, _TOKEN_NO_KEY,
 * _TOKEN_MECHANISM (the key may not sign, or asks for the PIN at each
 * use), _TOKEN_ABSENT, _TOKEN_FAILURE.
 */
int sceau_token_sign(struct sceau_token *t, const void *data, size_t len,
    struct sceau_buf *sig, const char **alg) SCEAU_WUR;

/*
 * Unwraps blob[0..len) (made by sceau_token_wrap_to_cert() for this
 * token's certificate) into key (login first).  EC: checks the ephemeral
 * point on the host, C_DeriveKey (CKM_ECDH1_DERIVE, CKD_NULL) into a
 * session secret that is read back and destroyed, then HKDF and AES-GCM on
 * the host.  RSA: C_Decrypt with CKM_RSA_PKCS_OAEP and the blob's hash.
 * Counts one operation.  Errors: SCEAU_ERR_INVALID_FORMAT (malformed or of
 * another key type), _DECRYPT_FAILED (altered, or for another key),
 * _TOKEN_MECHANISM (e.g. SHA-256 OAEP on SoftHSM 2.6.1), and those of
 * sceau_token_sign().  key is zeroed on failure.
 */
int sceau_token_unwrap(struct sceau_token *t, const void *blob, size_t len,
    uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN]) SCEAU_WUR;

/*
 * For an RSA key: which OAEP wrap the token can unwrap, SHA-256 first,
 * found by wrapping a random key and unwrapping it (one or two
 * operations); *alg gets SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256 or _SHA1.  For
 * an EC key: the ECDH alg, with no token operation.
 */
int sceau_token_oaep_probe(struct sceau_token *t, int *alg) SCEAU_WUR;

/*
 * Finds the private key of the pair (on most tokens, only after login):
 * 0, or _TOKEN_NO_KEY, _TOKEN_NOT_LOGGED_IN, _TOKEN_AMBIGUOUS.  No token
 * operation: a search, not a use.
 */
int sceau_token_find_key(struct sceau_token *t) SCEAU_WUR;

/*
 * Is the token of t still there and logged in (its session alive, the
 * same serial number and label in its slot)?  0 or SCEAU_ERR_TOKEN_ABSENT.
 * Not counted as an operation.
 */
int sceau_token_present(struct sceau_token *t) SCEAU_WUR;

/* Token operations made through t, and through every handle so far. */
unsigned long sceau_token_ops(const struct sceau_token *t);
unsigned long sceau_token_ops_total(void);

/* ---------------------------------------------- on the host, no token */

/*
 * Wraps key to the public key of certificate der[0..len) and appends the
 * blob to out.  alg 0 picks the default for the key: ECDH for EC,
 * SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256 for RSA; a given alg must suit the
 * key (SCEAU_ERR_INVALID_ARGUMENT otherwise).  Errors: SCEAU_ERR_CERT_FORMAT,
 * _TOKEN_KEY_TYPE, _CRYPTO, _BUFFER_TOO_LARGE; out is unchanged on error.
 */
int sceau_token_wrap_to_cert(const uint8_t *der, size_t len, int alg,
    const uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN], struct sceau_buf *out)
    SCEAU_WUR;

/*
 * Verifies sig[0..siglen) over data[0..n) made by sceau_token_sign() with
 * the key of certificate der[0..len); alg must be the one for that key.
 * 0 or SCEAU_ERR_SIGNATURE_INVALID (_CERT_FORMAT, _TOKEN_KEY_TYPE).
 */
int sceau_token_verify(const uint8_t *der, size_t len, const char *alg,
    const void *data, size_t n, const void *sig, size_t siglen) SCEAU_WUR;

/* Key type and size (bits) of a certificate's public key. */
int sceau_token_cert_key_type(const uint8_t *der, size_t len,
    enum sceau_token_key_type *type, unsigned int *bits) SCEAU_WUR;

/* "rsa", "ec-p256", "ec-p384"; NULL for NONE. */
const char *sceau_token_key_type_name(enum sceau_token_key_type type);
/* "rsa-pss-sha256", "ecdsa-p256-sha256", "ecdsa-p384-sha384"; or NULL. */
const char *sceau_token_sig_alg(enum sceau_token_key_type type);
/* "ecdh-p256", "ecdh-p384", "rsa-oaep-sha256", "rsa-oaep-sha1"; or NULL. */
const char *sceau_token_wrap_alg_name(int alg);
/* "ok", "count-low", "final-try", "locked". */
const char *sceau_token_pin_state_name(enum sceau_token_pin_state state);
/*
 * Names of the CK_TOKEN_INFO flags set in flags ("login-required",
 * "token-initialized"...), at most max of them into names; the count.
 */
size_t sceau_token_flag_names(
    unsigned long flags, const char **names, size_t max);

/* ------------------------------------------------------ modules, lists */

/*
 * 0 when path may be loaded as a PKCS#11 module, else
 * SCEAU_ERR_TOKEN_MODULE_REFUSED.  Allowed: the compiled-in Debian paths
 * (SoftHSM2, OpenSC, p11-kit-proxy) and the absolute paths in the
 * environment variable SCEAU_PKCS11_ALLOW (colon-separated; for
 * administrators and tests).  Paths are compared after realpath(3), so a
 * symbolic link is judged by what it points to; a path that does not
 * exist is refused.
 */
int sceau_token_module_allowed(const char *path) SCEAU_WUR;

/*
 * The workstation policy's modules (sceau-policy(5), <pkcs11>), for the
 * whole process, set before any token is opened: with n > 0, only these
 * absolute paths are ever loaded (compared after realpath(3)); they
 * replace the default allow-list and SCEAU_PKCS11_ALLOW.  A URI with a
 * module-path off the list, or with a module-name (p11-kit would load
 * every registered module to find it), is refused before anything is
 * loaded: SCEAU_ERR_POLICY_REFUSED, naming the rule.  A URI without
 * either searches the listed modules (not every registered one).  paths
 * (and its strings) must stay valid until exit.
 */
void sceau_token_policy_modules(const char *const *paths, size_t n);

/* One module and its slots, as sceau_token_list() finds them. */
struct sceau_token_slot {
	int token_present;
	int token_initialized;
	unsigned long slot_flags; /* CK_SLOT_INFO flags */
	struct sceau_token_info info; /* label... empty without a token */
};
struct sceau_token_module {
	char name[256]; /* p11-kit name, or the path */
	char path[1024]; /* the shared library, or "" if p11-kit hides it */
	char description[33];
	char manufacturer[33];
	int failed; /* could not be listed: error below */
	int error;
	size_t nslots;
	struct sceau_token_slot *slots;
};
struct sceau_token_list {
	size_t nmodules;
	struct sceau_token_module *modules;
};

/*
 * Lists the modules (module NULL: all registered with p11-kit; a name;
 * or a path, which has a '/', under the allow-list), their slots and
 * tokens.  A module that fails is listed with its error.  Free with
 * sceau_token_list_free().
 */
int sceau_token_list(const char *module, struct sceau_token_list **lp)
    SCEAU_WUR;
void sceau_token_list_free(struct sceau_token_list *l);

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_TOKEN_H */
