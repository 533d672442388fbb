/*
 * routes-certs.c: reading and appending an organization's certificates.
 *
 * Appending: the organization's cached chain is locked and brought up to
 * the database, the certificate validated against it by the chain rules
 * (chain.h), then stored with the server's timestamp.  The database's
 * unique (organization, index) key has the last word: if another server
 * process stored that index first, the append fails with CONFLICT and
 * this process drops its copy of the chain, now ahead of the database.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "chains.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "routes.h"

#define CERTS_LIMIT_MAX 1000
/*
 * Envelope bytes per reply: past this, the reply stops early (with at
 * least one certificate) and the client asks again from the next index.
 */
#define CERTS_REPLY_BYTES (8UL * 1024 * 1024)

/* ----------------------------------------------------------- reading */

/*
 * One "NAME=DECIMAL" of a query at *q, in [min, max], then '&' or the end
 * (a trailing '&' is refused).  Advances *q.  -1 if malformed.
 */
static int
certs_param(const char **q, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *p = strchr(*q, '=') + 1;
	char *end;
	unsigned long long v;

	if (*p < '0' || *p > '9' || strspn(p, "0123456789") > 19)
		return -1;
	v = strtoull(p, &end, 10);
	if ((*end != '\0' && *end != '&') || (*end == '&' && end[1] == '\0') ||
	    v < min || v > max)
		return -1;
	*out = v;
	*q = *end == '&' ? end + 1 : end;
	return 0;
}

/* Parses "from=N&limit=M" (both optional, any order, once each). */
static int
certs_query(const char *q, uint64_t *from, uint64_t *limit)
{
	int seen_from = 0, seen_limit = 0, r = 0;

	*from = 1;
	*limit = CERTS_LIMIT_MAX;
	while (*q != '\0' && r == 0) {
		if (strncmp(q, "from=", 5) == 0 && !seen_from++)
			r = certs_param(&q, 1, INT64_MAX, from);
		else if (strncmp(q, "limit=", 6) == 0 && !seen_limit++)
			r = certs_param(&q, 1, CERTS_LIMIT_MAX, limit);
		else
			r = -1;
	}
	if (r == 0)
		return 0;
	sceau_message("query: expected from=N (N >= 1) and limit=M "
	              "(1 <= M <= %d)",
	    CERTS_LIMIT_MAX);
	return SCEAU_ERR_BAD_REQUEST;
}

struct certs_list {
	json_t *array;
	int with_identity;
	const char *self; /* the caller's user id */
	size_t bytes;
	uint64_t last;
};

/*
 * Externals see no one's name and email, but their own: the identities of
 * their own user and devices (the certificate names its user).
 */
static int
identity_visible(const struct certs_list *l, const struct srv_cert_row *row)
{
	struct sceau_cert *c;
	int mine;

	if (l->with_identity)
		return 1;
	if (row->identity == NULL || (c = sceau_malloc(sizeof(*c))) == NULL)
		return 0;
	/* Stored certificates were validated: decoding them is safe. */
	mine = sceau_cert_decode_trusted(row->envelope, row->envelope_len, c) ==
	        0 &&
	    strcmp(c->user_id, l->self) == 0;
	sceau_free(c);
	return mine;
}

