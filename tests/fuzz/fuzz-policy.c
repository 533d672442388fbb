/*
 * fuzz-policy.c: policy documents (policy/policy.c), as an administrator
 * or an organization's chain hands them over.
 *
 * Properties: a refusal is a documented code with a message naming the
 * document; an accepted document is of one of the two kinds, its lists
 * within their maxima, its strings terminated within their arrays.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "policy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sceau_policy *p = NULL;
	size_t i;
	int r;

	r = sceau_policy_parse(data, size, "fuzz.xml", &p);
	if (r != 0) {
		fuzz_assert(p == NULL);
		fuzz_assert(r == SCEAU_ERR_POLICY_INVALID ||
		    r == SCEAU_ERR_LIMIT_EXCEEDED || r == SCEAU_ERR_ALLOC);
		fuzz_assert(strstr(sceau_last_message(), "fuzz.xml") != NULL);
		return 0;
	}
	fuzz_assert(p->kind == SCEAU_POLICY_WORKSTATION ||
	    p->kind == SCEAU_POLICY_ORGANIZATION);
	fuzz_assert(p->ws.nservers <= SCEAU_POLICY_SERVERS_MAX &&
	    p->ws.norgs <= SCEAU_POLICY_ORGS_MAX &&
	    p->ws.nmodules <= SCEAU_POLICY_MODULES_MAX &&
	    p->org.nrules <= SCEAU_POLICY_RULES_MAX &&
	    p->org.nshare_domains <= SCEAU_POLICY_DOMAINS_MAX &&
	    p->org.ninvite_domains <= SCEAU_POLICY_DOMAINS_MAX);
	for (i = 0; i < p->ws.nservers; i++)
		fuzz_assert(memchr(p->ws.servers[i], '\0',
		                sizeof(p->ws.servers[i])) != NULL);
	fuzz_assert(memchr(p->org.org_id, '\0', sizeof(p->org.org_id)) != NULL);
	sceau_policy_free(p);
	return 0;
}
