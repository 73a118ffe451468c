"""Action: one EU action — what, who, when, its source, and the cases it named."""

import streamlit as st

from dashboard.serving import queries, ui, urls


def render():
    con = ui.connection()
    action_id = st.query_params.get("id", "").strip()
    action = queries.action_detail(con, action_id) if action_id else None
    if action is None:
        ui.record_index_page(con, "action", action_id)
        st.page_link(urls.file("explore"), label="Filter and download EU actions in Explore →")
        return
    st.title(ui.text(action["Title"]), anchor=False)
    st.caption(f"{action['ID']} · {ui.text(action['Country'])} · {ui.text(action['Themes'])}")
    ui.metric_row([("Date", action["Date"], "As the source states it."),
                   ("On behalf of the EU (27)", action["On behalf of EU27"] or "Not stated", None)])
    ui.text_facts([("Actor", action["Actor"], None), ("Instrument", action["Action"], None)])
    st.text(action["Summary"])
    st.link_button(ui.text(f"Source ({action['Source kind']})"), action["Source"])
    st.header("Cases this action named")
    cases = queries.action_cases(con, action_id, case_ids=action["case_ids"])
    if cases.empty:
        st.info("This action's source names no case in the dataset.", icon=":material/info:")
    else:
        ui.table(cases)
    ui.cite_this_view("action", extra={"id": action_id})


ui.guarded(render)
