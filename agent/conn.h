/*
 * conn.h: the client side of the sceau-agent socket (doc/agent-protocol.md):
 * connect and say HELLO, then one request and one reply at a time.
 */
#ifndef SCEAU_AGENT_CONN_H
#define SCEAU_AGENT_CONN_H

#include "defs.h"
#include "protocol.h"

struct sceau_agent_conn;

/*
 * Connects to the agent's socket at path (NULL: sceau_paths_agent_socket)
 * and says HELLO as client.  SCEAU_ERR_AGENT_UNREACHABLE when no agent
 * listens there (or the agent is disabled), SCEAU_ERR_AGENT_VERSION.
 */
int sceau_agent_connect(const char *path, const char *client,
    struct sceau_agent_conn **cp) SCEAU_WUR;
void sceau_agent_close(struct sceau_agent_conn *c);

/*
 * Sends q and reads the reply into *a (zeroed first; its borrowed fields
 * point into the connection and stay valid until the next call; clear it
 * with sceau_agent_msg_clear).  A FAILURE reply returns its code, with
 * the agent's message as sceau_message(); a reply of another type than
 * q's is SCEAU_ERR_PROTOCOL; a broken connection
 * SCEAU_ERR_AGENT_UNREACHABLE.  The request bytes are wiped after sending
 * (they may hold a PIN) and the reply bytes at the next call or close.
 */
int sceau_agent_call(struct sceau_agent_conn *c,
    const struct sceau_agent_msg *q, struct sceau_agent_msg *a) SCEAU_WUR;

/*
 * Writes all of buf to the socket fd (no SIGPIPE; EINTR retried), for
 * both sides.  0 or SCEAU_ERR_AGENT_UNREACHABLE.
 */
int sceau_agent_send_all(int fd, const void *buf, size_t n) SCEAU_WUR;

#endif /* SCEAU_AGENT_CONN_H */
