/*
 * test-link.c: sceau links and server base URLs (src/link.c): every form
 * accepted, every refusal, canonical formatting and round trips.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "link.h"
#include "testutil.h"

/* 32 bytes of base64url: the server's bootstrap token length. */
#define TOK "q0Jm3V0mB5f0mQ7z8Xz1yJ7t6N9bQ2mPz5Q3rT4Yw8A"

static void
check_format(const struct sceau_link *l, const char *want)
{
	struct sceau_buf *b;

	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_link_format(l, b), 0);
	assert_int_equal(sceau_buf_put_u8(b, 0), 0);
	assert_string_equal((const char *)sceau_buf_ptr(b), want);
	sceau_buf_free(b);
}

static void
check_base(const struct sceau_link_server *srv, const char *want)
{
	struct sceau_buf *b;

	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_link_base_url(srv, b), 0);
	assert_int_equal(sceau_buf_put_u8(b, 0), 0);
	assert_string_equal((const char *)sceau_buf_ptr(b), want);
	sceau_buf_free(b);
}

static void
test_forms(void **state)
{
	struct sceau_link l;

	(void)state;
	assert_int_equal(sceau_link_parse("sceau://sceau.example.org/acme?"
	                                  "a=claim_user&p=" TOK,
	                     &l),
	    0);
	assert_string_equal(l.server.host, "sceau.example.org");
	assert_int_equal(l.server.port, 443);
	assert_false(l.server.no_ssl);
	assert_false(l.server.host_ipv6);
	assert_false(l.server.loopback);
	assert_int_equal(l.action, SCEAU_LINK_CLAIM_USER);
	assert_string_equal(l.org_id, "acme");
	assert_string_equal(l.token, TOK);
	check_base(&l.server, "https://sceau.example.org:443");
	check_format(&l, "sceau://sceau.example.org/acme?a=claim_user&p=" TOK);

	/* Port, no_ssl first, upper case scheme and host. */
	assert_int_equal(sceau_link_parse("SCEAU://Sceau.EXAMPLE.org:8443/"
	                                  "Acme_1-x?no_ssl=1&p=" TOK
	                                  "&a=bootstrap_organization",
	                     &l),
	    0);
	assert_string_equal(l.server.host, "sceau.example.org");
	assert_int_equal(l.server.port, 8443);
	assert_true(l.server.no_ssl);
	assert_int_equal(l.action, SCEAU_LINK_BOOTSTRAP_ORGANIZATION);
	assert_string_equal(l.org_id, "Acme_1-x");
	check_base(&l.server, "http://sceau.example.org:8443");
	check_format(&l,
	    "sceau://sceau.example.org:8443/Acme_1-x?"
	    "a=bootstrap_organization&p=" TOK "&no_ssl=1");

	/* Default port of no_ssl is 80, and 80 is then not written. */
	assert_int_equal(sceau_link_parse("sceau://h/o?a=claim_device&p=AA&"
	                                  "no_ssl=1",
	                     &l),
	    0);
	assert_int_equal(l.server.port, 80);
	assert_int_equal(l.action, SCEAU_LINK_CLAIM_DEVICE);
	check_format(&l, "sceau://h/o?a=claim_device&p=AA&no_ssl=1");
	check_base(&l.server, "http://h:80");
	/* 443 with no_ssl is not the default: it is written. */
	assert_int_equal(
	    sceau_link_parse("sceau://h:443/o?a=claim_user&p=AA&no_ssl=1", &l),
	    0);
	check_format(&l, "sceau://h:443/o?a=claim_user&p=AA&no_ssl=1");
	sceau_link_clear(&l);
	assert_int_equal(l.token[0], 0);
}

static void
test_hosts(void **state)
{
	struct sceau_link l;

	(void)state;
	assert_int_equal(
	    sceau_link_parse("sceau://127.0.0.1:6770/o?a=claim_user&p=AA", &l),
	    0);
	assert_string_equal(l.server.host, "127.0.0.1");
	assert_true(l.server.loopback);
	assert_int_equal(l.server.port, 6770);
	assert_int_equal(
	    sceau_link_parse("sceau://127.9.8.7/o?a=claim_user&p=AA", &l), 0);
	assert_true(l.server.loopback);
	assert_int_equal(
	    sceau_link_parse("sceau://192.0.2.1/o?a=claim_user&p=AA", &l), 0);
	assert_false(l.server.loopback);
	assert_int_equal(
	    sceau_link_parse("sceau://[::1]:99/o?a=claim_user&p=AA", &l), 0);
	assert_string_equal(l.server.host, "::1");
	assert_true(l.server.host_ipv6);
	assert_true(l.server.loopback);
	check_format(&l, "sceau://[::1]:99/o?a=claim_user&p=AA");
	check_base(&l.server, "https://[::1]:99");
	/* IPv6 is stored in its canonical form. */
	assert_int_equal(sceau_link_parse("sceau://[2001:DB8:0:0:0:0:0:1]/o?"
	                                  "a=claim_user&p=AA",
	                     &l),
	    0);
	assert_string_equal(l.server.host, "2001:db8::1");
	assert_false(l.server.loopback);
	assert_int_equal(
	    sceau_link_parse("sceau://LocalHost/o?a=claim_user&p=AA", &l), 0);
	assert_string_equal(l.server.host, "localhost");
	assert_true(l.server.loopback);
	/* "localhost.example" is a name like any other. */
	assert_int_equal(sceau_link_parse("sceau://localhost.example/o?"
	                                  "a=claim_user&p=AA",
	                     &l),
	    0);
	assert_false(l.server.loopback);
	assert_int_equal(sceau_link_parse("sceau://1e100.net:65535/o?"
	                                  "a=claim_user&p=AA",
	                     &l),
	    0);
	assert_int_equal(l.server.port, 65535);
	sceau_link_clear(&l);
}

