/*
 * cmd-version.c: "sceau version": what a bug report needs to know.
 */
#include "config.h"

#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "cli.h"
#include "commands.h"
#include "i18n.h"

#ifdef SCEAU_SANITIZERS
#define BUILD_SANITIZERS 1
#else
#define BUILD_SANITIZERS 0
#endif

static int
print_json(struct cli *cli)
{
	json_t *j;

	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "sceau",
	    PACKAGE_VERSION, "openssl", OpenSSL_version(OPENSSL_VERSION),
	    "p11_kit", P11KIT_PKG_VERSION, "sqlite", sqlite3_libversion(),
	    "curl", curl_version(), "jansson", jansson_version_str(), "libxml2",
	    LIBXML_DOTTED_VERSION, "argon2", ARGON2_PKG_VERSION, "sanitizers",
	    BUILD_SANITIZERS);
	if (j == NULL)
		return CLI_EXIT_FAILURE;
	return cli_print_json(cli, j);
}

int
cmd_version(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS};
	int ch;

	while (
	    argc > 0 && (ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "version", "[--json]",
			    _("Shows the versions of sceau and of the "
			      "libraries it runs with.\n"));
			return CLI_EXIT_OK;
		}
		if (!cli_common_option(cli, ch))
			return cli_usage_error(cli, "version", _("bad option"));
	}
	if (cli->json)
		return print_json(cli);
	(void)printf("sceau %s\n", PACKAGE_VERSION);
	(void)printf(
	    "  %-10s %s\n", "OpenSSL", OpenSSL_version(OPENSSL_VERSION));
	(void)printf("  %-10s %s\n", "p11-kit", P11KIT_PKG_VERSION);
	(void)printf("  %-10s %s\n", "SQLite", sqlite3_libversion());
	(void)printf("  %-10s %s\n", "libcurl", curl_version());
	(void)printf("  %-10s %s\n", "jansson", jansson_version_str());
	(void)printf("  %-10s %s\n", "libxml2", LIBXML_DOTTED_VERSION);
	(void)printf("  %-10s %s\n", "Argon2", ARGON2_PKG_VERSION);
	if (BUILD_SANITIZERS)
		(void)printf(_("  built with AddressSanitizer and "
		               "UndefinedBehaviorSanitizer\n"));
	return CLI_EXIT_OK;
}
