/*
 * token.c: a session on one token: finding it by URI, logging in, the
 * key pair on it, signing and unwrapping on it (see token.h).
 *
 * The pair is found lazily: the certificate when first asked for (most
 * tokens show it without a PIN), the private key at its first use (most
 * tokens hide it until login).  Both are looked for with the URI's id and
 * label; the key then by the certificate's CKA_ID, which is what binds
 * them on every token we know (SoftHSM imports, OpenSC's PIV slots).
 */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "aead.h"
#include "alloc.h"
#include "errors.h"
#include "log.h"
#include "random.h"
#include "secmem.h"
#include "token-internal.h"
#include "token.h"

struct sceau_token {
	struct token_modset *ms;
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	int have_session;
	struct sceau_token_info info;
	/* What the URI asks for. */
	uint8_t want_id[TOKEN_ID_MAX];
	size_t want_idlen;
	int want_has_id;
	char want_label[256];
	int want_has_label;
	/* The pair, once found. */
	int cert_tried;
	int cert_error; /* of the first look for the certificate */
	uint8_t *cert;
	size_t certlen;
	uint8_t id[TOKEN_ID_MAX];
	size_t idlen;
	int has_id;
	CK_OBJECT_HANDLE key;
	int has_key;
	int always_auth;
	enum sceau_token_key_type type;
	unsigned int bits;
	EVP_PKEY *pub; /* the certificate's public key */
	int logged_in;
	unsigned long ops;
	CK_TOKEN_INFO ti; /* as found: to tell if it is still there */
};

static void
count_op(struct sceau_token *t)
{
	t->ops++;
	token_count_global();
}

unsigned long
sceau_token_ops(const struct sceau_token *t)
{
	return t != NULL ? t->ops : 0;
}

/*
 * The error of a failed call, after a look at the token: a card pulled out
 * shows as CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT or an invalid
 * session, which token_rv_error() knows; a token deleted or replaced
 * under us (SoftHSM, a card swapped) as handles gone invalid or other
 * failures, which only a look at the slot tells apart.
 */
static int
call_error(struct sceau_token *t, CK_RV rv, const char *what)
{
	int r = token_rv_error(rv, what);
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;

	if (r != SCEAU_ERR_TOKEN_FAILURE && r != SCEAU_ERR_TOKEN_NO_KEY)
		return r;
	if (t->f->C_GetSessionInfo(t->session, &si) != CKR_OK ||
	    t->f->C_GetTokenInfo(t->slot, &ti) != CKR_OK ||
	    memcmp(ti.serialNumber, t->ti.serialNumber,
	        sizeof(ti.serialNumber)) != 0 ||
	    memcmp(ti.label, t->ti.label, sizeof(ti.label)) != 0) {
		sceau_message("%s: token \"%s\" is gone (CKR 0x%lx)", what,
		    t->info.label, (unsigned long)rv);
		return SCEAU_ERR_TOKEN_ABSENT;
	}
	return r;
}

int
sceau_token_present(struct sceau_token *t)
{
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;

	if (t->f->C_GetSessionInfo(t->session, &si) != CKR_OK ||
	    (si.state != CKS_RO_USER_FUNCTIONS &&
	        si.state != CKS_RW_USER_FUNCTIONS) ||
	    t->f->C_GetTokenInfo(t->slot, &ti) != CKR_OK ||
	    memcmp(ti.serialNumber, t->ti.serialNumber,
	        sizeof(ti.serialNumber)) != 0 ||
	    memcmp(ti.label, t->ti.label, sizeof(ti.label)) != 0) {
		sceau_message(
		    "token \"%s\" is gone or logged out", t->info.label);
		return SCEAU_ERR_TOKEN_ABSENT;
	}
	return 0;
}

/* ------------------------------------------------------------- opening */

