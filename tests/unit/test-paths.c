/*
 * test-paths.c: the data directory, its checks, the device layout and
 * device selection (src/paths.c).  Every test works in its own temporary
 * directory through $SCEAU_HOME, $XDG_DATA_HOME and $HOME.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "errors.h"
#include "paths.h"
#include "testutil.h"

#define ORG1 "acme"
#define ORG2 "beta"
#define DEV1 "0123456789abcdef0123456789abcdef"
#define DEV2 "fedcba9876543210fedcba9876543210"
#define DEV3 "00000000000000000000000000000001"

struct fixture {
	char dir[64];
	char home[128];
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	memcpy(f->dir, "/tmp/sceau-test-paths.XXXXXX", 29);
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->home, sizeof(f->home), "%s/data", f->dir);
	(void)unsetenv("XDG_DATA_HOME");
	if (setenv("SCEAU_HOME", f->home, 1) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	(void)chmod(f->dir, 0700);
	(void)nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void
test_data_dir_env(void **state)
{
	struct fixture *f = *state;
	char dir[SCEAU_PATHS_MAX], want[256];
	struct stat st;

	/* $SCEAU_HOME, created 0700 with its parents; trailing '/' dropped. */
	(void)snprintf(want, sizeof(want), "%s/a/b/", f->dir);
	assert_int_equal(setenv("SCEAU_HOME", want, 1), 0);
	assert_int_equal(sceau_paths_data_dir(dir), 0);
	want[strlen(want) - 1] = '\0';
	assert_string_equal(dir, want);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Relative $SCEAU_HOME: refused. */
	assert_int_equal(setenv("SCEAU_HOME", "rel/dir", 1), 0);
	assert_int_equal(sceau_paths_data_dir(dir), SCEAU_ERR_CONFIG);
	assert_string_equal(dir, "");
	/* $XDG_DATA_HOME/sceau, if absolute. */
	assert_int_equal(unsetenv("SCEAU_HOME"), 0);
	(void)snprintf(want, sizeof(want), "%s/xdg", f->dir);
	assert_int_equal(setenv("XDG_DATA_HOME", want, 1), 0);
	assert_int_equal(sceau_paths_data_dir(dir), 0);
	(void)snprintf(want, sizeof(want), "%s/xdg/sceau", f->dir);
	assert_string_equal(dir, want);
	/* Relative $XDG_DATA_HOME is ignored (XDG): $HOME is used. */
	assert_int_equal(setenv("XDG_DATA_HOME", "xdg", 1), 0);
	assert_int_equal(setenv("SCEAU_HOME", "", 1), 0);
	(void)snprintf(want, sizeof(want), "%s/home", f->dir);
	assert_int_equal(setenv("HOME", want, 1), 0);
	assert_int_equal(sceau_paths_data_dir(dir), 0);
	(void)snprintf(
	    want, sizeof(want), "%s/home/.local/share/sceau", f->dir);
	assert_string_equal(dir, want);
	(void)unsetenv("XDG_DATA_HOME");
}

static void
test_data_dir_insecure(void **state)
{
	struct fixture *f = *state;
	char dir[SCEAU_PATHS_MAX], file[256];
	FILE *fp;

	assert_int_equal(sceau_paths_data_dir(dir), 0);
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(sceau_paths_data_dir(dir), SCEAU_ERR_INSECURE_FILE);
	assert_non_null(strstr(sceau_last_message(), "writable"));
	assert_int_equal(chmod(f->home, 0702), 0);
	assert_int_equal(sceau_paths_data_dir(dir), SCEAU_ERR_INSECURE_FILE);
	/* Readable by others is the user's choice; writable is not. */
	assert_int_equal(chmod(f->home, 0755), 0);
	assert_int_equal(sceau_paths_data_dir(dir), 0);
	/* Owned by someone else. */
	if (geteuid() == 0) {
		assert_int_equal(chown(f->home, 12345, 12345), 0);
		assert_int_equal(
		    sceau_paths_data_dir(dir), SCEAU_ERR_INSECURE_FILE);
		assert_non_null(strstr(sceau_last_message(), "owned by"));
		assert_int_equal(chown(f->home, 0, 0), 0);
	} else {
		assert_int_equal(setenv("SCEAU_HOME", "/", 1), 0);
		assert_int_equal(
		    sceau_paths_data_dir(dir), SCEAU_ERR_INSECURE_FILE);
		assert_int_equal(setenv("SCEAU_HOME", f->home, 1), 0);
	}
	/* Not a directory. */
	(void)snprintf(file, sizeof(file), "%s/file", f->dir);
	assert_non_null(fp = fopen(file, "w"));
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(setenv("SCEAU_HOME", file, 1), 0);
	assert_int_equal(sceau_paths_data_dir(dir), SCEAU_ERR_INSECURE_FILE);
	assert_int_equal(setenv("SCEAU_HOME", f->home, 1), 0);
}

static void
make_device(const char *org, const char *dev)
{
	char path[SCEAU_PATHS_MAX];
	FILE *fp;

	assert_int_equal(
	    sceau_paths_device_file(org, dev, SCEAU_PATHS_KEY_FILE, 1, path),
	    0);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fclose(fp), 0);
}

