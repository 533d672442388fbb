/*
 * main.c: the sceau-server program: command line, configuration, start,
 * and graceful shutdown on SIGTERM or SIGINT.
 *
 * The signals are blocked in every thread (libmicrohttpd's threads
 * inherit the mask) and the main thread waits for them with sigwait(),
 * so that shutdown runs as ordinary code, not in a signal handler: stop
 * accepting connections, end event streams, let requests in progress
 * finish (at most server.shutdown_timeout), close every connection, close
 * the database.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "backend.h"
#include "errors.h"
#include "httpd.h"
#include "i18n.h"
#include "log.h"
#include "secmem.h"
#include "server.h"
#include "srvconf.h"

#define PROG "sceau-server"

enum srv_exit {
	SRV_EXIT_OK = 0,
	SRV_EXIT_FAILURE = 1, /* configuration invalid, cannot start */
	SRV_EXIT_USAGE = 2,
};

struct srv_args {
	const char *config;
	int check_config;
	struct srv_overrides ov;
};

static void
usage(FILE *f)
{
	(void)fprintf(f, _("Usage: %s [OPTIONS]\n"), PROG);
	(void)fputs(_("\n"
	              "The sceau server: stores an organization's signed "
	              "records and encrypted data.\n"
	              "\n"
	              "Options:\n"
	              "  -c, --config FILE     configuration file\n"
	              "  --check-config        check the configuration and "
	              "exit\n"
	              "  --listen HOST:PORT    address to listen on\n"
	              "  --db PATH             database file\n"
	              "  --log-level LEVEL     error, warning, info, debug "
	              "or trace\n"
	              "  --foreground          stay in the foreground (the "
	              "default)\n"
	              "  -V, --version         show versions and exit\n"
	              "  -h, --help            show this help and exit\n"),
	    f);
}

static void
version(void)
{
	(void)printf("%s %s\n", PROG, PACKAGE_VERSION);
	(void)printf("  OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	(void)printf("  libmicrohttpd %s\n", MHD_get_version());
	(void)printf("  SQLite %s\n", sqlite3_libversion());
	(void)printf("  jansson %s\n", jansson_version_str());
}

/* An error from the configuration or the start, as the user sees it. */
static int
fail(int r, const char *what)
{
	const char *detail = sceau_last_message();

	(void)fprintf(stderr, "%s: %s: %s\n", PROG, what,
	    detail[0] != '\0' ? detail : sceau_strerror(r));
	return SRV_EXIT_FAILURE;
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(int argc, char **argv, struct srv_args *a)
{
	enum { OPT_CHECK = 0x100, OPT_LISTEN, OPT_DB, OPT_LOG, OPT_FG };
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, OPT_CHECK},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"db", required_argument, NULL, OPT_DB},
	    {"log-level", required_argument, NULL, OPT_LOG},
	    {"foreground", no_argument, NULL, OPT_FG},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->config = optarg;
			break;
		case OPT_CHECK:
			a->check_config = 1;
			break;
		case OPT_LISTEN:
			a->ov.listen = optarg;
			break;
		case OPT_DB:
			a->ov.db = optarg;
			break;
		case OPT_LOG:
			a->ov.log_level = optarg;
			break;
		case OPT_FG:
			break; /* never a daemon: systemd and the like supervise */
		case 'V':
			version();
			return SRV_EXIT_OK;
		case 'h':
			usage(stdout);
			return SRV_EXIT_OK;
		default:
			usage(stderr);
			return SRV_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		(void)fprintf(stderr, _("%s: unexpected argument '%s'\n"), PROG,
		    argv[optind]);
		usage(stderr);
		return SRV_EXIT_USAGE;
	}
	return -1;
}

static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	(void)pthread_sigmask(SIG_BLOCK, set, NULL);
	/* Writes to closed connections fail with EPIPE instead. */
	(void)signal(SIGPIPE, SIG_IGN);
}

static void
wait_for_stop(const sigset_t *set)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		warn_f("SIGHUP ignored: restart the server to reload its "
		       "configuration");
	}
	info_f("%s received: shutting down",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void
shutdown_server(struct srv_http *h, struct srv_ctx *ctx, uint64_t grace_ms)
{
	unsigned int left;

	srv_http_quiesce(h);
	srv_ctx_stop(ctx);
	if ((left = srv_http_drain(h, grace_ms)) > 0)
		warn_f("%u request(s) still in progress: closing them", left);
	srv_http_stop(h);
}

/* Runs the server until SIGTERM or SIGINT. */
static int
serve(struct srv_conf *c, struct srv_backend *be, const sigset_t *sigs)
{
	struct srv_http *h = NULL;
	struct srv_ctx *ctx = NULL;
	char addr[300];
	int r, tls = c->tls_cert_pem != NULL;

	if ((r = srv_http_listen(&c->http, &h)) != 0)
		return fail(r, _("cannot listen"));
	if (c->set.link_port == 0)
		c->set.link_port = srv_http_port(h);
	if ((r = srv_ctx_new(&c->set, be, &ctx)) != 0 ||
	    (r = srv_http_serve(h, ctx)) != 0) {
		srv_http_stop(h);
		srv_ctx_free(ctx);
		return fail(r, _("cannot start"));
	}
	srv_conf_drop_tls(c);
	srv_http_address(h, addr, sizeof(addr));
	info_f("listening on %s (%s, database %s)", addr,
	    tls ? "https" : "http", c->db.path);
	if (!c->set.admin_enabled)
		warn_f("no admin token configured: admin routes refuse all");
	wait_for_stop(sigs);
	shutdown_server(h, ctx, c->shutdown_timeout_ms);
	srv_ctx_free(ctx);
	return SRV_EXIT_OK;
}

static int
run(struct srv_conf *c)
{
	struct srv_backend *be = NULL;
	sigset_t sigs;
	int r, st;

	/* The database, its journal and any file we create: ours only. */
	(void)umask(077);
	block_signals(&sigs);
	/* No core dumps: memory holds the TLS key and request secrets. */
	if ((r = sceau_secmem_harden_process()) != 0)
		warn_r(r, "process hardening incomplete");
	if ((r = srv_backend_open(&c->db, &be)) != 0)
		return fail(r, _("cannot open the database"));
	st = serve(c, be, &sigs);
	srv_backend_close(be);
	if (st == SRV_EXIT_OK)
		info_f("stopped");
	return st;
}

int
main(int argc, char **argv)
{
	struct srv_args a;
	struct srv_conf *c = NULL;
	int r, st;

	memset(&a, 0, sizeof(a));
	sceau_i18n_init();
	if ((st = parse_args(argc, argv, &a)) >= 0)
		return st;
	sceau_log_init(PROG, SCEAU_LOG_WARNING);
	if ((r = srv_conf_load(a.config, &a.ov, &c)) != 0)
		return fail(r, _("invalid configuration"));
	if (a.check_config) {
		(void)printf(_("%s: configuration OK\n"),
		    c->file != NULL ? c->file : _("(built-in defaults)"));
		srv_conf_free(c);
		return SRV_EXIT_OK;
	}
	sceau_log_set_level((enum sceau_log_level)c->log_level);
	st = run(c);
	srv_conf_free(c);
	return st;
}
