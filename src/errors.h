/*
 * errors.h: the one space of error codes of the whole tree.
 *
 * Every fallible function returns 0 on success or a negative SCEAU_ERR_*
 * code.  Codes are numbered in ranges per subsystem (as OpenSC's errors.h
 * does).  A retired number stays reserved and is never reused: replace its
 * line with a RESERVED comment.  Each code has a distinct message, and a line
 * in man/sceau-errors.7 (tests/unit/test-errors checks both).
 *
 *   -1 .. -49     generic (memory, arguments, system)
 *   -50 .. -99    buffers and encodings (hex, base64, JSON)
 *   -100 .. -199  cryptography
 *   -200 .. -299  transport and protocol (HTTP client, server replies)
 *   -300 .. -399  server-side refusals
 *   -400 .. -499  organization records (certificates, chain)
 *   -500 .. -599  tokens (PKCS#11)
 *   -600 .. -699  X.509 / PKI validation
 *   -700 .. -799  policy
 *   -800 .. -899  local store, sync, data
 *   -900 .. -999  agent
 *   -1000 .. -1099 audit
 */
#ifndef SCEAU_ERRORS_H
#define SCEAU_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, value, message).  Messages are marked for translation. */
#define SCEAU_N_(s) s
#define SCEAU_ERROR_LIST(X)                                                    \
	X(INTERNAL, -1, SCEAU_N_("internal error"))                            \
	X(ALLOC, -2, SCEAU_N_("memory allocation failed"))                     \
	X(INVALID_ARGUMENT, -3, SCEAU_N_("invalid argument"))                  \
	X(SYSTEM, -4, SCEAU_N_("system call failed"))                          \
	X(NOT_FOUND, -5, SCEAU_N_("not found"))                                \
	X(EXISTS, -6, SCEAU_N_("already exists"))                              \
	X(NOT_SUPPORTED, -7, SCEAU_N_("operation not supported"))              \
	X(INTERRUPTED, -8, SCEAU_N_("interrupted"))                            \
	X(TIMEOUT, -9, SCEAU_N_("timed out"))                                  \
	X(PERMISSION, -10, SCEAU_N_("permission denied"))                      \
	X(LIMIT_EXCEEDED, -11, SCEAU_N_("limit exceeded"))                     \
	X(FILE_TOO_LARGE, -12, SCEAU_N_("file too large"))                     \
	X(INSECURE_FILE, -13,                                                  \
	    SCEAU_N_("file has unsafe owner or permissions"))                  \
	X(BUFFER_TOO_LARGE, -50,                                               \
	    SCEAU_N_("buffer would exceed its size limit"))                    \
	X(MESSAGE_INCOMPLETE, -51, SCEAU_N_("message incomplete"))             \
	X(STRING_TOO_LARGE, -52, SCEAU_N_("length field exceeds its limit"))   \
	X(BUFFER_READ_ONLY, -53, SCEAU_N_("buffer is read-only"))              \
	X(INVALID_FORMAT, -54, SCEAU_N_("invalid format"))                     \
	X(BAD_HEX, -55, SCEAU_N_("invalid hexadecimal encoding"))              \
	X(BAD_BASE64, -56, SCEAU_N_("invalid base64 encoding"))                \
	X(JSON_SYNTAX, -57, SCEAU_N_("invalid JSON"))                          \
	X(JSON_TOO_DEEP, -58, SCEAU_N_("JSON nested too deeply"))              \
	X(JSON_TOO_LARGE, -59, SCEAU_N_("JSON document too large"))            \
	X(JSON_MISSING, -60, SCEAU_N_("JSON field missing"))                   \
	X(JSON_TYPE, -61, SCEAU_N_("JSON field has the wrong type"))           \
	X(JSON_VALUE, -62, SCEAU_N_("JSON field value out of range"))          \
	X(TRAILING_DATA, -63,                                                  \
	    SCEAU_N_("unexpected data after the end of a message"))            \
	X(CRYPTO, -100, SCEAU_N_("cryptographic library failure"))             \
	X(RANDOM, -101, SCEAU_N_("random number generator failure"))           \
	X(SIGNATURE_INVALID, -102, SCEAU_N_("signature verification failed"))  \
	X(DECRYPT_FAILED, -103,                                                \
	    SCEAU_N_(                                                          \
	        "decryption failed: data was altered or the key is wrong"))    \
	X(KEY_INVALID, -104, SCEAU_N_("invalid key"))                          \
	X(STREAM_TRUNCATED, -105, SCEAU_N_("encrypted stream truncated"))      \
	X(STREAM_STATE, -106, SCEAU_N_("encrypted stream used out of order"))  \
	X(PASSWORD_HASH, -107, SCEAU_N_("password hashing failed"))            \
	X(SECMEM, -108, SCEAU_N_("secure memory unavailable"))                 \
	X(KDF_PARAMS, -109,                                                    \
	    SCEAU_N_("password hashing parameters out of bounds"))             \
	X(CONFIG, -14, SCEAU_N_("invalid configuration"))                      \
	X(CONNECT, -200, SCEAU_N_("cannot connect to the server"))             \
	X(TLS, -201, SCEAU_N_("TLS certificate verification failed"))          \
	X(HTTP, -202, SCEAU_N_("unexpected HTTP response from the server"))    \
	X(INSECURE_URL, -203,                                                  \
	    SCEAU_N_(                                                          \
	        "refusing plain HTTP to a server that is not on loopback"))    \
	X(PROTOCOL, -204, SCEAU_N_("malformed reply from the server"))         \
	X(BAD_LINK, -205, SCEAU_N_("invalid sceau link"))                      \
	X(MAIL, -206, SCEAU_N_("cannot send mail"))                            \
	X(AUTH_FAILED, -300, SCEAU_N_("request authentication failed"))        \
	X(REPLAYED, -301, SCEAU_N_("request replayed"))                        \
	X(CLOCK_SKEW, -302, SCEAU_N_("clock too far from the server's"))       \
	X(DEVICE_REVOKED, -303, SCEAU_N_("device revoked"))                    \
	X(USER_REVOKED, -304, SCEAU_N_("user revoked"))                        \
	X(ORG_FROZEN, -305, SCEAU_N_("organization frozen"))                   \
	X(ORG_UNKNOWN, -306, SCEAU_N_("no such organization"))                 \
	X(FORBIDDEN, -307, SCEAU_N_("not allowed for this profile or role"))   \
	X(BAD_REQUEST, -308, SCEAU_N_("request refused as malformed"))         \
	X(CONFLICT, -309, SCEAU_N_("concurrent change: retry"))                \
	X(BOOTSTRAP_TOKEN, -310,                                               \
	    SCEAU_N_("invalid or already used bootstrap token"))               \
	X(ALREADY_BOOTSTRAPPED, -311,                                          \
	    SCEAU_N_("organization already bootstrapped"))                     \
	X(TOO_LARGE, -312, SCEAU_N_("request too large"))                      \
	X(RATE_LIMITED, -313, SCEAU_N_("too many requests"))                   \
	X(SERVER_ERROR, -314, SCEAU_N_("server error"))                        \
	X(ADMIN_AUTH, -315, SCEAU_N_("server administration token refused"))   \
	X(NOT_BOOTSTRAPPED, -316,                                              \
	    SCEAU_N_("organization not bootstrapped yet"))                     \
	X(CERT_FORMAT, -400, SCEAU_N_("malformed certificate"))                \
	X(CERT_SIGNATURE, -401, SCEAU_N_("certificate signature invalid"))     \
	X(CHAIN_INDEX, -402,                                                   \
	    SCEAU_N_(                                                          \
	        "certificate out of order: one was dropped, added or moved"))  \
	X(CHAIN_HASH, -403, SCEAU_N_("certificate hash chain broken"))         \
	X(CHAIN_TIME, -404, SCEAU_N_("certificate timestamps go backwards"))   \
	X(CHAIN_AUTHOR, -405, SCEAU_N_("certificate author unknown"))          \
	X(CHAIN_AUTHOR_REVOKED, -406,                                          \
	    SCEAU_N_("certificate author was revoked"))                        \
	X(CHAIN_NOT_ALLOWED, -407,                                             \
	    SCEAU_N_("act not allowed to the certificate's author"))           \
	X(CHAIN_INVALID, -408, SCEAU_N_("certificate contradicts the chain"))  \
	X(CHAIN_ORG, -409, SCEAU_N_("certificate of another organization"))    \
	X(CHAIN_ROOT, -410, SCEAU_N_("organization root key does not match"))  \
	X(CHAIN_IDENTITY, -411,                                                \
	    SCEAU_N_("identity data does not match its certificate"))          \
	X(CHAIN_ROLLBACK, -412,                                                \
	    SCEAU_N_("server rolled back the certificate chain"))              \
	X(CHAIN_FORK, -413,                                                    \
	    SCEAU_N_(                                                          \
	        "server shows a different certificate chain than before"))     \
	X(PROFILE_LOCKED, -414,                                                \
	    SCEAU_N_("profiles cannot change in this organization"))           \
	X(STORE, -800, SCEAU_N_("local store error"))                          \
	X(STORE_CORRUPT, -801, SCEAU_N_("local store is corrupt"))             \
	X(NO_DEVICE, -802,                                                     \
	    SCEAU_N_("no device of this organization on this computer"))       \
	X(AMBIGUOUS_DEVICE, -803,                                              \
	    SCEAU_N_("several devices match: choose one"))                     \
	X(WRONG_PASSWORD, -804, SCEAU_N_("wrong password"))                    \
	X(KEYFILE_FORMAT, -805, SCEAU_N_("device key file malformed"))         \
	X(KEYRING, -806, SCEAU_N_("key missing from the computer's keyring"))  \
	X(DATA_TAMPERED, -810,                                                 \
	    SCEAU_N_("the server returned altered or misplaced data"))         \
	X(DATA_ROLLBACK, -811,                                                 \
	    SCEAU_N_(                                                          \
	        "the server returned an older version than one already seen")) \
	X(NOT_EMPTY, -15, SCEAU_N_("folder not empty"))                        \
	X(INVITATION_UNKNOWN, -330,                                            \
	    SCEAU_N_("no such invitation, or a wrong token"))                  \
	X(INVITATION_EXPIRED, -331, SCEAU_N_("invitation expired"))            \
	X(INVITATION_CLOSED, -332,                                             \
	    SCEAU_N_("invitation cancelled or already used"))                  \
	X(EXCHANGE_ABORTED, -333, SCEAU_N_("the code exchange was aborted"))   \
	X(WRONG_CODE, -334,                                                    \
	    SCEAU_N_("wrong code: the exchange is aborted on both sides"))     \
	X(X509_FORMAT, -600,                                                   \
	    SCEAU_N_("malformed X.509 certificate, CRL or OCSP response"))     \
	X(CERT_UNTRUSTED, -601,                                                \
	    SCEAU_N_("certificate does not chain to a trusted authority"))     \
	X(CERT_EXPIRED, -602, SCEAU_N_("certificate expired"))                 \
	X(CERT_NOT_YET_VALID, -603, SCEAU_N_("certificate not yet valid"))     \
	X(CERT_REVOKED, -604, SCEAU_N_("certificate revoked"))                 \
	X(CERT_USAGE, -605, SCEAU_N_("certificate not allowed for this use"))  \
	X(CERT_INVALID, -606, SCEAU_N_("certificate chain invalid"))           \
	X(CRL_MISSING, -607,                                                   \
	    SCEAU_N_("no revocation list for a certificate of the chain"))     \
	X(CRL_EXPIRED, -608, SCEAU_N_("revocation list expired"))              \
	X(CRL_INVALID, -609, SCEAU_N_("revocation list invalid"))              \
	X(REVOCATION_UNREACHABLE, -610,                                        \
	    SCEAU_N_(                                                          \
	        "revocation status unavailable: its source is unreachable"))   \
	X(REVOCATION_UNKNOWN, -611,                                            \
	    SCEAU_N_("revocation status unknown to the responder"))            \
	X(OCSP_INVALID, -612, SCEAU_N_("OCSP response invalid"))               \
	X(TOKEN_MODULE, -500,                                                  \
	    SCEAU_N_("cannot load or initialize the PKCS#11 module"))          \
	X(TOKEN_MODULE_REFUSED, -501,                                          \
	    SCEAU_N_("PKCS#11 module path not in the allow-list"))             \
	X(TOKEN_URI, -502, SCEAU_N_("invalid PKCS#11 URI"))                    \
	X(TOKEN_NOT_FOUND, -503, SCEAU_N_("no token matches the PKCS#11 URI")) \
	X(TOKEN_AMBIGUOUS, -504,                                               \
	    SCEAU_N_("several tokens or objects match the PKCS#11 URI"))       \
	X(TOKEN_ABSENT, -505, SCEAU_N_("token removed or not present"))        \
	X(WRONG_PIN, -506, SCEAU_N_("wrong PIN"))                              \
	X(PIN_LOCKED, -507, SCEAU_N_("PIN locked after too many wrong tries")) \
	X(TOKEN_NO_KEY, -508,                                                  \
	    SCEAU_N_("no matching private key on the token"))                  \
	X(TOKEN_NO_CERT, -509,                                                 \
	    SCEAU_N_("no matching certificate on the token"))                  \
	X(TOKEN_MECHANISM, -510,                                               \
	    SCEAU_N_("the token cannot do this operation with this key"))      \
	X(TOKEN_NOT_LOGGED_IN, -511,                                           \
	    SCEAU_N_("the token needs the PIN first"))                         \
	X(TOKEN_FAILURE, -512, SCEAU_N_("token or PKCS#11 module failure"))    \
	X(TOKEN_KEY_TYPE, -513,                                                \
	    SCEAU_N_("unsupported key type (RSA of 2048 to 8192 bits, EC "     \
	             "P-256 or P-384)"))                                       \
	X(PINENTRY, -514, SCEAU_N_("PIN entry failed or was cancelled"))       \
	X(AGENT_UNREACHABLE, -900, SCEAU_N_("no agent answers on its socket")) \
	X(AGENT_LOCKED, -901,                                                  \
	    SCEAU_N_("the device is not unlocked in the agent"))               \
	X(AGENT_VERSION, -902,                                                 \
	    SCEAU_N_("the agent speaks another protocol version"))             \
	X(AGENT_HELD, -903, SCEAU_N_("the key is held by the agent"))          \
	X(AGENT_REFUSED, -904, SCEAU_N_("the agent refuses to sign this"))     \
	X(POLICY_INVALID, -950, SCEAU_N_("policy file invalid"))               \
	X(POLICY_REFUSED, -951, SCEAU_N_("refused by policy"))

