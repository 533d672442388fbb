/*
 * provision.c: sceau-test-provision, a test tool: an admin's device adds
 * a member (user and device certificates signed by the admin, through the
 * real server) and the member's device is written into another data
 * directory, as if on another computer.
 *
 * It stands in for the invitation exchange in tests that need several
 * people; the newcomer's keys are made here, which a real invitation never
 * does (the newcomer makes them and only public keys travel).
 *
 *   sceau-test-provision [member] --admin-home DIR ... --email E --name N
 *   sceau-test-provision device --admin-home DIR --target-home DIR
 *       a second device of the user of --admin-home's device
 *   sceau-test-provision raw-revoke --admin-home DIR --user ID
 *       signs a user revocation and posts it WITHOUT the client's own
 *       check, to prove the server refuses what the rules forbid
 *   sceau-test-provision raw-share --admin-home DIR --realm ID --user ID
 *       --profile ROLE [--out FILE]
 *       the same with a workspace role (fake sealed keys: the chain
 *       cannot tell); with --out, the envelope is written to FILE
 *       (base64) instead of posted: what a lying server would serve
 *   sceau-test-provision raw-policy --admin-home DIR --file POLICY
 *       [--version N] [--out FILE] [--bad-signature]
 *       the same with an organization policy (--version: the version the
 *       certificate claims, else the document's; --bad-signature flips a
 *       bit of the device signature)
 *   sceau-test-provision forge-vlob --admin-home DIR --realm ID --vlob ID
 *       --version N --out FILE
 *       seals, as the device of DIR and now, an empty file manifest as
 *       version N of the vlob under workspace key 1, into FILE (base64):
 *       what a lying server would serve from a device that may not write
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "client.h"
#include "encoding.h"
#include "errors.h"
#include "log.h"
#include "manifest.h"
#include "policy.h"
#include "secmem.h"

struct args {
	const char *mode;
	const char *admin_home, *admin_pw, *target_home, *target_pw;
	const char *email, *name, *profile, *label, *ca_file, *user;
	const char *realm, *vlob, *version, *out, *file;
	int bad_sig;
};

static int
parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"admin-home", required_argument, NULL, 'A'},
	    {"admin-password", required_argument, NULL, 'P'},
	    {"target-home", required_argument, NULL, 'T'},
	    {"password", required_argument, NULL, 'p'},
	    {"email", required_argument, NULL, 'e'},
	    {"name", required_argument, NULL, 'n'},
	    {"profile", required_argument, NULL, 'r'},
	    {"label", required_argument, NULL, 'l'},
	    {"ca-file", required_argument, NULL, 'c'},
	    {"user", required_argument, NULL, 'u'},
	    {"realm", required_argument, NULL, 'R'},
	    {"vlob", required_argument, NULL, 'V'},
	    {"version", required_argument, NULL, 'N'},
	    {"out", required_argument, NULL, 'o'},
	    {"file", required_argument, NULL, 'f'},
	    {"bad-signature", no_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	memset(a, 0, sizeof(*a));
	a->mode = "member";
	if (argc > 1 && argv[1][0] != '-') {
		a->mode = argv[1];
		argc--;
		argv++;
	}
	a->label = "laptop";
	a->profile = "member";
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			a->admin_home = optarg;
			break;
		case 'P':
			a->admin_pw = optarg;
			break;
		case 'T':
			a->target_home = optarg;
			break;
		case 'p':
			a->target_pw = optarg;
			break;
		case 'e':
			a->email = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'r':
			a->profile = optarg;
			break;
		case 'l':
			a->label = optarg;
			break;
		case 'c':
			a->ca_file = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'R':
			a->realm = optarg;
			break;
		case 'V':
			a->vlob = optarg;
			break;
		case 'N':
			a->version = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'f':
			a->file = optarg;
			break;
		case 'b':
			a->bad_sig = 1;
			break;
		default:
			return 2;
		}
	}
	if (a->admin_home == NULL ||
	    (strcmp(a->mode, "member") == 0 &&
	        (a->target_home == NULL || a->email == NULL ||
	            a->name == NULL)) ||
	    (strcmp(a->mode, "device") == 0 && a->target_home == NULL) ||
	    (strcmp(a->mode, "raw-revoke") == 0 && a->user == NULL) ||
	    (strcmp(a->mode, "raw-share") == 0 &&
	        (a->realm == NULL || a->user == NULL)) ||
	    (strcmp(a->mode, "raw-policy") == 0 && a->file == NULL) ||
	    (strcmp(a->mode, "forge-vlob") == 0 &&
	        (a->realm == NULL || a->vlob == NULL || a->version == NULL ||
	            a->out == NULL))) {
		(void)fprintf(stderr,
		    "usage: sceau-test-provision "
		    "--admin-home DIR [--admin-password PW] --target-home DIR "
		    "[--password PW] --email E --name N [--profile P] "
		    "[--label L] [--ca-file F]\n");
		return 2;
	}
	return 0;
}

static void
auth_for(const char *pw, struct sceau_keyfile_auth *auth)
{
	memset(auth, 0, sizeof(*auth));
	auth->kind =
	    pw != NULL ? SCEAU_KEYFILE_PASSWORD : SCEAU_KEYFILE_KEYRING;
	auth->password = pw;
	auth->password_len = pw != NULL ? strlen(pw) : 0;
}

/* The newcomer's side: keys, ids, and its device files. */
static int
newcomer(const struct args *a, const struct sceau_keyfile_info *admin,
    struct sceau_new_member *m, struct sceau_signkey **dk,
    struct sceau_boxkey **uk)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = sceau_sign_generate(dk)) != 0 ||
	    (r = sceau_box_generate(uk)) != 0 ||
	    (r = sceau_cert_new_id(m->user_id)) != 0 ||
	    (r = sceau_cert_new_id(m->device_id)) != 0)
		return r;
	m->email = a->email;
	m->name = a->name;
	m->profile = sceau_profile_from_name(a->profile);
	m->device_label = a->label;
	sceau_box_public(*uk, m->enc_key);
	sceau_sign_public(*dk, m->verify_key);
	(void)admin;
	return m->profile == 0 ? SCEAU_ERR_INVALID_ARGUMENT : 0;
}

