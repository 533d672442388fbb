/*
 * encoding.c: hex and base64 (RFC 4648) with strict, canonical decoding.
 *
 * Signed records are compared as text in places, so a decoder that took two
 * spellings of one value would let an attacker change a signed document
 * without changing what it means to us.  Hence: lowercase hex only, no
 * whitespace, padding exactly as the variant requires, and unused trailing
 * bits zero ("Zg==" is "f", "Zh==" is refused).
 *
 * Decoders write into space reserved in the output buffer and, on any
 * error, wipe what they wrote and give the space back, so that the buffer
 * is unchanged (decoded data may be key material).
 *
 * Callers must not pass input that points into the output buffer: growing
 * the buffer may move it.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "defs.h"
#include "encoding.h"
#include "errors.h"
#include "secmem.h"

static const char hex_digits[] = "0123456789abcdef";

/* Tables read better in rows. */
/* clang-format off */
/* Value + 1 of each lowercase hex digit; 0 marks anything else. */
static const uint8_t hex_dec[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16,
};

static const char b64_std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value + 1 of the 62 characters both alphabets share; 0 is invalid. */
#define B64_DEC_COMMON                                                         \
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,      \
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,   \
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,            \
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,            \
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,            \
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,            \
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,            \
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,            \
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,            \
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,            \
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,            \
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62

static const uint8_t b64_std_dec[256] = {
	B64_DEC_COMMON,
	['+'] = 63,
	['/'] = 64,
};
static const uint8_t b64_url_dec[256] = {
	B64_DEC_COMMON,
	['-'] = 63,
	['_'] = 64,
};
/* clang-format on */

static int
variant_ok(enum sceau_b64_variant v)
{
	return v == SCEAU_B64_STD || v == SCEAU_B64_URL;
}

/*
 * Gives back the n bytes at d, the last ones of b, after wiping them: the
 * undoing of a failed decode.
 */
static int
unreserve(struct sceau_buf *b, uint8_t *d, size_t n)
{
	sceau_memzero(d, n);
	return sceau_buf_consume_end(b, n);
}

/* ---------------------------------------------------------------- hex */

static void
hex_encode_raw(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = hex_digits[src[i] >> 4];
		dst[2 * i + 1] = hex_digits[src[i] & 0x0f];
	}
}

/* Decodes slen (even) digits into dst[0..slen/2). */
static int
hex_decode_raw(const char *s, size_t slen, uint8_t *dst)
{
	size_t i;
	uint8_t hi, lo;

	for (i = 0; i < slen; i += 2) {
		hi = hex_dec[(unsigned char)s[i]];
		lo = hex_dec[(unsigned char)s[i + 1]];
		if (hi == 0 || lo == 0) {
			sceau_message("hex: invalid character at offset %zu",
			    hi == 0 ? i : i + 1);
			return SCEAU_ERR_BAD_HEX;
		}
		dst[i / 2] = (uint8_t)(((hi - 1) << 4) | (lo - 1));
	}
	return 0;
}

int
sceau_enc_hex_put(struct sceau_buf *out, const void *p, size_t n)
{
	uint8_t *d;
	int r;

	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(
	    p != NULL || n == 0, SCEAU_ERR_INVALID_ARGUMENT);
	if (n == 0)
		return 0;
	if (n > SCEAU_BUF_SIZE_MAX / 2)
		return SCEAU_ERR_BUFFER_TOO_LARGE;
	if ((r = sceau_buf_reserve(out, 2 * n, &d)) != 0)
		return r;
	hex_encode_raw((char *)d, p, n);
	return 0;
}

void
sceau_enc_hex_fixed(const void *p, size_t n, char *out)
{
	hex_encode_raw(out, p, n);
	out[2 * n] = '\0';
}

char *
sceau_enc_hex(const void *p, size_t n)
{
	char *s;

	if ((p == NULL && n != 0) || n > (SIZE_MAX - 1) / 2)
		return NULL;
	if ((s = sceau_malloc(2 * n + 1)) == NULL)
		return NULL;
	hex_encode_raw(s, p, n);
	s[2 * n] = '\0';
	return s;
}

