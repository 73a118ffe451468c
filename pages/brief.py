"""Country brief: one screen per country for meetings; `&present=1` for presentation mode."""

import streamlit as st

from dashboard import brief as briefing
from dashboard import formatting, ui
from dashboard.taxonomy import PRIORITY_AREAS


def render():
    con = ui.connection()
    presenting = ui.presentation_mode()
    if presenting:
        f = ui.url_filters()
    else:
        f = ui.filter_sidebar("pages/brief.py", ("country",), single=("country",))
    if not f.places:
        st.title("Country brief")
        st.write("Choose a country or priority area:")
        ui.page_links_to("pages/brief.py", PRIORITY_AREAS)
        return
    b = briefing.brief_data(con, f)
    st.title(f"Country brief: {ui.text(b.place)}", anchor=False)
    ui.metric_row([(label, value, briefing.HELP.get(label)) for label, value in b.headline])
    st.caption(ui.text(b.independent_note))
    left, right = st.columns([1, 1] if presenting else [3, 2], gap="large")
    with left:
        st.header("EU actions and case events", anchor=False)
        n_actions = int((b.timeline["kind"] == "EU action").sum()) if not b.timeline.empty else 0
        ui.chart(briefing.timeline_figure(b, height=250 if presenting else 320),
                 alt=f"Timeline for {b.place}: {n_actions} EU actions (blue circles) and "
                     f"{len(b.timeline) - n_actions} case events (orange crosses).")
    with right:
        st.header("Silent open cases", anchor=False)
        st.caption("Open cases with no EU action in the last 12 months, longest silence first.")
        columns = ["Title", "Status", "Last EU action"] if presenting else ["ID", "Title", "Status", "Last EU action"]
        open_cases = b.open_cases.assign(**{"Last EU action": b.open_cases["Last EU action"].map(formatting.date_or_never)})
        ui.table(open_cases[columns], record_links=not presenting, height="content")
    st.header("Latest EU actions", anchor=False)
    ui.table(b.latest_actions[["Date", "Actor", "Action", "Title", "Source"]], height="content")
    if not presenting:
        st.download_button("Download this brief (HTML, works offline)", data=lambda: briefing.brief_html(b),
                           file_name=f"brief-{b.place.replace('/', '-')}.html", mime="text/html",
                           icon=":material/download:", on_click="ignore")
        st.page_link("pages/brief.py", label="Presentation mode", icon=":material/slideshow:",
                     query_params={"country": b.place, "present": "1"})
        ui.cite_this_view("brief", f)


ui.guarded(render)
