/*
 * history-vlob.c: the walk over a history export (history.h): vlob
 * versions, CRLs, the end line, and the cards of token-bound devices
 * against the export's CRLs.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cert.h"
#include "chain.h"
#include "errors.h"
#include "history-internal.h"
#include "log.h"
#include "manifest.h"
#include "x509.h"

/* An author's clock may run this far ahead of the server's. */
#define HW_SKEW_US (300ULL * 1000000)

struct hw_vlob {
	char key[2 * SCEAU_ID_LEN + 1]; /* realm id then vlob id */
	uint64_t version, server_time;
};

struct hw_realm {
	char id[SCEAU_ID_LEN + 1];
	uint64_t checkpoint;
};

struct hw_device {
	char id[SCEAU_ID_LEN + 1];
	uint64_t last_time, line; /* its latest act */
};

int
hw_device_acted(struct hw *h, const char *device_id, uint64_t ts, uint64_t line)
{
	struct hw_device *d;

	if (device_id[0] == '\0')
		return 0;
	if ((d = sceau_strmap_get(h->devices, device_id)) == NULL) {
		if ((d = sceau_calloc(1, sizeof(*d))) == NULL)
			return SCEAU_ERR_ALLOC;
		(void)snprintf(d->id, sizeof(d->id), "%s", device_id);
		if (sceau_strmap_put(h->devices, d->id, d) != 0) {
			sceau_free(d);
			return SCEAU_ERR_ALLOC;
		}
		if (hw_keep(h, d) != 0)
			return SCEAU_ERR_ALLOC;
	}
	if (ts >= d->last_time) {
		d->last_time = ts;
		d->line = line;
	}
	return 0;
}

/* --------------------------------------------------------- versions */

/* Where the version stands among its vlob's and its workspace's. */
static int
hw_order(struct hw *h, const struct sceau_hist_item *it,
    const struct sceau_vlob_header *v)
{
	char key[2 * SCEAU_ID_LEN + 1], why[256];
	struct hw_vlob *e;
	struct hw_realm *rm;

	if ((rm = sceau_strmap_get(h->realms, v->realm_id)) == NULL) {
		if ((rm = sceau_calloc(1, sizeof(*rm))) == NULL)
			return SCEAU_ERR_ALLOC;
		(void)snprintf(rm->id, sizeof(rm->id), "%s", v->realm_id);
		if (sceau_strmap_put(h->realms, rm->id, rm) != 0) {
			sceau_free(rm);
			return SCEAU_ERR_ALLOC;
		}
		if (hw_keep(h, rm) != 0)
			return SCEAU_ERR_ALLOC;
		h->s->workspaces++;
	}
	if (it->checkpoint <= rm->checkpoint) {
		(void)snprintf(why, sizeof(why),
		    "stored at checkpoint %llu, after checkpoint %llu",
		    (unsigned long long)it->checkpoint,
		    (unsigned long long)rm->checkpoint);
		hw_finding(h, "reordered", it->line, 0, v->author, v->realm_id,
		    v->vlob_id, v->version, why);
	}
	rm->checkpoint = it->checkpoint;
	(void)snprintf(key, sizeof(key), "%s%s", v->realm_id, v->vlob_id);
	if ((e = sceau_strmap_get(h->vlobs, key)) == NULL) {
		if ((e = sceau_calloc(1, sizeof(*e))) == NULL)
			return SCEAU_ERR_ALLOC;
		memcpy(e->key, key, sizeof(key));
		if (sceau_strmap_put(h->vlobs, e->key, e) != 0) {
			sceau_free(e);
			return SCEAU_ERR_ALLOC;
		}
		if (hw_keep(h, e) != 0)
			return SCEAU_ERR_ALLOC;
	}
	if (v->version != e->version + 1) {
		(void)snprintf(why, sizeof(why),
		    v->version > e->version + 1
		        ? "version %llu follows version %llu: versions are "
		          "missing"
		        : "version %llu comes after version %llu",
		    (unsigned long long)v->version,
		    (unsigned long long)e->version);
		hw_finding(h,
		    v->version > e->version + 1 ? "removed" : "reordered",
		    it->line, 0, v->author, v->realm_id, v->vlob_id, v->version,
		    why);
	}
	if (it->server_time < e->server_time)
		hw_finding(h, "time", it->line, 0, v->author, v->realm_id,
		    v->vlob_id, v->version,
		    "stored before the version it follows");
	if (v->version > e->version) {
		e->version = v->version;
		e->server_time = it->server_time;
	}
	return 0;
}

