/*
 * mount-local.c: editor temporary and lock files stay on this computer.
 *
 * A name that matches one of the patterns below (in any component of a
 * path) is never written to the workspace: it lives in a private folder
 * of the data directory (DATA/mounts/KEY/local, 0700), mirrored at the
 * same path, and the mount shows it beside the workspace's files.  The
 * list is documented in doc/mount.md and sceau(1).
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "mount.h"

static const char *const local_patterns[] = {
    ".#*", /* Emacs lock links */
    "*~", /* backups: Emacs, Vim, gedit */
    ".*.swp",
    ".*.swx", /* Vim swap files */
    "~$*", /* Microsoft Office owner files */
    ".~lock.*#", /* LibreOffice locks */
    "4913", /* Vim's probe of a folder's permissions */
    "*.tmp", /* temporary saves */
    NULL,
};

static int
name_is_local(const char *name, size_t len)
{
	char comp[SCEAU_NAME_MAX_BYTES + 1];
	size_t i;

	if (len == 0 || len >= sizeof(comp))
		return 0;
	memcpy(comp, name, len);
	comp[len] = '\0';
	for (i = 0; local_patterns[i] != NULL; i++)
		if (fnmatch(local_patterns[i], comp, 0) == 0)
			return 1;
	return 0;
}

int
mnt_is_local(const char *path)
{
	const char *p = path, *end;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return 0;
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		if (name_is_local(p, (size_t)(end - p)))
			return 1;
		p = end;
	}
}

int
mnt_local_path(const struct mnt *m, const char *path, char *out)
{
	if ((size_t)snprintf(out, MNT_LOCAL_MAX, "%s%s", m->local_dir, path) >=
	    MNT_LOCAL_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int
mnt_local_parents(const struct mnt *m, const char *path)
{
	char buf[MNT_LOCAL_MAX];
	size_t i, start = strlen(m->local_dir) + 1;
	int r;

	if ((r = mnt_local_path(m, path, buf)) != 0)
		return r;
	for (i = start; buf[i] != '\0'; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
			r = -errno;
			buf[i] = '/';
			return r;
		}
		buf[i] = '/';
	}
	return 0;
}
