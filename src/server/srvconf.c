/*
 * srvconf.c: reading and checking sceau-server's configuration.
 *
 * Every key is declared below; the parser (conf.h) refuses any other, so
 * a typo fails the start (and --check-config) instead of being ignored.
 * Defaults are those of sceau-server.conf(5).
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accesslog.h"
#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "hash.h"
#include "link.h"
#include "log.h"
#include "secmem.h"
#include "srvconf.h"
#include "x509.h"
#include "tls.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define ADMIN_TOKEN_MIN 16
#define ADMIN_TOKEN_FILE_MAX 4096

static const char *const srvconf_keys[] = {
    "server.listen",
    "server.public_url",
    "server.tls_cert",
    "server.tls_key",
    "server.trusted_proxies",
    "server.max_connections",
    "server.connection_timeout",
    "server.max_body",
    "server.max_block_body",
    "server.upload_memory",
    "server.clock_skew",
    "server.sse_ping",
    "server.shutdown_timeout",
    "server.replay_cache_entries",
    "server.log_level",
    "server.invitation_lifetime",
    "admin.token_file",
    "admin.token",
    "database.backend",
    "database.path",
    "database.pool",
    "database.busy_timeout",
    "database.synchronous",
    "database.blocks_dir",
    "mail.relay",
    "mail.from",
    "mail.tls",
    "mail.ca_file",
    "mail.username",
    "mail.password_file",
    "mail.timeout",
    "mail.language",
    "pki.crl_fetch",
    "pki.ocsp",
    "pki.soft_fail",
    "pki.remote_fetch",
    "audit.log_key",
    "audit.checkpoint_records",
    "audit.checkpoint_interval",
    NULL,
};

#define SRVCONF_DAY_MS (24ULL * 3600000)

/* A value's place for messages about it, and the message itself. */
static int
srvconf_bad(const struct srv_conf *c, const char *section, const char *key,
    const char *what)
{
	char where[512];

	sceau_conf_where(c->conf, section, key, where, sizeof(where));
	sceau_message("%s%s%s.%s: %s", where, where[0] != '\0' ? ": " : "",
	    section, key, what);
	return SCEAU_ERR_CONFIG;
}

/* Two keys that go together: both set, or neither. */
static int
srvconf_get_pair(struct srv_conf *c, const char *section, const char *k1,
    const char *k2, const char **v1, const char **v2)
{
	char msg[160];
	int r;

	if ((r = sceau_conf_get_string(c->conf, section, k1, NULL, v1)) != 0 ||
	    (r = sceau_conf_get_string(c->conf, section, k2, NULL, v2)) != 0)
		return r;
	if ((*v1 == NULL) == (*v2 == NULL))
		return 0;
	(void)snprintf(msg, sizeof(msg), "set both %s.%s and %s.%s, or neither",
	    section, k1, section, k2);
	return srvconf_bad(c, section, *v1 != NULL ? k1 : k2, msg);
}

static int
srvconf_durations(struct srv_conf *c)
{
	const struct sceau_conf *f = c->conf;
	uint64_t timeout;
	int r;

	if ((r = sceau_conf_get_duration(f, "server", "connection_timeout",
	         1000, 3600000, 60000, &timeout)) != 0 ||
	    (r = sceau_conf_get_duration(f, "server", "clock_skew", 1000,
	         3600000, 300000, &c->set.clock_skew_ms)) != 0 ||
	    (r = sceau_conf_get_duration(f, "server", "sse_ping", 100, 3600000,
	         15000, &c->set.sse_ping_ms)) != 0 ||
	    (r = sceau_conf_get_duration(f, "server", "shutdown_timeout", 0,
	         600000, 10000, &c->shutdown_timeout_ms)) != 0 ||
	    (r = sceau_conf_get_duration(f, "server", "invitation_lifetime",
	         60000, 90 * SRVCONF_DAY_MS, 7 * SRVCONF_DAY_MS,
	         &c->set.invitation_lifetime_ms)) != 0)
		return r;
	c->http.connection_timeout_s = (unsigned int)((timeout + 999) / 1000);
	/* An idle event stream must ping before the connection times out. */
	if (c->set.sse_ping_ms >= timeout)
		return srvconf_bad(c, "server", "sse_ping",
		    "must be shorter than server.connection_timeout");
	return 0;
}

