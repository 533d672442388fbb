/*
 * test-invite.c: the code exchange of invitations (src/invite.c), both
 * sides in one process: codes agree, a man in the middle who swaps keys
 * gets codes that differ, a nonce that does not match the commitment is
 * tampering, every altered byte of a sealed message is refused, steps out
 * of order are refused, codes are typed leniently, and the inner messages
 * round-trip and refuse trailing or missing bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cert.h"
#include "errors.h"
#include "invite.h"
#include "testutil.h"

#define ID "0123456789abcdef0123456789abcdef"

/* Relays side from's message of step to side to. */
static int
relay(struct sceau_invite *from, struct sceau_invite *to, unsigned int step)
{
	struct sceau_buf *b = sceau_buf_new();
	int r;

	assert_non_null(b);
	if ((r = sceau_invite_out(from, step, b)) == 0)
		r = sceau_invite_in(
		    to, step, sceau_buf_ptr(b), sceau_buf_len(b));
	sceau_buf_free(b);
	return r;
}

/* Steps 1 to 3 between g and c. */
static void
handshake(struct sceau_invite *g, struct sceau_invite *c)
{
	assert_int_equal(relay(g, c, 1), 0);
	assert_int_equal(relay(c, g, 1), 0);
	assert_int_equal(relay(g, c, 2), 0);
	assert_int_equal(relay(c, g, 3), 0);
}

static int
in_choices(const char *code, char ch[][SCEAU_INVITE_CODE_LEN + 1])
{
	int i, n = 0;

	for (i = 0; i < SCEAU_INVITE_CHOICES; i++)
		n += strcmp(code, ch[i]) == 0;
	return n;
}

static void
test_invite_codes_agree(void **state)
{
	char gm[5], cm[5], gch[4][5], cch[4][5];
	struct sceau_invite *g, *c;
	int i, j;

	(void)state;
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c), 0);
	assert_int_equal(sceau_invite_check_peer_code(g, "0000"), 0);
	assert_int_equal(
	    sceau_invite_codes(g, gm, gch), SCEAU_ERR_STREAM_STATE);
	handshake(g, c);
	assert_int_equal(sceau_invite_codes(g, gm, gch), 0);
	assert_int_equal(sceau_invite_codes(c, cm, cch), 0);
	assert_int_equal(strlen(gm), SCEAU_INVITE_CODE_LEN);
	assert_int_equal(strspn(gm, SCEAU_INVITE_ALPHABET), 4);
	/* Each side's choices hold the other's code once, all distinct. */
	assert_int_equal(in_choices(gm, cch), 1);
	assert_int_equal(in_choices(cm, gch), 1);
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			assert_string_not_equal(cch[i], cch[j]);
	assert_int_equal(sceau_invite_check_peer_code(c, gm), 1);
	assert_int_equal(sceau_invite_check_peer_code(g, cm), 1);
	assert_int_equal(
	    sceau_invite_check_peer_code(g, gm), strcmp(gm, cm) == 0);
	sceau_invite_free(g);
	sceau_invite_free(c);
}

static void
test_invite_typing(void **state)
{
	char gm[5], cm[5], ch[4][5], typed[16];
	struct sceau_invite *g, *c;
	size_t i;

	(void)state;
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c), 0);
	handshake(g, c);
	assert_int_equal(sceau_invite_codes(g, gm, ch), 0);
	assert_int_equal(sceau_invite_codes(c, cm, ch), 0);
	/* Lower case, blanks around, O for 0 and I or L for 1. */
	(void)snprintf(typed, sizeof(typed), "  %s\n", gm);
	for (i = 2; i < 6; i++) {
		if (typed[i] >= 'A' && typed[i] <= 'Z')
			typed[i] = (char)(typed[i] - 'A' + 'a');
		else if (typed[i] == '0')
			typed[i] = 'o';
		else if (typed[i] == '1')
			typed[i] = 'l';
	}
	assert_int_equal(sceau_invite_check_peer_code(c, typed), 1);
	(void)snprintf(typed, sizeof(typed), "%s%s", gm, "X");
	assert_int_equal(sceau_invite_check_peer_code(c, typed), 0);
	(void)snprintf(typed, sizeof(typed), "%.3s", gm);
	assert_int_equal(sceau_invite_check_peer_code(c, typed), 0);
	(void)snprintf(typed, sizeof(typed), "%.2s %.2s", gm, gm + 2);
	assert_int_equal(sceau_invite_check_peer_code(c, typed), 0);
	assert_int_equal(sceau_invite_check_peer_code(c, ""), 0);
	sceau_invite_free(g);
	sceau_invite_free(c);
}

/*
 * A relay that answers each side with keys of its own: each side's
 * codes are fixed by randoms the relay does not choose; they differ.
 */
