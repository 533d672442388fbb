## Example configuration files (installed by packagers, documented in
## section 5 of the manual).
EXTRA_DIST += conf/server.conf
