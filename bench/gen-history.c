/*
 * gen-history.c: a valid history export of a made-up organization, for
 * the bench of sceau-audit verify (bench/bench-audit.sh).
 *
 *   bench-gen-history [--certs N] [--versions M] [--workspaces W]
 *       [--out FILE]
 *   bench-gen-history --baseline [--certs N] [--versions M]
 *
 * The organization (N certificates in all, 10000 by default): the
 * bootstrap (organization, first admin, its device), W workspaces (20)
 * created by the admin, then users, each with one device and made
 * contributor of one workspace (user i of workspace i mod W) by the
 * admin; the few certificates left over give the first users a second
 * workspace.  Then M vlob versions (100000), workspace after workspace,
 * in vlobs of 1 to 5 versions, each signed by a device of a contributor
 * of its workspace, with key index 1 and a few hundred random bytes as
 * plaintext.  Certificates carry identity blobs.  Times: one millisecond
 * apart, author's clock half a millisecond before the server's.
 *
 * Lines are written as they are made (src/histfile.h); the memory kept
 * is a few ids and a seed per user.  Prints one JSON line on stdout when
 * the export goes to a file:
 *   {"bench":"audit-generate","certificates":..,"versions":..,
 *    "workspaces":..,"bytes":..,"seconds":..}
 *
 * --baseline writes no export: it verifies N + M Ed25519 signatures of
 * 256-byte messages with EVP_DigestVerify (one key, its EVP_PKEY made
 * once), a lower bound for what verifying the export costs in signatures
 * alone:
 *   {"bench":"ed25519-baseline","signatures":..,"seconds":..,
 *    "items_per_second":..}
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "buf.h"
#include "cert.h"
#include "chain.h"
#include "errors.h"
#include "histfile.h"
#include "manifest.h"
#include "random.h"
#include "sign.h"

#define GH_ORG "bench-history"
#define GH_STEP_US 1000ULL /* between two acts */
#define GH_SKEW_US 500ULL /* author's clock before the server's */
#define GH_PLAIN_MAX 512
#define GH_MSG_LEN 256

struct gh_user {
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	uint8_t seed[SCEAU_SIGN_SEED_LEN]; /* its device's key */
};

struct gh {
	unsigned long n_certs, n_versions, n_ws;
	const char *out_path;
	FILE *out;
	struct sceau_buf *line, *env, *ident;
	uint64_t bytes;
	/* the chain so far */
	uint64_t index, now; /* now: the server's clock */
	uint8_t prev_hash[SCEAU_CERT_HASH_LEN];
	struct sceau_signkey *root, *admin_dev;
	struct gh_user admin;
	struct gh_user *users;
	size_t n_users;
	char (*realms)[SCEAU_ID_LEN + 1];
	uint64_t written_certs, written_versions;
};

static const uint8_t gh_sealed[93] = {1, 2, 3};

static int
gh_fail(const char *what, int r)
{
	(void)fprintf(
	    stderr, "bench-gen-history: %s: %s\n", what, sceau_strerror(r));
	return 1;
}

static double
gh_clock(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes the line built in g->line and empties it. */
static int
gh_flush(struct gh *g)
{
	size_t n = sceau_buf_len(g->line);

	if (n > 0 && fwrite(sceau_buf_ptr(g->line), 1, n, g->out) != n)
		return SCEAU_ERR_SYSTEM;
	g->bytes += n;
	sceau_buf_reset(g->line);
	return 0;
}

/* The common header of the next certificate, by author ("" for root). */
static void
gh_header(struct gh *g, struct sceau_cert *c, enum sceau_cert_kind kind,
    const char *author)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	(void)snprintf(c->org_id, sizeof(c->org_id), "%s", GH_ORG);
	c->index = ++g->index;
	memcpy(c->prev_hash, g->prev_hash, SCEAU_CERT_HASH_LEN);
	g->now += GH_STEP_US;
	c->timestamp = g->now - GH_SKEW_US;
	(void)snprintf(c->author, sizeof(c->author), "%s", author);
}

