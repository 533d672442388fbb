/*
 * history-internal.h: the walk's state, shared by history.c
 * (certificates) and history-vlob.c (vlob versions, CRLs, the end).
 */
#ifndef SCEAU_AUDIT_HISTORY_INTERNAL_H
#define SCEAU_AUDIT_HISTORY_INTERNAL_H

#include "buf.h"
#include "chain.h"
#include "histfile.h"
#include "manifest.h"
#include "history.h"
#include "strmap.h"

/* A vlob version waiting in a batch (history-batch.c). */
enum hw_vb_state {
	HW_VB_OK = 0, /* signature verified: h holds the header */
	HW_VB_MALFORMED, /* does not parse */
	HW_VB_UNKNOWN, /* its author is not in the chain */
	HW_VB_ALTERED, /* its signature does not verify */
};
struct hw_vb {
	uint64_t line, server_time, checkpoint;
	struct sceau_buf *data;
	enum hw_vb_state state;
	struct sceau_vlob_header h; /* verified (OK) */
	struct sceau_vlob_header claimed; /* as parsed, unverified */
	const struct sceau_chain_device *d;
};
struct hw_batch;

struct hw {
	const struct audit_walk *w;
	struct audit_summary *s;
	struct sceau_chain *chain;
	int broken; /* the chain stopped: certificates unverified */
	int ended; /* the end line was read */
	uint64_t last_line;
	/* Each certificate's server time and line, by index - 1. */
	struct hw_cert_at {
		uint64_t server_time, line;
	} * stime;
	size_t nstime, capstime;
	/* A certificate out of its place, until the next one says why. */
	struct sceau_buf *held;
	int has_held;
	uint64_t held_line, held_time;
	int held_rc; /* why it could not take its place */
	char held_msg[512];
	/* Maps of ids to entries kept in kept[]. */
	struct sceau_strmap *names; /* struct hw_name */
	struct sceau_strmap *vlobs; /* struct hw_vlob */
	struct sceau_strmap *realms; /* struct hw_realm */
	struct sceau_strmap *devices; /* struct hw_device: last act */
	void **kept;
	size_t nkept, capkept;
	/* CRLs and OCSP responses of the export, checked at the end. */
	struct hw_batch *batch; /* vlob versions waiting */
	struct sceau_buf **ders; /* the CRLs that parse */
	size_t nders, capders;
	struct sceau_x509_trust *crl_probe; /* parses each CRL as it comes */
};

void hw_finding(struct hw *h, const char *rule, uint64_t line, uint64_t index,
    const char *author, const char *realm, const char *vlob, uint64_t version,
    const char *detail);
/* Keeps p until the walk ends (frees it and fails on ENOMEM). */
int hw_keep(struct hw *h, void *p);
/* From the identity blobs: "Name <email>" or a label, and the email. */
const char *hw_name_of(const struct hw *h, const char *id);
const char *hw_email_of(const struct hw *h, const char *id);
uint64_t hw_cert_time(const struct hw *h, uint64_t index);
uint64_t hw_cert_line(const struct hw *h, uint64_t index);
/* Device id acted at time ts (its own clock) on line: for card checks. */
int hw_device_acted(
    struct hw *h, const char *device_id, uint64_t ts, uint64_t line);

int hw_cert(struct hw *h, const struct sceau_hist_item *it);
/* A vlob version: into the batch (history-batch.c). */
int hw_vlob(struct hw *h, const struct sceau_hist_item *it);
int hw_batch_new(struct hw *h);
void hw_batch_free(struct hw *h);
/* Verifies the batch's signatures, then checks each in order. */
int hw_batch_flush(struct hw *h);
/* The checks of one version, in order (history-vlob.c). */
int hw_vlob_checked(struct hw *h, const struct hw_vb *vb);
int hw_der(struct hw *h, const struct sceau_hist_item *it);
int hw_end_line(struct hw *h, const struct sceau_hist_item *it);
/* The certificate held never had its due one before it. */
void hw_missing(struct hw *h);
/* After the last line: missing end, cards against the CRLs. */
int hw_finish(struct hw *h);

#endif /* SCEAU_AUDIT_HISTORY_INTERNAL_H */
