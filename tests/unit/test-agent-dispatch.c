/*
 * test-agent-dispatch.c: the agent's dispatcher over a state
 * (agent/dispatch.c, agent/state.c), with a password-protected device
 * made by the test in a temporary data directory: hello, unlock (wrong
 * password, then right), list, request and vlob signatures through a
 * remote key that verify, refusals of other devices' statements and of
 * raw bytes, lock (what follows fails until unlock), malformed requests.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "dispatch.h"
#include "errors.h"
#include "manifest.h"
#include "protocol.h"
#include "reqsign.h"
#include "testutil.h"

#define ORG "acme"
#define USER "00112233445566778899aabbccddeeff"
#define DEV "ffeeddccbbaa99887766554433221100"
#define PW "correct horse"

static const struct sceau_kdf_argon2_params low_cost = {1, 8, 1};
static char home[] = "/tmp/sceau-agent-test-XXXXXX";
static struct sceau_signkey *device_key;

static int
setup(void **state)
{
	struct sceau_keyfile_info info;
	struct sceau_keyfile_auth auth;
	struct sceau_boxkey *uk = NULL;
	int r;

	(void)state;
	if (mkdtemp(home) == NULL || setenv("SCEAU_HOME", home, 1) != 0)
		return -1;
	memset(&info, 0, sizeof(info));
	(void)snprintf(
	    info.server_url, sizeof(info.server_url), "http://127.0.0.1:9");
	(void)snprintf(info.org_id, sizeof(info.org_id), ORG);
	(void)snprintf(info.user_id, sizeof(info.user_id), USER);
	(void)snprintf(info.device_id, sizeof(info.device_id), DEV);
	(void)snprintf(info.device_label, sizeof(info.device_label), "laptop");
	memset(&auth, 0, sizeof(auth));
	auth.kind = SCEAU_KEYFILE_PASSWORD;
	auth.password = PW;
	auth.password_len = strlen(PW);
	auth.argon2 = &low_cost;
	if (sceau_sign_generate(&device_key) != 0 ||
	    sceau_box_generate(&uk) != 0)
		return -1;
	sceau_sign_public(device_key, info.root_verify_key);
	r = sceau_client_create_device(
	    &info, device_key, uk, &auth, NULL, NULL);
	sceau_box_free(uk);
	return r;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	sceau_sign_free(device_key);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

/* Sends q through the dispatcher; *a gets the decoded reply. */
static void
call(struct agent_state *s, const struct sceau_agent_msg *q,
    struct sceau_buf *reply, struct sceau_agent_msg *a)
{
	struct sceau_buf *b = sceau_buf_new();

	assert_non_null(b);
	assert_int_equal(sceau_agent_encode(q, b), 0);
	sceau_buf_reset(reply);
	assert_int_equal(
	    agent_dispatch(s, sceau_buf_ptr(b), sceau_buf_len(b), reply), 0);
	assert_int_equal(
	    sceau_agent_decode(sceau_buf_ptr(reply), sceau_buf_len(reply), a),
	    0);
	sceau_buf_free(b);
}

static void
unlock(struct agent_state *s, const char *pw, struct sceau_buf *reply,
    struct sceau_agent_msg *a)
{
	struct sceau_agent_msg q;

	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_UNLOCK;
	q.auth = SCEAU_KEYFILE_PASSWORD;
	q.secret = (const uint8_t *)pw;
	q.secret_len = strlen(pw);
	call(s, &q, reply, a);
}

static void
simple(struct agent_state *s, uint8_t type, struct sceau_buf *reply,
    struct sceau_agent_msg *a)
{
	struct sceau_agent_msg q;

	memset(&q, 0, sizeof(q));
	q.type = type;
	q.version = SCEAU_AGENT_VERSION;
	q.flags = type == SCEAU_AGENT_LOCK ? SCEAU_AGENT_LOCK_ALL : 0;
	call(s, &q, reply, a);
}

