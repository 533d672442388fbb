/*
 * mail.c: invitations by mail (mail.h): the message, then libcurl's SMTP
 * client.
 *
 * The text goes as UTF-8 in 8bit, not quoted-printable, so that the link
 * stays byte for byte on a line of its own, as a reader copies it.  Text
 * lines are wrapped at 72 columns (the link and the command never are;
 * links longer than MAIL_LINK_MAX are refused), far below SMTP's limit of
 * 998 bytes.  Relays take 8bit text (RFC 6152); curl has no way to
 * announce it with BODY=8BITMIME, which relays do not insist on.
 *
 * Headers are ASCII: the subject, when it is not (French), is made of
 * RFC 2047 encoded-words.  Dates are written with tables of our own, not
 * strftime(), whose names follow the server's locale, not the reader's.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "cert.h"
#include "encoding.h"
#include "errors.h"
#include "http.h"
#include "link.h"
#include "log.h"
#include "mail.h"
#include "random.h"
#include "server.h"

#define MAIL_WRAP 72 /* columns of the text */
#define MAIL_HEADER_WRAP 78 /* columns of a header line (RFC 5322) */
#define MAIL_EW_CHUNK 39 /* bytes of text in one encoded-word */
#define MAIL_LINK_MAX 900 /* bytes of a link: its line stays under 998 */
#define MAIL_CONNECT_TIMEOUT_MS 10000
#define MAIL_VARS_MAX 10

/* French typography: no line break before ':' and ';'. */
#define NBSP "\xc2\xa0"

/* The texts of one kind of invitation in one language. */
struct mail_kind {
	const char *subject; /* {org} */
	const char *intro; /* {inviter} {org} */
	const char *intro_anon; /* {org}: no inviter named */
	const char *someone; /* {inviter} when none is named */
	const char *setup; /* what to install where */
	const char *between; /* who the codes protect */
	const char *unexpected; /* when the reader did not ask */
};

struct mail_lang {
	const char *code;
	const char *days[7]; /* Sunday first, as tm_wday */
	const char *months[12];
	const char *first; /* the first day of a month: "1er" */
	const char *at; /* "Monday 30 November 2026 at 14:05 UTC" */
	/* Paragraphs ("\n\n" apart): {intro} {setup} {between}
	 * {unexpected} {inviter} {expires} {link}.  A line that starts
	 * with a blank is never wrapped. */
	const char *body;
	struct mail_kind user, device;
};

static const struct mail_lang mail_en = {
    "en",
    {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
        "Saturday"},
    {"January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"},
    "1",
    "at",
    "Hello,\n\n"
    "{intro}\n\n"
    "Your invitation link:\n\n"
    "{link}\n\n"
    "{setup}\n\n"
    "    sceau claim '{link}'\n\n"
    "The command shows you a short code and asks for the one shown to "
    "{inviter}: tell each other your codes, in person or on the phone, "
    "not by mail. This proves that nobody stands between {between}; "
    "nothing else is exchanged before.\n\n"
    "This invitation expires on {expires}. After that, ask {inviter} "
    "for a new one.\n\n"
    "{unexpected}\n\n"
    "-- \n"
    "Sent automatically by a sceau server; please do not reply.",
    {
        "Invitation to join {org} on sceau",
        "{inviter} invites you to join the organization {org} on sceau, "
        "a file-sharing service encrypted end to end.",
        "You are invited to join the organization {org} on sceau, a "
        "file-sharing service encrypted end to end.",
        "the person who invited you",
        "To accept it, install sceau on your computer and run this "
        "command:",
        "the two of you",
        "If you were not expecting this invitation, ignore this message: "
        "nothing happens without the exchange of codes.",
    },
    {
        "New device for your account in {org} on sceau",
        "{inviter} invited a new device to your account in the "
        "organization {org} on sceau, a file-sharing service encrypted "
        "end to end.",
        "A new device is invited to your account in the organization "
        "{org} on sceau, a file-sharing service encrypted end to end.",
        "the person who created this invitation",
        "To set it up, install sceau on the new device and run this "
        "command there:",
        "the two devices",
        "If you did not ask for a new device, ignore this message: "
        "nothing happens without the exchange of codes.",
    },
};