/* The object attributes the URI names: id and label. */
static int
take_uri_object(struct sceau_token *t, P11KitUri *uri)
{
	CK_ATTRIBUTE *a;

	if ((a = p11_kit_uri_get_attribute(uri, CKA_ID)) != NULL) {
		if (a->ulValueLen > sizeof(t->want_id)) {
			sceau_message(
			    "id longer than %zu bytes", sizeof(t->want_id));
			return SCEAU_ERR_TOKEN_URI;
		}
		if (a->ulValueLen > 0)
			memcpy(t->want_id, a->pValue, a->ulValueLen);
		t->want_idlen = a->ulValueLen;
		t->want_has_id = 1;
	}
	if ((a = p11_kit_uri_get_attribute(uri, CKA_LABEL)) != NULL) {
		if (a->ulValueLen >= sizeof(t->want_label)) {
			sceau_message("object label too long");
			return SCEAU_ERR_TOKEN_URI;
		}
		if (a->ulValueLen > 0)
			memcpy(t->want_label, a->pValue, a->ulValueLen);
		t->want_has_label = 1;
	}
	return 0;
}

static int
parse_uri(const char *s, P11KitUri **urip)
{
	P11KitUri *uri;
	int ret;

	*urip = NULL;
	if ((uri = p11_kit_uri_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((ret = p11_kit_uri_parse(s, P11_KIT_URI_FOR_ANY, uri)) !=
	    P11_KIT_URI_OK) {
		sceau_message("%s", p11_kit_uri_message(ret));
		p11_kit_uri_free(uri);
		return SCEAU_ERR_TOKEN_URI;
	}
	if (p11_kit_uri_get_pin_value(uri) != NULL ||
	    p11_kit_uri_get_pin_source(uri) != NULL) {
		sceau_message("a PIN in the URI is refused: give it apart");
		p11_kit_uri_free(uri);
		return SCEAU_ERR_TOKEN_URI;
	}
	if (p11_kit_uri_any_unrecognized(uri)) {
		sceau_message("unknown attribute in the URI");
		p11_kit_uri_free(uri);
		return SCEAU_ERR_TOKEN_URI;
	}
	*urip = uri;
	return 0;
}

/* What we found so far while looking for the token. */
struct search {
	int tokens; /* present and initialized, matching or not */
	int matches;
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slot;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	char labels[256]; /* of the matches, for an ambiguity message */
};

static void
search_slot(
    P11KitUri *uri, CK_FUNCTION_LIST *f, CK_SLOT_ID slot, struct search *s)
{
	CK_SLOT_ID want = p11_kit_uri_get_slot_id(uri);
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	size_t n;

	if (want != (CK_SLOT_ID)-1 && want != slot)
		return;
	if (f->C_GetSlotInfo(slot, &si) != CKR_OK ||
	    !p11_kit_uri_match_slot_info(uri, &si) ||
	    f->C_GetTokenInfo(slot, &ti) != CKR_OK ||
	    !(ti.flags & CKF_TOKEN_INITIALIZED))
		return;
	s->tokens++;
	if (!p11_kit_uri_match_token_info(uri, &ti))
		return;
	if (s->matches++ == 0) {
		s->f = f;
		s->slot = slot;
		s->si = si;
		s->ti = ti;
	}
	n = strlen(s->labels);
	if (n < sizeof(s->labels) - 40)
		(void)snprintf(s->labels + n, sizeof(s->labels) - n,
		    "%s\"%.*s\"", n > 0 ? ", " : "",
		    (int)p11_kit_space_strlen(ti.label, sizeof(ti.label)),
		    ti.label);
}

static void
search_module(P11KitUri *uri, CK_FUNCTION_LIST *f, struct search *s)
{
	CK_SLOT_ID ids[TOKEN_SLOTS_MAX];
	CK_ULONG n = TOKEN_SLOTS_MAX, i;
	CK_INFO ci;
	CK_RV rv;

	if ((rv = f->C_GetInfo(&ci)) != CKR_OK ||
	    !p11_kit_uri_match_module_info(uri, &ci))
		return;
	if ((rv = f->C_GetSlotList(CK_TRUE, ids, &n)) != CKR_OK) {
		debug_f("C_GetSlotList: %s", p11_kit_strerror(rv));
		return;
	}
	for (i = 0; i < n; i++)
		search_slot(uri, f, ids[i], s);
}

static int
find_token(struct sceau_token *t, P11KitUri *uri)
{
	CK_FUNCTION_LIST **mods = token_modset_modules(t->ms);
	struct search s;
	size_t i;

	memset(&s, 0, sizeof(s));
	for (i = 0; mods[i] != NULL; i++)
		search_module(uri, mods[i], &s);
	if (s.matches == 0) {
		sceau_message("none of the %d tokens found matches (is the "
		              "card inserted?)",
		    s.tokens);
		return SCEAU_ERR_TOKEN_NOT_FOUND;
	}
	if (s.matches > 1) {
		sceau_message("%d tokens match: %s", s.matches, s.labels);
		return SCEAU_ERR_TOKEN_AMBIGUOUS;
	}
	t->f = s.f;
	t->slot = s.slot;
	t->ti = s.ti;
	token_info_fill(t->ms, s.f, s.slot, &s.si, &s.ti, &t->info);
	return 0;
}

int
sceau_token_open(const char *uristr, struct sceau_token **tp)
{
	struct sceau_token *t = NULL;
	P11KitUri *uri = NULL;
	CK_RV rv;
	int r;

	sceau_return_val_if_fail(tp != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*tp = NULL;
	sceau_return_val_if_fail(uristr != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = parse_uri(uristr, &uri)) != 0)
		return r;
	if ((t = sceau_calloc(1, sizeof(*t))) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = take_uri_object(t, uri)) != 0 ||
	    (r = token_modset_open(p11_kit_uri_get_module_name(uri),
	         p11_kit_uri_get_module_path(uri), &t->ms)) != 0 ||
	    (r = find_token(t, uri)) != 0)
		goto out;
	if ((rv = t->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL,
	         &t->session)) != CKR_OK) {
		r = token_rv_error(rv, "C_OpenSession");
		goto out;
	}
	t->have_session = 1;
	*tp = t;
	t = NULL;
	r = 0;
out:
	sceau_token_close(t);
	p11_kit_uri_free(uri);
	return r;
}

