/*
 * proxy.h: the client's address behind trusted reverse proxies.
 *
 * X-Forwarded-For is honoured only when the peer is a trusted proxy
 * (server.trusted_proxies: addresses or address/prefix, IPv4 or IPv6);
 * the client is then the rightmost address of the header that is not
 * itself a trusted proxy.  Anyone else's header is ignored: it could say
 * anything.  The address is used for logs.
 */
#ifndef SCEAU_SRV_PROXY_H
#define SCEAU_SRV_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "defs.h"

#define SRV_PROXY_MAX 64 /* entries of trusted_proxies */
#define SRV_ADDR_MAX 64 /* text of an address */

struct srv_netmask {
	uint8_t addr[16]; /* IPv6, IPv4 mapped (::ffff:a.b.c.d) */
	unsigned int prefix; /* bits, 0..128 */
};

struct srv_proxies {
	struct srv_netmask v[SRV_PROXY_MAX];
	size_t n;
};

/*
 * Parses a list separated by commas or blanks ("127.0.0.1, ::1,
 * 10.0.0.0/8").  SCEAU_ERR_CONFIG (with a message) if an entry is
 * malformed or there are too many.
 */
int srv_proxy_parse(const char *list, struct srv_proxies *out) SCEAU_WUR;

/*
 * Writes the client's address into out[0..n): peer's, or the one
 * X-Forwarded-For (xff, may be NULL) gives when peer is trusted.
 */
void srv_proxy_client(const struct srv_proxies *p, const struct sockaddr *peer,
    const char *xff, char *out, size_t n);

#endif /* SCEAU_SRV_PROXY_H */
