/*
 * cmd-mount.c: "sceau mount WORKSPACE [DIR]" serves a workspace as a
 * folder (libfuse3) until "sceau unmount"; doc/mount.md.
 *
 * Without --foreground the command starts itself again in the
 * foreground (posix_spawn, with SCEAU_MOUNT_READY_FD naming a pipe) and
 * returns once that process says the folder is mounted, so that the
 * shell can use it at once; the serving process then leaves the
 * terminal and reports to DATA/devices/ORG/DEVICE/mounts/REALM/mount.log.
 * Nothing is forked after the client is open (SQLite connections and
 * locked key memory stay in the one process that opened them).
 */
#include "config.h"

#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "mount.h"
#include "paths.h"
#include "secmem.h"
#include "sync.h"
#include "ws.h"

#define READY_ENV "SCEAU_MOUNT_READY_FD"
#define SYNC_INTERVAL_DEFAULT 2

/* --------------------------------------------------- in the background */

/* 1 if argv asks for the foreground (or only for help). */
static int
wants_foreground(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--foreground") == 0 ||
		    strcmp(argv[i], "-f") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	return getenv(READY_ENV) != NULL;
}

/* Runs "sceau mount ARGS --foreground" and waits until it is mounted. */
static int
spawn_background(struct cli *cli, int argc, char **argv)
{
	char **av = NULL, env[64];
	posix_spawn_file_actions_t fa;
	int p[2], i, k = 0, st, r = CLI_EXIT_FAILURE;
	pid_t pid;
	char ok = 0;

	if (pipe2(p, O_CLOEXEC) != 0)
		return cli_error(
		    cli, SCEAU_ERR_SYSTEM, _("starting the mount"));
	(void)snprintf(env, sizeof(env), "%s=%d", READY_ENV, p[1]);
	if ((av = sceau_calloc((size_t)argc + 8, sizeof(*av))) == NULL)
		goto out;
	av[k++] = (char *)"sceau";
	if (cli->json)
		av[k++] = (char *)"--json";
	if (cli->quiet)
		av[k++] = (char *)"--quiet";
	for (i = 0; i < cli->verbose && i < 2; i++)
		av[k++] = (char *)"--verbose";
	for (i = 0; i < argc; i++)
		av[k++] = argv[i];
	av[k] = (char *)"--foreground";
	/* The child keeps the pipe's write end (not close-on-exec there). */
	(void)posix_spawn_file_actions_init(&fa);
	(void)posix_spawn_file_actions_adddup2(&fa, p[1], p[1]);
	if (setenv(READY_ENV, env + sizeof(READY_ENV), 1) != 0 ||
	    posix_spawn(&pid, "/proc/self/exe", &fa, NULL, av, environ) != 0) {
		(void)posix_spawn_file_actions_destroy(&fa);
		r = cli_error(cli, SCEAU_ERR_SYSTEM, _("starting the mount"));
		goto out;
	}
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)unsetenv(READY_ENV);
	(void)close(p[1]);
	p[1] = -1;
	/* A byte once mounted; end of file if it failed (it said why). */
	while (read(p[0], &ok, 1) < 0 && errno == EINTR)
		;
	if (ok == '1')
		r = CLI_EXIT_OK;
	else if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		r = WEXITSTATUS(st) != 0 ? WEXITSTATUS(st) : CLI_EXIT_FAILURE;
out:
	sceau_free(av);
	(void)close(p[0]);
	if (p[1] >= 0)
		(void)close(p[1]);
	return r;
}

/* The serving process leaves the terminal: output to the log file. */
static void
detach(struct mnt *m, const char *logpath)
{
	const char *e = getenv(READY_ENV);
	uint64_t fd;
	int lf;

	if (e == NULL || cli_parse_uint(e, 0, 65535, &fd) != 0)
		return;
	(void)unsetenv(READY_ENV);
	(void)fflush(stdout);
	if ((lf = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	         0600)) >= 0) {
		(void)dup2(lf, STDOUT_FILENO);
		(void)dup2(lf, STDERR_FILENO);
		(void)close(lf);
	}
	if ((lf = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
		(void)dup2(lf, STDIN_FILENO);
		(void)close(lf);
	}
	(void)setsid();
	/* Told last: the folder is usable when the command returns. */
	if (write((int)fd, "1", 1) != 1)
		mnt_logf(m, "could not tell the command it is mounted");
	(void)close((int)fd);
}

/* --------------------------------------------------------- sync thread */