/*
 * Was a revocation (its certificate's index, 0 for none, and its author's
 * time) in force for a version stored at server_time, dated ts?
 */
static int
hw_revoked(const struct hw *h, uint64_t index, uint64_t time,
    uint64_t server_time, uint64_t ts)
{
	uint64_t st = hw_cert_time(h, index);

	return index != 0 && ((st != 0 && server_time >= st) || ts >= time);
}

/* Whether the author could write it then: 1 if a finding was made. */
static int
hw_rights(struct hw *h, const struct sceau_hist_item *it,
    const struct sceau_vlob_header *v, const struct sceau_chain_device *d)
{
	const struct sceau_chain_user *u =
	    sceau_chain_user(h->chain, d->user_id);
	const struct sceau_chain_realm *rm;
	enum sceau_role role;
	char why[256];

	if (hw_revoked(h, d->revoked_index, d->revoked_time, it->server_time,
	        v->timestamp)) {
		(void)snprintf(why, sizeof(why),
		    "signed by device %s after its revocation (certificate "
		    "%llu)",
		    d->device_id, (unsigned long long)d->revoked_index);
		goto refused;
	}
	if (u != NULL &&
	    hw_revoked(h, u->revoked_index, u->revoked_time, it->server_time,
	        v->timestamp)) {
		(void)snprintf(why, sizeof(why),
		    "signed by user %s after the user's revocation "
		    "(certificate "
		    "%llu)",
		    d->user_id, (unsigned long long)u->revoked_index);
		goto refused;
	}
	role = sceau_chain_realm_role_at(
	    h->chain, v->realm_id, d->user_id, v->timestamp);
	rm = sceau_chain_realm(h->chain, v->realm_id);
	if (h->broken &&
	    (!sceau_role_can_write(role) || rm == NULL ||
	        v->key_index > rm->key_count)) {
		/* Its grant or key may be among the certificates unchecked. */
		h->s->unverified_versions++;
		return 1;
	}
	if (!sceau_role_can_write(role)) {
		(void)snprintf(why, sizeof(why),
		    "written by user %s, who was %s of the workspace then",
		    d->user_id,
		    role == SCEAU_ROLE_NONE ? "not a member"
		                            : sceau_role_name(role));
		hw_finding(h, "not-allowed", it->line, 0, v->author,
		    v->realm_id, v->vlob_id, v->version, why);
		return 1;
	}
	if (rm == NULL || v->key_index == 0 || v->key_index > rm->key_count) {
		(void)snprintf(why, sizeof(why),
		    "encrypted with key %u, which the workspace never had",
		    (unsigned)v->key_index);
		hw_finding(h, "key", it->line, 0, v->author, v->realm_id,
		    v->vlob_id, v->version, why);
		return 1;
	}
	return 0;
refused:
	hw_finding(h, "revoked-author", it->line, 0, v->author, v->realm_id,
	    v->vlob_id, v->version, why);
	return 1;
}

static void
hw_vlob_act(struct hw *h, const struct sceau_hist_item *it,
    const struct sceau_vlob_header *v, const char *user, int violation)
{
	struct audit_act a;

	if (h->w->act == NULL)
		return;
	memset(&a, 0, sizeof(a));
	a.line = it->line;
	a.kind = "vlob";
	a.time = v->timestamp;
	a.server_time = it->server_time;
	a.device = v->author;
	a.user = user;
	a.who = hw_name_of(h, user);
	a.email = hw_email_of(h, user);
	a.subject = v->vlob_id;
	a.subject_who = "";
	a.subject_email = "";
	a.realm = v->realm_id;
	a.version = v->version;
	a.detail = "";
	a.violation = violation;
	h->w->act(h->w->arg, &a);
}

