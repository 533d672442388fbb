/*
 * audit.h: what the subcommands of sceau-audit share.
 *
 * Each subcommand is one file (verify-log.c, verify-report.c; verify
 * and report are to come) with one entry point of this shape; main.c
 * dispatches on the first argument.
 */
#ifndef SCEAU_AUDIT_AUDIT_H
#define SCEAU_AUDIT_AUDIT_H

#include <stdio.h>

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

/* sceau-audit verify-log EXPORT --key KEY (verify-log.c). */
int audit_cmd_verify_log(const struct audit_opts *o, int argc, char **argv);
void audit_usage_verify_log(FILE *f);

/* sceau-audit verify-report REPORT --trust PEM (verify-report.c). */
int audit_cmd_verify_report(const struct audit_opts *o, int argc, char **argv);
void audit_usage_verify_report(FILE *f);

#endif /* SCEAU_AUDIT_AUDIT_H */
