/*
 * srv-tool.c: a minimal device for the server's integration scripts,
 * which drive the real server with curl.
 *
 *   srv-tool bootstrap ORG TOKEN STATE
 *       prints the body of POST /v1/ORG/bootstrap (fresh root key, first
 *       admin and device) and writes the device to the file STATE (0600)
 *   srv-tool sign STATE METHOD TARGET [BODYFILE]
 *       prints the Authorization header value of that request, signed now
 *
 * Certificates, signed by the device of STATE after the chain CERTS (the
 * reply of GET /v1/ORG/certificates, saved to a file), each printed as
 * the body of POST /v1/ORG/certificates:
 *   srv-tool newuser STATE CERTS NEWSTATE PROFILE
 *       a new user (admin, member or external) and its device's keys,
 *       written to NEWSTATE; prints the user certificate
 *   srv-tool newdevice STATE CERTS NEWSTATE
 *       prints the device certificate of NEWSTATE's device
 *   srv-tool realm-create STATE CERTS REALMFILE
 *       a new workspace (its id written to REALMFILE)
 *   srv-tool realm-role STATE CERTS REALM USERSTATE ROLE NKEYS
 *       ROLE (owner, manager, contributor, reader, none) for USERSTATE's
 *       user, with key indices 1..NKEYS
 *
 * Workspace data:
 *   srv-tool vlobs STATE REALM KEYINDEX ID:VERSION[:FIELD=VALUE]...
 *       prints the body of POST .../vlobs: one vlob per argument, by
 *       STATE's device; FIELD (org, realm, vlob, version, author, key)
 *       overrides what the vlob itself claims, "junk" makes it malformed
 *   srv-tool frames FILE ID:SIZE:CHAR...
 *       writes block frames (32 hex id, SIZE bytes of CHAR) to FILE
 *
 * Test code: it writes a device seed to a file, which no real client
 * does.  Exit status 0, or 1 with a message on stderr.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "secmem.h"
#include "sign.h"
#include "srv-fixture.h"

#define STATE_MAX 1024

static int
tool_write_device(
    const char *path, const char *org_id, const struct srvfx_device *d)
{
	uint8_t seed[SCEAU_SIGN_SEED_LEN];
	struct sceau_buf *b = sceau_buf_new();
	int r;

	if (b == NULL)
		return SCEAU_ERR_ALLOC;
	sceau_sign_seed(d->key, seed);
	if ((r = sceau_buf_putf(
	         b, "%s\n%s\n%s\n", org_id, d->device_id, d->user_id)) == 0 &&
	    (r = sceau_enc_hex_put(b, seed, sizeof(seed))) == 0 &&
	    (r = sceau_buf_put(b, "\n", 1)) == 0)
		r = sceau_buf_write_file_atomic(path, 0600, b);
	sceau_memzero(seed, sizeof(seed));
	sceau_buf_free(b);
	return r;
}

static int
tool_write_state(const char *path, const struct srvfx_org *fx)
{
	return tool_write_device(path, fx->org_id, &fx->admin);
}

static int
tool_bootstrap(const char *org, const char *token, const char *state)
{
	struct sceau_buf *body = sceau_buf_new();
	struct srvfx_org fx;
	int r;

	if (body == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = srvfx_new(org, token, &fx, body)) == 0 &&
	    (r = tool_write_state(state, &fx)) == 0) {
		(void)fwrite(
		    sceau_buf_ptr(body), 1, sceau_buf_len(body), stdout);
		(void)putchar('\n');
	}
	srvfx_free(&fx);
	sceau_buf_free(body);
	return r;
}

/* Reads STATE back: organization, device and its key. */
static int
tool_read_state(const char *path, struct srvfx_org *fx)
{
	struct sceau_buf *b = sceau_buf_new();
	uint8_t seed[SCEAU_SIGN_SEED_LEN];
	char *s = NULL, hex[2 * SCEAU_SIGN_SEED_LEN + 1];
	int r = SCEAU_ERR_INVALID_FORMAT;

	memset(fx, 0, sizeof(*fx));
	if (b == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_load_file(path, STATE_MAX, b) != 0 ||
	    (s = sceau_buf_dup_cstring(b)) == NULL)
		goto out;
	if (sscanf(s, "%64s %32s %32s %64s", fx->org_id, fx->admin.device_id,
	        fx->admin.user_id, hex) != 4 ||
	    sceau_enc_hex_decode_fixed(hex, seed, sizeof(seed)) != 0)
		goto out;
	r = sceau_sign_from_seed(seed, &fx->admin.key);
out:
	sceau_memzero(seed, sizeof(seed));
	sceau_memzero(hex, sizeof(hex));
	if (s != NULL)
		sceau_memzero(s, strlen(s));
	sceau_free(s);
	sceau_buf_free(b);
	return r;
}

