/*
 * cli.h: what every subcommand of the sceau program shares.
 *
 * One file per subcommand (cmd-NAME.c), each exporting one cli_cmd_fn,
 * listed in commands.c.  Subcommands print through the helpers below so
 * that --json output and error reporting are uniform.
 */
#ifndef SCEAU_CLI_H
#define SCEAU_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cert.h"
#include "defs.h"

/*
 * Exit status of the sceau program (documented in sceau(1), EXIT STATUS).
 * Scripts rely on them: never renumber.
 */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1, /* any other error */
	CLI_EXIT_USAGE = 2, /* bad command line */
	CLI_EXIT_AUTH = 3, /* wrong password or PIN, locked, no key */
	CLI_EXIT_TAMPERED = 4, /* verification failed: data was altered */
	CLI_EXIT_UNREACHABLE = 5, /* server or agent unreachable */
	CLI_EXIT_REFUSED = 6, /* refused by the server, a role or policy */
	CLI_EXIT_NOT_FOUND = 7, /* no such organization, user, file... */
	CLI_EXIT_CONFLICT = 8, /* concurrent change; retry or merge */
};

struct cli {
	const char *progname;
	int json; /* --json: machine-readable output on stdout */
	int verbose; /* -v, repeatable */
	int quiet; /* -q */
};

typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

struct cli_command {
	const char *name;
	cli_cmd_fn fn;
	const char *summary; /* N_() marked; translated when shown */
};

extern const struct cli_command cli_commands[];

/* Options every subcommand accepts (put at the end of its table). */
#define CLI_OPT_HELP 0x1000
#define CLI_OPT_JSON 0x1001
#define CLI_COMMON_OPTIONS                                                     \
	{"help", no_argument, NULL, CLI_OPT_HELP},                             \
	    {"json", no_argument, NULL, CLI_OPT_JSON},                         \
	{                                                                      \
		NULL, 0, NULL, 0                                               \
	}

/* Maps a SCEAU_ERR_* code to an exit status. */
int cli_exit_code(int r);

/*
 * Reports error r (with the thread's detail message, if any) as
 * "sceau: CONTEXT: MESSAGE (DETAIL)" on stderr, or as a JSON object
 * {"error": {...}} on stdout with --json.  Returns cli_exit_code(r).
 */
int cli_error(struct cli *cli, int r, const char *fmt, ...) SCEAU_PRINTF(3, 4);

/* Reports a usage error for subcommand cmd; returns CLI_EXIT_USAGE. */
int cli_usage_error(struct cli *cli, const char *cmd, const char *fmt, ...)
    SCEAU_PRINTF(3, 4);

/* Prints j (then drops the caller's reference) on stdout, one line. */
int cli_print_json(struct cli *cli, json_t *j);

/* Handles the common options; returns 1 if opt was one of them. */
int cli_common_option(struct cli *cli, int opt);

/* Prints "Usage: sceau CMD SYNOPSIS" + text (translated by the caller). */
void cli_print_usage(
    FILE *f, const char *cmd, const char *synopsis, const char *text);

/* A password or token read from a file, the terminal or stdin. */
struct cli_secret {
	char *data; /* NUL-terminated, in locked memory */
	size_t len;
};

/*
 * Reads a secret: the first line of file if not NULL, else from the
 * terminal without echo (showing prompt), else a line of standard input.
 * Free with cli_secret_free() (wipes it).
 */
int cli_secret_read(const char *prompt, const char *file, struct cli_secret *s)
    SCEAU_WUR;
void cli_secret_free(struct cli_secret *s);

/*
 * Reads the PIN of the token labelled label: the first line of file if
 * not NULL, else from the pinentry program named by $SCEAU_PINENTRY
 * (pkcs11/pinentry.h), else as cli_secret_read() does.  Free with
 * cli_secret_free().
 */
int cli_pin_read(const char *label, const char *file, struct cli_secret *s)
    SCEAU_WUR;

/*
 * Runs the subcommand argv[1] of group (for "sceau user list" and the
 * like): table ends with a NULL name.  Prints the group's usage for
 * --help or a missing subcommand.
 */
