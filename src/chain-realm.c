/*
 * chain-realm.c: workspace certificates in the chain: creation and
 * rotation of workspace keys, roles, names (doc/workspaces.md, "Rules").
 *
 * Like the rest of the chain, a certificate is checked whole, then the
 * memory its change needs is allocated (prepare), then it is applied by
 * code that cannot fail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "chain-internal.h"
#include "chain.h"
#include "errors.h"
#include "strmap.h"

/* A role from a time on (its certificate's time). */
struct role_span {
	uint64_t from;
	uint64_t index; /* its certificate */
	enum sceau_role role;
};

struct realm_member {
	char user_id[SCEAU_ID_LEN + 1];
	enum sceau_role role;
	uint64_t since_index; /* certificate that gave the current role */
	struct role_span *hist; /* every role it had, in chain order */
	size_t nhist, caphist;
};

struct chain_realm {
	struct sceau_chain_realm pub;
	struct realm_member **members; /* in order of first role */
	size_t nmembers, capmembers;
	struct sceau_strmap *member_map; /* borrows member user ids */
};

static void member_free(struct realm_member *m);

/* What chain_realm_prepare() allocated for one certificate. */
struct pending {
	struct chain_realm *new_realm; /* realm key index 1 */
	struct realm_member *new_member; /* first role of a user */
};

const char *
sceau_role_name(enum sceau_role r)
{
	switch (r) {
	case SCEAU_ROLE_OWNER:
		return "owner";
	case SCEAU_ROLE_MANAGER:
		return "manager";
	case SCEAU_ROLE_CONTRIBUTOR:
		return "contributor";
	case SCEAU_ROLE_READER:
		return "reader";
	case SCEAU_ROLE_NONE:
		break;
	}
	return "none";
}

enum sceau_role
sceau_role_from_name(const char *s)
{
	static const enum sceau_role roles[] = {SCEAU_ROLE_OWNER,
	    SCEAU_ROLE_MANAGER, SCEAU_ROLE_CONTRIBUTOR, SCEAU_ROLE_READER};
	size_t i;

	for (i = 0; s != NULL && i < SCEAU_NELEM(roles); i++) {
		if (strcmp(s, sceau_role_name(roles[i])) == 0)
			return roles[i];
	}
	return SCEAU_ROLE_NONE;
}

int
sceau_role_can_write(enum sceau_role r)
{
	return r == SCEAU_ROLE_OWNER || r == SCEAU_ROLE_MANAGER ||
	    r == SCEAU_ROLE_CONTRIBUTOR;
}

/* ------------------------------------------------------------- state */

