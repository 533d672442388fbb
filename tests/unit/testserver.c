/*
 * testserver.c: a tiny HTTP/1.1 server for the client's unit tests (see
 * testserver.h).  Test code: it aborts on setup failures rather than
 * report them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "testserver.h"

#define TS_TICK_MS 20
#define TS_INBUF (TS_HEADERS_MAX + TS_TARGET_MAX + TS_BODY_MAX)

struct ts_server {
	int lfd;
	uint16_t port;
	SSL_CTX *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	int stop;
	struct ts_response resp;
	char simple[TS_BODY_MAX + 1024];
	unsigned int nreq, nconn;
	struct ts_request last;
	int have_last;
};

/* One connection. */
struct ts_conn {
	struct ts_server *s;
	int fd;
	SSL *ssl;
	char in[TS_INBUF];
	size_t len;
};

static int
ts_stopping(struct ts_server *s)
{
	int stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

/* Waits until fd is readable; 0 ready, 1 stop asked, -1 error. */
static int
ts_wait(struct ts_server *s, int fd)
{
	struct pollfd p;
	int n;

	for (;;) {
		if (ts_stopping(s))
			return 1;
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, TS_TICK_MS);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			return 0;
	}
}

static ssize_t
ts_read(struct ts_conn *c, void *p, size_t n)
{
	int k;

	if (c->ssl == NULL)
		return recv(c->fd, p, n, 0);
	if (SSL_pending(c->ssl) == 0 && ts_wait(c->s, c->fd) != 0)
		return -1;
	k = SSL_read(c->ssl, p, (int)n);
	return k > 0
	    ? k
	    : (SSL_get_error(c->ssl, k) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
}

static int
ts_write(struct ts_conn *c, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if (c->ssl != NULL)
			k = SSL_write(c->ssl, p, (int)n);
		else
			k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads more into c->in; 0, or -1 on EOF, error or stop. */
static int
ts_fill(struct ts_conn *c)
{
	ssize_t n;

	if (c->len >= sizeof(c->in))
		return -1;
	if (c->ssl == NULL && ts_wait(c->s, c->fd) != 0)
		return -1;
	n = ts_read(c, c->in + c->len, sizeof(c->in) - c->len);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

static size_t
ts_content_length(const char *headers)
{
	const char *p = headers;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			return (size_t)strtoul(p + 15, NULL, 10);
	}
	return 0;
}

/* Reads one request into r; 0, or -1 when the connection ends. */
static int
ts_read_request(struct ts_conn *c, struct ts_request *r)
{
	char *end, *sp1, *sp2, *eol;
	size_t hlen, blen;

	c->in[c->len] = '\0';
	while ((end = strstr(c->in, "\r\n\r\n")) == NULL) {
		if (ts_fill(c) != 0)
			return -1;
		c->in[c->len] = '\0';
	}
	hlen = (size_t)(end - c->in) + 4;
	blen = ts_content_length(c->in);
	if (blen > TS_BODY_MAX)
		return -1;
	while (c->len < hlen + blen) {
		if (ts_fill(c) != 0)
			return -1;
	}
	memset(r, 0, sizeof(*r));
	eol = strstr(c->in, "\r\n");
	sp1 = memchr(c->in, ' ', (size_t)(eol - c->in));
	sp2 =
	    sp1 == NULL ? NULL : memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || (size_t)(sp1 - c->in) >= sizeof(r->method) ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof(r->target) ||
	    hlen - (size_t)(eol - c->in) >= sizeof(r->headers))
		return -1;
	memcpy(r->method, c->in, (size_t)(sp1 - c->in));
	memcpy(r->target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	memcpy(r->headers, eol + 2, hlen - (size_t)(eol - c->in) - 2);
	memcpy(r->body, c->in + hlen, blen);
	r->body_len = blen;
	memmove(c->in, c->in + hlen + blen, c->len - hlen - blen);
	c->len -= hlen + blen;
	return 0;
}

/* Sleeps ms; -1 if the client went away or a stop was asked. */
static int
ts_delay(struct ts_conn *c, unsigned int ms)
{
	struct pollfd p;
	char b;

	while (ms > 0) {
		unsigned int step = ms < TS_TICK_MS ? ms : TS_TICK_MS;

		if (ts_stopping(c->s))
			return -1;
		p.fd = c->fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, (int)step) > 0 &&
		    ((p.revents & (POLLHUP | POLLERR)) != 0 ||
		        recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0))
			return -1;
		ms -= step;
	}
	return 0;
}

static void
ts_serve(struct ts_conn *c)
{
	struct ts_server *s = c->s;
	struct ts_request *req = malloc(sizeof(*req));
	struct ts_response resp;
	size_t i;

	if (req == NULL)
		abort();
	while (ts_read_request(c, req) == 0) {
		pthread_mutex_lock(&s->lock);
		s->last = *req;
		s->have_last = 1;
		s->nreq++;
		resp = s->resp;
		pthread_mutex_unlock(&s->lock);
		for (i = 0; i < resp.n; i++) {
			if (ts_delay(c, resp.part[i].delay_ms) != 0 ||
			    ts_write(c, resp.part[i].data, resp.part[i].len) !=
			        0)
				goto out;
		}
		if (resp.close)
			break;
	}
out:
	free(req);
}

