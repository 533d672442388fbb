/*
 * posix-suite.c: POSIX behaviour of a folder, for "sceau mount"
 * (tests/integration/mount.sh runs it on a mount).  TAP on stdout.
 *
 *   posix-suite DIR             every check, in DIR (empty, writable)
 *   posix-suite --readonly DIR  DIR must refuse every change (EROFS or
 *                               EACCES) and let its files be read
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define BLOCK (512 * 1024) /* the workspace's block size */

static int n_tests, n_failed;
static char base[4096];

static void
check(int cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond)
		n_failed++;
	(void)printf("%s %d - ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	(void)vprintf(fmt, ap);
	va_end(ap);
	if (!cond && errno != 0)
		(void)printf(" (errno %d: %s)", errno, strerror(errno));
	(void)printf("\n");
	(void)fflush(stdout);
	errno = 0;
}

static const char *
P(const char *name)
{
	static char bufs[4][8192];
	static int i;
	char *b = bufs[i++ % 4];

	(void)snprintf(b, 8192, "%s/%s", base, name);
	return b;
}

static int
write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, p, n);
	if (close(fd) != 0 || w != (ssize_t)n)
		return -1;
	return 0;
}

/* 1 if path holds exactly p[0..n). */
static int
has_content(const char *path, const void *p, size_t n)
{
	char *buf = malloc(n + 1);
	int fd = open(path, O_RDONLY), ok = 0;
	ssize_t r = 0, k;

	if (fd >= 0 && buf != NULL) {
		while ((size_t)r <= n &&
		    (k = read(fd, buf + r, n + 1 - (size_t)r)) > 0)
			r += k;
		ok = (size_t)r == n && memcmp(buf, p, n) == 0;
	}
	if (fd >= 0)
		(void)close(fd);
	free(buf);
	return ok;
}

