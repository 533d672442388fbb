/*
 * ctx.c: the server context: settings, backend, chain cache, clock.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "alloc.h"
#include "chains.h"
#include "errors.h"
#include "secmem.h"
#include "server.h"

uint64_t
srv_clock_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
srv_ctx_new(const struct srv_settings *set, struct srv_backend *be,
    struct srv_ctx **out)
{
	struct srv_ctx *ctx;
	int r;

	*out = NULL;
	if ((ctx = sceau_calloc(1, sizeof(*ctx))) == NULL)
		return SCEAU_ERR_ALLOC;
	ctx->set = *set;
	if (ctx->set.invitation_lifetime_ms == 0)
		ctx->set.invitation_lifetime_ms = SRV_INVITE_LIFETIME_DEFAULT;
	if (ctx->set.conduit_wait_ms == 0)
		ctx->set.conduit_wait_ms = SRV_CONDUIT_WAIT_DEFAULT;
	ctx->be = be;
	ctx->now_us = srv_clock_us;
	ctx->start_ms = srv_clock_us() / 1000;
	atomic_init(&ctx->stopping, 0);
	if (pthread_mutex_init(&ctx->heavy, NULL) != 0) {
		sceau_free(ctx);
		return SCEAU_ERR_SYSTEM;
	}
	if ((r = srv_chains_new(be, &ctx->chains)) != 0) {
		srv_ctx_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

void
srv_ctx_free(struct srv_ctx *ctx)
{
	if (ctx == NULL)
		return;
	srv_chains_free(ctx->chains);
	(void)pthread_mutex_destroy(&ctx->heavy);
	sceau_memzero(&ctx->set, sizeof(ctx->set));
	sceau_free(ctx);
}

void
srv_ctx_stop(struct srv_ctx *ctx)
{
	atomic_store(&ctx->stopping, 1);
	ctx->be->ops->interrupt(ctx->be);
}
