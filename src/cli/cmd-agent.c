/*
 * cmd-agent.c: the CLI's side of sceau-agent (doc/agent-protocol.md,
 * section 6): a client whose keys stay in the agent, "sceau unlock",
 * "sceau lock" and "sceau agent status|stop".
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "client.h"
#include "commands.h"
#include "conn.h"
#include "errors.h"
#include "i18n.h"
#include "keyfile.h"
#include "paths.h"
#include "protocol.h"

#define CLIENT_NAME "sceau " VERSION

/* ------------------------------------------------ a client without keys */

/* What the remote key callbacks need: the connection and the device. */
struct agent_link {
	struct sceau_agent_conn *conn;
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
};

static void
link_free(void *arg)
{
	struct agent_link *l = arg;

	sceau_agent_close(l->conn);
	sceau_free(l);
}

static void
link_msg(const struct agent_link *l, uint8_t type, struct sceau_agent_msg *q)
{
	memset(q, 0, sizeof(*q));
	q->type = type;
	memcpy(q->org, l->org, sizeof(q->org));
	memcpy(q->device, l->device, sizeof(q->device));
}

static int
link_sign(void *arg, const void *m, size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	struct agent_link *l = arg;
	struct sceau_agent_msg q, a;
	int r;

	link_msg(l, SCEAU_AGENT_SIGN, &q);
	q.data = m;
	q.data_len = n;
	if ((r = sceau_agent_call(l->conn, &q, &a)) == 0)
		memcpy(
		    sig, a.data, SCEAU_SIGN_SIG_LEN); /* 64: decode checked */
	sceau_agent_msg_clear(&a);
	return r;
}

static int
link_token_sign(void *arg, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	struct agent_link *l = arg;
	struct sceau_agent_msg q, a;
	int r;

	link_msg(l, SCEAU_AGENT_SIGN_TOKEN, &q);
	q.data = tbs;
	q.data_len = n;
	if ((r = sceau_agent_call(l->conn, &q, &a)) == 0 &&
	    (r = sceau_buf_put(sig, a.data, a.data_len)) == 0)
		(void)snprintf(alg, SCEAU_CERT_TOKEN_ALG_MAX + 1, "%s", a.alg);
	sceau_agent_msg_clear(&a);
	return r;
}

static int
link_realm_key(void *arg, const char *realm_id, uint32_t index, uint8_t key[32])
{
	struct agent_link *l = arg;
	struct sceau_agent_msg q, a;
	int r;

	link_msg(l, SCEAU_AGENT_REALM_KEY, &q);
	(void)snprintf(q.realm, sizeof(q.realm), "%s", realm_id);
	q.index = index;
	if ((r = sceau_agent_call(l->conn, &q, &a)) == 0)
		memcpy(key, a.key, 32);
	sceau_agent_msg_clear(&a); /* wipes the key's copy */
	return r;
}

/* Local changes: the agent's background sync sends them now. */
static void
link_changed(void *arg, const char *realm_id)
{
	struct agent_link *l = arg;
	struct sceau_agent_msg q, a;

	link_msg(l, SCEAU_AGENT_SYNC_NOW, &q);
	(void)snprintf(q.realm, sizeof(q.realm), "%s", realm_id);
	/* A failure leaves the changes to the next pass: nothing is lost. */
	if (sceau_agent_call(l->conn, &q, &a) != 0)
		sceau_message_clear();
	sceau_agent_msg_clear(&a);
}

/* Does the agent hold device d?  Its public key into rm. */
static int
agent_holds(struct sceau_agent_conn *conn, const struct sceau_paths_device *d,
    struct sceau_client_remote *rm)
{
	struct sceau_agent_msg q, a;
	size_t i;
	int r, found = 0;

	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_LIST;
	if ((r = sceau_agent_call(conn, &q, &a)) != 0)
		return r;
	for (i = 0; i < a.nentries && !found; i++) {
		found = strcmp(a.entries[i].org, d->org_id) == 0 &&
		    strcmp(a.entries[i].device, d->device_id) == 0;
		if (found) {
			memcpy(rm->device_vk, a.entries[i].verify_key,
			    sizeof(rm->device_vk));
			rm->has_device_vk = 1;
		}
	}
	sceau_agent_msg_clear(&a);
	if (!found) {
		sceau_message(_("device %s of %s is locked: run \"sceau "
		                "unlock\" (or set SCEAU_AGENT_SOCK= to work "
		                "without the agent)"),
		    d->device_id, d->org_id);
		return SCEAU_ERR_AGENT_LOCKED;
	}
	return 0;
}

