/*
 * paths.h: where a computer keeps its sceau devices.
 *
 * The data directory is the first of:
 *   $SCEAU_HOME                 (must be an absolute path)
 *   $XDG_DATA_HOME/sceau        (ignored unless absolute, as XDG says)
 *   $HOME/.local/share/sceau    ($HOME, or the password database)
 * It is created with mode 0700 when missing (parents too, 0700), and
 * refused with SCEAU_ERR_INSECURE_FILE when it is not a directory, is
 * owned by another uid, or is writable by group or others.  Its parents
 * are not checked: home directories vary, and what matters (the key
 * files) is encrypted and checked in its turn.
 *
 * Layout:
 *   DATA/devices/ORG/DEVICE_ID/device.key   key file (keyfile.h)
 *   DATA/devices/ORG/DEVICE_ID/store.db     local store
 * Every directory of the layout is created 0700 and checked like the data
 * directory, without following symbolic links.
 *
 * Paths are returned in caller arrays of SCEAU_PATHS_MAX bytes; a longer
 * path is SCEAU_ERR_INVALID_ARGUMENT.
 */
#ifndef SCEAU_PATHS_H
#define SCEAU_PATHS_H

#include <stddef.h>

#include "cert.h"
#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_PATHS_MAX 4096
#define SCEAU_PATHS_KEY_FILE "device.key"
#define SCEAU_PATHS_STORE_FILE "store.db"
#define SCEAU_PATHS_BLOCKS_DIR "blocks" /* the block cache */
#define SCEAU_PATHS_ENROLL_FILE "enroll.json" /* a waiting enrollment */
/* Devices listed at most (a computer holds a handful). */
#define SCEAU_PATHS_DEVICES_MAX 1024

/* One device found on this computer. */
struct sceau_paths_device {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char device_id[SCEAU_ID_LEN + 1];
};

/*
 * The data directory, created if missing and checked.  0,
 * SCEAU_ERR_INSECURE_FILE, SCEAU_ERR_CONFIG (relative $SCEAU_HOME, no
 * home directory), SCEAU_ERR_SYSTEM, SCEAU_ERR_INVALID_ARGUMENT.
 */
int sceau_paths_data_dir(char dir[SCEAU_PATHS_MAX]) SCEAU_WUR;

/* The user's home directory ($HOME, else the password database). */
int sceau_paths_home_dir(char home[SCEAU_PATHS_MAX]) SCEAU_WUR;

/*
 * DATA/devices/ORG/DEVICE_ID.  With create, every missing directory is
 * created (0700); without, a missing one is SCEAU_ERR_NO_DEVICE.  Either
 * way each one is checked.  org and device_id must be valid ids.
 */
int sceau_paths_device_dir(const char *org, const char *device_id, int create,
    char dir[SCEAU_PATHS_MAX]) SCEAU_WUR;

/*
 * DATA/devices/ORG/DEVICE_ID/NAME, NAME being SCEAU_PATHS_KEY_FILE or
 * SCEAU_PATHS_STORE_FILE.  The directories are checked (and created with
 * create) as by sceau_paths_device_dir(); the file itself need not exist.
 */
int sceau_paths_device_file(const char *org, const char *device_id,
    const char *name, int create, char path[SCEAU_PATHS_MAX]) SCEAU_WUR;

/*
 * Lists the devices on this computer: each DATA/devices/ORG/DEVICE_ID
 * with valid ids holding a regular device.key, sorted by organization
 * then device id.  *list is a new array of *n entries (NULL when none),
 * freed with sceau_free().  Entries with malformed names are skipped.
 */
int sceau_paths_list_devices(struct sceau_paths_device **list, size_t *n)
    SCEAU_WUR;

/*
 * Selects the one device matching org (NULL: any) and device_id (NULL:
 * any).  SCEAU_ERR_NO_DEVICE when none matches, SCEAU_ERR_AMBIGUOUS_DEVICE
 * when several do; both say which in sceau_message().
 */
int sceau_paths_find_device(const char *org, const char *device_id,
    struct sceau_paths_device *found) SCEAU_WUR;

/*
 * Creates the file at path with mode 0600 (a database SQLite would make
 * with the umask) unless it exists.  An existing file is not opened at
 * all: closing a descriptor of a database would drop every POSIX lock
 * this process holds on it, its other connections' too, and another
 * process could then checkpoint and delete the WAL under them.
 */
int sceau_paths_create_private(const char *path) SCEAU_WUR;

/*
 * The socket of sceau-agent (doc/agent-protocol.md): $SCEAU_AGENT_SOCK;
 * else agent.sock in DATA/run when SCEAU_HOME is set (one agent per data
 * directory), in $XDG_RUNTIME_DIR/sceau, or in /tmp/sceau-UID.  The
 * directory of a default path is checked (ours, 0700 with create, not
 * writable by others); with create it is made.  SCEAU_AGENT_SOCK set
 * but empty: SCEAU_ERR_AGENT_UNREACHABLE (use no agent).
 */
int sceau_paths_agent_socket(int create, char path[SCEAU_PATHS_MAX]) SCEAU_WUR;

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_PATHS_H */
