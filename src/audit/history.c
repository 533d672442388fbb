/*
 * history.c: the walk over a history export (history.h): lines and
 * certificates.  Vlob versions and the end checks: history-vlob.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cert.h"
#include "chain.h"
#include "encoding.h"
#include "errors.h"
#include "histfile.h"
#include "history-internal.h"
#include "log.h"
#include "x509.h"

/* ------------------------------------------------------------ findings */

void
hw_finding(struct hw *h, const char *rule, uint64_t line, uint64_t index,
    const char *author, const char *realm, const char *vlob, uint64_t version,
    const char *detail)
{
	struct audit_finding f = {rule, line, index,
	    author != NULL ? author : "", realm != NULL ? realm : "",
	    vlob != NULL ? vlob : "", version, detail};

	h->s->violations++;
	if (h->w->finding != NULL)
		h->w->finding(h->w->arg, &f);
}

/* The rule a chain error breaks (doc/audit.md, "Violations"). */
static const char *
hw_rule_of(int code)
{
	switch (code) {
	case SCEAU_ERR_CERT_FORMAT:
		return "malformed";
	case SCEAU_ERR_CERT_SIGNATURE:
		return "altered";
	case SCEAU_ERR_CHAIN_INDEX:
		return "removed";
	case SCEAU_ERR_CHAIN_HASH:
		return "link";
	case SCEAU_ERR_CHAIN_TIME:
		return "time";
	case SCEAU_ERR_CHAIN_AUTHOR:
		return "unknown-author";
	case SCEAU_ERR_CHAIN_AUTHOR_REVOKED:
		return "revoked-author";
	case SCEAU_ERR_CHAIN_NOT_ALLOWED:
		return "not-allowed";
	case SCEAU_ERR_POLICY_REFUSED:
		return "policy";
	case SCEAU_ERR_CHAIN_ORG:
		return "organization";
	case SCEAU_ERR_CHAIN_ROOT:
		return "root-key";
	case SCEAU_ERR_CHAIN_IDENTITY:
		return "identity";
	default:
		return code <= -600 && code > -700 ? "x509" : "invalid";
	}
}

/* ------------------------------------------------------------- names */

/* Identity blobs: "Name <email>" of users, labels of devices. */
struct hw_name {
	char id[SCEAU_ID_LEN + 1];
	char email[SCEAU_EMAIL_MAX + 1]; /* "" for a device */
	char text[SCEAU_NAME_MAX + SCEAU_EMAIL_MAX + 4];
};

const char *
hw_name_of(const struct hw *h, const char *id)
{
	const struct hw_name *n = sceau_strmap_get(h->names, id);

	return n != NULL ? n->text : "";
}

const char *
hw_email_of(const struct hw *h, const char *id)
{
	const struct hw_name *n = sceau_strmap_get(h->names, id);

	return n != NULL ? n->email : "";
}

static int
hw_identity(
    struct hw *h, const struct sceau_hist_item *it, const struct sceau_cert *c)
{
	struct sceau_identity id;
	struct hw_name *n;
	const char *who =
	    c->kind == SCEAU_CERT_USER ? c->user_id : c->device_id;

	if (it->identity == NULL ||
	    (c->kind != SCEAU_CERT_USER && c->kind != SCEAU_CERT_DEVICE))
		return 0;
	if (sceau_identity_decode(
	        it->identity, it->identity_len, c->identity_hash, &id) != 0) {
		hw_finding(h, "identity", it->line, c->index, c->author, NULL,
		    NULL, 0,
		    "its identity blob (name, email) is not the one the "
		    "certificate signed");
		return 0;
	}
	if ((n = sceau_calloc(1, sizeof(*n))) == NULL)
		return SCEAU_ERR_ALLOC;
	(void)snprintf(n->id, sizeof(n->id), "%s", who);
	if (c->kind == SCEAU_CERT_USER) {
		(void)snprintf(n->email, sizeof(n->email), "%s", id.email);
		(void)snprintf(
		    n->text, sizeof(n->text), "%s <%s>", id.name, id.email);
	} else
		(void)snprintf(n->text, sizeof(n->text), "%s", id.name);
	if (sceau_strmap_get(h->names, n->id) != NULL ||
	    sceau_strmap_put(h->names, n->id, n) != 0) {
		sceau_free(n);
		return 0; /* a duplicate id: the chain refused it already */
	}
	return hw_keep(h, n);
}

