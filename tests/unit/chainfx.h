/*
 * chainfx.h: a test organization for chain tests: a root key, an admin, a
 * member, an external and a second admin, each with a device, and helpers
 * to sign and append certificates (cmocka assertions inside).
 */
#ifndef SCEAU_TESTS_CHAINFX_H
#define SCEAU_TESTS_CHAINFX_H

#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "chain.h"
#include "sign.h"

struct actor {
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	struct sceau_signkey *dev;
	enum sceau_profile profile;
};

struct world {
	struct sceau_signkey *root;
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_chain *chain;
	uint64_t ts;
	struct actor admin, member, external, admin2;
};

/* Fills the common header of the next certificate. */
void cfx_header(struct world *w, struct sceau_cert *c,
    enum sceau_cert_kind kind, const char *author);
/* Signs c with key into a new buffer. */
struct sceau_buf *cfx_sign(
    struct sceau_cert *c, const struct sceau_signkey *key);
/* Appends (and frees env); checks a refusal changed nothing. */
int cfx_append(struct world *w, struct sceau_buf *env);
void cfx_user_cert(struct world *w, struct sceau_cert *c, const char *author,
    const char *user_id, enum sceau_profile p);
void cfx_device_cert(
    struct world *w, struct sceau_cert *c, const char *author, struct actor *a);
void cfx_new_actor(struct actor *a, enum sceau_profile p);
/* cmocka setup / teardown: the organization, profiles locked or not. */
int cfx_setup(void **state);
int cfx_setup_changeable(void **state);
int cfx_teardown(void **state);

/* Workspace certificates of the realm CFX_REALM (fake sealed keys). */
#define CFX_REALM "0123456789abcdef0123456789abcdef"
/* A realm key certificate by a, sealed to the users listed. */
int cfx_realm_key(struct world *w, struct actor *a, uint32_t index,
    const char *const *users, size_t n);
/* A realm role certificate by a for user, with key indices idx[0..n). */
int cfx_realm_role(struct world *w, struct actor *a, const char *user,
    enum sceau_role role, const uint32_t *idx, size_t n);

#endif /* SCEAU_TESTS_CHAINFX_H */
