"""Every question the pages ask of the database, as parameterized SQL composed by name.

Values are always bound as named `$parameters`, carried together with the SQL that uses them in a
`Clause`; clauses combine with `&`, so an edit cannot shift a binding. The few identifiers that vary
(grouping columns) come from the allow-lists below. Filtering, counting and paging happen in SQL: a
page receives only the rows it shows.

The pages read the tables `summaries.py` computes at build time (`action_rows`, `case_rows`): every
label is a column there, and rows are stored in display order under a `rank`, so a page of a table is
cut on narrow columns first and only its rows' text is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from .. import schema, taxonomy
from ..taxonomy import PAIR, discovery_mask, status_mask, theme_mask
from .db import as_fetched, fetch, fetch_columns, fetch_one, fetch_record, frame_of
from .filters import Filters

GROUP_COLUMNS = {"actor": "a.actor_label", "action_type": "a.type_label"}
# Counted by the small numbers of action_rows, then labelled: (number column, label kind, codes in number order).
GROUP_NUMBERS = {"actor": ("a.actor_no", "actor", list(taxonomy.ACTORS)),
                 "action_type": ("a.type_no", "action_type", list(taxonomy.ACTION_TYPES))}
GRAINS = {"month": "month", "year": "year"}
# A period as the number action_rows stores, and back to its first day (grain → number column, SQL to a DATE).
PERIOD_NUMBERS = {"year": ("a.year_no", "make_date(n.period_no, 1, 1)"),
                  "month": ("a.month_no", "make_date(n.period_no // 12, n.period_no % 12 + 1, 1)")}
MEASURES = {"actions": "EU actions", "cases": "Cases", "executions": "Recorded executions (latest year stated)"}
PAGE_SIZE = 50


@dataclass(frozen=True)
class Clause:
    """A piece of SQL and the named parameters it binds (`$name`), as Datasette's FilterArguments."""

    sql: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __and__(self, other: Clause) -> Clause:
        return Clause(f"({self.sql}) AND ({other.sql})", merge(self.params, other.params))


TRUE = Clause("TRUE")


def merge(*params: Mapping[str, object]) -> dict[str, object]:
    """Parameters of several clauses; one name bound to two different values is a programming error."""
    out: dict[str, object] = {}
    for group in params:
        for name, value in group.items():
            if name in out and out[name] != value:
                raise ValueError(f"parameter ${name} bound to two different values")
            out[name] = value
    return out


def run(con: duckdb.DuckDBPyConnection, sql: str, *clauses: Clause, **params: object) -> pd.DataFrame:
    """Fetch `sql`, whose placeholders are named by the clauses it embeds and by `params`."""
    return fetch(con, sql, merge(*(c.params for c in clauses), params))


def run_columns(con, sql: str, *clauses: Clause, **params: object) -> dict[str, np.ndarray]:
    """`run`, the result as {column: array} (db.fetch_columns) for a caller that reads a small result value by value."""
    return fetch_columns(con, sql, merge(*(c.params for c in clauses), params))


def run_one(con: duckdb.DuckDBPyConnection, sql: str, *clauses: Clause, **params: object):
    return fetch_one(con, sql, merge(*(c.params for c in clauses), params))


def _all(clauses: list[Clause]) -> Clause:
    out = TRUE
    for clause in clauses:
        out = clause if out is TRUE else out & clause
    return out


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _date_range(column: str, f: Filters) -> list[Clause]:
    """The filter's dates (`since`, `until`, each inclusive) on `column`, as clauses to add to a filter."""
    clauses = []
    if f.since:
        clauses.append(Clause(f"{column} >= $since", {"since": f.since}))
    if f.until:
        clauses.append(Clause(f"{column} <= $until", {"until": f.until}))
    return clauses


def action_where(f: Filters, on: str = "a.") -> Clause:
    """Filter over action_rows aliased `a`. `on`: where the action's columns are read (`r.` for source_records)."""
    clauses = []
    if f.countries:
        clauses.append(Clause(f"list_contains($countries, {on}country_iso3)", {"countries": list(f.countries)}))
    if f.themes:
        clauses.append(Clause(f"({on}theme_mask & $theme_mask) <> 0", {"theme_mask": theme_mask(f.themes)}))
    if f.actors:
        clauses.append(Clause(f"list_contains($actors, {on}actor)", {"actors": list(f.actors)}))
    if f.types:
        clauses.append(Clause(f"list_contains($types, {on}action_type)", {"types": list(f.types)}))
    if f.statuses:  # actions concerning cases in these statuses
        clauses.append(Clause(f"({on}case_status_mask & $status_mask) <> 0", {"status_mask": status_mask(f.statuses)}))
    if f.qualities:
        clauses.append(Clause(f"list_contains($qualities, {on}source_quality)", {"qualities": list(f.qualities)}))
    if f.discovery:  # actions concerning cases found this way
        clauses.append(Clause(f"({on}case_discovery_mask & $discovery_mask) <> 0",
                              {"discovery_mask": discovery_mask(f.discovery)}))
    clauses += _date_range(f"{on}date", f)
    if f.q:
        clauses.append(Clause(f"({on}title ILIKE $q ESCAPE '\\' OR {on}summary ILIKE $q ESCAPE '\\')",
                              {"q": _like(f.q)}))
    return _all(clauses)


