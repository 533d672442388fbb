/*
 * fuzz-encoding.c: the hex and base64 decoders on arbitrary text.
 *
 * Properties: whatever decodes re-encodes to the very same text (the
 * decoders accept canonical forms only); a refusal leaves the output
 * buffer untouched; the _fixed decoders agree with the appending ones; and
 * the input taken as bytes survives an encode/decode round trip.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "fuzz.h"

/* The input as a C string (a NUL inside cuts it short, as for callers). */
static char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static void
fuzz_hex(const uint8_t *data, size_t size, const char *z)
{
	struct sceau_buf *b, *e;
	uint8_t *fixed;
	int r, rf;

	if ((b = sceau_buf_new()) == NULL || (e = sceau_buf_new()) == NULL ||
	    (fixed = malloc(size / 2 + 1)) == NULL)
		abort();
	r = sceau_enc_hex_decode((const char *)data, size, b);
	rf = size % 2 == 0 ? sceau_enc_hex_decode_fixed(z, fixed, size / 2)
	                   : SCEAU_ERR_BAD_HEX;
	fuzz_assert(r == 0 || r == SCEAU_ERR_BAD_HEX ||
	    r == SCEAU_ERR_BUFFER_TOO_LARGE);
	fuzz_assert((r == 0) == (rf == 0));
	if (r == 0) {
		fuzz_assert(sceau_buf_len(b) == size / 2);
		fuzz_assert(sceau_buf_cmp(b, 0, fixed, size / 2) == 0);
		fuzz_assert(sceau_enc_hex_put(
		                e, sceau_buf_ptr(b), sceau_buf_len(b)) == 0);
		fuzz_assert(sceau_buf_cmp(e, 0, data, size) == 0);
	} else {
		fuzz_assert(sceau_buf_len(b) == 0);
	}
	free(fixed);
	sceau_buf_free(b);
	sceau_buf_free(e);
}

/* Byte counts whose encoding is size characters long (at most 3). */
static size_t
fuzz_b64_candidates(size_t size, enum sceau_b64_variant v, size_t *n)
{
	size_t k = 0, c, base = size / 4 * 3;

	for (c = base > 2 ? base - 2 : 0; c <= base + 2; c++) {
		if (sceau_enc_b64_len(c, v) == size && k < 3)
			n[k++] = c;
	}
	return k;
}

static void
fuzz_b64(
    const uint8_t *data, size_t size, const char *z, enum sceau_b64_variant v)
{
	struct sceau_buf *b, *e;
	size_t cand[3], k, i;
	uint8_t *fixed;
	int r;

	if ((b = sceau_buf_new()) == NULL || (e = sceau_buf_new()) == NULL ||
	    (fixed = malloc(size + 3)) == NULL)
		abort();
	r = sceau_enc_b64_decode((const char *)data, size, v, b);
	fuzz_assert(r == 0 || r == SCEAU_ERR_BAD_BASE64 ||
	    r == SCEAU_ERR_BUFFER_TOO_LARGE);
	if (r == 0) {
		fuzz_assert(sceau_enc_b64_len(sceau_buf_len(b), v) == size);
		fuzz_assert(sceau_enc_b64_put(
		                e, sceau_buf_ptr(b), sceau_buf_len(b), v) == 0);
		fuzz_assert(sceau_buf_cmp(e, 0, data, size) == 0);
		fuzz_assert(sceau_enc_b64_decode_fixed(
		                z, v, fixed, sceau_buf_len(b)) == 0);
		fuzz_assert(sceau_buf_cmp(b, 0, fixed, sceau_buf_len(b)) == 0);
	} else {
		fuzz_assert(sceau_buf_len(b) == 0);
		/* What the appending decoder refuses, no fixed size takes. */
		k = fuzz_b64_candidates(size, v, cand);
		for (i = 0; i < k; i++)
			fuzz_assert(sceau_enc_b64_decode_fixed(
			                z, v, fixed, cand[i]) != 0);
	}
	free(fixed);
	sceau_buf_free(b);
	sceau_buf_free(e);
}

/* The input as bytes: encode, then decode back. */
static void
fuzz_bytes(const uint8_t *data, size_t size, enum sceau_b64_variant v)
{
	struct sceau_buf *e, *d;
	char *s;

	if ((e = sceau_buf_new()) == NULL || (d = sceau_buf_new()) == NULL)
		abort();
	fuzz_assert(sceau_enc_b64_put(e, data, size, v) == 0);
	fuzz_assert(sceau_buf_len(e) == sceau_enc_b64_len(size, v));
	if ((s = sceau_enc_b64(data, size, v)) == NULL)
		abort();
	fuzz_assert(sceau_buf_cmp(e, 0, s, strlen(s)) == 0);
	fuzz_assert(sceau_enc_b64_decode(s, strlen(s), v, d) == 0);
	fuzz_assert(sceau_buf_len(d) == size);
	fuzz_assert(sceau_buf_cmp(d, 0, data, size) == 0);
	sceau_free(s);

	sceau_buf_reset(e);
	sceau_buf_reset(d);
	fuzz_assert(sceau_enc_hex_put(e, data, size) == 0);
	if ((s = sceau_enc_hex(data, size)) == NULL)
		abort();
	fuzz_assert(strlen(s) == 2 * size);
	fuzz_assert(sceau_buf_cmp(e, 0, s, 2 * size) == 0);
	fuzz_assert(sceau_enc_hex_decode(s, 2 * size, d) == 0);
	fuzz_assert(sceau_buf_cmp(d, 0, data, size) == 0);
	sceau_free(s);
	sceau_buf_free(e);
	sceau_buf_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *z;

	/* Past 1 MiB nothing new is exercised, only time. */
	if (size > 1024 * 1024)
		return 0;
	if ((z = fuzz_cstring(data, size)) == NULL)
		abort();
	fuzz_hex(data, size, z);
	fuzz_b64(data, size, z, SCEAU_B64_STD);
	fuzz_b64(data, size, z, SCEAU_B64_URL);
	fuzz_bytes(data, size, SCEAU_B64_STD);
	fuzz_bytes(data, size, SCEAU_B64_URL);
	free(z);
	return 0;
}