static int
certs_list_one(void *arg, const struct srv_cert_row *row)
{
	struct certs_list *l = arg;
	json_t *j;

	/* Stop (1: not an error) once the reply is big enough. */
	if (l->bytes > 0 && l->bytes + row->envelope_len > CERTS_REPLY_BYTES)
		return 1;
	if ((j = json_object()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_json_set_int(j, "index", (int64_t)row->index) != 0 ||
	    sceau_json_set_b64(j, "certificate", row->envelope,
	        row->envelope_len, SCEAU_B64_STD) != 0 ||
	    sceau_json_set_int(j, "server_time", (int64_t)row->server_time) !=
	        0 ||
	    (row->identity != NULL && identity_visible(l, row)
	            ? sceau_json_set_b64(j, "identity", row->identity,
	                  row->identity_len, SCEAU_B64_STD)
	            : json_object_set_new(j, "identity", json_null())) != 0 ||
	    json_array_append_new(l->array, j) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	l->bytes += row->envelope_len;
	l->last = row->index;
	return 0;
}

int
srv_route_certs_get(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct certs_list l = {NULL, 0, NULL, 0, 0};
	uint64_t from, limit;
	json_t *j;
	int r;

	(void)req;
	if ((r = certs_query(args->query, &from, &limit)) != 0)
		return r;
	/* Externals must not see names and emails (DESIGN.md, profiles). */
	l.with_identity = args->caller->profile != SCEAU_PROFILE_EXTERNAL;
	l.self = args->caller->user_id;
	if ((j = json_object()) == NULL || (l.array = json_array()) == NULL ||
	    json_object_set_new(j, "certificates", l.array) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	r = ctx->be->ops->cert_list(
	    ctx->be, args->org_id, from, limit, certs_list_one, &l);
	if (r < 0 ||
	    sceau_json_set_int(j, "last_index",
	        (int64_t)SCEAU_MAX(l.last, args->caller->org.last_index)) !=
	        0) {
		json_decref(j);
		return r < 0 ? r : SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}

/* --------------------------------------------------------- appending */

struct certs_post {
	struct sceau_buf *env;
	struct sceau_buf *ident; /* NULL: none */
};

static int
certs_post_parse(const struct srv_ctx *ctx, const struct srv_request *req,
    struct certs_post *p)
{
	json_t *body = NULL, *id;
	int r;

	if ((r = srv_body_json(ctx, req, &body)) != 0)
		return r;
	if ((p->env = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = srv_b64_value(json_object_get(body, "certificate"),
	         SCEAU_CERT_MAX, "certificate", p->env)) != 0)
		goto out;
	id = json_object_get(body, "identity");
	if (id != NULL && !json_is_null(id)) {
		if ((p->ident = sceau_buf_new()) == NULL) {
			r = SCEAU_ERR_ALLOC;
			goto out;
		}
		r = srv_b64_value(
		    id, SCEAU_CERT_IDENTITY_MAX, "identity", p->ident);
	}
out:
	json_decref(body);
	return r;
}

/*
 * Verifies and decodes the certificate with its author's key, before the
 * chain sees it: an index already taken is a CONFLICT (the client fetches
 * and retries), and the identity blob is checked before the chain
 * changes.  What cannot be decoded here is left to the chain's rules.
 */
static int
certs_precheck(const struct sceau_chain *chain, const struct certs_post *p)
{
	const struct sceau_chain_device *dev;
	char author[SCEAU_ID_LEN + 1];
	struct sceau_cert c;

	if (sceau_cert_author_hint(
	        sceau_buf_ptr(p->env), sceau_buf_len(p->env), author) != 0 ||
	    (dev = sceau_chain_device(chain, author)) == NULL ||
	    sceau_cert_verify_decode(sceau_buf_ptr(p->env),
	        sceau_buf_len(p->env), dev->verify_key, &c) != 0)
		return 0;
	if (c.index <= sceau_chain_last_index(chain)) {
		sceau_message("index %llu is taken: the chain is at %llu",
		    (unsigned long long)c.index,
		    (unsigned long long)sceau_chain_last_index(chain));
		return SCEAU_ERR_CONFLICT;
	}
	return srv_identity_check(&c, p->ident);
}

struct email_find {
	char email[SCEAU_EMAIL_MAX + 1];
	const uint8_t *hash;
};

static int
email_find_cb(void *arg, const struct srv_cert_row *row)
{
	struct email_find *f = arg;
	struct sceau_identity id;

	if (row->identity != NULL &&
	    sceau_identity_decode(
	        row->identity, row->identity_len, f->hash, &id) == 0)
		(void)snprintf(f->email, sizeof(f->email), "%s", id.email);
	return 0;
}

/*
 * The policy's mail domains for sharing (doc/policy.md): the chain cannot
 * check them, since addresses are not in certificates; the server holds
 * the users' identity blobs and checks here, beside every client.  c was
 * appended to chain (the policy that governs it is the one before it, the
 * same since c is no policy).
 */
static int
certs_share_domain(struct srv_ctx *ctx, const char *org_id,
    const struct sceau_chain *chain, const struct sceau_cert *c)
{
	const struct sceau_chain_user *target, *author;
	const struct sceau_chain_device *dev;
	const struct sceau_policy *p = sceau_chain_policy(chain, NULL);
	char rule[SCEAU_POLICY_RULE_MAX];
	struct email_find f;
	int r;

	if (c->kind != SCEAU_CERT_REALM_ROLE || c->role == SCEAU_ROLE_NONE ||
	    p == NULL || p->org.nshare_domains == 0 ||
	    (target = sceau_chain_user(chain, c->user_id)) == NULL ||
	    (dev = sceau_chain_device(chain, c->author)) == NULL ||
	    (author = sceau_chain_user(chain, dev->user_id)) == NULL)
		return 0;
	memset(&f, 0, sizeof(f));
	f.hash = target->identity_hash;
	if ((r = ctx->be->ops->cert_list(ctx->be, org_id, target->created_index,
	         1, email_find_cb, &f)) != 0)
		return r;
	if (sceau_policy_check_share(p,
	        sceau_policy_profile_of(author->profile),
	        sceau_policy_profile_of(target->profile),
	        sceau_policy_role_of((enum sceau_role)c->role), f.email,
	        rule) != 0) {
		sceau_message("certificate %llu (%s): policy: %s",
		    (unsigned long long)c->index, sceau_cert_kind_name(c->kind),
		    rule);
		return SCEAU_ERR_POLICY_REFUSED;
	}
	return 0;
}

static int
certs_reply(struct srv_response *resp, uint64_t index, uint64_t server_time)
{
	json_t *j;

	if ((j = json_object()) == NULL ||
	    sceau_json_set_int(j, "index", (int64_t)index) != 0 ||
	    sceau_json_set_int(j, "server_time", (int64_t)server_time) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 201, j);
}

/* Validates and stores p under the locked chain; *row gets what was. */
static int
certs_append(struct srv_ctx *ctx, struct srv_chain_lock *lk, const char *org_id,
    const struct certs_post *p, struct srv_cert_row *row)
{
	struct sceau_cert c;
	uint64_t now = ctx->now_us();
	int r;

	if ((r = certs_precheck(lk->chain, p)) != 0)
		return r;
	/* Server timestamps never go backwards, even if the clock does. */
	row->server_time = SCEAU_MAX(now, srv_chains_last_time(lk));
	if ((r = sceau_chain_append(lk->chain, sceau_buf_ptr(p->env),
	         sceau_buf_len(p->env), row->server_time, &c)) != 0)
		return r;
	/* From here the chain is ahead of the database until stored. */
	row->index = c.index;
	row->envelope = sceau_buf_ptr(p->env);
	row->envelope_len = sceau_buf_len(p->env);
	if (p->ident != NULL) {
		row->identity = sceau_buf_len(p->ident) > 0
		    ? sceau_buf_ptr(p->ident)
		    : (const uint8_t *)"";
		row->identity_len = sceau_buf_len(p->ident);
	}
	if ((r = srv_identity_check(&c, p->ident)) != 0 ||
	    (r = certs_share_domain(ctx, org_id, lk->chain, &c)) != 0 ||
	    (r = ctx->be->ops->cert_append(ctx->be, org_id, row)) != 0) {
		srv_chains_invalidate(lk);
		return r;
	}
	srv_chains_set_last_time(lk, row->server_time);
	return 0;
}

int
srv_route_certs_post(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct certs_post p = {NULL, NULL};
	struct srv_chain_lock lk;
	struct srv_cert_row row;
	int r;

	memset(&row, 0, sizeof(row));
	if ((r = certs_post_parse(ctx, req, &p)) != 0)
		goto out;
	if ((r = srv_chains_lock(ctx->chains, &args->caller->org, &lk)) != 0)
		goto out;
	if (lk.chain == NULL) {
		r = SCEAU_ERR_NOT_BOOTSTRAPPED;
	} else {
		r = certs_append(ctx, &lk, args->org_id, &p, &row);
	}
	srv_chains_unlock(&lk);
	if (r != 0)
		goto out;
	info_f("organization %s: certificate %llu stored", args->org_id,
	    (unsigned long long)row.index);
	r = certs_reply(resp, row.index, row.server_time);
out:
	sceau_buf_free(p.env);
	sceau_buf_free(p.ident);
	return r;
}
