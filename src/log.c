/*
 * log.c: log lines with place and error code.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defs.h"
#include "errors.h"
#include "log.h"

#define LOG_LINE_MAX 1024

static char log_progname[64] = "sceau";
static enum sceau_log_level log_level = SCEAU_LOG_QUIET;
static sceau_log_handler log_handler;
static void *log_handler_arg;
static int log_journal = -1; /* unknown until first line */
static _Thread_local char log_context[64];

static const char *const level_names[] = {
    "error",
    "warning",
    "info",
    "debug",
    "trace",
};

void
sceau_log_init(const char *progname, enum sceau_log_level level)
{
	if (progname != NULL) {
		const char *slash = strrchr(progname, '/');

		if (slash != NULL)
			progname = slash + 1;
		(void)snprintf(
		    log_progname, sizeof(log_progname), "%s", progname);
	}
	log_level = level;
}

void
sceau_log_set_level(enum sceau_log_level level)
{
	log_level = level;
}

enum sceau_log_level
sceau_log_get_level(void)
{
	return log_level;
}

void
sceau_log_set_handler(sceau_log_handler h, void *arg)
{
	log_handler = h;
	log_handler_arg = arg;
}

void
sceau_log_set_context(const char *ctx)
{
	(void)snprintf(
	    log_context, sizeof(log_context), "%s", ctx == NULL ? "" : ctx);
}

int
sceau_log_level_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	if (strcmp(name, "quiet") == 0)
		return SCEAU_LOG_QUIET;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * journald sets JOURNAL_STREAM to "dev:ino" of the stream it reads; when
 * stderr is that stream, lines carry a "<N>" syslog priority prefix.
 */
static int
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

static void
write_stderr(enum sceau_log_level level, const char *line)
{
	/* syslog priorities: err 3, warning 4, info 6, debug 7 */
	static const int prio[] = {3, 4, 6, 7, 7};

	if (log_journal < 0)
		log_journal = stderr_is_journal();
	if (log_journal)
		(void)fprintf(stderr, "<%d>%s\n", prio[level], line);
	else
		(void)fprintf(stderr, "%s\n", line);
}

void
sceau_logv(enum sceau_log_level level, const char *file, const char *func,
    int lineno, int r, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t n;
	int k;

	if (level < SCEAU_LOG_ERROR || level > SCEAU_LOG_TRACE ||
	    level > log_level)
		return;
	k = snprintf(line, sizeof(line),
	    "%s[%ld]: %s: %s%s%s:%d %s: ", log_progname, (long)getpid(),
	    level_names[level], log_context, log_context[0] != '\0' ? " " : "",
	    file, lineno, func);
	n = k < 0 ? 0 : (size_t)k;
	if (n < sizeof(line)) {
		k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		n += k < 0 ? 0 : (size_t)k;
	}
	if (r != 0 && n < sizeof(line))
		(void)snprintf(
		    line + n, sizeof(line) - n, ": %s", sceau_strerror(r));
	/* Keep the line on one line whatever the message holds. */
	for (n = 0; line[n] != '\0'; n++) {
		if (line[n] == '\n' || line[n] == '\r')
			line[n] = ' ';
	}
	if (log_handler != NULL)
		log_handler(level, line, log_handler_arg);
	else
		write_stderr(level, line);
}

void
sceau_log(enum sceau_log_level level, const char *file, const char *func,
    int line, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sceau_logv(level, file, func, line, r, fmt, ap);
	va_end(ap);
}

void
sceau_precondition_failed(
    const char *expr, const char *file, const char *func, int line)
{
	sceau_log(SCEAU_LOG_ERROR, file, func, line, SCEAU_ERR_INVALID_ARGUMENT,
	    "precondition failed: %s", expr);
}
