/*
 * commands.c: the table of subcommands of the sceau program.
 */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "commands.h"
#include "i18n.h"

const struct cli_command cli_commands[] = {
    {"agent", cmd_agent, N_("show or stop sceau-agent")},
    {"cat", cmd_cat, N_("write a workspace file to standard output")},
    {"device", cmd_device, N_("list, revoke, protect and recover devices")},
    {"claim", cmd_claim, N_("join an organization with an invitation link")},
    {"enroll", cmd_enroll, N_("join or admit by smartcard (PKI enrollment)")},
    {"export", cmd_export, N_("decrypt files out of a workspace")},
    {"help", cmd_help, N_("show the commands, or the help of one")},
    {"greet", cmd_greet, N_("greet who claims an invitation: exchange codes")},
    {"history", cmd_history, N_("list the versions of a file or folder")},
    {"import", cmd_import, N_("encrypt files into a workspace")},
    {"invite", cmd_invite, N_("invite a member or a device; list, cancel")},
    {"lock", cmd_lock, N_("lock devices in the agent (wipes their keys)")},
    {"ls", cmd_ls, N_("list a workspace folder")},
    {"mkdir", cmd_mkdir, N_("create a folder in a workspace")},
    {"mount", cmd_mount, N_("show a workspace as a folder (FUSE)")},
    {"mv", cmd_mv, N_("move or rename in a workspace")},
    {"org", cmd_org, N_("bootstrap an organization, export its history")},
    {"policy", cmd_policy, N_("check policy files")},
    {"pki", cmd_pki, N_("check X.509 certificates of the organization's PKI")},
    {"restore", cmd_restore, N_("bring back a past version or a deleted file")},
    {"rm", cmd_rm, N_("remove a file or folder of a workspace")},
    {"selftest", cmd_selftest, N_("run the cryptography self-test")},
    {"server", cmd_server, N_("administer a server's organizations")},
    {"stat", cmd_stat, N_("show a workspace file's details")},
    {"status", cmd_status, N_("fetch new records and show the state")},
    {"sync", cmd_sync, N_("send and receive workspace changes")},
    {"token", cmd_token, N_("list PKCS#11 tokens; show a token's certificate")},
    {"unlock", cmd_unlock, N_("unlock a device in the agent, once")},
    {"unmount", cmd_unmount, N_("unmount a workspace's folder")},
    {"user", cmd_user, N_("list, show, revoke users; change profiles")},
    {"version", cmd_version, N_("show versions of sceau and its libraries")},
    {"whoami", cmd_whoami, N_("show this device, its user and organization")},
    {"workspace", cmd_workspace, N_("create, share and manage workspaces")},
    {NULL, NULL, NULL},
};