int
chain_realm_init(struct sceau_chain *c)
{
	if ((c->realm_map = sceau_strmap_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	return 0;
}

static void
realm_free(struct chain_realm *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nmembers; i++)
		member_free(r->members[i]);
	sceau_free(r->members);
	sceau_strmap_free(r->member_map);
	sceau_free(r);
}

void
chain_realm_free_all(struct sceau_chain *c)
{
	size_t i;

	for (i = 0; i < c->nrealms; i++)
		realm_free(c->realms[i]);
	sceau_free(c->realms);
	sceau_strmap_free(c->realm_map);
}

static struct chain_realm *
realm_get(const struct sceau_chain *c, const char *realm_id)
{
	return sceau_strmap_get(c->realm_map, realm_id);
}

static struct realm_member *
member_get(const struct chain_realm *r, const char *user_id)
{
	return sceau_strmap_get(r->member_map, user_id);
}

/* A user's role: NONE when it has none or was revoked. */
static enum sceau_role
role_of(const struct sceau_chain *c, const struct chain_realm *r,
    const char *user_id)
{
	const struct realm_member *m = member_get(r, user_id);
	const struct sceau_chain_user *u;

	if (m == NULL || (u = sceau_chain_user(c, user_id)) == NULL ||
	    u->revoked_index != 0)
		return SCEAU_ROLE_NONE;
	return m->role;
}

const struct sceau_chain_realm *
sceau_chain_realm(const struct sceau_chain *c, const char *realm_id)
{
	const struct chain_realm *r = realm_get(c, realm_id);

	return r == NULL ? NULL : &r->pub;
}

size_t
sceau_chain_realm_count(const struct sceau_chain *c)
{
	return c->nrealms;
}

const struct sceau_chain_realm *
sceau_chain_realm_at(const struct sceau_chain *c, size_t i)
{
	return i < c->nrealms ? &c->realms[i]->pub : NULL;
}

enum sceau_role
sceau_chain_realm_role_at(const struct sceau_chain *c, const char *realm_id,
    const char *user_id, uint64_t ts)
{
	const struct chain_realm *r = realm_get(c, realm_id);
	const struct realm_member *m;
	const struct sceau_chain_user *u;
	enum sceau_role role = SCEAU_ROLE_NONE;
	size_t i;

	if (r == NULL || (m = member_get(r, user_id)) == NULL ||
	    (u = sceau_chain_user(c, user_id)) == NULL ||
	    (u->revoked_index != 0 && u->revoked_time <= ts))
		return SCEAU_ROLE_NONE;
	/* Times never go back along the chain: the last span begun by ts. */
	for (i = 0; i < m->nhist && m->hist[i].from <= ts; i++)
		role = m->hist[i].role;
	return role;
}

enum sceau_role
sceau_chain_realm_role(
    const struct sceau_chain *c, const char *realm_id, const char *user_id)
{
	const struct chain_realm *r = realm_get(c, realm_id);

	return r == NULL ? SCEAU_ROLE_NONE : role_of(c, r, user_id);
}

void
sceau_chain_realm_members(const struct sceau_chain *c, const char *realm_id,
    void (*cb)(void *arg, const char *user_id, enum sceau_role role), void *arg)
{
	const struct chain_realm *r = realm_get(c, realm_id);
	size_t i;

	for (i = 0; r != NULL && i < r->nmembers; i++) {
		enum sceau_role role = role_of(c, r, r->members[i]->user_id);

		if (role != SCEAU_ROLE_NONE)
			cb(arg, r->members[i]->user_id, role);
	}
}

/* The role m held just before the certificate of index (NONE: none). */
static enum sceau_role
role_before(const struct realm_member *m, uint64_t index)
{
	enum sceau_role role = SCEAU_ROLE_NONE;
	size_t i;

	for (i = 0; i < m->nhist && m->hist[i].index < index; i++)
		role = m->hist[i].role;
	return role;
}

/* Keeps the earliest of the losses found (index, time). */
static void
note_loss(struct sceau_chain_loss *l, uint64_t index, uint64_t time)
{
	if (l->index == 0 || index < l->index) {
		l->index = index;
		l->time = time;
	}
}

/* m's own losses after the certificate of index after: unshared, revoked. */
static void
member_losses(const struct sceau_chain *c, const struct realm_member *m,
    uint64_t after, struct sceau_chain_loss *l)
{
	const struct sceau_chain_user *u = sceau_chain_user(c, m->user_id);
	size_t i;

	for (i = 0; i < m->nhist; i++) {
		if (m->hist[i].index > after &&
		    m->hist[i].role == SCEAU_ROLE_NONE &&
		    role_before(m, m->hist[i].index) != SCEAU_ROLE_NONE)
			note_loss(l, m->hist[i].index, m->hist[i].from);
	}
	if (u != NULL && u->revoked_index > after &&
	    role_before(m, u->revoked_index) != SCEAU_ROLE_NONE)
		note_loss(l, u->revoked_index, u->revoked_time);
}

int
sceau_chain_realm_loss(const struct sceau_chain *c, const char *realm_id,
    struct sceau_chain_loss *l)
{
	const struct chain_realm *r = realm_get(c, realm_id);
	const struct sceau_chain_device *d;
	const struct realm_member *m;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (r == NULL)
		return 0;
	for (i = 0; i < r->nmembers; i++)
		member_losses(c, r->members[i], r->pub.key_index, l);
	/* A device revoked while its user was a member. */
	for (i = 0; i < c->ndevices; i++) {
		d = c->devices[i];
		if (d->revoked_index > r->pub.key_index &&
		    (m = member_get(r, d->user_id)) != NULL &&
		    role_before(m, d->revoked_index) != SCEAU_ROLE_NONE)
			note_loss(l, d->revoked_index, d->revoked_time);
	}
	return l->index != 0;
}

/* ------------------------------------------------------------- rules */

static size_t
active_members(const struct sceau_chain *c, const struct chain_realm *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nmembers; i++)
		n += role_of(c, r, r->members[i]->user_id) != SCEAU_ROLE_NONE;
	return n;
}

