/*
 * client-invite.h: invitations as a program uses them: create, list and
 * cancel them (client-side), greet a claimer, and claim with a link.
 * The exchange itself is invite.h; the relay is the server's conduit
 * (doc/invitations.md).  The user interface is the caller's: it gets
 * callbacks to show a code, pick the peer's, and review a claimer.
 */
#ifndef SCEAU_CLIENT_INVITE_H
#define SCEAU_CLIENT_INVITE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "invite.h"
#include "link.h"

#define SCEAU_INVITE_TEXT_MAX 254
#define SCEAU_INVITE_TIMEOUT_DEFAULT_MS (10UL * 60 * 1000)

/* An invitation as the server lists it. */
struct sceau_invitation {
	char id[SCEAU_ID_LEN + 1];
	enum sceau_invite_kind kind;
	char email[SCEAU_INVITE_TEXT_MAX + 1]; /* user invitations */
	char inviter[SCEAU_INVITE_TEXT_MAX + 1];
	char created_by[SCEAU_ID_LEN + 1];
	uint64_t created_us, expires_us;
	int expired;
	/* At creation only. */
	char link[SCEAU_LINK_MAX + 1];
	int mailed;
	char mail_error[256];
};

/*
 * New invitation: of a user (email required; administrators only) or of
 * a new device of this user (email: where to mail the link, or NULL).
 * send_mail asks the server to mail the link (lang "en", "fr" or NULL).
 * out->link is the link to pass on when no mail went out.
 */
int sceau_client_invite(struct sceau_client *c, enum sceau_invite_kind kind,
    const char *email, int send_mail, const char *lang,
    struct sceau_invitation *out) SCEAU_WUR;
/* The pending invitations this device may see; free *list. */
int sceau_client_invite_list(struct sceau_client *c,
    struct sceau_invitation **list, size_t *n) SCEAU_WUR;
/* Cancels a pending invitation.  SCEAU_ERR_INVITATION_CLOSED. */
int sceau_client_invite_cancel(struct sceau_client *c, const char *id)
    SCEAU_WUR;

/* What an exchange asks of its user interface; arg is passed back. */
struct sceau_exchange_ui {
	void *arg;
	/* Progress, for the user ("waiting for the claimer"...). */
	void (*status)(void *arg, const char *what);
	/* The invitation, as the server describes it (before step 1). */
	void (*invitation)(void *arg, const struct sceau_invitation *inv);
	/* Shows this side's code: the other person must pick it. */
	int (*show_code)(void *arg, const char *mine);
	/*
	 * Asks which of choices the other person reads out; copies the
	 * answer (or what was typed) into out.  Non-zero: cancelled.
	 */
	int (*pick_code)(void *arg,
	    const char choices[SCEAU_INVITE_CHOICES][SCEAU_INVITE_CODE_LEN + 1],
	    char *out, size_t outlen);
	/*
	 * Greeter: the claimer's data.  For a user invitation, *profile
	 * comes set to the default and may be changed.  Non-zero refuses
	 * (the exchange is aborted, both sides told).
	 */
	int (*review)(void *arg, const struct sceau_invitation *inv,
	    const struct sceau_invite_claim *claim,
	    enum sceau_profile *profile);
};

struct sceau_exchange_opts {
	uint64_t timeout_ms; /* whole exchange; 0: the default */
	const volatile sig_atomic_t *cancel; /* set by a signal, or NULL */
	enum sceau_profile profile; /* greeter: default profile (user) */
};

/* What a greeter made. */
struct sceau_greet_result {
	enum sceau_invite_kind kind;
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	enum sceau_profile profile;
	int claimer_done; /* the claimer confirmed (step 8) */
};

/*
 * Greets the claimer of invitation id: runs the exchange, signs the
 * certificates, and closes the invitation.  SCEAU_ERR_WRONG_CODE (a
 * wrong pick on either side), SCEAU_ERR_EXCHANGE_ABORTED (the claimer
 * aborted or restarted), SCEAU_ERR_DATA_TAMPERED (a relayed message was
 * altered), SCEAU_ERR_TIMEOUT, SCEAU_ERR_INVITATION_*.
 */
int sceau_client_greet(struct sceau_client *c, const char *id,
    const struct sceau_exchange_ui *ui, const struct sceau_exchange_opts *xo,
    struct sceau_greet_result *res) SCEAU_WUR;

struct sceau_claim_params {
	const char *link; /* sceau://...?a=claim_user|claim_device&p=... */
	const char *name; /* user invitations: the person's name */
	const char *device_label;
	/*
	 * The new key file's protection.  TOKEN (claim --token): the card,
	 * logged in, which sceau_claim takes (as sceau_client_open does);
	 * the device is bound to it and, for a user, its key is the user's.
	 */
	const struct sceau_keyfile_auth *auth;
	const char *pki_intermediates; /* with a card; may be NULL */
};

/*
 * Claims with link: runs the exchange, writes the new device (key file
 * and store) and checks the chain the server gives against the root
 * key the greeter sent.  Returns the open client.  Errors as greet;
 * nothing stays on disk when the claim fails.
 */
int sceau_claim(const struct sceau_claim_params *p,
    const struct sceau_client_opts *opts, const struct sceau_exchange_ui *ui,
    const struct sceau_exchange_opts *xo, struct sceau_client **cp) SCEAU_WUR;

#endif /* SCEAU_CLIENT_INVITE_H */