/* Signs c with key and writes its line (with the identity blob, if any). */
static int
gh_emit_cert(struct gh *g, struct sceau_cert *c,
    const struct sceau_signkey *key, int with_identity)
{
	int r;

	sceau_buf_reset(g->env);
	if ((r = sceau_cert_sign(c, key, g->env)) != 0)
		return r;
	memcpy(g->prev_hash, c->hash, SCEAU_CERT_HASH_LEN);
	if ((r = sceau_hist_line_cert(g->line, g->now, sceau_buf_ptr(g->env),
	         sceau_buf_len(g->env),
	         with_identity ? sceau_buf_ptr(g->ident) : NULL,
	         with_identity ? sceau_buf_len(g->ident) : 0)) != 0)
		return r;
	g->written_certs++;
	return gh_flush(g);
}

/* An identity blob into g->ident and its hash into c. */
static int
gh_identity(struct gh *g, struct sceau_cert *c, size_t n)
{
	struct sceau_identity id;
	char email[64], name[64];
	int r;

	if (c->kind == SCEAU_CERT_USER) {
		(void)snprintf(email, sizeof(email), "user%zu@example.com", n);
		(void)snprintf(name, sizeof(name), "User %zu", n);
	} else {
		email[0] = '\0';
		(void)snprintf(name, sizeof(name), "laptop of user %zu", n);
	}
	sceau_buf_reset(g->ident);
	if ((r = sceau_identity_init(&id, c->kind, email, name)) != 0 ||
	    (r = sceau_identity_encode(&id, g->ident)) != 0)
		return r;
	return sceau_identity_hash(&id, c->identity_hash);
}

