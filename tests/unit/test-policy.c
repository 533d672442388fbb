/*
 * test-policy.c: policy documents (policy/policy.c): a workstation and an
 * organization policy read back field by field; what is left out stays
 * unset; invalid documents are refused with the file, the line and what
 * is wrong (an unknown element, a bad value, a missing attribute, the
 * wrong namespace, malformed XML); a DOCTYPE (entities, XXE) and an
 * oversized document are refused before parsing; durations and sizes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "policy.h"
#include "testutil.h"

#define NS "xmlns=\"urn:sceau:policy:1\""

static int
parse(const char *xml, struct sceau_policy **pp)
{
	return sceau_policy_parse(
	    (const uint8_t *)xml, strlen(xml), "test.xml", pp);
}

/* xml is refused, and the message holds want (file and line). */
static void
refused(const char *xml, const char *want)
{
	struct sceau_policy *p = NULL;

	assert_int_equal(parse(xml, &p), SCEAU_ERR_POLICY_INVALID);
	assert_null(p);
	if (strstr(sceau_last_message(), want) == NULL)
		fail_msg("\"%s\" not in \"%s\"", want, sceau_last_message());
}

static void
test_workstation(void **state)
{
	struct sceau_policy *p = NULL;
	char path[512];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/tests/policy/workstation.xml",
	    getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".");
	assert_int_equal(sceau_policy_load(path, &p), 0);
	assert_int_equal(p->kind, SCEAU_POLICY_WORKSTATION);
	assert_int_equal(p->version, 1);
	assert_int_equal(p->ws.nservers, 1);
	assert_string_equal(p->ws.servers[0], "https://sceau.example.gouv.fr");
	assert_int_equal(p->ws.norgs, 1);
	assert_string_equal(p->ws.orgs[0], "acme");
	assert_int_equal(p->ws.auth, SCEAU_POLICY_AUTH_TOKEN);
	assert_int_equal(p->ws.nmodules, 1);
	assert_string_equal(p->ws.anchors, "/etc/sceau/anchors.pem");
	assert_int_equal(p->ws.crl_fetch, 1);
	assert_int_equal(p->ws.crl_max_age_s, 24 * 3600);
	assert_int_equal(p->ws.ocsp, SCEAU_POLICY_OCSP_AIA);
	assert_int_equal(p->ws.soft_fail, 0);
	assert_int_equal(p->ws.cache_max, 10ULL << 30);
	assert_int_equal(p->ws.offline_max_days, 30);
	assert_int_equal(p->ws.mount, 0);
	sceau_policy_free(p);
}

static void
test_organization(void **state)
{
	struct sceau_policy *p = NULL;
	char path[512];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/tests/policy/organization.xml",
	    getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".");
	assert_int_equal(sceau_policy_load(path, &p), 0);
	assert_int_equal(p->kind, SCEAU_POLICY_ORGANIZATION);
	assert_int_equal(p->version, 3);
	assert_string_equal(p->org.org_id, "acme");
	assert_int_equal(p->org.externals, 0);
	assert_int_equal(
	    p->org.ceiling[SCEAU_POLICY_EXTERNAL], SCEAU_POLICY_READER);
	assert_int_equal(
	    p->org.ceiling[SCEAU_POLICY_MEMBER], SCEAU_POLICY_ROLE_UNSET);
	assert_int_equal(p->org.nrules, 1);
	assert_int_equal(p->org.rules[0].from, SCEAU_POLICY_MEMBER);
	assert_int_equal(p->org.rules[0].to, SCEAU_POLICY_EXTERNAL);
	assert_int_equal(p->org.rules[0].allow, 0);
	assert_int_equal(p->org.nshare_domains, 1);
	assert_string_equal(p->org.share_domains[0], "example.gouv.fr");
	assert_int_equal(p->org.token_required, 1);
	assert_int_equal(p->org.max_devices, 3);
	assert_int_equal(p->org.invitation_lifetime_s, 72 * 3600);
	assert_int_equal(p->org.ninvite_domains, 1);
	assert_int_equal(p->org.rotate_s, 0);
	assert_int_equal(p->org.x509_revokes_user, 1);
	sceau_policy_free(p);
}