struct cli_subcommand {
	const char *name;
	cli_cmd_fn fn;
	const char *summary; /* N_() marked */
};
int cli_dispatch(struct cli *cli, const char *group,
    const struct cli_subcommand *table, int argc, char **argv);

/* Choosing and unlocking a device: options shared by member commands. */
struct cli_device_opts {
	const char *org;
	const char *device;
	const char *password_file;
	const char *pin_file; /* a token-backed device's PIN */
	const char *ca_file;
	int insecure_http;
};

#define CLI_OPT_ORG 0x1100
#define CLI_OPT_DEVICE 0x1101
#define CLI_OPT_PASSWORD_FILE 0x1102
#define CLI_OPT_CA_FILE 0x1103
#define CLI_OPT_INSECURE_HTTP 0x1104
#define CLI_OPT_PIN_FILE 0x1105
#define CLI_DEVICE_OPTIONS                                                     \
	{"org", required_argument, NULL, CLI_OPT_ORG},                         \
	    {"device", required_argument, NULL, CLI_OPT_DEVICE},               \
	    {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE}, \
	    {"ca-file", required_argument, NULL, CLI_OPT_CA_FILE},             \
	    {"pin-file", required_argument, NULL, CLI_OPT_PIN_FILE},           \
	{                                                                      \
		"insecure-http", no_argument, NULL, CLI_OPT_INSECURE_HTTP      \
	}

/* Takes a device option (with its argument); 1 if ch was one. */
int cli_device_option(struct cli_device_opts *o, int ch, const char *arg);

/* A new device's default label: the host name ("device" without one). */
const char *cli_host_label(char *buf, size_t size);

/*
 * A new device (org bootstrap, claim, enroll submit): its user's name, its
 * label and how its keys are kept: --keyring, the device options'
 * --password-file, or --token (with the PKI that vouches for the card).
 * Each command's option table lists those of these options it takes.
 */
struct cli_new_device {
	const char *name;
	const char *label; /* NULL: the host name */
	const char *token; /* PKCS#11 URI */
	const char *pki_ca;
	const char *pki_intermediates;
	const char *link; /* the link joined through: the policy checks it */
	int keyring;
	char host[SCEAU_NAME_MAX + 1];
	struct cli_secret pw; /* a new password, read by cli_new_device_auth */
};

#define CLI_OPT_NAME 0x1110
#define CLI_OPT_LABEL 0x1111
#define CLI_OPT_TOKEN 0x1112
#define CLI_OPT_PKI_CA 0x1113
#define CLI_OPT_PKI_INTERMEDIATES 0x1114
#define CLI_OPT_KEYRING 0x1115

/* Takes a new device option (with its argument); 1 if ch was one. */
int cli_new_device_option(struct cli_new_device *n, int ch, const char *arg);
/* A usage error of cmd if more than one way to keep the keys was given. */
int cli_new_device_check(struct cli *cli, const char *cmd,
    const struct cli_new_device *n, const struct cli_device_opts *dev);
struct sceau_keyfile_auth;
/*
 * Gives the device its default label and fills auth: opens and logs in
 * to the card of --token, or asks for a new password (none for
 * --keyring).  On failure reports it and returns the exit status.  The
 * password is n->pw: free with cli_secret_free(&n->pw).
 */
int cli_new_device_auth(struct cli *cli, struct cli_new_device *n,
    const struct cli_device_opts *dev, struct sceau_keyfile_auth *auth);

struct sceau_client;
struct sceau_client_opts;
/*
 * Opens the token of uri, reads its PIN (pin_file, pinentry or the
 * terminal) and logs in: auth becomes a TOKEN auth holding it.
 */
struct sceau_keyfile_auth;
int cli_token_open_login(const char *uri, const char *pin_file,
    struct sceau_keyfile_auth *auth) SCEAU_WUR;
/* Client options from the device options (and SCEAU_CA_FILE). */
void cli_client_opts(
    const struct cli_device_opts *o, struct sceau_client_opts *co);
