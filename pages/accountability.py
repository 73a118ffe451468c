"""Accountability: response metrics by priority area, the escalation ladder, and the silence list."""

import streamlit as st

from dashboard.serving import figures, formatting, metrics, ui, urls


def render():
    con = ui.connection()
    st.title("Accountability")
    st.caption("Did the EU respond to documented cases, how fast, how strongly, and how united? "
               "Definitions are on the About page.")
    f = ui.filter_sidebar(urls.file("accountability"), ("country", "theme", "status", "since", "until"))
    ui.active_filters(f, ("country", "theme", "status", "since", "until"))
    s, split, areas = metrics.accountability(con, f)
    st.info(ui.text(metrics.selection_note(split)), icon=":material/info:")
    rate = s.response_rate
    defined = metrics.DEFINITIONS
    # Three figures a row (two for the longer "(independent)" labels): at 1366 px with the sidebar open, six in
    # one row cut their labels short (tests/test_layout.py).
    ui.metric_row([
        ("Cases", s.cases, defined["Cases"]),
        ("Cases without EU action", s.cases_without_action, defined["Cases without EU action"]),
        ("Silent open cases", s.silent_cases, defined["Silent open cases"]),
    ])
    ui.metric_row([
        ("Response rate", formatting.percent(rate), defined["Response rate"]),
        ("Median days to respond", s.median_days_to_first_response, defined["Median days to respond"]),
        ("Made on behalf of all 27", formatting.percent(s.unity.share_eu27), defined["Made on behalf of all 27"]),
    ])
    st.caption("Above: all selected cases. Below: only the cases found independently of the EU (from NGO, UN or "
               "news sources, not through an EU text that names them), where EU silence can show.")
    ind = split["independently_discovered"]
    ui.metric_row([
        ("Cases found independently", ind["cases"], defined["Cases found independently"]),
        ("Silent open cases (independent)", ind["silent_cases"], defined["Silent open cases (independent)"]),
    ])
    ui.metric_row([
        ("Response rate (independent)", formatting.percent(ind["response_rate"]), defined["Response rate (independent)"]),
        ("Median days to respond (independent)", ind["median_days_to_first_response"],
         defined["Median days to respond (independent)"]),
    ])

    st.header("Priority areas side by side")
    ui.table(areas)
    values = metrics.area_map_values(areas, "Response rate")
    known = values.dropna(subset=["value"]).sort_values("value")
    lowest = ", ".join(f"{n} ({v:.0f}%)" for n, v in zip(known["name"].head(3), known["value"].head(3), strict=True))
    alt = f"World map of the response rate per priority area. Lowest: {lowest or 'no data'}."
    ui.clickable_map(figures.world_map(values, "Response rate (%)", alt=alt, zmax=100, site=ui.site()),
                     key="accountability_map",
                     data=values.rename(columns={"iso3": "ISO3", "name": "Country", "priority_area": "Priority area",
                                                 "value": "Response rate (%)"}))

    st.header("Escalation ladder")
    st.caption(metrics.DEFINITIONS["Escalation ladder"])
    top = max(s.escalation, key=s.escalation.get) if s.cases else "—"
    ui.chart(figures.escalation_bars(s.escalation),
             alt=f"Bar chart of how many cases reached each step of the escalation ladder. Most cases: {top}.",
             data=metrics.escalation_frame(s))

    st.header("Silence list")
    st.caption(metrics.DEFINITIONS["Silence list"] + " The column Found via says which cases were found "
               "independently of the EU.")
    ui.table(metrics.silence_list(con, f))

    st.header("Who acts")
    ui.table(metrics.who_acts_frame(s).rename(columns={"actor": "Institution", "action_type": "Instrument",
                                                      "actions": "EU actions"}))
    ui.cite_this_view("accountability", f)


ui.guarded(render)