def case_where(f: Filters, on: str = "c.") -> Clause:
    """Filter over case_rows aliased `c`. Actor and type select cases an action of that kind concerned.
    `on`: where the case's columns are read, `e.case_` for the copies event_rows holds (event_case_where)."""
    clauses = []
    if f.countries:
        clauses.append(Clause(f"list_contains($countries, {on}country_iso3)", {"countries": list(f.countries)}))
    if f.themes:
        clauses.append(Clause(f"({on}theme_mask & $theme_mask) <> 0", {"theme_mask": theme_mask(f.themes)}))
    if f.statuses:
        clauses.append(Clause(f"list_contains($statuses, {on}status)", {"statuses": list(f.statuses)}))
    if f.qualities:
        clauses.append(Clause(f"list_contains($qualities, {on}source_quality)", {"qualities": list(f.qualities)}))
    if f.discovery:
        clauses.append(Clause(f"list_contains($discovery, {on}discovered_via)", {"discovery": list(f.discovery)}))
    if f.actors or f.types:  # one linked action of a chosen actor AND a chosen type
        pairs = [f"{actor}{PAIR}{kind}" for actor in (f.actors or taxonomy.ACTORS)
                 for kind in (f.types or taxonomy.ACTION_TYPES)]
        clauses.append(Clause(f"list_has_any({on}actor_types, $actor_types)", {"actor_types": pairs}))
    clauses += _date_range(f"{on}opened_on", f)
    if f.q:
        clauses.append(Clause(f"({on}title ILIKE $q ESCAPE '\\' OR {on}summary ILIKE $q ESCAPE '\\' "
                              f"OR coalesce({on}subject_name, '') ILIKE $q ESCAPE '\\')", {"q": _like(f.q)}))
    return _all(clauses)


def event_case_where(f: Filters) -> Clause | None:
    """case_where over event_rows (aliased `e`), which hold the columns of their case a filter reads
    (summaries.event_rows: case_country_iso3, ...), so the events of the filtered cases need no join; None when
    the filter names what only case_rows holds (its text, the actors and instruments of its actions)."""
    if f.q or f.actors or f.types:
        return None
    return case_where(f, on="e.case_")


def counts_where(f: Filters) -> Clause | None:
    """The filter over summaries.action_counts (aliased `a`), when it can be answered there: it names only
    countries, themes, actors and instruments (the table's dimensions); otherwise None (count action_rows)."""
    if f.statuses or f.qualities or f.discovery or f.since or f.until or f.q:
        return None
    return action_where(f)


def counts_table(f: Filters) -> str:
    """The build-time counts a filter that counts_where accepts is answered from: country_counts when it names
    no actor or instrument (the fewest rows), action_counts otherwise."""
    return "action_counts" if f.actors or f.types else "country_counts"


def event_dates(f: Filters) -> Clause:
    """Case events are dated by themselves: a date range selects events (aliased `e`), not their cases."""
    return _all(_date_range("e.date", f))


def _without_dates(f: Filters) -> Filters:
    return replace(f, since=None, until=None)


ACTION_COLUMNS = """
    a.date AS "Date",
    a.country_name AS "Country",
    a.actor_label AS "Actor",
    a.type_label AS "Action",
    a.title AS "Title",
    coalesce(a.title_original, '') AS "Original title",
    a.title_language AS "Title language",
    a.theme_labels AS "Themes",
    a.summary AS "Summary",
    CASE WHEN a.on_behalf_of_eu27 THEN 'Yes' WHEN a.on_behalf_of_eu27 = FALSE THEN 'No' ELSE '' END
        AS "On behalf of EU27",
    a.cases_named AS "Cases named",
    a.source_kind_label AS "Source kind",
    a.source_quality_label AS "Source quality",
    a.source_url AS "Source",
    a.action_id AS "ID"
"""

CASE_COLUMNS = """
    c.case_id AS "ID",
    c.title AS "Title",
    c.country_name AS "Country",
    c.theme_labels AS "Themes",
    c.subject AS "Subject",
    c.status_label AS "Status",
    c.opened_on AS "Opened on",
    c.eu_actions AS "EU actions",
    c.last_action AS "Last EU action",
    c.summary AS "Summary",
    c.discovered_via_label AS "Found via",
    c.source_quality_label AS "Source quality",
    c.source_url AS "Source"
"""


def count_actions(con: duckdb.DuckDBPyConnection, f: Filters) -> int:
    where = action_where(f)
    return run_one(con, f"SELECT count(*) FROM action_rows a WHERE {where.sql}", where)[0]


def count_cases(con: duckdb.DuckDBPyConnection, f: Filters) -> int:
    where = case_where(f)
    return run_one(con, f"SELECT count(*) FROM case_rows c WHERE {where.sql}", where)[0]


def _page(limit: int | None, offset: int) -> Clause:
    """LIMIT/OFFSET for one page of rows, or nothing when every row is wanted (exports)."""
    if limit is None:
        return Clause("")
    return Clause("LIMIT $limit OFFSET $offset", {"limit": int(limit), "offset": int(offset)})


# Sort orders of the record tables: allow-listed ORDER BY clauses over the summary tables, named in the URL
# (`sort=`). The id last makes every order total, so pages never overlap or skip a row. "newest" is the stored
# order (rank), so the default page is cut on the narrow rank column alone.
ORDERS: dict[str, dict[str, str]] = {
    "actions": {
        "newest": "a.rank",
        "oldest": "a.date ASC, a.action_id",
        "title": "lower(a.title), a.action_id",
        "country": "a.country_name NULLS FIRST, a.date DESC, a.action_id",
    },
    "cases": {
        "newest": "c.rank",
        "oldest": "c.opened_on ASC, c.case_id",
        "title": "lower(c.title), c.case_id",
        "country": "c.country_name, c.opened_on DESC, c.case_id",
    },
}
DEFAULT_ORDER = "newest"
ORDER_LABELS = {"newest": "Newest first", "oldest": "Oldest first", "title": "Title (A to Z)",
                "country": "Country (A to Z)"}  # what the sort control shows, and keeps in the URL