/* A user certificate and its device's, signed by key (root or admin). */
static int
gh_user(struct gh *g, struct gh_user *u, enum sceau_profile p,
    const char *author, const struct sceau_signkey *key, size_t n)
{
	struct sceau_signkey *dev = NULL;
	struct sceau_cert c;
	int r;

	if ((r = sceau_cert_new_id(u->user_id)) != 0 ||
	    (r = sceau_cert_new_id(u->device_id)) != 0 ||
	    (r = sceau_random_bytes(u->seed, sizeof(u->seed))) != 0)
		return r;
	gh_header(g, &c, SCEAU_CERT_USER, author);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", u->user_id);
	c.profile = p;
	(void)snprintf(c.enc_alg, sizeof(c.enc_alg), "x25519");
	c.enc_key_len = 32;
	if ((r = sceau_random_bytes(c.enc_key, c.enc_key_len)) != 0 ||
	    (r = gh_identity(g, &c, n)) != 0 ||
	    (r = gh_emit_cert(g, &c, key, 1)) != 0)
		return r;
	gh_header(g, &c, SCEAU_CERT_DEVICE, author);
	(void)snprintf(c.device_id, sizeof(c.device_id), "%s", u->device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", u->user_id);
	if ((r = sceau_sign_from_seed(u->seed, &dev)) != 0)
		return r;
	sceau_sign_public(dev, c.verify_key);
	sceau_sign_free(dev);
	if ((r = gh_identity(g, &c, n)) != 0)
		return r;
	return gh_emit_cert(g, &c, key, 1);
}

/* Workspace w, created by the admin (its owner): key 1, sealed to it. */
static int
gh_realm(struct gh *g, size_t w)
{
	struct sceau_cert_key k;
	struct sceau_cert c;
	int r;

	if ((r = sceau_cert_new_id(g->realms[w])) != 0)
		return r;
	gh_header(g, &c, SCEAU_CERT_REALM_KEY, g->admin.device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", g->realms[w]);
	c.key_index = 1;
	memset(&k, 0, sizeof(k));
	(void)snprintf(k.user_id, sizeof(k.user_id), "%s", g->admin.user_id);
	k.sealed = gh_sealed;
	k.sealed_len = sizeof(gh_sealed);
	c.n_keys = 1;
	c.keys_in = &k;
	return gh_emit_cert(g, &c, g->admin_dev, 0);
}

/* The admin makes user u contributor of workspace w (key 1). */
static int
gh_grant(struct gh *g, const struct gh_user *u, size_t w)
{
	struct sceau_cert_key k;
	struct sceau_cert c;

	gh_header(g, &c, SCEAU_CERT_REALM_ROLE, g->admin.device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", g->realms[w]);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", u->user_id);
	c.role = (uint8_t)SCEAU_ROLE_CONTRIBUTOR;
	memset(&k, 0, sizeof(k));
	k.key_index = 1;
	k.sealed = gh_sealed;
	k.sealed_len = sizeof(gh_sealed);
	c.n_keys = 1;
	c.keys_in = &k;
	return gh_emit_cert(g, &c, g->admin_dev, 0);
}

/* Bootstrap, workspaces, users and grants: exactly g->n_certs. */
static int
gh_chain(struct gh *g)
{
	uint8_t rvk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_cert c;
	size_t i, extra;
	int r;

	if ((r = sceau_sign_generate(&g->root)) != 0)
		return r;
	sceau_sign_public(g->root, rvk);
	gh_header(g, &c, SCEAU_CERT_ORG, "");
	memcpy(c.root_verify_key, rvk, sizeof(rvk));
	if ((r = gh_emit_cert(g, &c, g->root, 0)) != 0 ||
	    (r = gh_user(g, &g->admin, SCEAU_PROFILE_ADMIN, "", g->root, 0)) !=
	        0 ||
	    (r = sceau_sign_from_seed(g->admin.seed, &g->admin_dev)) != 0)
		return r;
	for (i = 0; i < g->n_ws; i++)
		if ((r = gh_realm(g, i)) != 0)
			return r;
	for (i = 0; i < g->n_users; i++) {
		if ((r = gh_user(g, &g->users[i], SCEAU_PROFILE_MEMBER,
		         g->admin.device_id, g->admin_dev, i + 1)) != 0 ||
		    (r = gh_grant(g, &g->users[i], i % g->n_ws)) != 0)
			return r;
	}
	extra = g->n_certs - g->written_certs; /* 0 to 2 */
	for (i = 0; i < extra; i++)
		if ((r = gh_grant(g, &g->users[i], (i + 1) % g->n_ws)) != 0)
			return r;
	return 0;
}

/* The versions of one vlob of workspace w, signed by user u's device. */
static int
gh_vlob(struct gh *g, size_t w, const struct gh_user *u, uint64_t versions,
    uint64_t *checkpoint)
{
	struct sceau_vlob_header h;
	struct sceau_signkey *dev = NULL;
	uint8_t key[32], plain[GH_PLAIN_MAX];
	uint32_t len;
	uint64_t v;
	int r;

	memset(&h, 0, sizeof(h));
	(void)snprintf(h.org_id, sizeof(h.org_id), "%s", GH_ORG);
	(void)snprintf(h.realm_id, sizeof(h.realm_id), "%s", g->realms[w]);
	(void)snprintf(h.author, sizeof(h.author), "%s", u->device_id);
	h.key_index = 1;
	if ((r = sceau_cert_new_id(h.vlob_id)) != 0 ||
	    (r = sceau_random_bytes(key, sizeof(key))) != 0 ||
	    (r = sceau_sign_from_seed(u->seed, &dev)) != 0)
		return r;
	for (v = 1; v <= versions && r == 0; v++) {
		h.version = v;
		g->now += GH_STEP_US;
		h.timestamp = g->now - GH_SKEW_US;
		if ((r = sceau_random_uniform(GH_PLAIN_MAX - 128, &len)) != 0 ||
		    (r = sceau_random_bytes(plain, len + 128)) != 0)
			break;
		sceau_buf_reset(g->env);
		if ((r = sceau_vlob_seal(
		         &h, key, plain, len + 128, dev, g->env)) == 0 &&
		    (r = sceau_hist_line_vlob(g->line, ++*checkpoint, g->now,
		         sceau_buf_ptr(g->env), sceau_buf_len(g->env))) == 0)
			r = gh_flush(g);
		g->written_versions++;
	}
	sceau_sign_free(dev);
	return r;
}

/* Workspace w's share of the versions, in vlobs of 1 to 5 versions. */
static int
gh_workspace(struct gh *g, size_t w, uint64_t total)
{
	uint64_t done = 0, checkpoint = 0, n_writers, k = 0;
	uint32_t pick;
	size_t u;
	int r;

	/* Its contributors are users w, w + W, w + 2W... */
	n_writers = (g->n_users - w + g->n_ws - 1) / g->n_ws;
	while (done < total) {
		if ((r = sceau_random_uniform(5, &pick)) != 0)
			return r;
		pick++;
		if (pick > total - done)
			pick = (uint32_t)(total - done);
		u = w + (size_t)(k++ % n_writers) * g->n_ws;
		if ((r = gh_vlob(g, w, &g->users[u], pick, &checkpoint)) != 0)
			return r;
		done += pick;
	}
	return 0;
}

static int
gh_generate(struct gh *g)
{
	uint64_t per, rest;
	size_t w;
	int r;

	g->now = (uint64_t)time(NULL) * 1000000 -
	    (g->n_certs + g->n_versions + 1000) * GH_STEP_US;
	if ((r = sceau_hist_line_header(g->line, GH_ORG, "server",
	         (uint64_t)time(NULL) * 1000000)) != 0 ||
	    (r = gh_flush(g)) != 0 || (r = gh_chain(g)) != 0)
		return r;
	per = g->n_versions / g->n_ws;
	rest = g->n_versions % g->n_ws;
	for (w = 0; w < g->n_ws; w++)
		if ((r = gh_workspace(g, w, per + (w < rest))) != 0)
			return r;
	if ((r = sceau_hist_line_end(
	         g->line, g->written_certs, g->written_versions)) != 0 ||
	    (r = gh_flush(g)) != 0)
		return r;
	return fflush(g->out) == 0 ? 0 : SCEAU_ERR_SYSTEM;
}

/* N + M Ed25519 verifications of one message, the key decoded once. */
static int
gh_baseline(const struct gh *g)
{
	uint8_t msg[GH_MSG_LEN], sig[SCEAU_SIGN_SIG_LEN];
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_signkey *k = NULL;
	unsigned long i, n = g->n_certs + g->n_versions, bad = 0;
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx;
	double t0, t;
	int r;

	if ((r = sceau_random_bytes(msg, sizeof(msg))) != 0 ||
	    (r = sceau_sign_generate(&k)) != 0 ||
	    (r = sceau_sign(k, msg, sizeof(msg), sig)) != 0)
		return gh_fail("baseline key", r);
	sceau_sign_public(k, pk);
	sceau_sign_free(k);
	if ((pkey = EVP_PKEY_new_raw_public_key(
	         EVP_PKEY_ED25519, NULL, pk, sizeof(pk))) == NULL)
		return gh_fail("baseline key", SCEAU_ERR_CRYPTO);
	t0 = gh_clock();
	for (i = 0; i < n; i++) {
		if ((ctx = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
		    EVP_DigestVerify(ctx, sig, sizeof(sig), msg, sizeof(msg)) !=
		        1)
			bad++;
		EVP_MD_CTX_free(ctx);
	}
	t = gh_clock() - t0;
	EVP_PKEY_free(pkey);
	if (bad != 0)
		return gh_fail("baseline verification", SCEAU_ERR_CRYPTO);
	(void)printf("{\"bench\":\"ed25519-baseline\",\"signatures\":%lu,"
	             "\"seconds\":%.3f,\"items_per_second\":%.0f}\n",
	    n, t, t > 0 ? (double)n / t : 0);
	return 0;
}

static int
gh_number(const char *s, unsigned long *out)
{
	char *end;

	*out = strtoul(s, &end, 10);
	return *s == '\0' || *end != '\0' ? -1 : 0;
}

static int
gh_args(int argc, char **argv, struct gh *g, int *baseline)
{
	static const struct option opts[] = {
	    {"certs", required_argument, NULL, 'c'},
	    {"versions", required_argument, NULL, 'v'},
	    {"workspaces", required_argument, NULL, 'w'},
	    {"out", required_argument, NULL, 'o'},
	    {"baseline", no_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	int ch, bad = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'c')
			bad |= gh_number(optarg, &g->n_certs);
		else if (ch == 'v')
			bad |= gh_number(optarg, &g->n_versions);
		else if (ch == 'w')
			bad |= gh_number(optarg, &g->n_ws);
		else if (ch == 'o')
			g->out_path = optarg;
		else if (ch == 'b')
			*baseline = 1;
		else
			bad = 1;
	}
	/* The bootstrap, the workspaces and one user with its grant. */
	if (bad || optind != argc || g->n_ws == 0 ||
	    g->n_certs < 3 + g->n_ws + 3 * g->n_ws) {
		(void)fprintf(stderr,
		    "usage: bench-gen-history [--certs N] [--versions M] "
		    "[--workspaces W] [--out FILE] [--baseline]\n"
		    "(N at least 3 + 4 W: a user per workspace)\n");
		return -1;
	}
	return 0;
}

static int
gh_run(struct gh *g)
{
	double t0 = gh_clock();
	int r;

	g->n_users = (g->n_certs - 3 - g->n_ws) / 3;
	if ((g->users = sceau_calloc(g->n_users, sizeof(*g->users))) == NULL ||
	    (g->realms = sceau_calloc(g->n_ws, sizeof(*g->realms))) == NULL ||
	    (g->line = sceau_buf_new()) == NULL ||
	    (g->env = sceau_buf_new()) == NULL ||
	    (g->ident = sceau_buf_new()) == NULL)
		return gh_fail("memory", SCEAU_ERR_ALLOC);
	if (g->out_path != NULL && (g->out = fopen(g->out_path, "w")) == NULL)
		return gh_fail(g->out_path, SCEAU_ERR_SYSTEM);
	if (g->out_path == NULL)
		g->out = stdout;
	r = gh_generate(g);
	if (g->out != stdout && fclose(g->out) != 0 && r == 0)
		r = SCEAU_ERR_SYSTEM;
	if (r != 0)
		return gh_fail("generating the export", r);
	if (g->out_path != NULL)
		(void)printf(
		    "{\"bench\":\"audit-generate\",\"certificates\":%llu,"
		    "\"versions\":%llu,\"workspaces\":%lu,\"bytes\":%llu,"
		    "\"seconds\":%.3f}\n",
		    (unsigned long long)g->written_certs,
		    (unsigned long long)g->written_versions, g->n_ws,
		    (unsigned long long)g->bytes, gh_clock() - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	struct gh g;
	int baseline = 0, r;

	memset(&g, 0, sizeof(g));
	g.n_certs = 10000;
	g.n_versions = 100000;
	g.n_ws = 20;
	if (gh_args(argc, argv, &g, &baseline) != 0)
		return 2;
	r = baseline ? gh_baseline(&g) : gh_run(&g);
	sceau_sign_free(g.root);
	sceau_sign_free(g.admin_dev);
	sceau_buf_free(g.line);
	sceau_buf_free(g.env);
	sceau_buf_free(g.ident);
	sceau_free(g.users);
	sceau_free(g.realms);
	return r;
}
