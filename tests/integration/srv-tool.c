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

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "secmem.h"
#include "sign.h"
#include "srv-fixture.h"

#define STATE_MAX 1024

static int
tool_write_state(const char *path, const struct srvfx_org *fx)
{
	uint8_t seed[SCEAU_SIGN_SEED_LEN];
	struct sceau_buf *b = sceau_buf_new();
	int r;

	if (b == NULL)
		return SCEAU_ERR_ALLOC;
	sceau_sign_seed(fx->admin.key, seed);
	if ((r = sceau_buf_putf(b, "%s\n%s\n%s\n", fx->org_id,
	         fx->admin.device_id, fx->admin.user_id)) == 0 &&
	    (r = sceau_enc_hex_put(b, seed, sizeof(seed))) == 0 &&
	    (r = sceau_buf_put(b, "\n", 1)) == 0)
		r = sceau_buf_write_file_atomic(path, 0600, b);
	sceau_memzero(seed, sizeof(seed));
	sceau_buf_free(b);
	return r;
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
	    (r = sceau_buf_load_file(bodyfile, 1 << 24, body)) != 0)
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

int
main(int argc, char **argv)
{
	int r;

	if (argc == 5 && strcmp(argv[1], "bootstrap") == 0)
		r = tool_bootstrap(argv[2], argv[3], argv[4]);
	else if ((argc == 5 || argc == 6) && strcmp(argv[1], "sign") == 0)
		r = tool_sign(
		    argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	else {
		(void)fprintf(stderr,
		    "usage: srv-tool bootstrap ORG TOKEN STATE\n"
		    "       srv-tool sign STATE METHOD TARGET [BODYFILE]\n");
		return 2;
	}
	if (r != 0) {
		(void)fprintf(stderr, "srv-tool: %s %s\n", sceau_strerror(r),
		    sceau_last_message());
		return 1;
	}
	return 0;
}