def _order(table: str, order: str | None) -> str:
    """The ORDER BY clause of an allow-listed order name; anything else is refused."""
    clause = ORDERS[table].get(order or DEFAULT_ORDER)
    if clause is None:
        raise ValueError(f"unknown sort order {order!r} for {table}")
    return clause


def actions_sql(f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0, order: str | None = None,
                with_rank: bool = False) -> Clause:
    """The SQL of `actions_table` (exports stream it without building a frame). `with_rank`: one more column, the
    rows' rank, last (for timeline_answers_and_actions)."""
    where, page, order_by = action_where(f), _page(limit, offset), _order("actions", order)
    rank = ", a.rank " if with_rank else " "
    if order_by == "a.rank":
        # Stored (rank) order: DuckDB keeps insertion order, so no sort is needed, and the scan stops at the page's
        # last row having read text for the page's rows alone (a sort would first gather every filtered row).
        return Clause(f"SELECT {ACTION_COLUMNS}{rank}FROM action_rows a WHERE {where.sql} {page.sql}",
                      merge(where.params, page.params))
    if limit is None:
        return Clause(f"SELECT {ACTION_COLUMNS}{rank}FROM action_rows a WHERE {where.sql} ORDER BY {order_by}",
                      where.params)
    # Cut the page on the sort keys first; only its rows' text columns are then read.
    return Clause(f"""WITH page AS (SELECT a.rank FROM action_rows a WHERE {where.sql} ORDER BY {order_by} {page.sql})
                      SELECT {ACTION_COLUMNS}{rank}FROM action_rows a SEMI JOIN page p ON p.rank = a.rank
                      ORDER BY {order_by}""", merge(where.params, page.params))


def cases_sql(f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0, order: str | None = None) -> Clause:
    where, page, order_by = case_where(f), _page(limit, offset), _order("cases", order)
    if order_by == "c.rank":  # as in actions_sql
        return Clause(f"SELECT {CASE_COLUMNS} FROM case_rows c WHERE {where.sql} {page.sql}",
                      merge(where.params, page.params))
    if limit is None:
        return Clause(f"SELECT {CASE_COLUMNS} FROM case_rows c WHERE {where.sql} ORDER BY {order_by}", where.params)
    return Clause(f"""WITH page AS (SELECT c.rank FROM case_rows c WHERE {where.sql} ORDER BY {order_by} {page.sql})
                      SELECT {CASE_COLUMNS} FROM case_rows c SEMI JOIN page p ON p.rank = c.rank
                      ORDER BY {order_by}""", merge(where.params, page.params))


def actions_table(con, f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0,
                  order: str | None = None) -> pd.DataFrame:
    """The filtered EU actions in `order` (ORDERS, newest first by default); `limit=None` returns all of them."""
    query = actions_sql(f, limit, offset, order)
    return run(con, query.sql, query)


def cases_table(con, f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0,
                order: str | None = None) -> pd.DataFrame:
    """The filtered cases in `order` (ORDERS, most recently opened first by default)."""
    query = cases_sql(f, limit, offset, order)
    return run(con, query.sql, query)


@dataclass(frozen=True)
class Headline:
    """The headline figures for a filter."""

    actions: int
    cases: int
    countries_with_actions: int
    latest_action: date | None
    cases_without_action: int

    def as_dict(self) -> dict:
        return asdict(self)


def headline(con, f: Filters) -> Headline:
    """The headline figures for a filter: one pass over the actions, one over the cases."""
    aw, cw = action_where(f), case_where(f)
    counted = counts_where(f)
    actions = (f"""SELECT coalesce(sum(a.n), 0) AS n, count(DISTINCT a.country_iso3) AS countries,
                          max(a.latest) AS latest FROM {counts_table(f)} a WHERE {aw.sql}""" if counted is not None else
               f"""SELECT count(*) AS n, count(DISTINCT a.country_iso3) AS countries, max(a.date) AS latest
                   FROM action_rows a WHERE {aw.sql}""")
    row = run_one(con, f"""
        SELECT a.n, c.n, a.countries, a.latest, c.without_action
        FROM ({actions}) a,
             (SELECT count(*) AS n, count(*) FILTER (WHERE c.first_response IS NULL) AS without_action
              FROM case_rows c WHERE {cw.sql}) c""", aw, cw)
    return Headline(actions=int(row[0]), cases=int(row[1]), countries_with_actions=int(row[2]),
                    latest_action=row[3], cases_without_action=int(row[4]))


