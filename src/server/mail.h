/*
 * mail.h: the server's mail: invitations sent through an SMTP relay
 * (libcurl's SMTP client), in English or French.
 *
 * The relay, sender and TLS settings come from the [mail] section of
 * sceau-server.conf(5), checked by srvconf.c into struct srv_mail_config.
 * Rules, enforced here and there:
 *  - TLS to the relay (STARTTLS required, or SMTPS) with its certificate
 *    and name verified, against mail.ca_file alone when set; plain SMTP
 *    only to a loopback relay (every address connected to is checked),
 *    or across the network when the configuration says "insecure", and
 *    then never with a password;
 *  - no proxy, whatever the environment says; smtp or smtps only;
 *  - nothing from the caller reaches a header unchecked: an address, an
 *    organization id, an inviter's name or a link holding CR, LF, NUL or
 *    anything else out of its grammar is SCEAU_ERR_INVALID_ARGUMENT;
 *  - the message holds nothing secret but the link itself; the relay's
 *    password is never logged nor put in a message.
 *
 * Sending blocks the calling thread until the relay has accepted the
 * message or mail.timeout has passed (each call has its own connection:
 * thread-safe).
 */
#ifndef SCEAU_SRV_MAIL_H
#define SCEAU_SRV_MAIL_H

#include <stdint.h>

#include "buf.h"
#include "defs.h"
#include "link.h"

#define SRV_MAIL_ADDR_MAX 254 /* bytes of an address (RFC 5321) */
#define SRV_MAIL_LOCAL_MAX 64 /* bytes of its local part */
#define SRV_MAIL_INVITER_MAX 256 /* bytes of an inviter's name */
#define SRV_MAIL_USERNAME_MAX 256 /* bytes of the relay's user name */
#define SRV_MAIL_PASSWORD_MAX 1024 /* bytes of the relay's password */
#define SRV_MAIL_MESSAGE_MAX 16384 /* bytes of a whole message */

/* How the connection to the relay is protected (mail.tls). */
enum srv_mail_tls {
	SRV_MAIL_TLS_STARTTLS = 0, /* smtp://, STARTTLS required */
	SRV_MAIL_TLS_SMTPS, /* smtps://, TLS from the first byte */
	SRV_MAIL_TLS_NONE, /* plain, to a loopback relay only */
	SRV_MAIL_TLS_INSECURE, /* plain, to any relay, never a password */
};

/* The [mail] section, checked (srvconf.c), which outlives its users. */
struct srv_mail_config {
	int enabled; /* mail.relay is set */
	enum srv_mail_tls tls;
	char relay[SCEAU_LINK_MAX]; /* "smtp://HOST:PORT", for messages */
	char url[SCEAU_LINK_MAX + 256]; /* relay + "/" + EHLO name: curl's */
	int loopback; /* the relay's host is a loopback one */
	char from[SRV_MAIL_ADDR_MAX + 1];
	char username[SRV_MAIL_USERNAME_MAX + 1]; /* "": no AUTH */
	char *password; /* sceau_secmem_alloc; NULL: no AUTH */
	const char *ca_file; /* the configuration's; NULL: system store */
	uint64_t timeout_ms; /* the whole exchange with the relay */
	char lang[3]; /* "en" or "fr": mail.language */
};

/* One invitation to mail. */
struct srv_mail_invite {
	const char *to; /* the invited address (srv_mail_address_valid) */
	const char *link; /* the sceau:// link, printed as is */
	const char *org_id; /* sceau_org_id_valid() */
	const char *inviter; /* inviter's name or address; may be NULL */
	int device; /* 1: device invitation, 0: user invitation */
	const char *lang; /* "en", "fr", or NULL: mail.language */
	uint64_t expires_us; /* microseconds since 1970 */
};

/* 1 if mc is set and has a relay (mail.relay), else 0; NULL is allowed. */
int srv_mail_enabled(const struct srv_mail_config *mc);

/*
 * 1 if s is an address the server can mail: LOCAL@DOMAIN in ASCII, the
 * local part a dot-atom (RFC 5322: letters, digits and !#$%&'*+-/=?^_`{|}~
 * with single dots inside), the domain made of labels of letters, digits
 * and '-' (at least two labels), at most SRV_MAIL_ADDR_MAX bytes.  Quoted
 * local parts, address literals and non-ASCII addresses (which need
 * SMTPUTF8) are refused.
 */
int srv_mail_address_valid(const char *s);

/*
 * Sends invitation m through the relay of mc.  0 once the relay has
 * accepted it; SCEAU_ERR_INVALID_ARGUMENT (m refused, see above),
 * SCEAU_ERR_NOT_SUPPORTED (mail not configured), SCEAU_ERR_MAIL (the
 * relay could not be reached, refused TLS, authentication, the sender or
 * the recipient, or did not answer within mail.timeout: curl's reason
 * and the relay's reply code in sceau_message(), and a line in the log),
 * SCEAU_ERR_ALLOC or SCEAU_ERR_INTERNAL.
 */
int srv_mail_send_invite(const struct srv_mail_config *mc,
    const struct srv_mail_invite *m) SCEAU_WUR SCEAU_NONNULL(2);

/*
 * The message srv_mail_send_invite() would send at now_us (microseconds
 * since 1970; it dates the message), appended to out: RFC 5322, CRLF line
 * endings, UTF-8 text in 8bit.  0, SCEAU_ERR_INVALID_ARGUMENT or a buffer
 * error.  For tests and previews: nothing is sent.
 */
int srv_mail_build_invite(const struct srv_mail_config *mc,
    const struct srv_mail_invite *m, uint64_t now_us, struct sceau_buf *out)
    SCEAU_WUR SCEAU_NONNULL(1, 2, 4);

#endif /* SCEAU_SRV_MAIL_H */
