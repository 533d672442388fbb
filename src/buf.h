/*
 * buf.h: the bounded buffer through which everything is parsed and built.
 *
 * Everything read from the network, disk, the agent socket or a token goes
 * through a struct sceau_buf.  A buffer has a hard global maximum
 * (SCEAU_BUF_SIZE_MAX) and a per-buffer maximum set by its owner; growth is
 * overflow-checked; getters consume before they return; a child view reads
 * a sub-message without copying; memory is wiped when freed or moved.
 *
 * Ownership: functions returning a new buffer give it to the caller, who
 * frees it with sceau_buf_free().  Functions returning a pointer "into" a
 * buffer (_direct, _ptr) lend it until the next call that changes the
 * buffer.  All functions return 0 or a negative SCEAU_ERR_* code, and
 * leave the buffer unchanged on failure unless stated otherwise.
 *
 * Integers are big-endian.  A "string" is a u32 length followed by that
 * many bytes; a "cstring" is a string holding no NUL byte.
 */
#ifndef SCEAU_BUF_H
#define SCEAU_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hard maximum of any buffer: 256 MiB. */
#define SCEAU_BUF_SIZE_MAX 0x10000000UL
/* Initial allocation and allocation step. */
#define SCEAU_BUF_SIZE_INIT 256
#define SCEAU_BUF_SIZE_INC 256

struct sceau_buf;

/* New empty buffer; max size SCEAU_BUF_SIZE_MAX.  NULL on ENOMEM. */
struct sceau_buf *sceau_buf_new(void);

/*
 * New read-only buffer over the caller's memory (not copied: p must outlive
 * it).  NULL on ENOMEM or if len exceeds the hard maximum.
 */
struct sceau_buf *sceau_buf_from(const void *p, size_t len);

/*
 * New read-only view of parent's unread data.  The parent is referenced:
 * it stays alive, and cannot be modified, until every view is freed.
 */
struct sceau_buf *sceau_buf_fromb(struct sceau_buf *parent);

/*
 * Consumes a string (u32 length + data) from b and returns a read-only view
 * of its data in *childp.  The view references b.
 */
int sceau_buf_froms(struct sceau_buf *b, struct sceau_buf **childp) SCEAU_WUR;

/* Wipes and frees b (or drops a reference).  NULL is allowed. */
void sceau_buf_free(struct sceau_buf *b);

/* Empties b (wiping its contents); keeps the allocation for reuse. */
void sceau_buf_reset(struct sceau_buf *b);

/* Bytes of unread data. */
size_t sceau_buf_len(const struct sceau_buf *b);
/* Bytes that may still be appended before the max size is reached. */
size_t sceau_buf_avail(const struct sceau_buf *b);
size_t sceau_buf_max_size(const struct sceau_buf *b);
/*
 * Sets the per-buffer limit.  Fails with SCEAU_ERR_BUFFER_TOO_LARGE when
 * max exceeds the hard maximum or is below the current contents.
 */
int sceau_buf_set_max_size(struct sceau_buf *b, size_t max);

/* Unread data.  NULL for an empty read-only buffer. */
const uint8_t *sceau_buf_ptr(const struct sceau_buf *b);
/* Unread data, writable.  NULL if b is read-only or referenced. */
uint8_t *sceau_buf_mutable_ptr(const struct sceau_buf *b);

/* Would appending len bytes fit?  0 or SCEAU_ERR_BUFFER_TOO_LARGE. */
int sceau_buf_check_reserve(const struct sceau_buf *b, size_t len);
/* Makes room for len more bytes without appending them. */
int sceau_buf_allocate(struct sceau_buf *b, size_t len);
/* Appends len bytes (left uninitialized: zeroed) and points *dpp at them. */
int sceau_buf_reserve(struct sceau_buf *b, size_t len, uint8_t **dpp);

/* Drops len bytes from the front / the end of the unread data. */
int sceau_buf_consume(struct sceau_buf *b, size_t len);
int sceau_buf_consume_end(struct sceau_buf *b, size_t len);

/* Copies len bytes out (consuming them).  v may be NULL to skip. */
int sceau_buf_get(struct sceau_buf *b, void *v, size_t len) SCEAU_WUR;
int sceau_buf_put(struct sceau_buf *b, const void *v, size_t len);
int sceau_buf_putb(struct sceau_buf *b, const struct sceau_buf *v);
int sceau_buf_putf(struct sceau_buf *b, const char *fmt, ...)
    SCEAU_PRINTF(2, 3);
int sceau_buf_putfv(struct sceau_buf *b, const char *fmt, va_list ap)
    SCEAU_PRINTF(2, 0);

