/*
 * conn.c: the client side of the sceau-agent socket.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "conn.h"
#include "errors.h"
#include "paths.h"

/* How long a reply may take: an unlock runs Argon2 or waits on a card. */
#define CONN_TIMEOUT_MS (120 * 1000)

struct sceau_agent_conn {
	int fd;
	struct sceau_buf
	    *in; /* the last reply's frame (a's fields point here) */
};

static int
conn_gone(const char *what)
{
	sceau_message("agent %s: %s", what,
	    errno != 0 ? strerror(errno) : "connection closed");
	return SCEAU_ERR_AGENT_UNREACHABLE;
}

int
sceau_agent_send_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	ssize_t k;

	while (n > 0) {
		k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return conn_gone("write");
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads until in holds a whole frame. */
static int
read_frame(struct sceau_agent_conn *c, const uint8_t **body, size_t *n)
{
	struct pollfd pfd = {c->fd, POLLIN, 0};
	uint8_t tmp[16384];
	ssize_t k;
	int r;

	for (;;) {
		r = sceau_agent_frame_peek(c->in, body, n);
		if (r != SCEAU_ERR_MESSAGE_INCOMPLETE)
			return r;
		errno = 0;
		if ((r = poll(&pfd, 1, CONN_TIMEOUT_MS)) == 0) {
			sceau_message("the agent did not answer in %d s",
			    CONN_TIMEOUT_MS / 1000);
			return SCEAU_ERR_AGENT_UNREACHABLE;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return conn_gone("poll");
		k = recv(c->fd, tmp, sizeof(tmp), 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return conn_gone("read");
		if ((r = sceau_buf_put(c->in, tmp, (size_t)k)) != 0)
			return r;
	}
}

int
sceau_agent_call(struct sceau_agent_conn *c, const struct sceau_agent_msg *q,
    struct sceau_agent_msg *a)
{
	struct sceau_buf *body = NULL, *frame = NULL;
	const uint8_t *p;
	size_t n;
	int r;

	memset(a, 0, sizeof(*a));
	sceau_buf_reset(c->in);
	if ((body = sceau_buf_new()) == NULL ||
	    (frame = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_agent_encode(q, body)) != 0 ||
	    (r = sceau_agent_frame_put(frame, body)) != 0 ||
	    (r = sceau_agent_send_all(
	         c->fd, sceau_buf_ptr(frame), sceau_buf_len(frame))) != 0 ||
	    (r = read_frame(c, &p, &n)) != 0)
		goto out;
	if ((r = sceau_agent_decode(p, n, a)) != 0) {
		sceau_message("the agent's reply is malformed");
		r = SCEAU_ERR_PROTOCOL;
	} else if (a->type == SCEAU_AGENT_FAILURE) {
		r = a->code;
		if (a->message[0] != '\0')
			sceau_message("%s", a->message);
	} else if (a->type != (q->type | SCEAU_AGENT_REPLY)) {
		sceau_message("the agent answered %s to %s",
		    sceau_agent_type_name(a->type),
		    sceau_agent_type_name(q->type));
		r = SCEAU_ERR_PROTOCOL;
	}
out:
	sceau_buf_free(body); /* sceau_buf_free wipes: the PIN goes */
	sceau_buf_free(frame);
	return r;
}

static int
open_socket(const char *path, int *fdp)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		sceau_message("agent socket path longer than %zu bytes: %s",
		    sizeof(sa.sun_path) - 1, path);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return conn_gone("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		sceau_message("no agent on %s: %s", path, strerror(errno));
		(void)close(fd);
		return SCEAU_ERR_AGENT_UNREACHABLE;
	}
	*fdp = fd;
	return 0;
}

int
sceau_agent_connect(
    const char *path, const char *client, struct sceau_agent_conn **cp)
{
	char def[SCEAU_PATHS_MAX];
	struct sceau_agent_conn *c;
	struct sceau_agent_msg q, a;
	int r;

	*cp = NULL;
	if (path == NULL) {
		if ((r = sceau_paths_agent_socket(0, def)) != 0)
			return r == SCEAU_ERR_NOT_FOUND
			    ? SCEAU_ERR_AGENT_UNREACHABLE
			    : r;
		path = def;
	}
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL)
		return SCEAU_ERR_ALLOC;
	c->fd = -1;
	if ((c->in = sceau_buf_new()) == NULL ||
	    sceau_buf_set_max_size(c->in, SCEAU_AGENT_FRAME_MAX + 4) != 0) {
		sceau_agent_close(c);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = open_socket(path, &c->fd)) != 0) {
		sceau_agent_close(c);
		return r;
	}
	memset(&q, 0, sizeof(q));
	q.type = SCEAU_AGENT_HELLO;
	q.version = SCEAU_AGENT_VERSION;
	(void)snprintf(q.name, sizeof(q.name), "%s", client);
	r = sceau_agent_call(c, &q, &a);
	sceau_agent_msg_clear(&a);
	if (r != 0) {
		sceau_agent_close(c);
		return r;
	}
	*cp = c;
	return 0;
}

void
sceau_agent_close(struct sceau_agent_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		(void)close(c->fd);
	sceau_buf_free(c->in);
	sceau_free(c);
}
