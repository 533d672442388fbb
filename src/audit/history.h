/*
 * history.h: the walk over an organization's history export that
 * sceau-audit verify and sceau-audit report share (doc/audit.md,
 * "Verifying a history").
 *
 * The walk reads the export line by line (src/histfile.h) and checks, in
 * this order, each certificate against the chain rebuilt so far
 * (signature, token signature, place, author's rights, the policy in
 * force; sceau_chain_append_audit), each identity blob against its
 * certificate, each vlob version (its author's signature, the author's
 * device and user not revoked when the server stored it, the author's
 * role in the workspace then, the key index, the order of versions and
 * times), and at the end the cards of token-bound devices against the
 * export's CRLs at the time they were used.  Every violation is reported
 * through a callback and the walk goes on where it can; every act
 * (certificate or version) is reported too, for reports.  Memory: the
 * chain, one line, and a few dozen bytes per vlob.
 */
#ifndef SCEAU_AUDIT_HISTORY_H
#define SCEAU_AUDIT_HISTORY_H

#include <stdint.h>
#include <stdio.h>

#include "sign.h"

/* A violation.  Strings are lent for the callback only. */
struct audit_finding {
	const char *rule; /* keyword: doc/audit.md, "Violations" */
	uint64_t line; /* of the export */
	uint64_t index; /* certificate index, 0 for a vlob */
	const char *author; /* device id, "" for the root key or unknown */
	const char *realm; /* "" when not about a workspace */
	const char *vlob; /* "" for certificates */
	uint64_t version;
	const char *detail; /* one English sentence */
};

/* An act: a certificate or a vlob version.  Strings lent likewise. */
struct audit_act {
	uint64_t line;
	const char *kind; /* certificate kind ("user", "realm_role"...) or
	                     "vlob" */
	uint64_t index; /* certificate index, 0 for a vlob */
	uint64_t time; /* the author's timestamp, microseconds */
	uint64_t server_time; /* 0 when the export has none */
	const char *device; /* author device, "" for the root key */
	const char *user; /* author user, "" for the root key */
	const char *who; /* "Name <email>" from identity blobs, or "" */
	const char *email; /* the author's email, or "" */
	const char *subject; /* user or device concerned, or the vlob id */
	const char *subject_who; /* its name, or "" */
	const char *subject_email; /* a user's email, or "" */
	const char *realm; /* workspace, or "" */
	uint64_t version; /* vlob version */
	const char *detail; /* "role reader", "profile admin"... or "" */
	int violation; /* 1: a finding was reported for it */
};

struct audit_walk {
	const uint8_t *root_key; /* pinned root verify key, or NULL */
	void (*finding)(void *arg, const struct audit_finding *f);
	void (*act)(void *arg, const struct audit_act *a); /* may be NULL */
	void *arg;
};

struct audit_summary {
	char org_id[65];
	char exported_by[33];
	uint64_t exported_at;
	uint8_t root_key[SCEAU_SIGN_PUBLIC_LEN];
	int root_pinned; /* the root key was given, and matched */
	uint64_t certificates, versions, crls, workspaces;
	uint64_t violations;
	uint64_t unverified; /* certificates after a break in the chain */
	uint64_t unverified_versions; /* by authors the chain never reached */
	uint64_t cards; /* token-bound devices */
	uint64_t cards_checked; /* whose card a CRL of the export covered */
	uint64_t first_time, last_time; /* server times, microseconds */
	int complete; /* the end line is there and its counts match */
};

/*
 * Walks the export f.  0 when the walk reached the end (violations or
 * not: see s->violations), or an error that stopped it (an unreadable
 * file, no header, memory), with sceau_message() set.
 */
int audit_walk(FILE *f, const struct audit_walk *w, struct audit_summary *s);

#endif /* SCEAU_AUDIT_HISTORY_H */