/* A creation: key index 1 of an unknown realm, sealed to its author. */
static int
check_creation(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;
	struct sceau_cert_key k;
	size_t pos = 0;

	if (x->author_user->profile == SCEAU_PROFILE_EXTERNAL)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "an external cannot create workspaces");
	if (cert->key_index != 1)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "unknown workspace: its first key must have index 1");
	if (cert->n_keys != 1 || sceau_cert_keys_next(cert, &pos, &k) != 1 ||
	    strcmp(k.user_id, x->author_user->user_id) != 0)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "a new workspace's key is sealed to its creator only");
	return 0;
}

/* A rotation's members: exactly the active members, once each. */
static int
check_rotation_members(const struct ctx *x, const struct chain_realm *r)
{
	const struct sceau_cert *cert = x->cert;
	struct sceau_strmap *seen;
	struct sceau_cert_key k;
	size_t pos = 0;
	int got = 0, bad = 0;

	if (cert->n_keys != active_members(x->c, r))
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "the new key is not sealed to every member");
	if ((seen = sceau_strmap_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	while (!bad && (got = sceau_cert_keys_next(cert, &pos, &k)) == 1) {
		/* The map keeps the member's id: k lives in this loop only. */
		if (role_of(x->c, r, k.user_id) == SCEAU_ROLE_NONE)
			bad = 1;
		else if (sceau_strmap_get(seen, k.user_id) != NULL)
			bad = 1;
		else if (sceau_strmap_put(seen,
		             member_get(r, k.user_id)->user_id, seen) != 0)
			bad = 2;
	}
	sceau_strmap_free(seen);
	if (got < 0)
		return got;
	if (bad == 2)
		return SCEAU_ERR_ALLOC;
	if (bad)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "the new key is sealed to a non-member, or twice");
	return 0;
}

static int
check_key(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;
	const struct chain_realm *r = realm_get(x->c, cert->realm_id);

	if (r == NULL)
		return check_creation(x);
	if (role_of(x->c, r, x->author_user->user_id) != SCEAU_ROLE_OWNER)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an owner may rotate a workspace's key");
	if (cert->key_index != r->pub.key_count + 1)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "a new key must take the next index");
	return check_rotation_members(x, r);
}

/* The keys of a first role: every index 1..k, once each. */
static int
check_role_keys(
    const struct ctx *x, const struct chain_realm *r, enum sceau_role before)
{
	const struct sceau_cert *cert = x->cert;
	struct sceau_cert_key k;
	uint8_t seen[SCEAU_REALM_MEMBERS_MAX + 1];
	size_t pos = 0;

	if (cert->role == SCEAU_ROLE_NONE || before != SCEAU_ROLE_NONE) {
		if (cert->n_keys != 0)
			return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
			    "only a new member receives keys");
		return 0;
	}
	if (cert->n_keys != r->pub.key_count ||
	    r->pub.key_count > SCEAU_REALM_MEMBERS_MAX)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "a new member must receive every key of the workspace");
	memset(seen, 0, sizeof(seen));
	while (sceau_cert_keys_next(cert, &pos, &k) == 1) {
		if (k.key_index == 0 || k.key_index > r->pub.key_count ||
		    seen[k.key_index]++)
			return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
			    "a new member's keys must be 1..k, once each");
	}
	return 0;
}

/* Who may grant what (doc/workspaces.md). */
static int
check_grant(const struct ctx *x, enum sceau_role author, enum sceau_role before,
    const struct sceau_chain_user *target)
{
	enum sceau_role after = x->cert->role;

	if (author != SCEAU_ROLE_OWNER && author != SCEAU_ROLE_MANAGER)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an owner or a manager may share a workspace");
	if (author == SCEAU_ROLE_MANAGER &&
	    (before == SCEAU_ROLE_OWNER || before == SCEAU_ROLE_MANAGER ||
	        after == SCEAU_ROLE_OWNER || after == SCEAU_ROLE_MANAGER))
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "a manager only shares as contributor or reader");
	if (target->profile == SCEAU_PROFILE_EXTERNAL &&
	    (after == SCEAU_ROLE_OWNER || after == SCEAU_ROLE_MANAGER))
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "an external is at most contributor");
	return 0;
}

