/*
 * protocol.h: the messages of the sceau-agent socket protocol
 * (doc/agent-protocol.md), encoded and decoded through the bounded buffer.
 *
 * One struct sceau_agent_msg holds any request or reply; type says which
 * fields count.  Decoding is strict: every field present, every length
 * under its named maximum, no byte left over.  Large fields (secret,
 * target, data) are borrowed from the decoded bytes, which must outlive
 * the message; the caller wipes them with the buffer they live in.
 */
#ifndef SCEAU_AGENT_PROTOCOL_H
#define SCEAU_AGENT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "defs.h"
#include "manifest.h"
#include "sign.h"

#define SCEAU_AGENT_VERSION 1
/* Body bytes of one frame: a vlob to sign, with room for the fields. */
#define SCEAU_AGENT_FRAME_MAX (SCEAU_VLOB_MAX + 64 * 1024)
#define SCEAU_AGENT_NAME_MAX 64 /* HELLO: client and agent names */
#define SCEAU_AGENT_SECRET_MAX 1024 /* password or PIN */
/* SIGN: a request, certificate or vlob statement (domain, header). */
#define SCEAU_AGENT_TBS_MAX (SCEAU_VLOB_MAX + 1024)
#define SCEAU_AGENT_SIG_MAX 1024 /* = SCEAU_TOKEN_SIG_MAX */
#define SCEAU_AGENT_ALG_MAX 32
#define SCEAU_AGENT_MESSAGE_MAX 1024
#define SCEAU_AGENT_LIST_MAX 64
#define SCEAU_AGENT_SYNC_MAX 1024 /* SYNC_STATUS entries */
#define SCEAU_AGENT_KEY_LEN 32

enum sceau_agent_type {
	SCEAU_AGENT_FAILURE = 0x00, /* reply only */
	SCEAU_AGENT_HELLO = 0x01,
	SCEAU_AGENT_UNLOCK = 0x02,
	SCEAU_AGENT_LOCK = 0x03,
	SCEAU_AGENT_LIST = 0x04,
	SCEAU_AGENT_SIGN = 0x05,
	SCEAU_AGENT_SIGN_TOKEN = 0x06,
	SCEAU_AGENT_REALM_KEY = 0x07,
	SCEAU_AGENT_STATUS = 0x08,
	SCEAU_AGENT_SYNC_STATUS = 0x10,
	SCEAU_AGENT_SYNC_NOW = 0x11,
};
#define SCEAU_AGENT_REPLY 0x80 /* reply type = request type | REPLY */
#define SCEAU_AGENT_LOCK_ALL 0x01 /* LOCK flags */

/* One unlocked device, as LIST tells it. */
struct sceau_agent_entry {
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
	char user[SCEAU_ID_LEN + 1];
	char label[SCEAU_NAME_MAX + 1];
	uint8_t protection; /* enum sceau_keyfile_protection */
	uint64_t unlocked_us;
	uint64_t used_us;
	uint64_t token_ops;
	uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN]; /* the device's key */
};

/* Background sync: what SYNC_STATUS tells of a device or a workspace. */
enum sceau_agent_sync_state {
	SCEAU_AGENT_SYNC_STARTING = 1, /* not synced yet */
	SCEAU_AGENT_SYNC_SYNCING = 2,
	SCEAU_AGENT_SYNC_UP_TO_DATE = 3,
	SCEAU_AGENT_SYNC_PENDING = 4, /* local changes not sent yet */
	SCEAU_AGENT_SYNC_OFFLINE = 5, /* the server is away: trying again */
	SCEAU_AGENT_SYNC_ERROR = 6, /* a failure no wait mends (error) */
};
#define SCEAU_AGENT_SYNC_STATE_MAX 6

/* One line of SYNC_STATUS: realm "" is the device as a whole. */
struct sceau_agent_sync_entry {
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
	char realm[SCEAU_ID_LEN + 1];
	uint8_t state; /* enum sceau_agent_sync_state */
	uint32_t pending; /* local changes (vlobs) not sent yet */
	int error; /* the last failure (a SCEAU_ERR_* value), or 0 */
	uint64_t last_us; /* last sync that ended, or 0 */
};