static int
tool_sign(const char *state, const char *method, const char *target,
    const char *bodyfile)
{
	struct sceau_buf *body = sceau_buf_new(), *auth = sceau_buf_new();
	struct srvfx_org fx;
	int r;

	memset(&fx, 0, sizeof(fx));
	if (body == NULL || auth == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = tool_read_state(state, &fx)) != 0)
		goto out;
	if (bodyfile != NULL &&
	    (r = sceau_buf_load_file(bodyfile, 1 << 27, body)) != 0)
		goto out;
	if ((r = srvfx_sign(&fx, &fx.admin, method, target, sceau_buf_ptr(body),
	         sceau_buf_len(body), 0, auth)) == 0)
		(void)printf("%s\n", (const char *)sceau_buf_ptr(auth));
out:
	srvfx_device_free(&fx.admin);
	sceau_buf_free(body);
	sceau_buf_free(auth);
	return r;
}

/* ------------------------------------------------------ certificates */

/* The chain of CERTS (a GET /v1/ORG/certificates reply) into fx->chain. */
static int
tool_load_chain(const char *certs, struct srvfx_org *fx)
{
	struct sceau_json_limits lim = SCEAU_JSON_LIMITS_DEFAULT;
	struct sceau_buf *b = sceau_buf_new(), *env = sceau_buf_new();
	const json_t *item;
	struct sceau_cert c;
	json_t *j = NULL;
	size_t i;
	int r;

	lim.max_bytes = 64 << 20;
	lim.max_string = 1 << 20;
	if (b == NULL || env == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_buf_load_file(certs, lim.max_bytes, b)) != 0 ||
	    (r = sceau_json_parse_buf(b, &lim, &j)) != 0)
		goto out;
	json_array_foreach(json_object_get(j, "certificates"), i, item)
	{
		sceau_buf_reset(env);
		if ((r = sceau_json_get_b64(item, "certificate", SCEAU_B64_STD,
		         SCEAU_CERT_MAX, env)) != 0)
			goto out;
		if (i == 0 &&
		    ((r = sceau_cert_decode_trusted(
		          sceau_buf_ptr(env), sceau_buf_len(env), &c)) != 0 ||
		        (r = sceau_chain_new(
		             fx->org_id, c.root_verify_key, &fx->chain)) != 0))
			goto out;
		if ((r = sceau_chain_append(fx->chain, sceau_buf_ptr(env),
		         sceau_buf_len(env),
		         (uint64_t)json_integer_value(
		             json_object_get(item, "server_time")),
		         &c)) != 0)
			goto out;
		fx->ts = SCEAU_MAX(fx->ts, c.timestamp);
	}
	r = fx->chain != NULL ? 0 : SCEAU_ERR_INVALID_FORMAT;
out:
	json_decref(j);
	sceau_buf_free(b);
	sceau_buf_free(env);
	return r;
}

/* Prints body (and a newline). */
static void
tool_print(const struct sceau_buf *body)
{
	(void)fwrite(sceau_buf_ptr(body), 1, sceau_buf_len(body), stdout);
	(void)putchar('\n');
}

/* The device of path (a state file) into d. */
static int
tool_read_device(const char *path, struct srvfx_device *d)
{
	struct srvfx_org other;
	int r;

	if ((r = tool_read_state(path, &other)) == 0)
		*d = other.admin;
	return r;
}

