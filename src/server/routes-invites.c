/*
 * routes-invites.c: invitations (created, listed and closed by devices)
 * and the conduit that relays their code exchange, for the greeter
 * (signed by a device) and the claimer (anonymous, with the token).
 * See doc/invitations.md and doc/protocol.md.
 *
 * The server never sees the codes or the keys: it stores the hash of a
 * token, relays opaque messages and enforces who may greet, the
 * invitation's state and its expiry.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chains.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "invite.h"
#include "log.h"
#include "mail.h"
#include "policy.h"
#include "random.h"
#include "routes.h"
#include "secmem.h"

#define INVITE_TOKEN_BYTES 32
#define INVITE_TOKEN_MAX 128
#define INVITE_REASON_MAX 200
#define INVITE_MSG_B64_MAX 8192

/* ------------------------------------------------------------ helpers */

static const char *
invite_status_name(enum srv_invite_status s)
{
	switch (s) {
	case SRV_INVITE_PENDING:
		return "pending";
	case SRV_INVITE_CANCELLED:
		return "cancelled";
	case SRV_INVITE_FINISHED:
		return "finished";
	}
	return "unknown";
}

/* The invitation may still be used at now. */
static int
invite_usable(const struct srv_invite *inv, uint64_t now)
{
	if (inv->status != SRV_INVITE_PENDING) {
		sceau_message("invitation %s is %s", inv->id,
		    invite_status_name(inv->status));
		return SCEAU_ERR_INVITATION_CLOSED;
	}
	if (now >= inv->expires_us) {
		sceau_message("invitation %s has expired", inv->id);
		return SCEAU_ERR_INVITATION_EXPIRED;
	}
	return 0;
}

/*
 * The caller may greet, cancel or see inv: an admin for a user
 * invitation, the inviting user for a device invitation.
 */
static int
invite_caller_may(const struct srv_caller *c, const struct srv_invite *inv)
{
	if (inv->kind == SCEAU_INVITE_USER
	        ? c->profile == SCEAU_PROFILE_ADMIN
	        : strcmp(c->user_id, inv->created_by) == 0)
		return 0;
	sceau_message("invitation %s: %s", inv->id,
	    inv->kind == SCEAU_INVITE_USER
	        ? "only an administrator may greet a new user"
	        : "only its user may greet a new device");
	return SCEAU_ERR_FORBIDDEN;
}