void
sceau_token_close(struct sceau_token *t)
{
	if (t == NULL)
		return;
	/* Closing the last session logs the application out (PKCS#11). */
	if (t->have_session)
		(void)t->f->C_CloseSession(t->session);
	token_modset_close(t->ms);
	sceau_free(t->cert);
	EVP_PKEY_free(t->pub);
	sceau_freezero(t, sizeof(*t));
}

const struct sceau_token_info *
sceau_token_info(struct sceau_token *t)
{
	CK_TOKEN_INFO ti;

	sceau_return_val_if_fail(t != NULL, NULL);
	if (t->f->C_GetTokenInfo(t->slot, &ti) == CKR_OK) {
		t->info.flags = (unsigned long)ti.flags;
		t->info.pin_state = token_pin_state(ti.flags);
	}
	return &t->info;
}

/* -------------------------------------------------------------- login */

/* Says what the token tells of the tries left; maybe locked now. */
static int
wrong_pin(struct sceau_token *t, int r)
{
	switch (sceau_token_info(t)->pin_state) {
	case SCEAU_TOKEN_PIN_LOCKED:
		sceau_message("the token locked the PIN");
		return SCEAU_ERR_PIN_LOCKED;
	case SCEAU_TOKEN_PIN_FINAL_TRY:
		sceau_message("one try left before the PIN locks");
		break;
	case SCEAU_TOKEN_PIN_COUNT_LOW:
		sceau_message("few tries left before the PIN locks");
		break;
	case SCEAU_TOKEN_PIN_OK:
		break;
	}
	return r;
}

int
sceau_token_login(struct sceau_token *t, const void *pin, size_t pinlen)
{
	CK_UTF8CHAR *copy = NULL;
	CK_RV rv;
	int r;

	sceau_return_val_if_fail(t != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (pin == NULL &&
	    !(sceau_token_info(t)->flags & CKF_PROTECTED_AUTHENTICATION_PATH))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (pin != NULL && (pinlen == 0 || pinlen > SCEAU_TOKEN_PIN_MAX)) {
		sceau_message(
		    "a PIN has 1 to %d characters", SCEAU_TOKEN_PIN_MAX);
		return SCEAU_ERR_WRONG_PIN;
	}
	/* C_Login takes a mutable pointer: give it a locked copy. */
	if (pin != NULL) {
		if ((copy = sceau_secmem_alloc(pinlen)) == NULL)
			return SCEAU_ERR_SECMEM;
		memcpy(copy, pin, pinlen);
	}
	count_op(t);
	rv = t->f->C_Login(
	    t->session, CKU_USER, copy, pin != NULL ? (CK_ULONG)pinlen : 0);
	sceau_secmem_free(copy);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
		t->logged_in = 1;
		return 0;
	}
	r = call_error(t, rv, "C_Login");
	if (r == SCEAU_ERR_WRONG_PIN)
		r = wrong_pin(t, r);
	return r;
}

