"""Explore: the table of EU actions or of cases with every filter, paged, with a CSV of exactly the filtered rows."""

import math

import streamlit as st

from dashboard.serving import exports, queries, ui, urls


def render():
    con = ui.connection()
    st.title("Explore")
    f = ui.filter_sidebar(urls.file("explore"), (*ui.ALL_FILTERS, "source"))
    ui.active_filters(f, (*ui.ALL_FILTERS, "source"))
    ui.check_choice("table", exports.TABLES.values())
    table_label = st.segmented_control("Table", list(exports.TABLES.values()), default="EU actions", key="table",
                                       bind="query-params") or "EU actions"
    table = {v: k for k, v in exports.TABLES.items()}[table_label]
    ui.check_choice("sort", queries.ORDER_LABELS.values())
    sort_label = st.selectbox("Sort all rows by", list(queries.ORDER_LABELS.values()), key="sort",
                              bind="query-params") or queries.ORDER_LABELS[queries.DEFAULT_ORDER]
    order = {v: k for k, v in queries.ORDER_LABELS.items()}[sort_label]
    total = queries.count_actions(con, f) if table == "actions" else queries.count_cases(con, f)
    st.header(f"{table_label}: {total:,}")
    pages = max(1, math.ceil(total / queries.PAGE_SIZE))
    ui.check_choice("page", [str(n) for n in range(1, pages + 1)])
    page = st.pagination(pages, key="page", bind="query-params") if pages > 1 else 1
    offset = (min(page, pages) - 1) * queries.PAGE_SIZE
    if table == "actions":
        rows = queries.actions_table(con, f, limit=queries.PAGE_SIZE, offset=offset, order=order)
    else:
        rows = queries.cases_table(con, f, limit=queries.PAGE_SIZE, offset=offset, order=order)
    ui.table(rows, complete=total <= queries.PAGE_SIZE, key=f"explore-{table}-{order}-{offset}")
    st.caption(f"Rows {offset + 1 if total else 0}–{min(offset + queries.PAGE_SIZE, total)} of {total}.")
    ui.export_buttons(con, f, table, total, order=order)
    ui.cite_this_view("explore", f, {"table": table_label if table != "actions" else None,
                                     "sort": sort_label if order != queries.DEFAULT_ORDER else None})


ui.guarded(render)