static void
test_layout(void **state)
{
	struct fixture *f = *state;
	char path[SCEAU_PATHS_MAX], want[256], link[256];
	struct stat st;

	assert_int_equal(
	    sceau_paths_device_dir(ORG1, DEV1, 0, path), SCEAU_ERR_NO_DEVICE);
	assert_int_equal(sceau_paths_device_dir(ORG1, DEV1, 1, path), 0);
	(void)snprintf(
	    want, sizeof(want), "%s/devices/%s/%s", f->home, ORG1, DEV1);
	assert_string_equal(path, want);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(sceau_paths_device_dir(ORG1, DEV1, 0, path), 0);
	assert_int_equal(sceau_paths_device_file(
	                     ORG1, DEV1, SCEAU_PATHS_STORE_FILE, 0, path),
	    0);
	(void)snprintf(want, sizeof(want), "%s/devices/%s/%s/store.db", f->home,
	    ORG1, DEV1);
	assert_string_equal(path, want);
	assert_int_equal(sceau_paths_device_file(ORG1, DEV1, "../x", 0, path),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_paths_device_dir("a/b", DEV1, 1, path),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_paths_device_dir(ORG1, "..", 1, path),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_paths_device_dir(ORG1, "ABCDEF", 1, path),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_paths_device_dir(NULL, DEV1, 1, path),
	    SCEAU_ERR_INVALID_ARGUMENT);
	/* A group-writable device directory is refused. */
	(void)snprintf(
	    want, sizeof(want), "%s/devices/%s/%s", f->home, ORG1, DEV1);
	assert_int_equal(chmod(want, 0770), 0);
	assert_int_equal(sceau_paths_device_dir(ORG1, DEV1, 0, path),
	    SCEAU_ERR_INSECURE_FILE);
	assert_int_equal(chmod(want, 0700), 0);
	/* A symbolic link in the layout is refused, even to a good place. */
	(void)snprintf(link, sizeof(link), "%s/devices/%s", f->home, ORG2);
	(void)snprintf(want, sizeof(want), "%s/devices/%s", f->home, ORG1);
	assert_int_equal(symlink(want, link), 0);
	assert_int_equal(sceau_paths_device_dir(ORG2, DEV1, 0, path),
	    SCEAU_ERR_INSECURE_FILE);
	assert_int_equal(unlink(link), 0);
}

static void
test_list_and_find(void **state)
{
	struct fixture *f = *state;
	struct sceau_paths_device *list, d;
	char path[SCEAU_PATHS_MAX], junk[256];
	size_t n;

	(void)f;
	assert_int_equal(sceau_paths_list_devices(&list, &n), 0);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_int_equal(
	    sceau_paths_find_device(NULL, NULL, &d), SCEAU_ERR_NO_DEVICE);
	make_device(ORG2, DEV1);
	make_device(ORG1, DEV2);
	make_device(ORG1, DEV1);
	/* Not devices: no key file; bad names. */
	assert_int_equal(sceau_paths_device_dir(ORG1, DEV3, 1, path), 0);
	(void)snprintf(
	    junk, sizeof(junk), "%s/devices/%s/not-an-id", f->home, ORG1);
	assert_int_equal(mkdir(junk, 0700), 0);
	(void)snprintf(junk, sizeof(junk), "%s/devices/bad.org", f->home);
	assert_int_equal(mkdir(junk, 0700), 0);
	assert_int_equal(sceau_paths_list_devices(&list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].org_id, ORG1);
	assert_string_equal(list[0].device_id, DEV1);
	assert_string_equal(list[1].org_id, ORG1);
	assert_string_equal(list[1].device_id, DEV2);
	assert_string_equal(list[2].org_id, ORG2);
	assert_string_equal(list[2].device_id, DEV1);
	sceau_free(list);

	assert_int_equal(sceau_paths_find_device(NULL, NULL, &d),
	    SCEAU_ERR_AMBIGUOUS_DEVICE);
	assert_int_equal(sceau_paths_find_device(ORG1, NULL, &d),
	    SCEAU_ERR_AMBIGUOUS_DEVICE);
	assert_int_equal(sceau_paths_find_device(NULL, DEV1, &d),
	    SCEAU_ERR_AMBIGUOUS_DEVICE);
	assert_int_equal(sceau_paths_find_device(ORG2, NULL, &d), 0);
	assert_string_equal(d.device_id, DEV1);
	assert_int_equal(sceau_paths_find_device(NULL, DEV2, &d), 0);
	assert_string_equal(d.org_id, ORG1);
	assert_int_equal(sceau_paths_find_device(ORG1, DEV1, &d), 0);
	assert_int_equal(
	    sceau_paths_find_device(ORG2, DEV2, &d), SCEAU_ERR_NO_DEVICE);
	assert_int_equal(
	    sceau_paths_find_device("nope", NULL, &d), SCEAU_ERR_NO_DEVICE);
	assert_non_null(strstr(sceau_last_message(), "nope"));
	assert_string_equal(d.org_id, "");
}

static int
torture_list(void *arg)
{
	struct sceau_paths_device *list;
	size_t n;
	int r;

	(void)arg;
	if ((r = sceau_paths_list_devices(&list, &n)) == 0) {
		assert_int_equal(n, 2);
		sceau_free(list);
	}
	return r;
}

static void
test_alloc_torture(void **state)
{
	(void)state;
	make_device(ORG1, DEV1);
	make_device(ORG2, DEV2);
	(void)tu_alloc_torture(torture_list, NULL, 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_data_dir_env, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_data_dir_insecure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_list_and_find, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_alloc_torture, setup, teardown),
	};

	return TU_TAP_MAIN("paths", tests);
}
