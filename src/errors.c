/*
 * errors.c: messages and names of the error codes, and the per-thread
 * detail of the last error.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "i18n.h"

struct errdef {
	int code;
	const char *name;
	const char *msg;
};

static const struct errdef errdefs[] = {
#define SCEAU_X_DEF(name, value, msg) {value, "SCEAU_ERR_" #name, msg},
    SCEAU_ERROR_LIST(SCEAU_X_DEF)
#undef SCEAU_X_DEF
};

#define NERRDEFS (sizeof(errdefs) / sizeof(errdefs[0]))

static const struct errdef *
errdef_find(int r)
{
	size_t i;

	for (i = 0; i < NERRDEFS; i++) {
		if (errdefs[i].code == r)
			return &errdefs[i];
	}
	return NULL;
}

const char *
sceau_strerror(int r)
{
	const struct errdef *d;

	if (r == 0)
		return _("success");
	if ((d = errdef_find(r)) == NULL)
		return _("unknown error");
	return _(d->msg);
}

const char *
sceau_errname(int r)
{
	const struct errdef *d;

	if (r == 0)
		return "SCEAU_OK";
	if ((d = errdef_find(r)) == NULL)
		return NULL;
	return d->name;
}

int
sceau_err_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	if (strncmp(name, "SCEAU_ERR_", 10) == 0)
		name += 10;
	for (i = 0; i < NERRDEFS; i++) {
		if (strcmp(errdefs[i].name + 10, name) == 0)
			return errdefs[i].code;
	}
	return 0;
}

unsigned int
sceau_err_count(void)
{
	return (unsigned int)NERRDEFS;
}

int
sceau_err_code(unsigned int i)
{
	if (i >= NERRDEFS)
		return 0;
	return errdefs[i].code;
}

#define MESSAGE_MAX 512
static _Thread_local char last_message[MESSAGE_MAX];

void
sceau_message(const char *fmt, ...)
{
	char next[MESSAGE_MAX];
	va_list ap;

	/*
	 * Formatted aside first: an argument may be the last message itself
	 * ("%s: %s", path, sceau_last_message()), and vsnprintf into its own
	 * source is undefined.  Truncation is intended: the message is a
	 * hint, never parsed.
	 */
	va_start(ap, fmt);
	(void)vsnprintf(next, sizeof(next), fmt, ap);
	va_end(ap);
	memcpy(last_message, next, sizeof(last_message));
}

const char *
sceau_last_message(void)
{
	return last_message;
}

void
sceau_message_clear(void)
{
	last_message[0] = '\0';
}