static const struct mail_lang mail_fr = {
    "fr",
    {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
    {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre"},
    "1er",
    "à",
    "Bonjour,\n\n"
    "{intro}\n\n"
    "Votre lien d'invitation" NBSP ":\n\n"
    "{link}\n\n"
    "{setup}\n\n"
    "    sceau claim '{link}'\n\n"
    "La commande vous montre un code court et vous demande celui qui est "
    "montré à {inviter}" NBSP ": échangez vos codes de vive voix ou par "
    "téléphone, pas par courriel. Cela prouve que personne ne "
    "s'interpose entre {between}" NBSP "; rien d'autre n'est échangé "
    "avant.\n\n"
    "Cette invitation expire le {expires}. Passé ce délai, demandez-en "
    "une nouvelle à {inviter}.\n\n"
    "{unexpected}\n\n"
    "-- \n"
    "Envoyé automatiquement par un serveur sceau" NBSP "; merci de ne "
    "pas répondre.",
    {
        "Invitation à rejoindre {org} sur sceau",
        "{inviter} vous invite à rejoindre l'organisation {org} sur "
        "sceau, un service de partage de fichiers chiffré de bout en "
        "bout.",
        "Une invitation vous attend pour rejoindre l'organisation {org} "
        "sur sceau, un service de partage de fichiers chiffré de bout en "
        "bout.",
        "la personne à l'origine de cette invitation",
        "Pour l'accepter, installez sceau sur votre ordinateur et lancez "
        "cette commande" NBSP ":",
        "vous deux",
        "Si vous n'attendiez pas cette invitation, ignorez ce message" NBSP
        ": rien ne se passe sans l'échange des codes.",
    },
    {
        "Nouvel appareil pour votre compte dans {org} sur sceau",
        "{inviter} a invité un nouvel appareil à rejoindre votre compte "
        "dans l'organisation {org} sur sceau, un service de partage de "
        "fichiers chiffré de bout en bout.",
        "Un nouvel appareil est invité à rejoindre votre compte dans "
        "l'organisation {org} sur sceau, un service de partage de "
        "fichiers chiffré de bout en bout.",
        "la personne à l'origine de cette invitation",
        "Pour le configurer, installez sceau sur le nouvel appareil et "
        "lancez-y cette commande" NBSP ":",
        "les deux appareils",
        "Si vous n'avez pas demandé de nouvel appareil, ignorez ce "
        "message" NBSP ": rien ne se passe sans l'échange des codes.",
    },
};

/* A placeholder and its text; a template is expanded in turn. */
struct mail_var {
	const char *name;
	const char *value;
	int is_template;
};

struct mail_vars {
	struct mail_var v[MAIL_VARS_MAX];
	size_t n;
};

/* ------------------------------------------------------------------ */
/* What the caller gives. */

/* RFC 5322 atext: the characters of a dot-atom, dots aside. */
static int
mail_atext(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

static int
mail_local_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > SRV_MAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !mail_atext((uint8_t)s[i]))
			return 0;
	}
	return 1;
}