static void
fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void
t_create(void)
{
	struct stat st;
	int fd;

	fd = open(P("new.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0 && write(fd, "abc\n", 4) == 4 && close(fd) == 0,
	    "create with O_EXCL and write");
	check(stat(P("new.txt"), &st) == 0 && st.st_size == 4 &&
	        S_ISREG(st.st_mode),
	    "stat gives the size written");
	check(has_content(P("new.txt"), "abc\n", 4), "read back");
	fd = open(P("new.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd < 0 && errno == EEXIST, "O_EXCL on an existing file: EEXIST");
	if (fd >= 0)
		(void)close(fd);
	errno = 0;
	check(open(P("missing/x"), O_RDONLY) < 0 && errno == ENOENT,
	    "a missing path: ENOENT");
	errno = 0;
}

static void
t_rename(void)
{
	check(write_file(P("a.txt"), "AAAA", 4) == 0 &&
	        write_file(P("b.txt"), "BB", 2) == 0,
	    "two files");
	check(rename(P("a.txt"), P("b.txt")) == 0,
	    "rename over an existing file");
	check(has_content(P("b.txt"), "AAAA", 4), "the target has the content");
	check(access(P("a.txt"), F_OK) != 0 && errno == ENOENT,
	    "the source is gone");
	errno = 0;
	/* An editor's save: a new file, then renamed over the old one. */
	check(write_file(P("doc.txt"), "v1", 2) == 0 &&
	        write_file(P("doc.txt.new"), "version 2", 9) == 0 &&
	        rename(P("doc.txt.new"), P("doc.txt")) == 0 &&
	        has_content(P("doc.txt"), "version 2", 9),
	    "save by writing a new file and renaming it over");
	check(mkdir(P("d1"), 0755) == 0 &&
	        rename(P("b.txt"), P("d1/b.txt")) == 0 &&
	        has_content(P("d1/b.txt"), "AAAA", 4),
	    "move a file into a folder");
	check(rename(P("d1"), P("d2")) == 0 &&
	        has_content(P("d2/b.txt"), "AAAA", 4),
	    "rename a folder with its content");
	check(mkdir(P("d3"), 0755) == 0 && rename(P("d2"), P("d3")) == 0 &&
	        has_content(P("d3/b.txt"), "AAAA", 4),
	    "rename a folder over an empty folder");
	check(mkdir(P("d4"), 0755) == 0 && write_file(P("d4/x"), "x", 1) == 0 &&
	        rename(P("d3"), P("d4")) != 0 &&
	        (errno == ENOTEMPTY || errno == EEXIST),
	    "not over a folder that holds something");
	errno = 0;
	check(rename(P("d4"), P("d4/sub")) != 0, "not into itself");
	errno = 0;
}

static void
t_unlink_open(void)
{
	char buf[16] = {0};
	struct stat st;
	int fd;

	check(write_file(P("gone.txt"), "still here", 10) == 0, "a file");
	fd = open(P("gone.txt"), O_RDONLY);
	check(fd >= 0 && unlink(P("gone.txt")) == 0, "unlink it while open");
	check(access(P("gone.txt"), F_OK) != 0, "the name is gone");
	check(fd >= 0 && pread(fd, buf, sizeof(buf), 0) == 10 &&
	        memcmp(buf, "still here", 10) == 0,
	    "reads through the open descriptor still work");
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 10,
	    "fstat of the unlinked file");
	check(write_file(P("gone.txt"), "new", 3) == 0 &&
	        has_content(P("gone.txt"), "new", 3),
	    "a new file of the same name");
	check(fd >= 0 && pread(fd, buf, sizeof(buf), 0) == 10 &&
	        memcmp(buf, "still here", 10) == 0,
	    "the old descriptor still reads the old content");
	if (fd >= 0)
		(void)close(fd);
}

static void
t_truncate(void)
{
	static uint8_t data[3 * BLOCK / 2];
	struct stat st;
	int fd;

	fill(data, sizeof(data), 7);
	check(write_file(P("big.bin"), data, sizeof(data)) == 0 &&
	        has_content(P("big.bin"), data, sizeof(data)),
	    "a file of three blocks, read back");
	check(truncate(P("big.bin"), BLOCK + 10) == 0 &&
	        has_content(P("big.bin"), data, BLOCK + 10),
	    "truncate(2) to a shorter size keeps the start");
	fd = open(P("big.bin"), O_RDWR);
	check(fd >= 0 && ftruncate(fd, BLOCK + 20) == 0 &&
	        fstat(fd, &st) == 0 && st.st_size == BLOCK + 20,
	    "ftruncate(2) to a longer size");
	if (fd >= 0)
		(void)close(fd);
	memset(data + BLOCK + 10, 0, 10);
	check(has_content(P("big.bin"), data, BLOCK + 20),
	    "what grew reads as zeros");
	check(truncate(P("big.bin"), 0) == 0 && stat(P("big.bin"), &st) == 0 &&
	        st.st_size == 0,
	    "truncate to zero");
	fd = open(P("big.bin"), O_WRONLY | O_TRUNC);
	check(fd >= 0 && write(fd, "xyz", 3) == 3 && close(fd) == 0 &&
	        has_content(P("big.bin"), "xyz", 3),
	    "O_TRUNC then write");
}

static void
t_sparse(void)
{
	static uint8_t want[BLOCK + 4096 + 5];
	int fd;

	memset(want, 0, sizeof(want));
	memcpy(want + BLOCK + 4096, "tail!", 5);
	fd = open(P("sparse.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0 && pwrite(fd, "tail!", 5, BLOCK + 4096) == 5 &&
	        close(fd) == 0,
	    "write past the end of an empty file");
	check(has_content(P("sparse.bin"), want, sizeof(want)),
	    "the gap reads as zeros, across a block boundary");
	/* Rewrite the middle of a saved file, across a block boundary. */
	memcpy(want + BLOCK - 2, "MID", 3);
	fd = open(P("sparse.bin"), O_WRONLY);
	check(fd >= 0 && pwrite(fd, "MID", 3, BLOCK - 2) == 3 &&
	        close(fd) == 0 &&
	        has_content(P("sparse.bin"), want, sizeof(want)),
	    "overwrite in the middle of a saved file");
	fd = open(P("sparse.bin"), O_WRONLY | O_APPEND);
	check(fd >= 0 && write(fd, "++", 2) == 2 && close(fd) == 0,
	    "O_APPEND write");
	{
		struct stat st;

		check(stat(P("sparse.bin"), &st) == 0 &&
		        st.st_size == (off_t)sizeof(want) + 2,
		    "appended at the end");
	}
}

static void
t_fallocate(void)
{
	static uint8_t want[8192];
	struct stat st;
	int fd;

	memcpy(want, "ab", 2);
	fd = open(P("falloc.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0 && write(fd, "ab", 2) == 2 &&
	        posix_fallocate(fd, 0, sizeof(want)) == 0 &&
	        fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof(want),
	    "posix_fallocate grows a file");
	if (fd >= 0)
		(void)close(fd);
	check(has_content(P("falloc.bin"), want, sizeof(want)),
	    "with zeros after the data");
}

static void
t_names(void)
{
	char name[300];
	int fd;

	memset(name, 'n', 255);
	name[255] = '\0';
	check(write_file(P(name), "x", 1) == 0 && has_content(P(name), "x", 1),
	    "a name of 255 bytes");
	memset(name, 'n', 256);
	name[256] = '\0';
	errno = 0;
	fd = open(P(name), O_WRONLY | O_CREAT, 0644);
	check(fd < 0 && errno == ENAMETOOLONG, "256 bytes: ENAMETOOLONG");
	if (fd >= 0)
		(void)close(fd);
	errno = 0;
	check(write_file(P("caf\xc3\xa9 \xe2\x82\xac.txt"), "utf8", 4) == 0 &&
	        has_content(P("caf\xc3\xa9 \xe2\x82\xac.txt"), "utf8", 4),
	    "a UTF-8 name with spaces");
	fd = open(P("bad\xff.txt"), O_WRONLY | O_CREAT, 0644);
	check(fd < 0 && errno == EINVAL, "a name that is not UTF-8: EINVAL");
	if (fd >= 0)
		(void)close(fd);
	errno = 0;
	check(symlink("new.txt", P("link")) != 0 && errno == EPERM,
	    "symbolic links refused: EPERM");
	errno = 0;
	check(link(P("new.txt"), P("hard")) != 0 && errno == EPERM,
	    "hard links refused: EPERM");
	errno = 0;
	check(rename(P("new.txt"), P("new.txt")) == 0 &&
	        has_content(P("new.txt"), "abc\n", 4),
	    "rename onto itself changes nothing");
}

static void
t_shared(void)
{
	char buf[8] = {0};
	int a, b;

	a = open(P("shared.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	b = open(P("shared.txt"), O_RDONLY);
	check(a >= 0 && b >= 0 && write(a, "1234", 4) == 4 &&
	        pread(b, buf, sizeof(buf), 0) == 4 &&
	        memcmp(buf, "1234", 4) == 0,
	    "a second descriptor sees the first's writes before close");
	check(a >= 0 && fsync(a) == 0, "fsync");
	if (a >= 0)
		(void)close(a);
	if (b >= 0)
		(void)close(b);
}

static int
count_entries(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	(void)closedir(d);
	return n;
}

static void
t_readdir(void)
{
	char name[64];
	struct dirent *de;
	DIR *d;
	int i, ok = 1, seen = 0;

	ok = mkdir(P("rd"), 0755) == 0;
	for (i = 0; ok && i < 50; i++) {
		(void)snprintf(name, sizeof(name), "rd/f%02d", i);
		ok = write_file(P(name), "x", 1) == 0;
	}
	check(ok && count_entries(P("rd"), "f") == 50, "50 files listed");
	d = opendir(P("rd"));
	ok = d != NULL;
	for (i = 0; ok && (de = readdir(d)) != NULL; i++) {
		seen++;
		if (i == 5) {
			/* Changes while the listing goes on. */
			for (int j = 0; j < 10; j++) {
				(void)snprintf(
				    name, sizeof(name), "rd/f%02d", j);
				ok = ok && unlink(P(name)) == 0;
				(void)snprintf(
				    name, sizeof(name), "rd/g%02d", j);
				ok = ok && write_file(P(name), "y", 1) == 0;
			}
		}
	}
	if (d != NULL)
		(void)closedir(d);
	check(ok && seen >= 5, "readdir while files come and go");
	check(count_entries(P("rd"), "f") == 40 &&
	        count_entries(P("rd"), "g") == 10,
	    "then the listing shows exactly the changes");
	check(rmdir(P("rd")) != 0 && errno == ENOTEMPTY,
	    "rmdir of a full folder: ENOTEMPTY");
	errno = 0;
	check(mkdir(P("empty"), 0755) == 0 && rmdir(P("empty")) == 0 &&
	        access(P("empty"), F_OK) != 0,
	    "rmdir of an empty folder");
	errno = 0;
	check(mkdir(P("rd"), 0755) != 0 && errno == EEXIST,
	    "mkdir of an existing folder: EEXIST");
	errno = 0;
	check(unlink(P("d4")) != 0 && (errno == EISDIR || errno == EPERM),
	    "unlink of a folder refused");
	errno = 0;
}

/* Modification times are kept (what cp -p, tar and rsync set). */
static void
t_times(void)
{
	struct timespec tv[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
	struct stat st;
	int fd;

	check(utimensat(AT_FDCWD, P("new.txt"), tv, 0) == 0 &&
	        stat(P("new.txt"), &st) == 0 && st.st_mtime == 1000000000,
	    "utimensat sets the modification time");
	tv[1].tv_sec = 1100000000;
	fd = open(P("timed.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0 && write(fd, "t", 1) == 1 && futimens(fd, tv) == 0 &&
	        close(fd) == 0 && stat(P("timed.txt"), &st) == 0 &&
	        st.st_mtime == 1100000000,
	    "futimens before close survives the save");
	tv[1].tv_sec = 1200000000;
	check(mkdir(P("timed-dir"), 0755) == 0 &&
	        utimensat(AT_FDCWD, P("timed-dir"), tv, 0) == 0 &&
	        stat(P("timed-dir"), &st) == 0 && st.st_mtime == 1200000000,
	    "a folder's modification time");
	fd = open(P("timed.txt"), O_WRONLY | O_APPEND);
	check(fd >= 0 && write(fd, "u", 1) == 1 && close(fd) == 0 &&
	        stat(P("timed.txt"), &st) == 0 && st.st_mtime > 1100000000,
	    "a later write moves it to now");
}

static void
t_misc(void)
{
	struct statvfs sv;
	struct stat st;

	check(statvfs(base, &sv) == 0 && sv.f_namemax >= 255, "statvfs");
	check(chmod(P("new.txt"), 0600) == 0, "chmod is accepted");
	check(
	    utimensat(AT_FDCWD, P("new.txt"), NULL, 0) == 0, "utimens to now");
	t_times();
	check(write_file(P(".doc.txt.swp"), "swap", 4) == 0 &&
	        stat(P(".doc.txt.swp"), &st) == 0 && st.st_size == 4 &&
	        count_entries(base, ".doc.txt.swp") == 1,
	    "an editor's swap file is created and listed");
	check(rename(P(".doc.txt.swp"), P("kept.txt")) == 0 &&
	        has_content(P("kept.txt"), "swap", 4),
	    "a local file renamed to a workspace name");
	check(rename(P("kept.txt"), P("kept.txt~")) == 0 &&
	        has_content(P("kept.txt~"), "swap", 4) &&
	        access(P("kept.txt"), F_OK) != 0,
	    "a workspace file renamed to a backup name");
	errno = 0;
}

/* A read-only folder: every change refused, reading allowed. */
static int
readonly_suite(void)
{
	struct dirent *de;
	char name[512] = "";
	DIR *d;
	int fd;

#define REFUSED (errno == EROFS || errno == EACCES || errno == EPERM)
	fd = open(P("ro-new.txt"), O_WRONLY | O_CREAT, 0644);
	check(fd < 0 && REFUSED, "create refused");
	errno = 0;
	check(mkdir(P("ro-dir"), 0755) != 0 && REFUSED, "mkdir refused");
	errno = 0;
	if ((d = opendir(base)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN)
				if (de->d_name[0] != '.')
					(void)snprintf(name, sizeof(name), "%s",
					    de->d_name);
		(void)closedir(d);
	}
	check(name[0] != '\0', "a file is listed");
	fd = open(P(name), O_RDONLY);
	{
		char buf[64];

		check(fd >= 0 && read(fd, buf, sizeof(buf)) >= 0,
		    "it can be read");
	}
	if (fd >= 0)
		(void)close(fd);
	errno = 0;
	fd = open(P(name), O_WRONLY);
	check(fd < 0 && REFUSED, "opening it for writing refused");
	if (fd >= 0)
		(void)close(fd);
	errno = 0;
	check(truncate(P(name), 0) != 0 && REFUSED, "truncate refused");
	errno = 0;
	check(unlink(P(name)) != 0 && REFUSED, "unlink refused");
	errno = 0;
	check(rename(P(name), P("renamed")) != 0 && REFUSED, "rename refused");
	errno = 0;
	return 0;
}

int
main(int argc, char **argv)
{
	int ro = argc == 3 && strcmp(argv[1], "--readonly") == 0;

	if (argc != 2 && !ro) {
		(void)fprintf(stderr, "usage: posix-suite [--readonly] DIR\n");
		return 2;
	}
	(void)snprintf(base, sizeof(base), "%s", argv[argc - 1]);
	errno = 0;
	if (ro) {
		readonly_suite();
	} else {
		t_create();
		t_rename();
		t_unlink_open();
		t_truncate();
		t_sparse();
		t_fallocate();
		t_names();
		t_shared();
		t_readdir();
		t_misc();
	}
	(void)printf("1..%d\n", n_tests);
	return n_failed > 0 ? 1 : 0;
}