static void
check_refused(const char *s, const char *why)
{
	struct sceau_link l;

	memset(&l, 0xa5, sizeof(l));
	sceau_message_clear();
	if (sceau_link_parse(s, &l) != SCEAU_ERR_BAD_LINK)
		fail_msg("accepted: %s", s);
	if (strstr(sceau_last_message(), why) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", s,
		    sceau_last_message(), why);
	/* Wiped on failure. */
	assert_int_equal(l.token[0], 0);
	assert_int_equal(l.server.port, 0);
}

static void
test_refusals(void **state)
{
	char long_link[SCEAU_LINK_MAX + 16], tok129[130];

	(void)state;
	check_refused("", "sceau://");
	check_refused("https://h/o?a=claim_user&p=AA", "sceau://");
	check_refused("sceau:/h/o?a=claim_user&p=AA", "sceau://");
	check_refused("sceau://h", "after the host");
	check_refused("sceau:///o?a=claim_user&p=AA", "host");
	check_refused("sceau://h/o", "after the host");
	check_refused("sceau://h/?a=claim_user&p=AA", "organization");
	check_refused("sceau://h/o/x?a=claim_user&p=AA", "organization");
	check_refused("sceau://h/o.x?a=claim_user&p=AA", "organization");
	check_refused("sceau://h/o?", "NAME=VALUE");
	check_refused("sceau://h/o?a=claim_user", "\"p\" missing");
	check_refused("sceau://h/o?p=AA", "\"a\" missing");
	check_refused("sceau://h/o?a=claim_user&p=AA&", "NAME=VALUE");
	check_refused("sceau://h/o?a=claim_user&&p=AA", "NAME=VALUE");
	check_refused("sceau://h/o?a=claim_user&p=AA&x=1", "unknown parameter");
	check_refused("sceau://h/o?a=claim_user&p=AA&=1", "NAME=VALUE");
	check_refused("sceau://h/o?a=claim_user&p", "NAME=VALUE");
	check_refused("sceau://h/o?a=claim_user&p=AA&a=claim_user", "twice");
	check_refused("sceau://h/o?a=claim_user&p=AA&p=AA", "twice");
	check_refused(
	    "sceau://h/o?a=claim_user&p=AA&no_ssl=1&no_ssl=1", "twice");
	check_refused("sceau://h/o?a=claim_users&p=AA", "unknown action");
	check_refused("sceau://h/o?a=&p=AA", "unknown action");
	check_refused(
	    "sceau://h/o?a=claim_user_with_a_very_long_name_here&p=AA",
	    "unknown action");
	check_refused("sceau://h/o?a=claim_user&p=AA&no_ssl=0", "no_ssl");
	check_refused("sceau://h/o?a=claim_user&p=AA&no_ssl=true", "no_ssl");
	check_refused("sceau://h/o?a=claim_user&p=AA&No_ssl=1", "unknown");
	/* Tokens: charset, padding, canonical trailing bits, length. */
	check_refused("sceau://h/o?a=claim_user&p=", "token");
	check_refused("sceau://h/o?a=claim_user&p=A", "token");
	check_refused("sceau://h/o?a=claim_user&p=AB", "token");
	check_refused("sceau://h/o?a=claim_user&p=AA==", "token");
	check_refused("sceau://h/o?a=claim_user&p=AA+A", "token");
	check_refused("sceau://h/o?a=claim_user&p=AA/A", "token");
	memset(tok129, 'A', 128);
	tok129[128] = 'A';
	tok129[129] = '\0';
	(void)snprintf(long_link, sizeof(long_link),
	    "sceau://h/o?a=claim_user&p=%s", tok129);
	check_refused(long_link, "token");
	/* Percent-encoding, spaces, controls, fragments, user info. */
	check_refused("sceau://h/o?a=claim%5Fuser&p=AA", "percent");
	check_refused("sceau://h/%61cme?a=claim_user&p=AA", "percent");
	check_refused("sceau://h/o?a=claim_user&p=AA ", "0x20");
	check_refused(" sceau://h/o?a=claim_user&p=AA", "sceau://");
	check_refused("sceau://h/o?a=claim_user&p=AA\n", "0x0a");
	check_refused("sceau://h/o?a=claim_user&p=AA\xc3\xa9", "0xc3");
	check_refused("sceau://h/o?a=claim_user&p=AA#x", "fragment");
	check_refused("sceau://u@h/o?a=claim_user&p=AA", "user information");
	check_refused("sceau://u:pw@h/o?a=claim_user&p=AA", "user information");
	/* Hosts and ports. */
	check_refused("sceau://h:/o?a=claim_user&p=AA", "port");
	check_refused("sceau://h:0/o?a=claim_user&p=AA", "port");
	check_refused("sceau://h:080/o?a=claim_user&p=AA", "port");
	check_refused("sceau://h:65536/o?a=claim_user&p=AA", "out of range");
	check_refused("sceau://h:123456/o?a=claim_user&p=AA", "port");
	check_refused("sceau://h:+1/o?a=claim_user&p=AA", "port");
	check_refused("sceau://h:1x/o?a=claim_user&p=AA", "port");
	check_refused("sceau://h:1:2/o?a=claim_user&p=AA", "port");
	check_refused("sceau://-h/o?a=claim_user&p=AA", "invalid name");
	check_refused("sceau://h-/o?a=claim_user&p=AA", "invalid name");
	check_refused("sceau://a..b/o?a=claim_user&p=AA", "invalid name");
	check_refused("sceau://h./o?a=claim_user&p=AA", "invalid name");
	check_refused("sceau://.h/o?a=claim_user&p=AA", "invalid name");
	check_refused("sceau://h_x/o?a=claim_user&p=AA", "invalid name");
	check_refused("sceau://999.1.1.1/o?a=claim_user&p=AA", "IPv4");
	check_refused("sceau://1.2.3/o?a=claim_user&p=AA", "IPv4");
	check_refused("sceau://127.0.0.01/o?a=claim_user&p=AA", "IPv4");
	check_refused("sceau://[::1/o?a=claim_user&p=AA", "']'");
	check_refused("sceau://[::1]x/o?a=claim_user&p=AA", "after ']'");
	check_refused("sceau://[::g]/o?a=claim_user&p=AA", "IPv6");
	check_refused("sceau://[]/o?a=claim_user&p=AA", "IPv6");
	check_refused("sceau://[127.0.0.1]/o?a=claim_user&p=AA", "IPv6");
	check_refused("sceau://::1/o?a=claim_user&p=AA", "host");
	/* A 64-character label is one too many. */
	check_refused("sceau://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	              "aaaaaaaaaaaaaaaa/o?a=claim_user&p=AA",
	    "invalid name");
	memset(long_link, 'a', sizeof(long_link) - 1);
	memcpy(long_link, "sceau://", 8);
	long_link[sizeof(long_link) - 1] = '\0';
	check_refused(long_link, "longer than");
}

