/*
 * cmd-unmount.c: "sceau unmount [WORKSPACE|DIR]": finds sceau's mounts
 * in /proc/self/mountinfo (type fuse.sceau, source
 * "sceau:PID:REALM:NAME"), unmounts them (umount2 as root, else
 * fusermount3 -u) and waits for each serving process to save and sync
 * its last changes and exit.  Needs no key: nothing is unlocked.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "paths.h"

#define UNMOUNT_WAIT_S 120 /* the last sync of a serving process */

struct smount {
	char dir[SCEAU_PATHS_MAX];
	char realm[SCEAU_ID_LEN + 1];
	char name[SCEAU_NAME_MAX_BYTES + 1];
	long pid;
};

/* Copies field s[0..n) to out, undoing mountinfo's octal escapes. */
static void
unescape(const char *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < size; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' &&
		    s[i + 1] <= '3') {
			out[o++] = (char)(((s[i + 1] - '0') << 6) |
			    ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* The i-th space-separated field of line: start and length. */
static const char *
field(const char *line, int i, size_t *len)
{
	const char *p = line, *e;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			return NULL;
		e = p + strcspn(p, " \n");
		if (i-- == 0) {
			*len = (size_t)(e - p);
			return p;
		}
		p = e;
	}
}

/* Parses a mountinfo line; 1 and *sm for a sceau mount. */
static int
parse_line(const char *line, struct smount *sm)
{
	char src[SCEAU_PATHS_MAX], *p, *end;
	const char *f, *sep = strstr(line, " - ");
	size_t n;

	if (sep == NULL || (f = field(sep + 3, 0, &n)) == NULL ||
	    n != strlen("fuse.sceau") || strncmp(f, "fuse.sceau", n) != 0)
		return 0;
	if ((f = field(sep + 3, 1, &n)) == NULL)
		return 0;
	unescape(f, n, src, sizeof(src));
	if (strncmp(src, "sceau:", 6) != 0)
		return 0;
	sm->pid = strtol(src + 6, &end, 10);
	if (*end != ':' || (p = strchr(end + 1, ':')) == NULL ||
	    (size_t)(p - end - 1) != SCEAU_ID_LEN)
		return 0;
	(void)snprintf(
	    sm->realm, sizeof(sm->realm), "%.*s", SCEAU_ID_LEN, end + 1);
	(void)snprintf(sm->name, sizeof(sm->name), "%s", p + 1);
	if ((f = field(line, 4, &n)) == NULL)
		return 0;
	unescape(f, n, sm->dir, sizeof(sm->dir));
	return 1;
}

static int
matches(const struct smount *sm, const char *what, const char *real)
{
	if (what == NULL)
		return 1;
	return strcmp(sm->name, what) == 0 || strcmp(sm->realm, what) == 0 ||
	    (real != NULL && strcmp(sm->dir, real) == 0);
}

static int
fusermount(const char *dir)
{
	char *av[] = {(char *)"fusermount3", (char *)"-u", (char *)dir, NULL};
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "fusermount3", NULL, NULL, av, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

/* Waits for the serving process to finish its last sync. */
static void
wait_gone(long pid)
{
	struct timespec ts = {0, 100 * 1000 * 1000};
	int i;

	for (i = 0; pid > 0 && i < UNMOUNT_WAIT_S * 10; i++) {
		if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			return;
		(void)nanosleep(&ts, NULL);
	}
}

static int
unmount_one(struct cli *cli, const struct smount *sm, json_t *arr)
{
	if (umount2(sm->dir, 0) != 0 && fusermount(sm->dir) != 0) {
		sceau_message("%s: %s", sm->dir, strerror(errno));
		return cli_error(cli,
		    errno == EBUSY ? SCEAU_ERR_EXISTS : SCEAU_ERR_SYSTEM,
		    _("unmounting %s"), sm->dir);
	}
	wait_gone(sm->pid);
	if (cli->json)
		(void)json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:s}", "workspace", sm->name,
		        "realm_id", sm->realm, "dir", sm->dir));
	else if (!cli->quiet)
		(void)printf(
		    _("Unmounted workspace %s from %s\n"), sm->name, sm->dir);
	return 0;
}

static int
unmount_matching(struct cli *cli, const char *what, json_t *arr)
{
	char line[2 * SCEAU_PATHS_MAX], real[SCEAU_PATHS_MAX];
	struct smount sm;
	int r, found = 0, failed = 0;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return cli_error(
		    cli, SCEAU_ERR_SYSTEM, _("reading the mounts"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (!parse_line(line, &sm) ||
		    !matches(&sm, what,
		        what != NULL && realpath(what, real) != NULL ? real
		                                                     : NULL))
			continue;
		found++;
		if ((r = unmount_one(cli, &sm, arr)) != 0)
			failed = r;
	}
	(void)fclose(f);
	if (found == 0) {
		sceau_message(_("no sceau mount matches \"%s\""),
		    what != NULL ? what : "*");
		return cli_error(cli, SCEAU_ERR_NOT_FOUND, _("unmounting"));
	}
	return failed;
}

int
cmd_unmount(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS};
	json_t *arr;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "unmount",
			    _("[WORKSPACE|DIR] [--json]"),
			    _("Unmounts a workspace mounted by \"sceau mount\" "
			      "(every one without an argument) and waits until "
			      "its last changes are saved and synced.\n"));
			return CLI_EXIT_OK;
		}
		if (!cli_common_option(cli, ch))
			return cli_usage_error(cli, "unmount", _("bad option"));
	}
	if (argc - optind > 1)
		return cli_usage_error(
		    cli, "unmount", _("wrong number of arguments"));
	if ((arr = json_array()) == NULL)
		return CLI_EXIT_FAILURE;
	r = unmount_matching(cli, optind < argc ? argv[optind] : NULL, arr);
	if (r == 0 && cli->json)
		return cli_print_json(
		    cli, json_pack("{s:o}", "unmounted", arr));
	json_decref(arr);
	return r;
}
