/*
 * fuzz-alog.c: the access-log export parser and verifier (src/alog.c),
 * line by line as sceau-audit verify-log feeds it, with the log key of
 * the corpus (seed: 32 bytes 0x42, so that its checkpoints verify); then
 * the input whole as a record and as a checkpoint encoding.
 *
 * Properties: a line never fails but for memory; every violation goes
 * to the callback and is counted once; the summary is consistent
 * (records <= lines, the unsigned tail is what follows the last good
 * checkpoint); an encoding that decodes encodes back to the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "alog.h"
#include "buf.h"
#include "errors.h"
#include "fuzz.h"
#include "sign.h"

static void
fuzz_count(void *arg, const struct sceau_alog_finding *f)
{
	uint64_t *n = arg;

	fuzz_assert(f->detail != NULL);
	fuzz_assert(strcmp(sceau_alog_violation_name(f->what), "unknown") != 0);
	(*n)++;
}

static void
fuzz_lines(const uint8_t *data, size_t size)
{
	static const uint8_t seed[SCEAU_SIGN_SEED_LEN] = {0x42, 0x42, 0x42,
	    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_alog_verifier *v;
	struct sceau_alog_summary s;
	struct sceau_signkey *k;
	uint64_t found = 0, lines = 0;
	size_t i = 0, n;
	const uint8_t *nl;

	if (sceau_sign_from_seed(seed, &k) != 0)
		return;
	sceau_sign_public(k, pk);
	sceau_sign_free(k);
	if (sceau_alog_verifier_new(pk, fuzz_count, &found, &v) != 0)
		return;
	while (i < size) {
		nl = memchr(data + i, '\n', size - i);
		n = nl != NULL ? (size_t)(nl - (data + i)) : size - i;
		fuzz_assert(
		    sceau_alog_verify_line(v, (const char *)data + i, n) == 0);
		lines++;
		i += n + 1;
	}
	sceau_alog_verify_end(v, &s);
	sceau_alog_verifier_free(v);
	fuzz_assert(s.violations == found);
	fuzz_assert(s.records <= lines);
	fuzz_assert(s.checkpoints <= lines);
	fuzz_assert(s.records + s.checkpoints <= lines);
	fuzz_assert(s.unsigned_tail ==
	    (s.last_seq > s.signed_upto ? s.last_seq - s.signed_upto : 0));
	if (s.records > 0)
		fuzz_assert(s.first_seq >= 1 && s.first_seq <= s.last_seq);
}

static void
fuzz_encodings(const uint8_t *data, size_t size)
{
	struct sceau_alog_checkpoint cp;
	struct sceau_alog_record rec;
	struct sceau_buf *b = sceau_buf_new();

	if (b == NULL)
		return;
	if (sceau_alog_record_decode(data, size, &rec) == 0) {
		fuzz_assert(sceau_alog_record_encode(&rec, b) == 0);
		fuzz_assert(sceau_buf_len(b) == size &&
		    memcmp(sceau_buf_ptr(b), data, size) == 0);
	}
	sceau_buf_reset(b);
	if (sceau_alog_checkpoint_decode(data, size, &cp) == 0) {
		fuzz_assert(sceau_alog_checkpoint_encode(&cp, b) == 0);
		fuzz_assert(sceau_buf_len(b) == size &&
		    memcmp(sceau_buf_ptr(b), data, size) == 0);
	}
	sceau_buf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_lines(data, size);
	fuzz_encodings(data, size);
	return 0;
}