static int
check_role(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;
	const struct chain_realm *r = realm_get(x->c, cert->realm_id);
	const struct sceau_chain_user *target;
	enum sceau_role author, before;
	int rc;

	if (r == NULL)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "unknown workspace");
	if ((target = sceau_chain_user(x->c, cert->user_id)) == NULL ||
	    target->revoked_index != 0)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "unknown or revoked user");
	if (strcmp(target->user_id, x->author_user->user_id) == 0)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "nobody changes their own role");
	author = role_of(x->c, r, x->author_user->user_id);
	before = role_of(x->c, r, cert->user_id);
	if ((rc = check_grant(x, author, before, target)) != 0)
		return rc;
	if (before == cert->role)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "the role does not change");
	return check_role_keys(x, r, before);
}

static int
check_name(const struct ctx *x)
{
	const struct chain_realm *r = realm_get(x->c, x->cert->realm_id);
	enum sceau_role author;

	if (r == NULL)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "unknown workspace");
	author = role_of(x->c, r, x->author_user->user_id);
	if (author != SCEAU_ROLE_OWNER && author != SCEAU_ROLE_MANAGER)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an owner or a manager may name a workspace");
	if (x->cert->key_index != r->pub.key_count)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "a name is encrypted under the latest key");
	return 0;
}

int
chain_realm_check(const struct ctx *x)
{
	switch (x->cert->kind) {
	case SCEAU_CERT_REALM_KEY:
		return check_key(x);
	case SCEAU_CERT_REALM_ROLE:
		return check_role(x);
	default:
		return check_name(x);
	}
}

/* --------------------------------------------------------- applying */

static int
reserve_ptrs(void **arr, size_t n, size_t *cap)
{
	void *p;

	if (n < *cap)
		return 0;
	p = sceau_reallocarray(*arr, *cap == 0 ? 8 : *cap * 2, sizeof(void *));
	if (p == NULL)
		return SCEAU_ERR_ALLOC;
	*arr = p;
	*cap = *cap == 0 ? 8 : *cap * 2;
	return 0;
}

/* Room for one more span (prepare: so that apply cannot fail). */
static int
reserve_span(struct realm_member *m)
{
	size_t cap;
	void *p;

	if (m->nhist < m->caphist)
		return 0;
	cap = m->caphist == 0 ? 4 : m->caphist * 2;
	if ((p = sceau_reallocarray(m->hist, cap, sizeof(*m->hist))) == NULL)
		return SCEAU_ERR_ALLOC;
	m->hist = p;
	m->caphist = cap;
	return 0;
}

/* A role given by a certificate; the span's room is reserved. */
static void
set_role(
    struct realm_member *m, const struct sceau_cert *cert, enum sceau_role role)
{
	m->role = role;
	m->since_index = cert->index;
	m->hist[m->nhist].from = cert->timestamp;
	m->hist[m->nhist].index = cert->index;
	m->hist[m->nhist].role = role;
	m->nhist++;
}

static struct realm_member *
member_new(const char *user_id)
{
	struct realm_member *m = sceau_calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	(void)snprintf(m->user_id, sizeof(m->user_id), "%s", user_id);
	m->role = SCEAU_ROLE_NONE;
	if (reserve_span(m) != 0) {
		sceau_free(m);
		return NULL;
	}
	return m;
}

static void
member_free(struct realm_member *m)
{
	if (m != NULL)
		sceau_free(m->hist);
	sceau_free(m);
}

static int
prepare_creation(
    struct sceau_chain *c, const struct sceau_cert *cert, struct pending *p)
{
	struct chain_realm *r;

