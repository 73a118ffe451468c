"""Overview: headline figures, the world map, the latest EU actions, ways into areas and themes."""

import streamlit as st

from dashboard import figures, queries, ui
from dashboard.taxonomy import PRIORITY_AREAS


def render():
    con = ui.connection()
    st.title("EU Human Rights Action Monitor")
    st.caption("Documented human-rights cases in the EU's priority countries, and what the EU institutions did "
               "about them: where they acted, how fast, how united, and where they stayed silent.")
    st.caption(f"Data as of {queries.data_as_of(con)}: the latest date a source in the dataset gives for an act.")
    f = ui.filter_sidebar("pages/overview.py", ("theme", "since", "until"))
    head = queries.headline(con, f)
    ui.metric_row([
        ("EU actions", head.actions, "Statements, démarches, resolutions, sanctions… with a public source."),
        ("Cases", head.cases, "Documented cases of people, groups or organisations at risk."),
        ("Cases without EU action", head.cases_without_action, "No linked EU action in the dataset."),
        ("Latest EU action", head.latest_action, None),
    ])

    measure_label = st.segmented_control("Map shows", list(queries.MEASURES.values()), default="EU actions",
                                         key="measure", bind="query-params") or "EU actions"
    measure = {v: k for k, v in queries.MEASURES.items()}[measure_label]
    values = queries.map_values(con, f, measure)
    if measure == "executions":
        st.caption("Context, not EU action: recorded executions in the latest year for which a source (Amnesty "
                   "International's annual reports, or press reports of them) states a number; often a minimum. "
                   "Countries with no stated number show 0. Details and sources are on the Themes page.")
    top = values.sort_values("value", ascending=False).head(3)
    finding = ", ".join(f"{n} ({v})" for n, v in zip(top["name"], top["value"]) if v)
    ui.clickable_map(figures.world_map(values, measure_label),
                     alt=f"World map of {measure_label} per country; priority areas outlined in orange. "
                         f"Most: {finding or 'none'}.",
                     data=values.rename(columns={"iso3": "ISO3", "name": "Country", "priority_area": "Priority area",
                                                 "value": measure_label}), key="overview_map")

    st.header("Latest EU actions")
    ui.table(queries.latest_actions(con, f, limit=8).drop(columns=["Summary"]))
    st.page_link("pages/explore.py", label="All EU actions, with every filter →")

    st.header("Priority areas")
    ui.page_links_to("pages/countries.py", PRIORITY_AREAS)
    st.header("Themes")
    ui.page_links_to("pages/themes.py", [t for t in ui.OPTIONS["theme"]], param="theme")
    ui.cite_this_view("", f)


ui.guarded(render)
