/*
 * link.h: sceau links and server base URLs.
 *
 * A sceau link carries what a person needs to join an organization:
 *
 *   sceau://HOST[:PORT]/ORG?a=ACTION&p=TOKEN[&no_ssl=1]
 *
 * - HOST: a DNS name (letters, digits, '-' and '.', labels of 1 to 63
 *   characters, 253 at most; stored in lowercase), a dotted IPv4 address,
 *   or an IPv6 address in brackets (no zone).  A name whose last label is
 *   all digits must be a valid IPv4 address ("999.1.1.1" is refused, not
 *   looked up).
 * - PORT: decimal, 1 to 65535, no leading zero.  Default 443, or 80 with
 *   no_ssl=1.
 * - ORG: an organization id (sceau_org_id_valid(), cert.h).
 * - a: bootstrap_organization, claim_user, claim_device or enroll.
 * - p: the token, 1 to SCEAU_LINK_TOKEN_MAX characters of canonical
 *   base64url without padding.
 * - no_ssl: only "1" (plain HTTP; the server's public URL says so).
 *
 * Parsing is strict: "a" and "p" are required; every parameter appears
 * at most once, in any order; unknown parameters and actions, empty
 * parameters, user information ("user@"), fragments and any other path
 * are refused.  Percent-encoding is refused altogether: every valid
 * component is made of characters that never need it, so refusing '%'
 * gives each link one spelling and no decoding step to get wrong.  The
 * scheme is matched without regard to case (RFC 3986); surrounding
 * whitespace is the caller's business (the CLI trims pasted links).
 *
 * Errors are SCEAU_ERR_BAD_LINK with the reason in sceau_message().
 *
 * Server base URLs (configuration, key files, the HTTP client) are
 * "https://HOST[:PORT]" or "http://HOST[:PORT]" with an optional final
 * "/": no user information, path, query or fragment (the client appends
 * "/v1/..." and signs that path exactly).
 */
#ifndef SCEAU_LINK_H
#define SCEAU_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_LINK_MAX 1024 /* characters of a whole link or URL */
#define SCEAU_LINK_HOST_MAX 253 /* DNS name, or IPv6 text */
#define SCEAU_LINK_TOKEN_MAX 128 /* base64url characters */
#define SCEAU_LINK_PORT_HTTPS 443
#define SCEAU_LINK_PORT_HTTP 80

enum sceau_link_action {
	SCEAU_LINK_BOOTSTRAP_ORGANIZATION = 1,
	SCEAU_LINK_CLAIM_USER = 2,
	SCEAU_LINK_CLAIM_DEVICE = 3,
	SCEAU_LINK_ENROLL = 4,
};

/* Where a server is: host, port and whether it speaks TLS. */
struct sceau_link_server {
	char host[SCEAU_LINK_HOST_MAX + 1]; /* IPv6 without brackets */
	int host_ipv6; /* 1: write it in brackets */
	uint16_t port; /* always set (default applied) */
	int no_ssl; /* 1: plain HTTP */
	int loopback; /* 1: 127.0.0.0/8, ::1 or "localhost" */
};

/*
 * A parsed link.  The token grants the act it names: wipe the structure
 * with sceau_link_clear() when done.
 */
struct sceau_link {
	struct sceau_link_server server;
	enum sceau_link_action action;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char token[SCEAU_LINK_TOKEN_MAX + 1];
};

/* "claim_user"...; NULL for a value out of the enum. */
const char *sceau_link_action_name(enum sceau_link_action a);
/* The action named s; 0 if unknown. */
enum sceau_link_action sceau_link_action_from_name(const char *s);

/*
 * Parses the NUL-terminated link s into *l (zeroed first, and wiped on
 * failure).  0 or SCEAU_ERR_BAD_LINK.
 */
int sceau_link_parse(const char *s, struct sceau_link *l)
    SCEAU_WUR SCEAU_NONNULL(1, 2);

/*
 * Appends the canonical form of l to out: lowercase scheme and host, the
 * port only when it is not the default, parameters in the order a, p,
 * no_ssl.  sceau_link_parse() of the result gives l back.
 * 0, SCEAU_ERR_INVALID_ARGUMENT (l not valid) or a buffer error.
 */
int sceau_link_format(const struct sceau_link *l, struct sceau_buf *out)
    SCEAU_WUR SCEAU_NONNULL(1, 2);

/*
 * Appends the server's base URL, "https://HOST:PORT" or "http://HOST:PORT"
 * (no_ssl), port always written, no final '/', to out.
 */
int sceau_link_base_url(const struct sceau_link_server *srv,
    struct sceau_buf *out) SCEAU_WUR SCEAU_NONNULL(1, 2);

/*
 * Parses a server base URL (see above) into *srv.  0 or
 * SCEAU_ERR_INVALID_ARGUMENT, with the reason in sceau_message().
 */
int sceau_link_url_parse(const char *url, struct sceau_link_server *srv)
    SCEAU_WUR SCEAU_NONNULL(1, 2);

/* Wipes l (the token with it). */
void sceau_link_clear(struct sceau_link *l);

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_LINK_H */
