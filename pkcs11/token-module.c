/*
 * token-module.c: PKCS#11 modules through p11-kit: the allow-list of
 * module paths, loading and releasing, PKCS#11 errors, token listing.
 *
 * A module is native code run inside our process with our keys in memory:
 * only modules an administrator registered with p11-kit, or paths on an
 * allow-list, are ever loaded (OpenSSH's -P allowed_providers).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "i18n.h"
#include "log.h"
#include "token-internal.h"
#include "token.h"

/* Debian's paths of the modules we support (see doc/tokens.md). */
static const char *const default_allow[] = {
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
    "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
};

#define ALLOW_ENV "SCEAU_PKCS11_ALLOW"

/* The workstation policy's modules (sceau_token_policy_modules()). */
static const char *const *policy_mods;
static size_t npolicy_mods;

static atomic_ulong global_ops;

void
token_count_global(void)
{
	atomic_fetch_add(&global_ops, 1);
}

unsigned long
sceau_token_ops_total(void)
{
	return atomic_load(&global_ops);
}

/* 1 when real (canonical) names the same file as candidate. */
static int
same_module(const char *real, const char *candidate, size_t len)
{
	char buf[PATH_MAX], canon[PATH_MAX];

	if (len == 0 || len >= sizeof(buf) || candidate[0] != '/')
		return 0;
	memcpy(buf, candidate, len);
	buf[len] = '\0';
	if (realpath(buf, canon) == NULL)
		return 0;
	return strcmp(real, canon) == 0;
}

void
sceau_token_policy_modules(const char *const *paths, size_t n)
{
	policy_mods = n > 0 ? paths : NULL;
	npolicy_mods = paths != NULL ? n : 0;
}

/* The refusal of module (a path or a name) by the policy's list. */
static int
policy_refuse(const char *module)
{
	char list[512];
	size_t i, n = 0;

	list[0] = '\0';
	for (i = 0; i < npolicy_mods && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i > 0 ? "," : "", policy_mods[i]);
	sceau_message(_("policy: pkcs11 module=%s (the PKCS#11 module %s may "
	                "not be loaded on this computer)"),
	    list, module);
	return SCEAU_ERR_POLICY_REFUSED;
}

/* With the policy's list: 0 when it names path (after realpath(3)). */
static int
policy_allows(const char *path)
{
	char real[PATH_MAX];
	size_t i;

	if (path[0] == '/' && realpath(path, real) != NULL)
		for (i = 0; i < npolicy_mods; i++)
			if (same_module(
			        real, policy_mods[i], strlen(policy_mods[i])))
				return 0;
	return policy_refuse(path);
}