/* A second device of the admin-home device's own user. */
static int
add_device(const struct args *a, struct sceau_client *c,
    const struct sceau_client_opts *co)
{
	struct sceau_keyfile_info info = *sceau_client_info(c);
	struct sceau_keyfile_auth auth;
	struct sceau_signkey *dk = NULL;
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN];
	int r;

	if ((r = sceau_sign_generate(&dk)) != 0 ||
	    (r = sceau_cert_new_id(info.device_id)) != 0)
		goto out;
	sceau_sign_public(dk, vk);
	if ((r = sceau_client_add_device(c, info.device_id, a->label, vk)) != 0)
		goto out;
	(void)snprintf(
	    info.device_label, sizeof(info.device_label), "%s", a->label);
	auth_for(a->target_pw, &auth);
	if (setenv("SCEAU_HOME", a->target_home, 1) != 0 ||
	    (r = sceau_client_create_device(&info, dk,
	         sceau_client_keys(c)->user_key, &auth, co, NULL)) != 0)
		goto out;
	(void)printf("{\"device_id\": \"%s\"}\n", info.device_id);
out:
	sceau_sign_free(dk);
	return r;
}

/* Writes env (base64) to path. */
static int
write_b64(const char *path, const struct sceau_buf *env)
{
	char *b64;
	FILE *f;
	int r = 0;

	if ((b64 = sceau_enc_b64(sceau_buf_ptr(env), sceau_buf_len(env),
	         SCEAU_B64_STD)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((f = fopen(path, "w")) == NULL) {
		sceau_free(b64);
		return SCEAU_ERR_SYSTEM;
	}
	(void)fputs(b64, f);
	if (fclose(f) != 0)
		r = SCEAU_ERR_SYSTEM;
	sceau_free(b64);
	return r;
}

/*
 * cert (kind and fields set) as the next certificate, signed by the
 * device of c and posted with no local check, or written to --out.
 */
static int
raw_post(const struct args *a, struct sceau_client *c, struct sceau_cert *cert)
{
	const struct sceau_chain *ch = sceau_client_chain(c);
	struct sceau_buf *env = sceau_buf_new();
	int r;

	if (env == NULL)
		return SCEAU_ERR_ALLOC;
	(void)snprintf(cert->org_id, sizeof(cert->org_id), "%s",
	    sceau_client_info(c)->org_id);
	(void)snprintf(cert->author, sizeof(cert->author), "%s",
	    sceau_client_info(c)->device_id);
	cert->index = sceau_chain_last_index(ch) + 1;
	memcpy(cert->prev_hash, sceau_chain_last_hash(ch), SCEAU_CERT_HASH_LEN);
	cert->timestamp = sceau_client_now_us();
	if ((r = sceau_cert_sign(
	         cert, sceau_client_keys(c)->device_key, env)) == 0) {
		/* The signature ends 4 bytes before the end (no extra one). */
		if (a->bad_sig)
			((uint8_t *)sceau_buf_ptr(
			    env))[sceau_buf_len(env) - 5] ^= 1;
		r = a->out != NULL
		    ? write_b64(a->out, env)
		    : sceau_client_post_certificate(c, env, NULL);
	}
	sceau_buf_free(env);
	return r;
}

/* A user revocation signed and posted with no local check. */
static int
raw_revoke(const struct args *a, struct sceau_client *c)
{
	struct sceau_cert cert;
	int r;

	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	memset(&cert, 0, sizeof(cert));
	cert.kind = SCEAU_CERT_USER_REVOKE;
	(void)snprintf(cert.user_id, sizeof(cert.user_id), "%s", a->user);
	return raw_post(a, c, &cert);
}

/* A workspace role, every key sealed as random bytes. */
static int
raw_share(const struct args *a, struct sceau_client *c)
{
	static uint8_t fake[93];
	const struct sceau_chain_realm *realm;
	struct sceau_cert_key keys[16];
	struct sceau_cert cert;
	uint32_t i;
	int r;

	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	if ((realm = sceau_chain_realm(sceau_client_chain(c), a->realm)) ==
	        NULL ||
	    realm->key_count > 16)
		return SCEAU_ERR_NOT_FOUND;
	memset(&cert, 0, sizeof(cert));
	memset(keys, 0, sizeof(keys));
	cert.kind = SCEAU_CERT_REALM_ROLE;
	(void)snprintf(cert.realm_id, sizeof(cert.realm_id), "%s", a->realm);
	(void)snprintf(cert.user_id, sizeof(cert.user_id), "%s", a->user);
	cert.role = (uint8_t)sceau_role_from_name(a->profile);
	for (i = 0; i < realm->key_count; i++) {
		keys[i].key_index = i + 1;
		keys[i].sealed = fake;
		keys[i].sealed_len = sizeof(fake);
	}
	cert.n_keys = realm->key_count;
	cert.keys_in = keys;
	return raw_post(a, c, &cert);
}

/* An organization policy, as the file has it. */
static int
raw_policy(const struct args *a, struct sceau_client *c)
{
	struct sceau_buf *doc = sceau_buf_new();
	struct sceau_policy *p = NULL;
	struct sceau_cert cert;
	int r;

	if (doc == NULL)
		return SCEAU_ERR_ALLOC;
	memset(&cert, 0, sizeof(cert));
	if ((r = sceau_client_refresh(c, NULL)) != 0 ||
	    (r = sceau_buf_load_file(a->file, SCEAU_POLICY_MAX, doc)) != 0)
		goto out;
	/* An invalid document still goes: the server must refuse it. */
	if (a->version != NULL)
		cert.policy_version = (uint32_t)strtoul(a->version, NULL, 10);
	else if (sceau_policy_parse(
	             sceau_buf_ptr(doc), sceau_buf_len(doc), a->file, &p) == 0)
		cert.policy_version = p->version;
	cert.kind = SCEAU_CERT_ORG_POLICY;
	cert.policy_doc = sceau_buf_ptr(doc);
	cert.policy_doc_len = sceau_buf_len(doc);
	r = raw_post(a, c, &cert);
out:
	sceau_policy_free(p);
	sceau_buf_free(doc);
	return r;
}

static int
forge_vlob(const struct args *a, struct sceau_client *c)
{
	struct sceau_vlob_header h;
	struct sceau_manifest *m = NULL;
	struct sceau_buf *pt = NULL, *blob = NULL;
	uint8_t key[32];
	int r;

	memset(&h, 0, sizeof(h));
	(void)snprintf(
	    h.org_id, sizeof(h.org_id), "%s", sceau_client_info(c)->org_id);
	(void)snprintf(h.realm_id, sizeof(h.realm_id), "%s", a->realm);
	(void)snprintf(h.vlob_id, sizeof(h.vlob_id), "%s", a->vlob);
	(void)snprintf(
	    h.author, sizeof(h.author), "%s", sceau_client_info(c)->device_id);
	h.version = strtoull(a->version, NULL, 10);
	h.timestamp = sceau_client_now_us();
	h.key_index = 1;
	if ((r = sceau_client_refresh(c, NULL)) != 0 ||
	    (r = sceau_client_realm_key(c, a->realm, 1, key)) != 0)
		return r;
	if ((m = sceau_manifest_new(SCEAU_MANIFEST_FILE, a->vlob, a->realm,
	         h.timestamp)) == NULL ||
	    (pt = sceau_buf_new()) == NULL ||
	    (blob = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_manifest_encode(m, pt)) != 0 ||
	    (r = sceau_vlob_seal(&h, key, sceau_buf_ptr(pt), sceau_buf_len(pt),
	         sceau_client_keys(c)->device_key, blob)) != 0)
		goto out;
	r = write_b64(a->out, blob);
out:
	sceau_memzero(key, sizeof(key));
	sceau_buf_free(blob);
	sceau_buf_free(pt);
	sceau_manifest_free(m);
	return r;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct sceau_keyfile_auth auth;
	struct sceau_client_opts co = {0};
	struct sceau_keyfile_info info;
	struct sceau_new_member m;
	struct sceau_signkey *dk = NULL;
	struct sceau_boxkey *uk = NULL;
	struct sceau_client *c = NULL;
	int r;

	sceau_log_init("sceau-test-provision", SCEAU_LOG_WARNING);
	if ((r = parse(argc, argv, &a)) != 0)
		return r;
	co.ca_file = a.ca_file;
	auth_for(a.admin_pw, &auth);
	if (setenv("SCEAU_HOME", a.admin_home, 1) != 0 ||
	    (r = sceau_client_open(NULL, NULL, &auth, &co, &c)) != 0)
		goto out;
	if (strcmp(a.mode, "device") == 0) {
		r = add_device(&a, c, &co);
		goto out;
	}
	if (strcmp(a.mode, "raw-revoke") == 0) {
		r = raw_revoke(&a, c);
		goto out;
	}
	if (strcmp(a.mode, "raw-share") == 0) {
		r = raw_share(&a, c);
		goto out;
	}
	if (strcmp(a.mode, "raw-policy") == 0) {
		r = raw_policy(&a, c);
		goto out;
	}
	if (strcmp(a.mode, "forge-vlob") == 0) {
		r = forge_vlob(&a, c);
		goto out;
	}
	if ((r = newcomer(&a, sceau_client_info(c), &m, &dk, &uk)) != 0 ||
	    (r = sceau_client_add_member(c, &m)) != 0)
		goto out;
	info = *sceau_client_info(c);
	(void)snprintf(info.user_id, sizeof(info.user_id), "%s", m.user_id);
	(void)snprintf(
	    info.device_id, sizeof(info.device_id), "%s", m.device_id);
	(void)snprintf(
	    info.device_label, sizeof(info.device_label), "%s", a.label);
	auth_for(a.target_pw, &auth);
	if (setenv("SCEAU_HOME", a.target_home, 1) != 0 ||
	    (r = sceau_client_create_device(&info, dk, uk, &auth, &co, NULL)) !=
	        0)
		goto out;
	(void)printf("{\"user_id\": \"%s\", \"device_id\": \"%s\"}\n",
	    m.user_id, m.device_id);
out:
	if (r != 0)
		(void)fprintf(stderr, "sceau-test-provision: %s (%s)\n",
		    sceau_strerror(r), sceau_last_message());
	sceau_client_close(c);
	sceau_sign_free(dk);
	sceau_box_free(uk);
	return r == 0 ? 0 : 1;
}
