## Man pages (mdoc): one per installed program and per file format.
dist_man_MANS += man/sceau.1 man/sceau-agent.1 man/sceau-errors.7 \
	man/sceau-policy.5
dist_man_MANS += man/sceau-server.8 man/sceau-server.conf.5
dist_man_MANS += man/sceau-audit.1
