"""Countries: one country or priority area at a time — figures, timeline, cases, sources."""

import streamlit as st

from dashboard import figures, queries, ui
from dashboard.taxonomy import PRIORITY_AREAS


def render():
    con = ui.connection()
    f = ui.filter_sidebar("pages/countries.py", ("country", "theme", "since", "until"), single=("country",))
    if not f.places:
        st.title("Countries")
        st.write("Choose a priority area in the sidebar, or one of these:")
        ui.page_links_to("pages/countries.py", PRIORITY_AREAS)
        ui.table(queries.place_summary(con).rename(columns={
            "area": "Priority area", "actions": "EU actions", "cases": "Cases", "latest": "Latest EU action"}))
        return
    place = f.places[0]
    st.title(place)
    head = queries.headline(con, f)
    ui.metric_row([
        ("EU actions", head.actions, None),
        ("Cases", head.cases, None),
        ("Cases without EU action", head.cases_without_action, None),
        ("Latest EU action", head.latest_action, None),
    ])

    st.header("Timeline of EU actions and case events")
    points = queries.combined_timeline(con, f)
    n_actions = int((points["kind"] == "EU action").sum()) if not points.empty else 0
    ui.chart(figures.dated_points(points),
             alt=f"Timeline for {place}: {n_actions} EU actions and {len(points) - n_actions} case events, "
                 "EU actions as blue circles, case events as orange crosses.",
             data=points.rename(columns={"date": "Date", "kind": "Kind", "category": "Category", "text": "Text",
                                         "source": "Source", "ref": "ID"}))

    st.header("Cases")
    ui.table(queries.cases_table(con, f, limit=200))
    ui.export_buttons(con, f, "cases", head.cases, key="country")
    st.header("EU actions")
    ui.table(queries.actions_table(con, f, limit=200))
    ui.export_buttons(con, f, "actions", head.actions, key="country")
    if head.actions > 200:
        st.page_link("pages/explore.py", label=f"All {head.actions} EU actions in Explore →",
                     query_params={"country": place})
    figures_table = queries.death_penalty_figures(con, f.countries)
    if not figures_table.empty:
        with st.expander("Death penalty figures (context)"):
            ui.table(figures_table)
    st.header("Sources")
    ui.table(queries.sources_list(con, f))
    ui.cite_this_view("countries", f)


ui.guarded(render)