static void
test_invite_mitm(void **state)
{
	struct sceau_invite *g, *c, *mg, *mc;
	char gm[5], cm[5], ch[4][5], mgm[5], mcm[5];

	(void)state;
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c), 0);
	/* mc poses as claimer to g, mg as greeter to c. */
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &mc), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &mg), 0);
	handshake(g, mc);
	handshake(mg, c);
	assert_int_equal(sceau_invite_codes(g, gm, ch), 0);
	assert_int_equal(sceau_invite_codes(c, cm, ch), 0);
	assert_int_equal(sceau_invite_codes(mc, mcm, ch), 0);
	assert_int_equal(sceau_invite_codes(mg, mgm, ch), 0);
	/* The claimer expects mg's code, the greeter shows its own. */
	assert_int_equal(sceau_invite_check_peer_code(c, mgm), 1);
	assert_int_equal(
	    sceau_invite_check_peer_code(c, gm), strcmp(gm, mgm) == 0);
	sceau_invite_free(g);
	sceau_invite_free(c);
	sceau_invite_free(mg);
	sceau_invite_free(mc);
}

static void
test_invite_commitment(void **state)
{
	struct sceau_invite *g, *c, *c2;
	struct sceau_buf *b = sceau_buf_new();

	(void)state;
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c2), 0);
	assert_int_equal(relay(g, c, 1), 0);
	assert_int_equal(relay(c, g, 1), 0);
	assert_int_equal(relay(g, c, 2), 0);
	/* The greeter's nonce out, a claimer's reveal is checked. */
	assert_int_equal(
	    sceau_invite_in(c2, 2, NULL, 0), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_invite_out(c, 3, b), 0);
	{
		uint8_t m[64];

		memcpy(m, sceau_buf_ptr(b), sceau_buf_len(b));
		tu_flip(m, 10, 0);
		assert_int_equal(sceau_invite_in(g, 3, m, sceau_buf_len(b)),
		    SCEAU_ERR_DATA_TAMPERED);
	}
	sceau_buf_free(b);
	sceau_invite_free(g);
	sceau_invite_free(c);
	sceau_invite_free(c2);
}

static void
test_invite_order(void **state)
{
	struct sceau_invite *g, *c, *x;
	struct sceau_buf *b = sceau_buf_new(), *p = sceau_buf_new();

	(void)state;
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, "nothex", &x),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_null(x);
	/* The greeter may not reveal before it has the commitment. */
	assert_int_equal(sceau_invite_out(g, 2, b), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_invite_out(c, 2, b), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_invite_out(g, 1, b), 0);
	sceau_buf_reset(b);
	assert_int_equal(sceau_invite_out(g, 1, b), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_invite_out(g, 9, b), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_invite_encode_code_ok(p), 0);
	assert_int_equal(sceau_invite_seal(g, 5, p, b), SCEAU_ERR_STREAM_STATE);
	sceau_buf_free(b);
	sceau_buf_free(p);
	sceau_invite_free(g);
	sceau_invite_free(c);
}

