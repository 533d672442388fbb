/*
 * buf-io.c: loading files into buffers with a limit, and writing them
 * atomically (temporary file, fsync, rename, fsync of the directory), over
 * an existing file or never over one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "random.h"

#define READ_CHUNK 65536

int
sceau_buf_load_fd(int fd, size_t max, struct sceau_buf *b)
{
	size_t start = sceau_buf_len(b), total = 0, want;
	uint8_t *p;
	ssize_t n;
	int r;

	for (;;) {
		/* Ask for one byte past max, to tell "exactly max" from more. */
		want = max - total < READ_CHUNK ? max - total + 1 : READ_CHUNK;
		if ((r = sceau_buf_reserve(b, want, &p)) != 0)
			goto fail;
		do {
			n = read(fd, p, want);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			sceau_message("read: %s", strerror(errno));
			r = SCEAU_ERR_SYSTEM;
			goto fail;
		}
		if ((r = sceau_buf_consume_end(b, want - (size_t)n)) != 0)
			goto fail;
		if (n == 0)
			return 0;
		total += (size_t)n;
		if (total > max) {
			r = SCEAU_ERR_FILE_TOO_LARGE;
			goto fail;
		}
	}
fail:
	/* Leave b as it was. */
	if (sceau_buf_len(b) > start)
		(void)sceau_buf_consume_end(b, sceau_buf_len(b) - start);
	return r;
}

int
sceau_buf_load_file(const char *path, size_t max, struct sceau_buf *b)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		sceau_message("%s: %s", path, strerror(errno));
		return errno == ENOENT ? SCEAU_ERR_NOT_FOUND
		    : errno == EACCES  ? SCEAU_ERR_PERMISSION
		                       : SCEAU_ERR_SYSTEM;
	}
	r = sceau_buf_load_fd(fd, max, b);
	if (r == SCEAU_ERR_FILE_TOO_LARGE)
		sceau_message("%s: larger than %zu bytes", path, max);
	(void)close(fd);
	return r;
}

int
sceau_pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;
	ssize_t w;

	while (n > 0) {
		w = pwrite(fd, b, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return SCEAU_ERR_SYSTEM;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r = 0;

	if (slash == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		(void)snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return SCEAU_ERR_INVALID_ARGUMENT;
	else
		(void)snprintf(
		    dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return SCEAU_ERR_SYSTEM;
	if (fsync(fd) != 0)
		r = SCEAU_ERR_SYSTEM;
	(void)close(fd);
	return r;
}

/* Moves the finished temporary file to path, over it or never over it. */
static int
put_in_place(const char *tmp, const char *path, int noreplace)
{
	int e;

	if (!noreplace) {
		if (rename(tmp, path) == 0)
			return 0;
		sceau_message("rename %s: %s", path, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	e = errno;
	/* A file system without RENAME_NOREPLACE: link(2) never replaces. */
	if (e == EINVAL || e == ENOSYS) {
		if (link(tmp, path) == 0) {
			(void)unlink(tmp);
			return 0;
		}
		e = errno;
	}
	sceau_message(
	    "%s: %s", path, e == EEXIST ? "exists, not replaced" : strerror(e));
	return e == EEXIST ? SCEAU_ERR_EXISTS : SCEAU_ERR_SYSTEM;
}

static int
write_file(const char *path, unsigned int mode, const struct sceau_buf *b,
    int noreplace)
{
	char tmp[PATH_MAX];
	uint8_t rnd[6];
	int fd = -1, r, k;

	if ((r = sceau_random_bytes(rnd, sizeof(rnd))) != 0)
		return r;
	k = snprintf(tmp, sizeof(tmp), "%s.tmp-%02x%02x%02x%02x%02x%02x", path,
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (k < 0 || (size_t)k >= sizeof(tmp))
		return SCEAU_ERR_INVALID_ARGUMENT;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode);
	if (fd < 0) {
		sceau_message("%s: %s", tmp, strerror(errno));
		return errno == EACCES ? SCEAU_ERR_PERMISSION
		                       : SCEAU_ERR_SYSTEM;
	}
	/* open(2) applies the umask: the mode asked for is the mode given. */
	if (fchmod(fd, (mode_t)mode) != 0 ||
	    write_all(fd, sceau_buf_ptr(b), sceau_buf_len(b)) != 0 ||
	    fsync(fd) != 0) {
		sceau_message("%s: %s", tmp, strerror(errno));
		r = SCEAU_ERR_SYSTEM;
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = SCEAU_ERR_SYSTEM;
		goto fail;
	}
	fd = -1;
	if ((r = put_in_place(tmp, path, noreplace)) != 0)
		goto fail;
	return fsync_dir_of(path);
fail:
	if (fd >= 0)
		(void)close(fd);
	(void)unlink(tmp);
	return r;
}

int
sceau_buf_write_file_atomic(
    const char *path, unsigned int mode, const struct sceau_buf *b)
{
	return write_file(path, mode, b, 0);
}

int
sceau_buf_write_file_new(
    const char *path, unsigned int mode, const struct sceau_buf *b)
{
	return write_file(path, mode, b, 1);
}
