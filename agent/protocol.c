/*
 * protocol.c: encoding and decoding of the agent's messages
 * (doc/agent-protocol.md, section 3).
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "protocol.h"
#include "secmem.h"

/* ------------------------------------------------------------ getters */

/* A cstring of at most max bytes into dst[max + 1]. */
static int
get_cstr(struct sceau_buf *b, size_t max, char *dst)
{
	const uint8_t *v;
	size_t n;
	int r;

	if ((r = sceau_buf_get_string_direct(b, max, &v, &n)) != 0)
		return r;
	if (n > 0 && memchr(v, '\0', n) != NULL)
		return SCEAU_ERR_INVALID_FORMAT;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* A string of at most max bytes, borrowed. */
static int
get_blob(struct sceau_buf *b, size_t max, const uint8_t **v, size_t *n)
{
	return sceau_buf_get_string_direct(b, max, v, n);
}

static int
get_org_device(struct sceau_buf *b, struct sceau_agent_msg *m)
{
	int r;

	if ((r = get_cstr(b, SCEAU_ORG_ID_MAX, m->org)) != 0)
		return r;
	return get_cstr(b, SCEAU_ID_LEN, m->device);
}

static int
get_entry(struct sceau_buf *b, struct sceau_agent_entry *e)
{
	int r;

	if ((r = get_cstr(b, SCEAU_ORG_ID_MAX, e->org)) != 0 ||
	    (r = get_cstr(b, SCEAU_ID_LEN, e->device)) != 0 ||
	    (r = get_cstr(b, SCEAU_ID_LEN, e->user)) != 0 ||
	    (r = get_cstr(b, SCEAU_NAME_MAX, e->label)) != 0 ||
	    (r = sceau_buf_get_u8(b, &e->protection)) != 0 ||
	    (r = sceau_buf_get_u64(b, &e->unlocked_us)) != 0 ||
	    (r = sceau_buf_get_u64(b, &e->used_us)) != 0 ||
	    (r = sceau_buf_get_u64(b, &e->token_ops)) != 0)
		return r;
	return sceau_buf_get_fixed(b, e->verify_key, SCEAU_SIGN_PUBLIC_LEN);
}

static int
get_list(struct sceau_buf *b, struct sceau_agent_msg *m)
{
	uint32_t n;
	size_t i;
	int r;

	if ((r = sceau_buf_get_u32(b, &n)) != 0)
		return r;
	if (n > SCEAU_AGENT_LIST_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if (n == 0)
		return 0;
	if ((m->entries = sceau_calloc(n, sizeof(*m->entries))) == NULL)
		return SCEAU_ERR_ALLOC;
	m->nentries = n;
	for (i = 0; i < n; i++)
		if ((r = get_entry(b, &m->entries[i])) != 0)
			return r;
	return 0;
}

static int
get_sync_entry(struct sceau_buf *b, struct sceau_agent_sync_entry *e)
{
	uint32_t err;
	int r;

	if ((r = get_cstr(b, SCEAU_ORG_ID_MAX, e->org)) != 0 ||
	    (r = get_cstr(b, SCEAU_ID_LEN, e->device)) != 0 ||
	    (r = get_cstr(b, SCEAU_ID_LEN, e->realm)) != 0 ||
	    (r = sceau_buf_get_u8(b, &e->state)) != 0 ||
	    (r = sceau_buf_get_u32(b, &e->pending)) != 0 ||
	    (r = sceau_buf_get_u32(b, &err)) != 0 ||
	    (r = sceau_buf_get_u64(b, &e->last_us)) != 0)
		return r;
	if (e->state < 1 || e->state > SCEAU_AGENT_SYNC_STATE_MAX ||
	    err > 0xffff)
		return SCEAU_ERR_INVALID_FORMAT;
	e->error = -(int)err;
	return 0;
}

static int
get_sync_list(struct sceau_buf *b, struct sceau_agent_msg *m)
{
	uint32_t n;
	size_t i;
	int r;

	if ((r = sceau_buf_get_u32(b, &n)) != 0)
		return r;
	if (n > SCEAU_AGENT_SYNC_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if (n == 0)
		return 0;
	if ((m->sync = sceau_calloc(n, sizeof(*m->sync))) == NULL)
		return SCEAU_ERR_ALLOC;
	m->nsync = n;
	for (i = 0; i < n; i++)
		if ((r = get_sync_entry(b, &m->sync[i])) != 0)
			return r;
	return 0;
}

static int
get_failure(struct sceau_buf *b, struct sceau_agent_msg *m)
{
	uint32_t code;
	int r;

	if ((r = sceau_buf_get_u32(b, &code)) != 0)
		return r;
	/* A negated SCEAU_ERR_* value: never 0, never huge. */
	if (code == 0 || code > 0xffff)
		return SCEAU_ERR_INVALID_FORMAT;
	m->code = -(int)code;
	return get_cstr(b, SCEAU_AGENT_MESSAGE_MAX, m->message);
}

static int
get_request(struct sceau_buf *b, struct sceau_agent_msg *m)
{
	int r;

	switch (m->type) {
	case SCEAU_AGENT_HELLO:
		if ((r = sceau_buf_get_u32(b, &m->version)) != 0)
			return r;
		return get_cstr(b, SCEAU_AGENT_NAME_MAX, m->name);
	case SCEAU_AGENT_UNLOCK:
		if ((r = get_org_device(b, m)) != 0 ||
		    (r = sceau_buf_get_u8(b, &m->auth)) != 0)
			return r;
		if (m->auth < 1 || m->auth > 3)
			return SCEAU_ERR_INVALID_FORMAT;
		return get_blob(
		    b, SCEAU_AGENT_SECRET_MAX, &m->secret, &m->secret_len);
	case SCEAU_AGENT_LOCK:
		if ((r = sceau_buf_get_u8(b, &m->flags)) != 0)
			return r;
		if ((m->flags & ~SCEAU_AGENT_LOCK_ALL) != 0)
			return SCEAU_ERR_INVALID_FORMAT;
		return get_org_device(b, m);
	case SCEAU_AGENT_LIST:
	case SCEAU_AGENT_STATUS:
		return 0;
	case SCEAU_AGENT_SIGN:
	case SCEAU_AGENT_SIGN_TOKEN:
		if ((r = get_org_device(b, m)) != 0)
			return r;
		return get_blob(b, SCEAU_AGENT_TBS_MAX, &m->data, &m->data_len);
	case SCEAU_AGENT_REALM_KEY:
		if ((r = get_org_device(b, m)) != 0 ||
		    (r = get_cstr(b, SCEAU_ID_LEN, m->realm)) != 0)
			return r;
		return sceau_buf_get_u32(b, &m->index);
	case SCEAU_AGENT_SYNC_STATUS:
		return get_org_device(b, m);
	case SCEAU_AGENT_SYNC_NOW:
		if ((r = get_org_device(b, m)) != 0)
			return r;
		return get_cstr(b, SCEAU_ID_LEN, m->realm);
	default:
		return SCEAU_ERR_INVALID_FORMAT;
	}
}

static int
get_reply(struct sceau_buf *b, struct sceau_agent_msg *m)
{
	int r;

	switch (m->type & ~SCEAU_AGENT_REPLY) {
	case SCEAU_AGENT_HELLO:
		if ((r = sceau_buf_get_u32(b, &m->version)) != 0)
			return r;
		return get_cstr(b, SCEAU_AGENT_NAME_MAX, m->name);
	case SCEAU_AGENT_UNLOCK:
		return get_org_device(b, m);
	case SCEAU_AGENT_LOCK:
		return sceau_buf_get_u32(b, &m->count);
	case SCEAU_AGENT_LIST:
		return get_list(b, m);
	case SCEAU_AGENT_SIGN:
		if ((r = get_blob(
		         b, SCEAU_AGENT_SIG_MAX, &m->data, &m->data_len)) != 0)
			return r;
		return m->data_len == SCEAU_SIGN_SIG_LEN
		    ? 0
		    : SCEAU_ERR_INVALID_FORMAT;
	case SCEAU_AGENT_SIGN_TOKEN:
		if ((r = get_cstr(b, SCEAU_AGENT_ALG_MAX, m->alg)) != 0)
			return r;
		return get_blob(b, SCEAU_AGENT_SIG_MAX, &m->data, &m->data_len);
	case SCEAU_AGENT_REALM_KEY:
		return sceau_buf_get_fixed(b, m->key, SCEAU_AGENT_KEY_LEN);
	case SCEAU_AGENT_STATUS:
		if ((r = sceau_buf_get_u32(b, &m->version)) != 0 ||
		    (r = sceau_buf_get_u64(b, &m->pid)) != 0 ||
		    (r = sceau_buf_get_u64(b, &m->started_us)) != 0 ||
		    (r = sceau_buf_get_u32(b, &m->idle_timeout_s)) != 0 ||
		    (r = sceau_buf_get_u32(b, &m->count)) != 0)
			return r;
		return sceau_buf_get_u64(b, &m->token_ops);
	case SCEAU_AGENT_SYNC_STATUS:
		return get_sync_list(b, m);
	case SCEAU_AGENT_SYNC_NOW:
		return sceau_buf_get_u32(b, &m->count);
	default:
		return SCEAU_ERR_INVALID_FORMAT;
	}
}

int
sceau_agent_decode(const uint8_t *p, size_t n, struct sceau_agent_msg *m)
{
	struct sceau_buf *b;
	int r;

	memset(m, 0, sizeof(*m));
	if (n == 0 || n > SCEAU_AGENT_FRAME_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_get_u8(b, &m->type)) != 0)
		goto out;
	if (m->type == SCEAU_AGENT_FAILURE)
		r = get_failure(b, m);
	else if ((m->type & SCEAU_AGENT_REPLY) != 0)
		r = get_reply(b, m);
	else
		r = get_request(b, m);
	if (r == 0 && sceau_buf_len(b) != 0)
		r = SCEAU_ERR_TRAILING_DATA;
out:
	sceau_buf_free(b);
	return r;
}

/* ------------------------------------------------------------ putters */

static int
put_cstr(struct sceau_buf *b, const char *s, size_t max)
{
	if (strlen(s) > max)
		return SCEAU_ERR_INVALID_ARGUMENT;
	return sceau_buf_put_cstring(b, s);
}

static int
put_blob(struct sceau_buf *b, const void *p, size_t n, size_t max)
{
	if (n > max || (n > 0 && p == NULL))
		return SCEAU_ERR_INVALID_ARGUMENT;
	return sceau_buf_put_string(b, p, n);
}

static int
put_org_device(struct sceau_buf *b, const struct sceau_agent_msg *m)
{
	int r;

	if ((r = put_cstr(b, m->org, SCEAU_ORG_ID_MAX)) != 0)
		return r;
	return put_cstr(b, m->device, SCEAU_ID_LEN);
}

static int
put_entry(struct sceau_buf *b, const struct sceau_agent_entry *e)
{
	int r;

	if ((r = put_cstr(b, e->org, SCEAU_ORG_ID_MAX)) != 0 ||
	    (r = put_cstr(b, e->device, SCEAU_ID_LEN)) != 0 ||
	    (r = put_cstr(b, e->user, SCEAU_ID_LEN)) != 0 ||
	    (r = put_cstr(b, e->label, SCEAU_NAME_MAX)) != 0 ||
	    (r = sceau_buf_put_u8(b, e->protection)) != 0 ||
	    (r = sceau_buf_put_u64(b, e->unlocked_us)) != 0 ||
	    (r = sceau_buf_put_u64(b, e->used_us)) != 0 ||
	    (r = sceau_buf_put_u64(b, e->token_ops)) != 0)
		return r;
	return sceau_buf_put_string(b, e->verify_key, SCEAU_SIGN_PUBLIC_LEN);
}

static int
put_sync_entry(struct sceau_buf *b, const struct sceau_agent_sync_entry *e)
{
	int r;

	if (e->state < 1 || e->state > SCEAU_AGENT_SYNC_STATE_MAX ||
	    e->error > 0 || e->error < -0xffff)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = put_cstr(b, e->org, SCEAU_ORG_ID_MAX)) != 0 ||
	    (r = put_cstr(b, e->device, SCEAU_ID_LEN)) != 0 ||
	    (r = put_cstr(b, e->realm, SCEAU_ID_LEN)) != 0 ||
	    (r = sceau_buf_put_u8(b, e->state)) != 0 ||
	    (r = sceau_buf_put_u32(b, e->pending)) != 0 ||
	    (r = sceau_buf_put_u32(b, (uint32_t)-e->error)) != 0)
		return r;
	return sceau_buf_put_u64(b, e->last_us);
}

