## Man pages (mdoc): one per installed program and per file format.
dist_man_MANS += man/sceau.1 man/sceau-errors.7