/*
 * Finds and unlocks the device (asking for its password when needed).
 * On failure reports the error and returns the exit status; 0 on success.
 */
int cli_open_client(
    struct cli *cli, const struct cli_device_opts *o, struct sceau_client **cp);

/* An option of a command: a flag (flagp) or one with a value (valp). */
struct cli_opt {
	const char *name; /* long name; NULL ends a table */
	const char *help; /* N_() marked help line */
	int *flagp; /* a flag: set to 1 when given */
	const char **valp; /* an option with a value: receives it */
};

/* What a member command takes: see cli_member_setup(). */
struct cli_setup {
	const char *cmd; /* "user list" */
	const char *synopsis; /* N_() marked */
	const char *what; /* N_() marked, one line or more */
	int nargs; /* positional arguments, at least */
	int nargs_opt; /* and up to this many more */
	int refresh; /* fetch new certificates before acting */
	const struct cli_opt *opts; /* the command's own options, or NULL */
};
#define CLI_OPTS_MAX 8 /* own options of one command */
#define CLI_OPT_OWN 0x1200 /* getopt codes of own options: + index */

/* 1 if "sceau mount" serves the device of c now (cmd-mount.c). */
int cli_device_mounted(struct sceau_client *c);

/* The value given to the command's option name, or NULL. */
const char *cli_setup_value(const struct cli_setup *s, const char *name);
/* The date of its --at option in *at_us (0: none), or a usage error. */
int cli_setup_at(struct cli *cli, const struct cli_setup *s, uint64_t *at_us);

/* A decimal number from min to max (digits only). */
int cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v)
    SCEAU_WUR;

/*
 * The workstation policy (wspolicy.c): /etc/sceau/policy.xml, or, on a
 * computer with none, $SCEAU_POLICY_FILE; *pp NULL when there is none.
 * An invalid policy is an error every time (fail closed).
 */
struct sceau_policy;
struct sceau_paths_device;
int cli_ws_policy(const struct sceau_policy **pp) SCEAU_WUR;
/*
 * The rules that shape the process (PKI checks into co, which may be
 * NULL; PKCS#11 modules; the block cache's size): sceau_wspolicy_apply().
 */
struct sceau_client_opts;
int cli_ws_policy_apply(struct sceau_client_opts *co) SCEAU_WUR;
/* May a device be protected or unlocked by protection (keyfile.h)? */
int cli_ws_policy_auth(int protection) SCEAU_WUR;
/* May the server and organization of a sceau:// link be joined? */
int cli_ws_policy_link(const char *link) SCEAU_WUR;
/*
 * May device c work offline (<offline><max-days>)?  Past the limit, it
 * must reach its server (a refresh) first.
 */
struct sceau_client;
int cli_ws_policy_offline(struct sceau_client *c) SCEAU_WUR;
/* May workspaces be mounted? */
int cli_ws_policy_mount(void) SCEAU_WUR;
/* A policy as JSON: {file, kind, version, rules} (cmd-policy.c). */
json_t *cli_policy_json(const char *file, const struct sceau_policy *p);
/* "policy publish|show|explain" (cmd-policy-org.c). */
int cmd_policy_publish(struct cli *cli, int argc, char **argv);
int cmd_policy_show(struct cli *cli, int argc, char **argv);
int cmd_policy_explain(struct cli *cli, int argc, char **argv);
/*
 * The header of device d's key file into *info, once the workstation
 * policy allowed its protection (SCEAU_ERR_POLICY_REFUSED).
 */
struct sceau_keyfile_info;
int cli_device_info(const struct sceau_paths_device *d,
    struct sceau_keyfile_info *info) SCEAU_WUR;

/*
 * The parsing half of cli_member_setup: the device options into *dev, the
 * command's own options and its arguments.  0, -1 after --help, or an
 * exit status.
 */
int cli_setup_parse(struct cli *cli, int argc, char **argv,
    const struct cli_setup *s, struct cli_device_opts *dev);

