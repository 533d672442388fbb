## Project documentation (Markdown).
EXTRA_DIST += doc/architecture.md