static json_t *
invite_json(const struct srv_invite *inv, uint64_t now)
{
	json_t *j = json_object();

	if (j == NULL ||
	    sceau_json_set_string(j, "invitation_id", inv->id) != 0 ||
	    sceau_json_set_string(j, "kind",
	        sceau_invite_kind_name((enum sceau_invite_kind)inv->kind)) !=
	        0 ||
	    sceau_json_set_string(j, "email", inv->email) != 0 ||
	    sceau_json_set_string(j, "inviter", inv->inviter) != 0 ||
	    sceau_json_set_string(j, "created_by", inv->created_by) != 0 ||
	    sceau_json_set_int(j, "created", (int64_t)inv->created_us) != 0 ||
	    sceau_json_set_int(j, "expires", (int64_t)inv->expires_us) != 0 ||
	    sceau_json_set_bool(j, "expired", now >= inv->expires_us) != 0 ||
	    sceau_json_set_string(
	        j, "status", invite_status_name(inv->status)) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ------------------------------------------------------------- create */

struct invite_new {
	const char *kind, *email, *inviter, *lang;
	int send_mail;
};

static int
invite_parse_new(const json_t *body, struct invite_new *in)
{
	int r;

	memset(in, 0, sizeof(*in));
	in->email = in->inviter = "";
	if ((r = sceau_json_get_string(body, "kind", 16, &in->kind)) != 0 ||
	    (r = sceau_json_get_string_opt(
	         body, "email", SCEAU_EMAIL_MAX, &in->email)) != 0 ||
	    (r = sceau_json_get_string_opt(
	         body, "inviter", SRV_INVITE_TEXT_MAX, &in->inviter)) != 0 ||
	    (r = sceau_json_get_string_opt(body, "lang", 8, &in->lang)) != 0 ||
	    (r = sceau_json_get_bool_opt(body, "send_mail", &in->send_mail)) !=
	        0)
		return srv_bad_request(r);
	if (sceau_invite_kind_from_name(in->kind) == 0) {
		sceau_message("kind: \"user\" or \"device\"");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((in->email[0] != '\0' || strcmp(in->kind, "user") == 0) &&
	    !sceau_identity_email_valid(in->email)) {
		sceau_message("email: a valid email address is required");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (in->send_mail && in->email[0] != '\0' &&
	    !srv_mail_address_valid(in->email)) {
		sceau_message(
		    "email: this address cannot be mailed (ASCII only)");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (in->inviter[0] != '\0' && !sceau_identity_name_valid(in->inviter)) {
		sceau_message("inviter: a name without control characters");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (in->lang != NULL && strcmp(in->lang, "en") != 0 &&
	    strcmp(in->lang, "fr") != 0) {
		sceau_message("lang: \"en\" or \"fr\"");
		return SCEAU_ERR_BAD_REQUEST;
	}
	return 0;
}

/*
 * The organization policy in force (doc/policy.md): a user invitation
 * only to its mail domains, and the invitation's lifetime, the policy's
 * when it sets one (*lifetime_ms, else the server's).
 */
static int
invite_policy(struct srv_ctx *ctx, const struct srv_caller *caller,
    const struct invite_new *in, uint64_t *lifetime_ms)
{
	const struct sceau_policy *p;
	struct srv_chain_lock lk;
	char rule[SCEAU_POLICY_RULE_MAX];
	int r;

	*lifetime_ms = ctx->set.invitation_lifetime_ms;
	if ((r = srv_chains_lock(ctx->chains, &caller->org, &lk)) != 0)
		return r;
	p = lk.chain != NULL ? sceau_chain_policy(lk.chain, NULL) : NULL;
	if (strcmp(in->kind, "user") == 0 &&
	    (r = sceau_policy_check_invitation(p, in->email, rule)) != 0)
		sceau_message("policy: %s", rule);
	else
		*lifetime_ms =
		    sceau_policy_invitation_lifetime(p, *lifetime_ms / 1000) *
		    1000;
	srv_chains_unlock(&lk);
	return r;
}

/* A new invitation row and its token (base64url, 43 characters). */
static int
invite_make(const struct srv_ctx *ctx, const struct srv_caller *caller,
    const struct invite_new *in, uint64_t lifetime_ms, struct srv_invite *inv,
    char **tokenp)
{
	uint8_t raw[INVITE_TOKEN_BYTES];
	char *token;
	int r;

	memset(inv, 0, sizeof(*inv));
	if ((r = sceau_cert_new_id(inv->id)) != 0 ||
	    (r = sceau_random_bytes(raw, sizeof(raw))) != 0)
		return r;
	token = sceau_enc_b64(raw, sizeof(raw), SCEAU_B64_URL);
	sceau_memzero(raw, sizeof(raw));
	if (token == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_hash_sha256(token, strlen(token), inv->token_hash)) !=
	    0) {
		sceau_freezero(token, strlen(token) + 1);
		return r;
	}
	inv->kind = (int)sceau_invite_kind_from_name(in->kind);
	(void)snprintf(inv->email, sizeof(inv->email), "%s", in->email);
	(void)snprintf(inv->inviter, sizeof(inv->inviter), "%s", in->inviter);
	memcpy(inv->created_by, caller->user_id, sizeof(inv->created_by));
	inv->created_us = ctx->now_us();
	inv->expires_us = inv->created_us + lifetime_ms * 1000;
	inv->status = SRV_INVITE_PENDING;
	inv->attempt = 1;
	*tokenp = token;
	return 0;
}

/*
 * Mails the link when asked and possible; the reply says whether it was
 * sent, and why not.  A failed mail does not undo the invitation: the
 * inviter still has the link to pass on.
 */
static int
invite_mail(struct srv_ctx *ctx, const char *org_id,
    const struct srv_invite *inv, const struct invite_new *in, const char *link,
    json_t *j)
{
	struct srv_mail_invite m;
	int r;

	if (!in->send_mail || inv->email[0] == '\0')
		return sceau_json_set_bool(j, "mailed", 0);
	memset(&m, 0, sizeof(m));
	m.to = inv->email;
	m.link = link;
	m.org_id = org_id;
	m.inviter = inv->inviter[0] != '\0' ? inv->inviter : NULL;
	m.device = inv->kind == SCEAU_INVITE_DEVICE;
	m.lang = in->lang;
	m.expires_us = inv->expires_us;
	if ((r = srv_mail_send_invite(ctx->set.mail, &m)) == 0)
		return sceau_json_set_bool(j, "mailed", 1);
	if (r == SCEAU_ERR_NOT_SUPPORTED)
		sceau_message("this server sends no mail (no [mail] relay)");
	warn_f(
	    "invitation %s: no mail sent: %s", inv->id, sceau_last_message());
	return sceau_json_set_bool(j, "mailed", 0) != 0 ||
	        sceau_json_set_string(j, "mail_error", sceau_last_message()) !=
	            0
	    ? SCEAU_ERR_ALLOC
	    : 0;
}

int
srv_route_invite_create(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	const struct srv_caller *caller = args->caller;
	struct invite_new in;
	struct srv_invite inv;
	char *token = NULL, *link = NULL;
	json_t *body = NULL, *j = NULL;
	uint64_t lifetime_ms;
	int r;

	if ((r = srv_body_json(ctx, req, &body)) != 0 ||
	    (r = invite_parse_new(body, &in)) != 0)
		goto out;
	if (strcmp(in.kind, "user") == 0 &&
	    caller->profile != SCEAU_PROFILE_ADMIN) {
		sceau_message("only an administrator may invite a new user");
		r = SCEAU_ERR_FORBIDDEN;
		goto out;
	}
	if ((r = invite_policy(ctx, caller, &in, &lifetime_ms)) != 0 ||
	    (r = invite_make(ctx, caller, &in, lifetime_ms, &inv, &token)) !=
	        0 ||
	    (r = ctx->be->ops->invite_create(
	         ctx->be, args->org_id, &inv, inv.created_us)) != 0)
		goto out;
	if ((link = srv_link(&ctx->set, args->org_id,
	         inv.kind == SCEAU_INVITE_USER ? "claim_user" : "claim_device",
	         token)) == NULL ||
	    (j = invite_json(&inv, inv.created_us)) == NULL ||
	    sceau_json_set_string(j, "token", token) != 0 ||
	    sceau_json_set_string(j, "link", link) != 0) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	info_f("organization %s: %s invitation %s created by %s", args->org_id,
	    in.kind, inv.id, caller->device_id);
	if ((r = invite_mail(ctx, args->org_id, &inv, &in, link, j)) != 0)
		goto out;
	r = srv_resp_json(resp, 201, j);
	j = NULL;
out:
	json_decref(j);
	json_decref(body);
	if (token != NULL)
		sceau_freezero(token, strlen(token) + 1);
	if (link != NULL)
		sceau_freezero(link, strlen(link) + 1);
	return r;
}

/* --------------------------------------------------------- list, close */

struct invite_list_ctx {
	const struct srv_caller *caller;
	uint64_t now;
	json_t *arr;
};

static int
invite_list_cb(void *arg, const struct srv_invite *inv)
{
	struct invite_list_ctx *lc = arg;
	json_t *o;

	/* An administrator sees user invitations; everyone their own. */
	if (strcmp(inv->created_by, lc->caller->user_id) != 0 &&
	    (inv->kind != SCEAU_INVITE_USER ||
	        lc->caller->profile != SCEAU_PROFILE_ADMIN))
		return 0;
	if ((o = invite_json(inv, lc->now)) == NULL ||
	    json_array_append_new(lc->arr, o) != 0)
		return SCEAU_ERR_ALLOC;
	return 0;
}

int
srv_route_invite_list(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct invite_list_ctx lc;
	json_t *j;
	int r;

	(void)req;
	lc.caller = args->caller;
	lc.now = ctx->now_us();
	if ((lc.arr = json_array()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = ctx->be->ops->invite_list(
	         ctx->be, args->org_id, invite_list_cb, &lc)) != 0) {
		json_decref(lc.arr);
		return r;
	}
	if ((j = json_object()) == NULL ||
	    json_object_set_new(j, "invitations", lc.arr) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}

int
srv_route_invite_close(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	static const char *const names[] = {"cancelled", "finished", NULL};
	static const enum srv_invite_status statuses[] = {
	    SRV_INVITE_CANCELLED, SRV_INVITE_FINISHED};
	const char *id = args->realm_id; /* the first id of the path */
	enum srv_invite_status st;
	struct srv_invite inv;
	const char *status;
	json_t *body = NULL, *j;
	size_t k;
	int r;

	if ((r = srv_body_json(ctx, req, &body)) != 0)
		return r;
	if ((r = sceau_json_get_choice(body, "status", names, &k)) != 0) {
		r = srv_bad_request(r);
		goto out;
	}
	st = statuses[k];
	status = names[k];
	if ((r = ctx->be->ops->invite_get(
	         ctx->be, args->org_id, id, NULL, &inv)) != 0 ||
	    (r = invite_caller_may(args->caller, &inv)) != 0 ||
	    (r = ctx->be->ops->invite_close(ctx->be, args->org_id, id, st)) !=
	        0)
		goto out;
	info_f("organization %s: invitation %s %s by %s", args->org_id, id,
	    status, args->caller->device_id);
	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "status", status) != 0) {
		json_decref(j);
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	r = srv_resp_json(resp, 200, j);
out:
	json_decref(body);
	return r;
}

/* ----------------------------------------------------------- exchange */

struct xreq {
	const char *op;
	int64_t step, attempt, wait_ms;
	struct sceau_buf *msg; /* op "send" */
	const char *reason; /* op "abort" */
};

static int
xreq_parse(const struct srv_ctx *ctx, const json_t *body, struct xreq *x)
{
	int r;

	x->step = 0;
	x->attempt = 0;
	x->wait_ms = 0;
	x->reason = "";
	if ((r = sceau_json_get_string(body, "op", 8, &x->op)) != 0 ||
	    (r = sceau_json_get_int_opt(
	         body, "step", 1, SCEAU_INVITE_STEPS, &x->step)) != 0 ||
	    (r = sceau_json_get_int_opt(
	         body, "attempt", 0, INT64_MAX, &x->attempt)) != 0 ||
	    (r = sceau_json_get_int_opt(body, "wait_ms", 0,
	         (int64_t)ctx->set.conduit_wait_ms, &x->wait_ms)) != 0 ||
	    (r = sceau_json_get_string_opt(
	         body, "reason", INVITE_REASON_MAX, &x->reason)) != 0)
		return srv_bad_request(r);
	if (strcmp(x->op, "send") == 0 || strcmp(x->op, "recv") == 0) {
		if (x->step == 0) {
			sceau_message("step: required to %s", x->op);
			return SCEAU_ERR_BAD_REQUEST;
		}
	} else if (strcmp(x->op, "abort") == 0) {
		if (!sceau_identity_name_valid(x->reason)) {
			sceau_message("reason: a text without control "
			              "characters");
			return SCEAU_ERR_BAD_REQUEST;
		}
	} else if (strcmp(x->op, "info") != 0) {
		sceau_message("op: info, send, recv or abort");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (strcmp(x->op, "send") != 0)
		return 0;
	if ((x->msg = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_json_get_b64(body, "msg", SCEAU_B64_STD,
	         SCEAU_INVITE_MSG_MAX, x->msg)) != 0)
		return srv_bad_request(r);
	if (sceau_buf_len(x->msg) == 0) {
		sceau_message("msg: empty");
		return SCEAU_ERR_BAD_REQUEST;
	}
	return 0;
}

static const char *
conduit_state_name(enum srv_conduit_state s)
{
	switch (s) {
	case SRV_CONDUIT_READY:
		return "ready";
	case SRV_CONDUIT_PENDING:
		return "pending";
	case SRV_CONDUIT_ABORTED:
		return "aborted";
	case SRV_CONDUIT_RESTARTED:
		return "restarted";
	}
	return "unknown";
}

/* The state of a conduit read or write, as JSON (msg may be NULL). */
static int
x_reply(struct srv_response *resp, enum srv_conduit_state st, uint64_t attempt,
    const struct srv_invite *inv, const struct sceau_buf *msg)
{
	json_t *j = json_object();
	int r = 0;

	if (j == NULL ||
	    sceau_json_set_string(j, "state", conduit_state_name(st)) != 0 ||
	    sceau_json_set_int(j, "attempt", (int64_t)attempt) != 0)
		r = SCEAU_ERR_ALLOC;
	if (r == 0 && st == SRV_CONDUIT_READY && msg != NULL &&
	    sceau_json_set_b64(j, "msg", sceau_buf_ptr(msg), sceau_buf_len(msg),
	        SCEAU_B64_STD) != 0)
		r = SCEAU_ERR_ALLOC;
	if (r == 0 && st == SRV_CONDUIT_ABORTED && inv != NULL &&
	    (sceau_json_set_string(j, "aborted_by",
	         sceau_invite_side_name(
	             (enum sceau_invite_side)inv->aborted_by)) != 0 ||
	        sceau_json_set_string(j, "reason", inv->abort_reason) != 0))
		r = SCEAU_ERR_ALLOC;
	if (r != 0) {
		json_decref(j);
		return r;
	}
	return srv_resp_json(resp, 200, j);
}

/* Reads the peer's message of x->step, waiting up to x->wait_ms. */
static int
x_recv(struct srv_ctx *ctx, const char *org_id, const struct srv_invite *inv,
    int side, const struct xreq *x, struct srv_response *resp)
{
	uint64_t deadline = ctx->now_us() / 1000 + (uint64_t)x->wait_ms;
	enum srv_conduit_state st;
	struct srv_invite cur;
	struct sceau_buf *msg;
	uint64_t mark, now;
	int r;

	if ((msg = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	for (;;) {
		mark = ctx->be->ops->event_mark(ctx->be);
		sceau_buf_reset(msg);
		if ((r = ctx->be->ops->conduit_recv(ctx->be, org_id, inv->id,
		         side, (unsigned int)x->step, (uint64_t)x->attempt, msg,
		         &st, &cur)) != 0)
			break;
		now = ctx->now_us() / 1000;
		if (st != SRV_CONDUIT_PENDING || now >= deadline ||
		    atomic_load(&ctx->stopping))
			break;
		r = ctx->be->ops->event_wait(ctx->be, mark, deadline - now);
		if (r == SCEAU_ERR_INTERRUPTED)
			break;
		r = 0;
	}
	if (r == SCEAU_ERR_INTERRUPTED) {
		st = SRV_CONDUIT_PENDING;
		r = 0;
	}
	if (r == 0)
		r = x_reply(resp, st, (uint64_t)x->attempt, &cur, msg);
	sceau_buf_free(msg);
	return r;
}

static int
x_info(const struct srv_invite *inv, uint64_t now, struct srv_response *resp)
{
	json_t *j = invite_json(inv, now);

	if (j == NULL ||
	    sceau_json_set_int(j, "attempt", (int64_t)inv->attempt) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}

/*
 * side aborts the attempt.  The first abort wins: the reply names the
 * side and reason that stand, so that a side that aborts after its peer
 * learns the peer's reason.
 */
static int
x_abort(struct srv_ctx *ctx, const char *org_id, const struct srv_invite *inv,
    int side, const struct xreq *x, struct srv_response *resp)
{
	struct srv_invite cur;
	int r;

	if ((r = ctx->be->ops->conduit_abort(ctx->be, org_id, inv->id, side,
	         (uint64_t)x->attempt, x->reason)) != 0 ||
	    (r = ctx->be->ops->invite_get(
	         ctx->be, org_id, inv->id, NULL, &cur)) != 0)
		return r;
	if (cur.attempt != (uint64_t)x->attempt || cur.aborted_by == 0)
		return x_reply(resp, SRV_CONDUIT_RESTARTED,
		    (uint64_t)x->attempt, NULL, NULL);
	if (cur.aborted_by == side)
		info_f("organization %s: invitation %s: the %s aborted the "
		       "exchange (%s)",
		    org_id, inv->id,
		    sceau_invite_side_name((enum sceau_invite_side)side),
		    x->reason);
	return x_reply(
	    resp, SRV_CONDUIT_ABORTED, (uint64_t)x->attempt, &cur, NULL);
}

/* One operation of side on the exchange of inv. */
static int
x_run(struct srv_ctx *ctx, const char *org_id, const struct srv_invite *inv,
    int side, struct xreq *x, struct srv_response *resp)
{
	enum srv_conduit_state st;
	uint64_t attempt = (uint64_t)x->attempt;
	struct srv_invite cur;
	int r;

	if ((r = invite_usable(inv, ctx->now_us())) != 0)
		return r;
	if (strcmp(x->op, "info") == 0)
		return x_info(inv, ctx->now_us(), resp);
	if (strcmp(x->op, "recv") == 0)
		return x_recv(ctx, org_id, inv, side, x, resp);
	if (strcmp(x->op, "abort") == 0)
		return x_abort(ctx, org_id, inv, side, x, resp);
	if ((r = ctx->be->ops->conduit_send(ctx->be, org_id, inv->id, side,
	         (unsigned int)x->step, &attempt, sceau_buf_ptr(x->msg),
	         sceau_buf_len(x->msg), &st)) != 0)
		return r;
	/* Aborted: say by whom and why, as a read would. */
	if (st == SRV_CONDUIT_ABORTED &&
	    (r = ctx->be->ops->invite_get(
	         ctx->be, org_id, inv->id, NULL, &cur)) != 0)
		return r;
	return x_reply(
	    resp, st, attempt, st == SRV_CONDUIT_ABORTED ? &cur : NULL, NULL);
}

static int
x_body(struct srv_ctx *ctx, const struct srv_request *req, json_t **body,
    struct xreq *x)
{
	int r;

	memset(x, 0, sizeof(*x));
	if ((r = srv_body_json(ctx, req, body)) != 0)
		return r;
	return xreq_parse(ctx, *body, x);
}

int
srv_route_invite_greet(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_invite inv;
	struct xreq x;
	json_t *body = NULL;
	int r;

	if ((r = x_body(ctx, req, &body, &x)) == 0 &&
	    (r = ctx->be->ops->invite_get(
	         ctx->be, args->org_id, args->realm_id, NULL, &inv)) == 0 &&
	    (r = invite_caller_may(args->caller, &inv)) == 0)
		r = x_run(
		    ctx, args->org_id, &inv, SCEAU_INVITE_GREETER, &x, resp);
	sceau_buf_free(x.msg);
	json_decref(body);
	return r;
}

int
srv_route_invite_claim(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	uint8_t h[SCEAU_SHA256_LEN];
	struct srv_invite inv;
	const char *token;
	struct xreq x;
	json_t *body = NULL;
	int r;

	if ((r = x_body(ctx, req, &body, &x)) != 0)
		goto out;
	if ((r = sceau_json_get_string(
	         body, "token", INVITE_TOKEN_MAX, &token)) != 0) {
		r = srv_bad_request(r);
		goto out;
	}
	if ((r = srv_org_open_to_newcomers(ctx, args->org_id)) != 0 ||
	    (r = sceau_hash_sha256(token, strlen(token), h)) != 0)
		goto out;
	/* The lookup is by hash: the token is never compared as it is. */
	if ((r = ctx->be->ops->invite_get(
	         ctx->be, args->org_id, NULL, h, &inv)) != 0) {
		if (r == SCEAU_ERR_INVITATION_UNKNOWN)
			sceau_message("no invitation has this token");
		goto out;
	}
	r = x_run(ctx, args->org_id, &inv, SCEAU_INVITE_CLAIMER, &x, resp);
out:
	sceau_memzero(h, sizeof(h));
	sceau_buf_free(x.msg);
	json_decref(body);
	return r;
}
