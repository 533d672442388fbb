/*
 * test-server-mail.c: the invitation message, built without sending
 * (srv_mail_build_invite): addresses, header folding and encoded-words at
 * their limits, wrapped text, refused fields, allocation failures.
 * Sending through a real relay is tests/integration/server-mail.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "mail.h"
#include "testutil.h"

/* 2026-12-01 09:30:00 UTC, a Tuesday; and a week before. */
#define EXPIRES_US (1796117400ULL * 1000000)
#define NOW_US (EXPIRES_US - 7ULL * 86400 * 1000000)

/* 64 characters: the longest organization id. */
#define LONG_ORG                                                               \
	"org-0123456789-0123456789-0123456789-0123456789-0123456789-abcde"

static void
config(struct srv_mail_config *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->enabled = 1;
	mc->tls = SRV_MAIL_TLS_NONE;
	(void)snprintf(mc->relay, sizeof(mc->relay), "smtp://127.0.0.1:1");
	(void)snprintf(mc->url, sizeof(mc->url), "%s/example.org", mc->relay);
	(void)snprintf(mc->from, sizeof(mc->from), "sceau@example.org");
	(void)snprintf(mc->lang, sizeof(mc->lang), "en");
	mc->timeout_ms = 1000;
}

static void
invite(struct srv_mail_invite *m, const char *org, char *link, size_t n)
{
	memset(m, 0, sizeof(*m));
	(void)snprintf(link, n,
	    "sceau://sceau.example.org/%s?a=claim_user&p=dG9rZW4", org);
	m->to = "alice@example.org";
	m->link = link;
	m->org_id = org;
	m->inviter = "Bob Martin";
	m->expires_us = EXPIRES_US;
}

/* The message as a NUL-terminated string (freed by the caller). */
static char *
build(const struct srv_mail_config *mc, const struct srv_mail_invite *m)
{
	struct sceau_buf *b = sceau_buf_new();
	char *s;

	assert_non_null(b);
	assert_int_equal(srv_mail_build_invite(mc, m, NOW_US, b), 0);
	s = sceau_buf_dup_cstring(b);
	assert_non_null(s);
	sceau_buf_free(b);
	return s;
}

/* Characters of UTF-8 text p[0..n). */
static size_t
columns(const char *p, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xc0) != 0x80;
	return c;
}

/* CRLF only; header lines within 78 columns, text lines within 72 but
 * the link and the command. */
static void
check_lines(const char *msg, const char *link)
{
	const char *p = msg, *crlf;
	int body = 0;
	size_t n;

	while ((crlf = strstr(p, "\r\n")) != NULL) {
		n = (size_t)(crlf - p);
		assert_null(memchr(p, '\n', n));
		assert_null(memchr(p, '\r', n));
		if (n == 0)
			body = 1;
		else if (!body)
			assert_true(n <= 78);
		else if (p[0] != ' ' && strncmp(p, link, strlen(link)) != 0)
			assert_true(columns(p, n) <= 72);
		p = crlf + 2;
	}
	assert_string_equal(p, ""); /* the last line ends with CRLF */
}

/* The Subject header unfolded, its encoded-words decoded. */
static void
subject(const char *msg, char *out, size_t n)
{
	const char *p = strstr(msg, "\r\nSubject: "), *end, *w;
	struct sceau_buf *b = sceau_buf_new();
	size_t len = 0;

	assert_non_null(p);
	assert_non_null(b);
	p += strlen("\r\nSubject: ");
	if (strncmp(p, "=?UTF-8?B?", 10) != 0) {
		/* ASCII: folded at blanks. */
		for (; !(p[0] == '\r' && p[2] != ' '); p++) {
			if (p[0] != '\r' && p[0] != '\n' && len + 1 < n)
				out[len++] = *p;
		}
		out[len] = '\0';
		sceau_buf_free(b);
		return;
	}
	while (strncmp(p, "=?UTF-8?B?", 10) == 0) {
		w = p + 10;
		end = strstr(w, "?=");
		assert_non_null(end);
		assert_true(end + 2 - p <= 75); /* RFC 2047 */
		assert_int_equal(sceau_enc_b64_decode(
		                     w, (size_t)(end - w), SCEAU_B64_STD, b),
		    0);
		p = end + 2;
		if (strncmp(p, "\r\n ", 3) != 0)
			break;
		p += 3;
	}
	assert_true(sceau_buf_len(b) < n);
	memcpy(out, sceau_buf_ptr(b), sceau_buf_len(b));
	out[sceau_buf_len(b)] = '\0';
	sceau_buf_free(b);
}