static void
sync_pass(struct mnt *m)
{
	struct sceau_sync_opts so;
	struct sceau_sync_stats st;
	int r;

	memset(&so, 0, sizeof(so));
	memset(&st, 0, sizeof(st));
	so.stop = &m->stop;
	(void)pthread_mutex_lock(&m->lock);
	if (m->agent_syncs) {
		/* sceau-agent syncs (each commit wakes it): read again what
		 * it pulled into the store. */
		if (sceau_ws_commit(m->w) == 0)
			sceau_ws_discard(m->w);
		(void)pthread_mutex_unlock(&m->lock);
		return;
	}
	/* What the sync pulled or merged is read again from the store (what
	 * could not be committed stays, for the next try). */
	if ((r = sceau_ws_commit(m->w)) == 0) {
		r = sceau_sync_realm(m->c, m->realm, &so, &st);
		sceau_ws_discard(m->w);
	}
	(void)pthread_mutex_unlock(&m->lock);
	if (r != 0 && r != m->last_sync_error)
		mnt_logf(m, "sync: %s (%s); working offline, trying again",
		    sceau_strerror(r), sceau_last_message());
	else if (r == 0 && m->last_sync_error != 0)
		mnt_logf(m, "sync: the server is reachable again");
	if (r == 0 && (st.vlobs_up > 0 || st.vlobs_down > 0))
		mnt_logf(m,
		    "sync: sent %llu records, received %llu, %llu conflict "
		    "copies",
		    (unsigned long long)st.vlobs_up,
		    (unsigned long long)st.vlobs_down,
		    (unsigned long long)st.conflict_copies);
	m->last_sync_error = r == SCEAU_ERR_INTERRUPTED ? 0 : r;
	/* Something new may lack blocks here. */
	if (r == 0 && (st.vlobs_down > 0 || st.conflict_copies > 0))
		m->offline_done = 0;
}

#define PREFETCH_BUDGET (64ULL * 1024 * 1024) /* per pass, then a pause */

/* --keep-offline: fetches missing blocks until all are here. */
static void
prefetch(struct mnt *m)
{
	int r = 1;

	while (r == 1 && !m->stop && m->last_sync_error == 0) {
		(void)pthread_mutex_lock(&m->lock);
		r = mnt_prefetch(m, PREFETCH_BUDGET);
		/* The manifests it loaded go (what is pending first). */
		if (sceau_ws_commit(m->w) == 0)
			sceau_ws_discard(m->w);
		(void)pthread_mutex_unlock(&m->lock);
		if (r == 1)
			(void)sceau_sync_sleep(50, &m->stop);
	}
	if (r == 0 && !m->offline_done) {
		m->offline_done = 1;
		mnt_logf(m, "offline: every file is available offline");
	} else if (r < 0) {
		mnt_logf(m, "offline: %s (%s)", sceau_strerror(r),
		    sceau_last_message());
	}
}

