/*
 * outsider.c: sceau-test-outsider, a test tool: what a former member
 * could still read with the keys it kept.  It unlocks a copy of that
 * member's device (its key file, by the keyring), then, with its user's
 * encryption key only, tries to open every workspace key sealed in the
 * certificates given (as the server stores them) and to decrypt every
 * vlob given with the keys it opened.  No server is asked: the device
 * is revoked, and the point is what its keys alone can do.
 *
 *   sceau-test-outsider --home DIR --realm ID --certs FILE [--vlobs FILE]
 *
 * certs: one certificate envelope a line, in hex; vlobs: one vlob blob a
 * line, in hex.  Prints, for each workspace key certificate and each
 * first share of keys to this user:
 *   key N sealed-to-me yes|no opened yes|no
 * and for each vlob:
 *   vlob ID VERSION key N read yes|no
 * where "read" means that one of the keys opened decrypts it (each is
 * tried, whatever index the vlob names).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "buf.h"
#include "cert.h"
#include "client.h"
#include "encoding.h"
#include "errors.h"
#include "log.h"
#include "manifest.h"

#define KEYS_MAX 64
#define LINE_MAX_BYTES (4 * 1024 * 1024)

static const char sealed_domain[] = "sceau-realm-key-v1";

struct outsider {
	const struct sceau_keyfile_info *info;
	const struct sceau_boxkey *uk;
	const char *realm;
	uint8_t keys[KEYS_MAX][32];
	uint32_t key_index[KEYS_MAX];
	size_t nkeys;
};

/* doc/workspaces.md: the associated data of a sealed workspace key. */
static int
sealed_aad(const struct outsider *o, uint32_t index, struct sceau_buf *b)
{
	const char *org = o->info->org_id, *user = o->info->user_id;
	int r;

	if ((r = sceau_buf_put(b, sealed_domain, sizeof(sealed_domain))) != 0 ||
	    (r = sceau_buf_put(b, org, strlen(org) + 1)) != 0 ||
	    (r = sceau_buf_put(b, o->realm, strlen(o->realm) + 1)) != 0 ||
	    (r = sceau_buf_put_u32(b, index)) != 0 ||
	    (r = sceau_buf_put(b, user, strlen(user))) != 0)
		return r;
	return 0;
}

/* Tries this user's key on one sealed entry; 1 if it opened. */
static int
try_open(struct outsider *o, uint32_t index, const struct sceau_cert_key *k)
{
	struct sceau_buf *aad = sceau_buf_new(), *out = sceau_buf_new();
	int opened = 0;

	if (aad != NULL && out != NULL && sealed_aad(o, index, aad) == 0 &&
	    sceau_box_open(o->uk, sceau_buf_ptr(aad), sceau_buf_len(aad),
	        k->sealed, k->sealed_len, out) == 0 &&
	    sceau_buf_len(out) == 32 && o->nkeys < KEYS_MAX) {
		memcpy(o->keys[o->nkeys], sceau_buf_ptr(out), 32);
		o->key_index[o->nkeys++] = index;
		opened = 1;
	}
	sceau_buf_free(aad);
	sceau_buf_free(out);
	return opened;
}

static void
one_cert(struct outsider *o, const struct sceau_cert *cert)
{
	struct sceau_cert_key k;
	size_t pos = 0;
	int mine = 0, opened = 0;

	if (strcmp(cert->realm_id, o->realm) != 0)
		return;
	if (cert->kind == SCEAU_CERT_REALM_ROLE) {
		/* A first share: every key so far, each with its index. */
		if (strcmp(cert->user_id, o->info->user_id) != 0)
			return;
		while (sceau_cert_keys_next(cert, &pos, &k) == 1)
			(void)printf("key %u sealed-to-me yes opened %s\n",
			    k.key_index,
			    try_open(o, k.key_index, &k) ? "yes" : "no");
		return;
	}
	if (cert->kind != SCEAU_CERT_REALM_KEY)
		return;
	/* Every entry is tried, whoever it names. */
	while (sceau_cert_keys_next(cert, &pos, &k) == 1) {
		mine |= strcmp(k.user_id, o->info->user_id) == 0;
		opened |= try_open(o, cert->key_index, &k);
	}
	(void)printf("key %u sealed-to-me %s opened %s\n", cert->key_index,
	    mine ? "yes" : "no", opened ? "yes" : "no");
}