/* What the batch found before the checks: 1 if it ends there. */
static int
hw_vlob_state(struct hw *h, const struct hw_vb *vb)
{
	const struct sceau_vlob_header *c = &vb->claimed;
	char why[256];

	switch (vb->state) {
	case HW_VB_OK:
		break;
	case HW_VB_MALFORMED:
		hw_finding(h, "malformed", vb->line, 0, NULL, NULL, NULL, 0,
		    "a vlob that does not parse");
		return 1;
	case HW_VB_UNKNOWN:
		if (h->broken) {
			/* The chain stopped before its author: not checked. */
			h->s->unverified_versions++;
			return 1;
		}
		(void)snprintf(why, sizeof(why),
		    "its author, device %s, is not in the chain", c->author);
		hw_finding(h, "unknown-author", vb->line, 0, c->author,
		    c->realm_id, c->vlob_id, c->version, why);
		return 1;
	case HW_VB_ALTERED:
		hw_finding(h, "altered", vb->line, 0, c->author, c->realm_id,
		    c->vlob_id, c->version,
		    "its signature does not verify with its author's key: "
		    "it was changed after it was signed (where it claims to "
		    "be is not verified either)");
		return 1;
	}
	if (strcmp(vb->h.org_id, h->s->org_id) != 0) {
		hw_finding(h, "organization", vb->line, 0, vb->h.author,
		    vb->h.realm_id, vb->h.vlob_id, vb->h.version,
		    "a vlob of another organization");
		return 1;
	}
	return 0;
}

int
hw_vlob_checked(struct hw *h, const struct hw_vb *vb)
{
	const struct sceau_vlob_header *v = &vb->h;
	struct sceau_hist_item it;
	int r, bad;

	memset(&it, 0, sizeof(it));
	it.type = SCEAU_HIST_VLOB;
	it.line = vb->line;
	it.server_time = vb->server_time;
	it.checkpoint = vb->checkpoint;
	h->s->versions++;
	if (h->s->first_time == 0 || it.server_time < h->s->first_time)
		h->s->first_time = it.server_time;
	if (it.server_time > h->s->last_time)
		h->s->last_time = it.server_time;
	if (hw_vlob_state(h, vb) != 0)
		return 0;
	bad = hw_rights(h, &it, v, vb->d);
	if (it.server_time != 0 && v->timestamp > it.server_time + HW_SKEW_US) {
		hw_finding(h, "time", it.line, 0, v->author, v->realm_id,
		    v->vlob_id, v->version,
		    "its author's timestamp is after the server stored it");
		bad = 1;
	}
	if ((r = hw_order(h, &it, v)) != 0 ||
	    (r = hw_device_acted(h, v->author, v->timestamp, it.line)) != 0)
		return r;
	hw_vlob_act(h, &it, v, vb->d->user_id, bad);
	return 0;
}

/* ---------------------------------------------------------- the end */

int
hw_der(struct hw *h, const struct sceau_hist_item *it)
{
	struct sceau_buf *b;
	void *p;

	if (it->type == SCEAU_HIST_OCSP)
		return 0; /* kept by exporters; not used yet */
	if (h->crl_probe == NULL && sceau_x509_trust_new(&h->crl_probe) != 0)
		return SCEAU_ERR_ALLOC;
	if (sceau_x509_trust_add_crl_der(
	        h->crl_probe, it->data, it->data_len) != 0) {
		hw_finding(h, "malformed", it->line, 0, NULL, NULL, NULL, 0,
		    "a CRL that does not parse");
		return 0;
	}
	if (h->nders == h->capders) {
		size_t cap = h->capders == 0 ? 8 : h->capders * 2;

		if ((p = sceau_reallocarray(h->ders, cap, sizeof(*h->ders))) ==
		    NULL)
			return SCEAU_ERR_ALLOC;
		h->ders = p;
		h->capders = cap;
	}
	if ((b = sceau_buf_new()) == NULL ||
	    sceau_buf_put(b, it->data, it->data_len) != 0) {
		sceau_buf_free(b);
		return SCEAU_ERR_ALLOC;
	}
	h->ders[h->nders++] = b;
	h->s->crls++;
	return 0;
}

int
hw_end_line(struct hw *h, const struct sceau_hist_item *it)
{
	char why[160];

	h->ended = 1;
	if (it->n_certs == h->s->certificates + h->s->unverified &&
	    it->n_vlobs == h->s->versions) {
		h->s->complete = 1;
		return 0;
	}
	(void)snprintf(why, sizeof(why),
	    "the end line counts %llu certificates and %llu versions; the "
	    "export holds %llu and %llu",
	    (unsigned long long)it->n_certs, (unsigned long long)it->n_vlobs,
	    (unsigned long long)(h->s->certificates + h->s->unverified),
	    (unsigned long long)h->s->versions);
	hw_finding(h, "removed", it->line, 0, NULL, NULL, NULL, 0, why);
	return 0;
}