static void *
sync_thread(void *arg)
{
	struct mnt *m = arg;

	while (!m->stop) {
		sync_pass(m);
		if (m->keep_offline && !m->offline_done)
			prefetch(m);
		if (sceau_sync_sleep(m->sync_interval_s * 1000, &m->stop) != 0)
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------- setup */

static int
mkdir_p(const char *path, mode_t mode)
{
	char tmp[SCEAU_PATHS_MAX];
	size_t i;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp))
		return SCEAU_ERR_INVALID_ARGUMENT;
	for (i = 1; tmp[i] != '\0'; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return SCEAU_ERR_SYSTEM;
		tmp[i] = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return SCEAU_ERR_SYSTEM;
	return 0;
}

/* DATA/devices/ORG/DEVICE/mounts/REALM[-at]/NAME, created 0700. */
static int
state_dir(struct mnt *m, const char *name, char out[SCEAU_PATHS_MAX])
{
	const struct sceau_keyfile_info *info = sceau_client_info(m->c);
	char dev[SCEAU_PATHS_MAX];
	int r;

	if ((r = sceau_paths_device_dir(
	         info->org_id, info->device_id, 1, dev)) != 0)
		return r;
	if ((size_t)snprintf(out, SCEAU_PATHS_MAX, "%s/mounts/%s%s/%s", dev,
	        m->realm, m->at != 0 ? "-at" : "", name) >= SCEAU_PATHS_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	return mkdir_p(out, 0700) != 0 || chmod(out, 0700) != 0
	    ? SCEAU_ERR_SYSTEM
	    : 0;
}

/* Refuses a folder that is already a mount point (one over another). */
static int
already_mounted(const char *dir)
{
	char up[SCEAU_PATHS_MAX + 4];
	struct stat a, b;

	(void)snprintf(up, sizeof(up), "%s/..", dir);
	if (stat(dir, &a) != 0 || stat(up, &b) != 0) {
		sceau_message("%s: %s", dir, strerror(errno));
		return SCEAU_ERR_NOT_FOUND;
	}
	if (!S_ISDIR(a.st_mode)) {
		sceau_message("%s: not a folder", dir);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if (a.st_dev != b.st_dev && strcmp(dir, "/") != 0) {
		sceau_message(_("%s: already a mount point"), dir);
		return SCEAU_ERR_EXISTS;
	}
	return 0;
}

/* The folder: DIR, or ~/sceau/ORG/NAME (created). */
static int
mount_dir(struct mnt *m, const char *arg, char out[SCEAU_PATHS_MAX])
{
	char home[SCEAU_PATHS_MAX];
	int r;

	if (arg != NULL) {
		if (realpath(arg, out) == NULL) {
			sceau_message("%s: %s", arg, strerror(errno));
			return SCEAU_ERR_NOT_FOUND;
		}
		return already_mounted(out);
	}
	if ((r = sceau_paths_home_dir(home)) != 0)
		return r;
	if ((size_t)snprintf(out, SCEAU_PATHS_MAX, "%s/sceau/%s/%s", home,
	        sceau_client_info(m->c)->org_id, m->label) >= SCEAU_PATHS_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (mkdir_p(out, 0700) != 0) {
		sceau_message("%s: %s", out, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	return already_mounted(out);
}

/*
 * One mount per device at a time: the block cache takes one writer
 * process (blockcache.h), and a mount writes at any moment.  Held until
 * the process exits.
 */
static int
lock_path(struct sceau_client *c, char path[SCEAU_PATHS_MAX + 16])
{
	const struct sceau_keyfile_info *info = sceau_client_info(c);
	char dev[SCEAU_PATHS_MAX];
	int r;

	if ((r = sceau_paths_device_dir(
	         info->org_id, info->device_id, 1, dev)) != 0)
		return r;
	(void)snprintf(path, SCEAU_PATHS_MAX + 16, "%s/mount.lock", dev);
	return 0;
}

int
cli_device_mounted(struct sceau_client *c)
{
	char path[SCEAU_PATHS_MAX + 16];
	int fd, busy;

	if (lock_path(c, path) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	(void)close(fd);
	return busy;
}

static int
lock_device(struct mnt *m)
{
	char path[SCEAU_PATHS_MAX + 16];
	int fd, r;

	if ((r = lock_path(m->c, path)) != 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		sceau_message("%s: %s", path, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		(void)close(fd);
		sceau_message(_("this device already serves a mount: unmount "
		                "it first (one mount per device)"));
		return SCEAU_ERR_EXISTS;
	}
	m->lock_fd = fd;
	return 0;
}

/* Opens the workspace, its block source and the mount's folders. */
static int
mnt_open(struct cli *cli, struct mnt *m, const char *name)
{
	char arg[SCEAU_NAME_MAX_BYTES + 2];
	struct cli_ws ws;
	enum sceau_role role;
	json_t *j;
	int r;

	(void)snprintf(arg, sizeof(arg), "/%s", name);
	if ((r = lock_device(m)) != 0)
		return cli_error(cli, r, _("mounting workspace %s"), name);
	if ((r = cli_ws_open_at(cli, m->c, arg, m->at, &ws)) != 0)
		return r;
	m->w = ws.w;
	(void)snprintf(m->realm, sizeof(m->realm), "%s", ws.realm);
	if (sceau_client_realm_name(
	        m->c, m->realm, m->label, sizeof(m->label)) != 0)
		(void)snprintf(m->label, sizeof(m->label), "%s", m->realm);
	/* The device's agent syncs it in the background: not here too. */
	if ((j = cli_agent_sync_json(m->c)) != NULL) {
		m->agent_syncs = 1;
		json_decref(j);
	}
	role = sceau_chain_realm_role(sceau_client_chain(m->c), m->realm,
	    sceau_client_info(m->c)->user_id);
	m->readonly = m->at != 0 || !sceau_role_can_write(role);
	if ((m->aead = sceau_aead_new()) == NULL ||
	    (m->ct = sceau_malloc(SCEAU_BLOCK_MAX)) == NULL ||
	    (m->pt = sceau_malloc(SCEAU_BLOCK_SIZE)) == NULL)
		r = SCEAU_ERR_ALLOC;
	else if ((r = sceau_ws_cache_source(m->w, &m->cache)) == 0 &&
	    (r = sceau_sync_source_new(m->c, m->realm, &m->src)) == 0 &&
	    (r = state_dir(m, "spill", m->spill_dir)) == 0)
		r = state_dir(m, "local", m->local_dir);
	if (r != 0)
		return cli_error(cli, r, _("opening workspace %s"), name);
	return 0;
}

static void
mnt_close(struct mnt *m)
{
	struct mhidden *hd;

	mnt_handles_free(m);
	mnt_nodes_free(m);
	while ((hd = m->hidden) != NULL) {
		m->hidden = hd->next;
		sceau_free(hd);
	}
	if (m->w != NULL && sceau_ws_close(m->w) != 0)
		mnt_logf(
		    m, "saving the last changes: %s", sceau_last_message());
	m->w = NULL;
	sceau_sync_source_free(&m->src);
	sceau_aead_free(m->aead);
	sceau_free(m->ct);
	if (m->pt != NULL)
		sceau_memzero(m->pt, SCEAU_BLOCK_SIZE);
	sceau_free(m->pt);
	(void)pthread_mutex_destroy(&m->lock);
	if (m->lock_fd > 0)
		(void)close(m->lock_fd);
}

/* "sceau:PID:REALM:NAME": what sceau unmount finds in mountinfo. */
static int
fuse_args_for(
    const struct mnt *m, struct fuse_args *args, char *opt, size_t size)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];
	size_t i;

	/* Commas and backslashes would end or escape the option. */
	for (i = 0; i < sizeof(name) - 1 && m->label[i] != '\0'; i++)
		name[i] = m->label[i] == ',' || m->label[i] == '\\'
		    ? '_'
		    : m->label[i];
	name[i] = '\0';
	if ((size_t)snprintf(opt, size,
	        "fsname=sceau:%ld:%s:%s,subtype=sceau,noatime%s",
	        (long)getpid(), m->realm, name,
	        m->readonly ? ",ro" : "") >= size)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (fuse_opt_add_arg(args, "sceau") != 0 ||
	    fuse_opt_add_arg(args, "-o") != 0 ||
	    fuse_opt_add_arg(args, opt) != 0)
		return SCEAU_ERR_ALLOC;
	return 0;
}

static void
say_mounted(struct cli *cli, const struct mnt *m, const char *dir)
{
	if (cli->json)
		(void)cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s, s:b, s:I}", "workspace",
		        m->label, "realm_id", m->realm, "dir", dir, "read_only",
		        m->readonly, "pid", (json_int_t)getpid()));
	else if (!cli->quiet)
		(void)printf(_("Mounted workspace %s on %s%s\n"), m->label, dir,
		    m->readonly ? _(" (read-only)") : "");
	(void)fflush(stdout);
}

/* Mounts, tells, serves until unmounted; then saves and syncs once more. */
static int
serve(struct cli *cli, struct mnt *m, const char *dir)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char opt[SCEAU_NAME_MAX_BYTES + 128], logpath[SCEAU_PATHS_MAX + 16];
	struct fuse *f = NULL;
	pthread_t th;
	int r, started = 0;

	if (fuse_args_for(m, &args, opt, sizeof(opt)) != 0 ||
	    (f = fuse_new(&args, &mnt_ops, sizeof(mnt_ops), m)) == NULL) {
		fuse_opt_free_args(&args);
		return cli_error(cli, SCEAU_ERR_SYSTEM, _("starting FUSE"));
	}
	fuse_opt_free_args(&args);
	if (fuse_mount(f, dir) != 0) {
		fuse_destroy(f);
		return cli_error(cli, SCEAU_ERR_SYSTEM,
		    _("mounting on %s (see above)"), dir);
	}
	say_mounted(cli, m, dir);
	(void)snprintf(
	    logpath, sizeof(logpath), "%s/../mount.log", m->spill_dir);
	detach(m, logpath);
	mnt_logf(m, "mounted on %s%s%s", dir, m->readonly ? " (read-only)" : "",
	    m->agent_syncs ? "; sync: by sceau-agent" : "");
	(void)fuse_set_signal_handlers(fuse_get_session(f));
	if (m->at == 0 && pthread_create(&th, NULL, sync_thread, m) == 0)
		started = 1;
	r = fuse_loop_mt(f, 0);
	m->stop = 1;
	if (started)
		(void)pthread_join(th, NULL);
	fuse_remove_signal_handlers(fuse_get_session(f));
	fuse_unmount(f);
	fuse_destroy(f);
	/* Files still open at unmount, then a last sync. */
	if (m->at == 0) {
		(void)mnt_save_all(m);
		m->stop = 0;
		m->last_sync_error = 0;
		sync_pass(m);
	}
	mnt_logf(m, "unmounted");
	return r != 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

/* Without WORKSPACE: the user's only workspace (one mount per device). */
static int
only_workspace(struct cli *cli, struct sceau_client *c, char realm[33])
{
	const struct sceau_chain *ch = sceau_client_chain(c);
	const char *self = sceau_client_info(c)->user_id;
	size_t i, n = 0;

	for (i = 0; i < sceau_chain_realm_count(ch); i++) {
		const struct sceau_chain_realm *r = sceau_chain_realm_at(ch, i);

		if (sceau_chain_realm_role(ch, r->realm_id, self) ==
		    SCEAU_ROLE_NONE)
			continue;
		if (n++ == 0)
			(void)snprintf(realm, 33, "%s", r->realm_id);
	}
	if (n == 1)
		return 0;
	return cli_usage_error(cli, "mount",
	    n == 0 ? _("no workspace to mount")
	           : _("several workspaces: name the one to mount"));
}

/* "-f" is "--foreground" (the option parser takes long options only). */
static char **
long_args(int argc, char **argv)
{
	char **av = sceau_calloc((size_t)argc + 1, sizeof(*av));
	int i;

	for (i = 0; av != NULL && i < argc; i++)
		av[i] = strcmp(argv[i], "-f") == 0 ? (char *)"--foreground"
		                                   : argv[i];
	return av;
}

static int
mount_run(struct cli *cli, int argc, char **argv)
{
	const char *interval = NULL, *at = NULL;
	int foreground = 0, keep_offline = 0;
	const struct cli_opt opts[] = {
	    {"foreground",
	        N_("  -f, --foreground        serve in the foreground (until "
	           "unmounted or interrupted)\n"),
	        &foreground, NULL},
	    {"at",
	        N_("  --at DATE               the workspace as it was then, "
	           "read-only\n"),
	        NULL, &at},
	    {"keep-offline",
	        N_("  --keep-offline          fetch every file into this "
	           "device's cache, to read them all offline\n"),
	        &keep_offline, NULL},
	    {"sync-interval",
	        N_("  --sync-interval SECONDS sync this often (default 2)\n"),
	        NULL, &interval},
	    {NULL, NULL, NULL, NULL}};
	const struct cli_setup setup = {"mount",
	    N_("[WORKSPACE [DIR]] [OPTIONS]"),
	    N_("Shows a workspace as a folder (by default ~/sceau/ORG/NAME) "
	       "until \"sceau unmount\".  Files are read from and written to "
	       "this device's encrypted cache, and synced in the "
	       "background; editors' temporary files stay on this "
	       "computer.\n"),
	    0, 2, 0, opts};
	char dir[SCEAU_PATHS_MAX], only[SCEAU_ID_LEN + 1];
	const char *name;
	uint64_t v = SYNC_INTERVAL_DEFAULT;
	struct mnt m;
	int r;

	memset(&m, 0, sizeof(m));
	(void)pthread_mutex_init(&m.lock, NULL);
	m.log = stderr;
	if ((r = cli_member_setup(cli, argc, argv, &setup, &m.c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = cli_setup_at(cli, &setup, &m.at)) == 0 && interval != NULL &&
	    cli_parse_uint(interval, 1, 3600, &v) != 0)
		r = cli_usage_error(
		    cli, "mount", _("bad number '%s'"), interval);
	m.sync_interval_s = (unsigned int)v;
	m.keep_offline = keep_offline;
	name = optind < argc ? argv[optind] : only;
	if (r == 0 && optind == argc)
		r = only_workspace(cli, m.c, only);
	if (r == 0 && (r = mnt_open(cli, &m, name)) == 0 &&
	    (r = mount_dir(
	         &m, optind + 1 < argc ? argv[optind + 1] : NULL, dir)) != 0)
		r = cli_error(cli, r, _("finding the folder to mount on"));
	if (r == 0)
		r = serve(cli, &m, dir);
	mnt_close(&m);
	sceau_client_close(m.c);
	return r;
}

int
cmd_mount(struct cli *cli, int argc, char **argv)
{
	char **av;
	int r;

	if ((r = cli_ws_policy_mount()) != 0)
		return cli_error(cli, r, _("mounting"));
	if (!wants_foreground(argc, argv))
		return spawn_background(cli, argc, argv);
	if ((av = long_args(argc, argv)) == NULL)
		return cli_error(cli, SCEAU_ERR_ALLOC, _("starting the mount"));
	r = mount_run(cli, argc, av);
	sceau_free(av);
	return r;
}