/* Everything the maps point to, freed at the end. */
int
hw_keep(struct hw *h, void *p)
{
	void **np;

	if (h->nkept == h->capkept) {
		size_t cap = h->capkept == 0 ? 256 : h->capkept * 2;

		if ((np = sceau_reallocarray(h->kept, cap, sizeof(*np))) ==
		    NULL) {
			sceau_free(p);
			return SCEAU_ERR_ALLOC;
		}
		h->kept = np;
		h->capkept = cap;
	}
	h->kept[h->nkept++] = p;
	return 0;
}

/* ------------------------------------------------------ certificates */

static void
hw_cert_detail(const struct sceau_cert *c, char *out, size_t n)
{
	switch (c->kind) {
	case SCEAU_CERT_USER:
	case SCEAU_CERT_USER_UPDATE:
		(void)snprintf(
		    out, n, "profile %s", sceau_profile_name(c->profile));
		break;
	case SCEAU_CERT_REALM_ROLE:
		(void)snprintf(out, n, "role %s",
		    sceau_role_name((enum sceau_role)c->role));
		break;
	case SCEAU_CERT_REALM_KEY:
	case SCEAU_CERT_REALM_NAME:
		(void)snprintf(out, n, "key %u", (unsigned)c->key_index);
		break;
	case SCEAU_CERT_ORG_POLICY:
		(void)snprintf(
		    out, n, "version %u", (unsigned)c->policy_version);
		break;
	default:
		out[0] = '\0';
	}
}

static int
hw_cert_act(struct hw *h, const struct sceau_hist_item *it,
    const struct sceau_cert *c, int violation)
{
	const struct sceau_chain_device *d =
	    sceau_chain_device(h->chain, c->author);
	const char *subject =
	    c->kind == SCEAU_CERT_DEVICE || c->kind == SCEAU_CERT_DEVICE_REVOKE
	    ? c->device_id
	    : c->user_id;
	char detail[64];
	struct audit_act a;

	if (hw_device_acted(h, c->author, c->timestamp, it->line) != 0)
		return SCEAU_ERR_ALLOC;
	if (h->w->act == NULL)
		return 0;
	hw_cert_detail(c, detail, sizeof(detail));
	memset(&a, 0, sizeof(a));
	a.line = it->line;
	a.kind = sceau_cert_kind_name(c->kind);
	a.index = c->index;
	a.time = c->timestamp;
	a.server_time = it->server_time;
	a.device = c->author;
	a.user = d != NULL ? d->user_id : "";
	a.who = hw_name_of(h, a.user);
	a.email = hw_email_of(h, a.user);
	a.subject = subject;
	a.subject_who = hw_name_of(h, subject);
	a.subject_email = hw_email_of(h, subject);
	a.realm = c->realm_id;
	a.detail = detail;
	a.violation = violation;
	h->w->act(h->w->arg, &a);
	return 0;
}

/* Server time of certificate index (0: unknown). */
uint64_t
hw_cert_time(const struct hw *h, uint64_t index)
{
	return index > 0 && index <= h->nstime ? h->stime[index - 1].server_time
	                                       : 0;
}

/* Its line in the export (0: unknown). */
uint64_t
hw_cert_line(const struct hw *h, uint64_t index)
{
	return index > 0 && index <= h->nstime ? h->stime[index - 1].line : 0;
}

