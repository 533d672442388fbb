/*
 * client-invite.c: invitations and their exchange, client side (see
 * client-invite.h, invite.h and doc/invitations.md).
 *
 * The conduit is polled with long reads: each "recv" waits on the
 * server up to CONDUIT_WAIT_MS for the peer's message, and is repeated
 * until the exchange's deadline.  Whatever goes wrong on one side after
 * step 1 (a wrong code, an altered message, a refusal) is told to the
 * other through an "abort" with a reason, so that both stop and say why.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "client-internal.h"
#include "client-invite.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "paths.h"
#include "secmem.h"
#include "hash.h"
#include "x509.h"
#include "token.h"

#define CONDUIT_WAIT_MS 20000
#define PATH_LEN 256

/* Abort reasons (the peer maps them back to errors). */
#define REASON_WRONG_CODE "wrong code"
#define REASON_TAMPERED "altered message"
#define REASON_REFUSED "refused"
#define REASON_FAILED "failed"
#define REASON_CANCELLED "cancelled"

/* -------------------------------------------------------- invitations */

static void
copy_str(char *dst, size_t size, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	(void)snprintf(dst, size, "%s", s != NULL ? s : "");
}

static int
inv_from_json(const json_t *o, struct sceau_invitation *inv)
{
	const char *id, *kind;
	int64_t created, expires;
	int r, expired = 0;

	memset(inv, 0, sizeof(*inv));
	if ((r = sceau_json_get_string(
	         o, "invitation_id", SCEAU_ID_LEN, &id)) != 0 ||
	    (r = sceau_json_get_string(o, "kind", 16, &kind)) != 0 ||
	    (r = sceau_json_get_int(o, "created", 0, INT64_MAX, &created)) !=
	        0 ||
	    (r = sceau_json_get_int(o, "expires", 0, INT64_MAX, &expires)) !=
	        0 ||
	    (r = sceau_json_get_bool_opt(o, "expired", &expired)) != 0 ||
	    !sceau_cert_id_valid(id) ||
	    (inv->kind = sceau_invite_kind_from_name(kind)) == 0) {
		sceau_message("malformed invitation from the server");
		return SCEAU_ERR_PROTOCOL;
	}
	memcpy(inv->id, id, SCEAU_ID_LEN + 1);
	copy_str(inv->email, sizeof(inv->email), o, "email");
	copy_str(inv->inviter, sizeof(inv->inviter), o, "inviter");
	copy_str(inv->created_by, sizeof(inv->created_by), o, "created_by");
	copy_str(inv->link, sizeof(inv->link), o, "link");
	copy_str(inv->mail_error, sizeof(inv->mail_error), o, "mail_error");
	inv->mailed = json_is_true(json_object_get(o, "mailed"));
	inv->created_us = (uint64_t)created;
	inv->expires_us = (uint64_t)expires;
	inv->expired = expired;
	return 0;
}

/* This user's name or email as the invitation shows it, or "". */
static void
inviter_name(struct sceau_client *c, char *out, size_t size)
{
	const struct sceau_chain_user *u = sceau_client_self(c);
	struct sceau_identity id;
	int n;

	out[0] = '\0';
	if (u == NULL ||
	    sceau_client_identity(c, u->created_index, u->identity_hash, &id) !=
	        0) {
		sceau_message_clear();
		return;
	}
	/* "Name <email>" if it fits a name, else the name alone. */
	n = snprintf(out, size, "%s <%s>", id.name, id.email);
	if (n < 0 || (size_t)n >= size || (size_t)n > SCEAU_NAME_MAX)
		n = snprintf(out, size, "%s", id.name);
	if (n < 0 || (size_t)n >= size)
		out[0] = '\0';
}

int
sceau_client_invite(struct sceau_client *c, enum sceau_invite_kind kind,
    const char *email, int send_mail, const char *lang,
    struct sceau_invitation *out)
{
	char path[PATH_LEN], who[SCEAU_INVITE_TEXT_MAX + 1];
	char rule[SCEAU_POLICY_RULE_MAX];
	json_t *req, *resp = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (sceau_invite_kind_name(kind) == NULL ||
	    (kind == SCEAU_INVITE_USER && email == NULL))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (email != NULL && !sceau_identity_email_valid(email)) {
		sceau_message("%s: not a valid email address", email);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	/* The server checks it too (and applies the policy's lifetime). */
	if (kind == SCEAU_INVITE_USER &&
	    (r = sceau_client_policy_refused(
	         sceau_policy_check_invitation(
	             sceau_chain_policy(sceau_client_chain(c), NULL), email,
	             rule),
	         rule)) != 0)
		return r;
	inviter_name(c, who, sizeof(who));
	(void)snprintf(path, sizeof(path), "/v1/%s/invitations",
	    sceau_client_info(c)->org_id);
	if ((req = json_object()) == NULL ||
	    sceau_json_set_string(req, "kind", sceau_invite_kind_name(kind)) !=
	        0 ||
	    (email != NULL &&
	        sceau_json_set_string(req, "email", email) != 0) ||
	    (who[0] != '\0' &&
	        sceau_json_set_string(req, "inviter", who) != 0) ||
	    (lang != NULL && sceau_json_set_string(req, "lang", lang) != 0) ||
	    sceau_json_set_bool(req, "send_mail", send_mail) != 0) {
		json_decref(req);
		return SCEAU_ERR_ALLOC;
	}
	r = sceau_http_json(sceau_client_http(c), "POST", path, req, &resp);
	json_decref(req);
	if (r == 0)
		r = inv_from_json(resp, out);
	json_decref(resp);
	return r;
}

int
sceau_client_invite_list(
    struct sceau_client *c, struct sceau_invitation **list, size_t *n)
{
	char path[PATH_LEN];
	json_t *resp = NULL, *arr;
	size_t i;
	int r;