	if ((r = sceau_calloc(1, sizeof(*r))) == NULL)
		return SCEAU_ERR_ALLOC;
	p->new_realm = r;
	(void)snprintf(
	    r->pub.realm_id, sizeof(r->pub.realm_id), "%s", cert->realm_id);
	if ((r->member_map = sceau_strmap_new()) == NULL ||
	    sceau_strmap_reserve(r->member_map, 1) != 0 ||
	    reserve_ptrs((void **)&r->members, 0, &r->capmembers) != 0 ||
	    reserve_ptrs((void **)&c->realms, c->nrealms, &c->caprealms) != 0 ||
	    sceau_strmap_reserve(c->realm_map, 1) != 0)
		return SCEAU_ERR_ALLOC;
	/* The creator: the only user the first key is sealed to. */
	p->new_member =
	    member_new(sceau_chain_device(c, cert->author)->user_id);
	return p->new_member == NULL ? SCEAU_ERR_ALLOC : 0;
}

int
chain_realm_prepare(
    struct sceau_chain *c, const struct sceau_cert *cert, void **pending)
{
	struct chain_realm *r;
	struct pending *p;
	int rc;

	*pending = NULL;
	if (cert->kind != SCEAU_CERT_REALM_KEY &&
	    cert->kind != SCEAU_CERT_REALM_ROLE)
		return 0;
	if ((p = sceau_calloc(1, sizeof(*p))) == NULL)
		return SCEAU_ERR_ALLOC;
	*pending = p;
	r = realm_get(c, cert->realm_id);
	if (r == NULL)
		return prepare_creation(c, cert, p);
	if (cert->kind != SCEAU_CERT_REALM_ROLE)
		return 0;
	if (member_get(r, cert->user_id) != NULL)
		return reserve_span(member_get(r, cert->user_id));
	if ((rc = reserve_ptrs(
	         (void **)&r->members, r->nmembers, &r->capmembers)) != 0 ||
	    (rc = sceau_strmap_reserve(r->member_map, 1)) != 0)
		return rc;
	if ((p->new_member = member_new(cert->user_id)) == NULL)
		return SCEAU_ERR_ALLOC;
	return 0;
}

/* Adds a prepared member: the room was reserved, this cannot fail. */
static void
add_member(struct chain_realm *r, struct realm_member *m)
{
	if (sceau_strmap_put(r->member_map, m->user_id, m) != 0)
		abort(); /* reserved by prepare: a broken invariant */
	r->members[r->nmembers++] = m;
}

void
chain_realm_apply(
    struct sceau_chain *c, const struct sceau_cert *cert, void *pending)
{
	struct pending *p = pending;
	struct chain_realm *r;
	struct realm_member *m;

	if (cert->kind != SCEAU_CERT_REALM_KEY &&
	    cert->kind != SCEAU_CERT_REALM_ROLE &&
	    cert->kind != SCEAU_CERT_REALM_NAME)
		return;
	if (p != NULL && p->new_realm != NULL) {
		r = p->new_realm;
		r->pub.created_index = cert->index;
		r->pub.key_count = 1;
		r->pub.key_index = cert->index;
		r->pub.key_time = cert->timestamp;
		set_role(p->new_member, cert, SCEAU_ROLE_OWNER);
		add_member(r, p->new_member);
		if (sceau_strmap_put(c->realm_map, r->pub.realm_id, r) != 0)
			abort(); /* reserved by prepare */
		c->realms[c->nrealms++] = r;
		sceau_free(p);
		return;
	}
	r = realm_get(c, cert->realm_id);
	if (cert->kind == SCEAU_CERT_REALM_KEY) {
		r->pub.key_count = cert->key_index;
		r->pub.key_index = cert->index;
		r->pub.key_time = cert->timestamp;
	} else if (cert->kind == SCEAU_CERT_REALM_NAME) {
		r->pub.name_index = cert->index;
	} else if (p != NULL && p->new_member != NULL) {
		set_role(p->new_member, cert, cert->role);
		add_member(r, p->new_member);
	} else {
		m = member_get(r, cert->user_id);
		set_role(m, cert, cert->role);
	}
	sceau_free(p);
}

void
chain_realm_drop(void *pending)
{
	struct pending *p = pending;

	if (p == NULL)
		return;
	realm_free(p->new_realm);
	member_free(p->new_member);
	sceau_free(p);
}