static void
test_long_parts(void **state)
{
	char s[SCEAU_LINK_MAX + 1], tok[SCEAU_LINK_TOKEN_MAX + 1];
	char org[SCEAU_ORG_ID_MAX + 2];
	struct sceau_link l;

	(void)state;
	/* Longest token and organization id are accepted. */
	memset(tok, 'A', SCEAU_LINK_TOKEN_MAX);
	tok[SCEAU_LINK_TOKEN_MAX] = '\0';
	memset(org, 'o', SCEAU_ORG_ID_MAX);
	org[SCEAU_ORG_ID_MAX] = '\0';
	(void)snprintf(
	    s, sizeof(s), "sceau://h/%s?a=claim_user&p=%s", org, tok);
	assert_int_equal(sceau_link_parse(s, &l), 0);
	assert_string_equal(l.token, tok);
	assert_string_equal(l.org_id, org);
	check_format(&l, s);
	org[SCEAU_ORG_ID_MAX] = 'o';
	org[SCEAU_ORG_ID_MAX + 1] = '\0';
	(void)snprintf(
	    s, sizeof(s), "sceau://h/%s?a=claim_user&p=%s", org, tok);
	assert_int_equal(sceau_link_parse(s, &l), SCEAU_ERR_BAD_LINK);
	sceau_link_clear(&l);
}

