/*
 * paths.c: the data directory, the layout of a device's files, and the
 * list of the devices on this computer (paths.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cert.h"
#include "errors.h"
#include "log.h"
#include "paths.h"

#define PATHS_DEVICES "devices"
#define PATHS_PWBUF 16384

/* out = a "/" b (b may be NULL: out = a). */
static int
paths_join(char out[SCEAU_PATHS_MAX], const char *a, const char *b)
{
	int k;

	if (b == NULL)
		k = snprintf(out, SCEAU_PATHS_MAX, "%s", a);
	else
		k = snprintf(out, SCEAU_PATHS_MAX, "%s/%s", a, b);
	if (k < 0 || (size_t)k >= SCEAU_PATHS_MAX) {
		out[0] = '\0';
		sceau_message("path longer than %d bytes", SCEAU_PATHS_MAX - 1);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return 0;
}

static int
paths_errno(const char *what, const char *path)
{
	int e = errno;

	sceau_message("%s %s: %s", what, path, strerror(e));
	return e == EACCES ? SCEAU_ERR_PERMISSION : SCEAU_ERR_SYSTEM;
}

/* A directory of ours that no one else may write to. */
static int
paths_check(const char *path, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode)) {
		sceau_message("%s: not a directory", path);
		return SCEAU_ERR_INSECURE_FILE;
	}
	if (st->st_uid != geteuid()) {
		sceau_message("%s: owned by uid %lu, not by us", path,
		    (unsigned long)st->st_uid);
		return SCEAU_ERR_INSECURE_FILE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		sceau_message("%s: writable by group or others (mode %04o)",
		    path, (unsigned int)(st->st_mode & 07777));
		return SCEAU_ERR_INSECURE_FILE;
	}
	return 0;
}

/*
 * Checks path, creating it (0700) first if create and it is missing.
 * follow: stat(2) rather than lstat(2) (only for the data directory,
 * which a user may place elsewhere through a symbolic link).
 */
static int
paths_ensure_dir(const char *path, int create, int follow)
{
	struct stat st;
	int r;

	r = follow ? stat(path, &st) : lstat(path, &st);
	if (r != 0 && errno == ENOENT && create) {
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return paths_errno("mkdir", path);
		r = follow ? stat(path, &st) : lstat(path, &st);
	}
	if (r != 0) {
		if (errno == ENOENT) {
			sceau_message("%s: no such directory", path);
			return SCEAU_ERR_NOT_FOUND;
		}
		return paths_errno("stat", path);
	}
	return paths_check(path, &st);
}

/* mkdir -p of the parents of dir, mode 0700 (XDG's mode for them). */
static int
paths_make_parents(const char *dir)
{
	char tmp[SCEAU_PATHS_MAX];
	size_t i;
	int r;

	if ((r = paths_join(tmp, dir, NULL)) != 0)
		return r;
	for (i = 1; tmp[i] != '\0'; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
			r = paths_errno("mkdir", tmp);
			tmp[i] = '/';
			return r;
		}
		tmp[i] = '/';
	}
	return 0;
}

