/*
 * buf-getput.c: typed getters and putters of the bounded buffer.
 * Getters check the length first, then copy, then consume.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "buf-internal.h"
#include "errors.h"

int
sceau_buf_get(struct sceau_buf *b, void *v, size_t len)
{
	const uint8_t *p = sceau_buf_ptr(b);
	int r;

	if (len > sceau_buf_len(b))
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	if (v != NULL && len > 0)
		memcpy(v, p, len);
	if ((r = sceau_buf_consume(b, len)) != 0)
		return r;
	return 0;
}

/* Does [v, v + len) overlap the memory of b? */
static int
overlaps(const struct sceau_buf *b, const void *v, size_t len)
{
	uintptr_t lo = (uintptr_t)b->cd, hi = lo + b->alloc, p = (uintptr_t)v;

	return b->cd != NULL && len > 0 && p < hi && p + len > lo;
}

int
sceau_buf_put(struct sceau_buf *b, const void *v, size_t len)
{
	uint8_t *p;
	int r;

	if ((r = sceau_buf_check_reserve(b, len)) != 0)
		return r;
	/*
	 * Appending a buffer's own bytes to itself is refused: growing frees
	 * the block they would be copied from.
	 */
	if (overlaps(b, v, len))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_reserve(b, len, &p)) != 0)
		return r;
	if (len > 0)
		memcpy(p, v, len);
	return 0;
}

int
sceau_buf_putb(struct sceau_buf *b, const struct sceau_buf *v)
{
	if (v == NULL)
		return 0;
	return sceau_buf_put(b, sceau_buf_ptr(v), sceau_buf_len(v));
}

int
sceau_buf_putfv(struct sceau_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	uint8_t *p;
	int len, r;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		return SCEAU_ERR_INVALID_FORMAT;
	if (len == 0)
		return 0;
	/* Reserve one more byte for vsnprintf's NUL, then drop it. */
	if ((r = sceau_buf_reserve(b, (size_t)len + 1, &p)) != 0)
		return r;
	if (vsnprintf((char *)p, (size_t)len + 1, fmt, ap) != len)
		return SCEAU_ERR_INTERNAL;
	return sceau_buf_consume_end(b, 1);
}

int
sceau_buf_putf(struct sceau_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sceau_buf_putfv(b, fmt, ap);
	va_end(ap);
	return r;
}

static uint64_t
peek_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
poke_be(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = n; i > 0; i--) {
		p[i - 1] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static int
get_be(struct sceau_buf *b, uint64_t *v, size_t n)
{
	*v = 0;
	if (n > sceau_buf_len(b))
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	*v = peek_be(sceau_buf_ptr(b), n);
	return sceau_buf_consume(b, n);
}

static int
put_be(struct sceau_buf *b, uint64_t v, size_t n)
{
	uint8_t *p;
	int r;

	if ((r = sceau_buf_reserve(b, n, &p)) != 0)
		return r;
	poke_be(p, v, n);
	return 0;
}

int
sceau_buf_get_u8(struct sceau_buf *b, uint8_t *v)
{
	uint64_t x;
	int r = get_be(b, &x, 1);

	*v = (uint8_t)x;
	return r;
}

int
sceau_buf_get_u16(struct sceau_buf *b, uint16_t *v)
{
	uint64_t x;
	int r = get_be(b, &x, 2);

	*v = (uint16_t)x;
	return r;
}

int
sceau_buf_get_u32(struct sceau_buf *b, uint32_t *v)
{
	uint64_t x;
	int r = get_be(b, &x, 4);

	*v = (uint32_t)x;
	return r;
}

int
sceau_buf_get_u64(struct sceau_buf *b, uint64_t *v)
{
	return get_be(b, v, 8);
}

int
sceau_buf_peek_u32(const struct sceau_buf *b, uint32_t *v)
{
	*v = 0;
	if (sceau_buf_len(b) < 4)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	*v = (uint32_t)peek_be(sceau_buf_ptr(b), 4);
	return 0;
}

int
sceau_buf_put_u8(struct sceau_buf *b, uint8_t v)
{
	return put_be(b, v, 1);
}

int
sceau_buf_put_u16(struct sceau_buf *b, uint16_t v)
{
	return put_be(b, v, 2);
}

int
sceau_buf_put_u32(struct sceau_buf *b, uint32_t v)
{
	return put_be(b, v, 4);
}

int
sceau_buf_put_u64(struct sceau_buf *b, uint64_t v)
{
	return put_be(b, v, 8);
}

int
sceau_buf_peek_string_direct(const struct sceau_buf *b, size_t maxlen,
    const uint8_t **valp, size_t *lenp)
{
	uint32_t len;
	int r;

	if (valp != NULL)
		*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = sceau_buf_peek_u32(b, &len)) != 0)
		return r;
	/* Check the length against its limit before anything else. */
	if (len > maxlen || len > SCEAU_BUF_SIZE_MAX - 4)
		return SCEAU_ERR_STRING_TOO_LARGE;
	if (len > sceau_buf_len(b) - 4)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	if (valp != NULL)
		*valp = sceau_buf_ptr(b) + 4;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