static void
test_address(void **state)
{
	static const char *const good[] = {"a@b.c", "alice@example.org",
	    "first.last+tag@mail.example.co.uk", "o'brien@example.ie",
	    "x_y-z@a-b.example", "{}|~!#$%&'*/=?^`@example.org"};
	static const char *const bad[] = {"", "alice", "@example.org", "alice@",
	    "alice@example", "alice@@example.org", "alice@example..org",
	    "alice@-example.org", "alice@example-.org", "alice@example.org.",
	    ".alice@example.org", "alice.@example.org", "al..ice@example.org",
	    "al ice@example.org", "alice@exa mple.org", "\"alice\"@example.org",
	    "alice@[127.0.0.1]", "Alice <alice@example.org>",
	    "alice@example.org\r\nBcc: e@x.org", "alice@example.org\n",
	    "élodie@example.fr", "alice@exämple.org", "a,b@example.org",
	    "a@b.org,c@d.org", "a;b@example.org"};
	char local[80], domain[80];
	size_t i;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(good); i++)
		assert_true(srv_mail_address_valid(good[i]));
	for (i = 0; i < SCEAU_NELEM(bad); i++)
		assert_false(srv_mail_address_valid(bad[i]));
	assert_false(srv_mail_address_valid(NULL));
	/* Limits: a local part of 64, a label of 63. */
	memset(local, 'a', 65);
	memcpy(local + 65, "@example.org", 13);
	assert_false(srv_mail_address_valid(local));
	assert_true(srv_mail_address_valid(local + 1));
	memcpy(domain, "a@", 2);
	memset(domain + 2, 'b', 64);
	memcpy(domain + 66, ".org", 5);
	assert_false(srv_mail_address_valid(domain));
	domain[1] = 'a';
	domain[2] = '@';
	assert_true(srv_mail_address_valid(domain + 1)); /* a label of 63 */
}

static void
test_english(void **state)
{
	struct srv_mail_config mc;
	struct srv_mail_invite m;
	char link[256], subj[256], *msg;

	(void)state;
	config(&mc);
	invite(&m, LONG_ORG, link, sizeof(link));
	msg = build(&mc, &m);
	check_lines(msg, link);
	assert_non_null(
	    strstr(msg, "Date: Tue, 24 Nov 2026 09:30:00 +0000\r\n"));
	assert_non_null(strstr(msg, "\r\nFrom: sceau@example.org\r\n"));
	assert_non_null(strstr(msg, "\r\nTo: alice@example.org\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Language: en\r\n"));
	/* The long subject is folded, not encoded. */
	subject(msg, subj, sizeof(subj));
	assert_string_equal(subj, "Invitation to join " LONG_ORG " on sceau");
	assert_non_null(strstr(msg, "\r\nSubject: Invitation to join\r\n "));
	assert_non_null(strstr(msg, "\r\n\r\nHello,\r\n"));
	assert_non_null(strstr(msg, "\r\n    sceau claim '"));
	assert_non_null(strstr(msg, "Tuesday 1 December 2026 at 09:30 UTC"));
	sceau_free(msg);
}

static void
test_french(void **state)
{
	struct srv_mail_config mc;
	struct srv_mail_invite m;
	char link[256], subj[256], *msg;

	(void)state;
	config(&mc);
	(void)snprintf(mc.lang, sizeof(mc.lang), "fr");
	invite(&m, LONG_ORG, link, sizeof(link));
	m.inviter = "Zoë";
	msg = build(&mc, &m);
	check_lines(msg, link);
	/* Three encoded-words, one a line. */
	subject(msg, subj, sizeof(subj));
	assert_string_equal(
	    subj, "Invitation à rejoindre " LONG_ORG " sur sceau");
	assert_non_null(strstr(msg, "\r\nContent-Language: fr\r\n"));
	assert_non_null(strstr(msg, "mardi 1er décembre 2026 à 09:30 UTC"));
	assert_non_null(strstr(msg, "Zoë vous invite"));
	sceau_free(msg);

	/* A device, nobody named; the language given overrides mail.language. */
	m.org_id = "acme";
	m.inviter = NULL;
	m.device = 1;
	m.lang = "fr";
	(void)snprintf(mc.lang, sizeof(mc.lang), "en");
	(void)snprintf(link, sizeof(link),
	    "sceau://sceau.example.org/acme?a=claim_device&p=dG9rZW4");
	msg = build(&mc, &m);
	check_lines(msg, link);
	subject(msg, subj, sizeof(subj));
	assert_string_equal(
	    subj, "Nouvel appareil pour votre compte dans acme sur sceau");
	assert_non_null(strstr(msg, "montré à la personne à l'origine"));
	sceau_free(msg);
}