/* Bodies of blocks and vlobs, and the memory they are received into. */
static int
srvconf_uploads(struct srv_conf *c)
{
	const struct sceau_conf *f = c->conf;
	uint64_t blocks, mem;
	int r;

	if ((r = sceau_conf_get_size(f, "server", "max_block_body",
	         1024UL * 1024, 64UL * 1024 * 1024, 16UL * 1024 * 1024,
	         &blocks)) != 0 ||
	    (r = sceau_conf_get_size(f, "server", "upload_memory",
	         16UL * 1024 * 1024, 4096UL * 1024 * 1024, 32UL * 1024 * 1024,
	         &mem)) != 0)
		return r;
	if (mem < blocks)
		return srvconf_bad(c, "server", "upload_memory",
		    "must be at least server.max_block_body");
	c->set.max_block_body = (size_t)blocks;
	c->http.upload_memory = (size_t)mem;
	return 0;
}

static int
srvconf_server(struct srv_conf *c)
{
	const struct sceau_conf *f = c->conf;
	const char *proxies, *level;
	int64_t maxconn, replay;
	uint64_t body;
	int r;

	if ((r = sceau_conf_get_hostport(f, "server", "listen",
	         "127.0.0.1:8080", c->http.host, sizeof(c->http.host),
	         &c->http.port)) != 0 ||
	    (r = sceau_conf_get_int(f, "server", "max_connections", 1, 100000,
	         256, &maxconn)) != 0 ||
	    (r = sceau_conf_get_size(f, "server", "max_body", 1024,
	         64UL * 1024 * 1024, 1024UL * 1024, &body)) != 0 ||
	    (r = sceau_conf_get_int(f, "server", "replay_cache_entries", 1000,
	         100000000, 1000000, &replay)) != 0 ||
	    (r = sceau_conf_get_string(
	         f, "server", "trusted_proxies", "", &proxies)) != 0 ||
	    (r = sceau_conf_get_string(
	         f, "server", "log_level", "info", &level)) != 0 ||
	    (r = srvconf_durations(c)) != 0 || (r = srvconf_uploads(c)) != 0)
		return r;
	c->http.max_connections = (unsigned int)maxconn;
	c->set.max_body = (size_t)body;
	c->db.replay_max = (size_t)replay;
	if (srv_proxy_parse(proxies, &c->http.proxies) != 0)
		return srvconf_bad(
		    c, "server", "trusted_proxies", sceau_last_message());
	if ((c->log_level = sceau_log_level_from_name(level)) < 0 ||
	    c->log_level == SCEAU_LOG_QUIET)
		return srvconf_bad(c, "server", "log_level",
		    "expected error, warning, info, debug or trace");
	return 0;
}

/* The token, trimmed of surrounding blanks and newlines, hashed. */
static int
srvconf_hash_token(struct srv_conf *c, const char *section, const char *key,
    const char *tok, size_t n)
{
	while (n > 0 && strchr(" \t\r\n", tok[n - 1]) != NULL)
		n--;
	while (n > 0 && strchr(" \t\r\n", tok[0]) != NULL) {
		tok++;
		n--;
	}
	if (n < ADMIN_TOKEN_MIN)
		return srvconf_bad(
		    c, section, key, "admin token shorter than 16 characters");
	if (memchr(tok, '\0', n) != NULL || memchr(tok, '\n', n) != NULL)
		return srvconf_bad(c, section, key, "admin token on one line");
	c->set.admin_enabled = 1;
	return sceau_hash_sha256(tok, n, c->set.admin_hash);
}

static int
srvconf_token_file(struct srv_conf *c, const char *path)
{
	struct sceau_buf *b;
	struct stat st;
	int r;

	/* The token is a password: refuse to use one anyone can read. */
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH) != 0) {
		sceau_message("%s: admin token readable by everyone", path);
		return SCEAU_ERR_INSECURE_FILE;
	}
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_load_file(path, ADMIN_TOKEN_FILE_MAX, b)) == 0)
		r = srvconf_hash_token(c, "admin", "token_file",
		    (const char *)sceau_buf_ptr(b), sceau_buf_len(b));
	sceau_buf_free(b); /* wiped */
	return r;
}

