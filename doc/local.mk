## Project documentation (Markdown).
EXTRA_DIST += doc/architecture.md doc/certificates.md doc/protocol.md \
	doc/keyfile.md doc/recovery.md doc/server.md doc/workspaces.md \
	doc/performance.md doc/invitations.md doc/pki.md doc/tokens.md \
	doc/enrollment.md doc/mount.md doc/policy.md doc/policy-workstation.md \
	doc/audit.md