static int
mail_domain_valid(const char *s)
{
	size_t label = 0, labels = 1;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0 || s[-1] == '-' || s[1] == '\0')
				return 0;
			label = 0;
			labels++;
		} else if ((*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    (*s == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && s[-1] != '-' && labels >= 2;
}

int
srv_mail_address_valid(const char *s)
{
	const char *at;
	size_t n;

	if (s == NULL || (n = strnlen(s, SRV_MAIL_ADDR_MAX + 1)) == 0 ||
	    n > SRV_MAIL_ADDR_MAX || (at = strrchr(s, '@')) == NULL)
		return 0;
	return mail_local_valid(s, (size_t)(at - s)) &&
	    mail_domain_valid(at + 1);
}

/* The code point at *sp (valid UTF-8), and the pointer moved past it. */
static uint32_t
mail_utf8_next(const char **sp)
{
	const uint8_t *p = (const uint8_t *)*sp;
	uint32_t c = p[0];
	size_t n = 1, i;

	if (c >= 0xf0) {
		c &= 0x07;
		n = 4;
	} else if (c >= 0xe0) {
		c &= 0x0f;
		n = 3;
	} else if (c >= 0xc0) {
		c &= 0x1f;
		n = 2;
	}
	for (i = 1; i < n; i++)
		c = (c << 6) | (p[i] & 0x3f);
	*sp += n;
	return c;
}

/*
 * A name shown in the text: UTF-8 without control characters (C0, DEL,
 * C1), line or paragraph separators, or the bidirectional controls that
 * would make the text read otherwise than it is written.
 */
static int
mail_name_valid(const char *s)
{
	uint32_t c;

	if (strnlen(s, SRV_MAIL_INVITER_MAX + 1) > SRV_MAIL_INVITER_MAX ||
	    s[0] == '\0' || !sceau_enc_utf8_valid(s))
		return 0;
	while (*s != '\0') {
		c = mail_utf8_next(&s);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0) ||
		    (c >= 0x2028 && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069))
			return 0;
	}
	return 1;
}

/* The link: a valid sceau link for this organization and this kind. */
static int
mail_link_valid(const struct srv_mail_invite *m)
{
	struct sceau_link l;
	int ok;

	if (strnlen(m->link, MAIL_LINK_MAX + 1) > MAIL_LINK_MAX ||
	    sceau_link_parse(m->link, &l) != 0)
		return 0;
	ok = strcmp(l.org_id, m->org_id) == 0 &&
	    l.action ==
	        (m->device ? SCEAU_LINK_CLAIM_DEVICE : SCEAU_LINK_CLAIM_USER);
	sceau_link_clear(&l);
	return ok;
}

static int
mail_refuse(const char *what)
{
	sceau_message("invitation mail: %s", what);
	return SCEAU_ERR_INVALID_ARGUMENT;
}