	*list = NULL;
	*n = 0;
	(void)snprintf(path, sizeof(path), "/v1/%s/invitations",
	    sceau_client_info(c)->org_id);
	if ((r = sceau_http_json(
	         sceau_client_http(c), "GET", path, NULL, &resp)) != 0)
		return r;
	if ((r = sceau_json_get_array(resp, "invitations", 100000, &arr)) !=
	    0) {
		json_decref(resp);
		return SCEAU_ERR_PROTOCOL;
	}
	if (json_array_size(arr) > 0 &&
	    (*list = sceau_calloc(json_array_size(arr), sizeof(**list))) ==
	        NULL) {
		json_decref(resp);
		return SCEAU_ERR_ALLOC;
	}
	for (i = 0; i < json_array_size(arr) && r == 0; i++)
		r = inv_from_json(json_array_get(arr, i), &(*list)[i]);
	json_decref(resp);
	if (r != 0) {
		sceau_free(*list);
		*list = NULL;
		return r;
	}
	*n = i;
	return 0;
}

static int
invite_close(struct sceau_client *c, const char *id, const char *status)
{
	char path[PATH_LEN];
	json_t *req, *resp = NULL;
	int r;

	if (!sceau_cert_id_valid(id)) {
		sceau_message("%s: not an invitation id", id);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	(void)snprintf(path, sizeof(path), "/v1/%s/invitations/%s/close",
	    sceau_client_info(c)->org_id, id);
	if ((req = json_pack("{s:s}", "status", status)) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_http_json(sceau_client_http(c), "POST", path, req, &resp);
	json_decref(req);
	json_decref(resp);
	return r;
}

int
sceau_client_invite_cancel(struct sceau_client *c, const char *id)
{
	return invite_close(c, id, "cancelled");
}

/* ------------------------------------------------------------ conduit */

struct xc {
	struct sceau_http *http;
	char path[PATH_LEN];
	const char *token; /* claimer: the link's token; greeter: NULL */
	enum sceau_invite_side side;
	uint64_t attempt;
	uint64_t deadline_ms; /* monotonic */
	const volatile sig_atomic_t *cancel;
	const struct sceau_exchange_ui *ui;
	struct sceau_invite *x;
	int peer_stopped; /* the peer aborted or restarted */
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
ui_status(const struct xc *cd, const char *what)
{
	if (cd->ui != NULL && cd->ui->status != NULL)
		cd->ui->status(cd->ui->arg, what);
}

static json_t *
xc_request(const struct xc *cd, const char *op)
{
	json_t *j = json_object();

	if (j == NULL || sceau_json_set_string(j, "op", op) != 0 ||
	    sceau_json_set_int(j, "attempt", (int64_t)cd->attempt) != 0 ||
	    (cd->token != NULL &&
	        sceau_json_set_string(j, "token", cd->token) != 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The peer aborted (or restarted): the error that says so. */
static int
xc_peer_abort(struct xc *cd, const json_t *resp)
{
	const char *state = json_string_value(json_object_get(resp, "state"));
	const char *reason = json_string_value(json_object_get(resp, "reason"));
	const char *peer = sceau_invite_side_name(
	    cd->side == SCEAU_INVITE_GREETER ? SCEAU_INVITE_CLAIMER
	                                     : SCEAU_INVITE_GREETER);

	cd->peer_stopped = 1;
	if (state != NULL && strcmp(state, "restarted") == 0) {
		sceau_message("the %s started the exchange again", peer);
		return SCEAU_ERR_EXCHANGE_ABORTED;
	}
	if (reason == NULL)
		reason = "?";
	if (strcmp(reason, REASON_WRONG_CODE) == 0) {
		sceau_message("the %s picked a wrong code", peer);
		return SCEAU_ERR_WRONG_CODE;
	}
	if (strcmp(reason, REASON_TAMPERED) == 0) {
		sceau_message("the %s received an altered message: the "
		              "exchange was tampered with",
		    peer);
		return SCEAU_ERR_DATA_TAMPERED;
	}
	sceau_message("the %s aborted the exchange (%s)", peer, reason);
	return SCEAU_ERR_EXCHANGE_ABORTED;
}

/* state "ready"/"pending" is fine; others are the peer's abort. */
static int
xc_state(struct xc *cd, const json_t *resp, int *ready)
{
	const char *state = json_string_value(json_object_get(resp, "state"));

	if (state == NULL) {
		sceau_message("conduit reply without a state");
		return SCEAU_ERR_PROTOCOL;
	}
	*ready = strcmp(state, "ready") == 0;
	if (*ready || strcmp(state, "pending") == 0)
		return 0;
	return xc_peer_abort(cd, resp);
}

static int
xc_send(struct xc *cd, unsigned int step, const struct sceau_buf *msg)
{
	json_t *req, *resp = NULL;
	int64_t attempt;
	int r, ready;

	if ((req = xc_request(cd, "send")) == NULL ||
	    sceau_json_set_int(req, "step", step) != 0 ||
	    sceau_json_set_b64(req, "msg", sceau_buf_ptr(msg),
	        sceau_buf_len(msg), SCEAU_B64_STD) != 0) {
		json_decref(req);
		return SCEAU_ERR_ALLOC;
	}
	r = sceau_http_json(cd->http, "POST", cd->path, req, &resp);
	json_decref(req);
	if (r == 0 && (r = xc_state(cd, resp, &ready)) == 0) {
		if (sceau_json_get_int(
		        resp, "attempt", 1, INT64_MAX, &attempt) != 0) {
			sceau_message("conduit reply without an attempt");
			r = SCEAU_ERR_PROTOCOL;
		} else if (step == 1) {
			cd->attempt = (uint64_t)attempt;
		}
	}
	json_decref(resp);
	return r;
}

/* Waits for the peer's message of step (appended to out). */
static int
xc_recv(struct xc *cd, unsigned int step, struct sceau_buf *out)
{
	json_t *req, *resp;
	uint64_t now;
	int r, ready = 0;

	while (!ready) {
		now = mono_ms();
		if (cd->cancel != NULL && *cd->cancel)
			return SCEAU_ERR_INTERRUPTED;
		if (now >= cd->deadline_ms) {
			sceau_message("no answer from the other side in time");
			return SCEAU_ERR_TIMEOUT;
		}
		if ((req = xc_request(cd, "recv")) == NULL ||
		    sceau_json_set_int(req, "step", step) != 0 ||
		    sceau_json_set_int(req, "wait_ms",
		        (int64_t)(cd->deadline_ms - now < CONDUIT_WAIT_MS
		                ? cd->deadline_ms - now
		                : CONDUIT_WAIT_MS)) != 0) {
			json_decref(req);
			return SCEAU_ERR_ALLOC;
		}
		resp = NULL;
		r = sceau_http_json(cd->http, "POST", cd->path, req, &resp);
		json_decref(req);
		if (r == 0 && (r = xc_state(cd, resp, &ready)) == 0 && ready &&
		    (r = sceau_json_get_b64(resp, "msg", SCEAU_B64_STD,
		         SCEAU_INVITE_MSG_MAX, out)) != 0) {
			sceau_message("conduit reply without a message");
			r = SCEAU_ERR_PROTOCOL;
		}
		json_decref(resp);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Tells the peer why this side stops (best effort); returns r. */
static int
xc_abort(struct xc *cd, int r)
{
	const char *reason = r == SCEAU_ERR_WRONG_CODE ? REASON_WRONG_CODE
	    : r == SCEAU_ERR_DATA_TAMPERED || r == SCEAU_ERR_DECRYPT_FAILED ||
	        r == SCEAU_ERR_INVALID_FORMAT || r == SCEAU_ERR_TRAILING_DATA
	    ? REASON_TAMPERED
	    : r == SCEAU_ERR_FORBIDDEN   ? REASON_REFUSED
	    : r == SCEAU_ERR_INTERRUPTED ? REASON_CANCELLED
	                                 : REASON_FAILED;
	char keep[512];
	json_t *req, *resp = NULL;
	const char *by;

	if (r == SCEAU_ERR_EXCHANGE_ABORTED ||
	    r == SCEAU_ERR_INVITATION_CLOSED ||
	    r == SCEAU_ERR_INVITATION_EXPIRED ||
	    r == SCEAU_ERR_INVITATION_UNKNOWN || cd->attempt == 0 ||
	    cd->peer_stopped)
		return r;
	(void)snprintf(keep, sizeof(keep), "%s", sceau_last_message());
	/* Interrupted or not, the peer must hear of it. */
	sceau_http_set_cancel(cd->http, NULL);
	if ((req = xc_request(cd, "abort")) != NULL &&
	    sceau_json_set_string(req, "reason", reason) == 0 &&
	    sceau_http_json(cd->http, "POST", cd->path, req, &resp) != 0)
		sceau_message_clear(); /* best effort: the peer times out */
	json_decref(req);
	by = json_string_value(json_object_get(resp, "aborted_by"));
	if (by != NULL && strcmp(by, sceau_invite_side_name(cd->side)) != 0 &&
	    strcmp(by, "") != 0) {
		/* The peer had stopped first: its reason is the one. */
		r = xc_peer_abort(cd, resp);
		json_decref(resp);
		return r;
	}
	json_decref(resp);
	sceau_message("%s", keep);
	return r;
}

/* The invitation, as the server describes it to this side. */
static int
xc_info(struct xc *cd, struct sceau_invitation *inv)
{
	json_t *req, *resp = NULL;
	int r;

	if ((req = xc_request(cd, "info")) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_http_json(cd->http, "POST", cd->path, req, &resp);
	json_decref(req);
	if (r == 0)
		r = inv_from_json(resp, inv);
	json_decref(resp);
	if (r == 0 && cd->ui != NULL && cd->ui->invitation != NULL)
		cd->ui->invitation(cd->ui->arg, inv);
	return r;
}

/* ------------------------------------------------------- the exchange */

/* This side's message of a clear step (1..3), sent. */
static int
x_out(struct xc *cd, unsigned int step)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_invite_out(cd->x, step, b)) == 0)
		r = xc_send(cd, step, b);
	sceau_buf_free(b);
	return r;
}

/* The peer's message of a clear step, received and taken. */
static int
x_in(struct xc *cd, unsigned int step)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = xc_recv(cd, step, b)) == 0 &&
	    (r = sceau_invite_in(
	         cd->x, step, sceau_buf_ptr(b), sceau_buf_len(b))) != 0 &&
	    r != SCEAU_ERR_DATA_TAMPERED)
		sceau_message(
		    "step %u: malformed message from the other side", step);
	sceau_buf_free(b);
	return r;
}

/* Seals plain as this side's message of step and sends it. */
static int
x_seal(struct xc *cd, unsigned int step, const struct sceau_buf *plain)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_invite_seal(cd->x, step, plain, b)) == 0)
		r = xc_send(cd, step, b);
	sceau_buf_free(b);
	return r;
}

/* Receives and opens the peer's sealed message of step into plain. */
static int
x_open(struct xc *cd, unsigned int step, struct sceau_buf *plain)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = xc_recv(cd, step, b)) == 0 &&
	    (r = sceau_invite_open(cd->x, step, sceau_buf_ptr(b),
	         sceau_buf_len(b), plain)) != 0) {
		sceau_message("step %u: the other side's message does not "
		              "open: it was altered, or the keys differ",
		    step);
		r = SCEAU_ERR_DATA_TAMPERED;
	}
	sceau_buf_free(b);
	return r;
}