int
sceau_buf_get_string_direct(
    struct sceau_buf *b, size_t maxlen, const uint8_t **valp, size_t *lenp)
{
	const uint8_t *p;
	size_t len;
	int r;

	if (valp != NULL)
		*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = sceau_buf_peek_string_direct(b, maxlen, &p, &len)) != 0)
		return r;
	if ((r = sceau_buf_consume(b, 4 + len)) != 0)
		return r;
	if (valp != NULL)
		*valp = p;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

int
sceau_buf_get_string(
    struct sceau_buf *b, size_t maxlen, uint8_t **valp, size_t *lenp)
{
	const uint8_t *p;
	uint8_t *v;
	size_t len;
	int r;

	*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = sceau_buf_peek_string_direct(b, maxlen, &p, &len)) != 0)
		return r;
	if ((v = sceau_malloc(len + 1)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (len > 0)
		memcpy(v, p, len);
	v[len] = '\0';
	if ((r = sceau_buf_consume(b, 4 + len)) != 0) {
		sceau_freezero(v, len + 1);
		return r;
	}
	*valp = v;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

int
sceau_buf_get_fixed(struct sceau_buf *b, void *v, size_t len)
{
	const uint8_t *p;
	size_t got;
	int r;

	if ((r = sceau_buf_peek_string_direct(b, len, &p, &got)) != 0)
		return r;
	if (got != len)
		return SCEAU_ERR_INVALID_FORMAT;
	if (len > 0)
		memcpy(v, p, len);
	return sceau_buf_consume(b, 4 + len);
}

int
sceau_buf_get_cstring(
    struct sceau_buf *b, size_t maxlen, char **valp, size_t *lenp)
{
	const uint8_t *p;
	size_t len;
	char *v;
	int r;

	*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = sceau_buf_peek_string_direct(b, maxlen, &p, &len)) != 0)
		return r;
	if (len > 0 && memchr(p, '\0', len) != NULL)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((v = sceau_malloc(len + 1)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (len > 0)
		memcpy(v, p, len);
	v[len] = '\0';
	if ((r = sceau_buf_consume(b, 4 + len)) != 0) {
		sceau_free(v);
		return r;
	}
	*valp = v;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

int
sceau_buf_put_string(struct sceau_buf *b, const void *v, size_t len)
{
	uint8_t *p;
	int r;

	if (len > 0xffffffffUL - 4 || len > SCEAU_BUF_SIZE_MAX - 4)
		return SCEAU_ERR_STRING_TOO_LARGE;
	if ((r = sceau_buf_check_reserve(b, 4 + len)) != 0)
		return r;
	if (overlaps(b, v, len))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_reserve(b, 4 + len, &p)) != 0)
		return r;
	poke_be(p, len, 4);
	if (len > 0)
		memcpy(p + 4, v, len);
	return 0;
}

int
sceau_buf_put_cstring(struct sceau_buf *b, const char *v)
{
	return sceau_buf_put_string(b, v, v == NULL ? 0 : strlen(v));
}

int
sceau_buf_put_stringb(struct sceau_buf *b, const struct sceau_buf *v)
{
	return sceau_buf_put_string(b, sceau_buf_ptr(v), sceau_buf_len(v));
}