static int
hw_note_time(struct hw *h, uint64_t index, uint64_t server_time, uint64_t line)
{
	struct hw_cert_at *p;

	if (index != h->nstime + 1)
		return 0;
	if (h->nstime == h->capstime) {
		size_t cap = h->capstime == 0 ? 1024 : h->capstime * 2;

		if ((p = sceau_reallocarray(h->stime, cap, sizeof(*p))) == NULL)
			return SCEAU_ERR_ALLOC;
		h->stime = p;
		h->capstime = cap;
	}
	h->stime[h->nstime].server_time = server_time;
	h->stime[h->nstime++].line = line;
	return 0;
}

static int
hw_new_chain(struct hw *h, const struct sceau_hist_item *it)
{
	struct sceau_cert *c;
	int r;

	if (h->w->root_key != NULL) {
		memcpy(h->s->root_key, h->w->root_key, SCEAU_SIGN_PUBLIC_LEN);
		h->s->root_pinned = 1;
	} else {
		/*
		 * Unpinned: the root key is read from the first certificate,
		 * which must then verify with it (the summary shows it, for
		 * the auditor to compare with what the organization says).
		 */
		if ((c = sceau_malloc(sizeof(*c))) == NULL)
			return SCEAU_ERR_ALLOC;
		r = sceau_cert_decode_trusted(it->data, it->data_len, c);
		if (r == 0 && c->kind == SCEAU_CERT_ORG)
			memcpy(h->s->root_key, c->root_verify_key,
			    SCEAU_SIGN_PUBLIC_LEN);
		sceau_free(c);
	}
	return sceau_chain_new(h->s->org_id, h->s->root_key, &h->chain);
}

/*
 * A certificate that cannot take its place now (an index ahead, or an
 * author not in the chain yet) is held: if the next one takes the place,
 * the two were swapped and the held one is tried again after it.
 */
static int
hw_hold(struct hw *h, const struct sceau_hist_item *it, int rr)
{
	sceau_buf_reset(h->held);
	if (sceau_buf_put(h->held, it->data, it->data_len) != 0)
		return SCEAU_ERR_ALLOC;
	h->held_line = it->line;
	h->held_time = it->server_time;
	h->held_rc = rr;
	(void)snprintf(
	    h->held_msg, sizeof(h->held_msg), "%s", sceau_last_message());
	h->has_held = 1;
	return 0;
}

static void
hw_break(struct hw *h, uint64_t line, int r, const struct sceau_cert *c,
    const char *msg)
{
	char why[1024];

	(void)snprintf(why, sizeof(why),
	    "%s; the certificates after it cannot be checked", msg);
	hw_finding(h, hw_rule_of(r), line,
	    c != NULL && c->index != 0 ? c->index
	                               : sceau_chain_last_index(h->chain) + 1,
	    c != NULL ? c->author : NULL, c != NULL ? c->realm_id : NULL, NULL,
	    0, why);
	h->broken = 1;
}

/* The certificate held never found its place: why it was held. */
void
hw_missing(struct hw *h)
{
	char why[256];

	h->has_held = 0;
	h->s->unverified++;
	if (h->held_rc != SCEAU_ERR_CHAIN_INDEX) {
		hw_break(h, h->held_line, h->held_rc, NULL, h->held_msg);
		return;
	}
	(void)snprintf(why, sizeof(why),
	    "certificate %llu is missing (the next one came in its place); "
	    "the certificates after it cannot be checked",
	    (unsigned long long)(sceau_chain_last_index(h->chain) + 1));
	hw_finding(h, "removed", h->held_line,
	    sceau_chain_last_index(h->chain) + 1, NULL, NULL, NULL, 0, why);
	h->broken = 1;
}

