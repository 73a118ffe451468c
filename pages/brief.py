"""Country brief: one screen per country for meetings; `&present=1` for presentation mode."""

import streamlit as st

from dashboard.serving import brief as briefing
from dashboard.serving import formatting, ui, urls
from dashboard.taxonomy import PRIORITY_AREAS

PRESENT_FONT = 15  # chart text in presentation mode, px


def presentation(b: briefing.Brief) -> None:
    """One screen that fits the visible window; ←/→ switch country and Esc leaves (static/presentation/)."""
    # The address bar names the country shown: a link followed by key (or click) inside the app does not
    # rewrite the browser's address by itself, and a prepared link copied from it must reopen this country.
    st.query_params.from_dict(urls.query({"country": b.place, "present": "1"}))
    st.title(f"Country brief: {ui.text(b.place)}", anchor=False)
    ui.metric_row([(label, value, briefing.HELP.get(label)) for label, value in b.headline])
    left, right = st.columns([7, 5], gap="medium")
    with left:
        st.header("EU actions and case events", anchor=False)
        n_actions = int((b.timeline["kind"] == "EU action").sum()) if not b.timeline.empty else 0
        with st.container(key="present_chart"):
            ui.chart(briefing.timeline_figure(b, height=None, font_size=PRESENT_FONT), height="stretch",
                     alt=f"Timeline for {b.place}: {len(b.timeline) - n_actions} case events (top row) and "
                         f"{n_actions} EU actions (bottom row), each action joined to the case event it answered.")
    with right, st.container(key="present_tables"):
        st.header(b.open_cases_heading, anchor=False, help=briefing.HELP["Silent open cases"])
        cases = b.open_cases.assign(**{"Last EU action": b.open_cases["Last EU action"].map(formatting.date_or_never)})
        # st.table renders Markdown: every cell goes through the one escaping function first.
        with st.container(key="present_open"):
            st.table(cases[["Title", "Status", "Last EU action"]].map(formatting.shown), hide_index=True)
        st.header("Latest EU actions", anchor=False)
        with st.container(key="present_latest"):
            st.table(b.latest_actions[["Date", "Actor", "Title"]].map(formatting.shown), hide_index=True)
    areas = list(PRIORITY_AREAS)
    i = areas.index(b.place) if b.place in areas else 0
    with st.container(key="present_footer", horizontal=True, vertical_alignment="center", gap="small"):
        st.caption(f"{ui.text(b.footer)} · keys: ← → country, Esc leave")
        for key, area, label in (("prev", areas[i - 1], f"← {areas[i - 1]}"),
                                 ("next", areas[(i + 1) % len(areas)], f"{areas[(i + 1) % len(areas)]} →")):
            with st.container(key=f"present_{key}", width="content"):
                st.page_link(urls.file("brief"), label=ui.text(label), query_params=urls.query({"country": area, "present": "1"}))
        with st.container(key="present_exit", width="content"):
            st.page_link(urls.file("brief"), label="Leave presentation", query_params=urls.query({"country": b.place}))


def render():
    con = ui.connection()
    presenting = ui.presentation_mode()
    if presenting:
        f = ui.url_filters(single=("country",))
    else:
        f = ui.filter_sidebar(urls.file("brief"), ("country",), single=("country",))
    if not f.places:
        st.title("Country brief")
        st.write("Choose a country or priority area:")
        ui.page_links_to("brief", PRIORITY_AREAS)
        return
    b = briefing.brief_data(con, f)
    if presenting:
        presentation(b)
        return
    st.title(f"Country brief: {ui.text(b.place)}", anchor=False)
    ui.metric_row([(label, value, briefing.HELP.get(label)) for label, value in b.headline])
    st.caption(ui.text(b.independent_note))
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.header("EU actions and case events", anchor=False)
        n_actions = int((b.timeline["kind"] == "EU action").sum()) if not b.timeline.empty else 0
        ui.chart(briefing.timeline_figure(b, height=360),
                 alt=f"Timeline for {b.place}: {len(b.timeline) - n_actions} case events (top row) and "
                     f"{n_actions} EU actions (bottom row), each action joined to the case event it answered.")
    with right:
        st.header(b.open_cases_heading, anchor=False)
        st.caption("Open cases with no EU action in the last 12 months, longest silence first.")
        open_cases = b.open_cases.assign(**{"Last EU action": b.open_cases["Last EU action"].map(formatting.date_or_never)})
        ui.table(open_cases[["ID", "Title", "Status", "Last EU action"]], height="content")
    st.header("Latest EU actions", anchor=False)
    ui.table(b.latest_actions[["Date", "Actor", "Action", "Title", "Source"]], height="content")
    site = ui.site()
    st.download_button("Download this brief (HTML, works offline)", data=lambda: briefing.brief_html(b, site),
                       file_name=f"brief-{b.place.replace('/', '-')}.html", mime="text/html",
                       icon=":material/download:", on_click="ignore")
    st.page_link(urls.file("brief"), label="Presentation mode (← → switch country, Esc leaves)",
                 icon=":material/slideshow:", query_params=urls.query({"country": b.place, "present": "1"}))
    ui.cite_this_view("brief", f)


ui.guarded(render)