static int
paths_home(char home[SCEAU_PATHS_MAX])
{
	struct passwd pw, *res = NULL;
	const char *e = secure_getenv("HOME");
	char *buf;
	int r;

	if (e != NULL && e[0] == '/')
		return paths_join(home, e, NULL);
	if ((buf = sceau_malloc(PATHS_PWBUF)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (getpwuid_r(geteuid(), &pw, buf, PATHS_PWBUF, &res) != 0 ||
	    res == NULL || pw.pw_dir == NULL || pw.pw_dir[0] != '/') {
		sceau_message("no home directory: set HOME or SCEAU_HOME");
		r = SCEAU_ERR_CONFIG;
	} else {
		r = paths_join(home, pw.pw_dir, NULL);
	}
	sceau_free(buf);
	return r;
}

int
sceau_paths_home_dir(char home[SCEAU_PATHS_MAX])
{
	return paths_home(home);
}

/* The data directory's name, from the environment. */
static int
paths_base(char dir[SCEAU_PATHS_MAX])
{
	char home[SCEAU_PATHS_MAX];
	const char *e;
	size_t n;
	int r;

	if ((e = secure_getenv("SCEAU_HOME")) != NULL && e[0] != '\0') {
		if (e[0] != '/') {
			sceau_message("SCEAU_HOME must be an absolute path");
			return SCEAU_ERR_CONFIG;
		}
		r = paths_join(dir, e, NULL);
	} else if ((e = secure_getenv("XDG_DATA_HOME")) != NULL &&
	    e[0] == '/') {
		r = paths_join(dir, e, "sceau");
	} else {
		if ((r = paths_home(home)) != 0)
			return r;
		r = paths_join(dir, home, ".local/share/sceau");
	}
	if (r != 0)
		return r;
	/* Tidy: no trailing '/' (but keep "/"). */
	for (n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = '\0';
	return 0;
}

int
sceau_paths_data_dir(char dir[SCEAU_PATHS_MAX])
{
	int r;

	if ((r = paths_base(dir)) != 0 || (r = paths_make_parents(dir)) != 0 ||
	    (r = paths_ensure_dir(dir, 1, 1)) != 0) {
		dir[0] = '\0';
		return r;
	}
	return 0;
}

int
sceau_paths_create_private(const char *path)
{
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return paths_errno("cannot create", path);
	(void)close(fd);
	return 0;
}

/* The directory of the agent's socket, by default. */
static int
paths_agent_dir(char dir[SCEAU_PATHS_MAX])
{
	char base[SCEAU_PATHS_MAX];
	const char *e;
	int r;

	if ((e = secure_getenv("SCEAU_HOME")) != NULL && e[0] != '\0') {
		if ((r = paths_base(base)) != 0)
			return r;
		return paths_join(dir, base, "run");
	}
	if ((e = secure_getenv("XDG_RUNTIME_DIR")) != NULL && e[0] == '/')
		return paths_join(dir, e, "sceau");
	r = snprintf(
	    dir, SCEAU_PATHS_MAX, "/tmp/sceau-%lu", (unsigned long)geteuid());
	return r > 0 && r < SCEAU_PATHS_MAX ? 0 : SCEAU_ERR_INVALID_ARGUMENT;
}

int
sceau_paths_agent_socket(int create, char path[SCEAU_PATHS_MAX])
{
	char dir[SCEAU_PATHS_MAX];
	const char *e;
	int r;

	path[0] = '\0';
	if ((e = secure_getenv("SCEAU_AGENT_SOCK")) != NULL) {
		if (e[0] == '\0') {
			sceau_message("SCEAU_AGENT_SOCK is empty: no agent");
			return SCEAU_ERR_AGENT_UNREACHABLE;
		}
		if (e[0] != '/') {
			sceau_message(
			    "SCEAU_AGENT_SOCK must be an absolute path");
			return SCEAU_ERR_CONFIG;
		}
		return paths_join(path, e, NULL);
	}
	if ((r = paths_agent_dir(dir)) != 0)
		return r;
	if (create && (r = paths_make_parents(dir)) != 0)
		return r;
	if ((r = paths_ensure_dir(dir, create, 0)) != 0)
		return r;
	return paths_join(path, dir, "agent.sock");
}

static int
paths_ids_ok(const char *org, const char *device_id)
{
	if (org == NULL || !sceau_org_id_valid(org) || device_id == NULL ||
	    !sceau_cert_id_valid(device_id)) {
		sceau_message("invalid organization or device id");
		return 0;
	}
	return 1;
}

int
sceau_paths_device_dir(const char *org, const char *device_id, int create,
    char dir[SCEAU_PATHS_MAX])
{
	const char *parts[3] = {PATHS_DEVICES, org, device_id};
	char tmp[SCEAU_PATHS_MAX];
	size_t i;
	int r;

	dir[0] = '\0';
	if (!paths_ids_ok(org, device_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_paths_data_dir(tmp)) != 0)
		return r;
	for (i = 0; i < SCEAU_NELEM(parts); i++) {
		if ((r = paths_join(dir, tmp, parts[i])) != 0)
			return r;
		if ((r = paths_ensure_dir(dir, create, 0)) != 0) {
			if (r == SCEAU_ERR_NOT_FOUND) {
				sceau_message("no device %s of organization %s "
				              "on this computer",
				    device_id, org);
				r = SCEAU_ERR_NO_DEVICE;
			}
			dir[0] = '\0';
			return r;
		}
		memcpy(tmp, dir, SCEAU_PATHS_MAX);
	}
	return 0;
}

int
sceau_paths_device_file(const char *org, const char *device_id,
    const char *name, int create, char path[SCEAU_PATHS_MAX])
{
	char dir[SCEAU_PATHS_MAX];
	int r;

	static const char *const names[] = {SCEAU_PATHS_KEY_FILE,
	    SCEAU_PATHS_STORE_FILE, SCEAU_PATHS_STORE_FILE "-wal",
	    SCEAU_PATHS_STORE_FILE "-shm", SCEAU_PATHS_BLOCKS_DIR,
	    SCEAU_PATHS_ENROLL_FILE};
	size_t i;

	path[0] = '\0';
	/* Only the names of the layout: nothing else lives there. */
	for (i = 0; name != NULL && i < SCEAU_NELEM(names); i++) {
		if (strcmp(name, names[i]) == 0)
			break;
	}
	if (name == NULL || i == SCEAU_NELEM(names))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_paths_device_dir(org, device_id, create, dir)) != 0)
		return r;
	return paths_join(path, dir, name);
}

/* A growing list of devices. */
struct paths_list {
	struct sceau_paths_device *v;
	size_t n, cap;
};

static int
paths_list_add(struct paths_list *l, const char *org, const char *dev)
{
	struct sceau_paths_device *nv;
	size_t cap;

	if (l->n >= SCEAU_PATHS_DEVICES_MAX) {
		sceau_message("more than %d devices on this computer",
		    SCEAU_PATHS_DEVICES_MAX);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	if (l->n == l->cap) {
		cap = l->cap == 0 ? 8 : l->cap * 2;
		nv = sceau_reallocarray(l->v, cap, sizeof(*nv));
		if (nv == NULL)
			return SCEAU_ERR_ALLOC;
		l->v = nv;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	memcpy(l->v[l->n].org_id, org, strlen(org) + 1);
	memcpy(l->v[l->n].device_id, dev, strlen(dev) + 1);
	l->n++;
	return 0;
}

/* Is DIR/NAME a directory (is_dir) or a regular file, not a link? */
static int
paths_is(const char *dir, const char *name, int is_dir)
{
	char p[SCEAU_PATHS_MAX];
	struct stat st;

	if (paths_join(p, dir, name) != 0 || lstat(p, &st) != 0)
		return 0;
	return is_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

static int
paths_open_dir(const char *path, DIR **dp)
{
	if ((*dp = opendir(path)) != NULL)
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return paths_errno("opendir", path);
}

/* The devices of one organization directory. */
static int
paths_scan_org(const char *orgdir, const char *org, struct paths_list *l)
{
	char devdir[SCEAU_PATHS_MAX];
	struct dirent *de;
	DIR *d = NULL;
	int r;

	if ((r = paths_open_dir(orgdir, &d)) != 0 || d == NULL)
		return r;
	while ((de = readdir(d)) != NULL) {
		if (!sceau_cert_id_valid(de->d_name) ||
		    paths_join(devdir, orgdir, de->d_name) != 0 ||
		    !paths_is(devdir, SCEAU_PATHS_KEY_FILE, 0))
			continue;
		if ((r = paths_list_add(l, org, de->d_name)) != 0)
			break;
	}
	(void)closedir(d);
	return r;
}

static int
paths_scan(const char *devices, struct paths_list *l)
{
	char orgdir[SCEAU_PATHS_MAX];
	struct dirent *de;
	DIR *d = NULL;
	int r;

	if ((r = paths_open_dir(devices, &d)) != 0 || d == NULL)
		return r;
	while ((de = readdir(d)) != NULL) {
		if (!sceau_org_id_valid(de->d_name) ||
		    !paths_is(devices, de->d_name, 1) ||
		    paths_join(orgdir, devices, de->d_name) != 0)
			continue;
		if ((r = paths_scan_org(orgdir, de->d_name, l)) != 0)
			break;
	}
	(void)closedir(d);
	return r;
}

static int
paths_device_cmp(const void *a, const void *b)
{
	const struct sceau_paths_device *x = a, *y = b;
	int c = strcmp(x->org_id, y->org_id);

	return c != 0 ? c : strcmp(x->device_id, y->device_id);
}

int
sceau_paths_list_devices(struct sceau_paths_device **list, size_t *n)
{
	struct paths_list l = {NULL, 0, 0};
	char data[SCEAU_PATHS_MAX], devices[SCEAU_PATHS_MAX];
	int r;

	*list = NULL;
	*n = 0;
	if ((r = sceau_paths_data_dir(data)) != 0 ||
	    (r = paths_join(devices, data, PATHS_DEVICES)) != 0 ||
	    (r = paths_scan(devices, &l)) != 0) {
		sceau_free(l.v);
		return r;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), paths_device_cmp);
	*list = l.v;
	*n = l.n;
	return 0;
}

static int
paths_match(
    const struct sceau_paths_device *d, const char *org, const char *device_id)
{
	return (org == NULL || strcmp(d->org_id, org) == 0) &&
	    (device_id == NULL || strcmp(d->device_id, device_id) == 0);
}

int
sceau_paths_find_device(
    const char *org, const char *device_id, struct sceau_paths_device *found)
{
	struct sceau_paths_device *list = NULL;
	size_t n = 0, i, hits = 0, first = 0;
	int r;

	memset(found, 0, sizeof(*found));
	if ((r = sceau_paths_list_devices(&list, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (!paths_match(&list[i], org, device_id))
			continue;
		if (hits++ == 0)
			first = i;
	}
	if (hits == 0) {
		sceau_message("no device%s%s%s%s on this computer",
		    device_id ? " " : "", device_id ? device_id : "",
		    org ? " of organization " : "", org ? org : "");
		r = SCEAU_ERR_NO_DEVICE;
	} else if (hits > 1) {
		sceau_message("%zu devices match: choose one with --org "
		              "and --device",
		    hits);
		r = SCEAU_ERR_AMBIGUOUS_DEVICE;
	} else {
		*found = list[first];
	}
	sceau_free(list);
	return r;
}