/* Appends one certificate; 1 if it took its place (checked). */
static int
hw_append(struct hw *h, const struct sceau_hist_item *it, struct sceau_cert *c,
    int *rp)
{
	int r, v = 0;

	memset(c, 0, sizeof(*c));
	sceau_message_clear();
	r = sceau_chain_append_audit(
	    h->chain, it->data, it->data_len, it->server_time, c, &v);
	*rp = r;
	if (r == SCEAU_ERR_ALLOC)
		return r;
	if (r != 0)
		return 0;
	if (v != 0)
		hw_finding(h, hw_rule_of(v), it->line, c->index, c->author,
		    c->realm_id, NULL, 0, sceau_last_message());
	if ((r = hw_note_time(h, c->index, it->server_time, it->line)) != 0 ||
	    (r = hw_identity(h, it, c)) != 0 ||
	    (r = hw_cert_act(h, it, c, v != 0)) != 0)
		return r;
	h->s->certificates++;
	if (it->server_time > h->s->last_time)
		h->s->last_time = it->server_time;
	if (h->s->first_time == 0 ||
	    (it->server_time != 0 && it->server_time < h->s->first_time))
		h->s->first_time = it->server_time;
	return 1;
}

/* The certificate held, once the next one took the place it wanted. */
static int
hw_unhold(struct hw *h, struct sceau_cert *c, uint64_t line_after)
{
	struct sceau_hist_item held;
	char why[160];
	int r, rr;

	memset(&held, 0, sizeof(held));
	held.type = SCEAU_HIST_CERT;
	held.line = h->held_line;
	held.server_time = h->held_time;
	held.data = sceau_buf_ptr(h->held);
	held.data_len = sceau_buf_len(h->held);
	h->has_held = 0;
	if ((r = hw_append(h, &held, c, &rr)) < 0)
		return r;
	if (r == 0) {
		h->s->unverified++;
		hw_break(h, held.line, rr, c, sceau_last_message());
		return 0;
	}
	(void)snprintf(why, sizeof(why),
	    "certificate %llu (line %llu) comes before certificate %llu "
	    "(line %llu): the two were swapped",
	    (unsigned long long)c->index, (unsigned long long)held.line,
	    (unsigned long long)(c->index - 1), (unsigned long long)line_after);
	hw_finding(
	    h, "reordered", held.line, c->index, c->author, NULL, NULL, 0, why);
	return 0;
}