/* ------------------------------------------------------------ objects */

/* Up to max objects matching tmpl[0..n); *count of them. */
static int
find_objects(struct sceau_token *t, CK_ATTRIBUTE *tmpl, CK_ULONG n,
    CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count)
{
	CK_RV rv;

	*count = 0;
	if ((rv = t->f->C_FindObjectsInit(t->session, tmpl, n)) != CKR_OK)
		return call_error(t, rv, "C_FindObjectsInit");
	rv = t->f->C_FindObjects(t->session, out, max, count);
	(void)t->f->C_FindObjectsFinal(t->session);
	if (rv != CKR_OK)
		return call_error(t, rv, "C_FindObjects");
	return 0;
}

/* The id and label to look for: the certificate's id once known. */
static CK_ULONG
object_template(struct sceau_token *t, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	if (t->has_id) {
		tmpl[n++] = (CK_ATTRIBUTE){CKA_ID, t->id, t->idlen};
		return n;
	}
	if (t->want_has_id)
		tmpl[n++] = (CK_ATTRIBUTE){CKA_ID, t->want_id, t->want_idlen};
	if (t->want_has_label)
		tmpl[n++] = (CK_ATTRIBUTE){
		    CKA_LABEL, t->want_label, strlen(t->want_label)};
	return n;
}

/* One object: none is `none`, several are ambiguous. */
static int
find_one(struct sceau_token *t, CK_ATTRIBUTE *tmpl, CK_ULONG n,
    CK_OBJECT_HANDLE *h, int none, const char *what)
{
	CK_OBJECT_HANDLE found[2];
	CK_ULONG count;
	int r;

	if ((r = find_objects(t, tmpl, n, found, 2, &count)) != 0)
		return r;
	if (count == 0) {
		sceau_message(
		    "no %s on token \"%s\" matches", what, t->info.label);
		return none;
	}
	if (count > 1) {
		sceau_message("several %ss on token \"%s\" match: add id= or "
		              "object= to the URI",
		    what, t->info.label);
		return SCEAU_ERR_TOKEN_AMBIGUOUS;
	}
	*h = found[0];
	return 0;
}

/* Reads attribute type of h (at most max bytes) into a new allocation. */
static int
read_attr(struct sceau_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    size_t max, uint8_t **outp, size_t *lenp)
{
	CK_ATTRIBUTE a = {type, NULL, 0};
	CK_RV rv;

	*outp = NULL;
	*lenp = 0;
	if ((rv = t->f->C_GetAttributeValue(t->session, h, &a, 1)) != CKR_OK)
		return call_error(t, rv, "C_GetAttributeValue");
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0 ||
	    a.ulValueLen > max) {
		sceau_message("attribute 0x%lx of %lu bytes",
		    (unsigned long)type, (unsigned long)a.ulValueLen);
		return SCEAU_ERR_TOKEN_FAILURE;
	}
	if ((a.pValue = sceau_malloc(a.ulValueLen)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((rv = t->f->C_GetAttributeValue(t->session, h, &a, 1)) != CKR_OK) {
		sceau_free(a.pValue);
		return call_error(t, rv, "C_GetAttributeValue");
	}
	*outp = a.pValue;
	*lenp = a.ulValueLen;
	return 0;
}

static int
load_cert(struct sceau_token *t)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ctype = CKC_X_509;
	CK_ATTRIBUTE tmpl[4] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_CERTIFICATE_TYPE, &ctype, sizeof(ctype)},
	};
	CK_OBJECT_HANDLE h;
	uint8_t *id = NULL;
	size_t idlen;
	int r;

	t->cert_tried = 1;
	if ((r = find_one(t, tmpl, object_template(t, tmpl, 2), &h,
	         SCEAU_ERR_TOKEN_NO_CERT, "certificate")) != 0 ||
	    (r = read_attr(t, h, CKA_VALUE, SCEAU_TOKEN_CERT_MAX, &t->cert,
	         &t->certlen)) != 0)
		goto out;
	/* No id: the key is then looked for as the URI says. */
	if (read_attr(t, h, CKA_ID, TOKEN_ID_MAX, &id, &idlen) == 0) {
		memcpy(t->id, id, idlen);
		t->idlen = idlen;
		t->has_id = 1;
	}
	sceau_free(id);
	/* An unsupported key still lets the certificate be shown. */
	if (token_cert_pubkey(
	        t->cert, t->certlen, &t->pub, &t->type, &t->bits) != 0)
		debug_f("token certificate: %s", sceau_last_message());
	r = 0;