static int
tool_cert(int argc, char **argv)
{
	struct sceau_buf *body = sceau_buf_new();
	struct srvfx_device d;
	struct srvfx_org fx;
	char realm[SCEAU_ID_LEN + 1] = "";
	enum sceau_profile p;
	int r;

	memset(&d, 0, sizeof(d));
	if (body == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = tool_read_state(argv[2], &fx)) != 0 ||
	    (r = tool_load_chain(argv[3], &fx)) != 0)
		goto out;
	if (strcmp(argv[1], "newuser") == 0 && argc == 6) {
		p = strcmp(argv[5], "admin") == 0    ? SCEAU_PROFILE_ADMIN
		    : strcmp(argv[5], "member") == 0 ? SCEAU_PROFILE_MEMBER
		                                     : SCEAU_PROFILE_EXTERNAL;
		if ((r = srvfx_new_user(&fx, &fx.admin, p, &d, body)) == 0)
			r = tool_write_device(argv[4], fx.org_id, &d);
	} else if (strcmp(argv[1], "newdevice") == 0 && argc == 5) {
		if ((r = tool_read_device(argv[4], &d)) == 0)
			r = srvfx_new_device(&fx, &fx.admin, &d, body);
	} else if (strcmp(argv[1], "realm-create") == 0 && argc == 5) {
		if ((r = srvfx_realm_create(&fx, &fx.admin, realm, body)) ==
		    0) {
			struct sceau_buf *id =
			    sceau_buf_from(realm, strlen(realm));

			r = id != NULL
			    ? sceau_buf_write_file_atomic(argv[4], 0600, id)
			    : SCEAU_ERR_ALLOC;
			sceau_buf_free(id);
		}
	} else if (strcmp(argv[1], "realm-role") == 0 && argc == 8) {
		if ((r = tool_read_device(argv[5], &d)) == 0)
			r = srvfx_realm_role(&fx, &fx.admin, argv[4], d.user_id,
			    sceau_role_from_name(argv[6]),
			    (uint32_t)strtoul(argv[7], NULL, 10), body);
	} else {
		r = SCEAU_ERR_INVALID_ARGUMENT;
	}
	if (r == 0)
		tool_print(body);
out:
	srvfx_device_free(&d);
	srvfx_free(&fx);
	sceau_buf_free(body);
	return r;
}

/* ------------------------------------------------------------ vlobs */

/* "FIELD=VALUE" applied to what the vlob claims; *junk for "junk". */
static int
tool_override(struct sceau_vlob_header *h, const char *o, int *junk)
{
	const char *v = strchr(o, '=');

	if (strcmp(o, "junk") == 0) {
		*junk = 1;
		return 0;
	}
	if (v == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	v++;
	if (strncmp(o, "org=", 4) == 0)
		(void)snprintf(h->org_id, sizeof(h->org_id), "%s", v);
	else if (strncmp(o, "realm=", 6) == 0)
		(void)snprintf(h->realm_id, sizeof(h->realm_id), "%s", v);
	else if (strncmp(o, "vlob=", 5) == 0)
		(void)snprintf(h->vlob_id, sizeof(h->vlob_id), "%s", v);
	else if (strncmp(o, "author=", 7) == 0)
		(void)snprintf(h->author, sizeof(h->author), "%s", v);
	else if (strncmp(o, "version=", 8) == 0)
		h->version = strtoull(v, NULL, 10);
	else if (strncmp(o, "key=", 4) == 0)
		h->key_index = (uint32_t)strtoul(v, NULL, 10);
	else
		return SCEAU_ERR_INVALID_ARGUMENT;
	return 0;
}

/* One "ID:VERSION[:FIELD=VALUE]..." item of the body. */
static int
tool_vlob_item(const struct srvfx_org *fx, const char *realm, uint32_t key,
    char *arg, int first, struct sceau_buf *body)
{
	struct sceau_buf *blob = sceau_buf_new();
	struct sceau_vlob_header h;
	char *id = arg, *ver, *o, *next;
	int r = 0, junk = 0;

	if (blob == NULL || (ver = strchr(arg, ':')) == NULL) {
		sceau_buf_free(blob);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	*ver++ = '\0';
	srvfx_vlob_header(
	    fx, &fx->admin, realm, id, strtoull(ver, NULL, 10), key, &h);
	for (o = strchr(ver, ':'); o != NULL && r == 0; o = next) {
		*o++ = '\0';
		if ((next = strchr(o, ':')) != NULL)
			*next = '\0';
		r = tool_override(&h, o, &junk);
		if (next != NULL)
			*next = ':';
	}
	if (r == 0 && (r = srvfx_vlob(&fx->admin, &h, blob)) == 0 && junk)
		(void)sceau_buf_consume_end(blob, 7);
	if (r == 0)
		r = sceau_buf_putf(body,
		    "%s{\"vlob_id\":\"%s\",\"version\":%s,\"blob\":\"",
		    first ? "" : ",", id, ver);
	if (r == 0)
		r = sceau_enc_b64_put(body, sceau_buf_ptr(blob),
		    sceau_buf_len(blob), SCEAU_B64_STD);
	if (r == 0)
		r = sceau_buf_putf(body, "\"}");
	sceau_buf_free(blob);
	return r;
}

static int
tool_vlobs(int argc, char **argv)
{
	struct sceau_buf *body = sceau_buf_new();
	struct srvfx_org fx;
	uint32_t key = (uint32_t)strtoul(argv[4], NULL, 10);
	int r, i;

	if (body == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = tool_read_state(argv[2], &fx)) == 0 &&
	    (r = sceau_buf_putf(body, "{\"vlobs\":[")) == 0) {
		for (i = 5; i < argc && r == 0; i++)
			r = tool_vlob_item(
			    &fx, argv[3], key, argv[i], i == 5, body);
	}
	if (r == 0 && (r = sceau_buf_putf(body, "]}")) == 0)
		tool_print(body);
	srvfx_free(&fx);
	sceau_buf_free(body);
	return r;
}

/* ------------------------------------------------------------ frames */

static int
tool_frame(const char *arg, struct sceau_buf *out)
{
	char hex[2 * SCEAU_BLOCK_ID_LEN + 1];
	uint8_t id[SCEAU_BLOCK_ID_LEN], *p;
	unsigned long size;
	char c;
	int r;

	if (sscanf(arg, "%32[0-9a-f]:%lu:%c", hex, &size, &c) != 3 ||
	    sceau_enc_hex_decode_fixed(hex, id, sizeof(id)) != 0 ||
	    size > 64UL << 20)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put(out, id, sizeof(id))) != 0 ||
	    (r = sceau_buf_put_u32(out, (uint32_t)size)) != 0)
		return r;
	if (size == 0)
		return 0;
	if ((r = sceau_buf_reserve(out, size, &p)) != 0)
		return r;
	memset(p, c, size);
	return 0;
}

