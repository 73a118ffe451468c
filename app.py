"""EU Human Rights Action Monitor — entry point: page setup and navigation only."""

import streamlit as st

st.set_page_config(page_title="EU Human Rights Action Monitor", page_icon="static/favicon.png", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/public:", url_path="", default=True),
    st.Page("pages/countries.py", title="Countries", icon=":material/flag:", url_path="countries"),
    st.Page("pages/themes.py", title="Themes", icon=":material/category:", url_path="themes"),
    st.Page("pages/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
    st.Page("pages/explore.py", title="Explore", icon=":material/table:", url_path="explore"),
    st.Page("pages/accountability.py", title="Accountability", icon=":material/gavel:", url_path="accountability"),
    st.Page("pages/brief.py", title="Country brief", icon=":material/co_present:", url_path="brief"),
    st.Page("pages/case.py", title="Case", icon=":material/person:", url_path="case"),
    st.Page("pages/action.py", title="EU action", icon=":material/campaign:", url_path="action"),
    st.Page("pages/about.py", title="About", icon=":material/info:", url_path="about"),
    st.Page("pages/accessibility.py", title="Accessibility", icon=":material/accessibility:", url_path="accessibility"),
]

# Presentation mode (?present=1) hides the navigation; the page itself hides the rest.
st.navigation(PAGES, position="hidden" if st.query_params.get("present") == "1" else "sidebar").run()