out:
	t->cert_error = r;
	return r;
}

int
sceau_token_certificate(struct sceau_token *t, const uint8_t **der, size_t *len)
{
	sceau_return_val_if_fail(t != NULL && der != NULL && len != NULL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	*der = NULL;
	*len = 0;
	if (!t->cert_tried)
		(void)load_cert(t);
	if (t->cert == NULL)
		return t->cert_error != 0 ? t->cert_error
		                          : SCEAU_ERR_TOKEN_NO_CERT;
	*der = t->cert;
	*len = t->certlen;
	return 0;
}

/* EC curve from a private key's CKA_EC_PARAMS (a named curve's OID). */
static enum sceau_token_key_type
curve_of(const uint8_t *p, size_t n)
{
	static const uint8_t p256[] = {
	    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static const uint8_t p384[] = {
	    0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

	if (n == sizeof(p256) && memcmp(p, p256, n) == 0)
		return SCEAU_TOKEN_KEY_EC_P256;
	if (n == sizeof(p384) && memcmp(p, p384, n) == 0)
		return SCEAU_TOKEN_KEY_EC_P384;
	return SCEAU_TOKEN_KEY_NONE;
}

/* The key's type from its own attributes, when there is no certificate. */
static enum sceau_token_key_type
key_attr_type(struct sceau_token *t, CK_KEY_TYPE kt, unsigned int *bits)
{
	enum sceau_token_key_type type = SCEAU_TOKEN_KEY_NONE;
	uint8_t *v;
	size_t n;

	*bits = 0;
	if (read_attr(t, t->key, kt == CKK_RSA ? CKA_MODULUS : CKA_EC_PARAMS,
	        TOKEN_RSA_BITS_MAX / 8, &v, &n) != 0)
		return SCEAU_TOKEN_KEY_NONE;
	if (kt == CKK_RSA && n * 8 >= TOKEN_RSA_BITS_MIN) {
		type = SCEAU_TOKEN_KEY_RSA;
		*bits = (unsigned int)(n * 8);
	} else if (kt == CKK_EC) {
		type = curve_of(v, n);
		*bits = (unsigned int)(token_ec_field_len(type) * 8);
	}
	sceau_free(v);
	return type;
}

static int
key_attributes(struct sceau_token *t)
{
	CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
	CK_BBOOL always = CK_FALSE;
	CK_ATTRIBUTE a[2] = {
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_ALWAYS_AUTHENTICATE, &always, sizeof(always)},
	};
	CK_RV rv;

	/* CKA_ALWAYS_AUTHENTICATE may be missing: not an error. */
	rv = t->f->C_GetAttributeValue(t->session, t->key, a, 2);
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID)
		return call_error(t, rv, "C_GetAttributeValue");
	t->always_auth = a[1].ulValueLen == sizeof(always) && always == CK_TRUE;
	if (t->cert != NULL) {
		if (t->type == SCEAU_TOKEN_KEY_NONE)
			return 0;
		if ((kt == CKK_RSA) != (t->type == SCEAU_TOKEN_KEY_RSA) ||
		    (kt == CKK_EC) == (t->type == SCEAU_TOKEN_KEY_RSA)) {
			sceau_message("the private key does not match the "
			              "certificate");
			return SCEAU_ERR_TOKEN_NO_KEY;
		}
		return 0;
	}
	t->type = key_attr_type(t, kt, &t->bits);
	return 0;
}

static int
load_key(struct sceau_token *t)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[3] = {{CKA_CLASS, &cls, sizeof(cls)}};
	int r;

	if (!t->cert_tried && (r = load_cert(t)) != 0 &&
	    r != SCEAU_ERR_TOKEN_NO_CERT)
		return r;
	if ((r = find_one(t, tmpl, object_template(t, tmpl, 1), &t->key,
	         SCEAU_ERR_TOKEN_NO_KEY, "private key")) != 0) {
		if (r == SCEAU_ERR_TOKEN_NO_KEY && !t->logged_in &&
		    (t->info.flags & CKF_LOGIN_REQUIRED))
			r = SCEAU_ERR_TOKEN_NOT_LOGGED_IN;
		return r;
	}
	if ((r = key_attributes(t)) != 0)
		return r;
	t->has_key = 1;
	return 0;
}