static void
test_unset(void **state)
{
	struct sceau_policy *p = NULL;

	(void)state;
	assert_int_equal(
	    parse("<workstation-policy " NS " version=\"2\"/>", &p), 0);
	assert_int_equal(p->ws.nservers, 0);
	assert_null(p->ws.servers);
	assert_int_equal(p->ws.auth, 0);
	assert_int_equal(p->ws.crl_fetch, -1);
	assert_int_equal(p->ws.mount, -1);
	assert_int_equal(p->ws.ocsp, SCEAU_POLICY_OCSP_UNSET);
	sceau_policy_free(p);
	assert_int_equal(parse("<organization-policy " NS
	                       " version=\"1\" organization=\"acme\">"
	                       "<revocation><rotate>12h</rotate></revocation>"
	                       "</organization-policy>",
	                     &p),
	    0);
	assert_int_equal(p->org.rotate_s, 12 * 3600);
	assert_int_equal(p->org.externals, -1);
	assert_int_equal(p->org.token_required, -1);
	assert_int_equal(p->org.x509_revokes_user, -1);
	sceau_policy_free(p);
}

static void
test_invalid(void **state)
{
	(void)state;
	/* An unknown element, on line 2: named with its line. */
	refused("<workstation-policy " NS " version=\"1\">\n"
	        "<mount>no</mount><telemetry>yes</telemetry>\n"
	        "</workstation-policy>",
	    "test.xml:2:");
	refused("<workstation-policy " NS " version=\"1\">\n"
	        "<mount>no</mount><telemetry>yes</telemetry>\n"
	        "</workstation-policy>",
	    "telemetry");
	/* A bad value. */
	refused("<workstation-policy " NS " version=\"1\">\n\n"
	        "<mount>maybe</mount></workstation-policy>",
	    "test.xml:3:");
	refused("<organization-policy " NS
	        " version=\"1\" organization=\"acme\">"
	        "<invitations><lifetime>3 days</lifetime></invitations>"
	        "</organization-policy>",
	    "lifetime");
	/* A missing attribute, the wrong namespace, another root. */
	refused("<organization-policy " NS " version=\"1\"/>", "organization");
	refused("<workstation-policy version=\"1\"/>", "test.xml:1:");
	refused("<policy " NS " version=\"1\"/>", "test.xml:1:");
	/* Elements out of order (the schema's sequence). */
	refused("<workstation-policy " NS " version=\"1\"><mount>no</mount>"
	        "<servers><server>https://a.example</server></servers>"
	        "</workstation-policy>",
	    "servers");
	/* Malformed XML. */
	refused("<workstation-policy " NS " version=\"1\">\n<mount>no",
	    "test.xml:2:");
	refused("", "test.xml");
}

static void
test_hostile(void **state)
{
	struct sceau_policy *p = NULL;
	char *big;

	(void)state;
	/* Entities and external subsets never reach libxml2. */
	refused("<?xml version=\"1.0\"?>\n<!DOCTYPE workstation-policy "
	        "[<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	        "<workstation-policy " NS " version=\"1\"><pki><anchors>&x;"
	        "</anchors></pki></workstation-policy>",
	    "DOCTYPE");
	assert_non_null(big = malloc(SCEAU_POLICY_MAX + 2));
	memset(big, ' ', SCEAU_POLICY_MAX + 1);
	big[SCEAU_POLICY_MAX + 1] = '\0';
	assert_int_equal(parse(big, &p), SCEAU_ERR_LIMIT_EXCEEDED);
	free(big);
	assert_int_equal(sceau_policy_load("/nonexistent/policy.xml", &p),
	    SCEAU_ERR_NOT_FOUND);
}

static void
test_units(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(sceau_policy_duration("90s", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(sceau_policy_duration("7d", &v), 0);
	assert_int_equal(v, 7 * 86400);
	assert_int_not_equal(sceau_policy_duration("7", &v), 0);
	assert_int_not_equal(sceau_policy_duration("h", &v), 0);
	assert_int_not_equal(sceau_policy_duration("1hh", &v), 0);
	assert_int_not_equal(sceau_policy_duration("1234567d", &v), 0);
	assert_int_equal(sceau_policy_size("512", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(sceau_policy_size("4G", &v), 0);
	assert_int_equal(v, 4ULL << 30);
	assert_int_not_equal(sceau_policy_size("999999999999T", &v), 0);
	assert_int_not_equal(sceau_policy_size("1X", &v), 0);
	assert_int_not_equal(sceau_policy_size("", &v), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_workstation),
	    cmocka_unit_test(test_organization),
	    cmocka_unit_test(test_unset),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_units),
	};

	return TU_TAP_MAIN("policy", tests);
}