static int
put_sync_list(struct sceau_buf *b, const struct sceau_agent_msg *m)
{
	size_t i;
	int r;

	if (m->nsync > SCEAU_AGENT_SYNC_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put_u32(b, (uint32_t)m->nsync)) != 0)
		return r;
	for (i = 0; i < m->nsync; i++)
		if ((r = put_sync_entry(b, &m->sync[i])) != 0)
			return r;
	return 0;
}

static int
put_request(struct sceau_buf *b, const struct sceau_agent_msg *m)
{
	int r;

	switch (m->type) {
	case SCEAU_AGENT_HELLO:
		if ((r = sceau_buf_put_u32(b, m->version)) != 0)
			return r;
		return put_cstr(b, m->name, SCEAU_AGENT_NAME_MAX);
	case SCEAU_AGENT_UNLOCK:
		if (m->auth < 1 || m->auth > 3)
			return SCEAU_ERR_INVALID_ARGUMENT;
		if ((r = put_org_device(b, m)) != 0 ||
		    (r = sceau_buf_put_u8(b, m->auth)) != 0)
			return r;
		return put_blob(
		    b, m->secret, m->secret_len, SCEAU_AGENT_SECRET_MAX);
	case SCEAU_AGENT_LOCK:
		if ((r = sceau_buf_put_u8(b, m->flags)) != 0)
			return r;
		return put_org_device(b, m);
	case SCEAU_AGENT_LIST:
	case SCEAU_AGENT_STATUS:
		return 0;
	case SCEAU_AGENT_SIGN:
	case SCEAU_AGENT_SIGN_TOKEN:
		if ((r = put_org_device(b, m)) != 0)
			return r;
		return put_blob(b, m->data, m->data_len, SCEAU_AGENT_TBS_MAX);
	case SCEAU_AGENT_REALM_KEY:
		if ((r = put_org_device(b, m)) != 0 ||
		    (r = put_cstr(b, m->realm, SCEAU_ID_LEN)) != 0)
			return r;
		return sceau_buf_put_u32(b, m->index);
	case SCEAU_AGENT_SYNC_STATUS:
		return put_org_device(b, m);
	case SCEAU_AGENT_SYNC_NOW:
		if ((r = put_org_device(b, m)) != 0)
			return r;
		return put_cstr(b, m->realm, SCEAU_ID_LEN);
	default:
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
}

static int
put_reply(struct sceau_buf *b, const struct sceau_agent_msg *m)
{
	size_t i;
	int r;

	switch (m->type & ~SCEAU_AGENT_REPLY) {
	case SCEAU_AGENT_HELLO:
		if ((r = sceau_buf_put_u32(b, m->version)) != 0)
			return r;
		return put_cstr(b, m->name, SCEAU_AGENT_NAME_MAX);
	case SCEAU_AGENT_UNLOCK:
		return put_org_device(b, m);
	case SCEAU_AGENT_LOCK:
		return sceau_buf_put_u32(b, m->count);
	case SCEAU_AGENT_LIST:
		if (m->nentries > SCEAU_AGENT_LIST_MAX)
			return SCEAU_ERR_INVALID_ARGUMENT;
		if ((r = sceau_buf_put_u32(b, (uint32_t)m->nentries)) != 0)
			return r;
		for (i = 0; i < m->nentries; i++)
			if ((r = put_entry(b, &m->entries[i])) != 0)
				return r;
		return 0;
	case SCEAU_AGENT_SIGN:
		if (m->data_len != SCEAU_SIGN_SIG_LEN)
			return SCEAU_ERR_INVALID_ARGUMENT;
		return put_blob(b, m->data, m->data_len, SCEAU_AGENT_SIG_MAX);
	case SCEAU_AGENT_SIGN_TOKEN:
		if ((r = put_cstr(b, m->alg, SCEAU_AGENT_ALG_MAX)) != 0)
			return r;
		return put_blob(b, m->data, m->data_len, SCEAU_AGENT_SIG_MAX);
	case SCEAU_AGENT_REALM_KEY:
		return sceau_buf_put_string(b, m->key, SCEAU_AGENT_KEY_LEN);
	case SCEAU_AGENT_STATUS:
		if ((r = sceau_buf_put_u32(b, m->version)) != 0 ||
		    (r = sceau_buf_put_u64(b, m->pid)) != 0 ||
		    (r = sceau_buf_put_u64(b, m->started_us)) != 0 ||
		    (r = sceau_buf_put_u32(b, m->idle_timeout_s)) != 0 ||
		    (r = sceau_buf_put_u32(b, m->count)) != 0)
			return r;
		return sceau_buf_put_u64(b, m->token_ops);
	case SCEAU_AGENT_SYNC_STATUS:
		return put_sync_list(b, m);
	case SCEAU_AGENT_SYNC_NOW:
		return sceau_buf_put_u32(b, m->count);
	default:
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
}

static int
put_body(const struct sceau_agent_msg *m, struct sceau_buf *b)
{
	int r;

	if ((r = sceau_buf_put_u8(b, m->type)) != 0)
		return r;
	if (m->type == SCEAU_AGENT_FAILURE) {
		if (m->code >= 0 || m->code < -0xffff)
			return SCEAU_ERR_INVALID_ARGUMENT;
		if ((r = sceau_buf_put_u32(b, (uint32_t)-m->code)) != 0)
			return r;
		return put_cstr(b, m->message, SCEAU_AGENT_MESSAGE_MAX);
	}
	if ((m->type & SCEAU_AGENT_REPLY) != 0)
		return put_reply(b, m);
	return put_request(b, m);
}

int
sceau_agent_encode(const struct sceau_agent_msg *m, struct sceau_buf *out)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_set_max_size(b, SCEAU_AGENT_FRAME_MAX)) == 0 &&
	    (r = put_body(m, b)) == 0)
		r = sceau_buf_putb(out, b);
	sceau_buf_free(b);
	return r;
}

