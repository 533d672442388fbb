/*
 * fuzz-buf.c: the bounded buffer driven by a small interpreter.
 *
 * Input: one byte k, then k operation bytes (some operations take the next
 * byte as a parameter), then the payload.  The payload is read through a
 * read-only buffer and through views of it (a stack of them), and copied
 * into a writable buffer w that operations append to, consume from,
 * shrink, and take views of.
 *
 * Each operation's result is predicted from the bytes before it runs, and
 * checked: values, consumed lengths, the codes of refusals, and that a
 * refusal changes nothing.  Buffer invariants are checked after each step.
 *
 * Not driven: sceau_buf_putb(w, w), a self-append, which reads freed
 * memory when the append has to grow w (reported; see buf.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "fuzz.h"

#define FZ_DEPTH 16

struct fz {
	const uint8_t *ops;
	size_t nops, pc;
	struct sceau_buf *stack[FZ_DEPTH]; /* [0] over the payload */
	int of_w[FZ_DEPTH]; /* keeps w referenced */
	size_t depth;
	struct sceau_buf *w;
	unsigned int w_views;
};

/* The next operation byte, as a parameter (0 past the end). */
static uint8_t
fz_param(struct fz *st)
{
	return st->pc < st->nops ? st->ops[st->pc++] : 0;
}

/* 255 stands for "no limit", to reach both sides of each check. */
static size_t
fz_maxlen(struct fz *st)
{
	uint8_t b = fz_param(st);

	return b == 255 ? SCEAU_BUF_SIZE_MAX : b;
}

static struct sceau_buf *
fz_top(const struct fz *st)
{
	return st->stack[st->depth - 1];
}

static uint64_t
fz_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * What a string getter must answer for data p[0..len) and a limit: 0 with
 * the string's length in *slenp, or the refusal.
 */
static int
fz_expect_string(const uint8_t *p, size_t len, size_t maxlen, size_t *slenp)
{
	uint64_t slen;

	*slenp = 0;
	if (len < 4)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	slen = fz_be(p, 4);
	if (slen > maxlen || slen > SCEAU_BUF_SIZE_MAX - 4)
		return SCEAU_ERR_STRING_TOO_LARGE;
	if (slen > len - 4)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	*slenp = (size_t)slen;
	return 0;
}

static void
fz_push(struct fz *st, struct sceau_buf *c, int of_w)
{
	if (st->depth == FZ_DEPTH) {
		sceau_buf_free(c);
		return;
	}
	st->of_w[st->depth] = of_w;
	st->stack[st->depth++] = c;
	if (of_w)
		st->w_views++;
}

/* ------------------------------------------------- getters on the top */

/* Reads an n-byte integer with the matching getter. */
static int
fz_get_int(struct sceau_buf *t, size_t n, uint64_t *got)
{
	uint32_t v32 = 1;
	uint16_t v16 = 1;
	uint8_t v8 = 1;
	int r;

	switch (n) {
	case 1:
		r = sceau_buf_get_u8(t, &v8);
		*got = v8;
		return r;
	case 2:
		r = sceau_buf_get_u16(t, &v16);
		*got = v16;
		return r;
	case 4:
		r = sceau_buf_get_u32(t, &v32);
		*got = v32;
		return r;
	default:
		return sceau_buf_get_u64(t, got);
	}
}

static void
fz_get_be(struct fz *st, size_t n)
{
	struct sceau_buf *t = fz_top(st);
	size_t len0 = sceau_buf_len(t);
	uint64_t want = len0 >= n ? fz_be(sceau_buf_ptr(t), n) : 0, got = 1;
	int r;

	r = fz_get_int(t, n, &got);
	/* A refusal still sets the value: to zero. */
	fuzz_assert(got == want);
	if (len0 >= n) {
		fuzz_assert(r == 0 && sceau_buf_len(t) == len0 - n);
	} else {
		fuzz_assert(r == SCEAU_ERR_MESSAGE_INCOMPLETE);
		fuzz_assert(sceau_buf_len(t) == len0);
	}
}