/* A token-bound device's card against the export's CRLs. */
static int
hw_card(struct hw *h, const struct sceau_chain_device *d)
{
	struct sceau_x509_trust *t = NULL;
	struct sceau_x509_result res;
	const struct hw_device *act =
	    sceau_strmap_get(h->devices, d->device_id);
	const uint8_t *anchors, *leaf;
	size_t alen, llen, i;
	char why[1200], when[32];
	int r;

	if (!sceau_chain_x509_anchors(h->chain, &anchors, &alen) ||
	    !sceau_cert_x509_leaf(d->x509_list, d->x509_list_len, &leaf, &llen))
		return 0;
	if ((r = sceau_x509_list_trust(
	         anchors, alen, d->x509_list, d->x509_list_len, &t)) != 0)
		return r == SCEAU_ERR_ALLOC ? r : 0;
	for (i = 0; i < h->nders && r == 0; i++) /* each parsed before */
		r = sceau_x509_trust_add_crl_der(
		    t, sceau_buf_ptr(h->ders[i]), sceau_buf_len(h->ders[i]));
	if (r != 0) {
		sceau_x509_trust_free(t);
		return r;
	}
	sceau_x509_trust_set_crl_check(t, SCEAU_X509_CRL_CHECK_LEAF);
	sceau_x509_trust_set_crl_grace(t, INT64_C(1) << 40);
	sceau_x509_trust_set_time(t, (int64_t)(d->created_time / 1000000));
	r = sceau_x509_verify(t, leaf, llen, NULL, NULL, 0, &res);
	sceau_x509_trust_free(t);
	if (r == SCEAU_ERR_CERT_REVOKED) {
		/* Revoked before, or for a compromise (taints all it did). */
		sceau_x509_time_text(res.revocation_time, when);
		(void)snprintf(why, sizeof(why),
		    "device %s is bound to card %s (serial %s), revoked at %s "
		    "(%s): %s",
		    d->device_id, res.subject, res.serial, when,
		    sceau_x509_reason_name(res.revocation_reason),
		    /* X.509 times are in seconds: the same second is after. */
		    (uint64_t)res.revocation_time < d->created_time / 1000000
		        ? "before the device was made"
		        : "its key is held compromised: what it signed cannot "
		          "be trusted");
		hw_finding(h, "card-revoked", hw_cert_line(h, d->created_index),
		    d->created_index, d->device_id, NULL, NULL, 0, why);
	} else if (r == 0 && res.crl_status == SCEAU_X509_REV_REVOKED_LATER &&
	    act != NULL &&
	    act->last_time / 1000000 >= (uint64_t)res.revocation_time) {
		sceau_x509_time_text(res.revocation_time, when);
		(void)snprintf(why, sizeof(why),
		    "device %s signed after its card (%s) was revoked at %s: "
		    "its last act is on line %llu",
		    d->device_id, res.chain[0].subject, when,
		    (unsigned long long)act->line);
		hw_finding(h, "card-revoked", act->line, 0, d->device_id, NULL,
		    NULL, 0, why);
	}
	if (r == SCEAU_ERR_ALLOC)
		return r;
	h->s->cards++;
	if (r == SCEAU_ERR_CERT_REVOKED ||
	    (r == 0 && res.crl_status != SCEAU_X509_REV_NOT_CHECKED))
		h->s->cards_checked++;
	return 0;
}

int
hw_finish(struct hw *h)
{
	const struct sceau_chain_device *d;
	size_t i, n;
	int r;

	if (h->has_held)
		hw_missing(h);
	if (!h->ended)
		hw_finding(h, "truncated", h->last_line, 0, NULL, NULL, NULL, 0,
		    "the export has no end line: it was cut short");
	if (h->chain == NULL)
		return 0;
	n = sceau_chain_device_count(h->chain);
	for (i = 0; i < n; i++) {
		d = sceau_chain_device_at(h->chain, i);
		if (d->token_bound && (r = hw_card(h, d)) != 0)
			return r;
	}
	return 0;
}