/*
 * Opens the client of device d through the running agent (keys stay in
 * the agent).  SCEAU_ERR_AGENT_UNREACHABLE when no agent runs (the
 * caller then unlocks the device itself), SCEAU_ERR_AGENT_LOCKED when one
 * runs but does not hold d; other errors are failures.  cmd-agent.c.
 */
struct sceau_paths_device;
int cli_agent_client(const struct sceau_paths_device *d,
    const struct sceau_client_opts *co, struct sceau_client **cp) SCEAU_WUR;

/*
 * The background sync of c's device in the running agent (SYNC_STATUS):
 * an array of {realm_id, workspace, state, pending, last_us[, error]},
 * the device itself first (realm_id ""); NULL when no agent syncs it.
 */
json_t *cli_agent_sync_json(struct sceau_client *c);

/*
 * Parses the device options, the command's own options and s->nargs to
 * s->nargs + s->nargs_opt positional arguments (from argv[optind]), opens the client and, if asked,
 * refreshes its chain.  Returns 0 with *cp set, -1 after --help, or an
 * exit status (the error already reported).
 */
int cli_member_setup(struct cli *cli, int argc, char **argv,
    const struct cli_setup *s, struct sceau_client **cp);

/*
 * JSON descriptions of a user / device of the client's chain, with their
 * email, name or label when this device may see them.  NULL on ENOMEM.
 */
struct sceau_chain_user;
struct sceau_chain_device;
json_t *cli_describe_user(
    struct sceau_client *c, const struct sceau_chain_user *u);
json_t *cli_describe_device(
    struct sceau_client *c, const struct sceau_chain_device *d);
/* "Name (device label)" of a device, else its id (unknown or hidden). */
void cli_author(
    struct sceau_client *c, const char *device_id, char *out, size_t size);
/* o[key] as a string, or dflt. */
const char *cli_json_str(const json_t *o, const char *key, const char *dflt);

/*
 * The workspace keys this owner must rotate since someone lost access
 * (sceau_client_rotate_due): rotates those that are due, says so (unless
 * --json) for each, and returns them as an array of {realm_id, name,
 * cause_index, key_index | due_in_s | error} (NULL on ENOMEM).  A failed
 * rotation is said, not returned: the act before it was done.
 */
json_t *cli_rotate_due(struct cli *cli, struct sceau_client *c);

/* ------------------------------------------------------- workspaces */

struct sceau_ws;
/* An open workspace and the path inside it, from "/WORKSPACE/path". */
struct cli_ws {
	struct sceau_client *c;
	struct sceau_ws *w;
	char realm[33];
	char name[256]; /* as given: the workspace's name or id */
	char path[4096]; /* "/path" inside the workspace */
};

/* The workspace named (or with id) name_or_id that this user is in. */
int cli_find_realm(
    struct sceau_client *c, const char *name_or_id, char realm[33]) SCEAU_WUR;
/* Splits "/WORKSPACE/path" into "WORKSPACE" and "/path". */
int cli_split_ws_arg(const char *arg, char *ws, size_t wsize, char *path,
    size_t psize) SCEAU_WUR;
/*
 * Opens the workspace of arg ("/WORKSPACE/path").  On failure reports the
 * error and returns the exit status; 0 on success.
 */
int cli_ws_open(struct cli *cli, struct sceau_client *c, const char *arg,
    struct cli_ws *out);
/* The same, read-only, as the workspace was at at_us (0: now). */
int cli_ws_open_at(struct cli *cli, struct sceau_client *c, const char *arg,
    uint64_t at_us, struct cli_ws *out);
/* Commits and closes; reports an error and returns its status. */
int cli_ws_close(struct cli *cli, struct cli_ws *ws);

/* A progress line on a terminal (see progress.c). */
#include "ws.h"
struct cli_progress {
	const char *what;
	int tty, shown;
	uint64_t last_ms, start_ms, files, bytes;
	struct sceau_ws_progress ws; /* give &p->ws to the library */
};
void cli_progress_init(
    struct cli *cli, struct cli_progress *p, const char *what);
/* Ends the line; returns the seconds elapsed. */
double cli_progress_end(struct cli_progress *p);

#endif /* SCEAU_CLI_H */
