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

#include <errno.h>
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

#include "accesslog.h"
#include "backend.h"
#include "export.h"
#include "encoding.h"
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
	int log_key_public;
	const char *export_log; /* "-": standard output */
	const char *export_history; /* an organization */
	const char *output; /* of --export-history; "-": standard output */
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
	              "  --log-key-public      print the access log's public "
	              "key and exit\n"
	              "  --export-log FILE     export the access log to FILE "
	              "(- for standard\n"
	              "                        output) and exit\n"
	              "  --export-history ORG  export the organization's "
	              "history (to --output)\n"
	              "                        and exit\n"
	              "  -o, --output FILE     where --export-history "
	              "writes (default: -)\n"
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
	enum {
		OPT_CHECK = 0x100,
		OPT_LISTEN,
		OPT_DB,
		OPT_LOG,
		OPT_FG,
		OPT_KEY_PUBLIC,
		OPT_EXPORT,
		OPT_HISTORY,
	};
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, OPT_CHECK},
	    {"log-key-public", no_argument, NULL, OPT_KEY_PUBLIC},
	    {"export-log", required_argument, NULL, OPT_EXPORT},
	    {"export-history", required_argument, NULL, OPT_HISTORY},
	    {"output", required_argument, NULL, 'o'},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"db", required_argument, NULL, OPT_DB},
	    {"log-level", required_argument, NULL, OPT_LOG},
	    {"foreground", no_argument, NULL, OPT_FG},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:o:Vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->config = optarg;
			break;
		case OPT_CHECK:
			a->check_config = 1;
			break;
		case OPT_KEY_PUBLIC:
			a->log_key_public = 1;
			break;
		case OPT_EXPORT:
			a->export_log = optarg;
			break;
		case OPT_HISTORY:
			a->export_history = optarg;
			break;
		case 'o':
			a->output = optarg;
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

/* Opens the access log with its key (generated on first start). */
static int
open_alog(struct srv_conf *c, struct srv_backend *be, struct srv_alog **out)
{
	struct sceau_signkey *key;
	int r;

	if ((r = srv_alog_key_load(c->alog_key, 1, &key)) != 0)
		return r;
	return srv_alog_open(be, key, c->alog_batch, c->alog_interval_ms, out);
}