int
cli_agent_client(const struct sceau_paths_device *d,
    const struct sceau_client_opts *co, struct sceau_client **cp)
{
	struct sceau_client_remote rm;
	struct agent_link *l;
	int r;

	*cp = NULL;
	if ((l = sceau_calloc(1, sizeof(*l))) == NULL)
		return SCEAU_ERR_ALLOC;
	memcpy(l->org, d->org_id, sizeof(l->org));
	memcpy(l->device, d->device_id, sizeof(l->device));
	memset(&rm, 0, sizeof(rm));
	if ((r = sceau_agent_connect(NULL, CLIENT_NAME, &l->conn)) != 0 ||
	    (r = agent_holds(l->conn, d, &rm)) != 0) {
		link_free(l);
		return r;
	}
	rm.sign = link_sign;
	rm.token_sign = link_token_sign;
	rm.realm_key = link_realm_key;
	rm.free = link_free;
	rm.changed = link_changed;
	rm.arg = l;
	return sceau_client_open_remote(d->org_id, d->device_id, &rm, co, cp);
}

/* One workspace's (or the device's) background sync state, as JSON. */
static json_t *
sync_entry_json(struct sceau_client *c, const struct sceau_agent_sync_entry *e)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];
	json_t *o;

	if (e->realm[0] == '\0' ||
	    sceau_client_realm_name(c, e->realm, name, sizeof(name)) != 0)
		name[0] = '\0';
	sceau_message_clear();
	o = json_pack("{s:s, s:s, s:s, s:i, s:I}", "realm_id", e->realm,
	    "workspace", name, "state", sceau_agent_sync_state_name(e->state),
	    "pending", (int)e->pending, "last_us", (json_int_t)e->last_us);
	if (o != NULL && e->error != 0 &&
	    json_object_set_new(o, "error",
	        json_string(sceau_errname(e->error) != NULL
	                ? sceau_errname(e->error)
	                : "SCEAU_ERR_UNKNOWN")) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
cli_agent_sync_json(struct sceau_client *c)
{
	const struct sceau_keyfile_info *info = sceau_client_info(c);
	struct sceau_agent_conn *conn = NULL;
	struct sceau_agent_msg q, a;
	json_t *arr;
	size_t i;

	if (sceau_agent_connect(NULL, CLIENT_NAME, &conn) != 0) {
		sceau_message_clear();
		return NULL;
	}
	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_SYNC_STATUS;
	(void)snprintf(q.org, sizeof(q.org), "%s", info->org_id);
	(void)snprintf(q.device, sizeof(q.device), "%s", info->device_id);
	if (sceau_agent_call(conn, &q, &a) != 0 || a.nsync == 0 ||
	    (arr = json_array()) == NULL) {
		sceau_agent_msg_clear(&a);
		sceau_agent_close(conn);
		sceau_message_clear();
		return NULL;
	}
	for (i = 0; i < a.nsync; i++)
		if (json_array_append_new(
		        arr, sync_entry_json(c, &a.sync[i])) != 0)
			break;
	sceau_agent_msg_clear(&a);
	sceau_agent_close(conn);
	return arr;
}

/* ------------------------------------------------------------- unlock */

/* The sceau-agent program: $SCEAU_AGENT_PROGRAM, beside sceau, or bindir. */
static void
agent_program(char *out, size_t size)
{
	char self[PATH_MAX];
	const char *e = getenv("SCEAU_AGENT_PROGRAM");
	ssize_t n;
	char *slash;

	if (e != NULL && e[0] == '/') {
		(void)snprintf(out, size, "%s", e);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL &&
		    (size_t)(slash - self) + sizeof("/sceau-agent") <= size) {
			memcpy(out, self, (size_t)(slash - self));
			memcpy(out + (slash - self), "/sceau-agent",
			    sizeof("/sceau-agent"));
			if (access(out, X_OK) == 0)
				return;
		}
	}
	(void)snprintf(out, size, "%s/sceau-agent", BINDIR);
}