/* Every field of m, checked before anything of it is written. */
static int
mail_check(const struct srv_mail_config *mc, const struct srv_mail_invite *m,
    const struct mail_lang **langp)
{
	const char *lang = m->lang != NULL ? m->lang : mc->lang;

	if (m->to == NULL || !srv_mail_address_valid(m->to))
		return mail_refuse("invalid recipient address");
	if (!srv_mail_address_valid(mc->from))
		return mail_refuse("invalid sender address (mail.from)");
	if (m->org_id == NULL || !sceau_org_id_valid(m->org_id))
		return mail_refuse("invalid organization id");
	if (m->inviter != NULL && !mail_name_valid(m->inviter))
		return mail_refuse("invalid inviter name");
	if (m->link == NULL || !mail_link_valid(m))
		return mail_refuse("the link is not a claim link of this "
		                   "organization and kind");
	if (strcmp(lang, "en") == 0)
		*langp = &mail_en;
	else if (strcmp(lang, "fr") == 0)
		*langp = &mail_fr;
	else
		return mail_refuse("unknown language (en or fr)");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Dates. */

static int
mail_gmtime(uint64_t us, struct tm *tm)
{
	time_t t = (time_t)(us / 1000000);

	if (us / 1000000 > (uint64_t)253402300799ULL || /* 9999-12-31 */
	    gmtime_r(&t, tm) == NULL)
		return mail_refuse("date out of range");
	return 0;
}

/* "Mon, 30 Nov 2026 14:05:00 +0000" (RFC 5322 section 3.3). */
static int
mail_put_date(struct sceau_buf *b, uint64_t us)
{
	static const char *const days[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	int r;

	if ((r = mail_gmtime(us, &tm)) != 0)
		return r;
	return sceau_buf_putf(b, "Date: %s, %d %s %d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "Monday 30 November 2026 at 14:05 UTC", in the reader's language. */
static int
mail_human_date(const struct mail_lang *lang, uint64_t us, char *out, size_t n)
{
	struct tm tm;
	char day[8];
	int r;

	if ((r = mail_gmtime(us, &tm)) != 0)
		return r;
	if (tm.tm_mday == 1)
		(void)snprintf(day, sizeof(day), "%s", lang->first);
	else
		(void)snprintf(day, sizeof(day), "%d", tm.tm_mday);
	r = snprintf(out, n, "%s %s %s %d %s %02d:%02d UTC",
	    lang->days[tm.tm_wday], day, lang->months[tm.tm_mon],
	    tm.tm_year + 1900, lang->at, tm.tm_hour, tm.tm_min);
	return r > 0 && (size_t)r < n ? 0 : SCEAU_ERR_INTERNAL;
}

/* ------------------------------------------------------------------ */
/* Text. */

static void
mail_var(struct mail_vars *vs, const char *name, const char *value, int tmpl)
{
	if (vs->n < MAIL_VARS_MAX) {
		vs->v[vs->n].name = name;
		vs->v[vs->n].value = value;
		vs->v[vs->n].is_template = tmpl;
		vs->n++;
	}
}

static const struct mail_var *
mail_var_find(const struct mail_vars *vs, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		if (strlen(vs->v[i].name) == n &&
		    memcmp(vs->v[i].name, name, n) == 0)
			return &vs->v[i];
	}
	return NULL;
}

/*
 * Appends tmpl to out with each {name} replaced by its value.  Values
 * are copied as they are (a name holding "{org}" stays so); a template
 * value is expanded once more, with no templates this time.
 */
static int
mail_expand(struct sceau_buf *out, const char *tmpl, const struct mail_vars *vs,
    int depth)
{
	const struct mail_var *v;
	const char *p, *end;
	int r;

	while (
	    (p = strchr(tmpl, '{')) != NULL && (end = strchr(p, '}')) != NULL) {
		v = mail_var_find(vs, p + 1, (size_t)(end - p - 1));
		if (v == NULL || (v->is_template && depth > 0))
			return SCEAU_ERR_INTERNAL; /* a template of ours */
		if ((r = sceau_buf_put(out, tmpl, (size_t)(p - tmpl))) != 0)
			return r;
		r = v->is_template
		    ? mail_expand(out, v->value, vs, depth + 1)
		    : sceau_buf_put(out, v->value, strlen(v->value));
		if (r != 0)
			return r;
		tmpl = end + 1;
	}
	return sceau_buf_put(out, tmpl, strlen(tmpl));
}

/* Columns of s[0..n): UTF-8 characters. */
static size_t
mail_columns(const char *s, size_t n)
{
	size_t i, cols = 0;

	for (i = 0; i < n; i++)
		cols += ((uint8_t)s[i] & 0xc0) != 0x80;
	return cols;
}

/*
 * Appends the line s[0..n) broken at blanks into lines of at most width
 * columns (a longer word stays whole), the first starting at column col.
 * Each break is CRLF then cont ("" for text, " " to fold a header).
 */
static int
mail_wrap(struct sceau_buf *b, const char *s, size_t n, size_t col,
    size_t width, const char *cont)
{
	size_t start = 0, brk = 0, i;
	int r;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ')
			continue;
		/* s[start..i) is what the current line would hold. */
		if (brk > start &&
		    col + mail_columns(s + start, i - start) > width) {
			if ((r = sceau_buf_put(b, s + start, brk - start)) !=
			        0 ||
			    (r = sceau_buf_putf(b, "\r\n%s", cont)) != 0)
				return r;
			col = strlen(cont);
			start = brk + 1;
		}
		brk = i;
	}
	return sceau_buf_put(b, s + start, n - start);
}

/* The body: each line wrapped unless it starts with a blank; CRLF. */
static int
mail_put_body(struct sceau_buf *b, const char *text, size_t n)
{
	const char *p = text, *nl, *end = text + n;
	int r;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((r = p[0] == ' ' ? sceau_buf_put(b, p, (size_t)(nl - p))
		                     : mail_wrap(b, p, (size_t)(nl - p), 0,
		                           MAIL_WRAP, "")) != 0 ||
		    (r = sceau_buf_put(b, "\r\n", 2)) != 0)
			return r;
		p = nl + 1;
	}
	return 0;
}

static int
mail_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((uint8_t)*s < 0x20 || (uint8_t)*s > 0x7e)
			return 0;
	}
	return 1;
}