static void
op_u8(struct fz *st)
{
	fz_get_be(st, 1);
}

static void
op_u16(struct fz *st)
{
	fz_get_be(st, 2);
}

static void
op_u32(struct fz *st)
{
	fz_get_be(st, 4);
}

static void
op_u64(struct fz *st)
{
	fz_get_be(st, 8);
}

static void
op_peek_u32(struct fz *st)
{
	struct sceau_buf *t = fz_top(st);
	size_t len0 = sceau_buf_len(t);
	uint32_t v = 1;
	int r;

	r = sceau_buf_peek_u32(t, &v);
	fuzz_assert(sceau_buf_len(t) == len0);
	if (len0 >= 4)
		fuzz_assert(r == 0 && v == fz_be(sceau_buf_ptr(t), 4));
	else
		fuzz_assert(r == SCEAU_ERR_MESSAGE_INCOMPLETE && v == 0);
}

static void
fz_string_direct(struct fz *st, int consume)
{
	struct sceau_buf *t = fz_top(st);
	const uint8_t *p0 = sceau_buf_ptr(t), *v = p0;
	size_t len0 = sceau_buf_len(t), maxlen = fz_maxlen(st), slen, l = 1;
	int want, r;

	want = fz_expect_string(p0, len0, maxlen, &slen);
	if (consume)
		r = sceau_buf_get_string_direct(t, maxlen, &v, &l);
	else
		r = sceau_buf_peek_string_direct(t, maxlen, &v, &l);
	fuzz_assert(r == want);
	if (r != 0) {
		fuzz_assert(v == NULL && l == 0);
		fuzz_assert(sceau_buf_len(t) == len0);
		return;
	}
	fuzz_assert(v == p0 + 4 && l == slen);
	fuzz_assert(sceau_buf_len(t) == (consume ? len0 - 4 - slen : len0));
}

static void
op_get_string_direct(struct fz *st)
{
	fz_string_direct(st, 1);
}

static void
op_peek_string_direct(struct fz *st)
{
	fz_string_direct(st, 0);
}

static void
op_get_string(struct fz *st)
{
	struct sceau_buf *t = fz_top(st);
	const uint8_t *p0 = sceau_buf_ptr(t);
	size_t len0 = sceau_buf_len(t), maxlen = fz_maxlen(st), slen, l = 1;
	uint8_t *v = NULL;
	int want, r;

	want = fz_expect_string(p0, len0, maxlen, &slen);
	r = sceau_buf_get_string(t, maxlen, &v, &l);
	fuzz_assert(r == want);
	if (r != 0) {
		fuzz_assert(v == NULL && l == 0 && sceau_buf_len(t) == len0);
		return;
	}
	fuzz_assert(l == slen && v[slen] == '\0');
	fuzz_assert(slen == 0 || memcmp(v, p0 + 4, slen) == 0);
	fuzz_assert(sceau_buf_len(t) == len0 - 4 - slen);
	sceau_freezero(v, l + 1);
}

static void
op_get_cstring(struct fz *st)
{
	struct sceau_buf *t = fz_top(st);
	const uint8_t *p0 = sceau_buf_ptr(t);
	size_t len0 = sceau_buf_len(t), maxlen = fz_maxlen(st), slen, l = 1;
	char *v = NULL;
	int want, r;

	want = fz_expect_string(p0, len0, maxlen, &slen);
	if (want == 0 && slen > 0 && memchr(p0 + 4, '\0', slen) != NULL)
		want = SCEAU_ERR_INVALID_FORMAT;
	r = sceau_buf_get_cstring(t, maxlen, &v, &l);
	fuzz_assert(r == want);
	if (r != 0) {
		fuzz_assert(v == NULL && l == 0 && sceau_buf_len(t) == len0);
		return;
	}
	fuzz_assert(l == slen && strlen(v) == slen);
	fuzz_assert(sceau_buf_len(t) == len0 - 4 - slen);
	sceau_free(v);
}

