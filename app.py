"""EU Human Rights Action Monitor — entry point: the page registry and navigation only."""

import streamlit as st

from dashboard.serving import urls

st.set_page_config(page_title="EU Human Rights Action Monitor", page_icon="static/favicon.png", layout="wide")

# The page registry: key (its file and path come from dashboard/serving/urls.py), title, icon, and whether the
# navigation lists it. Case and EU action pages are reached from a record's title, not the menu.
REGISTRY = [
    ("overview", "Overview", ":material/public:", True),
    ("countries", "Countries", ":material/flag:", True),
    ("themes", "Themes", ":material/category:", True),
    ("timeline", "Timeline", ":material/timeline:", True),
    ("explore", "Explore", ":material/table:", True),
    ("accountability", "Accountability", ":material/gavel:", True),
    ("brief", "Country brief", ":material/co_present:", True),
    ("case", "Case", ":material/person:", False),
    ("action", "EU action", ":material/campaign:", False),
    ("about", "About", ":material/info:", True),
    ("accessibility", "Accessibility", ":material/accessibility:", True),
]
PAGES = [st.Page(urls.file(key), title=title, icon=icon, url_path=urls.PATHS[key], default=key == "overview",
                 visibility="visible" if listed else "hidden")
         for key, title, icon, listed in REGISTRY]

# Presentation mode (?present=1) hides the navigation; the page itself hides the rest.
st.navigation(PAGES, position="hidden" if st.query_params.get("present") == "1" else "sidebar").run()