static int
x_send_code_ok(struct xc *cd, unsigned int step)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_invite_encode_code_ok(b)) == 0)
		r = x_seal(cd, step, b);
	sceau_buf_free(b);
	return r;
}

/*
 * The peer's sealed inner message of step, decoded.  keep (may be NULL)
 * receives the plaintext and holds what the decoded claim lends (its
 * X.509 list): the caller frees it after the claim.
 */
static int
x_recv_keep(struct xc *cd, unsigned int step, enum sceau_invite_inner want,
    struct sceau_invite_claim *claim, struct sceau_invite_reply *reply,
    struct sceau_buf *keep)
{
	struct sceau_buf *b = keep;
	int r;

	if (b == NULL && (b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = x_open(cd, step, b)) == 0 &&
	    (r = sceau_invite_decode(sceau_buf_ptr(b), sceau_buf_len(b), want,
	         claim, reply)) != 0) {
		sceau_message(
		    "step %u: malformed message from the other side", step);
		r = SCEAU_ERR_DATA_TAMPERED;
	}
	if (b != keep)
		sceau_buf_free(b);
	return r;
}

static int
x_recv_inner(struct xc *cd, unsigned int step, enum sceau_invite_inner want,
    struct sceau_invite_claim *claim, struct sceau_invite_reply *reply)
{
	return x_recv_keep(cd, step, want, claim, reply, NULL);
}