/* The private key, ready for an operation of ours. */
static int
ready_key(struct sceau_token *t)
{
	int r;

	if (!t->has_key && (r = load_key(t)) != 0)
		return r;
	if (t->type == SCEAU_TOKEN_KEY_NONE) {
		if (t->cert_error == 0 && t->cert != NULL)
			sceau_message("unsupported key in the certificate");
		return SCEAU_ERR_TOKEN_KEY_TYPE;
	}
	/* Such keys want the PIN again for each signature: we keep none. */
	if (t->always_auth) {
		sceau_message("the key asks for the PIN at each use "
		              "(CKA_ALWAYS_AUTHENTICATE): use another key");
		return SCEAU_ERR_TOKEN_MECHANISM;
	}
	return 0;
}

int
sceau_token_find_key(struct sceau_token *t)
{
	sceau_return_val_if_fail(t != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	return t->has_key ? 0 : load_key(t);
}

enum sceau_token_key_type
sceau_token_key_type(struct sceau_token *t)
{
	sceau_return_val_if_fail(t != NULL, SCEAU_TOKEN_KEY_NONE);
	if (!t->cert_tried)
		(void)load_cert(t);
	if (t->type == SCEAU_TOKEN_KEY_NONE && t->cert == NULL &&
	    t->logged_in && !t->has_key)
		(void)load_key(t);
	return t->type;
}

/* --------------------------------------------------------------- sign */

/* r||s (2 * field bytes) as a DER Ecdsa-Sig-Value, appended to out. */
static int
ecdsa_der(const uint8_t *rs, size_t n, struct sceau_buf *out)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br, *bs;
	unsigned char *der = NULL;
	int len, r = SCEAU_ERR_CRYPTO;

	br = BN_bin2bn(rs, (int)(n / 2), NULL);
	bs = BN_bin2bn(rs + n / 2, (int)(n / 2), NULL);
	if (br == NULL || bs == NULL || (es = ECDSA_SIG_new()) == NULL ||
	    ECDSA_SIG_set0(es, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		goto out;
	}
	if ((len = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto out;
	r = sceau_buf_put(out, der, (size_t)len);
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	ERR_clear_error();
	return r;
}

static int
host_digest(enum sceau_token_key_type type, const void *data, size_t len,
    uint8_t *md, unsigned int *mdlen)
{
	EVP_MD *m;
	int ok;

	if ((m = EVP_MD_fetch(NULL, token_sig_md(type), NULL)) == NULL)
		return SCEAU_ERR_CRYPTO;
	ok = EVP_Digest(data, len, md, mdlen, m, NULL) == 1;
	EVP_MD_free(m);
	return ok ? 0 : SCEAU_ERR_CRYPTO;
}

int
sceau_token_sign(struct sceau_token *t, const void *data, size_t len,
    struct sceau_buf *sig, const char **alg)
{
	CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	uint8_t md[EVP_MAX_MD_SIZE], out[SCEAU_TOKEN_SIG_MAX];
	CK_ULONG outlen = sizeof(out);
	unsigned int mdlen;
	CK_RV rv;
	int r;

	if (alg != NULL)
		*alg = NULL;
	sceau_return_val_if_fail(
	    t != NULL && sig != NULL && (data != NULL || len == 0),
	    SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = ready_key(t)) != 0 ||
	    (r = host_digest(t->type, data, len, md, &mdlen)) != 0)
		return r;
	if (t->type == SCEAU_TOKEN_KEY_RSA)
		mech = (CK_MECHANISM){CKM_RSA_PKCS_PSS, &pss, sizeof(pss)};
	if ((rv = t->f->C_SignInit(t->session, &mech, t->key)) != CKR_OK)
		return call_error(t, rv, "C_SignInit");
	count_op(t);
	if ((rv = t->f->C_Sign(t->session, md, mdlen, out, &outlen)) != CKR_OK)
		return call_error(t, rv, "C_Sign");
	if (t->type == SCEAU_TOKEN_KEY_RSA) {
		r = sceau_buf_put(sig, out, outlen);
	} else if (outlen != 2 * token_ec_field_len(t->type)) {
		sceau_message(
		    "ECDSA signature of %lu bytes", (unsigned long)outlen);
		r = SCEAU_ERR_TOKEN_FAILURE;
	} else {
		r = ecdsa_der(out, outlen, sig);
	}
	if (r == 0 && alg != NULL)
		*alg = sceau_token_sig_alg(t->type);
	return r;
}

/* ------------------------------------------------------------- unwrap */

static int
unwrap_rsa(struct sceau_token *t, const uint8_t *blob, size_t len,
    uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN])
{
	CK_MECHANISM_TYPE h =
	    blob[0] == SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1 ? CKM_SHA_1 : CKM_SHA256;
	CK_RSA_PKCS_OAEP_PARAMS oaep = {h,
	    h == CKM_SHA_1 ? CKG_MGF1_SHA1 : CKG_MGF1_SHA256,
	    CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM mech = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
	CK_ULONG outlen = SCEAU_TOKEN_WRAP_MAX;
	uint8_t *out;
	CK_RV rv;
	int r;

	if (len - 1 != (t->bits + 7) / 8)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((out = sceau_secmem_alloc(SCEAU_TOKEN_WRAP_MAX)) == NULL)
		return SCEAU_ERR_SECMEM;
	if ((rv = t->f->C_DecryptInit(t->session, &mech, t->key)) != CKR_OK) {
		sceau_secmem_free(out);
		return call_error(t, rv, "C_DecryptInit");
	}
	count_op(t);
	rv = t->f->C_Decrypt(t->session, (CK_BYTE *)(uintptr_t)(blob + 1),
	    (CK_ULONG)(len - 1), out, &outlen);
	if ((r = call_error(t, rv, "C_Decrypt")) == SCEAU_ERR_TOKEN_FAILURE)
		/* SoftHSM says CKR_GENERAL_ERROR for a bad padding. */
		r = SCEAU_ERR_DECRYPT_FAILED;
	if (r == 0 && outlen != SCEAU_TOKEN_WRAP_KEY_LEN)
		r = SCEAU_ERR_DECRYPT_FAILED;
	if (r == 0)
		memcpy(key, out, SCEAU_TOKEN_WRAP_KEY_LEN);
	sceau_secmem_free(out);
	return r;
}

/* The ECDH secret x(d * E), derived on the token and read back. */
static int
token_ecdh(
    struct sceau_token *t, const uint8_t *e, size_t elen, uint8_t *shared)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ULONG vlen = token_ec_field_len(t->type);
	CK_ECDH1_DERIVE_PARAMS p = {
	    CKD_NULL, 0, NULL, (CK_ULONG)elen, (CK_BYTE *)(uintptr_t)e};
	CK_MECHANISM mech = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
	/* A session object the host may read: the secret is no more
	 * sensitive than the key it unwraps, which the host gets anyway. */
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_SENSITIVE, &no, sizeof(no)},
	    {CKA_EXTRACTABLE, &yes, sizeof(yes)},
	    {CKA_VALUE_LEN, &vlen, sizeof(vlen)},
	};
	CK_ATTRIBUTE v = {CKA_VALUE, shared, vlen};
	CK_OBJECT_HANDLE obj;
	CK_RV rv;
	int r;

	count_op(t);
	if ((rv = t->f->C_DeriveKey(t->session, &mech, t->key, tmpl,
	         SCEAU_NELEM(tmpl), &obj)) != CKR_OK)
		return call_error(t, rv, "C_DeriveKey");
	rv = t->f->C_GetAttributeValue(t->session, obj, &v, 1);
	(void)t->f->C_DestroyObject(t->session, obj);
	if ((r = call_error(t, rv, "C_GetAttributeValue")) == 0 &&
	    v.ulValueLen != vlen) {
		sceau_message(
		    "ECDH secret of %lu bytes", (unsigned long)v.ulValueLen);
		r = SCEAU_ERR_TOKEN_FAILURE;
	}
	return r;
}

