/*
 * util.c: what several subcommands of sceau-audit share.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "buf.h"
#include "encoding.h"
#include "x509.h"

#define KEY_FILE_MAX 4096

/* KEY: the hex itself, or a file holding it. */
int
audit_key_parse(const char *arg, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN])
{
	struct sceau_buf *b;
	char hex[2 * SCEAU_SIGN_PUBLIC_LEN + 1];
	size_t n;
	int r;

	if (strlen(arg) == 2 * SCEAU_SIGN_PUBLIC_LEN &&
	    sceau_enc_hex_decode_fixed(arg, pk, SCEAU_SIGN_PUBLIC_LEN) == 0)
		return 0;
	if ((b = sceau_buf_new()) == NULL)
		return -1;
	r = sceau_buf_load_file(arg, KEY_FILE_MAX, b);
	n = sceau_buf_len(b);
	while (r == 0 && n > 0 &&
	    strchr(" \t\r\n", sceau_buf_ptr(b)[n - 1]) != NULL)
		n--;
	if (r == 0 && n == sizeof(hex) - 1) {
		memcpy(hex, sceau_buf_ptr(b), n);
		hex[n] = '\0';
		r = sceau_enc_hex_decode_fixed(hex, pk, SCEAU_SIGN_PUBLIC_LEN);
	} else if (r == 0) {
		r = -1;
	}
	sceau_buf_free(b);
	return r;
}

void
audit_time_text(uint64_t us, char out[32])
{
	if (us == 0)
		(void)snprintf(out, 32, "-");
	else
		sceau_x509_time_text((int64_t)(us / 1000000), out);
}

void
audit_json_print(json_t *j)
{
	if (j != NULL)
		(void)json_dumpf(j, stdout, JSON_INDENT(2));
	(void)putchar('\n');
	json_decref(j);
}
