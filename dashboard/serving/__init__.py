"""The read-only serving side: one read-only connection (`db`), filters as values (`filters`, `urls`,
`url_state`), SQL (`queries`), the numbers (`metrics`), figures, exports, the offline brief, the data package
and its coverage notes, plain text out (`formatting`), and the Streamlit layer (`ui`, the only module here that
imports Streamlit with `url_state`). It reads the built database and never imports `dashboard.curation`
(tests/test_packages.py)."""