enum sceau_err {
	SCEAU_OK = 0,
#define SCEAU_X_ENUM(name, value, msg) SCEAU_ERR_##name = value,
	SCEAU_ERROR_LIST(SCEAU_X_ENUM)
#undef SCEAU_X_ENUM
};

/*
 * Returns a translated, human-readable message for code r (0 included).
 * Never NULL; an unknown code gives a generic message with no number.
 */
const char *sceau_strerror(int r);

/*
 * Returns the symbolic name of code r ("SCEAU_ERR_ALLOC"), or NULL when r
 * is not a known code.  Stable: used in --json output and logs.
 */
const char *sceau_errname(int r);

/*
 * The code whose name is name, with or without the "SCEAU_ERR_" prefix
 * (the server's JSON errors carry it without); 0 when unknown.
 */
int sceau_err_from_name(const char *name);

/*
 * Iteration over every defined code, for tests and documentation:
 * sceau_err_count() codes, sceau_err_code(i) for i in [0, count).
 */
unsigned int sceau_err_count(void);
int sceau_err_code(unsigned int i);

/*
 * Detail of the last error in this thread (as p11-kit's p11_message): the
 * place that fails writes what exactly was wrong ("certificate 42: author
 * device was revoked at index 40"); programs show it after sceau_strerror().
 * Never put a secret in a message.  The text is truncated at 512 bytes.
 */
void sceau_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *sceau_last_message(void); /* "" when none */
void sceau_message_clear(void);

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_ERRORS_H */