/* Runs the server until SIGTERM or SIGINT. */
static int
serve(struct srv_conf *c, struct srv_backend *be, const sigset_t *sigs)
{
	struct srv_http *h = NULL;
	struct srv_ctx *ctx = NULL;
	struct srv_alog *alog = NULL;
	char addr[300];
	int r, tls = c->tls_cert_pem != NULL;

	if ((r = open_alog(c, be, &alog)) != 0)
		return fail(r, _("cannot open the access log"));
	if ((r = srv_http_listen(&c->http, &h)) != 0) {
		srv_alog_close(alog);
		return fail(r, _("cannot listen"));
	}
	if (c->set.link_port == 0)
		c->set.link_port = srv_http_port(h);
	if ((r = srv_ctx_new(&c->set, be, &ctx)) == 0)
		ctx->alog = alog;
	if (r != 0 || (r = srv_http_serve(h, ctx)) != 0) {
		srv_http_stop(h);
		srv_ctx_free(ctx);
		srv_alog_close(alog);
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
	/* After the last request: the final checkpoint covers them all. */
	srv_alog_close(alog);
	return SRV_EXIT_OK;
}

/* --log-key-public: the key an auditor pins (generated if need be). */
static int
print_log_key(const struct srv_conf *c)
{
	struct sceau_signkey *key;
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	char hex[2 * SCEAU_SIGN_PUBLIC_LEN + 1];
	int r;

	if (c->alog_key == NULL) {
		(void)fprintf(stderr,
		    _("%s: an in-memory database has no lasting log key\n"),
		    PROG);
		return SRV_EXIT_FAILURE;
	}
	if ((r = srv_alog_key_load(c->alog_key, 1, &key)) != 0)
		return fail(r, _("cannot read the log key"));
	sceau_sign_public(key, pk);
	sceau_sign_free(key);
	sceau_enc_hex_fixed(pk, sizeof(pk), hex);
	(void)printf("%s\n", hex);
	return SRV_EXIT_OK;
}

struct export_state {
	FILE *f;
	struct sceau_buf *line;
};

static int
export_one(void *arg, int checkpoint, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	struct export_state *e = arg;
	uint8_t fixed[SCEAU_SIGN_SIG_LEN];
	int r;

	/* Rows are exported as stored, even damaged: the verifier judges. */
	memset(fixed, 0, sizeof(fixed));
	memcpy(fixed, b, SCEAU_MIN(blen, sizeof(fixed)));
	sceau_buf_reset(e->line);
	r = checkpoint ? sceau_alog_line_checkpoint(e->line, a, alen, fixed)
	               : sceau_alog_line_record(e->line, a, alen, fixed);
	if (r != 0)
		return r;
	if (fwrite(sceau_buf_ptr(e->line), 1, sceau_buf_len(e->line), e->f) !=
	    sceau_buf_len(e->line))
		return SCEAU_ERR_SYSTEM;
	return 0;
}

/* The access log: a header, then records and checkpoints, row by row. */
static int
export_log(struct srv_backend *be, FILE *f, const void *arg)
{
	struct export_state e = {f, NULL};
	int r;

	(void)arg;
	if ((e.line = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_alog_line_header(e.line)) == 0) {
		if (fwrite(sceau_buf_ptr(e.line), 1, sceau_buf_len(e.line),
		        f) != sceau_buf_len(e.line))
			r = SCEAU_ERR_SYSTEM;
		else
			r = be->ops->alog_export(be, export_one, &e);
	}
	sceau_buf_free(e.line);
	return r;
}

/* An organization's history (export.c); arg: its id. */
static int
export_history(struct srv_backend *be, FILE *f, const void *arg)
{
	return srv_export_history(be, arg, srv_clock_us(), f);
}

/*
 * --export-log, --export-history: the database opened, fn writes to
 * path ("-": standard output, else created mode 0600), and exits.
 */
static int
run_export(const struct srv_conf *c, const char *path,
    int (*fn)(struct srv_backend *be, FILE *f, const void *arg),
    const void *arg, const char *what)
{
	struct srv_backend *be = NULL;
	FILE *f;
	int r, st = SRV_EXIT_FAILURE;

	(void)umask(077);
	if ((r = srv_backend_open(&c->db, &be)) != 0)
		return fail(r, _("cannot open the database"));
	if ((f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w")) == NULL) {
		(void)fprintf(stderr, _("%s: cannot write %s: %s\n"), PROG,
		    path, strerror(errno));
		srv_backend_close(be);
		return st;
	}
	if ((r = fn(be, f, arg)) != 0 || fflush(f) != 0)
		(void)fail(r != 0 ? r : SCEAU_ERR_SYSTEM, what);
	else
		st = SRV_EXIT_OK;
	if (f != stdout && fclose(f) != 0 && st == SRV_EXIT_OK) {
		(void)fprintf(stderr, _("%s: cannot write %s: %s\n"), PROG,
		    path, strerror(errno));
		st = SRV_EXIT_FAILURE;
	}
	srv_backend_close(be);
	return st;
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
	if (a.log_key_public)
		st = print_log_key(c);
	else if (a.export_log != NULL)
		st = run_export(c, a.export_log, export_log, NULL,
		    _("cannot export the access log"));
	else if (a.export_history != NULL)
		st = run_export(c, a.output != NULL ? a.output : "-",
		    export_history, a.export_history,
		    _("cannot export the organization's history"));
	else
		st = run(c);
	srv_conf_free(c);
	return st;
}