static void
op_get_fixed(struct fz *st)
{
	struct sceau_buf *t = fz_top(st);
	const uint8_t *p0 = sceau_buf_ptr(t);
	size_t len0 = sceau_buf_len(t), n = fz_param(st) % 40, slen;
	uint8_t v[40];
	int want, r;

	want = fz_expect_string(p0, len0, n, &slen);
	if (want == 0 && slen != n)
		want = SCEAU_ERR_INVALID_FORMAT;
	r = sceau_buf_get_fixed(t, v, n);
	fuzz_assert(r == want);
	if (r != 0) {
		fuzz_assert(sceau_buf_len(t) == len0);
		return;
	}
	fuzz_assert(n == 0 || memcmp(v, p0 + 4, n) == 0);
	fuzz_assert(sceau_buf_len(t) == len0 - 4 - n);
}

/* consume, consume_end and get of a parameter's worth of bytes. */
static void
fz_drop(struct fz *st, int how)
{
	struct sceau_buf *t = fz_top(st);
	const uint8_t *p0 = sceau_buf_ptr(t);
	size_t len0 = sceau_buf_len(t), n = fz_param(st);
	uint8_t v[256];
	int r;

	if (how == 0)
		r = sceau_buf_consume(t, n);
	else if (how == 1)
		r = sceau_buf_consume_end(t, n);
	else
		r = sceau_buf_get(t, v, n);
	if (n > len0) {
		fuzz_assert(r == SCEAU_ERR_MESSAGE_INCOMPLETE);
		fuzz_assert(sceau_buf_len(t) == len0);
		return;
	}
	fuzz_assert(r == 0 && sceau_buf_len(t) == len0 - n);
	if (how == 1 && len0 - n > 0)
		fuzz_assert(sceau_buf_ptr(t) == p0);
	if (how == 2 && n > 0)
		fuzz_assert(memcmp(v, p0, n) == 0);
}

static void
op_consume(struct fz *st)
{
	fz_drop(st, 0);
}

static void
op_consume_end(struct fz *st)
{
	fz_drop(st, 1);
}

static void
op_get(struct fz *st)
{
	fz_drop(st, 2);
}

/* ---------------------------------------------------------------- views */

static void
op_froms(struct fz *st)
{
	struct sceau_buf *t = fz_top(st), *c = (struct sceau_buf *)1;
	const uint8_t *p0 = sceau_buf_ptr(t);
	size_t len0 = sceau_buf_len(t), slen;
	int want, r;

	want = fz_expect_string(p0, len0, SCEAU_BUF_SIZE_MAX, &slen);
	r = sceau_buf_froms(t, &c);
	fuzz_assert(r == want);
	if (r != 0) {
		fuzz_assert(c == NULL && sceau_buf_len(t) == len0);
		return;
	}
	fuzz_assert(sceau_buf_len(c) == slen && sceau_buf_ptr(c) == p0 + 4);
	fuzz_assert(sceau_buf_len(t) == len0 - 4 - slen);
	/* Views are read-only. */
	fuzz_assert(sceau_buf_put_u8(c, 0) == SCEAU_ERR_BUFFER_READ_ONLY);
	fuzz_assert(sceau_buf_mutable_ptr(c) == NULL);
	fz_push(st, c, st->of_w[st->depth - 1]);
}

static void
op_fromb(struct fz *st)
{
	struct sceau_buf *t = fz_top(st), *c;

	if ((c = sceau_buf_fromb(t)) == NULL)
		abort();
	fuzz_assert(sceau_buf_len(c) == sceau_buf_len(t));
	fuzz_assert(sceau_buf_ptr(c) == sceau_buf_ptr(t));
	fz_push(st, c, st->of_w[st->depth - 1]);
}