/* This person picks the peer's code: a wrong pick aborts both. */
static int
x_pick(struct xc *cd, char choices[][SCEAU_INVITE_CODE_LEN + 1])
{
	char answer[64];
	int r;

	if (cd->ui == NULL || cd->ui->pick_code == NULL) {
		sceau_message("no way to ask for the other side's code");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	answer[0] = '\0';
	if (cd->ui->pick_code(cd->ui->arg,
	        (const char(*)[SCEAU_INVITE_CODE_LEN + 1]) choices, answer,
	        sizeof(answer)) != 0) {
		sceau_message("cancelled while picking the code");
		return SCEAU_ERR_INTERRUPTED;
	}
	r = sceau_invite_check_peer_code(cd->x, answer) ? 0
	                                                : SCEAU_ERR_WRONG_CODE;
	sceau_memzero(answer, sizeof(answer));
	if (r != 0)
		sceau_message("this is not the code the other side shows");
	return r;
}

static int
x_show(struct xc *cd, const char *mine)
{
	if (cd->ui == NULL || cd->ui->show_code == NULL)
		return 0;
	return cd->ui->show_code(cd->ui->arg, mine);
}

/*
 * Steps 1 to 5: keys, then the codes, the claimer's pick first.  On
 * return both people have checked the other's code.
 */
static int
x_codes(struct xc *cd)
{
	char mine[SCEAU_INVITE_CODE_LEN + 1];
	char choices[SCEAU_INVITE_CHOICES][SCEAU_INVITE_CODE_LEN + 1];
	struct sceau_buf *b;
	int r, greeter = cd->side == SCEAU_INVITE_GREETER;

	ui_status(cd,
	    greeter ? SCEAU_N_("waiting for the claimer")
	            : SCEAU_N_("waiting for the greeter"));
	if ((r = x_out(cd, 1)) != 0 || (r = x_in(cd, 1)) != 0)
		return r;
	ui_status(cd, SCEAU_N_("exchanging keys"));
	if (greeter) {
		if ((r = x_out(cd, 2)) != 0 || (r = x_in(cd, 3)) != 0)
			return r;
	} else if ((r = x_in(cd, 2)) != 0 || (r = x_out(cd, 3)) != 0) {
		return r;
	}
	if ((r = sceau_invite_codes(cd->x, mine, choices)) != 0)
		return r;
	if (greeter) {
		/* Show ours; the claimer picks it (step 4); then we pick. */
		if ((r = x_show(cd, mine)) != 0)
			goto out;
		ui_status(
		    cd, SCEAU_N_("waiting for the claimer to pick this code"));
		if ((b = sceau_buf_new()) == NULL) {
			r = SCEAU_ERR_ALLOC;
			goto out;
		}
		r = x_open(cd, 4, b);
		if (r == 0 &&
		    sceau_invite_decode(sceau_buf_ptr(b), sceau_buf_len(b),
		        SCEAU_INVITE_CODE_OK, NULL, NULL) != 0)
			r = SCEAU_ERR_DATA_TAMPERED;
		sceau_buf_free(b);
		if (r != 0 || (r = x_pick(cd, choices)) != 0 ||
		    (r = x_send_code_ok(cd, 5)) != 0)
			goto out;
	} else {
		if ((r = x_pick(cd, choices)) != 0 ||
		    (r = x_send_code_ok(cd, 4)) != 0 ||
		    (r = x_show(cd, mine)) != 0)
			goto out;
		ui_status(
		    cd, SCEAU_N_("waiting for the greeter to pick this code"));
		r = x_recv_inner(cd, 5, SCEAU_INVITE_CODE_OK, NULL, NULL);
	}
out:
	sceau_memzero(mine, sizeof(mine));
	sceau_memzero(choices, sizeof(choices));
	return r;
}

static int
xc_init(struct xc *cd, enum sceau_invite_side side,
    const struct sceau_exchange_ui *ui, const struct sceau_exchange_opts *xo)
{
	memset(cd, 0, sizeof(*cd));
	cd->side = side;
	cd->ui = ui;
	cd->cancel = xo != NULL ? xo->cancel : NULL;
	cd->deadline_ms = mono_ms() +
	    (xo != NULL && xo->timeout_ms > 0
	            ? xo->timeout_ms
	            : SCEAU_INVITE_TIMEOUT_DEFAULT_MS);
	return 0;
}

/* -------------------------------------------------------------- greet */

/* A card's user key: its leaf's fingerprint, then the wrap it undoes. */
static int
card_key(const struct sceau_invite_claim *claim,
    uint8_t key[SCEAU_CERT_HASH_LEN + 1])
{
	const uint8_t *der;
	struct sceau_cert l;
	size_t pos = 0, len;
	int r;

	memset(&l, 0, sizeof(l));
	l.x509_list = claim->x509_list;
	l.x509_list_len = claim->x509_list_len;
	if (!sceau_cert_x509_next(&l, &pos, &der, &len))
		return SCEAU_ERR_DATA_TAMPERED;
	if ((r = sceau_hash_sha256(der, len, key)) != 0)
		return r;
	key[SCEAU_CERT_HASH_LEN] = claim->wrap_alg;
	return 0;
}

/*
 * A new device of a user whose key is a card comes with that card: no
 * other device could open the user's workspace keys.
 */
static int
check_same_card(struct sceau_client *c, const struct sceau_invite_claim *claim)
{
	const struct sceau_chain_user *u = sceau_client_self(c);
	uint8_t key[SCEAU_CERT_HASH_LEN + 1];
	int r;

	if (u == NULL || strcmp(u->enc_alg, "x509") != 0)
		return 0;
	if (claim->x509_list == NULL) {
		sceau_message("this user's key is a smartcard: the new device "
		              "must claim with it (--token)");
		return SCEAU_ERR_FORBIDDEN;
	}
	if ((r = card_key(claim, key)) != 0)
		return r;
	if (sceau_timingsafe_bcmp(key, u->enc_key, SCEAU_CERT_HASH_LEN) != 0) {
		sceau_message("the new device claims with another card than "
		              "this user's");
		return SCEAU_ERR_FORBIDDEN;
	}
	return 0;
}

static int greet_admit(struct sceau_client *c, struct xc *cd,
    const struct sceau_invitation *inv, const struct sceau_exchange_ui *ui,
    struct sceau_greet_result *res, const struct sceau_invite_claim *cl);

/* Step 6 to 7 of a greeter: the claimer's data, certificates, reply. */
static int
greet_certify(struct sceau_client *c, struct xc *cd,
    const struct sceau_invitation *inv, const struct sceau_exchange_ui *ui,
    struct sceau_greet_result *res)
{
	struct sceau_invite_claim claim;
	struct sceau_buf *plain;
	int r;

	ui_status(cd, SCEAU_N_("waiting for the claimer's identity"));
	if ((plain = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = x_recv_keep(cd, 6, SCEAU_INVITE_CLAIM, &claim, NULL, plain)) !=
	    0) {
		sceau_buf_free(plain);
		return r;
	}
	r = greet_admit(c, cd, inv, ui, res, &claim);
	sceau_buf_free(plain);
	return r;
}

/* Certificates for the claim, then the reply (step 7). */
static int
greet_admit(struct sceau_client *c, struct xc *cd,
    const struct sceau_invitation *inv, const struct sceau_exchange_ui *ui,
    struct sceau_greet_result *res, const struct sceau_invite_claim *cl)
{
	struct sceau_invite_claim claim = *cl;
	struct sceau_invite_reply *reply;
	struct sceau_new_member m;
	struct sceau_buf *b = NULL;
	int r;

	if (claim.kind != inv->kind) {
		sceau_message(
		    "the claimer answered another kind of invitation");
		return SCEAU_ERR_DATA_TAMPERED;
	}
	if (ui != NULL && ui->review != NULL &&
	    ui->review(ui->arg, inv, &claim, &res->profile) != 0) {
		sceau_message("the greeter refused the claimer");
		return SCEAU_ERR_FORBIDDEN;
	}
	ui_status(cd, SCEAU_N_("signing the certificates"));
	if (inv->kind == SCEAU_INVITE_USER) {
		memset(&m, 0, sizeof(m));
		memcpy(m.user_id, claim.user_id, sizeof(m.user_id));
		m.email = inv->email;
		m.name = claim.name;
		m.profile = res->profile;
		memcpy(m.enc_key, claim.user_pk, sizeof(m.enc_key));
		memcpy(m.device_id, claim.device_id, sizeof(m.device_id));
		m.device_label = claim.label;
		memcpy(m.verify_key, claim.device_vk, sizeof(m.verify_key));
		if (claim.x509_list != NULL &&
		    (r = card_key(&claim, m.enc_x509)) != 0)
			return r;
		m.x509_list = claim.x509_list;
		m.x509_list_len = claim.x509_list_len;
		r = sceau_client_add_member(c, &m);
		memcpy(res->user_id, claim.user_id, sizeof(res->user_id));
	} else {
		if ((r = check_same_card(c, &claim)) != 0)
			return r;
		r = sceau_client_add_device_bound(c, claim.device_id,
		    claim.label, claim.device_vk, claim.x509_list,
		    claim.x509_list_len);
		memcpy(res->user_id, sceau_client_info(c)->user_id,
		    sizeof(res->user_id));
	}
	if (r != 0)
		return r;
	memcpy(res->device_id, claim.device_id, sizeof(res->device_id));
	if ((reply = sceau_secmem_alloc(sizeof(*reply))) == NULL)
		return SCEAU_ERR_SECMEM;
	memset(reply, 0, sizeof(*reply));
	reply->kind = inv->kind;
	memcpy(reply->root_vk, sceau_client_info(c)->root_verify_key,
	    sizeof(reply->root_vk));
	reply->profile = res->profile;
	memcpy(reply->user_id, res->user_id, sizeof(reply->user_id));
	if (inv->kind == SCEAU_INVITE_DEVICE &&
	    sceau_client_keys(c)->user_key != NULL) {
		sceau_box_secret(
		    sceau_client_keys(c)->user_key, reply->user_sk);
		reply->has_user_sk = 1;
	}
	if ((b = sceau_buf_new()) == NULL)
		r = SCEAU_ERR_ALLOC;
	else if ((r = sceau_invite_encode_reply(reply, b)) == 0)
		r = x_seal(cd, 7, b);
	sceau_buf_free(b);
	sceau_memzero(reply, sizeof(*reply));
	sceau_secmem_free(reply);
	return r;
}

int
sceau_client_greet(struct sceau_client *c, const char *id,
    const struct sceau_exchange_ui *ui, const struct sceau_exchange_opts *xo,
    struct sceau_greet_result *res)
{
	struct sceau_invitation inv;
	struct xc cd;
	int r;

	memset(res, 0, sizeof(*res));
	res->profile =
	    xo != NULL && xo->profile != 0 ? xo->profile : SCEAU_PROFILE_MEMBER;
	if (!sceau_cert_id_valid(id)) {
		sceau_message("%s: not an invitation id", id);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	(void)xc_init(&cd, SCEAU_INVITE_GREETER, ui, xo);
	cd.http = sceau_client_http(c);
	(void)snprintf(cd.path, sizeof(cd.path),
	    "/v1/%s/invitations/%s/exchange", sceau_client_info(c)->org_id, id);
	sceau_http_set_cancel(cd.http, cd.cancel);
	if ((r = xc_info(&cd, &inv)) != 0) {
		sceau_http_set_cancel(cd.http, NULL);
		return r;
	}
	res->kind = inv.kind;
	if ((r = sceau_invite_new(SCEAU_INVITE_GREETER, id, &cd.x)) != 0)
		return r;
	if ((r = x_codes(&cd)) == 0 &&
	    (r = greet_certify(c, &cd, &inv, ui, res)) == 0) {
		ui_status(&cd, SCEAU_N_("waiting for the claimer to finish"));
		r = x_recv_inner(&cd, 8, SCEAU_INVITE_DONE, NULL, NULL);
		res->claimer_done = r == 0;
		/* The certificates are in: the invitation is used. */
		if (invite_close(c, id, "finished") != 0)
			sceau_message_clear();
	}
	if (r != 0)
		r = xc_abort(&cd, r);
	sceau_http_set_cancel(cd.http, NULL);
	sceau_invite_free(cd.x);
	return r;
}

/* -------------------------------------------------------------- claim */

/* What the claimer makes and receives. */
struct claim_state {
	struct sceau_link link;
	struct sceau_invitation inv;
	struct sceau_signkey *device_key;
	struct sceau_boxkey *user_key;
	struct sceau_invite_claim claim;
	struct sceau_invite_reply *reply; /* locked memory */
	struct sceau_keyfile_info info;
	int written; /* the device is on disk */
	struct sceau_token *token; /* claim --token: the card (owned) */
	struct sceau_buf *card; /* its X.509 list */
};

static void
claim_state_free(struct claim_state *s)
{
	sceau_sign_free(s->device_key);
	sceau_box_free(s->user_key);
	sceau_token_close(s->token);
	sceau_buf_free(s->card);
	if (s->reply != NULL) {
		sceau_memzero(s->reply, sizeof(*s->reply));
		sceau_secmem_free(s->reply);
	}
	sceau_link_clear(&s->link);
	sceau_memzero(s, sizeof(*s));
}

static int
claim_connect(struct claim_state *s, const struct sceau_client_opts *opts,
    struct sceau_http **hp)
{
	struct sceau_http_opts ho = {0};
	struct sceau_buf *url;
	int r;

	if ((url = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (opts != NULL) {
		ho.ca_file = opts->ca_file;
		ho.allow_insecure_http = opts->allow_insecure_http;
	}
	if ((r = sceau_link_base_url(&s->link.server, url)) == 0 &&
	    (r = sceau_buf_put_u8(url, 0)) == 0)
		r = sceau_http_new((const char *)sceau_buf_ptr(url), &ho, hp);
	if (r == 0)
		(void)snprintf(s->info.server_url, sizeof(s->info.server_url),
		    "%s", sceau_http_base_url(*hp));
	sceau_buf_free(url);
	return r;
}

/* The card's X.509 list (and intermediates), and the wrap it undoes. */
static int
claim_card(struct claim_state *s, const struct sceau_claim_params *p)
{
	int r, alg = 0;

	if ((s->card = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_token_oaep_probe(s->token, &alg)) != 0 ||
	    (r = client_card_list(s->token, p->pki_intermediates, s->card)) !=
	        0)
		return r;
	s->claim.x509_list = sceau_buf_ptr(s->card);
	s->claim.x509_list_len = sceau_buf_len(s->card);
	s->claim.wrap_alg = (uint8_t)alg;
	return 0;
}

/* The keys and ids this side makes, and its step-6 message. */
static int
claim_make(struct claim_state *s, const struct sceau_claim_params *p)
{
	int r;

	memset(&s->claim, 0, sizeof(s->claim));
	s->claim.kind = s->inv.kind;
	if ((r = sceau_sign_generate(&s->device_key)) != 0 ||
	    (r = sceau_cert_new_id(s->claim.device_id)) != 0)
		return r;
	sceau_sign_public(s->device_key, s->claim.device_vk);
	(void)snprintf(
	    s->claim.label, sizeof(s->claim.label), "%s", p->device_label);
	if (s->token != NULL && (r = claim_card(s, p)) != 0)
		return r;
	if (s->inv.kind == SCEAU_INVITE_DEVICE)
		return 0;
	if ((r = sceau_cert_new_id(s->claim.user_id)) != 0)
		return r;
	/* With a card, the user's key is the card's. */
	if (s->token == NULL) {
		if ((r = sceau_box_generate(&s->user_key)) != 0)
			return r;
		sceau_box_public(s->user_key, s->claim.user_pk);
	}
	(void)snprintf(s->claim.name, sizeof(s->claim.name), "%s",
	    p->name != NULL ? p->name : "");
	return 0;
}

static void
claim_forget(const struct claim_state *s)
{
	if (s->written)
		client_forget_device(s->info.org_id, s->info.device_id);
}

/*
 * The device, written from what the greeter sent, then opened and
 * checked against the chain the server gives: our user and device, with
 * our keys, signed under the root key the greeter sent.
 */
/*
 * The user's key in the chain is what this side holds: its X25519 key,
 * or its card (the fingerprint), and a card-bound device is bound to it.
 */
static int
user_key_is_ours(const struct claim_state *s, const struct sceau_chain_user *u,
    const struct sceau_chain_device *d)
{
	uint8_t pk[SCEAU_BOX_PUBLIC_LEN], fp[SCEAU_CERT_HASH_LEN + 1];

	if (s->card != NULL &&
	    (card_key(&s->claim, fp) != 0 || !d->token_bound ||
	        sceau_timingsafe_bcmp(
	            d->x509_fingerprint, fp, SCEAU_CERT_HASH_LEN) != 0))
		return 0;
	if (s->user_key == NULL)
		return strcmp(u->enc_alg, "x509") == 0 &&
		    u->enc_key_len == sizeof(fp) &&
		    sceau_timingsafe_bcmp(
		        u->enc_key, fp, SCEAU_CERT_HASH_LEN) == 0;
	sceau_box_public(s->user_key, pk);
	return strcmp(u->enc_alg, "x25519") == 0 &&
	    u->enc_key_len == sizeof(pk) &&
	    sceau_timingsafe_bcmp(u->enc_key, pk, sizeof(pk)) == 0;
}

static int
claim_write(struct claim_state *s, const struct sceau_claim_params *p,
    const struct sceau_client_opts *opts, struct sceau_client **cp)
{
	const struct sceau_chain_device *d;
	const struct sceau_chain_user *u;
	struct sceau_keyfile_auth auth = *p->auth;
	uint8_t pk[SCEAU_BOX_PUBLIC_LEN];
	int r;

	(void)snprintf(
	    s->info.org_id, sizeof(s->info.org_id), "%s", s->link.org_id);
	memcpy(s->info.user_id,
	    s->inv.kind == SCEAU_INVITE_USER ? s->claim.user_id
	                                     : s->reply->user_id,
	    sizeof(s->info.user_id));
	memcpy(
	    s->info.device_id, s->claim.device_id, sizeof(s->info.device_id));
	(void)snprintf(s->info.device_label, sizeof(s->info.device_label), "%s",
	    s->claim.label);
	memcpy(s->info.root_verify_key, s->reply->root_vk,
	    sizeof(s->info.root_verify_key));
	s->info.created = sceau_client_now_us();
	if (s->inv.kind == SCEAU_INVITE_DEVICE && s->reply->has_user_sk &&
	    (r = sceau_box_from_secret(s->reply->user_sk, &s->user_key)) != 0)
		return r;
	if (s->user_key == NULL && s->token == NULL) {
		sceau_message("the greeter sent no user key, and this device "
		              "has no card");
		return SCEAU_ERR_DATA_TAMPERED;
	}
	if ((r = sceau_client_create_device(
	         &s->info, s->device_key, s->user_key, &auth, opts, NULL)) != 0)
		return r;
	s->written = 1;
	auth.token = s->token;
	s->token = NULL; /* sceau_client_open takes it */
	if ((r = sceau_client_open(
	         s->info.org_id, s->info.device_id, &auth, opts, cp)) != 0 ||
	    (r = sceau_client_refresh(*cp, NULL)) != 0)
		return r;
	u = sceau_chain_user(sceau_client_chain(*cp), s->info.user_id);
	d = sceau_chain_device(sceau_client_chain(*cp), s->info.device_id);
	if (u == NULL || d == NULL || u->revoked_index != 0 ||
	    d->revoked_index != 0 || strcmp(d->user_id, u->user_id) != 0 ||
	    !user_key_is_ours(s, u, d) ||
	    sceau_timingsafe_bcmp(
	        d->verify_key, s->claim.device_vk, sizeof(pk)) != 0) {
		sceau_message("the organization's chain does not hold this "
		              "device as the greeter said");
		return SCEAU_ERR_DATA_TAMPERED;
	}
	return 0;
}

static int
claim_run(struct claim_state *s, struct xc *cd,
    const struct sceau_claim_params *p, const struct sceau_client_opts *opts,
    struct sceau_client **cp)
{
	struct sceau_buf *b;
	int r;

	if ((r = x_codes(cd)) != 0 || (r = claim_make(s, p)) != 0)
		return r;
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_invite_encode_claim(&s->claim, b)) == 0)
		r = x_seal(cd, 6, b);
	sceau_buf_free(b);
	if (r != 0)
		return r;
	ui_status(
	    cd, SCEAU_N_("waiting for the greeter to sign the certificates"));
	if ((s->reply = sceau_secmem_alloc(sizeof(*s->reply))) == NULL)
		return SCEAU_ERR_SECMEM;
	if ((r = x_recv_inner(cd, 7, SCEAU_INVITE_REPLY, NULL, s->reply)) != 0)
		return r;
	if (s->reply->kind != s->inv.kind) {
		sceau_message(
		    "the greeter answered another kind of invitation");
		return SCEAU_ERR_DATA_TAMPERED;
	}
	ui_status(
	    cd, SCEAU_N_("writing the device and checking the organization"));
	if ((r = claim_write(s, p, opts, cp)) != 0)
		return r;
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_invite_encode_done(b)) == 0)
		r = x_seal(cd, 8, b);
	sceau_buf_free(b);
	return r;
}

