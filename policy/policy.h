/*
 * policy.h: the policy documents (DESIGN section 9, man/sceau-policy.5),
 * parsed with libxml2 and validated against policy/sceau-policy.xsd
 * (compiled in: a schema file someone edits cannot loosen the checks).
 *
 * Parsing refuses what an attacker would use against an XML parser: a
 * DOCTYPE (no entities, no external subsets), network access, documents
 * over SCEAU_POLICY_MAX bytes.  An invalid document is
 * SCEAU_ERR_POLICY_INVALID with "NAME:LINE: what" in sceau_message().
 *
 * A field left out of the document keeps its "unset" value (-1, 0 or an
 * empty list, as each says): the defaults of man/sceau-policy.5 are
 * applied where the rule is enforced, not here.
 */
#ifndef SCEAU_POLICY_H
#define SCEAU_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "defs.h"

#define SCEAU_POLICY_MAX (256 * 1024) /* bytes of a document */
#define SCEAU_POLICY_NS "urn:sceau:policy:1"
#define SCEAU_POLICY_SERVERS_MAX 64
#define SCEAU_POLICY_ORGS_MAX 256
#define SCEAU_POLICY_MODULES_MAX 32
#define SCEAU_POLICY_DOMAINS_MAX 64
#define SCEAU_POLICY_RULES_MAX 9
#define SCEAU_POLICY_URL_MAX 2048
#define SCEAU_POLICY_PATH_MAX 4095
#define SCEAU_POLICY_DOMAIN_MAX 253

enum sceau_policy_kind {
	SCEAU_POLICY_WORKSTATION = 1,
	SCEAU_POLICY_ORGANIZATION = 2,
};

/* Authentication methods, as a mask (workstation: which are allowed). */
#define SCEAU_POLICY_AUTH_PASSWORD 0x1
#define SCEAU_POLICY_AUTH_KEYRING 0x2
#define SCEAU_POLICY_AUTH_TOKEN 0x4

enum sceau_policy_ocsp {
	SCEAU_POLICY_OCSP_UNSET = 0,
	SCEAU_POLICY_OCSP_OFF,
	SCEAU_POLICY_OCSP_AIA,
	SCEAU_POLICY_OCSP_URL,
};

/* <workstation-policy>. */
struct sceau_policy_ws {
	char (*servers)[SCEAU_POLICY_URL_MAX + 1]; /* none: any server */
	size_t nservers;
	char (*orgs)[SCEAU_ORG_ID_MAX + 1]; /* none: any organization */
	size_t norgs;
	unsigned int auth; /* SCEAU_POLICY_AUTH_* mask; 0: any */
	char (*modules)[SCEAU_POLICY_PATH_MAX + 1]; /* none: the defaults */
	size_t nmodules;
	char anchors[SCEAU_POLICY_PATH_MAX + 1]; /* "": unset */
	int crl_fetch; /* -1 unset, 0, 1 */
	uint64_t crl_max_age_s; /* 0: unset */
	enum sceau_policy_ocsp ocsp;
	char ocsp_url[SCEAU_POLICY_URL_MAX + 1];
	int soft_fail; /* -1 unset, 0, 1 */
	uint64_t cache_max; /* bytes; 0: unset */
	unsigned int offline_max_days; /* 0: unset */
	int mount; /* -1 unset, 0, 1 */
};

/* Profiles and roles, as the chain numbers them is not assumed here. */
enum sceau_policy_profile {
	SCEAU_POLICY_ADMIN = 0,
	SCEAU_POLICY_MEMBER = 1,
	SCEAU_POLICY_EXTERNAL = 2,
};
enum sceau_policy_role {
	SCEAU_POLICY_ROLE_UNSET = 0,
	SCEAU_POLICY_READER = 1,
	SCEAU_POLICY_CONTRIBUTOR = 2,
	SCEAU_POLICY_MANAGER = 3,
	SCEAU_POLICY_OWNER = 4,
};

struct sceau_policy_share_rule {
	enum sceau_policy_profile from, to;
	int allow;
};