int
hw_cert(struct hw *h, const struct sceau_hist_item *it)
{
	struct sceau_cert *c;
	uint64_t due;
	int r, rr;

	if (h->broken) {
		h->s->unverified++;
		return 0;
	}
	if (h->chain == NULL && (r = hw_new_chain(h, it)) != 0)
		return r;
	if ((c = sceau_malloc(sizeof(*c))) == NULL)
		return SCEAU_ERR_ALLOC;
	due = sceau_chain_last_index(h->chain) + 1;
	r = hw_append(h, it, c, &rr);
	if (r == 1 && h->has_held)
		r = hw_unhold(h, c, it->line);
	else if (r == 0 && !h->has_held &&
	    ((rr == SCEAU_ERR_CHAIN_INDEX && c->index > due) ||
	        rr == SCEAU_ERR_CHAIN_AUTHOR))
		r = hw_hold(h, it, rr); /* removed, or swapped with the next */
	else if (r == 0 && h->has_held) {
		hw_missing(h);
		h->s->unverified++; /* this one */
	} else if (r == 0 && due == 1 && h->s->root_pinned &&
	    rr == SCEAU_ERR_CERT_SIGNATURE) {
		h->s->unverified++;
		hw_break(h, it->line, SCEAU_ERR_CHAIN_ROOT, c,
		    "certificate 1 does not verify with the pinned root key: "
		    "this is not the organization the key belongs to");
	} else if (r == 0) {
		h->s->unverified++;
		hw_break(h, it->line, rr, c, sceau_last_message());
	}
	sceau_free(c);
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------- the walk */

static int
hw_header(struct hw *h, const struct sceau_hist_item *it)
{
	if (it->type != SCEAU_HIST_HEADER) {
		sceau_message("line 1: not a sceau history export (no header)");
		return SCEAU_ERR_INVALID_FORMAT;
	}
	(void)snprintf(h->s->org_id, sizeof(h->s->org_id), "%s", it->org_id);
	(void)snprintf(h->s->exported_by, sizeof(h->s->exported_by), "%s",
	    it->exported_by);
	h->s->exported_at = it->exported_at;
	return 0;
}

static int
hw_line(struct hw *h, const struct sceau_hist_item *it)
{
	int r;

	if (h->ended) {
		hw_finding(h, "malformed", it->line, 0, NULL, NULL, NULL, 0,
		    "a line after the end line");
		return 0;
	}
	h->last_line = it->line;
	if (it->type != SCEAU_HIST_VLOB && (r = hw_batch_flush(h)) != 0)
		return r;
	if (it->type != SCEAU_HIST_CERT && it->type != SCEAU_HIST_HEADER &&
	    h->has_held)
		hw_missing(h);
	switch (it->type) {
	case SCEAU_HIST_HEADER:
		hw_finding(h, "malformed", it->line, 0, NULL, NULL, NULL, 0,
		    "a second header");
		return 0;
	case SCEAU_HIST_CERT:
		return hw_cert(h, it);
	case SCEAU_HIST_VLOB:
		return hw_vlob(h, it);
	case SCEAU_HIST_CRL:
	case SCEAU_HIST_OCSP:
		return hw_der(h, it);
	case SCEAU_HIST_END:
		return hw_end_line(h, it);
	}
	return 0;
}

static int
hw_init(struct hw *h)
{
	if ((h->names = sceau_strmap_new()) == NULL ||
	    (h->vlobs = sceau_strmap_new()) == NULL ||
	    (h->realms = sceau_strmap_new()) == NULL ||
	    (h->devices = sceau_strmap_new()) == NULL ||
	    (h->held = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	return hw_batch_new(h);
}

static void
hw_free(struct hw *h)
{
	size_t i;

	for (i = 0; i < h->nkept; i++)
		sceau_free(h->kept[i]);
	sceau_free(h->kept);
	for (i = 0; i < h->nders; i++)
		sceau_buf_free(h->ders[i]);
	sceau_free(h->ders);
	sceau_x509_trust_free(h->crl_probe);
	sceau_free(h->stime);
	sceau_strmap_free(h->names);
	sceau_strmap_free(h->vlobs);
	sceau_strmap_free(h->realms);
	sceau_strmap_free(h->devices);
	sceau_buf_free(h->held);
	hw_batch_free(h);
	sceau_chain_free(h->chain);
}

int
audit_walk(FILE *f, const struct audit_walk *w, struct audit_summary *s)
{
	struct sceau_hist_reader *rd = NULL;
	struct sceau_hist_item it;
	struct hw h;
	int r;

	memset(s, 0, sizeof(*s));
	memset(&h, 0, sizeof(h));
	h.w = w;
	h.s = s;
	if ((r = hw_init(&h)) != 0 || (r = sceau_hist_reader_new(f, &rd)) != 0)
		goto out;
	if ((r = sceau_hist_read(rd, &it)) != 1 ||
	    (r = hw_header(&h, &it)) != 0) {
		if (r == 0)
			sceau_message("the file is empty");
		else if (r == SCEAU_ERR_INVALID_FORMAT)
			sceau_message("not a sceau history export (line 1: no "
			              "header)");
		r = r <= 0 && r != 0 ? r : SCEAU_ERR_INVALID_FORMAT;
		goto out;
	}
	while ((r = sceau_hist_read(rd, &it)) != 0) {
		if (r == SCEAU_ERR_INVALID_FORMAT) {
			hw_finding(&h, "malformed", it.line, 0, NULL, NULL,
			    NULL, 0, sceau_last_message());
			continue;
		}
		if (r < 0 || (r = hw_line(&h, &it)) != 0)
			goto out;
	}
	if ((r = hw_batch_flush(&h)) == 0)
		r = hw_finish(&h);
out:
	sceau_hist_reader_free(rd);
	hw_free(&h);
	return r;
}
