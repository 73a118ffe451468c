"""Case: one case — its events and the EU actions that concerned it on one timeline, with sources."""

import streamlit as st

from dashboard import figures, queries, ui


def render():
    con = ui.connection()
    case_id = st.query_params.get("id", "").strip()
    case = queries.case_detail(con, case_id) if case_id else None
    if case is None:
        st.title("Case")
        if case_id:
            ui.notice(f"No public case has the id {ui.excerpt(case_id)}. Choose one below.")
        ids = queries.case_ids(con)
        for row in ids.itertuples():
            st.page_link("pages/case.py", label=ui.text(f"{row.case_id} — {row.title}"), query_params={"id": row.case_id})
        return
    st.title(ui.text(case["title"]), anchor=False)
    st.caption(f"{case['case_id']} · {ui.text(case['country_name'])} · {ui.text(case['theme_labels'])}")
    ui.metric_row([("Status", case["status_label"], "As of the latest recorded event."),
                   ("Opened on", case["opened_on"], None),
                   ("Subject", case["subject_name"] or ("Name withheld" if not case["name_public"] else "—"),
                    case["subject_type_label"])])
    st.text(case["summary"])
    st.link_button(ui.text(f"Source ({case['source_kind_label']})"), case["source_url"])
    timeline = queries.case_timeline(con, case_id)
    actions = timeline[timeline["kind"] == "EU action"]
    ui.chart(figures.dated_points(timeline),
             alt=f"Timeline of case {case_id}: {len(timeline) - len(actions)} case events and "
                 f"{len(actions)} EU actions.", data=None)
    st.header("Events and EU actions")
    ui.table(timeline.rename(columns={"date": "Date", "precision": "Date precision", "kind": "Kind",
                                      "category": "What", "text": "Details", "source": "Source"}))
    st.caption("Date precision “month” or “year”: the source gives only the month or year; the date shown is the "
               "first day of it.")
    if actions.empty:
        st.info("No EU action naming this case is on record.", icon=":material/info:")
    ui.cite_this_view("case", extra={"id": case_id})


ui.guarded(render)