/*
 * "Name: value" CRLF: ASCII folded at blanks, anything else as RFC 2047
 * encoded-words ("=?UTF-8?B?...?=", at most 75 characters each), one per
 * line, each holding whole characters.
 */
static int
mail_put_header(struct sceau_buf *b, const char *name, const char *value)
{
	size_t n = strlen(value), off = 0, k;
	int r;

	if ((r = sceau_buf_putf(b, "%s: ", name)) != 0)
		return r;
	if (mail_ascii(value)) {
		if ((r = mail_wrap(b, value, n, strlen(name) + 2,
		         MAIL_HEADER_WRAP, " ")) != 0)
			return r;
		return sceau_buf_put(b, "\r\n", 2);
	}
	while (off < n) {
		k = SCEAU_MIN(n - off, (size_t)MAIL_EW_CHUNK);
		while (off + k < n && ((uint8_t)value[off + k] & 0xc0) == 0x80)
			k--; /* not inside a character */
		if ((r = sceau_buf_putf(
		         b, "%s=?UTF-8?B?", off > 0 ? " " : "")) != 0 ||
		    (r = sceau_enc_b64_put(b, value + off, k, SCEAU_B64_STD)) !=
		        0 ||
		    (r = sceau_buf_put(b, "?=\r\n", 4)) != 0)
			return r;
		off += k;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The message. */

static int
mail_put_headers(struct sceau_buf *b, const struct srv_mail_config *mc,
    const struct srv_mail_invite *m, const char *subject, uint64_t now_us,
    const char *lang)
{
	uint8_t id[16];
	char hex[2 * sizeof(id) + 1];
	int r;

	if ((r = sceau_random_bytes(id, sizeof(id))) != 0)
		return r;
	sceau_enc_hex_fixed(id, sizeof(id), hex);
	if ((r = mail_put_date(b, now_us)) != 0 ||
	    (r = sceau_buf_putf(
	         b, "From: %s\r\nTo: %s\r\n", mc->from, m->to)) != 0 ||
	    (r = mail_put_header(b, "Subject", subject)) != 0 ||
	    (r = sceau_buf_putf(b, "Message-ID: <%s@%s>\r\n", hex,
	         strrchr(mc->from, '@') + 1)) != 0)
		return r;
	return sceau_buf_putf(b,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Content-Language: %s\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n",
	    lang);
}

static int
mail_compose(struct sceau_buf *out, struct sceau_buf *tmp,
    const struct srv_mail_config *mc, const struct srv_mail_invite *m,
    const struct mail_lang *lang, uint64_t now_us)
{
	const struct mail_kind *k = m->device ? &lang->device : &lang->user;
	struct mail_vars vs = {0};
	char expires[128];
	int r;

	if ((r = mail_human_date(
	         lang, m->expires_us, expires, sizeof(expires))) != 0)
		return r;
	mail_var(&vs, "org", m->org_id, 0);
	mail_var(
	    &vs, "inviter", m->inviter != NULL ? m->inviter : k->someone, 0);
	mail_var(&vs, "link", m->link, 0);
	mail_var(&vs, "expires", expires, 0);
	mail_var(
	    &vs, "intro", m->inviter != NULL ? k->intro : k->intro_anon, 1);
	mail_var(&vs, "setup", k->setup, 0);
	mail_var(&vs, "between", k->between, 0);
	mail_var(&vs, "unexpected", k->unexpected, 0);
	if ((r = mail_expand(tmp, k->subject, &vs, 0)) != 0 ||
	    (r = sceau_buf_put_u8(tmp, 0)) != 0 ||
	    (r = mail_put_headers(out, mc, m, (const char *)sceau_buf_ptr(tmp),
	         now_us, lang->code)) != 0)
		return r;
	sceau_buf_reset(tmp);
	if ((r = mail_expand(tmp, lang->body, &vs, 0)) != 0)
		return r;
	return mail_put_body(
	    out, (const char *)sceau_buf_ptr(tmp), sceau_buf_len(tmp));
}

int
srv_mail_build_invite(const struct srv_mail_config *mc,
    const struct srv_mail_invite *m, uint64_t now_us, struct sceau_buf *out)
{
	const struct mail_lang *lang = NULL;
	size_t start = sceau_buf_len(out);
	struct sceau_buf *tmp;
	int r;

	if ((r = mail_check(mc, m, &lang)) != 0)
		return r;
	if ((tmp = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_set_max_size(tmp, SRV_MAIL_MESSAGE_MAX)) == 0)
		r = mail_compose(out, tmp, mc, m, lang, now_us);
	sceau_buf_free(tmp);
	/* Nothing of a message that failed half-way. */
	if (r != 0 && sceau_buf_len(out) > start)
		(void)sceau_buf_consume_end(out, sceau_buf_len(out) - start);
	return r;
}

/* ------------------------------------------------------------------ */
/* Sending. */

struct mail_xfer {
	const struct srv_mail_config *mc;
	const uint8_t *msg;
	size_t len, off;
	int refused; /* a plain relay resolved off loopback */
	char errbuf[CURL_ERROR_SIZE];
};

int
srv_mail_enabled(const struct srv_mail_config *mc)
{
	return mc != NULL && mc->enabled;
}

/* curl reads the message from our buffer, never past its end. */
static size_t
mail_read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
	struct mail_xfer *x = arg;
	size_t n = x->len - x->off;

	if (size == 0 || nitems > SIZE_MAX / size)
		return CURL_READFUNC_ABORT;
	n = SCEAU_MIN(n, size * nitems);
	memcpy(dst, x->msg + x->off, n);
	x->off += n;
	return n;
}

/* Plain SMTP: whatever the relay's name resolved to, loopback only. */
static curl_socket_t
mail_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct mail_xfer *x = arg;

	(void)purpose;
	if (x->mc->tls == SRV_MAIL_TLS_NONE &&
	    !sceau_http_addr_loopback(a->family, &a->addr, a->addrlen)) {
		x->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* The connection: relay, protocols, TLS, credentials, time limits. */
static int
mail_setup_conn(CURL *c, struct mail_xfer *x)
{
	const struct srv_mail_config *mc = x->mc;
	int tls =
	    mc->tls == SRV_MAIL_TLS_STARTTLS || mc->tls == SRV_MAIL_TLS_SMTPS;
	int ok = 1;

	ok &= curl_easy_setopt(c, CURLOPT_URL, mc->url) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
	          mc->tls == SRV_MAIL_TLS_SMTPS ? "smtps" : "smtp") == CURLE_OK;
#else
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	          mc->tls == SRV_MAIL_TLS_SMTPS ? CURLPROTO_SMTPS
	                                        : CURLPROTO_SMTP) == CURLE_OK;
#endif
	ok &= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_USE_SSL,
	          (long)(tls ? CURLUSESSL_ALL : CURLUSESSL_NONE)) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSLVERSION,
	          (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
	if (mc->ca_file != NULL) {
		/* The given anchors replace the system store. */
		ok &= curl_easy_setopt(c, CURLOPT_CAINFO, mc->ca_file) ==
		    CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK;
	}
	if (mc->password != NULL) {
		ok &= curl_easy_setopt(c, CURLOPT_USERNAME, mc->username) ==
		    CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_PASSWORD, mc->password) ==
		    CURLE_OK;
	}
	ok &= curl_easy_setopt(
	          c, CURLOPT_OPENSOCKETFUNCTION, mail_opensocket) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)mc->timeout_ms) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	          (long)SCEAU_MIN(mc->timeout_ms, MAIL_CONNECT_TIMEOUT_MS)) ==
	    CURLE_OK;
	return ok ? 0 : SCEAU_ERR_INTERNAL;
}

