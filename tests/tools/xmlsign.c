/*
 * xmlsign.c: sceau-test-xmlsign, a test tool: signs an XML file with
 * audit_xmldsig_sign() (src/audit/xmldsig.c), as the report writer of
 * sceau-audit will, for tests/integration/audit-report-sig.sh.
 *
 *   sceau-test-xmlsign IN.xml OUT.xml --key KEY.pem --cert CERT.pem
 *       [--pass PASSPHRASE]
 *
 * Exits 0 with the signed document in OUT.xml, 1 when signing fails (the
 * reason on standard error), 2 on a usage error.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "log.h"
#include "xmldsig.h"

#define PROG "sceau-test-xmlsign"

static int
usage(void)
{
	(void)fprintf(stderr,
	    "Usage: %s IN.xml OUT.xml --key KEY.pem --cert CERT.pem "
	    "[--pass PASSPHRASE]\n",
	    PROG);
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"cert", required_argument, NULL, 'c'},
	    {"pass", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *key = NULL, *cert = NULL, *pass = NULL;
	xmlDocPtr doc;
	int ch, r = 1;

	sceau_log_init(PROG, SCEAU_LOG_WARNING);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'k')
			key = optarg;
		else if (ch == 'c')
			cert = optarg;
		else if (ch == 'p')
			pass = optarg;
		else
			return usage();
	}
	if (optind != argc - 2 || key == NULL || cert == NULL)
		return usage();
	if (audit_xmldsig_init() != 0)
		return 1;
	doc = xmlReadFile(argv[optind], NULL, XML_PARSE_NONET);
	if (doc == NULL) {
		(void)fprintf(stderr, "%s: %s: not XML\n", PROG, argv[optind]);
	} else if (audit_xmldsig_sign(doc, key, cert, pass) != 0) {
		(void)fprintf(stderr, "%s: cannot sign\n", PROG);
	} else if (xmlSaveFileEnc(argv[optind + 1], doc, "UTF-8") < 0) {
		(void)fprintf(
		    stderr, "%s: cannot write %s\n", PROG, argv[optind + 1]);
	} else {
		r = 0;
	}
	xmlFreeDoc(doc);
	audit_xmldsig_shutdown();
	return r;
}
