/*
 * pinentry.c: a PIN from a pinentry program over a socket pair (see
 * pinentry.h).  The socket, not pipes, so that writing to a program that
 * died gives EPIPE (MSG_NOSIGNAL) instead of killing us with SIGPIPE.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"
#include "pinentry.h"
#include "secmem.h"

struct session {
	int fd;
	char *line; /* SCEAU_PINENTRY_LINE_MAX + 1 bytes of secmem */
	char *pin;
	size_t pinmax, pinlen;
};

static int
send_all(int fd, const char *s, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = send(fd, s, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			sceau_message("pinentry: write: %s", strerror(errno));
			return SCEAU_ERR_PINENTRY;
		}
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Sends "cmd arg\n", arg percent-escaped as Assuan wants. */
static int
send_cmd(struct session *s, const char *cmd, const char *arg)
{
	char out[SCEAU_PINENTRY_LINE_MAX];
	size_t n = 0;
	const unsigned char *p;

	n = (size_t)snprintf(out, sizeof(out), "%s", cmd);
	for (p = (const unsigned char *)arg; p != NULL && *p != '\0'; p++) {
		if (n > sizeof(out) - 5)
			return SCEAU_ERR_LIMIT_EXCEEDED;
		if (p == (const unsigned char *)arg)
			out[n++] = ' ';
		if (*p < 0x20 || *p == '%')
			n += (size_t)snprintf(out + n, 4, "%%%02X", *p);
		else
			out[n++] = (char)*p;
	}
	out[n++] = '\n';
	return send_all(s->fd, out, n);
}

/* One line (newline dropped) into s->line. */
static int
read_line(struct session *s, size_t *lenp)
{
	size_t n = 0;
	ssize_t k;
	char ch;

	for (;;) {
		k = read(s->fd, &ch, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			sceau_message("pinentry: the program ended the "
			              "conversation");
			return SCEAU_ERR_PINENTRY;
		}
		if (ch == '\n')
			break;
		if (n == SCEAU_PINENTRY_LINE_MAX) {
			sceau_message("pinentry: line too long");
			return SCEAU_ERR_PINENTRY;
		}
		s->line[n++] = ch;
	}
	s->line[n] = '\0';
	*lenp = n;
	return 0;
}

/* A hex digit of an Assuan escape (uppercase there; our encoding.c
 * decodes only lowercase, the canonical form of our own formats). */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The data of a "D " line, percent-decoded, into the PIN. */
static int
take_data(struct session *s, const char *d)
{
	int hi, lo;

	for (; *d != '\0'; d++) {
		if (s->pinlen + 1 >= s->pinmax)
			return SCEAU_ERR_LIMIT_EXCEEDED;
		if (*d != '%') {
			s->pin[s->pinlen++] = *d;
			continue;
		}
		/* d[2] is read only when d[1] is a digit, not the NUL. */
		if ((hi = hexval(d[1])) < 0 || (lo = hexval(d[2])) < 0) {
			sceau_message("pinentry: bad escape");
			return SCEAU_ERR_PINENTRY;
		}
		s->pin[s->pinlen++] = (char)(hi * 16 + lo);
		d += 2;
	}
	s->pin[s->pinlen] = '\0';
	return 0;
}

/* Reads up to OK or ERR; takes D lines when data is set. */
static int
expect_ok(struct session *s, int data)
{
	size_t n;
	int r;

	for (;;) {
		if ((r = read_line(s, &n)) != 0)
			return r;
		if (strcmp(s->line, "OK") == 0 ||
		    strncmp(s->line, "OK ", 3) == 0)
			return 0;
		if (strncmp(s->line, "ERR", 3) == 0) {
			/* Not a secret: Assuan's error code and text. */
			sceau_message("pinentry: %.200s", s->line);
			return SCEAU_ERR_PINENTRY;
		}
		if (data && strncmp(s->line, "D ", 2) == 0) {
			if ((r = take_data(s, s->line + 2)) != 0)
				return r;
		} else if (s->line[0] != '#' &&
		    strncmp(s->line, "S ", 2) != 0) {
			sceau_message("pinentry: unexpected reply");
			return SCEAU_ERR_PINENTRY;
		}
	}
}

/* Terminal options, for pinentry-curses; a refusal is not an error. */
static int
send_tty_options(struct session *s)
{
	char opt[512];
	const char *tty, *term;
	int r;

	if (!isatty(STDIN_FILENO) || (tty = ttyname(STDIN_FILENO)) == NULL)
		return 0;
	(void)snprintf(opt, sizeof(opt), "ttyname=%s", tty);
	if ((r = send_cmd(s, "OPTION", opt)) != 0 ||
	    ((r = expect_ok(s, 0)) != 0 && r != SCEAU_ERR_PINENTRY))
		return r;
	if ((term = getenv("TERM")) == NULL)
		return 0;
	(void)snprintf(opt, sizeof(opt), "ttytype=%s", term);
	if ((r = send_cmd(s, "OPTION", opt)) != 0 ||
	    ((r = expect_ok(s, 0)) != 0 && r != SCEAU_ERR_PINENTRY))
		return r;
	return 0;
}

static int
converse(struct session *s, const char *desc, const char *prompt)
{
	int r;

	if ((r = expect_ok(s, 0)) != 0 || (r = send_tty_options(s)) != 0)
		return r;
	if (desc != NULL &&
	    ((r = send_cmd(s, "SETDESC", desc)) != 0 ||
	        (r = expect_ok(s, 0)) != 0))
		return r;
	if (prompt != NULL &&
	    ((r = send_cmd(s, "SETPROMPT", prompt)) != 0 ||
	        (r = expect_ok(s, 0)) != 0))
		return r;
	if ((r = send_cmd(s, "GETPIN", NULL)) != 0 ||
	    (r = expect_ok(s, 1)) != 0)
		return r;
	if (s->pinlen == 0) {
		sceau_message("pinentry: empty PIN");
		return SCEAU_ERR_PINENTRY;
	}
	/* The program may close at once: its answer to BYE is optional. */
	if (send_cmd(s, "BYE", NULL) == 0)
		(void)expect_ok(s, 0);
	return 0;
}

static pid_t
spawn(const char *program, int fd)
{
	char *argv[2];
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	/* Child: only async-signal-safe calls until exec. */
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
		_exit(127);
	argv[0] = (char *)(uintptr_t)program;
	argv[1] = NULL;
	if (strchr(program, '/') != NULL)
		(void)execv(program, argv);
	else
		(void)execvp(program, argv);
	_exit(127);
}

static int
reap(pid_t pid, int r)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return r != 0 ? r : SCEAU_ERR_SYSTEM;
	}
	if (r == SCEAU_ERR_PINENTRY && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 127)
		sceau_message("pinentry: cannot run the program");
	return r;
}

int
sceau_pinentry_getpin(const char *program, const char *desc, const char *prompt,
    char *pin, size_t pinmax, size_t *pinlen)
{
	struct session s = {-1, NULL, pin, pinmax, 0};
	int sv[2], r;
	pid_t pid;

	sceau_return_val_if_fail(
	    program != NULL && pin != NULL && pinmax > 1 && pinlen != NULL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	*pinlen = 0;
	pin[0] = '\0';
	if ((s.line = sceau_secmem_alloc(SCEAU_PINENTRY_LINE_MAX + 1)) == NULL)
		return SCEAU_ERR_SECMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		sceau_secmem_free(s.line);
		return SCEAU_ERR_SYSTEM;
	}
	pid = spawn(program, sv[1]);
	(void)close(sv[1]);
	if (pid < 0) {
		(void)close(sv[0]);
		sceau_secmem_free(s.line);
		return SCEAU_ERR_SYSTEM;
	}
	s.fd = sv[0];
	r = converse(&s, desc, prompt);
	(void)close(s.fd);
	r = reap(pid, r);
	sceau_secmem_free(s.line);
	if (r != 0) {
		sceau_memzero(pin, pinmax);
		return r;
	}
	*pinlen = s.pinlen;
	return 0;
}
