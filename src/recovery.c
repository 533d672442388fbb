/*
 * recovery.c: recovery passphrases (recovery.h, doc/recovery.md).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "hash.h"
#include "random.h"
#include "recovery.h"
#include "secmem.h"

/* Crockford's base32: no I, L, O, U (read as 1, 1, 0; U is refused). */
static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define CHECK_SYMBOLS (SCEAU_RECOVERY_SYMBOLS - SCEAU_RECOVERY_RANDOM_SYMBOLS)
#define CHECK_DOMAIN "sceau-recovery-check-v1"

/*
 * The check symbols of the random ones: the first 20 bits of
 * SHA-256("sceau-recovery-check-v1" NUL || the 26 symbols), 5 bits each.
 */
static int
check_symbols(const char *sym, char out[CHECK_SYMBOLS])
{
	uint8_t in[sizeof(CHECK_DOMAIN) + SCEAU_RECOVERY_RANDOM_SYMBOLS];
	uint8_t h[SCEAU_SHA256_LEN];
	uint32_t v;
	int i, r;

	memcpy(in, CHECK_DOMAIN, sizeof(CHECK_DOMAIN));
	memcpy(in + sizeof(CHECK_DOMAIN), sym, SCEAU_RECOVERY_RANDOM_SYMBOLS);
	if ((r = sceau_hash_sha256(in, sizeof(in), h)) == 0) {
		v = (uint32_t)h[0] << 12 | (uint32_t)h[1] << 4 |
		    (uint32_t)h[2] >> 4;
		for (i = 0; i < CHECK_SYMBOLS; i++)
			out[i] =
			    alphabet[(v >> (5 * (CHECK_SYMBOLS - 1 - i))) & 31];
	}
	sceau_memzero(in, sizeof(in));
	sceau_memzero(h, sizeof(h));
	return r;
}

int
sceau_recovery_passphrase_new(char *out, size_t size)
{
	char sym[SCEAU_RECOVERY_SYMBOLS];
	uint32_t v;
	size_t i, o = 0;
	int r;

	if (out == NULL || size < SCEAU_RECOVERY_GROUPED_LEN + 1)
		return SCEAU_ERR_INVALID_ARGUMENT;
	for (i = 0; i < SCEAU_RECOVERY_RANDOM_SYMBOLS; i++) {
		if ((r = sceau_random_uniform(32, &v)) != 0)
			goto out;
		sym[i] = alphabet[v];
	}
	if ((r = check_symbols(sym, sym + SCEAU_RECOVERY_RANDOM_SYMBOLS)) != 0)
		goto out;
	for (i = 0; i < SCEAU_RECOVERY_SYMBOLS; i++) {
		if (i > 0 && i % SCEAU_RECOVERY_GROUP == 0)
			out[o++] = '-';
		out[o++] = sym[i];
	}
	out[o] = '\0';
out:
	sceau_memzero(sym, sizeof(sym));
	if (r != 0)
		sceau_memzero(out, size);
	return r;
}

/* The symbol c stands for, or 0 (NUL: none; ' ': a separator). */
static char
symbol_of(char c)
{
	if (c == ' ' || c == '\t' || c == '-')
		return ' ';
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		return '0';
	if (c == 'I' || c == 'L')
		return '1';
	if (c == '\0' || strchr(alphabet, c) == NULL)
		return '\0';
	return c;
}

static int
wrong(char out[SCEAU_RECOVERY_SYMBOLS + 1], const char *why)
{
	sceau_memzero(out, SCEAU_RECOVERY_SYMBOLS + 1);
	sceau_message("recovery passphrase: %s", why);
	return SCEAU_ERR_WRONG_PASSWORD;
}

int
sceau_recovery_passphrase_parse(
    const char *in, size_t n, char out[SCEAU_RECOVERY_SYMBOLS + 1])
{
	char check[CHECK_SYMBOLS], s;
	size_t i, k = 0;
	int r;

	memset(out, 0, SCEAU_RECOVERY_SYMBOLS + 1);
	for (i = 0; i < n; i++) {
		if ((s = symbol_of(in[i])) == ' ')
			continue;
		if (s == '\0')
			return wrong(out,
			    "a character is not one of its "
			    "symbols (0-9, A-Z but U)");
		if (k == SCEAU_RECOVERY_SYMBOLS)
			return wrong(out, "more than 30 symbols");
		out[k++] = s;
	}
	if (k != SCEAU_RECOVERY_SYMBOLS)
		return wrong(out, "fewer than 30 symbols");
	if ((r = check_symbols(out, check)) != 0) {
		sceau_memzero(out, SCEAU_RECOVERY_SYMBOLS + 1);
		return r;
	}
	r = sceau_timingsafe_bcmp(
	    check, out + SCEAU_RECOVERY_RANDOM_SYMBOLS, CHECK_SYMBOLS);
	sceau_memzero(check, sizeof(check));
	if (r != 0)
		return wrong(out,
		    "its last group does not check: a symbol "
		    "was written or typed wrong");
	return 0;
}