int
sceau_token_module_allowed(const char *path)
{
	char real[PATH_MAX];
	const char *env, *p, *colon;
	size_t i;

	sceau_return_val_if_fail(path != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (npolicy_mods > 0)
		return policy_allows(path);
	if (path[0] != '/' || realpath(path, real) == NULL) {
		sceau_message(
		    "%s: not an absolute path to an existing file", path);
		return SCEAU_ERR_TOKEN_MODULE_REFUSED;
	}
	for (i = 0; i < SCEAU_NELEM(default_allow); i++) {
		if (same_module(
		        real, default_allow[i], strlen(default_allow[i])))
			return 0;
	}
	if ((env = getenv(ALLOW_ENV)) != NULL) {
		for (p = env; *p != '\0'; p = colon + 1) {
			if ((colon = strchr(p, ':')) == NULL)
				colon = p + strlen(p);
			if (same_module(real, p, (size_t)(colon - p)))
				return 0;
			if (*colon == '\0')
				break;
		}
	}
	sceau_message(
	    "%s: not an allowed PKCS#11 module (see %s)", path, ALLOW_ENV);
	return SCEAU_ERR_TOKEN_MODULE_REFUSED;
}

static int
init_error(CK_RV rv, const char *what)
{
	/* SoftHSM says CKR_GENERAL_ERROR when SOFTHSM2_CONF is wrong. */
	sceau_message("%s: C_Initialize: %s (CKR 0x%lx)", what,
	    p11_kit_strerror(rv), (unsigned long)rv);
	return SCEAU_ERR_TOKEN_MODULE;
}

static int
load_by_path(struct token_modset *ms, const char *path)
{
	CK_RV rv;
	int r;

	if ((r = sceau_token_module_allowed(path)) != 0)
		return r;
	if (strlen(path) >= sizeof(ms->path)) {
		sceau_message("%s: path too long", path);
		return SCEAU_ERR_TOKEN_MODULE_REFUSED;
	}
	(void)snprintf(ms->path, sizeof(ms->path), "%s", path);
	if ((ms->one = p11_kit_module_load(path, 0)) == NULL) {
		sceau_message("%s: %s", path, p11_kit_message());
		return SCEAU_ERR_TOKEN_MODULE;
	}
	if ((rv = p11_kit_module_initialize(ms->one)) != CKR_OK) {
		r = init_error(rv, path);
		p11_kit_module_release(ms->one);
		ms->one = NULL;
		return r;
	}
	return 0;
}

static int
load_by_name(struct token_modset *ms, const char *name)
{
	CK_FUNCTION_LIST *f;
	CK_RV rv;

	if ((ms->all = p11_kit_modules_load(NULL, 0)) == NULL) {
		sceau_message("p11-kit: %s", p11_kit_message());
		return SCEAU_ERR_TOKEN_MODULE;
	}
	if ((f = p11_kit_module_for_name(ms->all, name)) == NULL) {
		sceau_message(
		    "%s: no PKCS#11 module of that name is registered with "
		    "p11-kit",
		    name);
		return SCEAU_ERR_TOKEN_MODULE;
	}
	if ((rv = p11_kit_module_initialize(f)) != CKR_OK)
		return init_error(rv, name);
	ms->one = f;
	return 0;
}

/*
 * The policy's modules, each loaded by path: what a URI naming no
 * module searches under a policy.  One that cannot be loaded (not
 * installed on this computer) is left out.
 */
static int
load_policy_list(struct token_modset *ms)
{
	CK_FUNCTION_LIST *f;
	size_t i, n = 0;

	if ((ms->all = sceau_calloc(npolicy_mods + 1, sizeof(*ms->all))) ==
	    NULL)
		return SCEAU_ERR_ALLOC;
	ms->policy_list = 1;
	for (i = 0; i < npolicy_mods; i++) {
		if ((f = p11_kit_module_load(policy_mods[i], 0)) == NULL) {
			debug_f("%s: %s", policy_mods[i], p11_kit_message());
			continue;
		}
		if (p11_kit_module_initialize(f) != CKR_OK) {
			debug_f("%s: C_Initialize failed", policy_mods[i]);
			p11_kit_module_release(f);
			continue;
		}
		ms->all[n++] = f;
	}
	return 0;
}

int
token_modset_open(const char *name, const char *path, struct token_modset **msp)
{
	struct token_modset *ms;
	int r;

	*msp = NULL;
	/* Under a policy, a module found by name is not known beforehand. */
	if (npolicy_mods > 0 && path == NULL && name != NULL)
		return policy_refuse(name);
	if ((ms = sceau_calloc(1, sizeof(*ms))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (path != NULL) {
		r = load_by_path(ms, path);
	} else if (name != NULL) {
		r = load_by_name(ms, name);
	} else if (npolicy_mods > 0) {
		r = load_policy_list(ms);
	} else if ((ms->all = p11_kit_modules_load_and_initialize(0)) == NULL) {
		sceau_message("p11-kit: %s", p11_kit_message());
		r = SCEAU_ERR_TOKEN_MODULE;
	} else {
		ms->initialized_all = 1;
		r = 0;
	}
	if (r != 0) {
		token_modset_close(ms);
		return r;
	}
	ms->single[0] = ms->one;
	*msp = ms;
	return 0;
}

CK_FUNCTION_LIST **
token_modset_modules(struct token_modset *ms)
{
	return ms->initialized_all || ms->policy_list ? ms->all : ms->single;
}

void
token_modset_close(struct token_modset *ms)
{
	size_t i;

	if (ms == NULL)
		return;
	if (ms->policy_list) {
		for (i = 0; ms->all[i] != NULL; i++) {
			(void)p11_kit_module_finalize(ms->all[i]);
			p11_kit_module_release(ms->all[i]);
		}
		sceau_free(ms->all);
	} else if (ms->initialized_all) {
		p11_kit_modules_finalize_and_release(ms->all);
	} else {
		if (ms->one != NULL)
			(void)p11_kit_module_finalize(ms->one);
		if (ms->all != NULL)
			p11_kit_modules_release(ms->all);
		else if (ms->one != NULL)
			p11_kit_module_release(ms->one);
	}
	sceau_free(ms);
}

void
token_module_name(
    const struct token_modset *ms, CK_FUNCTION_LIST *f, char *out, size_t size)
{
	char *name;

	if (ms->path[0] != '\0') {
		(void)snprintf(out, size, "%s", ms->path);
		return;
	}
	name = ms->policy_list ? p11_kit_module_get_filename(f)
	                       : p11_kit_module_get_name(f);
	(void)snprintf(out, size, "%s", name != NULL ? name : "?");
	free(name);
}

/* PKCS#11 return values that are not module failures. */
static const struct {
	CK_RV rv;
	int code;
} rv_table[] = {
    {CKR_PIN_INCORRECT, SCEAU_ERR_WRONG_PIN},
    {CKR_PIN_INVALID, SCEAU_ERR_WRONG_PIN},
    {CKR_PIN_LEN_RANGE, SCEAU_ERR_WRONG_PIN},
    {CKR_PIN_LOCKED, SCEAU_ERR_PIN_LOCKED},
    {CKR_DEVICE_REMOVED, SCEAU_ERR_TOKEN_ABSENT},
    {CKR_TOKEN_NOT_PRESENT, SCEAU_ERR_TOKEN_ABSENT},
    {CKR_TOKEN_NOT_RECOGNIZED, SCEAU_ERR_TOKEN_ABSENT},
    {CKR_SLOT_ID_INVALID, SCEAU_ERR_TOKEN_ABSENT},
    /* What a handle gets after its token was pulled out. */
    {CKR_SESSION_HANDLE_INVALID, SCEAU_ERR_TOKEN_ABSENT},
    {CKR_SESSION_CLOSED, SCEAU_ERR_TOKEN_ABSENT},
    {CKR_USER_NOT_LOGGED_IN, SCEAU_ERR_TOKEN_NOT_LOGGED_IN},
    /* Our key gone from under us (token.c then looks at the token). */
    {CKR_OBJECT_HANDLE_INVALID, SCEAU_ERR_TOKEN_NO_KEY},
    {CKR_KEY_HANDLE_INVALID, SCEAU_ERR_TOKEN_NO_KEY},
    {CKR_MECHANISM_INVALID, SCEAU_ERR_TOKEN_MECHANISM},
    {CKR_MECHANISM_PARAM_INVALID, SCEAU_ERR_TOKEN_MECHANISM},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, SCEAU_ERR_TOKEN_MECHANISM},
    {CKR_KEY_TYPE_INCONSISTENT, SCEAU_ERR_TOKEN_MECHANISM},
    {CKR_KEY_SIZE_RANGE, SCEAU_ERR_TOKEN_MECHANISM},
    {CKR_FUNCTION_NOT_SUPPORTED, SCEAU_ERR_TOKEN_MECHANISM},
    {CKR_TEMPLATE_INCONSISTENT, SCEAU_ERR_TOKEN_MECHANISM},
    /* SoftHSM 2.6.1's answer to OAEP with SHA-256. */
    {CKR_ARGUMENTS_BAD, SCEAU_ERR_TOKEN_MECHANISM},
    {CKR_ENCRYPTED_DATA_INVALID, SCEAU_ERR_DECRYPT_FAILED},
    {CKR_ENCRYPTED_DATA_LEN_RANGE, SCEAU_ERR_DECRYPT_FAILED},
    {CKR_HOST_MEMORY, SCEAU_ERR_ALLOC},
};

int
token_rv_error(CK_RV rv, const char *what)
{
	size_t i;

	if (rv == CKR_OK)
		return 0;
	sceau_message("%s: %s (CKR 0x%lx)", what, p11_kit_strerror(rv),
	    (unsigned long)rv);
	for (i = 0; i < SCEAU_NELEM(rv_table); i++) {
		if (rv_table[i].rv == rv)
			return rv_table[i].code;
	}
	return SCEAU_ERR_TOKEN_FAILURE;
}

enum sceau_token_pin_state
token_pin_state(CK_FLAGS flags)
{
	if (flags & CKF_USER_PIN_LOCKED)
		return SCEAU_TOKEN_PIN_LOCKED;
	if (flags & CKF_USER_PIN_FINAL_TRY)
		return SCEAU_TOKEN_PIN_FINAL_TRY;
	if (flags & CKF_USER_PIN_COUNT_LOW)
		return SCEAU_TOKEN_PIN_COUNT_LOW;
	return SCEAU_TOKEN_PIN_OK;
}

const char *
sceau_token_pin_state_name(enum sceau_token_pin_state state)
{
	switch (state) {
	case SCEAU_TOKEN_PIN_COUNT_LOW:
		return "count-low";
	case SCEAU_TOKEN_PIN_FINAL_TRY:
		return "final-try";
	case SCEAU_TOKEN_PIN_LOCKED:
		return "locked";
	case SCEAU_TOKEN_PIN_OK:
		break;
	}
	return "ok";
}

static const struct {
	CK_FLAGS flag;
	const char *name;
} flag_table[] = {
    {CKF_RNG, "rng"},
    {CKF_WRITE_PROTECTED, "write-protected"},
    {CKF_LOGIN_REQUIRED, "login-required"},
    {CKF_USER_PIN_INITIALIZED, "user-pin-initialized"},
    {CKF_PROTECTED_AUTHENTICATION_PATH, "protected-authentication-path"},
    {CKF_TOKEN_INITIALIZED, "token-initialized"},
    {CKF_USER_PIN_COUNT_LOW, "user-pin-count-low"},
    {CKF_USER_PIN_FINAL_TRY, "user-pin-final-try"},
    {CKF_USER_PIN_LOCKED, "user-pin-locked"},
    {CKF_USER_PIN_TO_BE_CHANGED, "user-pin-to-be-changed"},
};

size_t
sceau_token_flag_names(unsigned long flags, const char **names, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < SCEAU_NELEM(flag_table) && n < max; i++) {
		if (flags & flag_table[i].flag)
			names[n++] = flag_table[i].name;
	}
	return n;
}

/* A blank-padded PKCS#11 string as a C string. */
static void
space_copy(char *out, size_t size, const unsigned char *s, size_t max)
{
	size_t n = p11_kit_space_strlen(s, max);

	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The token's URI, with the module that holds it. */
static void
format_uri(const struct token_modset *ms, const char *modname,
    const CK_TOKEN_INFO *ti, char *out, size_t size)
{
	P11KitUri *uri;
	char *s = NULL;

	out[0] = '\0';
	if ((uri = p11_kit_uri_new()) == NULL)
		return;
	memcpy(p11_kit_uri_get_token_info(uri), ti, sizeof(*ti));
	if (ms->path[0] != '\0')
		p11_kit_uri_set_module_path(uri, ms->path);
	else if (ms->policy_list)
		p11_kit_uri_set_module_path(uri, modname);
	else
		p11_kit_uri_set_module_name(uri, modname);
	if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_TOKEN, &s) ==
	        P11_KIT_URI_OK &&
	    strlen(s) < size)
		(void)snprintf(out, size, "%s", s);
	free(s);
	p11_kit_uri_free(uri);
}

