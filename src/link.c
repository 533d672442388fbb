/*
 * link.c: sceau links (sceau://HOST[:PORT]/ORG?a=ACTION&p=TOKEN) and
 * server base URLs.  The grammar and its choices are in link.h.
 *
 * Messages never quote the token, nor the link that holds it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cert.h"
#include "errors.h"
#include "link.h"
#include "secmem.h"

#define LINK_SCHEME "sceau://"
#define LINK_LABEL_MAX 63

static const char *const link_actions[] = {
    NULL,
    "bootstrap_organization",
    "claim_user",
    "claim_device",
    "enroll",
};

const char *
sceau_link_action_name(enum sceau_link_action a)
{
	if ((int)a <= 0 || (size_t)a >= SCEAU_NELEM(link_actions))
		return NULL;
	return link_actions[a];
}

enum sceau_link_action
sceau_link_action_from_name(const char *s)
{
	size_t i;

	for (i = 1; s != NULL && i < SCEAU_NELEM(link_actions); i++) {
		if (strcmp(s, link_actions[i]) == 0)
			return (enum sceau_link_action)i;
	}
	return (enum sceau_link_action)0;
}

void
sceau_link_clear(struct sceau_link *l)
{
	if (l != NULL)
		sceau_memzero(l, sizeof(*l));
}

static int
link_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
link_is_alnum(char c)
{
	return link_is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static int
link_is_b64url(char c)
{
	return link_is_alnum(c) || c == '-' || c == '_';
}

static char
link_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Every character printable ASCII, no space, no '%'. */
static int
link_check_chars(const char *s, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			sceau_message("%s: percent-encoding is not allowed "
			              "(offset %zu)",
			    what, i);
			return -1;
		}
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f) {
			sceau_message("%s: character 0x%02x at offset %zu is "
			              "not allowed",
			    what, (unsigned int)(unsigned char)s[i], i);
			return -1;
		}
	}
	return 0;
}

/* Decimal port without sign or leading zero, 1 to 65535. */
static int
link_parse_port(const char *p, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5 || p[0] == '0') {
		sceau_message("port: expected 1 to 65535");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!link_is_digit(p[i])) {
			sceau_message("port: not a decimal number");
			return -1;
		}
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v > 65535) {
		sceau_message("port: %lu is out of range 1 to 65535", v);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

static int
link_host_ipv6(const char *p, size_t n, struct sceau_link_server *srv)
{
	char text[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (n >= sizeof(text)) {
		sceau_message("host: IPv6 address too long");
		return -1;
	}
	memcpy(text, p, n);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, &a) != 1 ||
	    inet_ntop(AF_INET6, &a, srv->host, sizeof(srv->host)) == NULL) {
		sceau_message("host: invalid IPv6 address");
		return -1;
	}
	srv->host_ipv6 = 1;
	srv->loopback = IN6_IS_ADDR_LOOPBACK(&a);
	return 0;
}

/* One DNS label: 1 to 63 of [A-Za-z0-9-], no '-' at either end. */
static int
link_label_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > LINK_LABEL_MAX || p[0] == '-' || p[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (!link_is_alnum(p[i]) && p[i] != '-')
			return 0;
	}
	return 1;
}

/* A name whose last label is all digits must be a dotted IPv4 address. */
static int
link_host_ipv4(struct sceau_link_server *srv)
{
	struct in_addr a;

	if (inet_pton(AF_INET, srv->host, &a) != 1) {
		sceau_message("host: invalid IPv4 address");
		return -1;
	}
	srv->loopback = (ntohl(a.s_addr) >> 24) == 127;
	return 0;
}

