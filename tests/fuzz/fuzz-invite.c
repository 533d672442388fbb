/*
 * fuzz-invite.c: every message of an invitation's code exchange
 * (src/invite.c), as one side receives it from a relay that may lie.
 * The first byte chooses the message; the rest is the message:
 *
 *   0  step 1, greeter hello, as the claimer reads it
 *   1  step 1, claimer hello (key and commitment), as the greeter reads it
 *   2  step 2, the greeter's nonce, as the claimer reads it
 *   3  step 3, the claimer's nonce, as the greeter checks it against the
 *      commitment of a real claimer
 *   4  steps 4 to 8, a sealed message, as the greeter opens it at step 4
 *      after a real handshake
 *   5  an inner CLAIM, 6 an inner REPLY, 7 an inner CODE_OK or DONE
 *
 * Properties: a refusal is one of the documented codes and leaves the
 * state unchanged (the same step still accepts the genuine message);
 * what decodes re-encodes to the same bytes; nothing sealed opens but
 * what the real peer sealed (an altered byte never decrypts).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "fuzz.h"
#include "invite.h"
#include "secmem.h"

#define ID "00112233445566778899aabbccddeeff"

static int
fuzz_in_error(int r)
{
	return r == SCEAU_ERR_INVALID_FORMAT || r == SCEAU_ERR_TRAILING_DATA ||
	    r == SCEAU_ERR_KEY_INVALID || r == SCEAU_ERR_DATA_TAMPERED ||
	    r == SCEAU_ERR_DECRYPT_FAILED || r == SCEAU_ERR_ALLOC;
}

/* from's message of step into b (reset first). */
static void
out(struct sceau_invite *from, unsigned int step, struct sceau_buf *b)
{
	sceau_buf_reset(b);
	fuzz_assert(sceau_invite_out(from, step, b) == 0);
}

static void
pass(struct sceau_invite *from, struct sceau_invite *to, unsigned int step,
    struct sceau_buf *b)
{
	out(from, step, b);
	fuzz_assert(
	    sceau_invite_in(to, step, sceau_buf_ptr(b), sceau_buf_len(b)) == 0);
}

/* Feeds p as the peer's clear message of step to x; genuine: b. */
static void
feed_clear(struct sceau_invite *x, unsigned int step, const uint8_t *p,
    size_t n, const struct sceau_buf *genuine)
{
	int r = sceau_invite_in(x, step, p, n);

	if (r == 0)
		return;
	fuzz_assert(fuzz_in_error(r));
	if (genuine != NULL)
		fuzz_assert(sceau_invite_in(x, step, sceau_buf_ptr(genuine),
		                sceau_buf_len(genuine)) == 0);
}

static void
fuzz_clear(uint8_t sel, const uint8_t *p, size_t n)
{
	struct sceau_invite *g = NULL, *c = NULL;
	struct sceau_buf *b = sceau_buf_new();

	fuzz_assert(b != NULL);
	fuzz_assert(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g) == 0);
	fuzz_assert(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c) == 0);
	if (sel == 0) {
		out(g, 1, b);
		feed_clear(c, 1, p, n, b);
	} else if (sel == 1) {
		out(c, 1, b);
		feed_clear(g, 1, p, n, b);
	} else if (sel == 2) {
		pass(g, c, 1, b);
		pass(c, g, 1, b);
		out(g, 2, b);
		feed_clear(c, 2, p, n, b);
	} else {
		pass(g, c, 1, b);
		pass(c, g, 1, b);
		pass(g, c, 2, b);
		out(c, 3, b);
		/* Only the committed nonce passes the check. */
		if (sceau_invite_in(g, 3, p, n) == 0)
			fuzz_assert(n == sceau_buf_len(b) &&
			    memcmp(p, sceau_buf_ptr(b), n) == 0);
		else
			fuzz_assert(sceau_invite_in(g, 3, sceau_buf_ptr(b),
			                sceau_buf_len(b)) == 0);
	}
	sceau_buf_free(b);
	sceau_invite_free(g);
	sceau_invite_free(c);
}

static void
fuzz_sealed(const uint8_t *p, size_t n)
{
	struct sceau_invite *g = NULL, *c = NULL;
	struct sceau_buf *b = sceau_buf_new(), *o = sceau_buf_new();
	int r;

	fuzz_assert(b != NULL && o != NULL);
	fuzz_assert(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g) == 0);
	fuzz_assert(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c) == 0);
	pass(g, c, 1, b);
	pass(c, g, 1, b);
	pass(g, c, 2, b);
	pass(c, g, 3, b);
	/* The fuzzer cannot know the session key: nothing opens. */
	r = sceau_invite_open(g, 4, p, n, o);
	fuzz_assert(
	    r == SCEAU_ERR_INVALID_FORMAT || r == SCEAU_ERR_DECRYPT_FAILED);
	fuzz_assert(sceau_buf_len(o) == 0);
	/* And the genuine message still does. */
	sceau_buf_reset(b);
	fuzz_assert(sceau_invite_encode_code_ok(b) == 0);
	sceau_buf_reset(o);
	{
		struct sceau_buf *m = sceau_buf_new();

		fuzz_assert(m != NULL);
		fuzz_assert(sceau_invite_seal(c, 4, b, m) == 0);
		fuzz_assert(sceau_invite_open(g, 4, sceau_buf_ptr(m),
		                sceau_buf_len(m), o) == 0);
		sceau_buf_free(m);
	}
	sceau_buf_free(b);
	sceau_buf_free(o);
	sceau_invite_free(g);
	sceau_invite_free(c);
}

static void
fuzz_inner(uint8_t sel, const uint8_t *p, size_t n)
{
	struct sceau_invite_claim cl;
	struct sceau_invite_reply *rp = sceau_secmem_alloc(sizeof(*rp));
	struct sceau_buf *b = sceau_buf_new();
	int r;

	fuzz_assert(rp != NULL && b != NULL);
	if (sel == 5) {
		r = sceau_invite_decode(p, n, SCEAU_INVITE_CLAIM, &cl, NULL);
		if (r == 0) {
			fuzz_assert(sceau_invite_encode_claim(&cl, b) == 0);
			fuzz_assert(sceau_buf_len(b) == n &&
			    memcmp(sceau_buf_ptr(b), p, n) == 0);
		}
	} else if (sel == 6) {
		r = sceau_invite_decode(p, n, SCEAU_INVITE_REPLY, NULL, rp);
		if (r == 0) {
			fuzz_assert(sceau_invite_encode_reply(rp, b) == 0);
			fuzz_assert(sceau_buf_len(b) == n &&
			    memcmp(sceau_buf_ptr(b), p, n) == 0);
		}
	} else {
		r = sceau_invite_decode(p, n,
		    n > 0 && p[0] == SCEAU_INVITE_DONE ? SCEAU_INVITE_DONE
		                                       : SCEAU_INVITE_CODE_OK,
		    NULL, NULL);
		fuzz_assert(r != 0 || n == 1);
	}
	fuzz_assert(r == 0 || r == SCEAU_ERR_INVALID_FORMAT ||
	    r == SCEAU_ERR_TRAILING_DATA);
	sceau_memzero(rp, sizeof(*rp));
	sceau_secmem_free(rp);
	sceau_buf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sel;

	if (size < 1 || size > 2 * SCEAU_INVITE_MSG_MAX)
		return 0;
	sel = data[0] % 8;
	if (sel <= 3)
		fuzz_clear(sel, data + 1, size - 1);
	else if (sel == 4)
		fuzz_sealed(data + 1, size - 1);
	else
		fuzz_inner(sel, data + 1, size - 1);
	return 0;
}