def map_values(con, f: Filters, measure: str) -> pd.DataFrame:
    """One row per country to draw: its value for the measure and whether it is in a priority area."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    if measure == "actions" and counts_where(f) is not None:
        where = action_where(f)
        counts = f"SELECT a.country_iso3 AS iso3, sum(a.n) AS n FROM {counts_table(f)} a WHERE {where.sql} GROUP BY 1"
    elif measure == "actions":
        where = action_where(f)
        counts = f"SELECT a.country_iso3 AS iso3, count(*) AS n FROM action_rows a WHERE {where.sql} GROUP BY 1"
    elif measure == "cases":
        where = case_where(f)
        counts = f"SELECT c.country_iso3 AS iso3, count(*) AS n FROM case_rows c WHERE {where.sql} GROUP BY 1"
    else:  # context beside EU action: the latest year a source states a number for
        return run(con, """
            WITH stated AS (
              SELECT country_iso3 AS iso3,
                     arg_max(recorded_executions, year) FILTER (WHERE recorded_executions IS NOT NULL) AS n,
                     max(year) FILTER (WHERE recorded_executions IS NOT NULL) AS year,
                     -- the note of the figure shown, or, where no year states a number, the latest note (its reason)
                     coalesce(arg_max(figure_note, year) FILTER (WHERE recorded_executions IS NOT NULL),
                              arg_max(figure_note, year)) AS note
              FROM death_penalty_figures GROUP BY 1)
            -- no stated number stays NULL (drawn as "no figure"), never 0
            SELECT co.iso3, co.name, co.priority_area, s.n AS value, s.year, s.note
            FROM countries co LEFT JOIN stated s ON s.iso3 = co.iso3
            WHERE co.priority_area IS NOT NULL OR s.iso3 IS NOT NULL
            ORDER BY co.iso3""")
    # A priority area is one unit (Israel/OPT covers two countries): each of its countries shows the area's total.
    return run(con, f"""
        SELECT co.iso3, co.name, co.priority_area,
               CASE WHEN co.priority_area IS NULL THEN coalesce(n.n, 0)
                    ELSE sum(coalesce(n.n, 0)) OVER (PARTITION BY co.priority_area) END::BIGINT AS value
        FROM countries co LEFT JOIN ({counts}) n ON n.iso3 = co.iso3
        WHERE co.priority_area IS NOT NULL OR n.n > 0
        ORDER BY co.iso3""", where)


def actions_over_time(con, f: Filters, grain: str = "year", group: str = "actor") -> pd.DataFrame:
    """EU actions counted per period and per actor or action type."""
    number, kind, codes = GROUP_NUMBERS[group]
    period_no, period = PERIOD_NUMBERS[GRAINS[grain]]
    where = action_where(f)
    # Counted by numbers (a year, an actor's position), then dated and labelled: the few groups, not every row.
    # Per year by actor, a filter on countries and themes alone adds up the build-time counts.
    counted = (f"SELECT a.year_no AS period_no, a.actor_no AS group_no, sum(a.n)::BIGINT AS n "
               f"FROM actor_year_counts a WHERE {where.sql} GROUP BY ALL"
               if (grain, group) == ("year", "actor") and counts_where(f) is not None and counts_table(f) != "action_counts"
               else f"SELECT {period_no} AS period_no, {number} AS group_no, count(*) AS n "
                    f"FROM action_rows a WHERE {where.sql} GROUP BY ALL")
    return run(con, f"""
        SELECT {period}::DATE AS period, lb.label AS "group", n.n
        FROM ({counted}) n
        LEFT JOIN labels lb ON lb.kind = $group_kind AND lb.code = $group_codes[n.group_no]
        ORDER BY period, "group" """, where, group_kind=kind, group_codes=codes)


def events_over_time(con, f: Filters, grain: str = "year") -> pd.DataFrame:
    """Case events (of the filtered cases) per period and event type; dated by the event, not the case."""
    where, dates = events_where(con, _without_dates(f)), event_dates(f)
    return run(con, f"""
        SELECT date_trunc($grain, e.date)::DATE AS period, e.event_label AS "group", count(*) AS n
        FROM event_rows e WHERE {where.sql} AND {dates.sql} GROUP BY ALL ORDER BY period, "group" """, where, dates,
               grain=GRAINS[grain])


def built_with(con, table: str, column: str) -> bool:
    """Whether the file holds this summary table and column. A file built by older code lacks what newer code
    builds; the queries that read it then take the way that needs it not, with the same answers."""
    def ask(c) -> bool:
        return bool(fetch_one(c, """SELECT count(*) FROM duckdb_columns()
                                    WHERE database_name = current_database() AND table_name = $t AND column_name = $c""",
                              {"t": table, "c": column})[0])
    return _per_file(con, f"built with {table}.{column}", ask)


def events_where(con, f: Filters) -> Clause:
    """The events (event_rows aliased `e`) of the cases case_where(f) selects: read on the events themselves where
    they hold every column the filter names (event_case_where), else found by their case's rank."""
    on_events = event_case_where(f)
    if on_events is not None and built_with(con, "event_rows", "case_opened_on"):
        return on_events
    cw = case_where(f)
    return Clause(f"e.case_rank IN (SELECT c.rank FROM case_rows c WHERE {cw.sql})", cw.params)


def combined_timeline(con, f: Filters, limit: int = 200) -> pd.DataFrame:
    """EU actions and case events of the filter as dated points, newest first (for a country or case view). On
    one date, EU actions come first (newest rank first), then case events (by case, then event), so the `limit`
    newest points are always the same ones. Read with the actions it shows (timeline_answers_and_actions)."""
    return timeline_answers_and_actions(con, f, limit)[0]


POINT_COLUMNS = ("date", "kind", "category", "text", "source", "ref")  # a point of combined_timeline