int
sceau_enc_hex_decode(const char *s, size_t slen, struct sceau_buf *out)
{
	uint8_t *d;
	int r, r2;

	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(
	    s != NULL || slen == 0, SCEAU_ERR_INVALID_ARGUMENT);
	if (slen % 2 != 0) {
		sceau_message("hex: odd number of digits (%zu)", slen);
		return SCEAU_ERR_BAD_HEX;
	}
	if (slen == 0)
		return 0;
	if ((r = sceau_buf_reserve(out, slen / 2, &d)) != 0)
		return r;
	if ((r = hex_decode_raw(s, slen, d)) != 0 &&
	    (r2 = unreserve(out, d, slen / 2)) != 0)
		r = r2;
	return r;
}

int
sceau_enc_hex_decode_fixed(const char *s, uint8_t *out, size_t n)
{
	size_t slen;
	int r;

	sceau_return_val_if_fail(
	    out != NULL || n == 0, SCEAU_ERR_INVALID_ARGUMENT);
	if (n > 0)
		memset(out, 0, n);
	sceau_return_val_if_fail(s != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(
	    n <= (SIZE_MAX - 1) / 2, SCEAU_ERR_INVALID_ARGUMENT);
	/* Bounded: never read past what a correct input could hold. */
	slen = strnlen(s, 2 * n + 1);
	if (slen != 2 * n) {
		sceau_message("hex: expected %zu digits", 2 * n);
		return SCEAU_ERR_BAD_HEX;
	}
	if ((r = hex_decode_raw(s, slen, out)) != 0 && n > 0)
		sceau_memzero(out, n);
	return r;
}

/* ------------------------------------------------------------- base64 */

size_t
sceau_enc_b64_len(size_t n, enum sceau_b64_variant v)
{
	size_t q = n / 3, rem = n % 3;

	/* SIZE_MAX for what cannot exist: every reservation then fails. */
	if (!variant_ok(v) || q > (SIZE_MAX - 4) / 4)
		return SIZE_MAX;
	if (rem == 0)
		return 4 * q;
	return 4 * q + (v == SCEAU_B64_STD ? 4 : rem + 1);
}

/* Writes exactly sceau_enc_b64_len(n, v) characters at dst. */
static void
b64_encode_raw(
    char *dst, const uint8_t *src, size_t n, enum sceau_b64_variant v)
{
	const char *al = v == SCEAU_B64_STD ? b64_std_alpha : b64_url_alpha;
	uint32_t w;
	size_t i;

	for (i = 0; n - i >= 3; i += 3) {
		w = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 |
		    src[i + 2];
		*dst++ = al[w >> 18];
		*dst++ = al[(w >> 12) & 0x3f];
		*dst++ = al[(w >> 6) & 0x3f];
		*dst++ = al[w & 0x3f];
	}
	if (i == n)
		return;
	w = (uint32_t)src[i] << 16;
	if (n - i == 2)
		w |= (uint32_t)src[i + 1] << 8;
	*dst++ = al[w >> 18];
	*dst++ = al[(w >> 12) & 0x3f];
	if (n - i == 2)
		*dst++ = al[(w >> 6) & 0x3f];
	else if (v == SCEAU_B64_STD)
		*dst++ = '=';
	if (v == SCEAU_B64_STD)
		*dst = '=';
}

/*
 * Checks the shape of s[0..slen): length and padding.  On success *ncharsp
 * is the number of data characters (padding excluded) and *declenp the
 * number of bytes they decode to.
 */
static int
b64_shape(const char *s, size_t slen, enum sceau_b64_variant v, size_t *ncharsp,
    size_t *declenp)
{
	size_t nchars = slen;

	*ncharsp = *declenp = 0;
	if (v == SCEAU_B64_STD) {
		if (slen % 4 != 0) {
			sceau_message("base64: length not a multiple of 4");
			return SCEAU_ERR_BAD_BASE64;
		}
		/* A third '=' or one inside is caught as a bad character. */
		if (slen > 0 && s[slen - 1] == '=')
			nchars--;
		if (slen > 1 && s[slen - 1] == '=' && s[slen - 2] == '=')
			nchars--;
	} else if (slen % 4 == 1) {
		sceau_message("base64: length %zu is impossible", slen);
		return SCEAU_ERR_BAD_BASE64;
	}
	*ncharsp = nchars;
	*declenp = nchars / 4 * 3 + (nchars % 4 == 0 ? 0 : nchars % 4 - 1);
	return 0;
}

/*
 * Decodes nchars data characters (shape already checked) into dst: every
 * character must be in the alphabet, and the bits left over by a partial
 * final group must be zero.
 */
static int
b64_decode_raw(
    const char *s, size_t nchars, enum sceau_b64_variant v, uint8_t *dst)
{
	const uint8_t *tbl = v == SCEAU_B64_STD ? b64_std_dec : b64_url_dec;
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i;
	uint8_t c;

	for (i = 0; i < nchars; i++) {
		if ((c = tbl[(unsigned char)s[i]]) == 0) {
			sceau_message(
			    "base64: invalid character at offset %zu", i);
			return SCEAU_ERR_BAD_BASE64;
		}
		acc = (acc << 6) | (uint32_t)(c - 1);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*dst++ = (uint8_t)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (acc != 0) {
		sceau_message("base64: non-zero trailing bits (non-canonical)");
		return SCEAU_ERR_BAD_BASE64;
	}
	return 0;
}

int
sceau_enc_b64_put(
    struct sceau_buf *out, const void *p, size_t n, enum sceau_b64_variant v)
{
	size_t len;
	uint8_t *d;
	int r;

	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(
	    p != NULL || n == 0, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(variant_ok(v), SCEAU_ERR_INVALID_ARGUMENT);
	if (n == 0)
		return 0;
	if ((len = sceau_enc_b64_len(n, v)) > SCEAU_BUF_SIZE_MAX)
		return SCEAU_ERR_BUFFER_TOO_LARGE;
	if ((r = sceau_buf_reserve(out, len, &d)) != 0)
		return r;
	b64_encode_raw((char *)d, p, n, v);
	return 0;
}

char *
sceau_enc_b64(const void *p, size_t n, enum sceau_b64_variant v)
{
	size_t len;
	char *s;

	if ((p == NULL && n != 0) || !variant_ok(v))
		return NULL;
	if ((len = sceau_enc_b64_len(n, v)) == SIZE_MAX)
		return NULL;
	if ((s = sceau_malloc(len + 1)) == NULL)
		return NULL;
	b64_encode_raw(s, p, n, v);
	s[len] = '\0';
	return s;
}

int
sceau_enc_b64_decode(
    const char *s, size_t slen, enum sceau_b64_variant v, struct sceau_buf *out)
{
	size_t nchars, declen;
	uint8_t *d;
	int r, r2;

	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(
	    s != NULL || slen == 0, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(variant_ok(v), SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = b64_shape(s, slen, v, &nchars, &declen)) != 0)
		return r;
	if (nchars == 0)
		return 0;
	if ((r = sceau_buf_reserve(out, declen, &d)) != 0)
		return r;
	if ((r = b64_decode_raw(s, nchars, v, d)) != 0 &&
	    (r2 = unreserve(out, d, declen)) != 0)
		r = r2;
	return r;
}

int
sceau_enc_b64_decode_fixed(
    const char *s, enum sceau_b64_variant v, uint8_t *out, size_t n)
{
	size_t want, slen, nchars, declen;
	int r;

	sceau_return_val_if_fail(
	    out != NULL || n == 0, SCEAU_ERR_INVALID_ARGUMENT);
	if (n > 0)
		memset(out, 0, n);
	sceau_return_val_if_fail(s != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(variant_ok(v), SCEAU_ERR_INVALID_ARGUMENT);
	want = sceau_enc_b64_len(n, v);
	sceau_return_val_if_fail(want != SIZE_MAX, SCEAU_ERR_INVALID_ARGUMENT);
	/* Bounded: never read past what a correct input could hold. */
	if ((slen = strnlen(s, want + 1)) != want) {
		sceau_message("base64: expected %zu characters", want);
		return SCEAU_ERR_BAD_BASE64;
	}
	if ((r = b64_shape(s, slen, v, &nchars, &declen)) != 0)
		return r;
	if (declen != n) {
		/* Right length, wrong padding: "Zm9v" is not one byte. */
		sceau_message("base64: expected %zu bytes, got %zu", n, declen);
		return SCEAU_ERR_BAD_BASE64;
	}
	if ((r = b64_decode_raw(s, nchars, v, out)) != 0 && n > 0)
		sceau_memzero(out, n);
	return r;
}

/*
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF).
 */
int
sceau_enc_utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c, lo, hi;
	size_t i, n;

	while ((c = *s++) != '\0') {
		if (c < 0x80)
			continue;
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return 0;
		/* Only the first continuation byte has a narrowed range. */
		for (i = 0; i < n; i++, s++, lo = 0x80, hi = 0xbf) {
			if (*s < lo || *s > hi)
				return 0;
		}
	}
	return 1;
}