/* <organization-policy>. */
struct sceau_policy_org {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	int externals; /* -1 unset, 0, 1 */
	/* Highest role per profile (index: enum sceau_policy_profile). */
	enum sceau_policy_role ceiling[3];
	struct sceau_policy_share_rule rules[SCEAU_POLICY_RULES_MAX];
	size_t nrules;
	char (*share_domains)[SCEAU_POLICY_DOMAIN_MAX + 1]; /* none: any */
	size_t nshare_domains;
	int token_required; /* -1 unset, 0 nobody, 1 admins, 2 everyone */
	unsigned int max_devices; /* 0: unset */
	uint64_t invitation_lifetime_s; /* 0: unset */
	char (*invite_domains)[SCEAU_POLICY_DOMAIN_MAX + 1]; /* none: any */
	size_t ninvite_domains;
	int64_t rotate_s; /* -1 unset, 0 now, else within that many s */
	int x509_revokes_user; /* -1 unset, 0, 1 */
};

struct sceau_policy {
	enum sceau_policy_kind kind;
	uint32_t version;
	struct sceau_policy_ws ws; /* kind WORKSTATION */
	struct sceau_policy_org org; /* kind ORGANIZATION */
};

/*
 * Parses and validates the document xml[0..n); name (a file name, for
 * messages) may be NULL.  *pp is a new policy (sceau_policy_free).
 * SCEAU_ERR_POLICY_INVALID, SCEAU_ERR_LIMIT_EXCEEDED, SCEAU_ERR_ALLOC.
 */
int sceau_policy_parse(const uint8_t *xml, size_t n, const char *name,
    struct sceau_policy **pp) SCEAU_WUR;
/* The same, of a file (at most SCEAU_POLICY_MAX bytes). */
int sceau_policy_load(const char *path, struct sceau_policy **pp) SCEAU_WUR;
/*
 * 1 if a DOCTYPE appears anywhere in xml[0..n): such documents are
 * refused before libxml2 sees them (entities, external DTDs, XXE), here
 * and for signed audit reports.
 */
int sceau_xml_has_doctype(const uint8_t *xml, size_t n);
void sceau_policy_free(struct sceau_policy *p);

/* "90s", "15m", "24h", "7d" into seconds.  SCEAU_ERR_INVALID_ARGUMENT. */
int sceau_policy_duration(const char *s, uint64_t *secs) SCEAU_WUR;
/* "512", "10K", "4G" (powers of 1024) into bytes. */
int sceau_policy_size(const char *s, uint64_t *bytes) SCEAU_WUR;

/*
 * The organization policy's rules as decisions (policy-rules.c), for the
 * chain, the client's own checks and "sceau policy explain".  Each check
 * returns 0 (allowed) or SCEAU_ERR_POLICY_REFUSED and writes the rule
 * that decided into rule: the refusing one, "sharing.externals=forbidden",
 * or what allowed it ("(default)" where the policy is silent).  p is the
 * policy in force, NULL when none was published: everything is allowed.
 */
#define SCEAU_POLICY_RULE_MAX 160

const char *sceau_policy_profile_name(enum sceau_policy_profile p);
const char *sceau_policy_role_name(enum sceau_policy_role r); /* "none"... */

/* A user of profile prof may be in the organization (externals). */
int sceau_policy_check_profile(const struct sceau_policy *p,
    enum sceau_policy_profile prof, char rule[SCEAU_POLICY_RULE_MAX]);
/*
 * A user of profile from may give role (ROLE_UNSET: take it away, always
 * allowed) to a user of profile to, whose address is to_email (NULL
 * where it is not known, as in the chain: the domain rule is then the
 * client's and the server's to check).
 */
int sceau_policy_check_share(const struct sceau_policy *p,
    enum sceau_policy_profile from, enum sceau_policy_profile to,
    enum sceau_policy_role role, const char *to_email,
    char rule[SCEAU_POLICY_RULE_MAX]);
/* A user of profile prof with active devices may add one (token_bound). */
int sceau_policy_check_device(const struct sceau_policy *p,
    enum sceau_policy_profile prof, int token_bound, unsigned int active,
    char rule[SCEAU_POLICY_RULE_MAX]);
/* An invitation may be sent to email. */
int sceau_policy_check_invitation(const struct sceau_policy *p,
    const char *email, char rule[SCEAU_POLICY_RULE_MAX]);
/* Seconds an invitation lives: the policy's, else dflt. */
uint64_t sceau_policy_invitation_lifetime(
    const struct sceau_policy *p, uint64_t dflt);
/* Seconds within which keys rotate after a revocation (0: at once). */
uint64_t sceau_policy_rotate_delay(const struct sceau_policy *p);
/* 1 if an X.509 revocation leads to a revocation in the organization. */
int sceau_policy_x509_revokes_user(const struct sceau_policy *p);

#endif /* SCEAU_POLICY_H */
