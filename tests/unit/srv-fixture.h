/*
 * srv-fixture.h: a test organization for sceau-server's tests, fuzz
 * target and bench: keys, certificates signed the way clients sign them,
 * request bodies and signed Authorization headers.
 *
 * The fixture keeps its own validated chain of what it built, so that
 * each new certificate follows the previous one.  Functions return 0 or a
 * SCEAU_ERR_* code; none of them prints or aborts.
 */
#ifndef SCEAU_SRV_FIXTURE_H
#define SCEAU_SRV_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "chain.h"
#include "manifest.h"
#include "sign.h"

struct srvfx_device {
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	struct sceau_signkey *key;
	enum sceau_profile profile;
};

struct srvfx_org {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	struct sceau_signkey *root;
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_chain *chain; /* what the fixture built */
	uint64_t ts; /* author timestamps, strictly increasing */
	struct srvfx_device admin; /* the first user and device */
};

/*
 * New organization org_id: root key, first admin and device, and the body
 * of POST /v1/ORG/bootstrap with token (appended to body).
 */
int srvfx_new(const char *org_id, const char *token, struct srvfx_org *fx,
    struct sceau_buf *body);
void srvfx_free(struct srvfx_org *fx);
void srvfx_device_free(struct srvfx_device *d);

/*
 * Certificates signed by author (a device of the organization), each
 * appended as the body of POST /v1/ORG/certificates
 * ({"certificate": ..., "identity": ...}) to body:
 *   a new user of profile p, then (second call) its device;
 *   a device revocation; a user revocation.
 */
int srvfx_new_user(struct srvfx_org *fx, const struct srvfx_device *author,
    enum sceau_profile p, struct srvfx_device *out, struct sceau_buf *body);
int srvfx_new_device(struct srvfx_org *fx, const struct srvfx_device *author,
    struct srvfx_device *d, struct sceau_buf *body);
int srvfx_revoke_device(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *device_id, struct sceau_buf *body);
int srvfx_revoke_user(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *user_id, struct sceau_buf *body);

/*
 * Workspace certificates (bodies of POST /v1/ORG/certificates), with
 * stand-in sealed keys (the server never opens them):
 *   srvfx_realm_create: a new workspace by author (key index 1, sealed to
 *     author's user, who becomes owner); its id is realm_id, or a new
 *     random one into realm_id when realm_id is "";
 *   srvfx_realm_role: role for user_id, with key indices 1..nkeys (a
 *     user who had no role gets every index so far; 0 for a change);
 *   srvfx_realm_rotate: key index, sealed to users[0..n).
 */
int srvfx_realm_create(struct srvfx_org *fx, const struct srvfx_device *author,
    char realm_id[SCEAU_ID_LEN + 1], struct sceau_buf *body);
int srvfx_realm_role(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *realm_id, const char *user_id, enum sceau_role role,
    uint32_t nkeys, struct sceau_buf *body);
int srvfx_realm_rotate(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *realm_id, uint32_t index, const char *const *users, size_t n,
    struct sceau_buf *body);

/*
 * Vlobs: srvfx_vlob_header fills h for d (this organization, the time
 * now); srvfx_vlob seals plaintext "vlob" under a fixed test key with
 * d's key and appends the encoding to out (h may be changed between the
 * two, to make a vlob that lies about where it belongs).
 */
void srvfx_vlob_header(const struct srvfx_org *fx, const struct srvfx_device *d,
    const char *realm_id, const char *vlob_id, uint64_t version,
    uint32_t key_index, struct sceau_vlob_header *h);
int srvfx_vlob(const struct srvfx_device *d, const struct sceau_vlob_header *h,
    struct sceau_buf *out);

/*
 * Appends the Authorization header value of a request signed by d, at
 * ts_ms (0: now), to out (NUL-terminated).
 */
int srvfx_sign(const struct srvfx_org *fx, const struct srvfx_device *d,
    const char *method, const char *target, const void *body, size_t len,
    uint64_t ts_ms, struct sceau_buf *out);

#endif /* SCEAU_SRV_FIXTURE_H */
