/*
 * log.h: logging with place and error code, as OpenSSH's log.h.
 *
 * Library code logs through these macros and never prints by itself: the
 * program installs the destination and level with sceau_log_init().  Until
 * then nothing is written.  Never log a secret (keys, PINs, passwords,
 * plaintext): log what it is ("device key"), not what it holds.
 */
#ifndef SCEAU_LOG_H
#define SCEAU_LOG_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sceau_log_level {
	SCEAU_LOG_QUIET = -1,
	SCEAU_LOG_ERROR = 0,
	SCEAU_LOG_WARNING = 1,
	SCEAU_LOG_INFO = 2,
	SCEAU_LOG_DEBUG = 3,
	SCEAU_LOG_TRACE = 4,
};

/* Where log lines go: stderr (prefixed for journald when it reads us). */
typedef void (*sceau_log_handler)(
    enum sceau_log_level level, const char *line, void *arg);

/*
 * Sets the program name shown in each line and the most verbose level
 * written.  Until called, the level is SCEAU_LOG_QUIET.
 */
void sceau_log_init(const char *progname, enum sceau_log_level level);
void sceau_log_set_level(enum sceau_log_level level);
enum sceau_log_level sceau_log_get_level(void);
/* Replaces the stderr writer (tests capture lines with it); NULL restores. */
void sceau_log_set_handler(sceau_log_handler h, void *arg);

/*
 * Thread-local text put in front of each message of this thread, such as
 * the server's request id ("req=4f2a").  NULL or "" clears it.
 */
void sceau_log_set_context(const char *ctx);

/* Parses "error", "warning", "info", "debug", "trace"; -1 if unknown. */
int sceau_log_level_from_name(const char *name);

/* r is an error code (0: none); its message is appended to the line. */
void sceau_log(enum sceau_log_level level, const char *file, const char *func,
    int line, int r, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void sceau_logv(enum sceau_log_level level, const char *file, const char *func,
    int line, int r, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

#define sceau_log_at(lvl, r, ...)                                              \
	sceau_log((lvl), __FILE__, __func__, __LINE__, (r), __VA_ARGS__)

/* error_r(r, "parse key"): "parse key: invalid format" at ERROR level. */
#define error_r(r, ...) sceau_log_at(SCEAU_LOG_ERROR, (r), __VA_ARGS__)
#define error_f(...) sceau_log_at(SCEAU_LOG_ERROR, 0, __VA_ARGS__)
#define warn_r(r, ...) sceau_log_at(SCEAU_LOG_WARNING, (r), __VA_ARGS__)
#define warn_f(...) sceau_log_at(SCEAU_LOG_WARNING, 0, __VA_ARGS__)
#define info_f(...) sceau_log_at(SCEAU_LOG_INFO, 0, __VA_ARGS__)
#define debug_r(r, ...) sceau_log_at(SCEAU_LOG_DEBUG, (r), __VA_ARGS__)
#define debug_f(...) sceau_log_at(SCEAU_LOG_DEBUG, 0, __VA_ARGS__)
#define trace_f(...) sceau_log_at(SCEAU_LOG_TRACE, 0, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_LOG_H */
