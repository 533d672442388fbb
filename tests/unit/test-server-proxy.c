/*
 * test-server-proxy.c: the client address behind trusted proxies:
 * X-Forwarded-For is believed only from a trusted peer, hop by hop from
 * the right, and a malformed list is refused.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "errors.h"
#include "proxy.h"

static void
peer4(struct sockaddr_in *sa, const char *ip)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sa->sin_addr), 1);
}

static void
test_parse(void **state)
{
	struct srv_proxies p;

	(void)state;
	assert_int_equal(srv_proxy_parse("", &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(
	    srv_proxy_parse(" 127.0.0.1, ::1\t10.0.0.0/8,fd00::/8 ", &p), 0);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.v[2].prefix, 104);
	assert_int_equal(srv_proxy_parse("10.0.0.0/33", &p), SCEAU_ERR_CONFIG);
	assert_int_equal(srv_proxy_parse("::/129", &p), SCEAU_ERR_CONFIG);
	assert_int_equal(srv_proxy_parse("10.0.0.0/", &p), SCEAU_ERR_CONFIG);
	assert_int_equal(srv_proxy_parse("localhost", &p), SCEAU_ERR_CONFIG);
	assert_int_equal(srv_proxy_parse("1.2.3.4/-1", &p), SCEAU_ERR_CONFIG);
}

static void
test_client(void **state)
{
	struct srv_proxies p;
	struct sockaddr_in sa;
	struct sockaddr_in6 sa6;
	char out[SRV_ADDR_MAX];

	(void)state;
	assert_int_equal(srv_proxy_parse("127.0.0.1 10.1.0.0/16", &p), 0);
	/* An untrusted peer's header is ignored. */
	peer4(&sa, "192.0.2.7");
	srv_proxy_client(
	    &p, (struct sockaddr *)&sa, "198.51.100.1", out, sizeof(out));
	assert_string_equal(out, "192.0.2.7");
	/* A trusted peer: the rightmost untrusted hop is the client. */
	peer4(&sa, "127.0.0.1");
	srv_proxy_client(&p, (struct sockaddr *)&sa, NULL, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	srv_proxy_client(&p, (struct sockaddr *)&sa,
	    "203.0.113.9, 198.51.100.1 , 10.1.2.3", out, sizeof(out));
	assert_string_equal(out, "198.51.100.1");
	srv_proxy_client(
	    &p, (struct sockaddr *)&sa, "2001:db8::5", out, sizeof(out));
	assert_string_equal(out, "2001:db8::5");
	/* Garbage stops the walk at the last good hop. */
	srv_proxy_client(&p, (struct sockaddr *)&sa, "198.51.100.1, nonsense",
	    out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	srv_proxy_client(&p, (struct sockaddr *)&sa, ",,,", out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	/* All hops trusted: the leftmost. */
	srv_proxy_client(
	    &p, (struct sockaddr *)&sa, "10.1.9.9", out, sizeof(out));
	assert_string_equal(out, "10.1.9.9");
	/* IPv6 peers, and no peer at all. */
	memset(&sa6, 0, sizeof(sa6));
	sa6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "::1", &sa6.sin6_addr), 1);
	srv_proxy_client(
	    &p, (struct sockaddr *)&sa6, "192.0.2.1", out, sizeof(out));
	assert_string_equal(out, "::1");
	srv_proxy_client(&p, NULL, "192.0.2.1", out, sizeof(out));
	assert_string_equal(out, "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_client),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("server-proxy", tests, NULL, NULL);
}