static void
op_fromb_w(struct fz *st)
{
	struct sceau_buf *c;

	if ((c = sceau_buf_fromb(st->w)) == NULL)
		abort();
	fuzz_assert(sceau_buf_len(c) == sceau_buf_len(st->w));
	/* A referenced buffer takes no writes: its views would move. */
	fuzz_assert(sceau_buf_put_u8(st->w, 0) == SCEAU_ERR_BUFFER_READ_ONLY);
	fuzz_assert(sceau_buf_avail(st->w) == 0);
	fz_push(st, c, 1);
}

static void
op_pop(struct fz *st)
{
	if (st->depth == 1)
		return;
	st->depth--;
	if (st->of_w[st->depth])
		st->w_views--;
	sceau_buf_free(st->stack[st->depth]);
}

/* ------------------------------------------------------ writes into w */

/* Appends via putb or put_stringb, predicting the outcome. */
static void
fz_append(struct fz *st, int as_string)
{
	struct sceau_buf *t = fz_top(st);
	size_t lw = sceau_buf_len(st->w), lt = sceau_buf_len(t);
	size_t need = lt + (as_string ? 4 : 0);
	int r;

	r = as_string ? sceau_buf_put_stringb(st->w, t)
	              : sceau_buf_putb(st->w, t);
	if (st->w_views > 0) {
		fuzz_assert(r == SCEAU_ERR_BUFFER_READ_ONLY);
	} else if (need > sceau_buf_max_size(st->w) - lw) {
		fuzz_assert(r == SCEAU_ERR_BUFFER_TOO_LARGE);
	} else {
		fuzz_assert(r == 0 && sceau_buf_len(st->w) == lw + need);
		if (as_string)
			fuzz_assert(fz_be(sceau_buf_ptr(st->w) + lw, 4) == lt);
		fuzz_assert(sceau_buf_cmp(st->w, lw + need - lt,
		                sceau_buf_ptr(t), lt) == 0);
		return;
	}
	fuzz_assert(sceau_buf_len(st->w) == lw);
}

static void
op_putb(struct fz *st)
{
	fz_append(st, 0);
}

static void
op_put_stringb(struct fz *st)
{
	fz_append(st, 1);
}

static void
op_put_int(struct fz *st)
{
	static const size_t widths[] = {1, 2, 4, 8};
	uint8_t b = fz_param(st);
	uint64_t v = 0x0102030405060708ULL * b;
	size_t lw = sceau_buf_len(st->w), n = widths[b % 4];
	int r;

	if (n == 1)
		r = sceau_buf_put_u8(st->w, (uint8_t)v);
	else if (n == 2)
		r = sceau_buf_put_u16(st->w, (uint16_t)v);
	else if (n == 4)
		r = sceau_buf_put_u32(st->w, (uint32_t)v);
	else
		r = sceau_buf_put_u64(st->w, v);
	if (r != 0) {
		fuzz_assert(st->w_views > 0 ? r == SCEAU_ERR_BUFFER_READ_ONLY
		                            : r == SCEAU_ERR_BUFFER_TOO_LARGE &&
		            n > sceau_buf_max_size(st->w) - lw);
		fuzz_assert(sceau_buf_len(st->w) == lw);
		return;
	}
	fuzz_assert(st->w_views == 0 && sceau_buf_len(st->w) == lw + n);
	fuzz_assert(fz_be(sceau_buf_ptr(st->w) + lw, n) ==
	    (n == 8 ? v : v & ((1ULL << (8 * n)) - 1)));
}

/* Reading from w is allowed even while views hold it. */
static void
op_w_get_u32(struct fz *st)
{
	size_t lw = sceau_buf_len(st->w);
	uint32_t v;
	int r;

	r = sceau_buf_get_u32(st->w, &v);
	fuzz_assert((r == 0) == (lw >= 4));
	fuzz_assert(sceau_buf_len(st->w) == (r == 0 ? lw - 4 : lw));
}