static int
link_host_name(const char *p, size_t n, struct sceau_link_server *srv)
{
	size_t i, start = 0, last = 0;
	int digits = 1;

	if (n == 0 || n > SCEAU_LINK_HOST_MAX) {
		sceau_message(
		    "host: expected 1 to %d characters", SCEAU_LINK_HOST_MAX);
		return -1;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '.')
			continue;
		if (!link_label_ok(p + start, i - start)) {
			sceau_message("host: invalid name");
			return -1;
		}
		last = start;
		start = i + 1;
	}
	for (i = 0; i < n; i++)
		srv->host[i] = link_lower(p[i]);
	srv->host[n] = '\0';
	for (i = last; i < n; i++)
		digits = digits && link_is_digit(p[i]);
	if (digits)
		return link_host_ipv4(srv);
	srv->loopback = strcmp(srv->host, "localhost") == 0;
	return 0;
}

/*
 * HOST[:PORT] in p[0..n).  srv->port stays 0 when no port is given, for
 * the caller to apply the default.
 */
static int
link_parse_authority(const char *p, size_t n, struct sceau_link_server *srv)
{
	const char *end = p + n, *colon;
	size_t hlen;

	if (memchr(p, '@', n) != NULL) {
		sceau_message("user information is not allowed");
		return -1;
	}
	if (n > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', n);

		if (close == NULL) {
			sceau_message("host: missing ']'");
			return -1;
		}
		if (link_host_ipv6(p + 1, (size_t)(close - p - 1), srv) != 0)
			return -1;
		colon = close + 1;
		if (colon != end && *colon != ':') {
			sceau_message("host: unexpected text after ']'");
			return -1;
		}
	} else {
		colon = memchr(p, ':', n);
		hlen = colon == NULL ? n : (size_t)(colon - p);
		if (link_host_name(p, hlen, srv) != 0)
			return -1;
		if (colon == NULL)
			colon = end;
	}
	if (colon == end)
		return 0;
	return link_parse_port(
	    colon + 1, (size_t)(end - colon - 1), &srv->port);
}

static void
link_default_port(struct sceau_link_server *srv)
{
	if (srv->port == 0)
		srv->port =
		    srv->no_ssl ? SCEAU_LINK_PORT_HTTP : SCEAU_LINK_PORT_HTTPS;
}

/* Canonical base64url without padding, 1 to SCEAU_LINK_TOKEN_MAX. */
static int
link_token_ok(const char *p, size_t n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;
	unsigned int v;

	if (n == 0 || n > SCEAU_LINK_TOKEN_MAX || n % 4 == 1)
		return 0;
	for (i = 0; i < n; i++) {
		if (!link_is_b64url(p[i]))
			return 0;
	}
	/* The unused low bits of the last character must be zero. */
	v = (unsigned int)(strchr(alphabet, p[n - 1]) - alphabet);
	if ((n % 4 == 2 && (v & 0x0f) != 0) || (n % 4 == 3 && (v & 0x03) != 0))
		return 0;
	return 1;
}

struct link_params {
	int seen_a, seen_p, seen_no_ssl;
};

static int
link_param_action(const char *v, size_t n, struct sceau_link *l)
{
	char name[32];

	if (n >= sizeof(name)) {
		sceau_message("unknown action");
		return -1;
	}
	memcpy(name, v, n);
	name[n] = '\0';
	if ((l->action = sceau_link_action_from_name(name)) == 0) {
		sceau_message("unknown action \"%s\"", name);
		return -1;
	}
	return 0;
}

static int
link_param(const char *k, size_t klen, const char *v, size_t vlen,
    struct link_params *seen, struct sceau_link *l)
{
	if (klen == 1 && k[0] == 'a' && !seen->seen_a) {
		seen->seen_a = 1;
		return link_param_action(v, vlen, l);
	}
	if (klen == 1 && k[0] == 'p' && !seen->seen_p) {
		seen->seen_p = 1;
		if (!link_token_ok(v, vlen)) {
			sceau_message("token: expected 1 to %d characters of "
			              "canonical base64url",
			    SCEAU_LINK_TOKEN_MAX);
			return -1;
		}
		memcpy(l->token, v, vlen);
		l->token[vlen] = '\0';
		return 0;
	}
	if (klen == 6 && memcmp(k, "no_ssl", 6) == 0 && !seen->seen_no_ssl) {
		seen->seen_no_ssl = 1;
		if (vlen != 1 || v[0] != '1') {
			sceau_message("no_ssl: the only value is 1");
			return -1;
		}
		l->server.no_ssl = 1;
		return 0;
	}
	if ((klen == 1 && (k[0] == 'a' || k[0] == 'p')) ||
	    (klen == 6 && memcmp(k, "no_ssl", 6) == 0))
		sceau_message("parameter \"%.*s\" given twice", (int)klen, k);
	else
		sceau_message(
		    "unknown parameter \"%.*s\"", (int)SCEAU_MIN(klen, 32), k);
	return -1;
}