static int
srvconf_admin(struct srv_conf *c)
{
	const char *file, *tok;
	int r;

	if ((r = sceau_conf_get_string(
	         c->conf, "admin", "token_file", NULL, &file)) != 0 ||
	    (r = sceau_conf_get_string(
	         c->conf, "admin", "token", NULL, &tok)) != 0)
		return r;
	if (file != NULL && tok != NULL)
		return srvconf_bad(c, "admin", "token",
		    "set admin.token or admin.token_file, not both");
	if (file != NULL)
		return srvconf_token_file(c, file);
	if (tok != NULL)
		return srvconf_hash_token(
		    c, "admin", "token", tok, strlen(tok));
	return 0;
}

/* Block packs: database.blocks_dir, by default "blocks" beside the
 * database (in memory with an in-memory database). */
static int
srvconf_blocks_dir(struct srv_conf *c)
{
	const char *dir, *slash;
	size_t n;
	int r;

	if ((r = sceau_conf_get_string(
	         c->conf, "database", "blocks_dir", NULL, &dir)) != 0)
		return r;
	if (dir != NULL) {
		if (dir[0] == '\0')
			return srvconf_bad(
			    c, "database", "blocks_dir", "empty");
		c->db.blocks_dir = dir;
		return 0;
	}
	if (strcmp(c->db.path, ":memory:") == 0)
		return 0;
	slash = strrchr(c->db.path, '/');
	n = slash != NULL ? (size_t)(slash - c->db.path) + 1 : 0;
	if ((c->blocks_dir = sceau_malloc(n + sizeof("blocks"))) == NULL)
		return SCEAU_ERR_ALLOC;
	memcpy(c->blocks_dir, c->db.path, n);
	memcpy(c->blocks_dir + n, "blocks", sizeof("blocks"));
	c->db.blocks_dir = c->blocks_dir;
	return 0;
}

static int
srvconf_db(struct srv_conf *c)
{
	const struct sceau_conf *f = c->conf;
	const char *sync;
	int64_t pool;
	int r;

	if ((r = sceau_conf_get_string(
	         f, "database", "backend", "sqlite", &c->db.kind)) != 0 ||
	    (r = sceau_conf_get_string(f, "database", "path",
	         LOCALSTATEDIR "/lib/sceau/server.db", &c->db.path)) != 0 ||
	    (r = sceau_conf_get_int(f, "database", "pool", 1, 64, 4, &pool)) !=
	        0 ||
	    (r = sceau_conf_get_duration(f, "database", "busy_timeout", 0,
	         600000, 5000, &c->db.busy_timeout_ms)) != 0 ||
	    (r = sceau_conf_get_string(
	         f, "database", "synchronous", "normal", &sync)) != 0)
		return r;
	c->db.pool_size = (unsigned int)pool;
	if (strcmp(c->db.kind, "sqlite") != 0)
		return srvconf_bad(c, "database", "backend",
		    "this server knows the sqlite backend only");
	if (c->db.path[0] == '\0')
		return srvconf_bad(c, "database", "path", "empty");
	if (strcmp(sync, "normal") != 0 && strcmp(sync, "full") != 0)
		return srvconf_bad(
		    c, "database", "synchronous", "expected normal or full");
	c->db.synchronous_full = strcmp(sync, "full") == 0;
	return srvconf_blocks_dir(c);
}

/*
 * [audit]: the access log's key (by default "log.key" beside the
 * database; in memory only with an in-memory database) and how often a
 * checkpoint is signed.
 */