int sceau_buf_get_u8(struct sceau_buf *b, uint8_t *v) SCEAU_WUR;
int sceau_buf_get_u16(struct sceau_buf *b, uint16_t *v) SCEAU_WUR;
int sceau_buf_get_u32(struct sceau_buf *b, uint32_t *v) SCEAU_WUR;
int sceau_buf_get_u64(struct sceau_buf *b, uint64_t *v) SCEAU_WUR;
int sceau_buf_peek_u32(const struct sceau_buf *b, uint32_t *v) SCEAU_WUR;
int sceau_buf_put_u8(struct sceau_buf *b, uint8_t v);
int sceau_buf_put_u16(struct sceau_buf *b, uint16_t v);
int sceau_buf_put_u32(struct sceau_buf *b, uint32_t v);
int sceau_buf_put_u64(struct sceau_buf *b, uint64_t v);

/*
 * Consumes a string whose length must not exceed maxlen and returns a
 * pointer into b (no copy).  The value is not NUL-terminated.
 */
int sceau_buf_get_string_direct(struct sceau_buf *b, size_t maxlen,
    const uint8_t **valp, size_t *lenp) SCEAU_WUR;
/* Same, without consuming. */
int sceau_buf_peek_string_direct(const struct sceau_buf *b, size_t maxlen,
    const uint8_t **valp, size_t *lenp) SCEAU_WUR;
/*
 * Consumes a string of at most maxlen bytes into a new allocation (with a
 * NUL added after it); free with sceau_freezero(*valp, *lenp + 1).
 */
int sceau_buf_get_string(
    struct sceau_buf *b, size_t maxlen, uint8_t **valp, size_t *lenp) SCEAU_WUR;
/* Consumes a string of exactly len bytes into v (keys, digests). */
int sceau_buf_get_fixed(struct sceau_buf *b, void *v, size_t len) SCEAU_WUR;
/*
 * Consumes a string with no NUL byte, of at most maxlen bytes, into a new
 * NUL-terminated allocation (free with sceau_free).  lenp may be NULL.
 */
int sceau_buf_get_cstring(
    struct sceau_buf *b, size_t maxlen, char **valp, size_t *lenp) SCEAU_WUR;
int sceau_buf_put_string(struct sceau_buf *b, const void *v, size_t len);
int sceau_buf_put_cstring(struct sceau_buf *b, const char *v);
int sceau_buf_put_stringb(struct sceau_buf *b, const struct sceau_buf *v);

/* New buffer holding a copy of b's unread data.  NULL on ENOMEM. */
struct sceau_buf *sceau_buf_dup(const struct sceau_buf *b);
/*
 * b's unread data as a new NUL-terminated string (free with sceau_free),
 * or NULL if it holds a NUL byte or on ENOMEM.
 */
char *sceau_buf_dup_cstring(const struct sceau_buf *b);

/* 0 when a and b hold the same bytes; compared in constant time. */
int sceau_buf_equals(const struct sceau_buf *a, const struct sceau_buf *b)
    SCEAU_WUR;
/* 0 when the len bytes at offset off of b's unread data equal s. */
int sceau_buf_cmp(
    const struct sceau_buf *b, size_t off, const void *s, size_t len) SCEAU_WUR;

/*
 * Files.  sceau_buf_load_fd/_file append the whole contents (at most max
 * bytes: more is SCEAU_ERR_FILE_TOO_LARGE).  sceau_buf_write_file_atomic
 * writes b to a temporary file in the same directory with the given mode,
 * fsyncs it, renames it over path and fsyncs the directory: the file is
 * either the old one or the new one, whatever fails and when.
 * sceau_buf_write_file_new does the same but never replaces a file: if
 * path exists it is left alone and SCEAU_ERR_EXISTS returned (the check
 * and the move are one step, renameat2 RENAME_NOREPLACE or link(2)).
 */
int sceau_buf_load_fd(int fd, size_t max, struct sceau_buf *b) SCEAU_WUR;
int sceau_buf_load_file(const char *path, size_t max, struct sceau_buf *b)
    SCEAU_WUR;
int sceau_buf_write_file_atomic(
    const char *path, unsigned int mode, const struct sceau_buf *b) SCEAU_WUR;
int sceau_buf_write_file_new(
    const char *path, unsigned int mode, const struct sceau_buf *b) SCEAU_WUR;

/*
 * Writes p[0..n) at offset off of fd with pwrite(2), again after EINTR
 * and short writes.  0, or the errno of the failure (EIO when no byte
 * goes).  For the pack files, the mount's spill files and exports.
 */
int sceau_pwrite_all(int fd, const void *p, size_t n, uint64_t off) SCEAU_WUR;

/* Aborts if b's invariants do not hold (memory corruption). */
void sceau_buf_check_sanity(const struct sceau_buf *b);

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_BUF_H */
