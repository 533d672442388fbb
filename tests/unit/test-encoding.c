/*
 * test-encoding.c: hex and base64 against RFC 4648's vectors, every way a
 * strict decoder must refuse, round trips, and allocation failures.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"

/* RFC 4648 section 10. */
static const struct {
	const char *in, *hex, *b64, *b64url;
} rfc_vectors[] = {
    {"", "", "", ""},
    {"f", "66", "Zg==", "Zg"},
    {"fo", "666f", "Zm8=", "Zm8"},
    {"foo", "666f6f", "Zm9v", "Zm9v"},
    {"foob", "666f6f62", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "666f6f6261", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "666f6f626172", "Zm9vYmFy", "Zm9vYmFy"},
};

/* Deterministic filler for round trips (xorshift32). */
static uint32_t rng_state = 0x12345678U;

static uint8_t
rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return (uint8_t)rng_state;
}

/* Asserts that b's unread data is exactly s. */
static void
assert_buf_is(const struct sceau_buf *b, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(sceau_buf_len(b), n);
	if (n > 0)
		assert_memory_equal(sceau_buf_ptr(b), s, n);
}

static void
test_hex_vectors(void **state)
{
	struct sceau_buf *b;
	uint8_t fixed[8];
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(rfc_vectors); i++) {
		n = strlen(rfc_vectors[i].in);
		assert_non_null(b = sceau_buf_new());
		assert_int_equal(sceau_enc_hex_put(b, rfc_vectors[i].in, n), 0);
		assert_buf_is(b, rfc_vectors[i].hex);
		sceau_buf_reset(b);
		assert_non_null(s = sceau_enc_hex(rfc_vectors[i].in, n));
		assert_string_equal(s, rfc_vectors[i].hex);
		sceau_free(s);
		assert_int_equal(sceau_enc_hex_decode(rfc_vectors[i].hex,
		                     strlen(rfc_vectors[i].hex), b),
		    0);
		assert_buf_is(b, rfc_vectors[i].in);
		assert_int_equal(
		    sceau_enc_hex_decode_fixed(rfc_vectors[i].hex, fixed, n),
		    0);
		if (n > 0)
			assert_memory_equal(fixed, rfc_vectors[i].in, n);
		sceau_buf_free(b);
	}
}

static void
test_hex_all_bytes(void **state)
{
	uint8_t all[256], back[256];
	char *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	assert_non_null(s = sceau_enc_hex(all, sizeof(all)));
	assert_int_equal(strlen(s), 512);
	assert_memory_equal(s, "000102", 6);
	assert_memory_equal(s + 504, "fcfdfeff", 8);
	assert_int_equal(sceau_enc_hex_decode_fixed(s, back, sizeof(back)), 0);
	assert_memory_equal(all, back, sizeof(all));
	sceau_free(s);
}

/* Every refusal leaves the output buffer as it was. */
static void
assert_hex_refused(const char *s, size_t slen)
{
	struct sceau_buf *b;

	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_put(b, "keep", 4), 0);
	sceau_message_clear();
	assert_int_equal(sceau_enc_hex_decode(s, slen, b), SCEAU_ERR_BAD_HEX);
	assert_true(sceau_last_message()[0] != '\0');
	assert_buf_is(b, "keep");
	sceau_buf_free(b);
}

static void
test_hex_refusals(void **state)
{
	(void)state;
	assert_hex_refused("6", 1);
	assert_hex_refused("666", 3);
	assert_hex_refused("6g", 2);
	assert_hex_refused("g6", 2);
	assert_hex_refused("666fzz", 6);
	/* Uppercase is a second spelling of the same bytes. */
	assert_hex_refused("6F", 2);
	assert_hex_refused("AB", 2);
	assert_hex_refused(" 66 ", 4);
	assert_hex_refused("66\n6", 4);
	assert_hex_refused("6 6f", 4);
	assert_hex_refused("66\t\t", 4);
	assert_hex_refused("66\0\0", 4);
	assert_hex_refused("0x66", 4);
	assert_hex_refused("\xc3\xa9", 2);
	/* The bad digit is in the last pair, after good ones were written. */
	assert_hex_refused("00112233445566778899aabbccddeefg", 32);
}

