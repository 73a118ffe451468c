"""About: what the data is, how it is collected and checked, definitions, licence, citation, build."""

import streamlit as st

from dashboard import about, config, exports, metrics, queries, ui


def render():
    con = ui.connection()
    info = queries.build_info(con)
    st.title("About this monitor")
    st.caption(f"Data as of {queries.data_as_of(con)}: the latest date a source in the dataset gives for an act.")
    st.markdown(about.INTRO)
    st.header("Definitions")
    st.markdown(about.definitions_markdown())
    st.header("How the accountability measures are computed")
    for name, definition in metrics.DEFINITIONS.items():
        st.markdown(f"**{name}.** {definition}")
    st.caption(metrics.SELECTION_CAVEAT)
    st.header("The EU's own commitments")
    ui.table(queries.commitments(con))
    st.header("Download the whole dataset")
    st.write("The reviewed source files with their Frictionless description (`datapackage.json`), the review log "
             "(`review_log.csv`) and the coverage notes (`COVERAGE.md`); or the DuckDB database the pages read.")
    left, right = st.columns(2)
    left.download_button("Data package (ZIP of CSV files + datapackage.json)", icon=":material/download:",
                         data=lambda: exports.whole_dataset_zip(config.SOURCES_DIR, config.DATAPACKAGE,
                                                                config.DATA_DOCUMENTS),
                         file_name="eu-hr-monitor-data-package.zip", mime="application/zip", on_click="ignore")
    right.download_button("DuckDB database", icon=":material/download:", data=lambda: config.db_path().read_bytes(),
                          file_name="eu-hr-monitor.duckdb", mime="application/octet-stream", on_click="ignore")
    st.header("How to cite")
    st.code(about.citation(info, config.PUBLIC_BASE_URL), language=None, wrap_lines=True)
    st.header("Licence")
    st.markdown(about.LICENCE_TEXT)
    st.header("This build")
    ui.metric_row([
        ("Data version", info.get("data_version"), "Build date and the first characters of the source digest."),
        ("Built at (UTC)", f"{info['built_at']:%Y-%m-%d %H:%M}" if info.get("built_at") is not None else None, None),
        ("Cases", info.get("cases"), None),
        ("EU actions", info.get("eu_actions"), None),
    ])
    st.caption(f"Source digest (SHA-256 of the source files): {info.get('source_digest', '')}")


ui.guarded(render)
