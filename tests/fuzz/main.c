/*
 * main.c: replays files through a fuzz target, for builds without
 * libFuzzer (as p11-kit's fuzz/main.c and OpenSSH's agent_fuzz_helper).
 *
 *   fuzz-NAME PATH...
 *
 * Each PATH is a file or a directory whose visible regular files are
 * replayed in name order.  Output is TAP: "ok N - FILE" once the target
 * has returned, then the plan.  A crash (sanitizer report, failed
 * property) stops the run without a plan, which the TAP driver reports
 * as a failure; the last "ok" line tells which file came next.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Corpus files are small; anything this big is a mistake. */
#define REPLAY_MAX_FILE (64UL * 1024 * 1024)

static unsigned int replay_n;
static unsigned int replay_failed;

static void
replay_result(int ok, const char *path, const char *why)
{
	replay_n++;
	if (ok) {
		printf("ok %u - %s\n", replay_n, path);
	} else {
		replay_failed++;
		printf("not ok %u - %s: %s\n", replay_n, path, why);
	}
	/* Keep the lines in order with a crash report on stderr. */
	fflush(stdout);
}

/* Reads all of fd into an allocation of exactly its size. */
static int
replay_read(int fd, size_t size, uint8_t **datap)
{
	uint8_t *data;
	size_t off = 0;
	ssize_t n;

	*datap = NULL;
	/* Exact size, so that ASan sees a read one byte past the end. */
	if ((data = malloc(size == 0 ? 1 : size)) == NULL)
		return -1;
	while (off < size) {
		n = read(fd, data + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(data);
			return -1;
		}
		off += (size_t)n;
	}
	*datap = data;
	return 0;
}

static void
replay_file(const char *path)
{
	struct stat st;
	uint8_t *data = NULL;
	size_t size;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		replay_result(0, path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > REPLAY_MAX_FILE) {
		replay_result(0, path, "not a regular file of sane size");
		(void)close(fd);
		return;
	}
	size = (size_t)st.st_size;
	if (replay_read(fd, size, &data) != 0) {
		replay_result(0, path, "read failed");
		(void)close(fd);
		return;
	}
	(void)close(fd);
	(void)LLVMFuzzerTestOneInput(data, size);
	free(data);
	replay_result(1, path, NULL);
}

static int
replay_visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void
replay_dir(const char *dir)
{
	struct dirent **names;
	char path[PATH_MAX];
	struct stat st;
	int i, n;

	if ((n = scandir(dir, &names, replay_visible, alphasort)) < 0) {
		replay_result(0, dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		        names[i]->d_name) >= (int)sizeof(path))
			replay_result(0, names[i]->d_name, "path too long");
		else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			replay_file(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	/* An empty corpus tests nothing: say so rather than pass. */
	if (replay_n == 0)
		replay_result(0, argv[1], "no input files");
	printf("1..%u\n", replay_n);
	return replay_failed == 0 ? 0 : 1;
}