static void
test_refused(void **state)
{
	struct srv_mail_config mc;
	struct srv_mail_invite m, bad;
	struct sceau_buf *b = sceau_buf_new();
	char link[256], big[SRV_MAIL_INVITER_MAX + 2];
	static const char *const inviters[] = {"", "Bob\r\nBcc: x@y.org",
	    "Bob\n", "Bob\tM", "\x7f", "\xc2\x85",
	    "a\xe2\x80\xae"
	    "b",
	    "a\xe2\x81\xa6"
	    "b",
	    "\xff",
	    "a\xe2\x80\xa8"
	    "b"};
	size_t i;

	(void)state;
	assert_non_null(b);
	config(&mc);
	invite(&m, "acme", link, sizeof(link));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
#define REFUSED(field, value)                                                  \
	do {                                                                   \
		bad = m;                                                       \
		bad.field = (value);                                           \
		assert_int_equal(srv_mail_build_invite(&mc, &bad, NOW_US, b),  \
		    SCEAU_ERR_INVALID_ARGUMENT);                               \
		assert_int_equal(sceau_buf_len(b), 0);                         \
	} while (0)
	REFUSED(to, "alice@example.org\r\nBcc: eve@example.org");
	REFUSED(to, NULL);
	REFUSED(org_id, "acme\r\nX-Y: z");
	REFUSED(org_id, "other"); /* the link's is acme */
	REFUSED(link, "sceau://sceau.example.org/acme?a=claim_user&p=a b");
	REFUSED(
	    link, "sceau://sceau.example.org/acme?a=claim_device&p=dG9rZW4");
	REFUSED(link, "https://sceau.example.org/acme");
	REFUSED(device, 1);
	REFUSED(lang, "de");
	REFUSED(expires_us, UINT64_MAX);
	REFUSED(inviter, big);
	for (i = 0; i < SCEAU_NELEM(inviters); i++)
		REFUSED(inviter, inviters[i]);
#undef REFUSED
	(void)snprintf(mc.from, sizeof(mc.from), "a@b.org\r\nBcc: x@y.org");
	assert_int_equal(srv_mail_build_invite(&mc, &m, NOW_US, b),
	    SCEAU_ERR_INVALID_ARGUMENT);
	/* A name at the limit passes. */
	config(&mc);
	big[SRV_MAIL_INVITER_MAX] = '\0';
	m.inviter = big;
	assert_int_equal(srv_mail_build_invite(&mc, &m, NOW_US, b), 0);
	sceau_buf_free(b);
}

static void
test_disabled(void **state)
{
	struct srv_mail_config mc;
	struct srv_mail_invite m;
	char link[256];

	(void)state;
	memset(&mc, 0, sizeof(mc));
	invite(&m, "acme", link, sizeof(link));
	assert_false(srv_mail_enabled(NULL));
	assert_false(srv_mail_enabled(&mc));
	assert_int_equal(
	    srv_mail_send_invite(&mc, &m), SCEAU_ERR_NOT_SUPPORTED);
	assert_int_equal(
	    srv_mail_send_invite(NULL, &m), SCEAU_ERR_NOT_SUPPORTED);
}

struct torture {
	struct srv_mail_config mc;
	struct srv_mail_invite m;
	char link[256];
};

static int
torture_build(void *arg)
{
	struct torture *t = arg;
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	r = srv_mail_build_invite(&t->mc, &t->m, NOW_US, b);
	sceau_buf_free(b);
	return r;
}

static void
test_alloc_failures(void **state)
{
	struct torture t;

	(void)state;
	config(&t.mc);
	invite(&t.m, "acme", t.link, sizeof(t.link));
	assert_true(tu_alloc_torture(torture_build, &t, 100) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_address),
	    cmocka_unit_test(test_english),
	    cmocka_unit_test(test_french),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_disabled),
	    cmocka_unit_test(test_alloc_failures),
	};

	return TU_TAP_MAIN("server-mail", tests);
}
