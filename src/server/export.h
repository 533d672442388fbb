/*
 * export.h: an organization's history from the server's database
 * (sceau-server --export-history; format: src/histfile.h).
 */
#ifndef SCEAU_SERVER_EXPORT_H
#define SCEAU_SERVER_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"

/*
 * Writes org_id's history to f: header (exported by "server" at now_us),
 * certificates, every workspace's versions, end.  SCEAU_ERR_ORG_UNKNOWN,
 * a storage error, or SCEAU_ERR_SYSTEM when f cannot be written.
 */
int srv_export_history(
    struct srv_backend *be, const char *org_id, uint64_t now_us, FILE *f);

#endif /* SCEAU_SERVER_EXPORT_H */
