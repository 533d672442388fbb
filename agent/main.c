/*
 * main.c: the sceau-agent program (doc/agent-protocol.md, sections 1 and
 * 5): the socket, the peer check on every connection, one request at a
 * time through agent_dispatch(), the idle timeout, locking devices whose
 * token went away, and the signals that lock everything and exit.
 *
 * One thread and poll(2): a request is short (a signature, a key) except
 * UNLOCK, which runs Argon2 or waits on a card for about a second; other
 * connections wait that long, as with ssh-agent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "conn.h"
#include "dispatch.h"
#include "errors.h"
#include "i18n.h"
#include "log.h"
#include "paths.h"
#include "protocol.h"
#include "secmem.h"
#include "state.h"
#include "wspolicy.h"

#define PROG "sceau-agent"
#define CONN_MAX 32
#define TICK_MS 1000
#define WATCH_US (2 * 1000000ULL) /* token presence, when idle */
#define SEND_TIMEOUT_S 10

enum agent_exit {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_FAILURE = 1,
	AGENT_EXIT_USAGE = 2,
	AGENT_EXIT_RUNNING = 3, /* another agent already listens there */
};

struct agent_args {
	const char *socket;
	uint32_t idle_s;
	int foreground;
	int debug;
	int token_watch;
	int no_sync;
};

struct conn {
	int fd; /* -1: a free slot */
	struct sceau_buf *in;
};

struct agent {
	struct agent_state *st;
	int lfd;
	char path[SCEAU_PATHS_MAX];
	dev_t sock_dev; /* the socket file we bound */
	ino_t sock_ino;
	struct conn conns[CONN_MAX];
	uint64_t last_us; /* last request */
	uint64_t watch_us; /* last look at the tokens */
	const struct agent_args *args;
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *f)
{
	(void)fprintf(f, _("Usage: %s [OPTIONS]\n"), PROG);
	(void)fputs(_("\n"
	              "Holds unlocked sceau devices for this user's commands.\n"
	              "\n"
	              "Options:\n"
	              "  -a, --socket PATH     listen on PATH (default: "
	              "$SCEAU_AGENT_SOCK,\n"
	              "                        or agent.sock in "
	              "$XDG_RUNTIME_DIR/sceau)\n"
	              "  -t, --timeout SECONDS lock every device after "
	              "SECONDS without a request\n"
	              "                        (0: never, the default)\n"
	              "  --no-token-watch      do not lock a device whose "
	              "card is removed\n"
	              "  --no-sync             do not sync workspaces in the "
	              "background\n"
	              "  -D, --foreground      stay in the foreground "
	              "(systemd)\n"
	              "  -d, --debug           foreground, with debug "
	              "messages\n"
	              "  -V, --version         show the version and exit\n"
	              "  -h, --help            show this help and exit\n"),
	    f);
}

