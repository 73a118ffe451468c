"""Case: one case — its events and the EU actions that concerned it on one timeline, with sources."""

import streamlit as st

from dashboard.serving import figures, queries, ui


def render():
    con = ui.connection()
    case_id = st.query_params.get("id", "").strip()
    page = queries.case_page(con, case_id) if case_id else None
    if page is None:
        ui.record_index_page(con, "case", case_id)
        return
    case, timeline, answered = page
    st.title(ui.text(case["title"]), anchor=False)
    st.caption(f"{case['case_id']} · {ui.text(case['country_name'])} · {ui.text(case['theme_labels'])}")
    ui.metric_row([("Status", case["status_label"], "As of the latest recorded event."),
                   ("Opened on", case["opened_on"], None)])
    ui.text_facts([("Subject", case["subject_name"] or ("Name withheld" if not case["name_public"] else "—"),
                    case["subject_type_label"])])
    st.text(case["summary"])
    st.link_button(ui.text(f"Source ({case['source_kind_label']})"), case["source_url"])
    actions = timeline[timeline["kind"] == "EU action"]
    gaps = "; ".join(f"{r.action_id} answered the {r.event_category.lower()} of {r.event_date:%Y-%m-%d} after "
                     f"{r.days} days" for r in answered.itertuples())
    ui.chart(figures.response_timeline(timeline, answered, label_gaps=True),
             alt=f"Timeline of case {case_id}: {len(timeline) - len(actions)} case events (top row) and "
                 f"{len(actions)} EU actions (bottom row). {gaps or 'No EU action answered a case event.'}",
             data=None)
    st.caption("A grey line joins each EU action to the latest case event before it (the event it answered); "
               "the label under the action gives the days between them.")
    st.header("Events and EU actions")
    ui.table(timeline.drop(columns="ref").rename(columns={"date": "Date", "precision": "Date precision", "kind": "Kind",
                                      "category": "What", "text": "Details", "source": "Source"}))
    st.caption("Date precision “month” or “year”: the source gives only the month or year; the date shown is the "
               "first day of it.")
    if actions.empty:
        st.info("No EU action naming this case is on record.", icon=":material/info:")
    ui.cite_this_view("case", extra={"id": case_id})


ui.guarded(render)
