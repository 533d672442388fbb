/*
 * wspolicy.h: the workstation policy (/etc/sceau/policy.xml,
 * sceau-policy(5)) as every program of the computer applies it (the CLI
 * and sceau-agent): loaded once per process, and the rules that are
 * checked the same way in both.  A refusal names the rule in
 * sceau_message() and is SCEAU_ERR_POLICY_REFUSED.  With no policy, every
 * check passes; an invalid policy fails every call (fail closed).
 */
#ifndef SCEAU_WSPOLICY_H
#define SCEAU_WSPOLICY_H

#include <stdint.h>

#include "defs.h"

struct sceau_policy;
struct sceau_client_opts;
struct sceau_keyfile_info;

/*
 * The deployed policy (SYSCONFDIR/sceau/policy.xml), or, on a computer
 * with none, $SCEAU_POLICY_FILE; *pp NULL when there is neither.  Loaded
 * at the first call, kept until exit.  SCEAU_ERR_POLICY_INVALID (every
 * time) for a document that is not a valid workstation policy.
 */
int sceau_wspolicy_get(const struct sceau_policy **pp) SCEAU_WUR;

/*
 * <servers>: may the server of base URL url be used?  URLs compare by
 * scheme, host (case-insensitive) and port (the scheme's default when
 * left out); a final '/' is ignored.
 */
int sceau_wspolicy_server(const char *url) SCEAU_WUR;
/* <organizations>: may organization org_id be joined, created, opened? */
int sceau_wspolicy_org(const char *org_id) SCEAU_WUR;
/* <authentication>: may a device be protected by protection (keyfile.h)? */
int sceau_wspolicy_auth(int protection) SCEAU_WUR;
/* The three above, for the device whose key file header is info. */
int sceau_wspolicy_device(const struct sceau_keyfile_info *info) SCEAU_WUR;

/*
 * Applies the rules that shape how the process works, before it opens
 * anything: <pki> into co's pki_* fields (over what the environment
 * said: the policy wins), <pkcs11> into the token layer's module list
 * (sceau_token_policy_modules()) and <offline><cache-max> into the block
 * cache's limit (sceau_blockcache_set_limit()).  co may be NULL.
 */
int sceau_wspolicy_apply(struct sceau_client_opts *co) SCEAU_WUR;

/*
 * <offline><max-days>: may a device that last reached its server at
 * last_s (Unix seconds; 0: never recorded) work offline at now_s?
 */
int sceau_wspolicy_offline(uint64_t last_s, uint64_t now_s) SCEAU_WUR;
/* The limit in days (0: none), or 0 when there is no valid policy. */
unsigned int sceau_wspolicy_offline_days(void);

#endif /* SCEAU_WSPOLICY_H */