static void
op_w_reset(struct fz *st)
{
	sceau_buf_reset(st->w);
	fuzz_assert(sceau_buf_len(st->w) == 0);
}

static void
op_w_set_max(struct fz *st)
{
	uint8_t b = fz_param(st);
	size_t max = b == 255 ? SCEAU_BUF_SIZE_MAX : (size_t)b * 16;
	size_t old = sceau_buf_max_size(st->w), lw = sceau_buf_len(st->w);
	int r;

	r = sceau_buf_set_max_size(st->w, max);
	if (max == old)
		fuzz_assert(r == 0);
	else if (st->w_views > 0)
		fuzz_assert(r == SCEAU_ERR_BUFFER_READ_ONLY);
	else if (max < lw)
		fuzz_assert(r == SCEAU_ERR_BUFFER_TOO_LARGE);
	else
		fuzz_assert(r == 0);
	fuzz_assert(sceau_buf_max_size(st->w) == (r == 0 ? max : old));
	fuzz_assert(sceau_buf_len(st->w) == lw);
}

/* Copies of the top: dup, dup_cstring, equals, cmp. */
static void
op_dup(struct fz *st)
{
	struct sceau_buf *t = fz_top(st), *d;
	const uint8_t *p0 = sceau_buf_ptr(t);
	size_t len0 = sceau_buf_len(t), off = fz_param(st), n = fz_param(st);
	char *s;

	if ((d = sceau_buf_dup(t)) == NULL)
		abort();
	fuzz_assert(sceau_buf_equals(d, t) == 0);
	sceau_buf_free(d);
	s = sceau_buf_dup_cstring(t);
	if (len0 > 0 && memchr(p0, '\0', len0) != NULL) {
		fuzz_assert(s == NULL);
	} else {
		fuzz_assert(s != NULL && strlen(s) == len0);
		sceau_free(s);
	}
	if (off <= len0 && n <= len0 - off)
		fuzz_assert(
		    sceau_buf_cmp(t, off, len0 > 0 ? p0 + off : p0, n) == 0);
	else
		fuzz_assert(sceau_buf_cmp(t, off, p0, n) ==
		    SCEAU_ERR_MESSAGE_INCOMPLETE);
}

static void (*const fz_ops[])(struct fz *) = {
    op_u8,
    op_u16,
    op_u32,
    op_u64,
    op_peek_u32,
    op_get_string_direct,
    op_peek_string_direct,
    op_get_string,
    op_get_cstring,
    op_get_fixed,
    op_consume,
    op_consume_end,
    op_get,
    op_froms,
    op_fromb,
    op_fromb_w,
    op_pop,
    op_putb,
    op_put_stringb,
    op_put_int,
    op_w_get_u32,
    op_w_reset,
    op_w_set_max,
    op_dup,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz st;
	size_t i;

	if (size == 0)
		return 0;
	memset(&st, 0, sizeof(st));
	st.ops = data + 1;
	st.nops = SCEAU_MIN((size_t)data[0], size - 1);
	if ((st.stack[0] = sceau_buf_from(
	         data + 1 + st.nops, size - 1 - st.nops)) == NULL ||
	    (st.w = sceau_buf_new()) == NULL ||
	    sceau_buf_putb(st.w, st.stack[0]) != 0)
		abort();
	st.depth = 1;
	while (st.pc < st.nops) {
		fz_ops[st.ops[st.pc++] % SCEAU_NELEM(fz_ops)](&st);
		sceau_buf_check_sanity(fz_top(&st));
		sceau_buf_check_sanity(st.w);
	}
	/* w goes first: views of it must keep it alive until they go. */
	sceau_buf_free(st.w);
	for (i = st.depth; i > 0; i--)
		sceau_buf_free(st.stack[i - 1]);
	return 0;
}
