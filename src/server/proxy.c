/*
 * proxy.c: trusted proxies and X-Forwarded-For (see proxy.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "proxy.h"

/* Longest X-Forwarded-For looked at, and hops followed. */
#define PROXY_XFF_MAX 2048
#define PROXY_HOPS_MAX 32

/* Parses one address (IPv4 or IPv6) into a mapped IPv6 address. */
static int
proxy_addr(const char *s, uint8_t out[16], int *is4)
{
	struct in_addr a4;

	*is4 = 0;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	if (inet_pton(AF_INET, s, &a4) != 1)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	*is4 = 1;
	return 0;
}

static int
proxy_entry(const char *s, size_t len, struct srv_netmask *m)
{
	char buf[SRV_ADDR_MAX + 8], *slash, *end;
	unsigned long bits;
	int is4;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (proxy_addr(buf, m->addr, &is4) != 0)
		return -1;
	m->prefix = 128;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9')
			return -1;
		bits = strtoul(slash, &end, 10);
		if (*end != '\0' || bits > (is4 ? 32UL : 128UL))
			return -1;
		m->prefix = (unsigned int)bits + (is4 ? 96 : 0);
	}
	return 0;
}

int
srv_proxy_parse(const char *list, struct srv_proxies *out)
{
	const char *p = list;
	size_t len;

	memset(out, 0, sizeof(*out));
	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			return 0;
		len = strcspn(p, ", \t");
		if (out->n == SRV_PROXY_MAX) {
			sceau_message(
			    "more than %d trusted proxies", SRV_PROXY_MAX);
			return SCEAU_ERR_CONFIG;
		}
		if (proxy_entry(p, len, &out->v[out->n]) != 0) {
			sceau_message("trusted proxy %zu: expected an IP "
			              "address or ADDRESS/PREFIX",
			    out->n + 1);
			return SCEAU_ERR_CONFIG;
		}
		out->n++;
		p += len;
	}
}

static int
proxy_match(const struct srv_netmask *m, const uint8_t a[16])
{
	unsigned int full = m->prefix / 8, rest = m->prefix % 8;
	uint8_t mask;

	if (memcmp(m->addr, a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (m->addr[full] & mask) == (a[full] & mask);
}

static int
proxy_trusted(const struct srv_proxies *p, const uint8_t a[16])
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (proxy_match(&p->v[i], a))
			return 1;
	}
	return 0;
}

static void
proxy_text(const uint8_t a[16], char *out, size_t n)
{
	static const uint8_t mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		if (inet_ntop(AF_INET, a + 12, out, (socklen_t)n) != NULL)
			return;
	} else if (inet_ntop(AF_INET6, a, out, (socklen_t)n) != NULL) {
		return;
	}
	(void)snprintf(out, n, "?");
}

static int
proxy_peer(const struct sockaddr *peer, uint8_t out[16])
{
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;

	memset(out, 0, 16);
	if (peer == NULL)
		return -1;
	if (peer->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)peer;
		memcpy(out, &s6->sin6_addr, 16);
		return 0;
	}
	if (peer->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)peer;
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &s4->sin_addr, 4);
		return 0;
	}
	return -1;
}

/* Walks X-Forwarded-For from the right while the hops are trusted. */
static void
proxy_walk(const struct srv_proxies *p, const char *xff, uint8_t cur[16])
{
	size_t end = strnlen(xff, PROXY_XFF_MAX + 1), seg, start, len;
	char entry[SRV_ADDR_MAX];
	uint8_t a[16];
	int hops, is4;

	if (end > PROXY_XFF_MAX)
		return;
	for (hops = 0; hops < PROXY_HOPS_MAX && end > 0; hops++) {
		seg = end;
		while (seg > 0 && xff[seg - 1] != ',')
			seg--;
		start = seg;
		len = end - start;
		while (len > 0 && xff[start] == ' ') {
			start++;
			len--;
		}
		while (len > 0 && xff[start + len - 1] == ' ')
			len--;
		if (len == 0 || len >= sizeof(entry))
			return;
		memcpy(entry, xff + start, len);
		entry[len] = '\0';
		if (proxy_addr(entry, a, &is4) != 0)
			return;
		memcpy(cur, a, 16);
		if (!proxy_trusted(p, cur))
			return;
		end = seg > 0 ? seg - 1 : 0;
	}
}

void
srv_proxy_client(const struct srv_proxies *p, const struct sockaddr *peer,
    const char *xff, char *out, size_t n)
{
	uint8_t cur[16];

	if (n == 0)
		return;
	if (proxy_peer(peer, cur) != 0) {
		(void)snprintf(out, n, "?");
		return;
	}
	if (xff != NULL && proxy_trusted(p, cur))
		proxy_walk(p, xff, cur);
	proxy_text(cur, out, n);
}