static void
test_actions(void **state)
{
	(void)state;
	assert_string_equal(
	    sceau_link_action_name(SCEAU_LINK_BOOTSTRAP_ORGANIZATION),
	    "bootstrap_organization");
	assert_string_equal(
	    sceau_link_action_name(SCEAU_LINK_CLAIM_DEVICE), "claim_device");
	assert_null(sceau_link_action_name((enum sceau_link_action)0));
	assert_string_equal(
	    sceau_link_action_name(SCEAU_LINK_ENROLL), "enroll");
	assert_int_equal(
	    sceau_link_action_from_name("enroll"), SCEAU_LINK_ENROLL);
	assert_null(sceau_link_action_name((enum sceau_link_action)5));
	assert_int_equal(
	    sceau_link_action_from_name("claim_user"), SCEAU_LINK_CLAIM_USER);
	assert_int_equal(sceau_link_action_from_name("CLAIM_USER"), 0);
	assert_int_equal(sceau_link_action_from_name(NULL), 0);
}

static void
test_format_refuses(void **state)
{
	struct sceau_buf *b;
	struct sceau_link l;

	(void)state;
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(
	    sceau_link_parse("sceau://h/o?a=claim_user&p=AA", &l), 0);
	l.action = (enum sceau_link_action)9;
	assert_int_equal(sceau_link_format(&l, b), SCEAU_ERR_INVALID_ARGUMENT);
	l.action = SCEAU_LINK_CLAIM_USER;
	memcpy(l.token, "A", 2);
	assert_int_equal(sceau_link_format(&l, b), SCEAU_ERR_INVALID_ARGUMENT);
	memcpy(l.token, "AA", 3);
	memcpy(l.server.host, "h/x?", 5);
	assert_int_equal(sceau_link_format(&l, b), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_link_base_url(&l.server, b), SCEAU_ERR_INVALID_ARGUMENT);
	memcpy(l.server.host, "h", 2);
	l.server.port = 0;
	assert_int_equal(sceau_link_format(&l, b), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_buf_len(b), 0);
	/* A buffer too small for the link: left as it was. */
	l.server.port = 443;
	assert_int_equal(sceau_buf_set_max_size(b, 20), 0);
	assert_int_equal(sceau_link_format(&l, b), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_buf_len(b), 0);
	sceau_buf_free(b);
	sceau_link_clear(&l);
}

static void
check_url(
    const char *url, const char *host, unsigned port, int no_ssl, int loopback)
{
	struct sceau_link_server srv;

	if (sceau_link_url_parse(url, &srv) != 0)
		fail_msg("refused: %s (%s)", url, sceau_last_message());
	assert_string_equal(srv.host, host);
	assert_int_equal(srv.port, port);
	assert_int_equal(srv.no_ssl, no_ssl);
	assert_int_equal(srv.loopback, loopback);
}

static void
test_urls(void **state)
{
	static const char *const bad[] = {"", "ftp://h", "https://",
	    "https:///", "https://h/v1", "https://h//", "https://h?x",
	    "https://h#x", "https://u@h", "https://h:0", "https://h:%31",
	    "https://h /", "https://h:443/x/", "sceau://h", "https://h:99999"};
	struct sceau_link_server srv;
	size_t i;

	(void)state;
	check_url("https://sceau.example.org", "sceau.example.org", 443, 0, 0);
	check_url("https://sceau.example.org/", "sceau.example.org", 443, 0, 0);
	check_url("HTTPS://H:8443", "h", 8443, 0, 0);
	check_url("http://127.0.0.1:6770/", "127.0.0.1", 6770, 1, 1);
	check_url("http://localhost", "localhost", 80, 1, 1);
	check_url("http://[::1]:8080", "::1", 8080, 1, 1);
	check_url("http://192.0.2.1", "192.0.2.1", 80, 1, 0);
	check_url("http://[::ffff:127.0.0.1]", "::ffff:127.0.0.1", 80, 1, 0);
	for (i = 0; i < SCEAU_NELEM(bad); i++) {
		if (sceau_link_url_parse(bad[i], &srv) !=
		    SCEAU_ERR_INVALID_ARGUMENT)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(srv.port, 0);
	}
}

static int
torture_format(void *arg)
{
	const struct sceau_link *l = arg;
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_link_format(l, b);
	if (r == 0)
		r = sceau_link_base_url(&l->server, b);
	sceau_buf_free(b);
	return r;
}

static void
test_alloc_torture(void **state)
{
	struct sceau_link l;

	(void)state;
	assert_int_equal(sceau_link_parse("sceau://[::1]:99/o?a=claim_user&p="
	                                  "AA&no_ssl=1",
	                     &l),
	    0);
	(void)tu_alloc_torture(torture_format, &l, 50);
	sceau_link_clear(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_long_parts),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_format_refuses),
	    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_alloc_torture),
	};

	return TU_TAP_MAIN("link", tests);
}