static int
srvconf_audit(struct srv_conf *c)
{
	const char *key, *slash;
	int64_t batch;
	size_t n;
	int r;

	if ((r = sceau_conf_get_string(
	         c->conf, "audit", "log_key", NULL, &key)) != 0 ||
	    (r = sceau_conf_get_int(c->conf, "audit", "checkpoint_records", 1,
	         1000000, SRV_ALOG_BATCH_DEFAULT, &batch)) != 0 ||
	    (r = sceau_conf_get_duration(c->conf, "audit",
	         "checkpoint_interval", 1000, 24ULL * 3600000,
	         SRV_ALOG_INTERVAL_DEFAULT, &c->alog_interval_ms)) != 0)
		return r;
	c->alog_batch = (unsigned int)batch;
	if (key != NULL) {
		if (key[0] == '\0')
			return srvconf_bad(c, "audit", "log_key", "empty");
		c->alog_key = key;
		return 0;
	}
	if (strcmp(c->db.path, ":memory:") == 0)
		return 0;
	slash = strrchr(c->db.path, '/');
	n = slash != NULL ? (size_t)(slash - c->db.path) + 1 : 0;
	if ((c->alog_key_default = sceau_malloc(n + sizeof("log.key"))) == NULL)
		return SCEAU_ERR_ALLOC;
	memcpy(c->alog_key_default, c->db.path, n);
	memcpy(c->alog_key_default + n, "log.key", sizeof("log.key"));
	c->alog_key = c->alog_key_default;
	return 0;
}

static int
srvconf_tls(struct srv_conf *c)
{
	const char *cert, *key;
	int r;

	if ((r = srvconf_get_pair(
	         c, "server", "tls_cert", "tls_key", &cert, &key)) != 0)
		return r;
	if (cert == NULL)
		return 0;
	if ((r = srv_tls_load(cert, key, &c->tls_cert_pem, &c->tls_key_pem)) !=
	    0)
		return r;
	c->http.tls_cert_pem = c->tls_cert_pem;
	c->http.tls_key_pem = c->tls_key_pem;
	return 0;
}

/* "HOST:PORT" or "[V6]:PORT" rather than a bare host. */
static int
srvconf_has_port(const char *hostport)
{
	const char *p = hostport;

	if (p[0] == '[' && (p = strchr(p, ']')) == NULL)
		return 0; /* malformed: the parser says so */
	return strchr(p, ':') != NULL;
}

/* Links name the public address: public_url, or else the listened one. */
static int
srvconf_link(struct srv_conf *c)
{
	char hp[SCEAU_CONF_HOST_MAX + 16];
	const char *url, *rest;
	int tls;

	if (sceau_conf_get_string(
	        c->conf, "server", "public_url", NULL, &url) != 0 ||
	    url == NULL) {
		c->set.link_tls = c->tls_cert_pem != NULL;
		c->set.link_port = c->http.port;
		(void)snprintf(c->set.link_host, sizeof(c->set.link_host), "%s",
		    strcmp(c->http.host, "0.0.0.0") == 0 ||
		            strcmp(c->http.host, "::") == 0
		        ? "localhost"
		        : c->http.host);
		return 0;
	}
	tls = strncmp(url, "https://", 8) == 0;
	if (!tls && strncmp(url, "http://", 7) != 0)
		return srvconf_bad(c, "server", "public_url",
		    "expected https://HOST[:PORT] or http://HOST[:PORT]");
	rest = url + (tls ? 8 : 7);
	if (srvconf_has_port(rest))
		(void)snprintf(hp, sizeof(hp), "%s", rest);
	else
		(void)snprintf(
		    hp, sizeof(hp), "%s:%s", rest, tls ? "443" : "80");
	if (sceau_conf_parse_hostport(hp, c->set.link_host,
	        sizeof(c->set.link_host), &c->set.link_port) != 0 ||
	    c->set.link_port == 0)
		return srvconf_bad(c, "server", "public_url",
		    "expected https://HOST[:PORT] or http://HOST[:PORT]");
	c->set.link_tls = tls;
	return 0;
}

/* ------------------------------------------------------------------ */
/* [mail]: the relay invitations are mailed through (mail.h). */

static const char *const srvconf_mail_keys[] = {"from", "tls", "ca_file",
    "username", "password_file", "timeout", "language", NULL};

/* Without a relay, mail is off: a key set for it is a mistake. */
static int
srvconf_mail_unused(struct srv_conf *c)
{
	size_t i;

	for (i = 0; srvconf_mail_keys[i] != NULL; i++) {
		if (sceau_conf_has(c->conf, "mail", srvconf_mail_keys[i]))
			return srvconf_bad(c, "mail", srvconf_mail_keys[i],
			    "mail is off without mail.relay: set it, or "
			    "remove this key");
	}
	return 0;
}

