"""Explore's source-quality filter: from the URL to the SQL clause, on actions and cases alike.

In the fixture every EU action is cited from example.org (a report of the act, so secondary) and every
case from its documenting page (original)."""

from __future__ import annotations

from dashboard.serving import queries
from dashboard.serving.filters import Filters, from_query


def test_url_values_are_labels_or_codes():
    assert from_query({"source": "Original page"}) == (Filters(qualities=("original",)), [])
    assert from_query({"source": ["secondary", "Faithful copy"]})[0].qualities == ("secondary", "faithful_copy")
    f, notices = from_query({"source": "<script>"})
    assert f.qualities == () and notices == ["Ignored source “<script>”: not a known source."]
    assert Filters(qualities=("original",)).to_query() == {"source": ["Original page"]}
    assert "source: Original page" in Filters(qualities=("original",)).describe()


def test_filter_selects_actions_and_cases_by_their_own_quality(con):
    every_action, every_case = queries.count_actions(con, Filters()), queries.count_cases(con, Filters())
    assert every_action > 0 and every_case > 0
    assert queries.count_actions(con, Filters(qualities=("secondary",))) == every_action
    assert queries.count_actions(con, Filters(qualities=("original",))) == 0
    assert queries.count_cases(con, Filters(qualities=("original",))) == every_case
    assert queries.count_cases(con, Filters(qualities=("faithful_copy",))) == 0
    table = queries.actions_table(con, Filters(qualities=("secondary",)))
    assert set(table["Source quality"]) == {"Secondary source"}
