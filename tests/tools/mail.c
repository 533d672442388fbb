/*
 * mail.c: sceau-test-mail, a test tool: reads a sceau-server
 * configuration, as the server does, and mails one invitation through
 * its [mail] relay with srv_mail_send_invite(), or prints the message.
 *
 *   sceau-test-mail --config FILE --to ADDR [--lang en|fr] [--device]
 *       [--inviter NAME] [--org ORG] [--link LINK] [--expires SECONDS]
 *       [--print]
 *
 * --link defaults to a claim link of ORG (default "acme") on the
 * configured public address; --expires is seconds since 1970 (default:
 * now + server.invitation_lifetime).  --print writes the message to
 * standard output instead of sending it.  A failure prints
 * "sceau-test-mail: SCEAU_ERR_NAME: message" on standard error and exits
 * 1; usage errors exit 2.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "log.h"
#include "mail.h"
#include "server.h"
#include "srvconf.h"

struct args {
	const char *config, *expires, *link;
	int print;
	struct srv_mail_invite m;
};

static int
parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"to", required_argument, NULL, 't'},
	    {"lang", required_argument, NULL, 'L'},
	    {"device", no_argument, NULL, 'd'},
	    {"inviter", required_argument, NULL, 'i'},
	    {"org", required_argument, NULL, 'o'},
	    {"link", required_argument, NULL, 'l'},
	    {"expires", required_argument, NULL, 'e'},
	    {"print", no_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	a->m.org_id = "acme";
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->config = optarg;
			break;
		case 't':
			a->m.to = optarg;
			break;
		case 'L':
			a->m.lang = optarg;
			break;
		case 'd':
			a->m.device = 1;
			break;
		case 'i':
			a->m.inviter = optarg;
			break;
		case 'o':
			a->m.org_id = optarg;
			break;
		case 'l':
			a->link = optarg;
			break;
		case 'e':
			a->expires = optarg;
			break;
		case 'p':
			a->print = 1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc && a->config != NULL && a->m.to != NULL ? 0 : -1;
}

/* The invitation's link and expiry, from the arguments or the defaults. */
static int
complete(struct args *a, const struct srv_conf *c, char *link, size_t n)
{
	char *end;

	if (a->link == NULL) {
		(void)snprintf(link, n,
		    "sceau://%s:%u/%s?a=%s&p=c2VjcmV0LXRva2VuLWZvci10ZXN0cw%s",
		    c->set.link_host, (unsigned int)c->set.link_port,
		    a->m.org_id, a->m.device ? "claim_device" : "claim_user",
		    c->set.link_tls ? "" : "&no_ssl=1");
		a->link = link;
	}
	a->m.link = a->link;
	if (a->expires == NULL) {
		a->m.expires_us =
		    srv_clock_us() + c->set.invitation_lifetime_ms * 1000;
		return 0;
	}
	a->m.expires_us = strtoull(a->expires, &end, 10) * 1000000;
	return *end == '\0' && a->expires[0] != '\0' ? 0 : -1;
}

static int
run(const struct args *a, const struct srv_conf *c)
{
	struct sceau_buf *b;
	int r;

	if (!a->print)
		return srv_mail_send_invite(c->set.mail, &a->m);
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = srv_mail_build_invite(
	         c->set.mail, &a->m, srv_clock_us(), b)) == 0 &&
	    fwrite(sceau_buf_ptr(b), 1, sceau_buf_len(b), stdout) !=
	        sceau_buf_len(b))
		r = SCEAU_ERR_SYSTEM;
	sceau_buf_free(b);
	return r;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct srv_conf *c = NULL;
	char link[SCEAU_LINK_MAX + 1];
	int r;

	memset(&a, 0, sizeof(a));
	if (parse(argc, argv, &a) != 0) {
		(void)fprintf(stderr,
		    "usage: sceau-test-mail --config FILE --to ADDR "
		    "[--lang en|fr] [--device] [--inviter NAME] [--org ORG] "
		    "[--link LINK] [--expires SECONDS] [--print]\n");
		return 2;
	}
	sceau_log_init("sceau-test-mail", SCEAU_LOG_INFO);
	if ((r = srv_conf_load(a.config, NULL, &c)) == 0) {
		if (complete(&a, c, link, sizeof(link)) != 0) {
			(void)fprintf(
			    stderr, "sceau-test-mail: bad --expires\n");
			srv_conf_free(c);
			return 2;
		}
		r = run(&a, c);
	}
	if (r != 0)
		(void)fprintf(stderr, "sceau-test-mail: %s: %s\n",
		    sceau_errname(r), sceau_last_message());
	srv_conf_free(c);
	return r == 0 ? 0 : 1;
}
