/*
 * sync-merge.c: merging a folder changed on both sides, and naming the
 * copies kept when a file was (doc/workspaces.md, "Local store and sync").
 *
 * Three-way, entry by entry, against the version both sides started from:
 * a change on one side only wins; the same change on both is one change;
 * a name that both sides point at different children keeps both, ours
 * renamed as a conflict copy.  Nothing is dropped that either side kept.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "sync-internal.h"

void
sync_conflict_name(const char *name, const char *who, uint64_t now_us,
    int attempt, char out[SCEAU_NAME_MAX_BYTES + 1])
{
	char date[32], suffix[128];
	time_t t = (time_t)(now_us / 1000000);
	struct tm tm;
	size_t room, sl, nl;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H-%M", &tm) == 0)
		(void)snprintf(date, sizeof(date), "%llu",
		    (unsigned long long)(now_us / 1000000));
	if (attempt > 0)
		(void)snprintf(suffix, sizeof(suffix),
		    " (conflict, %.64s, %s, %d)", who, date, attempt + 1);
	else
		(void)snprintf(
		    suffix, 128, " (conflict, %.64s, %s)", who, date);
	/* Shorten the name, never the suffix, to stay a valid name; and
	 * never inside a UTF-8 character. */
	sl = strlen(suffix);
	nl = strlen(name);
	room = SCEAU_NAME_MAX_BYTES - sl;
	if (nl > room) {
		nl = room;
		while (nl > 0 && ((unsigned char)name[nl] & 0xc0) == 0x80)
			nl--;
	}
	memcpy(out, name, nl);
	memcpy(out + nl, suffix, sl + 1);
}

static int
same_entry(
    const struct sceau_manifest_entry *a, const struct sceau_manifest_entry *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a->child_id, b->child_id) == 0 &&
	    a->child_type == b->child_type;
}

/* Adds e under a free name derived from its own (a conflict copy). */
static int
add_renamed(struct sceau_manifest *m, const struct sceau_manifest_entry *e,
    const char *who, uint64_t now)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];
	int attempt, r = SCEAU_ERR_EXISTS;

	for (attempt = 0; attempt < 100 && r == SCEAU_ERR_EXISTS; attempt++) {
		sync_conflict_name(e->name, who, now, attempt, name);
		r = sceau_manifest_add_entry(
		    m, name, e->child_id, e->child_type);
	}
	return r;
}

/* The outcome for one name; ours_copy: ours also kept, renamed. */
static const struct sceau_manifest_entry *
decide(const struct sceau_manifest_entry *b,
    const struct sceau_manifest_entry *o, const struct sceau_manifest_entry *t,
    int *ours_copy)
{
	*ours_copy = 0;
	if (same_entry(o, t) || same_entry(o, b))
		return t; /* agreed, or only theirs changed */
	if (same_entry(t, b))
		return o; /* only ours changed */
	if (o == NULL)
		return t; /* we removed it, they changed it: keep theirs */
	if (t == NULL)
		return o;
	*ours_copy = 1; /* the same name, different children */
	return t;
}

static int
merge_name(struct sceau_manifest *out, const char *name,
    const struct sceau_manifest *base, const struct sceau_manifest *ours,
    const struct sceau_manifest *theirs, const char *who, uint64_t now)
{
	const struct sceau_manifest_entry *b, *o, *t, *keep;
	int copy, r = 0;

	if (sceau_manifest_find(out, name) != NULL)
		return 0; /* already decided */
	b = base != NULL ? sceau_manifest_find(base, name) : NULL;
	o = sceau_manifest_find(ours, name);
	t = sceau_manifest_find(theirs, name);
	keep = decide(b, o, t, &copy);
	if (keep != NULL &&
	    (r = sceau_manifest_add_entry(
	         out, keep->name, keep->child_id, keep->child_type)) != 0)
		return r;
	if (copy)
		r = add_renamed(out, o, who, now);
	return r;
}

int
sync_merge_folder(const struct sceau_manifest *base,
    const struct sceau_manifest *ours, const struct sceau_manifest *theirs,
    const char *who, uint64_t now, struct sceau_manifest **outp)
{
	struct sceau_manifest *out;
	size_t i;
	int r = 0;

	*outp = NULL;
	if ((out = sceau_manifest_new(theirs->type, theirs->vlob_id,
	         theirs->parent_id, theirs->created)) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < theirs->n_entries && r == 0; i++)
		r = merge_name(
		    out, theirs->entries[i].name, base, ours, theirs, who, now);
	for (i = 0; i < ours->n_entries && r == 0; i++)
		r = merge_name(
		    out, ours->entries[i].name, base, ours, theirs, who, now);
	if (r != 0) {
		sceau_manifest_free(out);
		return r;
	}
	out->updated = now;
	*outp = out;
	return 0;
}
