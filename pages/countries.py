"""Countries: one country or priority area at a time — figures, timeline, cases, sources."""

from dataclasses import replace

import streamlit as st

from dashboard.serving import figures, metrics, queries, ui, urls
from dashboard.taxonomy import PRIORITY_AREAS


def render():
    con = ui.connection()
    f = ui.filter_sidebar(urls.file("countries"), ("country", "theme", "since", "until"), single=("country",))
    if not f.places:
        st.title("Countries")
        st.write("Choose a priority area in the sidebar, or one of these:")
        ui.page_links_to("countries", PRIORITY_AREAS)
        ui.table(queries.place_summary(con).rename(columns={
            "area": "Priority area", "actions": "EU actions", "cases": "Cases", "latest": "Latest EU action"}))
        return
    place = f.places[0]
    st.title(ui.text(place), anchor=False)
    # The country is the page's subject (changed below); the line names the filters narrowing it.
    ui.active_filters(replace(f, places=()), ("theme", "since", "until"))
    left, _ = st.columns([2, 3])
    # One step to another country (the sidebar's one-choice box needs its choice removed first).
    change = f"change-country-{place}"
    left.selectbox("Change country", ui.OPTIONS["country"], index=ui.OPTIONS["country"].index(place), key=change,
                   on_change=lambda: st.session_state.update(country=[st.session_state[change]], **{ui.CHOSEN: True}))
    head = queries.headline(con, f)
    defined = metrics.DEFINITIONS
    ui.metric_row([
        ("EU actions", head.actions, defined["EU actions"]),
        ("Cases", head.cases, defined["Cases"]),
        ("Cases without EU action", head.cases_without_action, defined["Cases without EU action"]),
        ("Latest EU action", head.latest_action, defined["Latest EU action"]),
    ])

    st.header("Timeline of EU actions and case events")
    st.caption("Grey lines join each EU action to the latest event of the case it named; hover a line for the days "
               "it took.")
    # the timeline's points, the answers of the actions it shows, and the newest 200 actions (the table below)
    points, answered, newest_actions = queries.timeline_answers_and_actions(con, f, limit=200)
    n_actions = int((points["kind"] == "EU action").sum()) if not points.empty else 0
    ui.chart(figures.response_timeline(points, answered, height=320),
             alt=f"Timeline for {place}: {len(points) - n_actions} case events (top row, by event type) and "
                 f"{n_actions} EU actions (bottom row, by actor); a line joins each EU action to the case event "
                 f"it answered ({len(answered)} such answers).",
             data=points.rename(columns={"date": "Date", "kind": "Kind", "category": "Category", "text": "Text",
                                         "source": "Source", "ref": "ID"}))
    st.header("Cases")
    ui.table(queries.cases_table(con, f, limit=200))
    ui.export_buttons(con, f, "cases", head.cases, key="country")
    st.header("EU actions")
    ui.table(newest_actions)
    ui.export_buttons(con, f, "actions", head.actions, key="country")
    if head.actions > 200:
        st.page_link(urls.file("explore"), label=f"All {head.actions} EU actions in Explore →",
                     query_params=urls.query({"country": place}))
    figures_table = queries.death_penalty_figures(con, f.countries)
    if not figures_table.empty:
        with st.expander("Death penalty figures (context)"):
            ui.table(figures_table)
    st.header("Sources")
    sources_box = ui.on_demand("The sources of this view, with how many of its records each supports",
                               key="country_sources")
    if sources_box is not None:
        with sources_box:
            ui.table(queries.sources_list(con, f))
    ui.cite_this_view("countries", f)


ui.guarded(render)
