/*
 * test-agent-protocol.c: the agent's messages (agent/protocol.c): every
 * request and reply round-trips to the same bytes, every truncation and
 * every trailing byte is refused, limits and enums are checked, frames.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "protocol.h"
#include "testutil.h"

#define ORG "acme"
#define DEV "00112233445566778899aabbccddeeff"
#define REALM "ffeeddccbbaa99887766554433221100"

static const uint8_t pin[] = "123456";
/* As long as a signature, so that it fits SIGN's reply too. */
static const uint8_t tbs[SCEAU_SIGN_SIG_LEN] = {1, 2, 3, 4, 5};

static struct sceau_agent_sync_entry sync_entry = {ORG, DEV, REALM,
    SCEAU_AGENT_SYNC_OFFLINE, 3, SCEAU_ERR_TIMEOUT, 1700000000000000ULL};

/* Fills m as a message of type t with every field it has set. */
static void
sample(uint8_t t, struct sceau_agent_msg *m, struct sceau_agent_entry *e)
{
	memset(m, 0, sizeof(*m));
	m->type = t;
	m->version = SCEAU_AGENT_VERSION;
	(void)snprintf(m->name, sizeof(m->name), "sceau 1.0");
	(void)snprintf(m->org, sizeof(m->org), ORG);
	(void)snprintf(m->device, sizeof(m->device), DEV);
	(void)snprintf(m->realm, sizeof(m->realm), REALM);
	m->auth = 3;
	m->flags = SCEAU_AGENT_LOCK_ALL;
	m->secret = pin;
	m->secret_len = 6;
	m->data = tbs;
	m->data_len = sizeof(tbs);
	(void)snprintf(m->alg, sizeof(m->alg), "ecdsa-p256-sha256");
	m->index = 7;
	memset(m->key, 0x5a, sizeof(m->key));
	m->code = SCEAU_ERR_AGENT_LOCKED;
	(void)snprintf(m->message, sizeof(m->message), "not unlocked");
	m->count = 2;
	m->pid = 4242;
	m->started_us = 1;
	m->token_ops = 9;
	m->idle_timeout_s = 600;
	memset(e, 0, sizeof(*e));
	(void)snprintf(e->org, sizeof(e->org), ORG);
	(void)snprintf(e->device, sizeof(e->device), DEV);
	(void)snprintf(e->user, sizeof(e->user), REALM);
	(void)snprintf(e->label, sizeof(e->label), "laptop");
	e->protection = 2;
	e->unlocked_us = 5;
	e->used_us = 6;
	e->token_ops = 1;
	m->entries = e;
	m->nentries = 1;
	m->sync = &sync_entry;
	m->nsync = 1;
}

static const uint8_t all_types[] = {
    SCEAU_AGENT_HELLO,
    SCEAU_AGENT_UNLOCK,
    SCEAU_AGENT_LOCK,
    SCEAU_AGENT_LIST,
    SCEAU_AGENT_SIGN,
    SCEAU_AGENT_SIGN_TOKEN,
    SCEAU_AGENT_REALM_KEY,
    SCEAU_AGENT_STATUS,
    SCEAU_AGENT_SYNC_STATUS,
    SCEAU_AGENT_SYNC_NOW,
    SCEAU_AGENT_FAILURE,
    SCEAU_AGENT_HELLO | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_UNLOCK | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_LOCK | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_LIST | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_SIGN | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_SIGN_TOKEN | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_REALM_KEY | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_STATUS | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_SYNC_STATUS | SCEAU_AGENT_REPLY,
    SCEAU_AGENT_SYNC_NOW | SCEAU_AGENT_REPLY,
};

static void
check_one(uint8_t t)
{
	struct sceau_agent_msg m, d;
	struct sceau_agent_entry e;
	struct sceau_buf *b = sceau_buf_new(), *b2 = sceau_buf_new();
	const uint8_t *p;
	size_t n, i;
	uint8_t *x;

	assert_non_null(b);
	assert_non_null(b2);
	sample(t, &m, &e);
	assert_int_equal(sceau_agent_encode(&m, b), 0);
	p = sceau_buf_ptr(b);
	n = sceau_buf_len(b);
	/* Round trip: decode, encode again, same bytes. */
	assert_int_equal(sceau_agent_decode(p, n, &d), 0);
	assert_int_equal(d.type, t);
	assert_int_equal(sceau_agent_encode(&d, b2), 0);
	assert_int_equal(sceau_buf_len(b2), n);
	assert_memory_equal(sceau_buf_ptr(b2), p, n);
	sceau_agent_msg_clear(&d);
	/* Every truncation is refused. */
	for (i = 0; i < n; i++) {
		assert_int_not_equal(sceau_agent_decode(p, i, &d), 0);
		sceau_agent_msg_clear(&d);
	}
	/* A trailing byte is refused. */
	assert_non_null(x = test_malloc(n + 1));
	memcpy(x, p, n);
	x[n] = 0;
	assert_int_equal(
	    sceau_agent_decode(x, n + 1, &d), SCEAU_ERR_TRAILING_DATA);
	sceau_agent_msg_clear(&d);
	test_free(x);
	sceau_buf_free(b);
	sceau_buf_free(b2);
}