/* "up-to-date", "pending"...; "?" for a bad value. */
const char *sceau_agent_sync_state_name(uint8_t state);

struct sceau_agent_msg {
	uint8_t type; /* enum sceau_agent_type, | SCEAU_AGENT_REPLY */
	uint32_t version; /* HELLO, STATUS */
	char name[SCEAU_AGENT_NAME_MAX + 1]; /* HELLO: client, or agent */
	char org[SCEAU_ORG_ID_MAX + 1]; /* "" : the only one */
	char device[SCEAU_ID_LEN + 1];
	char realm[SCEAU_ID_LEN + 1];
	uint8_t auth; /* UNLOCK: enum sceau_keyfile_protection */
	uint8_t flags; /* LOCK */
	const uint8_t *secret; /* UNLOCK: borrowed */
	size_t secret_len;
	/* SIGN, SIGN_TOKEN: tbs (request), signature (reply); borrowed. */
	const uint8_t *data;
	size_t data_len;
	char alg[SCEAU_AGENT_ALG_MAX + 1];
	uint32_t index; /* REALM_KEY */
	uint8_t key[SCEAU_AGENT_KEY_LEN]; /* REALM_KEY reply: wiped by clear */
	int code; /* FAILURE: a SCEAU_ERR_* value (negative) */
	char message[SCEAU_AGENT_MESSAGE_MAX + 1];
	uint32_t count; /* LOCK reply; STATUS: devices unlocked */
	uint64_t pid, started_us, token_ops; /* STATUS */
	uint32_t idle_timeout_s;
	size_t nentries; /* LIST reply */
	struct sceau_agent_entry *entries; /* freed by sceau_agent_msg_clear */
	size_t nsync; /* SYNC_STATUS reply */
	struct sceau_agent_sync_entry
	    *sync; /* freed by sceau_agent_msg_clear */
};

/*
 * Appends m's body (no frame length) to out.  SCEAU_ERR_INVALID_ARGUMENT
 * for an unknown type or a field over its maximum.  out is unchanged on
 * failure.
 */
int sceau_agent_encode(const struct sceau_agent_msg *m, struct sceau_buf *out)
    SCEAU_WUR;

/*
 * Decodes one body p[0..n) into *m (zeroed first; clear it after, success
 * or not).  Borrowed fields point into p.  SCEAU_ERR_INVALID_FORMAT
 * (unknown type, NUL in a cstring, bad enum), _MESSAGE_INCOMPLETE,
 * _STRING_TOO_LARGE, _TRAILING_DATA, _ALLOC.
 */
int sceau_agent_decode(const uint8_t *p, size_t n, struct sceau_agent_msg *m)
    SCEAU_WUR;

/* Frees what decoding allocated and wipes m (keys, borrowed pointers). */
void sceau_agent_msg_clear(struct sceau_agent_msg *m);

/* Appends body as one frame (u32 length || body) to out. */
int sceau_agent_frame_put(struct sceau_buf *out, const struct sceau_buf *body)
    SCEAU_WUR;

/*
 * Looks at the front of in for one whole frame: 0 and its body in
 * *p, *n (borrowed; consume 4 + *n bytes after use),
 * SCEAU_ERR_MESSAGE_INCOMPLETE when more bytes are needed, or
 * SCEAU_ERR_INVALID_FORMAT for a length of 0 or over SCEAU_AGENT_FRAME_MAX.
 */
int sceau_agent_frame_peek(
    const struct sceau_buf *in, const uint8_t **p, size_t *n) SCEAU_WUR;

/* "hello", "unlock"...; NULL for an unknown type (reply bit ignored). */
const char *sceau_agent_type_name(uint8_t type);

#endif /* SCEAU_AGENT_PROTOCOL_H */