/* A key whose signatures the dispatcher makes (SIGN), as the CLI's is. */
struct remote {
	struct agent_state *s;
	struct sceau_buf *reply;
};

static int
remote_sign(void *arg, const void *m, size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	struct remote *rm = arg;
	struct sceau_agent_msg q, a;
	int r = 0;

	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_SIGN;
	q.data = m;
	q.data_len = n;
	call(rm->s, &q, rm->reply, &a);
	if (a.type == SCEAU_AGENT_FAILURE) {
		r = a.code;
	} else {
		assert_int_equal(a.type, SCEAU_AGENT_SIGN | SCEAU_AGENT_REPLY);
		assert_int_equal(a.data_len, SCEAU_SIGN_SIG_LEN);
		memcpy(sig, a.data, SCEAU_SIGN_SIG_LEN);
	}
	sceau_agent_msg_clear(&a);
	return r;
}

/* A signed GET of device dev through the agent; its result. */
static int
sign_request(struct sceau_signkey *rk, const char *dev)
{
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], zero[32] = {0};
	struct sceau_buf *h = sceau_buf_new();
	struct sceau_reqsign rs;
	int r;

	assert_non_null(h);
	r = sceau_reqsign_sign(rk, ORG, dev, "GET", "/v1/x", zero, 0, h);
	if (r == 0) {
		assert_int_equal(sceau_buf_put_u8(h, 0), 0);
		assert_int_equal(
		    sceau_reqsign_parse((const char *)sceau_buf_ptr(h), &rs),
		    0);
		assert_string_equal(rs.device_id, DEV);
		sceau_sign_public(device_key, vk);
		assert_int_equal(
		    sceau_reqsign_verify(&rs, vk, "GET", "/v1/x", zero), 0);
	}
	sceau_buf_free(h);
	return r;
}

/* A vlob by author through the agent; its result (verified if made). */
static int
sign_vlob(struct sceau_signkey *rk, const char *author)
{
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], key[32] = {1};
	struct sceau_vlob_header h, got;
	struct sceau_buf *out = sceau_buf_new();
	int r;

	assert_non_null(out);
	memset(&h, 0, sizeof(h));
	(void)snprintf(h.org_id, sizeof(h.org_id), ORG);
	(void)snprintf(h.realm_id, sizeof(h.realm_id), USER);
	(void)snprintf(h.vlob_id, sizeof(h.vlob_id), USER);
	(void)snprintf(h.author, sizeof(h.author), "%s", author);
	h.version = 1;
	h.key_index = 1;
	r = sceau_vlob_seal(&h, key, (const uint8_t *)"manifest", 8, rk, out);
	if (r == 0) {
		sceau_sign_public(device_key, vk);
		assert_int_equal(sceau_vlob_verify(sceau_buf_ptr(out),
		                     sceau_buf_len(out), vk, &got),
		    0);
	}
	sceau_buf_free(out);
	return r;
}

