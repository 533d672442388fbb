/*
 * encoding.h: hex and base64 (RFC 4648), strict on input.
 *
 * Decoders accept only the canonical form: no whitespace, no stray
 * characters, correct padding (required for standard base64, refused for
 * base64url), and unused trailing bits set to zero, so that each value has
 * exactly one encoding (signed data is compared as text in places).
 * Encoders write lowercase hex.
 */
#ifndef SCEAU_ENCODING_H
#define SCEAU_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

enum sceau_b64_variant {
	SCEAU_B64_STD = 0, /* RFC 4648 section 4, padded with '=' */
	SCEAU_B64_URL = 1, /* RFC 4648 section 5, no padding */
};

/* Appends the hex form of p[0..n) to out (no NUL). */
int sceau_enc_hex_put(struct sceau_buf *out, const void *p, size_t n);
/* New NUL-terminated hex string of p[0..n) (free with sceau_free), or NULL. */
char *sceau_enc_hex(const void *p, size_t n);
/* Lowercase hex of p[0..n) into out[0..2n], NUL-terminated. */
void sceau_enc_hex_fixed(const void *p, size_t n, char *out);
/* Appends the bytes of the hex text s[0..slen) to out.  SCEAU_ERR_BAD_HEX. */
int sceau_enc_hex_decode(const char *s, size_t slen, struct sceau_buf *out)
    SCEAU_WUR;
/* Decodes hex text s (NUL-terminated) of exactly 2n digits into out[0..n). */
int sceau_enc_hex_decode_fixed(const char *s, uint8_t *out, size_t n) SCEAU_WUR;

/* Length of the encoding of n bytes (without NUL). */
size_t sceau_enc_b64_len(size_t n, enum sceau_b64_variant v);
int sceau_enc_b64_put(
    struct sceau_buf *out, const void *p, size_t n, enum sceau_b64_variant v);
char *sceau_enc_b64(const void *p, size_t n, enum sceau_b64_variant v);
/* Appends the decoded bytes to out.  SCEAU_ERR_BAD_BASE64. */
int sceau_enc_b64_decode(const char *s, size_t slen, enum sceau_b64_variant v,
    struct sceau_buf *out) SCEAU_WUR;
/* Decodes s (NUL-terminated), which must hold exactly n bytes. */
int sceau_enc_b64_decode_fixed(
    const char *s, enum sceau_b64_variant v, uint8_t *out, size_t n) SCEAU_WUR;

/*
 * 1 if the NUL-terminated s is strict UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF), else 0.
 */
int sceau_enc_utf8_valid(const char *s);

#endif /* SCEAU_ENCODING_H */
