"""About: what the data is, how it is collected and checked, definitions, licence, citation, build."""

import streamlit as st

from dashboard.curation import release
from dashboard.serving import about, metrics, queries, ui


def render():
    con = ui.connection()
    info = queries.build_info(con)
    st.title("About this monitor")
    st.caption(f"Data as of {queries.data_as_of(con)}: the latest date a source in the dataset gives for an act.")
    st.markdown(about.INTRO)
    st.header("Definitions")
    st.markdown(about.definitions_markdown())
    st.header("What each number means")
    for name, definition in metrics.DEFINITIONS.items():
        st.markdown(f"**{name}.** {definition}")
    st.caption(metrics.SELECTION_CAVEAT)
    st.header("The EU's own commitments")
    ui.table(queries.commitments(con))
    st.header("Download the whole dataset")
    st.write("The published records as CSV files with their Frictionless description (`datapackage.json`), the "
             "review log of those records (`review_log.csv`) and the coverage notes (`COVERAGE.md`); or the DuckDB "
             "database the pages read.")
    left, right = st.columns(2)
    with left:
        ui.package_download()
    with right:
        ui.database_download()
    st.header("How to cite")
    # A read-only text area, not st.code: no page loads the code highlighter to show one line of text.
    st.text_area("Citation (select all and copy)", about.citation(info, ui.site().base), height=110)
    st.header("Licence")
    st.markdown(about.LICENCE_TEXT)
    st.header("This build")
    # Two by two: four to a row cut the version and the build time short on a laptop.
    ui.metric_row([
        ("Data version", info.get("data_version"), "The release of the data (see Latest changes); '+draft' marks "
                                                   "sources not yet released."),
        ("Built at (UTC)", f"{info['built_at']:%Y-%m-%d %H:%M}" if info.get("built_at") is not None else None, None),
    ])
    ui.metric_row([
        ("Cases", info.get("cases"), metrics.DEFINITIONS["Cases"]),
        ("EU actions", info.get("eu_actions"), metrics.DEFINITIONS["EU actions"]),
    ])
    st.caption("Source digest (SHA-256 of the source files): " + ui.text(info.get("source_digest", "")))
    st.subheader("Latest changes")
    st.text("\n".join(release.latest_changes(con).lines))  # plain text, never Markdown


ui.guarded(render)
