/*
 * server.h: what every part of sceau-server shares: the settings the
 * request handlers read and the context they run in.
 *
 * The context holds no socket: the dispatcher (router.h) takes a request
 * in memory and returns a response in memory, so that tests and the fuzz
 * target drive it without a network.
 */
#ifndef SCEAU_SRV_SERVER_H
#define SCEAU_SRV_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "conf.h"
#include "defs.h"
#include "hash.h"

struct srv_alog;
struct srv_chains;
struct srv_mail_config;

/* Settings of the request handlers (from the configuration file). */
struct srv_settings {
	int admin_enabled; /* an admin token is configured */
	uint8_t admin_hash[SCEAU_SHA256_LEN]; /* SHA-256 of the token */
	size_t max_body; /* bytes of a JSON request body */
	size_t max_block_body; /* bytes of a POST of blocks */
	uint64_t clock_skew_ms;
	uint64_t sse_ping_ms;
	/* Where clients reach us, for bootstrap links. */
	char link_host[SCEAU_CONF_HOST_MAX + 1];
	uint16_t link_port;
	int link_tls;
	uint64_t invitation_lifetime_ms; /* server.invitation_lifetime */
	/* The [mail] section (mail.h), owned by the configuration, which
	 * outlives the context; NULL: no mail (tests). */
	const struct srv_mail_config *mail;
	/* The longest wait of a conduit read (invitations). */
	uint64_t conduit_wait_ms;
	/*
	 * [pki]: how the server checks the revocation of smartcard
	 * certificates in enrollment requests (doc/pki.md).
	 */
	int pki_crl_fetch; /* fetch CRLs from distribution points */
	int pki_ocsp; /* enum sceau_x509_ocsp_mode */
	char pki_ocsp_url[1024 + 1];
	int pki_soft_fail;
	int pki_remote_fetch; /* sources that are not on loopback */
};

#define SRV_INVITE_LIFETIME_DEFAULT (7ULL * 24 * 3600 * 1000)
#define SRV_CONDUIT_WAIT_DEFAULT 20000

struct srv_ctx {
	struct srv_settings set;
	struct srv_backend *be; /* not owned */
	struct srv_chains *chains;
	/* The access log (accesslog.h), not owned; NULL: none (tests). */
	struct srv_alog *alog;
	uint64_t start_ms; /* requests signed before this are refused */
	uint64_t (*now_us)(void); /* wall clock (tests replace it) */
	atomic_int stopping; /* shutting down: streams end */
	/* Held while a vlob body larger than max_body is parsed: one such
	 * JSON tree in memory at a time. */
	pthread_mutex_t heavy;
};

/*
 * New context over backend be (which must outlive it), started now.
 * 0 or SCEAU_ERR_ALLOC.
 */
int srv_ctx_new(const struct srv_settings *set, struct srv_backend *be,
    struct srv_ctx **out) SCEAU_WUR;
void srv_ctx_free(struct srv_ctx *ctx);

/* Tells streams to end and wakes the ones that wait. */
void srv_ctx_stop(struct srv_ctx *ctx);

/* The real wall clock, microseconds since 1970. */
uint64_t srv_clock_us(void);

#endif /* SCEAU_SRV_SERVER_H */