static int
parse_seconds(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v > 30UL * 24 * 3600)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(int argc, char **argv, struct agent_args *a)
{
	enum { OPT_NO_WATCH = 0x100, OPT_NO_SYNC };
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 'a'},
	    {"timeout", required_argument, NULL, 't'},
	    {"no-token-watch", no_argument, NULL, OPT_NO_WATCH},
	    {"no-sync", no_argument, NULL, OPT_NO_SYNC},
	    {"foreground", no_argument, NULL, 'D'},
	    {"debug", no_argument, NULL, 'd'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	a->token_watch = 1;
	while ((ch = getopt_long(argc, argv, "a:t:DdVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			a->socket = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, &a->idle_s) != 0) {
				(void)fprintf(stderr,
				    _("%s: bad timeout '%s'\n"), PROG, optarg);
				return AGENT_EXIT_USAGE;
			}
			break;
		case OPT_NO_WATCH:
			a->token_watch = 0;
			break;
		case OPT_NO_SYNC:
			a->no_sync = 1;
			break;
		case 'd':
			a->debug = 1;
			/* FALLTHROUGH */
		case 'D':
			a->foreground = 1;
			break;
		case 'V':
			(void)printf("%s %s\n", PROG, PACKAGE_VERSION);
			return AGENT_EXIT_OK;
		case 'h':
			usage(stdout);
			return AGENT_EXIT_OK;
		default:
			usage(stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		(void)fprintf(stderr, _("%s: unexpected argument '%s'\n"), PROG,
		    argv[optind]);
		usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	return -1;
}

static int
fail(int r, const char *what)
{
	const char *detail = sceau_last_message();

	(void)fprintf(stderr, "%s: %s: %s\n", PROG, what,
	    detail[0] != '\0' ? detail : sceau_strerror(r));
	return AGENT_EXIT_FAILURE;
}

/* ------------------------------------------------------------- socket */

/*
 * A socket file already at path: another agent that answers (refused),
 * or a stale one from an agent that died (removed).
 */
static int
clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : SCEAU_ERR_SYSTEM;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		sceau_message(
		    "%s exists and is not a socket of ours", sa->sun_path);
		return SCEAU_ERR_INSECURE_FILE;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return SCEAU_ERR_SYSTEM;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	(void)close(fd);
	if (r == 0) {
		sceau_message("an agent already listens on %s", sa->sun_path);
		return SCEAU_ERR_CONFLICT;
	}
	return unlink(sa->sun_path) == 0 ? 0 : SCEAU_ERR_SYSTEM;
}

static int
listen_on(struct agent *ag)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (ag->args->socket != NULL) {
		(void)snprintf(
		    ag->path, sizeof(ag->path), "%s", ag->args->socket);
	} else if ((r = sceau_paths_agent_socket(1, ag->path)) != 0) {
		return r;
	}
	if (strlen(ag->path) >= sizeof(sa.sun_path)) {
		sceau_message("socket path longer than %zu bytes",
		    sizeof(sa.sun_path) - 1);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	memcpy(sa.sun_path, ag->path, strlen(ag->path));
	if ((r = clear_stale(&sa)) != 0)
		return r;
	if ((ag->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return SCEAU_ERR_SYSTEM;
	old = umask(0177);
	r = bind(ag->lfd, (struct sockaddr *)&sa, sizeof(sa));
	(void)umask(old);
	if (r != 0 || listen(ag->lfd, 16) != 0 || lstat(ag->path, &st) != 0) {
		sceau_message("%s: %s", ag->path, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	ag->sock_dev = st.st_dev;
	ag->sock_ino = st.st_ino;
	return 0;
}

/*
 * Is our socket file still ours?  Removed (the data directory deleted,
 * say) or replaced, no command can reach this agent any more: it locks
 * everything and exits rather than hold keys for no one.
 */
static int
socket_gone(const struct agent *ag)
{
	struct stat st;

	return lstat(ag->path, &st) != 0 || st.st_dev != ag->sock_dev ||
	    st.st_ino != ag->sock_ino;
}

/* ---------------------------------------------------------- connections */

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		(void)close(c->fd);
	sceau_buf_free(c->in); /* wipes what was read */
	c->fd = -1;
	c->in = NULL;
}

/* Only our own uid may talk to us: checked on every connection. */
static int
peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
	    len != sizeof(cr)) {
		warn_f("connection refused: no peer credentials");
		return 0;
	}
	if (cr.uid != geteuid()) {
		warn_f("connection from uid %lu (pid %ld) refused",
		    (unsigned long)cr.uid, (long)cr.pid);
		return 0;
	}
	debug_f("connection from pid %ld", (long)cr.pid);
	return 1;
}

static void
accept_one(struct agent *ag)
{
	struct timeval tv = {SEND_TIMEOUT_S, 0};
	size_t i;
	int fd;

	if ((fd = accept4(ag->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	if (!peer_ok(fd)) {
		(void)close(fd);
		return;
	}
	for (i = 0; i < CONN_MAX && ag->conns[i].fd >= 0; i++)
		;
	if (i == CONN_MAX) {
		warn_f("%d connections open: refusing another", CONN_MAX);
		(void)close(fd);
		return;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ag->conns[i].fd = fd;
	if ((ag->conns[i].in = sceau_buf_new()) == NULL ||
	    sceau_buf_set_max_size(
	        ag->conns[i].in, SCEAU_AGENT_FRAME_MAX + 4) != 0)
		conn_close(&ag->conns[i]);
}

/* Answers every whole frame in c->in; -1 to close the connection. */
static int
serve_frames(struct agent *ag, struct conn *c)
{
	struct sceau_buf *reply, *frame;
	const uint8_t *body;
	uint8_t *w;
	size_t n;
	int r;

	while ((r = sceau_agent_frame_peek(c->in, &body, &n)) == 0) {
		ag->last_us = sceau_client_now_us();
		reply = sceau_buf_new();
		frame = sceau_buf_new();
		r = reply == NULL || frame == NULL
		    ? SCEAU_ERR_ALLOC
		    : agent_dispatch(ag->st, body, n, reply);
		if (r == 0)
			r = sceau_agent_frame_put(frame, reply);
		if (r == 0)
			r = sceau_agent_send_all(
			    c->fd, sceau_buf_ptr(frame), sceau_buf_len(frame));
		sceau_buf_free(reply); /* wipes keys and signatures */
		sceau_buf_free(frame);
		/* The request may hold a PIN: wipe it before dropping it. */
		if ((w = sceau_buf_mutable_ptr(c->in)) != NULL)
			sceau_memzero(w, 4 + n);
		if (r != 0 || sceau_buf_consume(c->in, 4 + n) != 0)
			return -1;
	}
	return r == SCEAU_ERR_MESSAGE_INCOMPLETE ? 0 : -1;
}

static void
read_conn(struct agent *ag, struct conn *c)
{
	uint8_t tmp[65536];
	ssize_t k;

	k = recv(c->fd, tmp, sizeof(tmp), 0);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k <= 0 || sceau_buf_put(c->in, tmp, (size_t)k) != 0 ||
	    serve_frames(ag, c) != 0)
		conn_close(c);
	sceau_memzero(tmp, sizeof(tmp));
}

/* ---------------------------------------------------------------- loop */

/* Idle timeout and token presence, once per tick. */
static void
housekeeping(struct agent *ag)
{
	uint64_t now = sceau_client_now_us();
	uint32_t n;

	if (agent_state_count(ag->st) == 0)
		return;
	if (ag->args->idle_s > 0 &&
	    now - ag->last_us >= (uint64_t)ag->args->idle_s * 1000000) {
		n = agent_state_lock_all(ag->st);
		info_f(
		    "idle for %u s: %u device(s) locked", ag->args->idle_s, n);
		return;
	}
	if (ag->args->token_watch && now - ag->watch_us >= WATCH_US) {
		ag->watch_us = now;
		if ((n = agent_state_lock_absent(ag->st)) > 0)
			info_f("card removed: %u device(s) locked", n);
	}
}

static void
serve(struct agent *ag)
{
	struct pollfd pfd[CONN_MAX + 1];
	size_t i, k;
	int n;

	while (stop_signal == 0) {
		pfd[0].fd = ag->lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < CONN_MAX; i++) {
			pfd[i + 1].fd = ag->conns[i].fd;
			pfd[i + 1].events = POLLIN;
			pfd[i + 1].revents = 0;
		}
		n = poll(pfd, CONN_MAX + 1, TICK_MS);
		if (n < 0 && errno != EINTR) {
			error_f("poll: %s", strerror(errno));
			break;
		}
		for (k = 0; n > 0 && k < CONN_MAX; k++) {
			if (ag->conns[k].fd < 0 || pfd[k + 1].revents == 0)
				continue;
			read_conn(ag, &ag->conns[k]);
		}
		if (n > 0 && (pfd[0].revents & POLLIN) != 0)
			accept_one(ag);
		housekeeping(ag);
		if (socket_gone(ag)) {
			warn_f("%s was removed: exiting", ag->path);
			break;
		}
	}
}

static void
setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
}

/* In the background, log lines go to syslog (the journal), not /dev/null. */
static void
syslog_line(enum sceau_log_level level, const char *line, void *arg)
{
	static const int prio[] = {
	    LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG};

	const char *p = strstr(line, "]: ");

	(void)arg;
	/* syslog names the program and its pid itself. */
	syslog(prio[(unsigned int)level < 5 ? level : 4], "%s",
	    p != NULL ? p + 3 : line);
}

/* Forks; the parent returns 1 (and exits), the child 0. */
static int
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		return 1;
	(void)setsid();
	if (chdir("/") != 0)
		return -1;
	openlog(PROG, LOG_PID, LOG_USER);
	sceau_log_set_handler(syslog_line, NULL);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
	}
	return 0;
}

static int
run(struct agent *ag)
{
	struct sceau_client_opts co;
	size_t i;
	int r;

	memset(&co, 0, sizeof(co));
	co.ca_file = getenv("SCEAU_CA_FILE");
	sceau_client_pki_env(&co);
	/*
	 * The workstation policy: its PKI rules (over the environment's),
	 * PKCS#11 modules and cache size for every device unlocked here.
	 * An invalid policy keeps the agent from starting (fail closed).
	 */
	if ((r = sceau_wspolicy_apply(&co)) != 0)
		return fail(r, _("reading the workstation policy"));
	if ((ag->st = agent_state_new(&co, ag->args->idle_s)) == NULL)
		return fail(SCEAU_ERR_ALLOC, _("starting"));
	agent_state_set_sync(ag->st, !ag->args->no_sync);
	for (i = 0; i < CONN_MAX; i++)
		ag->conns[i].fd = -1;
	if ((r = listen_on(ag)) != 0) {
		agent_state_free(ag->st);
		return r == SCEAU_ERR_CONFLICT
		    ? (fail(r, _("starting")), AGENT_EXIT_RUNNING)
		    : fail(r, _("opening the socket"));
	}
	if (!ag->args->foreground && (r = daemonize()) != 0) {
		if (r > 0)
			_exit(AGENT_EXIT_OK); /* the child serves */
		return fail(SCEAU_ERR_SYSTEM, _("starting in the background"));
	}
	info_f("listening on %s (pid %ld)", ag->path, (long)getpid());
	ag->last_us = ag->watch_us = sceau_client_now_us();
	serve(ag);
	if (stop_signal != 0)
		info_f("signal %d: locking every device and exiting",
		    (int)stop_signal);
	for (i = 0; i < CONN_MAX; i++)
		conn_close(&ag->conns[i]);
	agent_state_free(ag->st); /* locks: wipes keys, logs out of tokens */
	(void)close(ag->lfd);
	if (!socket_gone(ag))
		(void)unlink(ag->path);
	return AGENT_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct agent_args args;
	struct agent ag;
	int r;

	memset(&args, 0, sizeof(args));
	memset(&ag, 0, sizeof(ag));
	ag.lfd = -1;
	ag.args = &args;
	sceau_i18n_init();
	if ((r = parse_args(argc, argv, &args)) >= 0)
		return r;
	sceau_log_init(PROG, args.debug ? SCEAU_LOG_DEBUG : SCEAU_LOG_INFO);
	/* No core dumps, no ptrace: this process holds keys. */
	if ((r = sceau_secmem_harden_process()) != 0)
		return fail(r, _("hardening the process"));
	setup_signals();
	return run(&ag);
}