void
token_info_fill(const struct token_modset *ms, CK_FUNCTION_LIST *f,
    CK_SLOT_ID slot, const CK_SLOT_INFO *si, const CK_TOKEN_INFO *ti,
    struct sceau_token_info *info)
{
	memset(info, 0, sizeof(*info));
	token_module_name(ms, f, info->module, sizeof(info->module));
	info->slot_id = (unsigned long)slot;
	if (si != NULL)
		space_copy(info->slot_description,
		    sizeof(info->slot_description), si->slotDescription,
		    sizeof(si->slotDescription));
	if (ti == NULL)
		return;
	space_copy(
	    info->label, sizeof(info->label), ti->label, sizeof(ti->label));
	space_copy(info->manufacturer, sizeof(info->manufacturer),
	    ti->manufacturerID, sizeof(ti->manufacturerID));
	space_copy(
	    info->model, sizeof(info->model), ti->model, sizeof(ti->model));
	space_copy(info->serial, sizeof(info->serial), ti->serialNumber,
	    sizeof(ti->serialNumber));
	info->flags = (unsigned long)ti->flags;
	info->pin_state = token_pin_state(ti->flags);
	format_uri(ms, info->module, ti, info->uri, sizeof(info->uri));
}

/* ------------------------------------------------------------ listing */

