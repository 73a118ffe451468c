"""Timeline: EU actions and case events over time, by month or year, coloured by actor or action type."""

import streamlit as st

from dashboard.serving import figures, queries, ui, urls


def render():
    con = ui.connection()
    st.title("Timeline")
    f = ui.filter_sidebar(urls.file("timeline"))
    ui.active_filters(f)
    ui.check_choice("grain", ["Year", "Month"])
    ui.check_choice("by", ["Actor", "Action type"])
    left, right = st.columns(2)
    grain = left.segmented_control("Period", ["Year", "Month"], default="Year", key="grain",
                                   bind="query-params") or "Year"
    by = right.segmented_control("Colour EU actions by", ["Actor", "Action type"], default="Actor", key="by",
                                 bind="query-params") or "Actor"
    grain_code, group = grain.lower(), {"Actor": "actor", "Action type": "action_type"}[by]
    actions = queries.actions_over_time(con, f, grain_code, group)
    events = queries.events_over_time(con, f, grain_code)
    x_range = figures.period_range([actions, events], grain_code)  # both charts on one time axis
    total = int(actions["n"].sum()) if not actions.empty else 0
    ui.chart(figures.counts_over_time(actions, f"EU actions per {grain_code}, by {by.lower()}", grain_code,
                                      kind=group, x_range=x_range),
             alt=f"Stacked bar chart: {total} EU actions per {grain_code}, coloured by {by.lower()}.",
             data=actions.rename(columns={"period": grain, "group": by, "n": "EU actions"}))
    total_events = int(events["n"].sum()) if not events.empty else 0
    ui.chart(figures.counts_over_time(events, f"Case events per {grain_code}, by type", grain_code,
                                      kind="event_type", x_range=x_range),
             alt=f"Stacked bar chart: {total_events} case events per {grain_code}, by event type.",
             data=events.rename(columns={"period": grain, "group": "Event type", "n": "Case events"}))
    ui.cite_this_view("timeline", f, {k: v for k, v in (("grain", grain), ("by", by)) if v not in ("Year", "Actor")})


ui.guarded(render)
