/*
 * store-internal.h: the local store's state, shared by store*.c only.
 */
#ifndef SCEAU_STORE_INTERNAL_H
#define SCEAU_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* Statements prepared once and reused (hot paths: imports, syncs). */
enum store_stmt_id {
	STMT_VLOB_GET,
	STMT_VLOB_SET_LOCAL,
	STMT_VLOB_SET_REMOTE,
	STMT_VLOB_SET_REMOTE_CLEAN,
	STMT_REALM_GET,
	STMT_REALM_SET,
	STMT_MAX
};

struct sceau_store {
	sqlite3 *db;
	int in_txn;
	sqlite3_stmt *stmts[STMT_MAX];
};

/* Sets sceau_message from SQLite's error; STORE or STORE_CORRUPT. */
int store_db_error(struct sceau_store *s, const char *what);
/* The statement id, prepared from sql the first time, reset and cleared. */
int store_stmt(struct sceau_store *s, enum store_stmt_id id, const char *sql,
    sqlite3_stmt **st);
void store_stmts_finalize(struct sceau_store *s);

#endif /* SCEAU_STORE_INTERNAL_H */
