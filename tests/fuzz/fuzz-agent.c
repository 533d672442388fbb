/*
 * fuzz-agent.c: the agent's dispatcher (agent/dispatch.c) as a client on
 * the socket may drive it: the input is one request body, dispatched on
 * an agent with no device (its data directory is an empty temporary
 * folder, so that UNLOCK finds nothing and touches no real device).
 *
 * Properties: the dispatcher always replies (only allocation failure
 * returns an error); the reply decodes strictly; it is FAILURE or the
 * reply to the request's own type; a request that decodes re-encodes to
 * the same bytes.  The statement a SIGN or SIGN_TOKEN carries also goes
 * through the parsers that decide what the agent signs (with no device
 * unlocked, the dispatcher stops before them).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dispatch.h"
#include "errors.h"
#include "fuzz.h"
#include "manifest.h"
#include "protocol.h"
#include "reqsign.h"

static struct agent_state *state;

/* What the agent checks before it signs: never crashes, whatever tbs is. */
static void
statements(const uint8_t *tbs, size_t n)
{
	char org[SCEAU_ORG_ID_MAX + 1], dev[SCEAU_ID_LEN + 1];
	struct sceau_vlob_header h;
	struct sceau_cert *c = calloc(1, sizeof(*c));

	fuzz_assert(c != NULL);
	if (sceau_reqsign_tbs_author(tbs, n, org, dev) == 0)
		fuzz_assert(
		    sceau_org_id_valid(org) && sceau_cert_id_valid(dev));
	if (sceau_vlob_tbs_parse(tbs, n, &h) == 0)
		fuzz_assert(h.ciphertext >= tbs && h.ciphertext_len <= n);
	if (sceau_cert_tbs_decode(tbs, n, 0, c) == 0 ||
	    sceau_cert_tbs_decode(tbs, n, 1, c) == 0)
		fuzz_assert(sceau_org_id_valid(c->org_id));
	free(c);
}

static void
init(void)
{
	static char home[] = "/tmp/sceau-fuzz-agent-XXXXXX";

	if (state != NULL)
		return;
	fuzz_assert(mkdtemp(home) != NULL);
	fuzz_assert(setenv("SCEAU_HOME", home, 1) == 0);
	fuzz_assert((state = agent_state_new(NULL, 0)) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sceau_buf *reply, *again;
	struct sceau_agent_msg q, a;
	int r;

	if (size > SCEAU_AGENT_FRAME_MAX)
		return 0;
	init();
	fuzz_assert((reply = sceau_buf_new()) != NULL);
	fuzz_assert((again = sceau_buf_new()) != NULL);
	r = agent_dispatch(state, data, size, reply);
	fuzz_assert(r == 0 || r == SCEAU_ERR_ALLOC);
	if (r == 0) {
		fuzz_assert(sceau_agent_decode(sceau_buf_ptr(reply),
		                sceau_buf_len(reply), &a) == 0);
		fuzz_assert(a.type == SCEAU_AGENT_FAILURE ||
		    (size > 0 && a.type == (data[0] | SCEAU_AGENT_REPLY)));
		sceau_agent_msg_clear(&a);
	}
	if (sceau_agent_decode(data, size, &q) == 0) {
		if (q.type == SCEAU_AGENT_SIGN ||
		    q.type == SCEAU_AGENT_SIGN_TOKEN)
			statements(q.data, q.data_len);
		fuzz_assert(sceau_agent_encode(&q, again) == 0);
		fuzz_assert(sceau_buf_len(again) == size &&
		    memcmp(sceau_buf_ptr(again), data, size) == 0);
	}
	sceau_agent_msg_clear(&q);
	sceau_buf_free(reply);
	sceau_buf_free(again);
	return 0;
}