static void
test_hex_fixed(void **state)
{
	uint8_t out[4];

	(void)state;
	assert_int_equal(sceau_enc_hex_decode_fixed("deadbeef", out, 4), 0);
	assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
	/* Too short, too long, bad digit: the output is zeroed. */
	assert_int_equal(
	    sceau_enc_hex_decode_fixed("deadbe", out, 4), SCEAU_ERR_BAD_HEX);
	assert_memory_equal(out, "\0\0\0\0", 4);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(sceau_enc_hex_decode_fixed("deadbeef00", out, 4),
	    SCEAU_ERR_BAD_HEX);
	assert_memory_equal(out, "\0\0\0\0", 4);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(
	    sceau_enc_hex_decode_fixed("deadbeeg", out, 4), SCEAU_ERR_BAD_HEX);
	assert_memory_equal(out, "\0\0\0\0", 4);
	assert_int_equal(
	    sceau_enc_hex_decode_fixed("DEADBEEF", out, 4), SCEAU_ERR_BAD_HEX);
	assert_int_equal(
	    sceau_enc_hex_decode_fixed("deadbee", out, 4), SCEAU_ERR_BAD_HEX);
	assert_int_equal(sceau_enc_hex_decode_fixed("", out, 0), 0);
	assert_int_equal(
	    sceau_enc_hex_decode_fixed("00", out, 0), SCEAU_ERR_BAD_HEX);
}

static void
test_b64_vectors(void **state)
{
	enum sceau_b64_variant v;
	struct sceau_buf *b;
	const char *want;
	uint8_t fixed[8];
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < 2 * SCEAU_NELEM(rfc_vectors); i++) {
		v = i % 2 == 0 ? SCEAU_B64_STD : SCEAU_B64_URL;
		n = strlen(rfc_vectors[i / 2].in);
		want = v == SCEAU_B64_STD ? rfc_vectors[i / 2].b64
		                          : rfc_vectors[i / 2].b64url;
		assert_int_equal(sceau_enc_b64_len(n, v), strlen(want));
		assert_non_null(b = sceau_buf_new());
		assert_int_equal(
		    sceau_enc_b64_put(b, rfc_vectors[i / 2].in, n, v), 0);
		assert_buf_is(b, want);
		sceau_buf_reset(b);
		assert_non_null(s = sceau_enc_b64(rfc_vectors[i / 2].in, n, v));
		assert_string_equal(s, want);
		sceau_free(s);
		assert_int_equal(
		    sceau_enc_b64_decode(want, strlen(want), v, b), 0);
		assert_buf_is(b, rfc_vectors[i / 2].in);
		assert_int_equal(
		    sceau_enc_b64_decode_fixed(want, v, fixed, n), 0);
		if (n > 0)
			assert_memory_equal(fixed, rfc_vectors[i / 2].in, n);
		sceau_buf_free(b);
	}
}

/* The two characters in which the alphabets differ. */
static void
test_b64_alphabets(void **state)
{
	static const uint8_t in[] = {
	    0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff, 0xfb, 0xf0};
	char *s;

	(void)state;
	assert_non_null(s = sceau_enc_b64(in, sizeof(in), SCEAU_B64_STD));
	assert_string_equal(s, "++++////+/A=");
	sceau_free(s);
	assert_non_null(s = sceau_enc_b64(in, sizeof(in), SCEAU_B64_URL));
	assert_string_equal(s, "----____-_A");
	sceau_free(s);
}

