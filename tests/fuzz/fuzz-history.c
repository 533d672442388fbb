/*
 * fuzz-history.c: the history export reader (src/histfile.c) and the
 * auditor's walk over it (src/audit/history.c, history-vlob.c), as
 * sceau-audit verify and report run them, on the input as a file.
 *
 * Properties: the walk ends (0, or an input error for an input that is
 * not an export, or too long a line); every violation goes to the
 * callback once; counts are consistent with the lines read; every act
 * reported has a kind, and a certificate act an index.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "history.h"

struct counts {
	uint64_t findings, acts;
};

static void
fuzz_finding(void *arg, const struct audit_finding *f)
{
	struct counts *c = arg;

	fuzz_assert(f->rule != NULL && f->rule[0] != '\0');
	fuzz_assert(f->detail != NULL);
	c->findings++;
}

static void
fuzz_act(void *arg, const struct audit_act *a)
{
	struct counts *c = arg;

	fuzz_assert(a->kind != NULL && a->kind[0] != '\0');
	fuzz_assert(
	    strcmp(a->kind, "vlob") == 0 ? a->version >= 1 : a->index >= 1);
	c->acts++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct counts c = {0, 0};
	struct audit_walk w = {NULL, fuzz_finding, fuzz_act, &c};
	struct audit_summary s;
	uint64_t lines = 1;
	size_t i;
	FILE *f;
	int r;

	if (size == 0 ||
	    (f = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		return 0;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = audit_walk(f, &w, &s);
	(void)fclose(f);
	fuzz_assert(r == 0 || r == SCEAU_ERR_INVALID_FORMAT ||
	    r == SCEAU_ERR_LIMIT_EXCEEDED || r == SCEAU_ERR_ALLOC);
	if (r != 0)
		return 0;
	fuzz_assert(s.violations == c.findings);
	fuzz_assert(s.certificates + s.unverified <= lines);
	fuzz_assert(s.versions <= lines);
	fuzz_assert(c.acts <= s.certificates + s.versions);
	fuzz_assert(s.cards_checked <= s.cards);
	return 0;
}
