/*
 * progress.c: a progress line on standard error while long operations
 * run, when standard error is a terminal (never in --json mode).
 */
#include "config.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
progress_cb(void *arg, const char *path, uint64_t files, uint64_t bytes)
{
	struct cli_progress *p = arg;
	uint64_t t = now_ms();

	(void)path;
	p->files = files;
	p->bytes = bytes;
	if (!p->tty || t - p->last_ms < 100)
		return;
	p->last_ms = t;
	(void)fputc('\r', stderr);
	(void)fprintf(stderr, _("%s: %llu files, %.1f MB"), p->what,
	    (unsigned long long)files, (double)bytes / 1e6);
	p->shown = 1;
}

void
cli_progress_init(struct cli *cli, struct cli_progress *p, const char *what)
{
	p->what = what;
	p->tty = !cli->json && !cli->quiet && isatty(STDERR_FILENO);
	p->last_ms = 0;
	p->shown = 0;
	p->files = p->bytes = 0;
	p->start_ms = now_ms();
	p->ws.cb = progress_cb;
	p->ws.arg = p;
}

double
cli_progress_end(struct cli_progress *p)
{
	if (p->shown)
		(void)fputc('\n', stderr);
	return (double)(now_ms() - p->start_ms) / 1000.0;
}
