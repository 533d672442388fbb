/*
 * http-sse.c: the server-sent events parser of the http module (http.h),
 * after WHATWG HTML's "event stream interpretation", with bounds on every
 * line and event.
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "http.h"

struct sceau_http_sse {
	struct sceau_buf *line; /* the line being read */
	struct sceau_buf *data; /* the event's data, each line + '\n' */
	char type[SCEAU_HTTP_SSE_TYPE_MAX + 1];
	char id[SCEAU_HTTP_SSE_ID_MAX + 1];
	int after_cr; /* the last byte was CR: a following LF is its pair */
	int first_line; /* a BOM may open the stream */
	int dead;
};

void
sceau_http_sse_free(struct sceau_http_sse *s)
{
	if (s == NULL)
		return;
	sceau_buf_free(s->line);
	sceau_buf_free(s->data);
	sceau_free(s);
}

int
sceau_http_sse_new(const char *last_id, struct sceau_http_sse **sp)
{
	struct sceau_http_sse *s;
	size_t n = last_id == NULL ? 0 : strlen(last_id);

	*sp = NULL;
	if (n > SCEAU_HTTP_SSE_ID_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((s->line = sceau_buf_new()) == NULL ||
	    (s->data = sceau_buf_new()) == NULL ||
	    sceau_buf_set_max_size(s->line, SCEAU_HTTP_SSE_LINE_MAX) != 0 ||
	    /* + 1: room for the NUL that ends the data when dispatched. */
	    sceau_buf_set_max_size(s->data, SCEAU_HTTP_SSE_DATA_MAX + 1) != 0) {
		sceau_http_sse_free(s);
		return SCEAU_ERR_ALLOC;
	}
	if (n > 0)
		memcpy(s->id, last_id, n);
	s->first_line = 1;
	*sp = s;
	return 0;
}

static int
sse_fail(struct sceau_http_sse *s, const char *why)
{
	s->dead = 1;
	sceau_message("event stream: %s", why);
	return SCEAU_ERR_PROTOCOL;
}

/* Appends within the limits already checked: only memory can fail. */
static int
sse_put(struct sceau_http_sse *s, struct sceau_buf *b, const void *p, size_t n)
{
	int r;

	if ((r = sceau_buf_put(b, p, n)) != 0)
		s->dead = 1;
	return r;
}

static int
sse_dispatch(struct sceau_http_sse *s, sceau_http_event_cb cb, void *arg)
{
	struct sceau_http_event ev;
	uint8_t *d;
	size_t n = sceau_buf_len(s->data);
	int r;

	if (n == 0) {
		s->type[0] = '\0';
		return 0;
	}
	/* The last '\n' becomes the terminating NUL. */
	d = sceau_buf_mutable_ptr(s->data);
	d[n - 1] = '\0';
	ev.id = s->id;
	ev.type = s->type[0] != '\0' ? s->type : "message";
	ev.data = (const char *)d;
	ev.data_len = n - 1;
	r = cb(&ev, arg);
	sceau_buf_reset(s->data);
	s->type[0] = '\0';
	return r;
}

static int
sse_field(struct sceau_http_sse *s, const char *name, size_t nlen,
    const uint8_t *v, size_t vlen)
{
	int r;

	if (nlen == 4 && memcmp(name, "data", 4) == 0) {
		if (vlen + 1 > SCEAU_HTTP_SSE_DATA_MAX - sceau_buf_len(s->data))
			return sse_fail(s, "event data too long");
		if ((r = sse_put(s, s->data, v, vlen)) != 0 ||
		    (r = sse_put(s, s->data, "\n", 1)) != 0)
			return r;
	} else if (nlen == 5 && memcmp(name, "event", 5) == 0) {
		if (vlen > SCEAU_HTTP_SSE_TYPE_MAX)
			return sse_fail(s, "event name too long");
		memcpy(s->type, v, vlen);
		s->type[vlen] = '\0';
	} else if (nlen == 2 && memcmp(name, "id", 2) == 0) {
		if (vlen > SCEAU_HTTP_SSE_ID_MAX)
			return sse_fail(s, "event id too long");
		memcpy(s->id, v, vlen);
		s->id[vlen] = '\0';
	}
	/* "retry" and unknown fields are ignored. */
	return 0;
}

/* One complete line (without its end). */
static int
sse_line(struct sceau_http_sse *s, sceau_http_event_cb cb, void *arg)
{
	const uint8_t *p = sceau_buf_ptr(s->line), *colon;
	size_t n = sceau_buf_len(s->line), nlen;

	if (s->first_line && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	s->first_line = 0;
	if (n == 0)
		return sse_dispatch(s, cb, arg);
	if (p[0] == ':')
		return 0; /* a comment (the server's keep-alive ping) */
	colon = memchr(p, ':', n);
	nlen = colon == NULL ? n : (size_t)(colon - p);
	if (colon == NULL)
		return sse_field(s, (const char *)p, n, p + n, 0);
	p = colon + 1;
	n -= nlen + 1;
	if (n > 0 && p[0] == ' ') {
		p++;
		n--;
	}
	return sse_field(s, (const char *)(colon - nlen), nlen, p, n);
}

/* Appends p[0..n) (no line end in it) to the current line. */
static int
sse_append(struct sceau_http_sse *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (memchr(p, '\0', n) != NULL)
		return sse_fail(s, "NUL byte");
	if (n > sceau_buf_avail(s->line))
		return sse_fail(s, "line too long");
	return sse_put(s, s->line, p, n);
}

int
sceau_http_sse_feed(struct sceau_http_sse *s, const void *data, size_t n,
    sceau_http_event_cb cb, void *arg)
{
	const uint8_t *p = data, *end = p + n, *e;
	int r;

	if (s->dead)
		return SCEAU_ERR_PROTOCOL;
	while (p < end) {
		if (s->after_cr && *p == '\n') {
			s->after_cr = 0;
			p++;
			continue;
		}
		s->after_cr = 0;
		for (e = p; e < end && *e != '\n' && *e != '\r'; e++)
			;
		if ((r = sse_append(s, p, (size_t)(e - p))) != 0)
			return r;
		if (e == end)
			break;
		s->after_cr = *e == '\r';
		p = e + 1;
		r = sse_line(s, cb, arg);
		sceau_buf_reset(s->line);
		if (r != 0)
			return r;
	}
	return 0;
}