static void
test_round_trips(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all_types); i++)
		check_one(all_types[i]);
}

static void
test_fields(void **state)
{
	struct sceau_agent_msg m, d;
	struct sceau_agent_entry e;
	struct sceau_buf *b = sceau_buf_new();

	(void)state;
	sample(SCEAU_AGENT_UNLOCK, &m, &e);
	assert_int_equal(sceau_agent_encode(&m, b), 0);
	assert_int_equal(
	    sceau_agent_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d), 0);
	assert_string_equal(d.org, ORG);
	assert_string_equal(d.device, DEV);
	assert_int_equal(d.auth, 3);
	assert_int_equal(d.secret_len, 6);
	assert_memory_equal(d.secret, pin, 6);
	sceau_agent_msg_clear(&d);
	sceau_buf_reset(b);
	sample(SCEAU_AGENT_FAILURE, &m, &e);
	assert_int_equal(sceau_agent_encode(&m, b), 0);
	assert_int_equal(
	    sceau_agent_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d), 0);
	assert_int_equal(d.code, SCEAU_ERR_AGENT_LOCKED);
	assert_string_equal(d.message, "not unlocked");
	sceau_agent_msg_clear(&d);
	sceau_buf_reset(b);
	sample(SCEAU_AGENT_LIST | SCEAU_AGENT_REPLY, &m, &e);
	assert_int_equal(sceau_agent_encode(&m, b), 0);
	assert_int_equal(
	    sceau_agent_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d), 0);
	assert_int_equal(d.nentries, 1);
	assert_string_equal(d.entries[0].label, "laptop");
	assert_int_equal(d.entries[0].used_us, 6);
	sceau_agent_msg_clear(&d);
	sceau_buf_reset(b);
	sample(SCEAU_AGENT_SYNC_STATUS | SCEAU_AGENT_REPLY, &m, &e);
	assert_int_equal(sceau_agent_encode(&m, b), 0);
	assert_int_equal(
	    sceau_agent_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d), 0);
	assert_int_equal(d.nsync, 1);
	assert_string_equal(d.sync[0].realm, REALM);
	assert_int_equal(d.sync[0].state, SCEAU_AGENT_SYNC_OFFLINE);
	assert_int_equal(d.sync[0].error, SCEAU_ERR_TIMEOUT);
	assert_int_equal(d.sync[0].pending, 3);
	assert_string_equal(
	    sceau_agent_sync_state_name(d.sync[0].state), "offline");
	sceau_agent_msg_clear(&d);
	sceau_buf_free(b);
}

static void
refused(const uint8_t *p, size_t n, int want)
{
	struct sceau_agent_msg d;

	assert_int_equal(sceau_agent_decode(p, n, &d), want);
	sceau_agent_msg_clear(&d);
}