static void
test_b64_len(void **state)
{
	static const size_t std[] = {0, 4, 4, 4, 8, 8, 8, 12};
	static const size_t url[] = {0, 2, 3, 4, 6, 7, 8, 10};
	size_t n;

	(void)state;
	for (n = 0; n < SCEAU_NELEM(std); n++) {
		assert_int_equal(sceau_enc_b64_len(n, SCEAU_B64_STD), std[n]);
		assert_int_equal(sceau_enc_b64_len(n, SCEAU_B64_URL), url[n]);
	}
	/* Saturates rather than wrapping. */
	assert_true(sceau_enc_b64_len(SIZE_MAX, SCEAU_B64_STD) == SIZE_MAX);
	assert_true(
	    sceau_enc_b64_len(SIZE_MAX / 4 * 3, SCEAU_B64_URL) == SIZE_MAX);
}

static void
assert_b64_refused(const char *s, size_t slen, enum sceau_b64_variant v)
{
	struct sceau_buf *b;

	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_put(b, "keep", 4), 0);
	sceau_message_clear();
	assert_int_equal(
	    sceau_enc_b64_decode(s, slen, v, b), SCEAU_ERR_BAD_BASE64);
	assert_true(sceau_last_message()[0] != '\0');
	assert_buf_is(b, "keep");
	sceau_buf_free(b);
}

#define REFUSE_STD(s) assert_b64_refused((s), sizeof(s) - 1, SCEAU_B64_STD)
#define REFUSE_URL(s) assert_b64_refused((s), sizeof(s) - 1, SCEAU_B64_URL)

static void
test_b64_std_refusals(void **state)
{
	(void)state;
	/* Padding missing, short or misplaced. */
	REFUSE_STD("Zg");
	REFUSE_STD("Zg=");
	REFUSE_STD("Zm8");
	REFUSE_STD("Z===");
	REFUSE_STD("====");
	REFUSE_STD("Zg==Zg==");
	REFUSE_STD("Zm=v");
	REFUSE_STD("Zm9vYg==Zm9v");
	REFUSE_STD("Zg==\n");
	/* Non-zero unused bits: a second spelling of "f" and "fo". */
	REFUSE_STD("Zh==");
	REFUSE_STD("Zv==");
	REFUSE_STD("Zm9=");
	REFUSE_STD("Zm9vYmF=");
	/* Characters outside the alphabet, whitespace, NUL. */
	REFUSE_STD("Zm9-");
	REFUSE_STD("Zm9_");
	REFUSE_STD(" Zm9v");
	REFUSE_STD("Zm9v ");
	REFUSE_STD("Zm 9v");
	REFUSE_STD("Zm9v\n");
	REFUSE_STD("Zm9v\r\n");
	REFUSE_STD("Zm\t9v");
	REFUSE_STD("Zm9\0");
	REFUSE_STD("Zm9v\xc3\xa9==");
	REFUSE_STD("Zm9v.A==");
}

static void
test_b64_url_refusals(void **state)
{
	(void)state;
	/* No padding in the URL variant. */
	REFUSE_URL("Zg==");
	REFUSE_URL("Zm8=");
	REFUSE_URL("Zg=");
	/* A length of 4k+1 cannot be. */
	REFUSE_URL("Z");
	REFUSE_URL("Zm9vY");
	REFUSE_URL("Zh");
	REFUSE_URL("Zm9");
	REFUSE_URL("Zm9+");
	REFUSE_URL("Zm9/");
	REFUSE_URL("Zm9v\n");
	REFUSE_URL(" Zm9v");
	REFUSE_URL("Zm\0v");
}