static void
ts_accept(struct ts_server *s)
{
	struct ts_conn *c = calloc(1, sizeof(*c));
	int fd;

	if (c == NULL)
		abort();
	if ((fd = accept(s->lfd, NULL, NULL)) < 0) {
		free(c);
		return;
	}
	pthread_mutex_lock(&s->lock);
	s->nconn++;
	pthread_mutex_unlock(&s->lock);
	c->s = s;
	c->fd = fd;
	if (s->ctx != NULL) {
		if ((c->ssl = SSL_new(s->ctx)) == NULL ||
		    SSL_set_fd(c->ssl, fd) != 1 || SSL_accept(c->ssl) != 1) {
			/* The client refused our certificate: fine. */
			ERR_clear_error();
			goto out;
		}
	}
	ts_serve(c);
	if (c->ssl != NULL)
		(void)SSL_shutdown(c->ssl);
out:
	SSL_free(c->ssl);
	ERR_clear_error();
	(void)close(fd);
	free(c);
}

static void *
ts_main(void *arg)
{
	struct ts_server *s = arg;

	while (ts_wait(s, s->lfd) == 0)
		ts_accept(s);
	return NULL;
}

static SSL_CTX *
ts_tls(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL ||
	    SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		abort();
	return ctx;
}

struct ts_server *
ts_start(const char *cert, const char *key)
{
	struct ts_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	if (s == NULL)
		abort();
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->lfd, 8) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0)
		abort();
	s->port = ntohs(a.sin_port);
	if (cert != NULL)
		s->ctx = ts_tls(cert, key);
	if (pthread_mutex_init(&s->lock, NULL) != 0 ||
	    pthread_create(&s->thread, NULL, ts_main, s) != 0)
		abort();
	return s;
}

void
ts_stop(struct ts_server *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_mutex_unlock(&s->lock);
	(void)pthread_join(s->thread, NULL);
	(void)close(s->lfd);
	SSL_CTX_free(s->ctx);
	(void)pthread_mutex_destroy(&s->lock);
	free(s);
}

uint16_t
ts_port(const struct ts_server *s)
{
	return s->port;
}

void
ts_set_response(struct ts_server *s, const struct ts_response *r)
{
	pthread_mutex_lock(&s->lock);
	s->resp = *r;
	pthread_mutex_unlock(&s->lock);
}

void
ts_set_simple(
    struct ts_server *s, int status, const char *ctype, const char *body)
{
	int k;

	pthread_mutex_lock(&s->lock);
	k = snprintf(s->simple, sizeof(s->simple),
	    "HTTP/1.1 %d X\r\n%s%s%sContent-Length: %zu\r\n\r\n%s", status,
	    ctype != NULL ? "Content-Type: " : "", ctype != NULL ? ctype : "",
	    ctype != NULL ? "\r\n" : "", strlen(body), body);
	if (k < 0 || (size_t)k >= sizeof(s->simple))
		abort();
	memset(&s->resp, 0, sizeof(s->resp));
	s->resp.part[0].data = s->simple;
	s->resp.part[0].len = (size_t)k;
	s->resp.n = 1;
	pthread_mutex_unlock(&s->lock);
}

unsigned int
ts_requests(struct ts_server *s)
{
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->nreq;
	pthread_mutex_unlock(&s->lock);
	return n;
}

unsigned int
ts_connections(struct ts_server *s)
{
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->nconn;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int
ts_last_request(struct ts_server *s, struct ts_request *out)
{
	int have;

	pthread_mutex_lock(&s->lock);
	have = s->have_last;
	if (have)
		*out = s->last;
	pthread_mutex_unlock(&s->lock);
	return have ? 0 : -1;
}

int
ts_header(const struct ts_request *r, const char *name, char *out, size_t n)
{
	const char *p = r->headers, *eol;
	size_t nl = strlen(name), vl;

	for (; (eol = strstr(p, "\r\n")) != NULL; p = eol + 2) {
		if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		p += nl + 1;
		while (*p == ' ')
			p++;
		vl = (size_t)(eol - p);
		if (vl >= n)
			return -1;
		memcpy(out, p, vl);
		out[vl] = '\0';
		return 0;
	}
	return -1;
}

static int
ts_cert_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

static int
ts_write_pem(const char *cert, const char *key, X509 *x, EVP_PKEY *k)
{
	FILE *fc = fopen(cert, "w"), *fk = fopen(key, "w");
	int ok = fc != NULL && fk != NULL && PEM_write_X509(fc, x) == 1 &&
	    PEM_write_PrivateKey(fk, k, NULL, NULL, 0, NULL, NULL) == 1;

	if (fc != NULL && fclose(fc) != 0)
		ok = 0;
	if (fk != NULL && fclose(fk) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

int
ts_make_cert(const char *san, const char *cert, const char *key)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	int r = -1;

	if (k == NULL || x == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    X509_set_pubkey(x, k) != 1 ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	        (const unsigned char *)"sceau test", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    ts_cert_ext(x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
	    ts_cert_ext(x, NID_key_usage,
	        "critical,digitalSignature,keyCertSign") != 0 ||
	    ts_cert_ext(x, NID_subject_alt_name, san) != 0 ||
	    X509_sign(x, k, EVP_sha256()) == 0 ||
	    ts_write_pem(cert, key, x, k) != 0)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}