/* The query string q[0..n) (after '?'). */
static int
link_parse_query(const char *q, size_t n, struct sceau_link *l)
{
	struct link_params seen = {0, 0, 0};
	const char *p = q, *end = q + n, *amp, *eq;

	for (;;) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || eq == p) {
			sceau_message(
			    "malformed parameter (expected NAME=VALUE)");
			return -1;
		}
		if (link_param(p, (size_t)(eq - p), eq + 1,
		        (size_t)(amp - eq - 1), &seen, l) != 0)
			return -1;
		if (amp == end)
			break;
		p = amp + 1;
	}
	if (!seen.seen_a || !seen.seen_p) {
		sceau_message(
		    "parameter \"%s\" missing", seen.seen_a ? "p" : "a");
		return -1;
	}
	return 0;
}

/* "/ORG?QUERY" in p[0..n). */
static int
link_parse_rest(const char *p, size_t n, struct sceau_link *l)
{
	const char *q = memchr(p, '?', n);
	size_t olen;

	if (n == 0 || p[0] != '/' || q == NULL) {
		sceau_message("expected /ORGANIZATION?a=ACTION&p=TOKEN after "
		              "the host");
		return -1;
	}
	olen = (size_t)(q - p - 1);
	if (olen > SCEAU_ORG_ID_MAX) {
		sceau_message("invalid organization id");
		return -1;
	}
	memcpy(l->org_id, p + 1, olen);
	l->org_id[olen] = '\0';
	if (!sceau_org_id_valid(l->org_id)) {
		sceau_message("invalid organization id");
		return -1;
	}
	return link_parse_query(q + 1, (size_t)(n - olen - 2), l);
}

static int
link_parse(const char *s, struct sceau_link *l)
{
	size_t n = strnlen(s, SCEAU_LINK_MAX + 1), alen;
	const char *auth, *slash;

	if (n > SCEAU_LINK_MAX) {
		sceau_message(
		    "link: longer than %d characters", SCEAU_LINK_MAX);
		return -1;
	}
	if (n < strlen(LINK_SCHEME) ||
	    strncasecmp(s, LINK_SCHEME, strlen(LINK_SCHEME)) != 0) {
		sceau_message("link: expected sceau://");
		return -1;
	}
	if (link_check_chars(s, n, "link") != 0)
		return -1;
	if (memchr(s, '#', n) != NULL) {
		sceau_message("link: fragments ('#') are not allowed");
		return -1;
	}
	auth = s + strlen(LINK_SCHEME);
	alen = n - strlen(LINK_SCHEME);
	if ((slash = memchr(auth, '/', alen)) == NULL) {
		sceau_message("link: expected /ORGANIZATION after the host");
		return -1;
	}
	if (link_parse_authority(auth, (size_t)(slash - auth), &l->server) !=
	        0 ||
	    link_parse_rest(slash, alen - (size_t)(slash - auth), l) != 0)
		return -1;
	link_default_port(&l->server);
	return 0;
}

int
sceau_link_parse(const char *s, struct sceau_link *l)
{
	memset(l, 0, sizeof(*l));
	if (link_parse(s, l) != 0) {
		sceau_link_clear(l);
		return SCEAU_ERR_BAD_LINK;
	}
	return 0;
}