static void
test_b64_fixed(void **state)
{
	uint8_t out[6];

	(void)state;
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9vYmFy", SCEAU_B64_STD, out, 6), 0);
	assert_memory_equal(out, "foobar", 6);
	/* Right length of text, wrong number of bytes. */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9vYg==", SCEAU_B64_STD, out, 6),
	    SCEAU_ERR_BAD_BASE64);
	assert_memory_equal(out, "\0\0\0\0\0\0", 6);
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9v", SCEAU_B64_STD, out, 1),
	    SCEAU_ERR_BAD_BASE64);
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zg==", SCEAU_B64_STD, out, 3),
	    SCEAU_ERR_BAD_BASE64);
	/* Text too short or too long. */
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9v", SCEAU_B64_STD, out, 6),
	    SCEAU_ERR_BAD_BASE64);
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9vYmFyZm9v", SCEAU_B64_STD, out, 6),
	    SCEAU_ERR_BAD_BASE64);
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9vYmE", SCEAU_B64_URL, out, 5), 0);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9vYmE=", SCEAU_B64_URL, out, 5),
	    SCEAU_ERR_BAD_BASE64);
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9vYmF", SCEAU_B64_URL, out, 5),
	    SCEAU_ERR_BAD_BASE64);
	/* A bad character after good ones: output wiped. */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("Zm9vYm!y", SCEAU_B64_STD, out, 6),
	    SCEAU_ERR_BAD_BASE64);
	assert_memory_equal(out, "\0\0\0\0\0\0", 6);
	assert_int_equal(
	    sceau_enc_b64_decode_fixed("", SCEAU_B64_URL, out, 0), 0);
}

static void
round_trip_one(const uint8_t *in, size_t n, enum sceau_b64_variant v)
{
	struct sceau_buf *b, *back;
	uint8_t fixed[300];
	char *s;

	assert_non_null(b = sceau_buf_new());
	assert_non_null(back = sceau_buf_new());
	assert_int_equal(sceau_enc_b64_put(b, in, n, v), 0);
	assert_int_equal(sceau_buf_len(b), sceau_enc_b64_len(n, v));
	assert_non_null(s = sceau_enc_b64(in, n, v));
	assert_int_equal(sceau_buf_cmp(b, 0, s, strlen(s)), 0);
	assert_int_equal(sceau_enc_b64_decode(s, strlen(s), v, back), 0);
	assert_int_equal(sceau_buf_len(back), n);
	assert_int_equal(sceau_buf_cmp(back, 0, in, n), 0);
	assert_int_equal(sceau_enc_b64_decode_fixed(s, v, fixed, n), 0);
	assert_int_equal(memcmp(fixed, in, n), 0);
	sceau_free(s);

	sceau_buf_reset(b);
	sceau_buf_reset(back);
	assert_int_equal(sceau_enc_hex_put(b, in, n), 0);
	assert_non_null(s = sceau_enc_hex(in, n));
	assert_int_equal(strlen(s), 2 * n);
	assert_int_equal(sceau_buf_cmp(b, 0, s, 2 * n), 0);
	assert_int_equal(sceau_enc_hex_decode(s, 2 * n, back), 0);
	assert_int_equal(sceau_buf_cmp(back, 0, in, n), 0);
	assert_int_equal(sceau_enc_hex_decode_fixed(s, fixed, n), 0);
	assert_int_equal(memcmp(fixed, in, n), 0);
	sceau_free(s);
	sceau_buf_free(b);
	sceau_buf_free(back);
}

static void
test_round_trip(void **state)
{
	uint8_t in[300];
	size_t n, i;

	(void)state;
	for (n = 0; n <= sizeof(in); n++) {
		for (i = 0; i < n; i++)
			in[i] = rng_byte();
		round_trip_one(in, n, SCEAU_B64_STD);
		round_trip_one(in, n, SCEAU_B64_URL);
	}
}

/* Decoding appends after what the buffer already holds. */
static void
test_append(void **state)
{
	struct sceau_buf *b;

	(void)state;
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_enc_hex_decode("6162", 4, b), 0);
	assert_int_equal(sceau_enc_b64_decode("Yw==", 4, SCEAU_B64_STD, b), 0);
	assert_int_equal(sceau_enc_b64_decode("ZA", 2, SCEAU_B64_URL, b), 0);
	assert_int_equal(sceau_enc_hex_put(b, "e", 1), 0);
	assert_int_equal(sceau_enc_b64_put(b, "f", 1, SCEAU_B64_URL), 0);
	assert_buf_is(b, "abcd65Zg");
	sceau_buf_free(b);
}