/* The envelope and the message. */
static int
mail_setup_xfer(
    CURL *c, struct mail_xfer *x, const char *from, struct curl_slist *rcpt)
{
	int ok = 1;

	ok &= curl_easy_setopt(c, CURLOPT_MAIL_FROM, from) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) == CURLE_OK;
	ok &=
	    curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read_cb) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_READDATA, x) == CURLE_OK;
	ok &= curl_easy_setopt(
	          c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len) == CURLE_OK;
	return ok ? 0 : SCEAU_ERR_INTERNAL;
}

/* curl's failure as SCEAU_ERR_MAIL, with its reason and the relay's code. */
static int
mail_failed(CURL *c, CURLcode cc, const struct mail_xfer *x, const char *to)
{
	const char *why =
	    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc);
	char reply[48] = "", num[24];
	long code = 0;

	if (x->refused) {
		sceau_message(
		    "mail to %s: relay %s resolved to an address that "
		    "is not loopback: refusing plain SMTP",
		    to, x->mc->relay);
	} else {
		/* The relay's last reply code, unless curl's text has it. */
		if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) ==
		        CURLE_OK &&
		    code != 0 &&
		    (snprintf(num, sizeof(num), "%ld", code) < 0 ||
		        strstr(why, num) == NULL))
			(void)snprintf(reply, sizeof(reply),
			    " (the relay's last reply: %ld)", code);
		sceau_message("mail to %s through %s: %s%s", to, x->mc->relay,
		    why, reply);
	}
	error_r(SCEAU_ERR_MAIL, "%s", sceau_last_message());
	return SCEAU_ERR_MAIL;
}

