/*
 * fuzz-block.c: blocks as they come from the server.  The input is read
 * as a body of block frames (src/blockframe.c, shared by the client and
 * the server); and, through the export pipeline (src/pipeline.c), as the
 * ciphertext of a block of a known file, first raw, then as a mask XORed
 * over the right ciphertext.
 * Properties: frames read back re-frame to the same bytes and cover the
 * body up to the first bad frame; a block decrypts if and only if it is
 * the right ciphertext (with or without the digest check), and then to
 * the right plaintext; a failed block writes nothing.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aead.h"
#include "blockframe.h"
#include "buf.h"
#include "errors.h"
#include "fuzz.h"
#include "hash.h"
#include "manifest.h"
#include "pipeline.h"

#define PT_LEN 1000

static uint8_t plain[PT_LEN];
static uint8_t good_ct[PT_LEN + SCEAU_BLOCK_OVERHEAD];
static struct sceau_block_desc desc;

static void
check_frames(const uint8_t *data, size_t size)
{
	struct sceau_block_frame f;
	struct sceau_buf *b;
	size_t off = 0, prev = 0;
	int r;

	fuzz_assert((b = sceau_buf_new()) != NULL);
	while ((r = sceau_block_frame_next(data, size, &off, &f)) == 0) {
		fuzz_assert(f.len >= 1 && f.len <= SCEAU_BLOCK_MAX);
		fuzz_assert(f.id == data + prev);
		fuzz_assert(off == prev + SCEAU_BLOCK_FRAME_HEADER + f.len);
		fuzz_assert(sceau_block_frame_put_header(b, f.id, f.len) == 0);
		fuzz_assert(sceau_buf_put(b, f.data, f.len) == 0);
		prev = off;
	}
	fuzz_assert(off == prev); /* an error leaves *off at the bad frame */
	fuzz_assert(r == 1 ? off == size
	                   : r == SCEAU_ERR_MESSAGE_INCOMPLETE ||
	            r == SCEAU_ERR_INVALID_FORMAT ||
	            r == SCEAU_ERR_LIMIT_EXCEEDED);
	fuzz_assert(sceau_buf_len(b) == off);
	fuzz_assert(off == 0 || memcmp(sceau_buf_ptr(b), data, off) == 0);
	sceau_buf_free(b);
}

/* The block of a 1000-byte file, sealed as the pipeline seals one. */
static void
setup(void)
{
	static int done;
	size_t i;

	if (done)
		return;
	for (i = 0; i < PT_LEN; i++)
		plain[i] = (uint8_t)(i * 7 + 3);
	memset(&desc, 0, sizeof(desc));
	for (i = 0; i < sizeof(desc.key); i++)
		desc.key[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < SCEAU_BLOCK_ID_LEN; i++)
		desc.id[i] = (uint8_t)i;
	for (i = 0; i < 12; i++)
		good_ct[i] = (uint8_t)(0x50 + i); /* the nonce */
	fuzz_assert(sceau_aead_encrypt(NULL, desc.key, good_ct, NULL, 0, plain,
	                PT_LEN, good_ct + 12, good_ct + 12 + PT_LEN) == 0);
	desc.offset = 0;
	desc.size = PT_LEN;
	desc.ct_size = PT_LEN + SCEAU_BLOCK_OVERHEAD;
	fuzz_assert(
	    sceau_hash_sha256(good_ct, sizeof(good_ct), desc.digest) == 0);
	done = 1;
}

struct src {
	const uint8_t *p;
	size_t n;
};

/* The source: hands the bytes it holds, as the server would. */
static int
give(void *arg, const struct sceau_block_desc *d, uint8_t *dst, size_t cap,
    size_t *lenp)
{
	const struct src *s = arg;

	(void)d;
	if (s->n > cap)
		return SCEAU_ERR_DATA_TAMPERED;
	memcpy(dst, s->p, s->n);
	*lenp = s->n;
	return 0;
}

static int file_status;

static int
on_file(void *arg, struct sceau_pipeline_file *f)
{
	(void)arg;
	file_status = f->status;
	return 0;
}

/* Exports the block from ct[0..n); 1 if it came out right, 0 if refused. */
static int
export_block(const uint8_t *ct, size_t n, unsigned int flags)
{
	struct sceau_pipeline_opts o;
	struct sceau_pipeline_export *ep;
	struct src s = {ct, n};
	uint8_t out[PT_LEN + 1];
	ssize_t got;
	int fd, r;

	fuzz_assert((fd = memfd_create("fuzz-block", 0)) >= 0);
	memset(&o, 0, sizeof(o));
	o.workers = 1;
	o.slots = 2;
	o.flags = flags;
	file_status = -12345;
	fuzz_assert(
	    sceau_pipeline_export_new(give, &s, &o, on_file, NULL, &ep) == 0);
	r = sceau_pipeline_export_add(ep, &desc, 1, fd, NULL);
	if (r == 0)
		r = sceau_pipeline_export_finish(ep);
	sceau_pipeline_export_free(ep);
	fuzz_assert(r == 0); /* a bad block fails the file, not the pipeline */
	fuzz_assert(file_status != -12345);
	got = pread(fd, out, sizeof(out), 0);
	(void)close(fd);
	if (file_status != 0) {
		fuzz_assert(got == 0); /* nothing of a refused block */
		return 0;
	}
	fuzz_assert(got == PT_LEN && memcmp(out, plain, PT_LEN) == 0);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t m[sizeof(good_ct)];
	size_t i;
	int same, zero = 1;

	setup();
	check_frames(data, size);
	same = size == sizeof(good_ct) && memcmp(data, good_ct, size) == 0;
	fuzz_assert(export_block(data, size, 0) == same);
	fuzz_assert(
	    export_block(data, size, SCEAU_PIPELINE_VERIFY_DIGEST) == same);
	memcpy(m, good_ct, sizeof(m));
	for (i = 0; i < size && i < sizeof(m); i++) {
		m[i] ^= data[i];
		zero &= data[i] == 0;
	}
	fuzz_assert(export_block(m, sizeof(m), 0) == zero);
	return 0;
}
