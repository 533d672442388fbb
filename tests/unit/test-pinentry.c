/*
 * test-pinentry.c: PINs from a pinentry program (pkcs11/pinentry.c),
 * against a fake pinentry written in sh: escapes both ways, comments and
 * status lines, cancel, empty and long PINs, a missing program, a program
 * that hangs up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "pinentry.h"
#include "secmem.h"
#include "testutil.h"

/* Answers as $FAKE_MODE says; records SETDESC's argument in $FAKE_DESC. */
static const char fake[] =
    "#!/bin/sh\n"
    "[ \"$FAKE_MODE\" = mute ] && exit 0\n"
    "echo '# a comment'\n"
    "echo 'OK Pleased to meet you'\n"
    "while read -r cmd rest; do\n"
    "  case $cmd in\n"
    "  SETDESC) printf '%s' \"$rest\" >\"$FAKE_DESC\"; echo OK ;;\n"
    "  GETPIN)\n"
    "    case $FAKE_MODE in\n"
    "    good) echo 'S PROGRESS x'; echo 'D 12%2534%0A56'; echo OK ;;\n"
    "    split) echo 'D 12'; echo 'D 34'; echo OK ;;\n"
    "    cancel) echo 'ERR 83886179 Operation cancelled <Pinentry>' ;;\n"
    "    empty) echo OK ;;\n"
    "    long) echo \"D $(printf '%0300d' 7)\"; echo OK ;;\n"
    "    badescape) echo 'D 12%g4'; echo OK ;;\n"
    "    hangup) exit 0 ;;\n"
    "    esac ;;\n"
    "  BYE) echo 'OK closing connection'; exit 0 ;;\n"
    "  *) echo OK ;;\n"
    "  esac\n"
    "done\n";

static char dir[64], prog[128], descfile[128];

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	(void)snprintf(dir, sizeof(dir), "/tmp/sceau-pinentry.XXXXXX");
	assert_non_null(mkdtemp(dir));
	(void)snprintf(prog, sizeof(prog), "%s/fake-pinentry", dir);
	(void)snprintf(descfile, sizeof(descfile), "%s/desc", dir);
	assert_non_null(f = fopen(prog, "w"));
	assert_int_equal(fputs(fake, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(prog, 0700), 0);
	assert_int_equal(setenv("FAKE_DESC", descfile, 1), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs the fake in mode; the PIN lands in locked memory. */
static int
ask(const char *mode, const char *desc, char *pin, size_t max, size_t *len)
{
	assert_int_equal(setenv("FAKE_MODE", mode, 1), 0);
	return sceau_pinentry_getpin(prog, desc, "PIN:", pin, max, len);
}

static void
test_pinentry_good(void **state)
{
	struct sceau_buf *d;
	size_t len = 99;
	char *pin;

	(void)state;
	assert_non_null(pin = sceau_secmem_alloc(257));
	assert_int_equal(
	    ask("good", "PIN of \"alice\": 100% sure\nline 2", pin, 257, &len),
	    0);
	assert_int_equal(len, 8);
	assert_memory_equal(pin, "12%34\n56", 9);
	/* The description went out escaped: %, CR and LF. */
	assert_non_null(d = sceau_buf_new());
	assert_int_equal(sceau_buf_load_file(descfile, 1024, d), 0);
	assert_int_equal(sceau_buf_len(d),
	    strlen("PIN of \"alice\": 100%25 "
	           "sure%0Aline 2"));
	assert_memory_equal(sceau_buf_ptr(d),
	    "PIN of \"alice\": 100%25 sure%0Aline 2", sceau_buf_len(d));
	sceau_buf_free(d);
	/* Several D lines join. */
	assert_int_equal(ask("split", NULL, pin, 257, &len), 0);
	assert_int_equal(len, 4);
	assert_string_equal(pin, "1234");
	sceau_secmem_free(pin);
}

static void
test_pinentry_refused(void **state)
{
	static const struct {
		const char *mode;
		int want;
	} cases[] = {
	    {"cancel", SCEAU_ERR_PINENTRY},
	    {"empty", SCEAU_ERR_PINENTRY},
	    {"long", SCEAU_ERR_LIMIT_EXCEEDED},
	    {"badescape", SCEAU_ERR_PINENTRY},
	    {"hangup", SCEAU_ERR_PINENTRY},
	    {"mute", SCEAU_ERR_PINENTRY},
	};
	size_t i, len, k;
	char pin[257];

	(void)state;
	for (i = 0; i < SCEAU_NELEM(cases); i++) {
		memset(pin, 'x', sizeof(pin));
		len = 99;
		assert_int_equal(
		    ask(cases[i].mode, "d", pin, sizeof(pin), &len),
		    cases[i].want);
		assert_int_equal(len, 0);
		/* Nothing of a partial PIN is left behind. */
		for (k = 0; k < sizeof(pin); k++)
			assert_int_equal(pin[k], 0);
	}
	assert_int_equal(
	    ask("cancel", "d", pin, sizeof(pin), &len), SCEAU_ERR_PINENTRY);
	assert_non_null(strstr(sceau_last_message(), "cancelled"));
	/* A PIN of exactly pinmax - 1 characters fits; one more does not. */
	assert_int_equal(ask("good", "d", pin, 9, &len), 0);
	assert_int_equal(
	    ask("good", "d", pin, 8, &len), SCEAU_ERR_LIMIT_EXCEEDED);
	assert_int_equal(sceau_pinentry_getpin("/no/such/pinentry", "d", NULL,
	                     pin, sizeof(pin), &len),
	    SCEAU_ERR_PINENTRY);
	assert_int_equal(sceau_pinentry_getpin("no-such-pinentry-here", "d",
	                     NULL, pin, sizeof(pin), &len),
	    SCEAU_ERR_PINENTRY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_pinentry_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pinentry_refused, setup, teardown),
	};

	return TU_TAP_MAIN("pinentry", tests);
}