static int
unwrap_ec(struct sceau_token *t, const uint8_t *blob, size_t len,
    uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN])
{
	size_t plen = 1 + 2 * token_ec_field_len(t->type), rlen;
	const uint8_t *e = blob + 1, *nonce = e + plen;
	const uint8_t *ct = nonce + SCEAU_AEAD_NONCE_LEN;
	uint8_t *shared = NULL, rpt[TOKEN_EC_POINT_MAX], k[32];
	int r;

	if (blob[0] != token_ec_wrap_alg(t->type) ||
	    len != token_ec_wrap_len(t->type))
		return SCEAU_ERR_INVALID_FORMAT;
	if (t->pub == NULL)
		return SCEAU_ERR_TOKEN_NO_CERT;
	if (token_ec_point_check(t->type, e, plen) != 0)
		return SCEAU_ERR_DECRYPT_FAILED;
	if ((shared = sceau_secmem_alloc(TOKEN_EC_FIELD_MAX)) == NULL)
		return SCEAU_ERR_SECMEM;
	if ((r = token_ec_point(t->pub, t->type, rpt, &rlen)) != 0 ||
	    (r = token_ecdh(t, e, plen, shared)) != 0 ||
	    (r = token_ec_wrap_key(t->type, e, rpt, shared, k)) != 0 ||
	    (r = sceau_aead_decrypt(NULL, k, nonce, NULL, 0, ct,
	         SCEAU_TOKEN_WRAP_KEY_LEN, ct + SCEAU_TOKEN_WRAP_KEY_LEN,
	         key)) != 0)
		goto out;
	r = 0;
out:
	sceau_memzero(k, sizeof(k));
	sceau_secmem_free(shared);
	return r;
}