/* Steps 4 to 8: a whole run, and every altered byte refused. */
static void
test_invite_sealed(void **state)
{
	struct sceau_invite_claim cl, cl2;
	struct sceau_invite_reply rp, rp2;
	struct sceau_invite *g, *c;
	struct sceau_buf *p = sceau_buf_new(), *m = sceau_buf_new(),
	                 *o = sceau_buf_new();
	uint8_t *copy;
	size_t i, n;

	(void)state;
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_GREETER, ID, &g), 0);
	assert_int_equal(sceau_invite_new(SCEAU_INVITE_CLAIMER, ID, &c), 0);
	handshake(g, c);
	/* Step 4: CODE_OK, claimer to greeter. */
	assert_int_equal(sceau_invite_encode_code_ok(p), 0);
	assert_int_equal(sceau_invite_seal(c, 4, p, m), 0);
	assert_int_equal(sceau_invite_seal(c, 4, p, m), SCEAU_ERR_STREAM_STATE);
	n = sceau_buf_len(m);
	copy = malloc(n);
	assert_non_null(copy);
	for (i = 0; i < n; i++) {
		memcpy(copy, sceau_buf_ptr(m), n);
		tu_flip(copy, i, 3);
		assert_int_not_equal(sceau_invite_open(g, 4, copy, n, o), 0);
		assert_int_equal(sceau_buf_len(o), 0);
	}
	/* The intact message opens, once. */
	assert_int_equal(sceau_invite_open(g, 4, sceau_buf_ptr(m), n, o), 0);
	free(copy);
	assert_int_equal(sceau_invite_open(g, 4, sceau_buf_ptr(m), n, o),
	    SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_invite_decode(sceau_buf_ptr(o), sceau_buf_len(o),
	                     SCEAU_INVITE_CODE_OK, NULL, NULL),
	    0);
	assert_int_equal(sceau_invite_decode(sceau_buf_ptr(o), sceau_buf_len(o),
	                     SCEAU_INVITE_DONE, NULL, NULL),
	    SCEAU_ERR_INVALID_FORMAT);
	/* Step 5, then 6: the claim. */
	sceau_buf_reset(m);
	sceau_buf_reset(o);
	assert_int_equal(sceau_invite_seal(g, 5, p, m), 0);
	assert_int_equal(
	    sceau_invite_open(c, 5, sceau_buf_ptr(m), sceau_buf_len(m), o), 0);
	memset(&cl, 0, sizeof(cl));
	cl.kind = SCEAU_INVITE_USER;
	memcpy(cl.user_id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 33);
	memcpy(cl.device_id, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 33);
	(void)snprintf(cl.name, sizeof(cl.name), "Zoé Martin");
	(void)snprintf(cl.label, sizeof(cl.label), "portable");
	memset(cl.user_pk, 7, sizeof(cl.user_pk));
	memset(cl.device_vk, 9, sizeof(cl.device_vk));
	sceau_buf_reset(p);
	assert_int_equal(sceau_invite_encode_claim(&cl, p), 0);
	assert_int_equal(sceau_invite_decode(sceau_buf_ptr(p), sceau_buf_len(p),
	                     SCEAU_INVITE_CLAIM, &cl2, NULL),
	    0);
	assert_memory_equal(&cl, &cl2, sizeof(cl));
	/* Cut short and with a byte more: refused. */
	assert_int_equal(
	    sceau_invite_decode(sceau_buf_ptr(p), sceau_buf_len(p) - 1,
	        SCEAU_INVITE_CLAIM, &cl2, NULL),
	    SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(sceau_buf_put_u8(p, 0), 0);
	assert_int_equal(sceau_invite_decode(sceau_buf_ptr(p), sceau_buf_len(p),
	                     SCEAU_INVITE_CLAIM, &cl2, NULL),
	    SCEAU_ERR_TRAILING_DATA);
	/* With a card: its X.509 list and wrap algorithm travel too. */
	{
		static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
		const uint8_t *ders[1] = {der};
		const size_t lens[1] = {sizeof(der)};
		struct sceau_buf *list = sceau_buf_new();

		assert_int_equal(
		    sceau_cert_x509_encode(ders, lens, 1, list), 0);
		cl.x509_list = sceau_buf_ptr(list);
		cl.x509_list_len = sceau_buf_len(list);
		cl.wrap_alg = 2;
		sceau_buf_reset(p);
		assert_int_equal(sceau_invite_encode_claim(&cl, p), 0);
		assert_int_equal(
		    sceau_invite_decode(sceau_buf_ptr(p), sceau_buf_len(p),
		        SCEAU_INVITE_CLAIM, &cl2, NULL),
		    0);
		assert_int_equal(cl2.x509_list_len, cl.x509_list_len);
		assert_memory_equal(
		    cl2.x509_list, cl.x509_list, cl.x509_list_len);
		assert_int_equal(cl2.wrap_alg, 2);
		cl.wrap_alg = 9;
		assert_int_equal(sceau_invite_encode_claim(&cl, p),
		    SCEAU_ERR_INVALID_ARGUMENT);
		cl.x509_list = NULL;
		cl.x509_list_len = 0;
		sceau_buf_free(list);
	}
	/* A control character in a name is refused when encoding. */
	cl.name[0] = '\n';
	sceau_buf_reset(p);
	assert_int_equal(
	    sceau_invite_encode_claim(&cl, p), SCEAU_ERR_INVALID_ARGUMENT);
	/* A device reply round-trips, secret included. */
	memset(&rp, 0, sizeof(rp));
	rp.kind = SCEAU_INVITE_DEVICE;
	memset(rp.root_vk, 1, sizeof(rp.root_vk));
	memcpy(rp.user_id, "cccccccccccccccccccccccccccccccc", 33);
	rp.has_user_sk = 1;
	memset(rp.user_sk, 2, sizeof(rp.user_sk));
	sceau_buf_reset(p);
	assert_int_equal(sceau_invite_encode_reply(&rp, p), 0);
	assert_int_equal(sceau_invite_decode(sceau_buf_ptr(p), sceau_buf_len(p),
	                     SCEAU_INVITE_REPLY, NULL, &rp2),
	    0);
	assert_memory_equal(rp2.user_sk, rp.user_sk, sizeof(rp.user_sk));
	assert_string_equal(rp2.user_id, rp.user_id);
	assert_int_equal(rp2.has_user_sk, 1);
	/* A user whose key is a card: no secret travels. */
	rp.has_user_sk = 0;
	sceau_buf_reset(p);
	assert_int_equal(sceau_invite_encode_reply(&rp, p), 0);
	assert_int_equal(sceau_invite_decode(sceau_buf_ptr(p), sceau_buf_len(p),
	                     SCEAU_INVITE_REPLY, NULL, &rp2),
	    0);
	assert_int_equal(rp2.has_user_sk, 0);
	/* A user reply with an unknown profile is refused. */
	rp.kind = SCEAU_INVITE_USER;
	rp.profile = (enum sceau_profile)9;
	assert_int_equal(
	    sceau_invite_encode_reply(&rp, p), SCEAU_ERR_INVALID_ARGUMENT);
	sceau_buf_free(p);
	sceau_buf_free(m);
	sceau_buf_free(o);
	sceau_invite_free(g);
	sceau_invite_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_invite_codes_agree),
	    cmocka_unit_test(test_invite_typing),
	    cmocka_unit_test(test_invite_mitm),
	    cmocka_unit_test(test_invite_commitment),
	    cmocka_unit_test(test_invite_order),
	    cmocka_unit_test(test_invite_sealed),
	};

	return TU_TAP_MAIN("invite", tests);
}