/* srv's host and port, as a caller may have filled them, re-checked. */
static int
link_server_ok(const struct sceau_link_server *srv)
{
	struct sceau_link_server tmp;
	size_t n = strnlen(srv->host, sizeof(srv->host));

	memset(&tmp, 0, sizeof(tmp));
	if (n == 0 || n >= sizeof(srv->host) || srv->port == 0)
		return 0;
	if (srv->host_ipv6)
		return link_host_ipv6(srv->host, n, &tmp) == 0;
	return link_host_name(srv->host, n, &tmp) == 0;
}

static int
link_put_host(const struct sceau_link_server *srv, struct sceau_buf *out)
{
	if (srv->host_ipv6)
		return sceau_buf_putf(out, "[%s]", srv->host);
	return sceau_buf_putf(out, "%s", srv->host);
}

int
sceau_link_format(const struct sceau_link *l, struct sceau_buf *out)
{
	const char *action = sceau_link_action_name(l->action);
	size_t start = sceau_buf_len(out);
	uint16_t def;
	int r;

	if (action == NULL || !sceau_org_id_valid(l->org_id) ||
	    !link_token_ok(l->token, strnlen(l->token, sizeof(l->token))) ||
	    !link_server_ok(&l->server))
		return SCEAU_ERR_INVALID_ARGUMENT;
	def = l->server.no_ssl ? SCEAU_LINK_PORT_HTTP : SCEAU_LINK_PORT_HTTPS;
	if ((r = sceau_buf_putf(out, "%s", LINK_SCHEME)) != 0 ||
	    (r = link_put_host(&l->server, out)) != 0 ||
	    (l->server.port != def &&
	        (r = sceau_buf_putf(out, ":%u", (unsigned)l->server.port)) !=
	            0) ||
	    (r = sceau_buf_putf(out, "/%s?a=%s&p=%s%s", l->org_id, action,
	         l->token, l->server.no_ssl ? "&no_ssl=1" : "")) != 0)
		goto fail;
	return 0;
fail:
	/* The token may be in the buffer: wipe what we added. */
	if (sceau_buf_len(out) > start)
		(void)sceau_buf_consume_end(out, sceau_buf_len(out) - start);
	return r;
}

int
sceau_link_base_url(const struct sceau_link_server *srv, struct sceau_buf *out)
{
	size_t start = sceau_buf_len(out);
	int r;

	if (!link_server_ok(srv))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_putf(
	         out, "%s://", srv->no_ssl ? "http" : "https")) != 0 ||
	    (r = link_put_host(srv, out)) != 0 ||
	    (r = sceau_buf_putf(out, ":%u", (unsigned)srv->port)) != 0) {
		if (sceau_buf_len(out) > start)
			(void)sceau_buf_consume_end(
			    out, sceau_buf_len(out) - start);
		return r;
	}
	return 0;
}

static int
link_url_parse(const char *url, struct sceau_link_server *srv)
{
	size_t n = strnlen(url, SCEAU_LINK_MAX + 1), skip;

	if (n > SCEAU_LINK_MAX) {
		sceau_message(
		    "server URL: longer than %d characters", SCEAU_LINK_MAX);
		return -1;
	}
	if (n >= 8 && strncasecmp(url, "https://", 8) == 0) {
		skip = 8;
	} else if (n >= 7 && strncasecmp(url, "http://", 7) == 0) {
		skip = 7;
		srv->no_ssl = 1;
	} else {
		sceau_message("server URL: expected https:// or http://");
		return -1;
	}
	if (link_check_chars(url, n, "server URL") != 0)
		return -1;
	/* One final '/' is allowed; no other path, query or fragment. */
	if (n > skip && url[n - 1] == '/')
		n--;
	if (strcspn(url + skip, "/?#") < n - skip) {
		sceau_message("server URL: no path, query or fragment allowed");
		return -1;
	}
	if (link_parse_authority(url + skip, n - skip, srv) != 0)
		return -1;
	link_default_port(srv);
	return 0;
}

int
sceau_link_url_parse(const char *url, struct sceau_link_server *srv)
{
	memset(srv, 0, sizeof(*srv));
	if (link_url_parse(url, srv) != 0) {
		memset(srv, 0, sizeof(*srv));
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return 0;
}