static int
mail_send(const struct srv_mail_config *mc, const char *to,
    const struct sceau_buf *msg)
{
	struct mail_xfer x;
	char from[SRV_MAIL_ADDR_MAX + 3], rcpt_addr[SRV_MAIL_ADDR_MAX + 3];
	struct curl_slist rcpt = {rcpt_addr, NULL};
	CURLcode cc;
	CURL *c;
	int r;

	memset(&x, 0, sizeof(x));
	x.mc = mc;
	x.msg = sceau_buf_ptr(msg);
	x.len = sceau_buf_len(msg);
	(void)snprintf(from, sizeof(from), "<%s>", mc->from);
	(void)snprintf(rcpt_addr, sizeof(rcpt_addr), "<%s>", to);
	if ((r = sceau_http_global_init()) != 0)
		return r;
	if ((c = curl_easy_init()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = mail_setup_conn(c, &x)) == 0 &&
	    (r = mail_setup_xfer(c, &x, from, &rcpt)) == 0 &&
	    (cc = curl_easy_perform(c)) != CURLE_OK)
		r = mail_failed(c, cc, &x, to);
	/* One handle per message: curl's copy of the password (which it
	 * frees without wiping) lives no longer than this exchange. */
	curl_easy_cleanup(c);
	return r;
}

int
srv_mail_send_invite(
    const struct srv_mail_config *mc, const struct srv_mail_invite *m)
{
	struct sceau_buf *msg;
	int r;

	if (!srv_mail_enabled(mc)) {
		sceau_message("mail is not configured (mail.relay)");
		return SCEAU_ERR_NOT_SUPPORTED;
	}
	if ((msg = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_set_max_size(msg, SRV_MAIL_MESSAGE_MAX)) == 0 &&
	    (r = srv_mail_build_invite(mc, m, srv_clock_us(), msg)) == 0 &&
	    (r = mail_send(mc, m->to, msg)) == 0)
		info_f("%s invitation to %s mailed to %s",
		    m->device ? "device" : "user", m->org_id, m->to);
	sceau_buf_free(msg);
	return r;
}