void
sceau_agent_msg_clear(struct sceau_agent_msg *m)
{
	sceau_free(m->entries);
	sceau_free(m->sync);
	sceau_memzero(m, sizeof(*m));
}

int
sceau_agent_frame_put(struct sceau_buf *out, const struct sceau_buf *body)
{
	size_t n = sceau_buf_len(body);
	int r;

	if (n == 0 || n > SCEAU_AGENT_FRAME_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_check_reserve(out, 4 + n)) != 0 ||
	    (r = sceau_buf_put_u32(out, (uint32_t)n)) != 0)
		return r;
	return sceau_buf_putb(out, body);
}

int
sceau_agent_frame_peek(const struct sceau_buf *in, const uint8_t **p, size_t *n)
{
	uint32_t len;
	int r;

	*p = NULL;
	*n = 0;
	if ((r = sceau_buf_peek_u32(in, &len)) != 0)
		return r;
	if (len == 0 || len > SCEAU_AGENT_FRAME_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if (sceau_buf_len(in) - 4 < len)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	*p = sceau_buf_ptr(in) + 4;
	*n = len;
	return 0;
}

const char *
sceau_agent_type_name(uint8_t type)
{
	static const char *const names[] = {"failure", "hello", "unlock",
	    "lock", "list", "sign", "sign-token", "realm-key", "status"};
	unsigned int t = type & ~SCEAU_AGENT_REPLY;

	if (t == SCEAU_AGENT_SYNC_STATUS)
		return "sync-status";
	if (t == SCEAU_AGENT_SYNC_NOW)
		return "sync-now";
	if (t >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[t];
}

const char *
sceau_agent_sync_state_name(uint8_t state)
{
	static const char *const names[] = {"?", "starting", "syncing",
	    "up-to-date", "pending", "offline", "error"};

	return state <= SCEAU_AGENT_SYNC_STATE_MAX ? names[state] : "?";
}