static int
claim_check_params(const struct sceau_claim_params *p, struct claim_state *s)
{
	int r;

	if ((r = sceau_link_parse(p->link, &s->link)) != 0)
		return r;
	if (s->link.action != SCEAU_LINK_CLAIM_USER &&
	    s->link.action != SCEAU_LINK_CLAIM_DEVICE) {
		sceau_message("this link is not an invitation");
		return SCEAU_ERR_BAD_LINK;
	}
	if (p->device_label == NULL ||
	    !sceau_identity_name_valid(p->device_label)) {
		sceau_message("the device label is missing or invalid");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if (s->link.action == SCEAU_LINK_CLAIM_USER &&
	    (p->name == NULL || !sceau_identity_name_valid(p->name))) {
		sceau_message("your name is missing or invalid");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return 0;
}

int
sceau_claim(const struct sceau_claim_params *p,
    const struct sceau_client_opts *opts, const struct sceau_exchange_ui *ui,
    const struct sceau_exchange_opts *xo, struct sceau_client **cp)
{
	struct claim_state *s;
	struct xc cd;
	int r;

	*cp = NULL;
	if ((s = sceau_calloc(1, sizeof(*s))) == NULL) {
		if (p->auth != NULL && p->auth->kind == SCEAU_KEYFILE_TOKEN)
			sceau_token_close(p->auth->token);
		return SCEAU_ERR_ALLOC;
	}
	if (p->auth != NULL && p->auth->kind == SCEAU_KEYFILE_TOKEN)
		s->token = p->auth->token; /* ours now */
	(void)xc_init(&cd, SCEAU_INVITE_CLAIMER, ui, xo);
	if ((r = claim_check_params(p, s)) != 0 ||
	    (r = claim_connect(s, opts, &cd.http)) != 0)
		goto out;
	cd.token = s->link.token;
	sceau_http_set_cancel(cd.http, cd.cancel);
	(void)snprintf(
	    cd.path, sizeof(cd.path), "/v1/%s/claim", s->link.org_id);
	if ((r = xc_info(&cd, &s->inv)) != 0)
		goto out;
	if ((s->inv.kind == SCEAU_INVITE_USER) !=
	    (s->link.action == SCEAU_LINK_CLAIM_USER)) {
		sceau_message(
		    "the link and the invitation disagree on its kind");
		r = SCEAU_ERR_BAD_LINK;
		goto out;
	}
	if ((r = sceau_invite_new(SCEAU_INVITE_CLAIMER, s->inv.id, &cd.x)) !=
	        0 ||
	    (r = claim_run(s, &cd, p, opts, cp)) != 0)
		r = xc_abort(&cd, r);
out:
	if (r != 0) {
		sceau_client_close(*cp);
		*cp = NULL;
		claim_forget(s);
	}
	sceau_invite_free(cd.x);
	sceau_http_free(cd.http);
	claim_state_free(s);
	sceau_free(s);
	return r;
}