/* Starts an agent (it forks and returns once it listens). */
static int
agent_start(void)
{
	char prog[PATH_MAX];
	pid_t pid;
	int st;

	agent_program(prog, sizeof(prog));
	if ((pid = fork()) < 0)
		return SCEAU_ERR_SYSTEM;
	if (pid == 0) {
		execl(prog, "sceau-agent", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return SCEAU_ERR_SYSTEM;
	/* 3: another one was faster; it listens all the same. */
	if (WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 3))
		return 0;
	sceau_message(_("%s did not start (status %d)"), prog,
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return SCEAU_ERR_AGENT_UNREACHABLE;
}

/* Connects to the agent, starting one if none runs. */
static int
agent_connect_or_start(struct sceau_agent_conn **cp, int *started)
{
	char path[SCEAU_PATHS_MAX];
	int r;

	*started = 0;
	if ((r = sceau_agent_connect(NULL, CLIENT_NAME, cp)) !=
	    SCEAU_ERR_AGENT_UNREACHABLE)
		return r;
	/* Disabled (SCEAU_AGENT_SOCK=): say so rather than start one. */
	if ((r = sceau_paths_agent_socket(1, path)) != 0 ||
	    (r = agent_start()) != 0)
		return r;
	*started = 1;
	return sceau_agent_connect(NULL, CLIENT_NAME, cp);
}

/* The secret that unlocks device d, read here (never given to argv). */
static int
unlock_secret(const struct cli_device_opts *o,
    const struct sceau_keyfile_info *k, uint8_t *auth, struct cli_secret *s)
{
	char prompt[256];

	*auth = (uint8_t)k->protection;
	if (k->protection == SCEAU_KEYFILE_TOKEN) {
		(void)snprintf(prompt, sizeof(prompt),
		    _("PIN of the card of device \"%s\" of %s: "),
		    k->device_label, k->org_id);
		return cli_pin_read(prompt, o->pin_file, s);
	}
	if (k->protection != SCEAU_KEYFILE_PASSWORD)
		return 0;
	(void)snprintf(prompt, sizeof(prompt),
	    _("Password of device \"%s\" of %s: "), k->device_label, k->org_id);
	return cli_secret_read(prompt, o->password_file, s);
}

static int
report_unlocked(struct cli *cli, const struct sceau_agent_msg *a, int started)
{
	json_t *o;

	if (cli->json) {
		o = json_pack("{s:s, s:s, s:b}", "org_id", a->org, "device_id",
		    a->device, "agent_started", started);
		return o == NULL ? CLI_EXIT_FAILURE : cli_print_json(cli, o);
	}
	if (!cli->quiet)
		(void)printf(_("Device %s of %s unlocked in the agent.\n"),
		    a->device, a->org);
	return CLI_EXIT_OK;
}

int
cmd_unlock(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"unlock", "[OPTIONS]",
	    N_("Unlocks a device in sceau-agent (started if none runs): "
	       "by its password, the computer's keyring, or its card and "
	       "PIN.  Later commands use it without asking again.\n"),
	    0, 0, 0, NULL};
	struct sceau_agent_conn *conn = NULL;
	struct cli_secret secret = {NULL, 0};
	struct sceau_paths_device d;
	struct sceau_agent_msg q, a;
	struct sceau_keyfile_info info;
	struct cli_device_opts dev;
	int r, started;

	if ((r = cli_setup_parse(cli, argc, argv, &setup, &dev)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = sceau_paths_find_device(dev.org, dev.device, &d)) != 0)
		return cli_error(cli, r, _("choosing the device"));
	/* Before an agent is started for it. */
	if ((r = cli_device_info(&d, &info)) != 0)
		return cli_error(cli, r, _("unlocking the device"));
	if ((r = agent_connect_or_start(&conn, &started)) != 0)
		return cli_error(cli, r, _("reaching the agent"));
	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_UNLOCK;
	memcpy(q.org, d.org_id, sizeof(q.org));
	memcpy(q.device, d.device_id, sizeof(q.device));
	if ((r = unlock_secret(&dev, &info, &q.auth, &secret)) != 0) {
		sceau_agent_close(conn);
		return cli_error(cli, r, _("reading the secret"));
	}
	q.secret = (const uint8_t *)secret.data;
	q.secret_len = secret.len;
	r = sceau_agent_call(conn, &q, &a);
	cli_secret_free(&secret);
	if (r == 0)
		r = report_unlocked(cli, &a, started);
	else
		r = cli_error(cli, r, _("unlocking the device"));
	sceau_agent_msg_clear(&a);
	sceau_agent_close(conn);
	return r;
}

/* --------------------------------------------------------------- lock */

/*
 * The options and arguments of an agent command, then its connection to
 * the running agent.  0, -1 after --help, or the exit status (reported).
 */
static int
agent_setup(struct cli *cli, int argc, char **argv, const struct cli_setup *s,
    struct cli_device_opts *dev, struct sceau_agent_conn **conn)
{
	int r;

	if ((r = cli_setup_parse(cli, argc, argv, s, dev)) != 0)
		return r;
	if ((r = sceau_agent_connect(NULL, CLIENT_NAME, conn)) != 0)
		return cli_error(cli, r, _("reaching the agent"));
	return 0;
}

int
cmd_lock(struct cli *cli, int argc, char **argv)
{
	static int all;
	static const struct cli_opt opts[] = {
	    {"all", N_("  --all                   lock every device\n"), &all,
	        NULL},
	    {NULL, NULL, NULL, NULL},
	};
	static const struct cli_setup setup = {"lock", "[OPTIONS]",
	    N_("Locks a device in sceau-agent, or every device: their keys "
	       "are wiped and their cards logged out.\n"),
	    0, 0, 0, opts};
	struct sceau_agent_conn *conn = NULL;
	struct sceau_agent_msg q, a;
	struct cli_device_opts dev;
	json_t *o;
	int r;

	if ((r = agent_setup(cli, argc, argv, &setup, &dev, &conn)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_LOCK;
	q.flags = all ? SCEAU_AGENT_LOCK_ALL : 0;
	if (!all) {
		(void)snprintf(
		    q.org, sizeof(q.org), "%s", dev.org != NULL ? dev.org : "");
		(void)snprintf(q.device, sizeof(q.device), "%s",
		    dev.device != NULL ? dev.device : "");
	}
	r = sceau_agent_call(conn, &q, &a);
	sceau_agent_close(conn);
	if (r != 0)
		return cli_error(cli, r, _("locking"));
	if (cli->json) {
		o = json_pack("{s:i}", "locked", (int)a.count);
		return o == NULL ? CLI_EXIT_FAILURE : cli_print_json(cli, o);
	}
	if (!cli->quiet)
		(void)printf(ngettext("%u device locked.\n",
		                 "%u devices locked.\n", a.count),
		    (unsigned int)a.count);
	return CLI_EXIT_OK;
}

/* -------------------------------------------------------------- agent */

static json_t *
entry_json(const struct sceau_agent_entry *e)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "org_id",
	    e->org, "device_id", e->device, "user_id", e->user, "label",
	    e->label, "protection",
	    sceau_keyfile_protection_name(e->protection), "unlocked_us",
	    (json_int_t)e->unlocked_us, "last_used_us", (json_int_t)e->used_us,
	    "token_ops", (json_int_t)e->token_ops);
}

/* STATUS and LIST, as one object. */
static int
agent_status_json(struct sceau_agent_conn *conn, json_t **out)
{
	struct sceau_agent_msg q, a;
	json_t *o, *list;
	size_t i;
	int r;

	*out = NULL;
	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_STATUS;
	if ((r = sceau_agent_call(conn, &q, &a)) != 0)
		return r;
	o = json_pack("{s:I, s:I, s:i, s:I, s:i}", "pid", (json_int_t)a.pid,
	    "started_us", (json_int_t)a.started_us, "idle_timeout_s",
	    (int)a.idle_timeout_s, "token_ops", (json_int_t)a.token_ops,
	    "protocol", (int)a.version);
	sceau_agent_msg_clear(&a);
	q.type = SCEAU_AGENT_LIST;
	if (o == NULL || (r = sceau_agent_call(conn, &q, &a)) != 0) {
		json_decref(o);
		return r != 0 ? r : SCEAU_ERR_ALLOC;
	}
	list = json_array();
	for (i = 0; list != NULL && i < a.nentries; i++)
		if (json_array_append_new(list, entry_json(&a.entries[i])) != 0)
			r = SCEAU_ERR_ALLOC;
	sceau_agent_msg_clear(&a);
	if (list == NULL || r != 0 || json_object_set_new(o, "devices", list)) {
		json_decref(o);
		return SCEAU_ERR_ALLOC;
	}
	*out = o;
	return 0;
}

static void
print_status(const json_t *o)
{
	const json_t *list = json_object_get(o, "devices"), *e;
	size_t i;

	(void)printf(_("Agent: pid %lld, idle timeout %lld s (0: none), "
	               "%lld token operations\n"),
	    (long long)json_integer_value(json_object_get(o, "pid")),
	    (long long)json_integer_value(json_object_get(o, "idle_timeout_s")),
	    (long long)json_integer_value(json_object_get(o, "token_ops")));
	if (json_array_size(list) == 0)
		(void)printf(_("No device unlocked.\n"));
	json_array_foreach(list, i, e)
	{
		(void)printf(_("  %s  %s (%s), by %s, %lld token operations\n"),
		    cli_json_str(e, "org_id", "?"),
		    cli_json_str(e, "label", "?"),
		    cli_json_str(e, "device_id", "?"),
		    cli_json_str(e, "protection", "?"),
		    (long long)json_integer_value(
		        json_object_get(e, "token_ops")));
	}
}

static int
cmd_agent_status(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"agent status", "[OPTIONS]",
	    N_("Shows the running agent and the devices it holds.\n"), 0, 0, 0,
	    NULL};
	struct sceau_agent_conn *conn = NULL;
	struct cli_device_opts dev;
	json_t *o;
	int r;

	if ((r = agent_setup(cli, argc, argv, &setup, &dev, &conn)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = agent_status_json(conn, &o);
	sceau_agent_close(conn);
	if (r != 0)
		return cli_error(cli, r, _("asking the agent"));
	if (cli->json)
		return cli_print_json(cli, o);
	print_status(o);
	json_decref(o);
	return CLI_EXIT_OK;
}

static int
cmd_agent_stop(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"agent stop", "[OPTIONS]",
	    N_("Stops the running agent: every device is locked.\n"), 0, 0, 0,
	    NULL};
	struct sceau_agent_conn *conn = NULL;
	struct sceau_agent_msg q, a;
	struct cli_device_opts dev;
	pid_t pid;
	int r;

	if ((r = agent_setup(cli, argc, argv, &setup, &dev, &conn)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_STATUS;
	r = sceau_agent_call(conn, &q, &a);
	pid = (pid_t)a.pid;
	sceau_agent_msg_clear(&a);
	sceau_agent_close(conn);
	if (r != 0)
		return cli_error(cli, r, _("asking the agent"));
	/* The peer answered on our own socket: it is ours to stop. */
	if (pid <= 1 || kill(pid, SIGTERM) != 0)
		return cli_error(
		    cli, SCEAU_ERR_SYSTEM, _("stopping the agent"));
	if (!cli->quiet && !cli->json)
		(void)printf(_("Agent stopped.\n"));
	return CLI_EXIT_OK;
}

int
cmd_agent(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"status", cmd_agent_status,
	        N_("show the running agent and its unlocked devices")},
	    {"stop", cmd_agent_stop, N_("stop the agent (locks everything)")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "agent", table, argc, argv);
}
