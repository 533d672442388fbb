/*
 * srvconf.h: sceau-server's configuration (sceau-server.conf(5)): the
 * file, then command-line overrides, checked as a whole.
 */
#ifndef SCEAU_SRV_SRVCONF_H
#define SCEAU_SRV_SRVCONF_H

#include <stdint.h>

#include "backend.h"
#include "conf.h"
#include "defs.h"
#include "httpd.h"
#include "mail.h"
#include "server.h"

/* Installed default, read when no --config is given and it exists. */
#define SRV_CONF_DEFAULT SYSCONFDIR "/sceau/server.conf"

/* Command-line overrides; NULL: not given. */
struct srv_overrides {
	const char *listen;
	const char *db;
	const char *log_level;
};

struct srv_conf {
	struct srv_settings set;
	struct srv_http_config http;
	struct srv_backend_config db; /* strings point into conf */
	int log_level; /* enum sceau_log_level */
	uint64_t shutdown_timeout_ms;
	char *tls_cert_pem; /* NULL: plain HTTP */
	char *tls_key_pem;
	const char *file; /* file read, or NULL */
	char *blocks_dir; /* the default of database.blocks_dir, or NULL */
	struct srv_mail_config mail; /* [mail]; set.mail points here */
	/* [audit]: the log key's file (NULL: in memory), checkpoints. */
	const char *alog_key;
	char *alog_key_default; /* "log.key" beside the database, or NULL */
	unsigned int alog_batch;
	uint64_t alog_interval_ms;
	struct sceau_conf *conf;
};

/*
 * Reads path (or, if NULL, SRV_CONF_DEFAULT when it exists), applies ov,
 * and checks every value, reading the admin token file and the TLS files.
 * SCEAU_ERR_CONFIG and friends, with a message naming FILE:LINE.
 */
int srv_conf_load(const char *path, const struct srv_overrides *ov,
    struct srv_conf **out) SCEAU_WUR;

/*
 * Wipes the secrets (TLS key, token hash, relay password) and frees; NULL
 * is allowed.
 */
void srv_conf_free(struct srv_conf *c);

/* Drops the TLS PEM strings (once the HTTP server has read them). */
void srv_conf_drop_tls(struct srv_conf *c);

#endif /* SCEAU_SRV_SRVCONF_H */
