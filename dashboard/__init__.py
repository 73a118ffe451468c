"""EU Human Rights Action Monitor: the code behind the pages.

Two lives over one vocabulary:
- `dashboard.curation`: the offline pipeline from reviewed sources to the published database (run by `make` and
  `python -m dashboard`);
- `dashboard.serving`: the read-only side the pages, exports and commands use;
- shared by both, and nothing else: `taxonomy` (the codes and their labels), `schema` (the tables and columns) and
  `config` (where files are).
Serving never imports curation (tests/test_packages.py); `__main__` is the command line over both.
"""
