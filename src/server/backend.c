/*
 * backend.c: opening the storage backend the configuration names.
 */
#include "config.h"

#include <string.h>

#include "backend.h"
#include "errors.h"

int
srv_backend_open(const struct srv_backend_config *cfg, struct srv_backend **out)
{
	*out = NULL;
	if (cfg->kind == NULL || strcmp(cfg->kind, "sqlite") == 0)
		return srv_sqlite_open(cfg, out);
	sceau_message("unknown database backend %s", cfg->kind);
	return SCEAU_ERR_CONFIG;
}

void
srv_backend_close(struct srv_backend *be)
{
	if (be != NULL)
		be->ops->close(be);
}
