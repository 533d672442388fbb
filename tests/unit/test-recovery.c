/*
 * test-recovery.c: recovery passphrases (src/recovery.c): the printed
 * form, a known check (computed independently, in Python, from
 * doc/recovery.md), what typing may change and what it may not, and that
 * every single wrong symbol is caught by the check.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "recovery.h"
#include "testutil.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* 26 symbols and their check, as doc/recovery.md defines it. */
#define KAT "0123456789ABCDEFGHJKMNPQRS00RV"
#define KAT_GROUPED "01234-56789-ABCDE-FGHJK-MNPQR-S00RV"

static int
parse(const char *in, char out[SCEAU_RECOVERY_SYMBOLS + 1])
{
	return sceau_recovery_passphrase_parse(in, strlen(in), out);
}

static void
test_known_answer(void **state)
{
	char out[SCEAU_RECOVERY_SYMBOLS + 1];

	(void)state;
	assert_int_equal(parse(KAT, out), 0);
	assert_string_equal(out, KAT);
	assert_int_equal(parse(KAT_GROUPED, out), 0);
	assert_string_equal(out, KAT);
	/* Case, spaces, tabs and dashes do not matter; O, I, L read as
	 * 0, 1, 1. */
	assert_int_equal(parse("o1234 56789\tabcde-fghjk mnpqr s00rv", out), 0);
	assert_string_equal(out, KAT);
	assert_int_equal(
	    parse(" 0I234-56789-ABCDE-FGHJK-MNPQR-SOORV ", out), 0);
	assert_string_equal(out, KAT);
	assert_int_equal(parse("0L234-56789-ABCDE-FGHJK-MNPQR-S00RV", out), 0);
	assert_string_equal(out, KAT);
}

static void
test_refusals(void **state)
{
	char out[SCEAU_RECOVERY_SYMBOLS + 1];

	(void)state;
	assert_int_equal(parse("", out), SCEAU_ERR_WRONG_PASSWORD);
	assert_string_equal(out, "");
	/* One symbol short, one too many. */
	assert_int_equal(parse("0123456789ABCDEFGHJKMNPQRS00R", out),
	    SCEAU_ERR_WRONG_PASSWORD);
	assert_int_equal(parse(KAT "0", out), SCEAU_ERR_WRONG_PASSWORD);
	assert_string_equal(out, "");
	/* U, punctuation, a NUL, a non-ASCII byte: not symbols. */
	assert_int_equal(parse("U123456789ABCDEFGHJKMNPQRS00RV", out),
	    SCEAU_ERR_WRONG_PASSWORD);
	assert_int_equal(parse("0123456789ABCDEFGHJKMNPQRS00R.", out),
	    SCEAU_ERR_WRONG_PASSWORD);
	assert_int_equal(sceau_recovery_passphrase_parse(KAT, 31, out),
	    SCEAU_ERR_WRONG_PASSWORD);
	assert_int_equal(parse("\xc3\xa9" KAT, out), SCEAU_ERR_WRONG_PASSWORD);
	/* Two symbols swapped. */
	assert_int_equal(parse("1023456789ABCDEFGHJKMNPQRS00RV", out),
	    SCEAU_ERR_WRONG_PASSWORD);
	assert_string_equal(out, "");
}

/* Any one symbol replaced by any other: the check says so. */
static void
test_every_typo(void **state)
{
	char in[SCEAU_RECOVERY_SYMBOLS + 1], out[SCEAU_RECOVERY_SYMBOLS + 1];
	size_t i, j;

	(void)state;
	for (i = 0; i < SCEAU_RECOVERY_SYMBOLS; i++) {
		for (j = 0; j < 32; j++) {
			if (alphabet[j] == KAT[i])
				continue;
			memcpy(in, KAT, sizeof(in));
			in[i] = alphabet[j];
			if (parse(in, out) != SCEAU_ERR_WRONG_PASSWORD)
				fail_msg("symbol %zu as %c not caught", i,
				    alphabet[j]);
		}
	}
}

static void
test_new(void **state)
{
	char a[SCEAU_RECOVERY_GROUPED_LEN + 1], b[sizeof(a)];
	char ca[SCEAU_RECOVERY_SYMBOLS + 1], cb[sizeof(ca)];
	size_t i;

	(void)state;
	assert_int_equal(sceau_recovery_passphrase_new(a, sizeof(a) - 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_recovery_passphrase_new(a, sizeof(a)), 0);
	assert_int_equal(sceau_recovery_passphrase_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), SCEAU_RECOVERY_GROUPED_LEN);
	for (i = 0; i < SCEAU_RECOVERY_GROUPED_LEN; i++) {
		if (i % 6 == 5)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr(alphabet, a[i]));
	}
	assert_int_equal(parse(a, ca), 0);
	assert_int_equal(parse(b, cb), 0);
	assert_string_not_equal(ca, cb);
	for (i = 0; i < SCEAU_RECOVERY_SYMBOLS; i++)
		assert_int_equal(ca[i], a[i + i / 5]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_answer),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_every_typo),
	    cmocka_unit_test(test_new),
	};

	return TU_TAP_MAIN("recovery", tests);
}
