/*
 * secret.c: reading passwords, tokens and PINs: from a file (scripts,
 * tests), from the terminal without echo, or from standard input when it is
 * not a terminal; PINs also from a pinentry program.  Secrets live in locked memory and are wiped by cli_secret_free.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "errors.h"
#include "i18n.h"
#include "pinentry.h"
#include "secmem.h"

#define SECRET_MAX 1024

/* Reads one line (at most SECRET_MAX bytes, newline dropped) from fd. */
static int
read_line(int fd, char *out, size_t *lenp)
{
	size_t n = 0;
	ssize_t k;
	char ch;

	for (;;) {
		k = read(fd, &ch, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || ch == '\n')
			break;
		if (n == SECRET_MAX)
			return SCEAU_ERR_LIMIT_EXCEEDED;
		out[n++] = ch;
	}
	if (k < 0)
		return SCEAU_ERR_SYSTEM;
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	*lenp = n;
	return 0;
}

/* Terminal output is best effort: a prompt that fails is not fatal. */
static void
tty_write(int fd, const char *s)
{
	ssize_t k = write(fd, s, strlen(s));

	(void)k;
}

static int
read_tty(const char *prompt, char *out, size_t *lenp)
{
	struct termios old, noecho;
	int fd, r;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
		return SCEAU_ERR_SYSTEM;
	if (tcgetattr(fd, &old) != 0) {
		(void)close(fd);
		return SCEAU_ERR_SYSTEM;
	}
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	tty_write(fd, prompt);
	(void)tcsetattr(fd, TCSAFLUSH, &noecho);
	r = read_line(fd, out, lenp);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	tty_write(fd, "\n");
	(void)close(fd);
	return r;
}

int
cli_secret_read(const char *prompt, const char *file, struct cli_secret *s)
{
	int fd, r;

	s->len = 0;
	if ((s->data = sceau_secmem_alloc(SECRET_MAX + 1)) == NULL)
		return SCEAU_ERR_SECMEM;
	if (file != NULL) {
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
			sceau_message("%s: %s", file, strerror(errno));
			r = SCEAU_ERR_NOT_FOUND;
		} else {
			r = read_line(fd, s->data, &s->len);
			(void)close(fd);
		}
	} else if (isatty(STDIN_FILENO)) {
		r = read_tty(prompt, s->data, &s->len);
	} else {
		r = read_line(STDIN_FILENO, s->data, &s->len);
	}
	if (r == 0 && s->len == 0) {
		sceau_message("%s", _("empty password"));
		r = SCEAU_ERR_INVALID_ARGUMENT;
	}
	if (r != 0)
		cli_secret_free(s);
	return r;
}

void
cli_secret_free(struct cli_secret *s)
{
	sceau_secmem_free(s->data);
	s->data = NULL;
	s->len = 0;
}

int
cli_pin_read(const char *label, const char *file, struct cli_secret *s)
{
	const char *program = getenv("SCEAU_PINENTRY");
	char desc[256], prompt[256];
	int r;

	(void)snprintf(
	    prompt, sizeof(prompt), _("PIN of token \"%s\": "), label);
	if (file != NULL || program == NULL || program[0] == '\0') {
		if ((r = cli_secret_read(prompt, file, s)) ==
		    SCEAU_ERR_INVALID_ARGUMENT)
			sceau_message("%s", _("empty PIN"));
		return r;
	}
	s->len = 0;
	if ((s->data = sceau_secmem_alloc(SECRET_MAX + 1)) == NULL)
		return SCEAU_ERR_SECMEM;
	(void)snprintf(desc, sizeof(desc),
	    _("Please enter the PIN of token \"%s\" for sceau."), label);
	if ((r = sceau_pinentry_getpin(program, desc, _("PIN:"), s->data,
	         SECRET_MAX + 1, &s->len)) != 0)
		cli_secret_free(s);
	return r;
}