static void
test_session(void **state)
{
	struct agent_state *s = agent_state_new(NULL, 60);
	struct sceau_buf *reply = sceau_buf_new();
	struct sceau_agent_msg a;
	struct remote rm = {s, sceau_buf_new()};
	struct sceau_signkey *rk;
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], sig[SCEAU_SIGN_SIG_LEN];

	(void)state;
	assert_non_null(s);
	sceau_sign_public(device_key, vk);
	assert_int_equal(sceau_sign_remote(vk, remote_sign, &rm, &rk), 0);
	assert_true(sceau_sign_is_remote(rk));
	simple(s, SCEAU_AGENT_HELLO, reply, &a);
	assert_int_equal(a.version, SCEAU_AGENT_VERSION);
	sceau_agent_msg_clear(&a);
	/* Nothing unlocked yet. */
	assert_int_equal(sign_request(rk, DEV), SCEAU_ERR_AGENT_LOCKED);
	unlock(s, "wrong", reply, &a);
	assert_int_equal(a.type, SCEAU_AGENT_FAILURE);
	assert_int_equal(a.code, SCEAU_ERR_WRONG_PASSWORD);
	sceau_agent_msg_clear(&a);
	unlock(s, PW, reply, &a);
	assert_int_equal(a.type, SCEAU_AGENT_UNLOCK | SCEAU_AGENT_REPLY);
	assert_string_equal(a.org, ORG);
	assert_string_equal(a.device, DEV);
	sceau_agent_msg_clear(&a);
	simple(s, SCEAU_AGENT_LIST, reply, &a);
	assert_int_equal(a.nentries, 1);
	assert_string_equal(a.entries[0].label, "laptop");
	assert_string_equal(a.entries[0].user, USER);
	sceau_agent_msg_clear(&a);
	assert_int_equal(sign_request(rk, DEV), 0);
	assert_int_equal(sign_vlob(rk, DEV), 0);
	/* Only this device's statements: not another's, not raw bytes. */
	assert_int_equal(sign_request(rk, USER), SCEAU_ERR_AGENT_REFUSED);
	assert_int_equal(sign_vlob(rk, USER), SCEAU_ERR_AGENT_REFUSED);
	assert_int_equal(sceau_sign(rk, "sceau-request-v1\n", 17, sig),
	    SCEAU_ERR_AGENT_REFUSED);
	assert_int_equal(
	    sceau_sign(rk, "hello", 5, sig), SCEAU_ERR_AGENT_REFUSED);
	simple(s, SCEAU_AGENT_STATUS, reply, &a);
	assert_int_equal(a.count, 1);
	assert_int_equal(a.idle_timeout_s, 60);
	sceau_agent_msg_clear(&a);
	/* Lock: the keys are gone; signing fails until unlock. */
	simple(s, SCEAU_AGENT_LOCK, reply, &a);
	assert_int_equal(a.count, 1);
	sceau_agent_msg_clear(&a);
	simple(s, SCEAU_AGENT_LIST, reply, &a);
	assert_int_equal(a.nentries, 0);
	sceau_agent_msg_clear(&a);
	assert_int_equal(sign_request(rk, DEV), SCEAU_ERR_AGENT_LOCKED);
	unlock(s, PW, reply, &a);
	sceau_agent_msg_clear(&a);
	assert_int_equal(sign_request(rk, DEV), 0);
	sceau_sign_free(rk);
	sceau_buf_free(rm.reply);
	sceau_buf_free(reply);
	agent_state_free(s);
}

static void
test_malformed(void **state)
{
	struct agent_state *s = agent_state_new(NULL, 0);
	struct sceau_buf *reply = sceau_buf_new();
	struct sceau_agent_msg a;
	static const uint8_t junk[] = {0x42, 1, 2}, reply_type[] = {0x84};

	(void)state;
	assert_int_equal(agent_dispatch(s, junk, sizeof(junk), reply), 0);
	assert_int_equal(
	    sceau_agent_decode(sceau_buf_ptr(reply), sceau_buf_len(reply), &a),
	    0);
	assert_int_equal(a.code, SCEAU_ERR_INVALID_FORMAT);
	sceau_agent_msg_clear(&a);
	sceau_buf_reset(reply);
	assert_int_equal(agent_dispatch(s, reply_type, 1, reply), 0);
	assert_int_equal(
	    sceau_agent_decode(sceau_buf_ptr(reply), sceau_buf_len(reply), &a),
	    0);
	assert_int_equal(a.type, SCEAU_AGENT_FAILURE);
	sceau_agent_msg_clear(&a);
	sceau_buf_free(reply);
	agent_state_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_session),
	    cmocka_unit_test(test_malformed),
	};
	int r;

	if (setup(NULL) != 0) {
		printf("Bail out! cannot make the test device\n");
		return 1;
	}
	r = TU_TAP_MAIN("agent-dispatch", tests);
	return teardown(NULL) != 0 ? 1 : r;
}