static void
test_refusals(void **state)
{
	struct sceau_agent_msg m;
	struct sceau_agent_entry e;
	struct sceau_buf *b = sceau_buf_new();
	static const uint8_t unknown[] = {0x09}, unknown_reply[] = {0xff};
	static const uint8_t zero_code[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
	/* UNLOCK "" "" auth 4 "" */
	static const uint8_t bad_auth[] = {
	    2, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0};
	/* LOCK flags 2 */
	static const uint8_t bad_flags[] = {3, 2, 0, 0, 0, 0, 0, 0, 0, 0};
	/* LOCK 1 "a\0" "" */
	static const uint8_t nul[] = {3, 1, 0, 0, 0, 2, 'a', 0, 0, 0, 0, 0};
	/* LIST reply, 65 entries */
	static const uint8_t many[] = {0x84, 0, 0, 0, 65};
	/* SYNC_STATUS reply, one entry "" "" "" in state 7 */
	static const uint8_t bad_state[] = {0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0};
	static const uint8_t short_sig[] = {0x85, 0, 0, 0, 1, 7};
	/* HELLO 1, name of 65 bytes announced */
	static const uint8_t long_name[] = {1, 0, 0, 0, 1, 0, 0, 0, 65};
	uint8_t bad_state_ok[34];

	(void)state;
	memcpy(bad_state_ok, bad_state, sizeof(bad_state));
	refused(unknown, 1, SCEAU_ERR_INVALID_FORMAT);
	refused(unknown_reply, 1, SCEAU_ERR_INVALID_FORMAT);
	refused(unknown, 0, SCEAU_ERR_INVALID_FORMAT);
	refused(zero_code, sizeof(zero_code), SCEAU_ERR_INVALID_FORMAT);
	refused(bad_auth, sizeof(bad_auth), SCEAU_ERR_INVALID_FORMAT);
	refused(bad_flags, sizeof(bad_flags), SCEAU_ERR_INVALID_FORMAT);
	refused(nul, sizeof(nul), SCEAU_ERR_INVALID_FORMAT);
	refused(many, sizeof(many), SCEAU_ERR_INVALID_FORMAT);
	refused(bad_state, sizeof(bad_state), SCEAU_ERR_INVALID_FORMAT);
	bad_state_ok[17] = SCEAU_AGENT_SYNC_PENDING;
	assert_int_equal(
	    sceau_agent_decode(bad_state_ok, sizeof(bad_state_ok), &m), 0);
	sceau_agent_msg_clear(&m);
	/* A SIGN reply whose signature is not 64 bytes. */
	refused(short_sig, sizeof(short_sig), SCEAU_ERR_INVALID_FORMAT);
	assert_int_not_equal(
	    sceau_agent_decode(long_name, sizeof(long_name), &m), 0);
	sceau_agent_msg_clear(&m);
	/* Encoding checks its limits too. */
	sample(SCEAU_AGENT_UNLOCK, &m, &e);
	m.secret_len = SCEAU_AGENT_SECRET_MAX + 1;
	assert_int_equal(sceau_agent_encode(&m, b), SCEAU_ERR_INVALID_ARGUMENT);
	m.type = 0x42;
	assert_int_equal(sceau_agent_encode(&m, b), SCEAU_ERR_INVALID_ARGUMENT);
	sample(SCEAU_AGENT_FAILURE, &m, &e);
	m.code = 0;
	assert_int_equal(sceau_agent_encode(&m, b), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_buf_len(b), 0);
	sceau_buf_free(b);
}

static void
test_frames(void **state)
{
	struct sceau_buf *body = sceau_buf_new(), *in = sceau_buf_new();
	/* One byte over SCEAU_AGENT_FRAME_MAX (4 MiB + 64 KiB). */
	static const uint8_t huge[] = {0x00, 0x41, 0x00, 0x01, 1};
	static const uint8_t empty[] = {0, 0, 0, 0};
	const uint8_t *p;
	size_t n;

	(void)state;
	assert_int_equal(sceau_buf_put(body, "\x04", 1), 0);
	assert_int_equal(sceau_agent_frame_put(in, body), 0);
	assert_int_equal(sceau_buf_len(in), 5);
	assert_int_equal(sceau_agent_frame_peek(in, &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0], 4);
	assert_int_equal(sceau_buf_consume_end(in, 1), 0);
	assert_int_equal(
	    sceau_agent_frame_peek(in, &p, &n), SCEAU_ERR_MESSAGE_INCOMPLETE);
	sceau_buf_reset(in);
	assert_int_equal(sceau_buf_put(in, huge, sizeof(huge)), 0);
	assert_int_equal(
	    sceau_agent_frame_peek(in, &p, &n), SCEAU_ERR_INVALID_FORMAT);
	sceau_buf_reset(in);
	assert_int_equal(sceau_buf_put(in, empty, sizeof(empty)), 0);
	assert_int_equal(
	    sceau_agent_frame_peek(in, &p, &n), SCEAU_ERR_INVALID_FORMAT);
	sceau_buf_reset(body);
	assert_int_equal(
	    sceau_agent_frame_put(in, body), SCEAU_ERR_INVALID_ARGUMENT);
	assert_string_equal(sceau_agent_type_name(0x82), "unlock");
	assert_null(sceau_agent_type_name(0x09));
	sceau_buf_free(body);
	sceau_buf_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_frames),
	};

	return TU_TAP_MAIN("agent-protocol", tests);
}