static int
list_slots(const struct token_modset *ms, CK_FUNCTION_LIST *f,
    struct sceau_token_module *m)
{
	CK_SLOT_ID ids[TOKEN_SLOTS_MAX];
	CK_ULONG n = TOKEN_SLOTS_MAX, i;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	struct sceau_token_slot *s;
	CK_RV rv;

	if ((rv = f->C_GetSlotList(CK_FALSE, ids, &n)) != CKR_OK)
		return token_rv_error(rv, "C_GetSlotList");
	if (n == 0)
		return 0;
	if ((m->slots = sceau_calloc(n, sizeof(*m->slots))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		s = &m->slots[m->nslots];
		if ((rv = f->C_GetSlotInfo(ids[i], &si)) != CKR_OK)
			continue;
		s->slot_flags = (unsigned long)si.flags;
		s->token_present = (si.flags & CKF_TOKEN_PRESENT) != 0;
		if (s->token_present &&
		    f->C_GetTokenInfo(ids[i], &ti) == CKR_OK) {
			s->token_initialized =
			    (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
			token_info_fill(ms, f, ids[i], &si, &ti, &s->info);
		} else {
			s->token_present = 0;
			token_info_fill(ms, f, ids[i], &si, NULL, &s->info);
		}
		m->nslots++;
	}
	return 0;
}

static void
list_module(const struct token_modset *ms, CK_FUNCTION_LIST *f,
    struct sceau_token_module *m)
{
	CK_INFO ci;
	char *file;
	CK_RV rv;

	token_module_name(ms, f, m->name, sizeof(m->name));
	if ((file = p11_kit_module_get_filename(f)) != NULL)
		(void)snprintf(m->path, sizeof(m->path), "%s", file);
	else if (ms->path[0] != '\0')
		(void)snprintf(m->path, sizeof(m->path), "%s", ms->path);
	free(file);
	if ((rv = f->C_GetInfo(&ci)) != CKR_OK) {
		m->error = token_rv_error(rv, "C_GetInfo");
	} else {
		space_copy(m->description, sizeof(m->description),
		    ci.libraryDescription, sizeof(ci.libraryDescription));
		space_copy(m->manufacturer, sizeof(m->manufacturer),
		    ci.manufacturerID, sizeof(ci.manufacturerID));
		m->error = list_slots(ms, f, m);
	}
	m->failed = m->error != 0;
}

int
sceau_token_list(const char *module, struct sceau_token_list **lp)
{
	struct token_modset *ms = NULL;
	struct sceau_token_list *l;
	CK_FUNCTION_LIST **mods;
	size_t n;
	int r;

	*lp = NULL;
	if (module != NULL && module[0] == '\0')
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = token_modset_open(
	         module != NULL && strchr(module, '/') == NULL ? module : NULL,
	         module != NULL && strchr(module, '/') != NULL ? module : NULL,
	         &ms)) != 0)
		return r;
	mods = token_modset_modules(ms);
	for (n = 0; mods[n] != NULL; n++)
		;
	if ((l = sceau_calloc(1, sizeof(*l))) == NULL ||
	    (n > 0 &&
	        (l->modules = sceau_calloc(n, sizeof(*l->modules))) == NULL)) {
		sceau_free(l);
		token_modset_close(ms);
		return SCEAU_ERR_ALLOC;
	}
	for (l->nmodules = 0; l->nmodules < n; l->nmodules++)
		list_module(ms, mods[l->nmodules], &l->modules[l->nmodules]);
	token_modset_close(ms);
	*lp = l;
	return 0;
}

void
sceau_token_list_free(struct sceau_token_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nmodules; i++)
		sceau_free(l->modules[i].slots);
	sceau_free(l->modules);
	sceau_free(l);
}
