/*
 * client-enroll.h: PKI enrollment as programs use it (doc/enrollment.md):
 * the administrator's link, the requester's submission and finish, the
 * administrators' list, acceptance and rejection.
 */
#ifndef SCEAU_CLIENT_ENROLL_H
#define SCEAU_CLIENT_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "enroll.h"
#include "link.h"
#include "x509.h"

/* Admin: opens (or replaces) the enrollment link, for lifetime seconds. */
int sceau_client_enroll_link(struct sceau_client *c, uint64_t lifetime_s,
    char link[SCEAU_LINK_MAX + 1], uint64_t *expires_us) SCEAU_WUR;

/* A pending request, as an administrator's client checked it. */
struct sceau_enroll_item {
	char request_id[SCEAU_ID_LEN + 1];
	uint64_t created_us;
	struct sceau_enroll_req req; /* valid when sig_ok */
	char subject[SCEAU_X509_NAME_MAX + 1];
	char issuer[SCEAU_X509_NAME_MAX + 1];
	char serial[SCEAU_X509_SERIAL_MAX + 1];
	int sig_ok; /* the card's signature verified */
	int pki_code; /* sceau_x509_verify()'s result: 0 valid */
	char pki_reason[SCEAU_X509_REASON_MAX + 1];
	enum sceau_x509_rev_status crl, ocsp;
	struct sceau_buf *request; /* the envelope */
};

/*
 * The pending requests, each checked here again: signature, payload,
 * email, path to the organization's anchors, revocation as opts say.
 * Free with sceau_client_enroll_items_free().
 */
int sceau_client_enroll_list(struct sceau_client *c,
    const struct sceau_client_opts *opts, struct sceau_enroll_item **items,
    size_t *n) SCEAU_WUR;
void sceau_client_enroll_items_free(struct sceau_enroll_item *items, size_t n);

/*
 * Accepts request id with profile: checks it as the list does (refuses
 * one whose certificate does not validate), signs the user and the device
 * bound to the card, and marks the request accepted.  Rejects with reason.
 */
int sceau_client_enroll_accept(struct sceau_client *c,
    const struct sceau_client_opts *opts, const char *id,
    enum sceau_profile profile) SCEAU_WUR;
int sceau_client_enroll_reject(
    struct sceau_client *c, const char *id, const char *reason) SCEAU_WUR;

/* What a requester submits with. */
struct sceau_enroll_params {
	const char *link; /* sceau://...?a=enroll&p=... */
	const char *name;
	const char *device_label;
	struct sceau_token *token; /* logged in; borrowed */
	const char *token_uri;
	const char *pki_anchors; /* the anchors this computer trusts */
	const char *pki_intermediates; /* may be NULL */
};

/*
 * Submits a request signed on the card, and writes the waiting device
 * (its key file protected by the card, and what finishing needs).
 * *org and request_id say which.
 */
int sceau_enroll_submit(const struct sceau_enroll_params *p,
    const struct sceau_client_opts *opts, char org[SCEAU_ORG_ID_MAX + 1],
    char request_id[SCEAU_ID_LEN + 1]) SCEAU_WUR;

enum sceau_enroll_state {
	SCEAU_ENROLL_PENDING = 0,
	SCEAU_ENROLL_ACCEPTED = 1,
	SCEAU_ENROLL_REJECTED = 2,
};

/*
 * Finishes the waiting device of org (NULL: the only one) with its card
 * (token logged in; taken, as sceau_client_open takes it): asks the
 * server for the decision; once accepted, fetches and validates the
 * chain, checks that its device was signed by an administrator whose card
 * this computer's anchors vouch for (opts' revocation checks), and opens
 * the client (*cp).  Pending: *state says so, *cp is NULL, 0 returned.
 * Rejected: the waiting device is removed, *state says so, reason filled.
 */
int sceau_enroll_finish(const char *org, struct sceau_token *token,
    const struct sceau_client_opts *opts, enum sceau_enroll_state *state,
    char *reason, size_t reason_size, struct sceau_client **cp) SCEAU_WUR;

#endif /* SCEAU_CLIENT_ENROLL_H */