static void
one_vlob(struct outsider *o, const uint8_t *blob, size_t n)
{
	struct sceau_vlob_header h;
	struct sceau_buf *out;
	size_t i;
	int read = 0;

	if (sceau_vlob_parse(blob, n, &h) != 0 ||
	    strcmp(h.realm_id, o->realm) != 0)
		return;
	for (i = 0; i < o->nkeys && !read; i++) {
		if ((out = sceau_buf_new()) == NULL)
			break;
		read =
		    sceau_vlob_open_verified(blob, n, o->keys[i], &h, out) == 0;
		sceau_buf_free(out);
	}
	(void)printf("vlob %s %llu key %u read %s\n", h.vlob_id,
	    (unsigned long long)h.version, h.key_index, read ? "yes" : "no");
}

/* Calls each(o, bytes) for every hex line of path. */
static int
each_line(struct outsider *o, const char *path,
    void (*each)(struct outsider *, const uint8_t *, size_t))
{
	struct sceau_buf *b;
	char *line;
	size_t len;
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "r")) == NULL)
		return SCEAU_ERR_NOT_FOUND;
	if ((line = malloc(LINE_MAX_BYTES)) == NULL ||
	    (b = sceau_buf_new()) == NULL) {
		free(line);
		(void)fclose(f);
		return SCEAU_ERR_ALLOC;
	}
	while (r == 0 && fgets(line, LINE_MAX_BYTES, f) != NULL) {
		len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		sceau_buf_reset(b);
		if ((r = sceau_enc_hex_decode(line, len, b)) == 0)
			each(o, sceau_buf_ptr(b), sceau_buf_len(b));
	}
	sceau_buf_free(b);
	free(line);
	(void)fclose(f);
	return r;
}

static void
each_cert(struct outsider *o, const uint8_t *env, size_t n)
{
	struct sceau_cert cert;

	if (sceau_cert_decode_trusted(env, n, &cert) == 0)
		one_cert(o, &cert);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"home", required_argument, NULL, 'h'},
	    {"realm", required_argument, NULL, 'r'},
	    {"certs", required_argument, NULL, 'c'},
	    {"vlobs", required_argument, NULL, 'v'}, {NULL, 0, NULL, 0}};
	const char *home = NULL, *certs = NULL, *vlobs = NULL;
	struct sceau_keyfile_auth auth;
	struct sceau_client_opts co;
	struct sceau_client *c = NULL;
	struct outsider o;
	int ch, r;

	memset(&o, 0, sizeof(o));
	sceau_log_init("sceau-test-outsider", SCEAU_LOG_WARNING);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			home = optarg;
			break;
		case 'r':
			o.realm = optarg;
			break;
		case 'c':
			certs = optarg;
			break;
		case 'v':
			vlobs = optarg;
			break;
		default:
			return 2;
		}
	}
	if (home == NULL || o.realm == NULL || certs == NULL) {
		(void)fprintf(stderr,
		    "usage: sceau-test-outsider --home DIR "
		    "--realm ID --certs FILE [--vlobs FILE]\n");
		return 2;
	}
	memset(&auth, 0, sizeof(auth));
	memset(&co, 0, sizeof(co));
	auth.kind = SCEAU_KEYFILE_KEYRING;
	if (setenv("SCEAU_HOME", home, 1) != 0 ||
	    (r = sceau_client_open(NULL, NULL, &auth, &co, &c)) != 0) {
		(void)fprintf(stderr, "opening the device failed\n");
		return 1;
	}
	o.info = sceau_client_info(c);
	o.uk = sceau_client_keys(c)->user_key;
	if (o.uk == NULL)
		r = SCEAU_ERR_NOT_SUPPORTED; /* a card holds the user's key */
	else if ((r = each_line(&o, certs, each_cert)) == 0 && vlobs != NULL)
		r = each_line(&o, vlobs, one_vlob);
	memset(o.keys, 0, sizeof(o.keys));
	sceau_client_close(c);
	if (r != 0)
		(void)fprintf(
		    stderr, "sceau-test-outsider: %s\n", sceau_strerror(r));
	return r == 0 ? 0 : 1;
}