int
sceau_token_unwrap(struct sceau_token *t, const void *blob, size_t len,
    uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN])
{
	const uint8_t *b = blob;
	int r;

	sceau_return_val_if_fail(
	    t != NULL && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	memset(key, 0, SCEAU_TOKEN_WRAP_KEY_LEN);
	if (b == NULL || len < 2 || len > SCEAU_TOKEN_WRAP_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((r = ready_key(t)) != 0)
		return r;
	if (t->type != SCEAU_TOKEN_KEY_RSA)
		r = unwrap_ec(t, b, len, key);
	else if (b[0] == SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256 ||
	    b[0] == SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1)
		r = unwrap_rsa(t, b, len, key);
	else
		r = SCEAU_ERR_INVALID_FORMAT;
	if (r != 0)
		sceau_memzero(key, SCEAU_TOKEN_WRAP_KEY_LEN);
	return r;
}

int
sceau_token_oaep_probe(struct sceau_token *t, int *alg)
{
	static const int algs[] = {
	    SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256, SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1};
	uint8_t k[SCEAU_TOKEN_WRAP_KEY_LEN], got[SCEAU_TOKEN_WRAP_KEY_LEN];
	struct sceau_buf *b = NULL;
	size_t i;
	int r;

	sceau_return_val_if_fail(
	    t != NULL && alg != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*alg = 0;
	if ((r = ready_key(t)) != 0)
		return r;
	if (t->type != SCEAU_TOKEN_KEY_RSA) {
		*alg = token_ec_wrap_alg(t->type);
		return 0;
	}
	if (t->cert == NULL)
		return SCEAU_ERR_TOKEN_NO_CERT;
	if ((r = sceau_random_bytes(k, sizeof(k))) != 0 ||
	    (b = sceau_buf_new()) == NULL)
		return r != 0 ? r : SCEAU_ERR_ALLOC;
	r = SCEAU_ERR_TOKEN_MECHANISM;
	for (i = 0; i < SCEAU_NELEM(algs); i++) {
		sceau_buf_reset(b);
		if ((r = sceau_token_wrap_to_cert(
		         t->cert, t->certlen, algs[i], k, b)) != 0)
			break;
		r = sceau_token_unwrap(
		    t, sceau_buf_ptr(b), sceau_buf_len(b), got);
		if (r == 0 && sceau_timingsafe_bcmp(got, k, sizeof(k)) != 0)
			r = SCEAU_ERR_DECRYPT_FAILED;
		if (r == 0)
			*alg = algs[i];
		if (r != SCEAU_ERR_TOKEN_MECHANISM)
			break;
	}
	sceau_memzero(k, sizeof(k));
	sceau_memzero(got, sizeof(got));
	sceau_buf_free(b);
	return r;
}