static int
tool_frames(int argc, char **argv)
{
	struct sceau_buf *out = sceau_buf_new();
	int r = 0, i;

	if (out == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 3; i < argc && r == 0; i++)
		r = tool_frame(argv[i], out);
	if (r == 0)
		r = sceau_buf_write_file_atomic(argv[2], 0600, out);
	sceau_buf_free(out);
	return r;
}

static int
tool_usage(void)
{
	(void)fprintf(stderr,
	    "usage: srv-tool bootstrap ORG TOKEN STATE\n"
	    "       srv-tool sign STATE METHOD TARGET [BODYFILE]\n"
	    "       srv-tool newuser STATE CERTS NEWSTATE PROFILE\n"
	    "       srv-tool newdevice STATE CERTS NEWSTATE\n"
	    "       srv-tool realm-create STATE CERTS REALMFILE\n"
	    "       srv-tool realm-role STATE CERTS REALM USERSTATE ROLE "
	    "NKEYS\n"
	    "       srv-tool vlobs STATE REALM KEYINDEX "
	    "ID:VERSION[:FIELD=VALUE]...\n"
	    "       srv-tool frames FILE ID:SIZE:CHAR...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	int r;

	if (argc < 2)
		return tool_usage();
	if (argc == 5 && strcmp(argv[1], "bootstrap") == 0)
		r = tool_bootstrap(argv[2], argv[3], argv[4]);
	else if ((argc == 5 || argc == 6) && strcmp(argv[1], "sign") == 0)
		r = tool_sign(
		    argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	else if (argc >= 5 &&
	    (strcmp(argv[1], "newuser") == 0 ||
	        strcmp(argv[1], "newdevice") == 0 ||
	        strncmp(argv[1], "realm-", 6) == 0))
		r = tool_cert(argc, argv);
	else if (argc >= 6 && strcmp(argv[1], "vlobs") == 0)
		r = tool_vlobs(argc, argv);
	else if (argc >= 4 && strcmp(argv[1], "frames") == 0)
		r = tool_frames(argc, argv);
	else
		return tool_usage();
	if (r != 0) {
		(void)fprintf(stderr, "srv-tool: %s %s\n", sceau_strerror(r),
		    sceau_last_message());
		return 1;
	}
	return 0;
}
