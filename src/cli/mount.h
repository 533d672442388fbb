/*
 * mount.h: "sceau mount": a workspace served as a folder through
 * libfuse3 (doc/mount.md).  Shared by cmd-mount.c (the command, the
 * serving process, the sync thread), mount-fs.c (the file system
 * operations), mount-file.c (open files: reading blocks, spill files) and
 * mount-local.c (editor temporary files kept on this computer only).
 *
 * One mutex (struct mnt.lock) guards the client, the workspace session
 * and the open-file table: every operation and every sync takes it, so
 * FUSE's threads are serialized (simple and safe; the sync holds the
 * lock while it talks to the server).
 */
#ifndef SCEAU_CLI_MOUNT_H
#define SCEAU_CLI_MOUNT_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "aead.h"
#include "client.h"
#include "manifest.h"
#include "paths.h"
#include "ws.h"

#define MNT_PATH_MAX 4096

/* A workspace file open through the mount, shared by its open handles. */
struct mnode {
	char id[SCEAU_ID_LEN + 1]; /* its vlob: stable across renames */
	unsigned int refs; /* open handles */
	int unlinked; /* removed while open: its changes are dropped */
	struct sceau_manifest *m; /* its content when opened (blocks, keys) */
	int spill; /* -1, or the plaintext being written (unlinked file) */
	int dirty; /* the spill holds changes not encrypted yet */
	uint64_t size; /* the size the file has now */
	uint64_t mtime; /* set by utimens while changed (0: none) */
	uint8_t *blk; /* the last block decrypted, and its index */
	size_t blk_idx;
	int blk_valid;
	struct mnode *next;
};

/* What a FUSE file handle (fi->fh) points to. */
struct mhandle {
	struct mnode *n; /* a workspace file, or NULL */
	int fd; /* a local-only (editor temporary) file, or -1 */
	struct mhandle *next; /* every handle open (freed at exit) */
};

/* A file removed while open, as libfuse hides it (".fuse_hiddenN"). */
struct mhidden {
	char path[MNT_PATH_MAX];
	char id[SCEAU_ID_LEN + 1];
	struct mhidden *next;
};

struct mnt {
	pthread_mutex_t lock;
	struct sceau_client *c;
	struct sceau_ws *w;
	char realm[SCEAU_ID_LEN + 1];
	char label[SCEAU_NAME_MAX_BYTES + 1]; /* the workspace's name */
	int readonly; /* a reader, or --at */
	uint64_t at; /* --at: server time, microseconds (0: now) */
	struct sceau_ws_source cache; /* blocks: this device's cache, */
	struct sceau_ws_source src; /* else the server */
	struct sceau_aead *aead;
	uint8_t *ct; /* one block's ciphertext, for reads */
	uint8_t *pt; /* and its plaintext */
	char spill_dir[SCEAU_PATHS_MAX]; /* 0700: plaintext being written */
	char local_dir[SCEAU_PATHS_MAX]; /* 0700: editor temporary files */
	struct mnode *open; /* files open now */
	struct mhidden *hidden; /* open files removed, until closed */
	struct mhandle *handles; /* open handles (never released if the
	                           * connection was cut) */
	unsigned int sync_interval_s;
	volatile sig_atomic_t stop; /* the sync thread ends */
	int keep_offline; /* --keep-offline: fetch every file's blocks */
	int agent_syncs; /* sceau-agent syncs the device: no sync here */
	int offline_done; /* they are all here (until the next pull) */
	int last_sync_error; /* 0, or the last sync's error */
	int lock_fd; /* the device's mount.lock, held (flock) */
	FILE *log; /* where the serving process reports (stderr or a file) */
};

/* ---- mount-fs.c */
struct fuse_operations;
extern const struct fuse_operations mnt_ops;
/* Maps a SCEAU_ERR_* code to a negative errno for FUSE. */
int mnt_errno(int r);
/* Logs a line (with the time) to m->log. */
void mnt_logf(struct mnt *m, const char *fmt, ...) SCEAU_PRINTF(2, 3);

/* Frees the handles the kernel never released (at exit). */
void mnt_handles_free(struct mnt *m);

/* ---- mount-file.c (callers hold m->lock) */
/* The open node of vlob id (a new reference), made if needed. */
int mnt_node_get(struct mnt *m, const char *id, struct mnode **np);
/* The open node of id, or NULL (no new reference). */
struct mnode *mnt_node_find(struct mnt *m, const char *id);
/* Drops a reference: the last one saves changes and frees the node. */
int mnt_node_put(struct mnt *m, struct mnode *n);
int mnt_node_read(struct mnt *m, struct mnode *n, char *buf, size_t size,
    uint64_t off, size_t *got);
int mnt_node_write(
    struct mnt *m, struct mnode *n, const char *buf, size_t size, uint64_t off);
int mnt_node_truncate(struct mnt *m, struct mnode *n, uint64_t size);
/* Encrypts a changed node into the workspace and commits (fsync, close). */
int mnt_node_save(struct mnt *m, struct mnode *n);
/* Frees the nodes still open (at exit, after mnt_save_all). */
void mnt_nodes_free(struct mnt *m);
/* Saves every changed open node (before a sync, at unmount). */
int mnt_save_all(struct mnt *m);
/* Fetches, checks and keeps in the cache the n blocks of d (lock held). */
int mnt_blocks_keep(struct mnt *m, const struct sceau_block_desc *d, size_t n);
/*
 * --keep-offline: fetches missing blocks of the workspace's files, up to
 * budget bytes; 0 when every block is here, 1 when more remain, or an
 * error (lock held).
 */
int mnt_prefetch(struct mnt *m, uint64_t budget);
/* Writes the plaintext of file manifest f to fd (from offset 0). */
int mnt_copy_out(struct mnt *m, const struct sceau_manifest *f, int fd);
/* A new unlinked 0600 file in the spill folder. */
int mnt_spill_new(struct mnt *m, int *fdp);

/* ---- mount-local.c */
/* 1 if a component of path is an editor temporary name (kept local). */
int mnt_is_local(const char *path);
/* m->local_dir + path, in out (MNT_PATH_MAX + SCEAU_PATHS_MAX). */
#define MNT_LOCAL_MAX (MNT_PATH_MAX + SCEAU_PATHS_MAX)
int mnt_local_path(const struct mnt *m, const char *path, char *out);
/* Creates the local folders above path (mkdir -p of its parent). */
int mnt_local_parents(const struct mnt *m, const char *path);

#endif /* SCEAU_CLI_MOUNT_H */
