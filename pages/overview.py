"""Overview: headline figures, the world map, the latest EU actions, ways into areas and themes."""

import pandas as pd
import streamlit as st

from dashboard.serving import figures, metrics, queries, ui, urls
from dashboard.taxonomy import PRIORITY_AREAS


def render():
    con = ui.connection()
    st.title("EU Human Rights Action Monitor")
    st.caption("Documented human-rights cases in the EU's priority countries, and what the EU institutions did "
               "about them: where they acted, how fast, how united, and where they stayed silent.")
    st.caption(f"Data as of {queries.data_as_of(con)}: the latest date a source in the dataset gives for an act.")
    f = ui.filter_sidebar(urls.file("overview"), ("theme", "since", "until"))
    ui.active_filters(f, ("theme", "since", "until"))
    head = queries.headline(con, f)
    defined = metrics.DEFINITIONS
    ui.metric_row([
        ("EU actions", head.actions, defined["EU actions"]),
        ("Cases", head.cases, defined["Cases"]),
        ("Cases without EU action", head.cases_without_action, defined["Cases without EU action"]),
        ("Latest EU action", head.latest_action, defined["Latest EU action"]),
    ])

    ui.check_choice("measure", queries.MEASURES.values())
    measure_label = st.segmented_control("Map shows", list(queries.MEASURES.values()), default="EU actions",
                                         key="measure", bind="query-params") or "EU actions"
    measure = {v: k for k, v in queries.MEASURES.items()}[measure_label]
    values = queries.map_values(con, f, measure)
    if measure == "executions":
        st.caption("Context, not EU action: recorded executions in the latest year for which a source (Amnesty "
                   "International's annual reports, or press reports of them) states a number; often a minimum. "
                   "Grey: no number stated (China: a state secret) — hover for the source's words. "
                   "Details and sources are on the Themes page.")
    top = values.dropna(subset=["value"]).sort_values("value", ascending=False).head(3)
    finding = ", ".join(f"{n} ({v:.0f})" for n, v in zip(top["name"], top["value"], strict=True) if v > 0)
    st.caption("Click a country outlined in orange to open its page, or choose a priority area from the list.")
    map_column, list_column = st.columns([4, 1], gap="medium")
    with map_column:
        alt = (f"World map of {measure_label} per country; priority areas outlined in orange, each a link to its "
               f"page. Most: {finding or 'none'}.")
        ui.clickable_map(figures.world_map(values, measure_label, alt=alt, site=ui.site()),
                         data=values.rename(columns={"iso3": "ISO3", "name": "Country", "priority_area": "Priority area",
                                                     "value": measure_label, "year": "Year", "note": "Note"}),
                         key="overview_map")
    with list_column:
        st.markdown("**The 12 priority areas**")
        for row in figures.area_values(values).itertuples():
            value = "no figure" if pd.isna(row.value) else ui.shown(int(row.value))
            year = getattr(row, "year", None)
            if year is not None and not pd.isna(year):
                value += f" ({int(year)})"
            st.page_link(urls.file("countries"), label=f"{ui.text(row.label)} · {value}",
                         query_params=urls.query({"country": row.priority_area}))

    st.header("Latest EU actions")
    latest = queries.actions_table(con, f, limit=8)
    if latest.empty:
        st.caption("No EU action matches these filters.")
    ui.record_links(latest, key="latest_actions")  # date · country · title → its page; the table is on Explore
    st.page_link(urls.file("explore"), label="All EU actions as a table, with every filter →")

    st.header("Priority areas")
    ui.page_links_to("countries", PRIORITY_AREAS)
    st.header("Themes")
    ui.page_links_to("themes", [t for t in ui.OPTIONS["theme"]], param="theme")
    ui.cite_this_view("overview", f)


ui.guarded(render)