/* The output buffer's limits and read-only state are honoured. */
static void
test_buffer_limits(void **state)
{
	struct sceau_buf *b, *ro;

	(void)state;
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_set_max_size(b, 5), 0);
	assert_int_equal(sceau_buf_put(b, "ab", 2), 0);
	assert_int_equal(
	    sceau_enc_hex_put(b, "xy", 2), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_enc_b64_put(b, "x", 1, SCEAU_B64_STD),
	    SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_enc_b64_decode("Zm9vYg==", 8, SCEAU_B64_STD, b),
	    SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(
	    sceau_enc_hex_decode("00112233", 8, b), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_buf_is(b, "ab");
	assert_int_equal(sceau_enc_b64_decode("Zm9v", 4, SCEAU_B64_STD, b), 0);
	assert_buf_is(b, "abfoo");
	sceau_buf_free(b);

	assert_non_null(ro = sceau_buf_from("ro", 2));
	assert_int_equal(
	    sceau_enc_hex_decode("00", 2, ro), SCEAU_ERR_BUFFER_READ_ONLY);
	assert_int_equal(sceau_enc_b64_put(ro, "x", 1, SCEAU_B64_URL),
	    SCEAU_ERR_BUFFER_READ_ONLY);
	sceau_buf_free(ro);
}

static void
test_preconditions(void **state)
{
	/* Not a variant: the enum's storage can hold it all the same. */
	const enum sceau_b64_variant bad = (enum sceau_b64_variant)7;
	struct sceau_buf *b;
	uint8_t out[2];

	(void)state;
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(
	    sceau_enc_hex_put(NULL, "x", 1), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_enc_hex_put(b, NULL, 1), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_enc_hex_put(b, NULL, 0), 0);
	assert_int_equal(
	    sceau_enc_hex_decode(NULL, 2, b), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_enc_hex_decode(NULL, 0, b), 0);
	assert_int_equal(sceau_enc_hex_decode_fixed(NULL, out, 2),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_enc_b64_put(b, "x", 1, bad), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_enc_b64_decode("Zg==", 4, bad, b),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_enc_b64_decode_fixed("Zg==", bad, out, 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_true(sceau_enc_b64_len(1, bad) == SIZE_MAX);
	assert_null(sceau_enc_b64(NULL, 1, SCEAU_B64_STD));
	assert_null(sceau_enc_hex(NULL, 1));
	assert_int_equal(sceau_buf_len(b), 0);
	sceau_buf_free(b);
}

/*
 * Allocation-failure torture: make the Nth allocation fail for N = 0, 1,
 * ... until the operation succeeds.  Each failing run must report
 * SCEAU_ERR_ALLOC and leak nothing (ASan and valgrind check the leaks).
 */
enum torture_op {
	T_HEX_PUT,
	T_HEX_STR,
	T_HEX_DECODE,
	T_B64_PUT,
	T_B64_STR,
	T_B64_DECODE,
	T_NOPS
};

static uint8_t torture_in[1500];
static char torture_hex[2 * sizeof(torture_in) + 1];
static char torture_b64[2 * sizeof(torture_in) + 1];

static int
torture_run(enum torture_op op, struct sceau_buf *b)
{
	size_t n = sizeof(torture_in);
	char *s = NULL;
	int r;

	switch (op) {
	case T_HEX_PUT:
		return sceau_enc_hex_put(b, torture_in, n);
	case T_HEX_STR:
		s = sceau_enc_hex(torture_in, n);
		r = s == NULL ? SCEAU_ERR_ALLOC : sceau_buf_put(b, s, 2 * n);
		break;
	case T_HEX_DECODE:
		return sceau_enc_hex_decode(torture_hex, 2 * n, b);
	case T_B64_PUT:
		return sceau_enc_b64_put(b, torture_in, n, SCEAU_B64_STD);
	case T_B64_STR:
		s = sceau_enc_b64(torture_in, n, SCEAU_B64_URL);
		r = s == NULL ? SCEAU_ERR_ALLOC
		              : sceau_buf_put(b, s, strlen(s));
		break;
	default:
		return sceau_enc_b64_decode(
		    torture_b64, strlen(torture_b64), SCEAU_B64_STD, b);
	}
	sceau_free(s);
	return r;
}

static void
torture_check(enum torture_op op, const struct sceau_buf *b)
{
	size_t n = sizeof(torture_in);

	switch (op) {
	case T_HEX_PUT:
	case T_HEX_STR:
		assert_int_equal(sceau_buf_cmp(b, 0, torture_hex, 2 * n), 0);
		break;
	case T_B64_PUT:
		assert_int_equal(
		    sceau_buf_cmp(b, 0, torture_b64, strlen(torture_b64)), 0);
		break;
	case T_B64_STR:
		assert_int_equal(
		    sceau_buf_len(b), sceau_enc_b64_len(n, SCEAU_B64_URL));
		break;
	default:
		assert_int_equal(sceau_buf_cmp(b, 0, torture_in, n), 0);
		break;
	}
}

/* Fills the input and its reference encodings. */
static void
torture_prepare(void)
{
	char *s;
	size_t i;

	for (i = 0; i < sizeof(torture_in); i++)
		torture_in[i] = rng_byte();
	assert_non_null(s = sceau_enc_hex(torture_in, sizeof(torture_in)));
	assert_int_equal(snprintf(torture_hex, sizeof(torture_hex), "%s", s),
	    2 * sizeof(torture_in));
	sceau_free(s);
	assert_non_null(
	    s = sceau_enc_b64(torture_in, sizeof(torture_in), SCEAU_B64_STD));
	assert_int_equal(
	    snprintf(torture_b64, sizeof(torture_b64), "%s", s), strlen(s));
	sceau_free(s);
}

static void
test_alloc_torture(void **state)
{
	struct sceau_buf *b;
	unsigned int op;
	long n;
	int r;

	(void)state;
	torture_prepare();
	for (op = 0; op < T_NOPS; op++) {
		for (n = 0;; n++) {
			assert_true(n < 100);
			sceau_alloc_fail_after(n);
			if ((b = sceau_buf_new()) == NULL)
				r = SCEAU_ERR_ALLOC;
			else
				r = torture_run((enum torture_op)op, b);
			sceau_alloc_fail_after(-1);
			if (r == 0) {
				torture_check((enum torture_op)op, b);
				sceau_buf_free(b);
				break;
			}
			assert_int_equal(r, SCEAU_ERR_ALLOC);
			if (b != NULL)
				assert_int_equal(sceau_buf_len(b), 0);
			sceau_buf_free(b);
		}
		/* At least one allocation was made to fail in each run. */
		assert_true(n > 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hex_vectors),
	    cmocka_unit_test(test_hex_all_bytes),
	    cmocka_unit_test(test_hex_refusals),
	    cmocka_unit_test(test_hex_fixed),
	    cmocka_unit_test(test_b64_vectors),
	    cmocka_unit_test(test_b64_alphabets),
	    cmocka_unit_test(test_b64_len),
	    cmocka_unit_test(test_b64_std_refusals),
	    cmocka_unit_test(test_b64_url_refusals),
	    cmocka_unit_test(test_b64_fixed),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_append),
	    cmocka_unit_test(test_buffer_limits),
	    cmocka_unit_test(test_preconditions),
	    cmocka_unit_test(test_alloc_torture),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("encoding", tests, NULL, NULL);
}
