/*
 * report.h: sceau-audit report (report.c) and the names of files and
 * folders a member's keys give it (report-names.c).
 */
#ifndef SCEAU_AUDIT_REPORT_H
#define SCEAU_AUDIT_REPORT_H

#include <libxml/tree.h>

#define AUDIT_REPORT_NS "urn:sceau:audit-report:1"

/*
 * Signs doc (XML-DSig, xmldsig.c) with the PEM key and certificate; the
 * key's passphrase is the first line of pass_file (NULL: none).  0 or -1
 * (said on standard error).
 */
int rp_sign(
    xmlDocPtr doc, const char *key, const char *cert, const char *pass_file);

/*
 * Names of vlobs: a first pass over the export at path with the keys of
 * the member device in home (its SCEAU_HOME; password from
 * password_file, else the computer's keyring) decrypts the folders it
 * may read and keeps each child's name and parent.  Names are the latest
 * the export holds.  0, or -1 (said on standard error).
 */
struct rp_names;
int rp_names_load(const char *path, const char *home, const char *password_file,
    struct rp_names **np);
/* "/folder/file" of vlob in realm, or NULL when unknown; lent until the
 * next call. */
const char *rp_names_path(
    struct rp_names *n, const char *realm, const char *vlob);
void rp_names_free(struct rp_names *n);

#endif /* SCEAU_AUDIT_REPORT_H */
