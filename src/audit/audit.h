/*
 * audit.h: what the subcommands of sceau-audit share.
 *
 * Each subcommand is one file (verify-log.c, verify.c, report.c,
 * verify-report.c) with one entry point of this shape; main.c
 * dispatches on the first argument.
 */
#ifndef SCEAU_AUDIT_AUDIT_H
#define SCEAU_AUDIT_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sign.h"

#define AUDIT_PROG "sceau-audit"

/* Exit statuses (sceau-audit(1), EXIT STATUS). */
enum audit_exit {
	AUDIT_EXIT_OK = 0, /* verified, nothing wrong */
	AUDIT_EXIT_VIOLATIONS = 1, /* something does not verify */
	AUDIT_EXIT_USAGE = 2, /* bad command line, unreadable input */
};

/* Options every subcommand takes, parsed before it. */
struct audit_opts {
	int json; /* --json: one JSON document on standard output */
};

typedef int (*audit_cmd_fn)(const struct audit_opts *o, int argc, char **argv);

/* A public key: 64 hex digits, or a file holding them.  0 or -1. */
int audit_key_parse(const char *arg, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN]);
/* Prints j (indented) and a newline on standard output; takes j. */
void audit_json_print(json_t *j);
/* Microseconds as "YYYY-MM-DDTHH:MM:SSZ" ("-" for 0). */
void audit_time_text(uint64_t us, char out[32]);

/* sceau-audit verify-log EXPORT --key KEY (verify-log.c). */
int audit_cmd_verify_log(const struct audit_opts *o, int argc, char **argv);
void audit_usage_verify_log(FILE *f);
/* sceau-audit verify EXPORT [--root-key KEY] (verify.c). */
int audit_cmd_verify(const struct audit_opts *o, int argc, char **argv);
void audit_usage_verify(FILE *f);
/* sceau-audit report EXPORT [OPTIONS] (report.c). */
int audit_cmd_report(const struct audit_opts *o, int argc, char **argv);
void audit_usage_report(FILE *f);

/* sceau-audit verify-report REPORT --trust PEM (verify-report.c). */
int audit_cmd_verify_report(const struct audit_opts *o, int argc, char **argv);
void audit_usage_verify_report(FILE *f);

#endif /* SCEAU_AUDIT_AUDIT_H */
