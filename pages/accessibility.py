"""Accessibility statement, following the EU model statement (Decision (EU) 2018/1523)."""

import streamlit as st

from dashboard.serving import accessibility, ui


def render():
    st.title("Accessibility statement")
    st.markdown(accessibility.statement_markdown())


ui.guarded(render)