def _text_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The frame `fetch` gives for columns whose objects are all text (VARCHAR) (db.as_fetched: frame_of cannot tell
    a column NULL in every row from one of lists, and refuses it)."""
    return frame_of({name: as_fetched(values, text=values.dtype.kind == "O") for name, values in columns.items()})


def _newest_first(dates: np.ndarray) -> np.ndarray:
    """A sort key putting later dates first and NULL last (ORDER BY date DESC: DuckDB's NULLs come last)."""
    days = np.ma.getdata(dates).astype("datetime64[us]").astype(np.int64)
    return np.where(np.ma.getmaskarray(dates), np.iinfo(np.int64).max, -days)


def timeline_answers_and_actions(con, f: Filters, limit: int = 200) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`combined_timeline(con, f, limit)`, `answered_events(con, f, limit=limit)` and `actions_table(con, f,
    limit=limit)`, which all read the newest `limit` EU actions of the filter: read once here (a Countries page
    shows all three). The actions' page gives the table, the timeline's EU action points and the ranks whose answers
    are read; the newest `limit` case events are read beside it, and the two kinds merged in the timeline's order."""
    page = actions_sql(f, limit, with_rank=True)
    read = fetch_columns(con, page.sql, dict(page.params))
    ranks = [int(rank) for rank in np.ma.getdata(read["rank"])]
    shown = {name: values for name, values in read.items() if name != "rank"}
    try:
        actions = frame_of(shown)
    except TypeError:  # NULLs in a column frame_of cannot build as fetch does: the table as fetch gives it
        actions = actions_table(con, f, limit=limit)
    # The answers table is stored by action rank: the shown actions' answers are found in the row groups of their
    # ranks (the join passes their range to the scan).
    answered = _answers_of(con, "SELECT unnest($ranks::INTEGER[]) AS rank", ranks=ranks)
    # The newest `limit` events, each with its case's id and title: read on the events where the build stored them
    # there (summaries.event_rows: case_id, and timeline_text, this very text), else from their cases, joined to the
    # events once cut. Their order is the timeline's, set below.
    ew, dates = events_where(con, _without_dates(f)), event_dates(f)
    newest = f"FROM event_rows e WHERE {ew.sql} AND {dates.sql} ORDER BY e.date DESC, e.case_rank, e.event_no LIMIT $limit"
    events = fetch_columns(con, f"""
        SELECT e.date, e.event_label AS category, e.timeline_text AS text, e.source_url AS source, e.case_id AS ref,
               e.case_rank, e.event_no {newest}""" if built_with(con, "event_rows", "timeline_text") else f"""
        SELECT e.date, e.event_label AS category, c.title || ': ' || e.description AS text, e.source_url AS source,
               c.case_id AS ref, e.case_rank, e.event_no
        FROM (SELECT e.date, e.event_label, e.description, e.source_url, e.case_rank, e.event_no {newest}) e
        JOIN case_rows c ON c.rank = e.case_rank""", merge(ew.params, dates.params, {"limit": int(limit)}))
    n_actions, n_events = len(ranks), len(events["date"])
    points = {
        "date": np.ma.concatenate([shown["Date"], events["date"]]),
        "kind": np.array(["EU action"] * n_actions + ["Case event"] * n_events, dtype=object),
        "category": np.ma.concatenate([shown["Actor"], events["category"]]),
        "text": np.ma.concatenate([shown["Title"], events["text"]]),
        "source": np.ma.concatenate([shown["Source"], events["source"]]),
        "ref": np.ma.concatenate([shown["ID"], events["ref"]]),
    }
    # Newest first; on one date EU actions (by rank), then case events (by case, then event).
    part = np.repeat(np.array([0, 1]), [n_actions, n_events])
    first_key = np.concatenate([np.array(ranks, dtype=np.int64), np.ma.getdata(events["case_rank"]).astype(np.int64)])
    second_key = np.concatenate([np.zeros(n_actions, dtype=np.int64), np.ma.getdata(events["event_no"]).astype(np.int64)])
    order = np.lexsort((second_key, first_key, part, _newest_first(points["date"])))[:limit]
    timeline = _text_frame({name: values[order] for name, values in points.items()})
    return timeline, answered, actions


SOURCES_TAIL = """
        SELECT s.publisher AS "Publisher", s.source_kind_label AS "Kind", n.records AS "Records",
               n.latest AS "Latest date", s.source_url AS "Source"
        FROM (SELECT * FROM counted ORDER BY records DESC, latest DESC, source_no LIMIT $limit) n
        JOIN {table} s ON s.{key} = n.{key}
        ORDER BY "Records" DESC, "Latest date" DESC, n.source_no"""


def _record_where(f: Filters) -> Clause:
    """The filter over source_records (aliased `r`): action_where for its EU actions, case_where for its cases and
    case events. Where the two read the same columns alike (a filter on countries, themes, source quality and dates:
    a Countries page), one clause serves every record, its date range on the date each kind is filtered by (an
    action's own, a case's opening): the database then plans one plain condition rather than two branches."""
    undated = _without_dates(f)
    aw, cw = action_where(undated, on="r."), case_where(undated, on="r.")
    if aw.sql == cw.sql and aw.params == cw.params:
        return _all([aw, *_date_range("CASE WHEN r.kind = 0 THEN r.date ELSE r.opened_on END", f)])
    aw, cw = action_where(f, on="r."), case_where(f, on="r.")
    return Clause(f"(r.kind = 0 AND {aw.sql}) OR (r.kind <> 0 AND {cw.sql})", merge(aw.params, cw.params))


def sources_list(con, f: Filters, limit: int = 500) -> pd.DataFrame:
    """Distinct sources behind the filtered actions and cases (and those cases' events), with how many records
    each supports."""
    # Counted by source number (summaries.source_rows); only the shown sources' text is read. A source that only
    # one record in the whole dataset cites supports one record here: it needs no grouping, only the newest of
    # them can make the list.
    if not (f.q or f.actors or f.types) and built_with(con, "source_records", "row_no"):
        # Every record with the columns its filter reads, stored by country (summaries.source_records): the
        # country's rows, read once for the shared sources and once for the others (cheaper than one read kept for
        # both); the shown sources' text is read from the rows that counted them.
        where = _record_where(f)
        return run(con, f"""
            WITH counted AS (
                SELECT r.source_no, count(*) AS records, max(r.date) AS latest, min(r.row_no) AS row_no
                FROM source_records r WHERE r.source_shared AND ({where.sql}) GROUP BY r.source_no
                UNION ALL
                (SELECT r.source_no, 1, r.date, r.row_no FROM source_records r WHERE NOT r.source_shared AND ({where.sql})
                 ORDER BY r.date DESC, r.source_no LIMIT $limit)
            )""" + SOURCES_TAIL.format(table="source_records", key="row_no"), where, limit=int(limit))
    aw, cw, ew = action_where(f), case_where(f), events_where(con, f)
    return run(con, f"""
        WITH records AS (
            SELECT a.source_no, a.source_shared AS shared, a.date FROM action_rows a WHERE {aw.sql}
            UNION ALL
            SELECT c.source_no, c.source_shared, c.opened_on FROM case_rows c WHERE {cw.sql}
            UNION ALL
            SELECT e.source_no, e.source_shared, e.date FROM event_rows e WHERE {ew.sql}
        ), counted AS (
            SELECT source_no, count(*) AS records, max(date) AS latest FROM records WHERE shared GROUP BY source_no
            UNION ALL
            (SELECT source_no, 1, date FROM records WHERE NOT shared ORDER BY date DESC, source_no LIMIT $limit)
        ), sources AS (
            SELECT s.source_no, s.publisher, lb.label AS source_kind_label, s.source_url FROM source_rows s
            LEFT JOIN labels lb ON lb.kind = $source_kind_kind AND lb.code = s.source_kind
        )""" + SOURCES_TAIL.format(table="sources", key="source_no"), aw, cw, ew, source_kind_kind="source_kind",
               limit=int(limit))


CASE_DETAIL_COLUMNS = ", ".join(["case_id", "title", "country_iso3", "subject_type", "subject_name", "name_public",
                                 "status", "opened_on", "date_precision", "summary", "source_url", "source_kind",
                                 "country_name", "status_label", "subject_type_label", "source_kind_label",
                                 "theme_labels", "rank"])


def case_detail(con, case_id: str) -> dict | None:
    return fetch_record(con, f"SELECT {CASE_DETAIL_COLUMNS} FROM case_rows WHERE case_id = $id", {"id": case_id})


def _rank(con, table: str, id_column: str, record_id: str) -> int:
    """The rank of a record found by its id (an index lookup), or 0, which no record has. Record pages then ask
    by this constant, which the tables stored in rank order answer from one row group."""
    row = run_one(con, f"SELECT rank FROM {table} WHERE {id_column} = $id", id=record_id)  # names from the callers
    return int(row[0]) if row else 0


# What a case page shows of one case, asked of a file built before case_rows held each case's `timeline` (case_page
# reads that where it is): its events and the EU actions that concerned it, oldest first, each action with the event
# it answered (from action_links, which such a file holds; NULL for events and for actions that answered none). On
# one day an action comes before an event, then events by number and actions by rank, so the order is always the
# same (case_page puts the entries the build stores in summaries.case_rows' `timeline` in this order).
CASE_TIMELINE_SQL = """
    SELECT * FROM (
      SELECT e.date, e.date_precision AS precision, 'Case event' AS kind,
             e.event_label AS category, e.description AS text, e.source_url AS source, $id AS ref,
             NULL AS answered_date, NULL AS answered_label, NULL AS answered_days, e.event_no AS tie
      FROM event_rows e WHERE e.case_rank = $rank
      UNION ALL
      SELECT k.action_date, 'day', 'EU action', k.actor_label || ' — ' || k.type_label, k.title, k.source_url,
             k.action_id, k.answered_date, k.answered_label, k.answered_days, k.action_rank
      FROM action_links k WHERE k.case_rank = $rank
    ) ORDER BY date, kind DESC, tie"""
TIMELINE_COLUMNS = ("date", "precision", "kind", "category", "text", "source", "ref")
# The columns of CASE_TIMELINE_SQL a case page reads, as fetch_columns gives them (summaries.case_rows stores them as
# entries of one JSON text, each the list of its values as text, null for NULL, in schema.CASE_TIMELINE_ENTRY's
# order), with the `tie` that orders them (CASE_TIMELINE_SQL).
TIMELINE_DTYPES = {"date": "datetime64[us]", "precision": object, "kind": object, "category": object, "text": object,
                   "source": object, "ref": object, "answered_date": "datetime64[us]", "answered_label": object,
                   "answered_days": np.int32, "tie": np.int64}


def case_page(con, case_id: str) -> tuple[dict, pd.DataFrame, pd.DataFrame] | None:
    """What a case page shows, or None when no case has this id: `case_detail(con, case_id)`, and
    `case_timeline_and_answers` of it. Read as one row of summaries.case_rows with its stored `timeline`, found by the
    id's index (the case's row and its timeline's query cost twice as much); a file built without it asks those two."""
    if not built_with(con, "case_rows", "timeline"):
        case = case_detail(con, case_id)
        return None if case is None else (case, *case_timeline_and_answers(con, case_id, case_rank=case["rank"]))
    record = fetch_record(con, f"SELECT {CASE_DETAIL_COLUMNS}, timeline FROM case_rows WHERE case_id = $id",
                          {"id": case_id})
    if record is None:
        return None
    return (record, *_timeline_and_answers(_stored_timeline(record.pop("timeline")), case_id))


def _stored_timeline(text: str) -> dict[str, np.ndarray]:
    """The rows of CASE_TIMELINE_SQL, as fetch_columns gives them and in its order, from a case's stored `timeline`
    (summaries.case_rows)."""
    stored = json.loads(text)
    if isinstance(stored, dict):  # an older build's: one list per column, in the page's order, without the ties
        lists = dict(stored, tie=[0] * len(stored["date"]))
    else:
        values = zip(*stored, strict=True) if stored else [()] * len(schema.CASE_TIMELINE_ENTRY)
        lists = dict(zip(schema.CASE_TIMELINE_ENTRY, map(list, values), strict=True))
    rows = {name: _fetched_column(lists[name], dtype) for name, dtype in TIMELINE_DTYPES.items()}
    # CASE_TIMELINE_SQL's order (date, kind DESC, tie: an action before an event of its day), by a stable sort: the
    # build stores the entries as it gathered them (a stable sort keeps an older build's stored order)
    order = np.lexsort((rows["tie"], rows["kind"] == "Case event", rows["date"]))
    return {name: values[order] for name, values in rows.items()}


def _fetched_column(values: list, dtype) -> np.ndarray:
    """A stored list of values (NULL as None) as fetchnumpy gives such a column: of `dtype`, a masked array where it
    holds a NULL."""
    mask = np.array([value is None for value in values], dtype=bool)
    if not mask.any():
        return np.array(values, dtype=dtype)
    fill = None if dtype is object else "NaT" if dtype == "datetime64[us]" else 0
    return np.ma.MaskedArray(np.array([fill if value is None else value for value in values], dtype=dtype), mask=mask)


def case_timeline_and_answers(con, case_id: str, case_rank: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`case_timeline(con, case_id)` and `answered_events(con, case_id=case_id)`, cut from one read of the case's
    events and links (a second query would read the same rows again). `case_rank`: the case's rank when the caller
    holds it already (case_detail's "rank"), which saves looking it up by the id in a file built without stored
    timelines. Read from the case's stored `timeline` (summaries.case_rows), as case_page reads it; an older file,
    which holds no timeline but the links it is made of (action_links), is asked CASE_TIMELINE_SQL."""
    if built_with(con, "case_rows", "timeline"):
        row = run_one(con, "SELECT timeline FROM case_rows WHERE case_id = $id", id=case_id)
        return _timeline_and_answers(_stored_timeline(row[0] if row else "[]"), case_id)
    rank = int(case_rank) if case_rank is not None else _rank(con, "case_rows", "case_id", case_id)
    return _timeline_and_answers(fetch_columns(con, CASE_TIMELINE_SQL, {"id": case_id, "rank": rank}), case_id)


def _timeline_and_answers(rows: dict[str, np.ndarray], case_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A case's timeline and answers, cut from the rows of CASE_TIMELINE_SQL (as fetch_columns gives them)."""
    timeline = frame_of({name: rows[name] for name in TIMELINE_COLUMNS})
    # The actions that answered an event, with answered_events' columns and order (action date, then action id;
    # one case): the rows and columns of its query, without a second read of the links.
    answering = ~np.ma.getmaskarray(rows["answered_date"])
    action_id, action_date = np.ma.getdata(rows["ref"])[answering], np.ma.getdata(rows["date"])[answering]
    order = np.lexsort((action_id, action_date))
    answered = frame_of({"action_id": action_id[order], "action_date": action_date[order],
                         "case_id": np.full(len(order), case_id, dtype=object),
                         "event_date": rows["answered_date"][answering][order],
                         "event_category": rows["answered_label"][answering][order],
                         "days": rows["answered_days"][answering][order]})
    return timeline, answered


def case_timeline(con, case_id: str, case_rank: int | None = None) -> pd.DataFrame:
    """A case's events and the EU actions that concerned it, oldest first (an action before an event of the same
    day). `case_rank` as in case_timeline_and_answers."""
    return case_timeline_and_answers(con, case_id, case_rank)[0]


def case_ids(con, f: Filters | None = None, limit: int = 1000) -> pd.DataFrame:
    where = case_where(f or Filters())
    return run(con, f"""SELECT c.case_id, c.title FROM case_rows c WHERE {where.sql}
                        ORDER BY c.country_iso3, c.case_id LIMIT $limit""", where, limit=int(limit))


def place_summary(con) -> pd.DataFrame:
    """Per priority area: EU actions, cases and latest action (for the ways in on Overview)."""
    return run(con, """
        SELECT co.priority_area AS area, coalesce(a.actions, 0) AS actions, coalesce(c.cases, 0) AS cases,
               a.latest
        FROM (SELECT DISTINCT priority_area FROM countries WHERE priority_area IS NOT NULL) co
        LEFT JOIN (SELECT priority_area, count(*) AS actions, max(date) AS latest FROM action_rows
                   GROUP BY priority_area) a ON a.priority_area = co.priority_area
        LEFT JOIN (SELECT priority_area, count(*) AS cases FROM case_rows GROUP BY priority_area) c
               ON c.priority_area = co.priority_area
        ORDER BY area""")


def _per_file(con, name: str, compute):
    """A result that depends on the file alone, read once per published file (db.Snapshot.once) where `con` is
    one; a copy, so that no caller can change what the next one reads."""
    once = getattr(con, "once", None)
    result = once(name, lambda: compute(con)) if once is not None else compute(con)
    return result.copy() if isinstance(result, (pd.DataFrame, dict)) else result


def theme_summary(con) -> pd.DataFrame:
    return _per_file(con, "theme_summary", lambda c: fetch(
        c, "SELECT theme_id, name, description, actions, cases FROM theme_totals ORDER BY sort_order"))


def data_as_of(con):
    """"Data as of": the latest date any published record's source gives for an act (an EU action or a case event)."""
    return _per_file(con, "data_as_of", lambda c: fetch_one(c, """
        SELECT greatest((SELECT max(date) FROM eu_actions), (SELECT max(date) FROM case_events),
                        (SELECT max(opened_on) FROM cases))""", [])[0])


def build_info(con) -> dict:
    def read(c) -> dict:
        frame = fetch(c, "SELECT * FROM build_info LIMIT 1")
        return {} if frame.empty else frame.iloc[0].to_dict()
    return _per_file(con, "build_info", read)


def commitments(con) -> pd.DataFrame:
    return fetch(con, """SELECT title AS "Title", adopted_on AS "Adopted on", instrument_type AS "Instrument",
                                summary AS "Summary", source_url AS "Source"
                         FROM commitments ORDER BY adopted_on""")


def death_penalty_figures(con, countries: tuple[str, ...] = ()) -> pd.DataFrame:
    where = Clause("list_contains($countries, d.country_iso3)", {"countries": list(countries)}) if countries else TRUE
    return run(con, f"""SELECT co.name AS "Country", d.year AS "Year", d.recorded_executions AS "Recorded executions",
                               d.death_sentences AS "Death sentences", d.figure_note AS "Note", d.source_url AS "Source"
                        FROM death_penalty_figures d JOIN countries co ON co.iso3 = d.country_iso3
                        WHERE {where.sql} ORDER BY co.name, d.year""", where)


CASE_IDS_OF_ACTION = "(SELECT list(l.case_id ORDER BY l.case_id) FROM action_cases l WHERE l.action_id = $id)"


def action_detail(con, action_id: str) -> dict | None:
    # case_ids: the cases its source names (CASE_IDS_OF_ACTION), for action_cases; read from the action's own row
    # where the build stored them there (summaries.action_rows: case_ids_text), else looked up in action_cases
    stored = built_with(con, "action_rows", "case_ids_text")
    case_ids = "a.case_ids_text" if stored else f"{CASE_IDS_OF_ACTION} AS case_ids"
    record = fetch_record(con, f"""SELECT {ACTION_COLUMNS}, a.date AS date_value, {case_ids}
                                   FROM action_rows a WHERE a.action_id = $id""", {"id": action_id})
    if stored and record is not None:  # as fetch_record gives the list: an array of the ids, or None for no case
        text = record.pop("case_ids_text")
        record["case_ids"] = None if text is None else np.array(text.split(" "), dtype=object)
    return record


def action_cases(con, action_id: str, case_ids=None) -> pd.DataFrame:
    """The cases an action's source names: their ids from action_cases (`case_ids` when the caller holds them
    already, as action_detail's "case_ids"), then each case found by the case id's index."""
    if case_ids is None:
        case_ids = run_one(con, f"SELECT {CASE_IDS_OF_ACTION}", id=action_id)[0]
    ids = [str(case_id) for case_id in (case_ids if case_ids is not None else [])]
    named = {f"case_{i}": case_id for i, case_id in enumerate(ids)}
    wanted = Clause(f"c.case_id IN ({', '.join('$' + name for name in named)})" if named else "FALSE", named)
    # One case or none needs no sort (most actions name one; the sort costs about a sixth of the query)
    order = " ORDER BY c.opened_on" if len(ids) > 1 else ""
    return run(con, f"SELECT {CASE_COLUMNS} FROM case_rows c WHERE {wanted.sql}{order}", wanted)


def answered_events(con, f: Filters | None = None, case_id: str | None = None,
                    limit: int | None = None, case_rank: int | None = None) -> pd.DataFrame:
    """Which case event each EU action answered (metrics.DEFINITIONS["Answered event"]): for every action linked
    to a case, the latest event of that case on or before the action's date, and the days between them. An
    action dated before all of its case's events answers none (and is left out). The answers are found once, at
    build time (summaries.action_links). With `limit`, only the newest `limit` actions of the filter: those
    `combined_timeline(con, f, limit)` can show. With `case_id`, the answers of that case's actions, read with
    its timeline (case_timeline_and_answers; `case_rank` as there)."""
    if case_id is not None:
        return case_timeline_and_answers(con, case_id, case_rank)[1]
    if limit is not None:  # read with the actions it answers for (timeline_answers_and_actions)
        return timeline_answers_and_actions(con, f or Filters(), limit)[1]
    where = action_where(f or Filters())
    return _answers_of(con, f"SELECT a.rank FROM action_rows a WHERE {where.sql}", where)


def _answers_of(con, chosen: str, *clauses: Clause, **params: object) -> pd.DataFrame:
    """answered_events' columns and order, for the actions whose ranks the query `chosen` (one column, `rank`) gives.
    The answers table holds the ids and the action's date: no other table is read. The case page cuts the same
    columns, in the same order, from a case's links (case_timeline_and_answers)."""
    return run(con, f"""
        SELECT k.action_id, k.action_date, k.case_id, k.answered_date AS event_date,
               k.answered_label AS event_category, k.answered_days AS days
        FROM answers k SEMI JOIN ({chosen}) p ON p.rank = k.action_rank
        WHERE k.answered_date IS NOT NULL
        ORDER BY k.action_date, k.action_id, k.case_id""", *clauses, **params)