/* "smtp://HOST[:PORT]" or "smtps://HOST[:PORT]", as a server URL. */
static int
srvconf_mail_relay(struct srv_conf *c, const char *relay, int *smtps)
{
	struct srv_mail_config *mc = &c->mail;
	struct sceau_link_server srv;
	char url[SCEAU_LINK_MAX];
	const char *rest;
	int n;

	*smtps = strncasecmp(relay, "smtps://", 8) == 0;
	if (!*smtps && strncasecmp(relay, "smtp://", 7) != 0)
		goto bad;
	rest = relay + (*smtps ? 8 : 7);
	/* Default ports: 465 (RFC 8314), 25; read as http:// would be. */
	n = snprintf(url, sizeof(url), "http://%s%s", rest,
	    srvconf_has_port(rest) ? ""
	        : *smtps           ? ":465"
	                           : ":25");
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    sceau_link_url_parse(url, &srv) != 0)
		goto bad;
	n = snprintf(mc->relay, sizeof(mc->relay), "%s://%s%s%s:%u",
	    *smtps ? "smtps" : "smtp", srv.host_ipv6 ? "[" : "", srv.host,
	    srv.host_ipv6 ? "]" : "", (unsigned int)srv.port);
	if (n < 0 || (size_t)n >= sizeof(mc->relay))
		goto bad;
	mc->loopback = srv.loopback;
	mc->enabled = 1;
	return 0;
bad:
	return srvconf_bad(c, "mail", "relay",
	    "expected smtp://HOST:PORT or smtps://HOST:PORT");
}

static int
srvconf_mail_tls(struct srv_conf *c, int smtps)
{
	static const char *const names[] = {
	    "starttls", "smtps", "none", "insecure"};
	struct srv_mail_config *mc = &c->mail;
	const char *tls;
	size_t i;
	int r;

	if ((r = sceau_conf_get_string(c->conf, "mail", "tls",
	         smtps ? "smtps" : "starttls", &tls)) != 0)
		return r;
	for (i = 0; i < SCEAU_NELEM(names) && strcmp(tls, names[i]) != 0; i++)
		;
	if (i == SCEAU_NELEM(names))
		return srvconf_bad(c, "mail", "tls",
		    "expected starttls, smtps, none or insecure");
	mc->tls = (enum srv_mail_tls)i;
	if (smtps && mc->tls != SRV_MAIL_TLS_SMTPS)
		return srvconf_bad(c, "mail", "tls",
		    "an smtps:// relay speaks TLS from the start: set smtps "
		    "or leave it unset");
	if (!smtps && mc->tls == SRV_MAIL_TLS_SMTPS)
		return srvconf_bad(
		    c, "mail", "tls", "smtps needs an smtps:// relay");
	if (mc->tls == SRV_MAIL_TLS_NONE && !mc->loopback)
		return srvconf_bad(c, "mail", "tls",
		    "none (plain SMTP) is for a loopback relay only "
		    "(127.0.0.1, ::1, localhost): use starttls or smtps, or "
		    "insecure to send mail in clear across the network");
	return 0;
}

static int
srvconf_mail_from(struct srv_conf *c)
{
	const char *from;
	int r;

	if ((r = sceau_conf_get_string(c->conf, "mail", "from", NULL, &from)) !=
	    0)
		return r;
	if (from == NULL)
		return srvconf_bad(c, "mail", "from",
		    "missing: mail.relay needs a sender address");
	if (!srv_mail_address_valid(from))
		return srvconf_bad(c, "mail", "from",
		    "expected an address such as sceau@example.org");
	(void)snprintf(c->mail.from, sizeof(c->mail.from), "%s", from);
	return 0;
}

