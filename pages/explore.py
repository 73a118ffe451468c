"""Explore: the table of EU actions or of cases with every filter, paged, with a CSV of exactly the filtered rows."""

import math

import streamlit as st

from dashboard import exports, queries, ui


def render():
    con = ui.connection()
    st.title("Explore")
    f = ui.filter_sidebar("pages/explore.py", (*ui.ALL_FILTERS, "source"))
    table_label = st.segmented_control("Table", list(exports.TABLES.values()), default="EU actions", key="table",
                                       bind="query-params") or "EU actions"
    table = {v: k for k, v in exports.TABLES.items()}[table_label]
    total = queries.count_actions(con, f) if table == "actions" else queries.count_cases(con, f)
    st.header(f"{table_label}: {total:,}")
    st.caption("Filters applied: " + ui.text(f.describe()))
    pages = max(1, math.ceil(total / queries.PAGE_SIZE))
    page = st.pagination(pages, key="page", bind="query-params") if pages > 1 else 1
    offset = (min(page, pages) - 1) * queries.PAGE_SIZE
    if table == "actions":
        ui.table(queries.actions_table(con, f, offset=offset))
    else:
        ui.table(queries.cases_table(con, f, offset=offset))
    st.caption(f"Rows {offset + 1 if total else 0}–{min(offset + queries.PAGE_SIZE, total)} of {total}.")
    ui.export_buttons(con, f, table, total)
    ui.cite_this_view("explore", f, {"table": table_label} if table != "actions" else None)


ui.guarded(render)