/* The relay's password: the first line of a file only we may read. */
static int
srvconf_mail_password(struct srv_conf *c, const char *path)
{
	struct sceau_buf *b = NULL;
	const char *p;
	struct stat st;
	size_t n;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = srvconf_bad(c, "mail", "password_file",
		    "cannot read it, or not a regular file");
		goto out;
	}
	if ((st.st_mode & S_IROTH) != 0) {
		sceau_message("%s: mail password readable by everyone", path);
		r = SCEAU_ERR_INSECURE_FILE;
		goto out;
	}
	if ((b = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_buf_load_fd(fd, SRV_MAIL_PASSWORD_MAX + 2, b)) != 0) {
		r = srvconf_bad(c, "mail", "password_file",
		    "cannot read it, or longer than 1024 bytes");
		goto out;
	}
	p = (const char *)sceau_buf_ptr(b);
	n = sceau_buf_len(b);
	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0 || n > SRV_MAIL_PASSWORD_MAX || memchr(p, '\0', n) != NULL ||
	    memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL) {
		r = srvconf_bad(c, "mail", "password_file",
		    "expected one line of 1 to 1024 bytes");
		goto out;
	}
	if ((c->mail.password = sceau_secmem_alloc(n + 1)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	memcpy(c->mail.password, p, n);
	r = 0;
out:
	sceau_buf_free(b); /* wiped */
	if (fd != -1)
		(void)close(fd);
	return r;
}

static int
srvconf_mail_auth(struct srv_conf *c)
{
	struct srv_mail_config *mc = &c->mail;
	const char *user, *file;
	int r;

	if ((r = srvconf_get_pair(
	         c, "mail", "username", "password_file", &user, &file)) != 0)
		return r;
	if (user == NULL)
		return 0;
	if (mc->tls == SRV_MAIL_TLS_INSECURE)
		return srvconf_bad(c, "mail", "username",
		    "a password is never sent in clear across the network: "
		    "use starttls or smtps");
	if (user[0] == '\0' || strlen(user) > SRV_MAIL_USERNAME_MAX)
		return srvconf_bad(
		    c, "mail", "username", "expected 1 to 256 bytes");
	(void)snprintf(mc->username, sizeof(mc->username), "%s", user);
	return srvconf_mail_password(c, file);
}

/* The CA file, the time limit, the default language. */
static int
srvconf_mail_misc(struct srv_conf *c)
{
	struct srv_mail_config *mc = &c->mail;
	const char *ca, *lang;
	int r;

	if ((r = sceau_conf_get_string(
	         c->conf, "mail", "ca_file", NULL, &ca)) != 0 ||
	    (r = sceau_conf_get_duration(c->conf, "mail", "timeout", 1000,
	         600000, 30000, &mc->timeout_ms)) != 0 ||
	    (r = sceau_conf_get_string(
	         c->conf, "mail", "language", "en", &lang)) != 0)
		return r;
	if (strcmp(lang, "en") != 0 && strcmp(lang, "fr") != 0)
		return srvconf_bad(c, "mail", "language", "expected en or fr");
	(void)snprintf(mc->lang, sizeof(mc->lang), "%s", lang);
	if (ca == NULL)
		return 0;
	if (mc->tls != SRV_MAIL_TLS_STARTTLS && mc->tls != SRV_MAIL_TLS_SMTPS)
		return srvconf_bad(c, "mail", "ca_file",
		    "only with mail.tls = starttls or smtps");
	if (ca[0] == '\0' || access(ca, R_OK) != 0)
		return srvconf_bad(c, "mail", "ca_file", "cannot read it");
	mc->ca_file = ca;
	return 0;
}

/*
 * curl's URL: the relay, then the name we greet it with (EHLO): the
 * server's public name, or else the sender's domain (never an address
 * or "localhost", which relays may refuse).
 */
static int
srvconf_mail_url(struct srv_conf *c)
{
	struct srv_mail_config *mc = &c->mail;
	const char *host = c->set.link_host;
	struct in6_addr a6;
	struct in_addr a4;
	int n;

	if (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1 ||
	    strcmp(host, "localhost") == 0 || host[0] == '\0')
		host = strrchr(mc->from, '@') + 1;
	n = snprintf(mc->url, sizeof(mc->url), "%s/%s", mc->relay, host);
	return n > 0 && (size_t)n < sizeof(mc->url) ? 0 : SCEAU_ERR_INTERNAL;
}

static int
srvconf_mail(struct srv_conf *c)
{
	const char *relay;
	int smtps, r;

	c->set.mail = &c->mail;
	if ((r = sceau_conf_get_string(
	         c->conf, "mail", "relay", NULL, &relay)) != 0)
		return r;
	if (relay == NULL)
		return srvconf_mail_unused(c);
	if ((r = srvconf_mail_relay(c, relay, &smtps)) != 0 ||
	    (r = srvconf_mail_tls(c, smtps)) != 0 ||
	    (r = srvconf_mail_from(c)) != 0 ||
	    (r = srvconf_mail_auth(c)) != 0 || (r = srvconf_mail_misc(c)) != 0)
		return r;
	return srvconf_mail_url(c);
}

static int
srvconf_overrides(struct srv_conf *c, const struct srv_overrides *ov)
{
	int r = 0;

	if (ov == NULL)
		return 0;
	if (ov->listen != NULL)
		r = sceau_conf_set(
		    c->conf, "--listen", "server", "listen", ov->listen);
	if (r == 0 && ov->db != NULL)
		r = sceau_conf_set(c->conf, "--db", "database", "path", ov->db);
	if (r == 0 && ov->log_level != NULL)
		r = sceau_conf_set(c->conf, "--log-level", "server",
		    "log_level", ov->log_level);
	return r;
}

/* [pki]: revocation checks of enrollment requests (doc/pki.md). */
static int
srvconf_pki(struct srv_conf *c)
{
	const char *ocsp;
	int r;

	if ((r = sceau_conf_get_bool(
	         c->conf, "pki", "crl_fetch", 0, &c->set.pki_crl_fetch)) != 0 ||
	    (r = sceau_conf_get_bool(
	         c->conf, "pki", "soft_fail", 0, &c->set.pki_soft_fail)) != 0 ||
	    (r = sceau_conf_get_bool(c->conf, "pki", "remote_fetch", 0,
	         &c->set.pki_remote_fetch)) != 0 ||
	    (r = sceau_conf_get_string(c->conf, "pki", "ocsp", "off", &ocsp)) !=
	        0)
		return r;
	if (strcmp(ocsp, "off") == 0) {
		c->set.pki_ocsp = SCEAU_X509_OCSP_OFF;
	} else if (strcmp(ocsp, "aia") == 0) {
		c->set.pki_ocsp = SCEAU_X509_OCSP_AIA;
	} else if ((strncmp(ocsp, "http://", 7) == 0 ||
	               strncmp(ocsp, "https://", 8) == 0) &&
	    strlen(ocsp) < sizeof(c->set.pki_ocsp_url)) {
		c->set.pki_ocsp = SCEAU_X509_OCSP_URL;
		(void)snprintf(c->set.pki_ocsp_url, sizeof(c->set.pki_ocsp_url),
		    "%s", ocsp);
	} else {
		return srvconf_bad(c, "pki", "ocsp",
		    "off, aia, or the responder's http:// or https:// URL");
	}
	return 0;
}

static int
srvconf_read(struct srv_conf *c, const char *path)
{
	if (path == NULL && access(SRV_CONF_DEFAULT, F_OK) == 0)
		path = SRV_CONF_DEFAULT;
	if (path == NULL)
		return 0;
	c->file = path;
	return sceau_conf_load_file(c->conf, path);
}

int
srv_conf_load(
    const char *path, const struct srv_overrides *ov, struct srv_conf **out)
{
	struct srv_conf *c;
	int r;

	*out = NULL;
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_conf_new(srvconf_keys, &c->conf)) != 0 ||
	    (r = srvconf_read(c, path)) != 0 ||
	    (r = srvconf_overrides(c, ov)) != 0 ||
	    (r = srvconf_server(c)) != 0 || (r = srvconf_admin(c)) != 0 ||
	    (r = srvconf_db(c)) != 0 || (r = srvconf_audit(c)) != 0 ||
	    (r = srvconf_tls(c)) != 0 || (r = srvconf_link(c)) != 0 ||
	    (r = srvconf_mail(c)) != 0 || (r = srvconf_pki(c)) != 0) {
		srv_conf_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void
srv_conf_drop_tls(struct srv_conf *c)
{
	sceau_free(c->tls_cert_pem);
	srv_tls_free_key(c->tls_key_pem);
	c->tls_cert_pem = c->tls_key_pem = NULL;
	c->http.tls_cert_pem = c->http.tls_key_pem = NULL;
}

void
srv_conf_free(struct srv_conf *c)
{
	if (c == NULL)
		return;
	srv_conf_drop_tls(c);
	sceau_secmem_free(c->mail.password);
	sceau_conf_free(c->conf);
	sceau_free(c->blocks_dir);
	sceau_free(c->alog_key_default);
	sceau_freezero(c, sizeof(*c));
}
