"""Every question the pages ask of the database, as parameterized SQL.

Values are always bound parameters; the few identifiers that vary (grouping columns, time grain)
come from the allow-lists below. Filtering, counting and paging happen in SQL: a page receives only
the rows it shows.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from .db import fetch, fetch_one
from .filters import Filters

GROUP_COLUMNS = {"actor": "a.actor", "action_type": "a.action_type"}
GRAINS = {"month": "month", "year": "year"}
MEASURES = {"actions": "EU actions", "cases": "Cases", "executions": "Recorded executions (latest year stated)"}
PAGE_SIZE = 50


def _in(column: str, values: tuple, params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def action_where(f: Filters, params: list) -> str:
    """WHERE clause over eu_actions aliased `a`."""
    clauses = ["TRUE"]
    if f.countries:
        clauses.append(_in("a.country_iso3", f.countries, params))
    if f.themes:
        clauses.append("EXISTS (SELECT 1 FROM action_themes t WHERE t.action_id = a.action_id AND "
                       + _in("t.theme_id", f.themes, params) + ")")
    if f.actors:
        clauses.append(_in("a.actor", f.actors, params))
    if f.types:
        clauses.append(_in("a.action_type", f.types, params))
    if f.statuses:  # actions concerning cases in these statuses
        clauses.append("EXISTS (SELECT 1 FROM action_cases l JOIN cases c ON c.case_id = l.case_id "
                       "WHERE l.action_id = a.action_id AND " + _in("c.status", f.statuses, params) + ")")
    if f.qualities:
        clauses.append(_in("a.source_quality", f.qualities, params))
    if f.discovery:  # actions concerning cases found this way
        clauses.append("EXISTS (SELECT 1 FROM action_cases l JOIN cases c ON c.case_id = l.case_id "
                       "WHERE l.action_id = a.action_id AND " + _in("c.discovered_via", f.discovery, params) + ")")
    if f.since:
        clauses.append("a.date >= ?")
        params.append(f.since)
    if f.until:
        clauses.append("a.date <= ?")
        params.append(f.until)
    if f.q:
        clauses.append("(a.title ILIKE ? ESCAPE '\\' OR a.summary ILIKE ? ESCAPE '\\')")
        params.extend([_like(f.q)] * 2)
    return " AND ".join(clauses)


def case_where(f: Filters, params: list) -> str:
    """WHERE clause over cases aliased `c`. Actor and type select cases an action of that kind concerned."""
    clauses = ["TRUE"]
    if f.countries:
        clauses.append(_in("c.country_iso3", f.countries, params))
    if f.themes:
        clauses.append("EXISTS (SELECT 1 FROM case_themes t WHERE t.case_id = c.case_id AND "
                       + _in("t.theme_id", f.themes, params) + ")")
    if f.statuses:
        clauses.append(_in("c.status", f.statuses, params))
    if f.qualities:
        clauses.append(_in("c.source_quality", f.qualities, params))
    if f.discovery:
        clauses.append(_in("c.discovered_via", f.discovery, params))
    if f.actors or f.types:
        inner = ["l.case_id = c.case_id"]
        if f.actors:
            inner.append(_in("a.actor", f.actors, params))
        if f.types:
            inner.append(_in("a.action_type", f.types, params))
        clauses.append("EXISTS (SELECT 1 FROM action_cases l JOIN eu_actions a ON a.action_id = l.action_id WHERE "
                       + " AND ".join(inner) + ")")
    if f.since:
        clauses.append("c.opened_on >= ?")
        params.append(f.since)
    if f.until:
        clauses.append("c.opened_on <= ?")
        params.append(f.until)
    if f.q:
        clauses.append("(c.title ILIKE ? ESCAPE '\\' OR c.summary ILIKE ? ESCAPE '\\' "
                       "OR coalesce(c.subject_name, '') ILIKE ? ESCAPE '\\')")
        params.extend([_like(f.q)] * 3)
    return " AND ".join(clauses)


def _without_dates(f: Filters) -> Filters:
    # Case events are dated by themselves: a date range selects events, not the cases they belong to.
    return replace(f, since=None, until=None)


def _label(kind: str, expr: str) -> str:
    return f"(SELECT label FROM labels WHERE kind = '{kind}' AND code = {expr})"


def _theme_labels(link_table: str, key: str, alias: str) -> str:
    return (f"(SELECT string_agg(lb.label, '; ' ORDER BY lb.sort_order) FROM {link_table} t "
            f"JOIN labels lb ON lb.kind = 'theme' AND lb.code = t.theme_id WHERE t.{key} = {alias}.{key})")


ACTION_COLUMNS = f"""
    a.date AS "Date",
    coalesce(co.name, 'Global') AS "Country",
    {_label('actor', 'a.actor')} AS "Actor",
    {_label('action_type', 'a.action_type')} AS "Action",
    a.title AS "Title",
    coalesce(a.title_original, '') AS "Original title",
    a.title_language AS "Title language",
    {_theme_labels('action_themes', 'action_id', 'a')} AS "Themes",
    a.summary AS "Summary",
    CASE WHEN a.on_behalf_of_eu27 THEN 'Yes' WHEN a.on_behalf_of_eu27 = FALSE THEN 'No' ELSE '' END
        AS "On behalf of EU27",
    (SELECT count(*) FROM action_cases l WHERE l.action_id = a.action_id) AS "Cases named",
    {_label('source_kind', 'a.source_kind')} AS "Source kind",
    {_label('source_quality', 'a.source_quality')} AS "Source quality",
    a.source_url AS "Source",
    a.action_id AS "ID"
"""

CASE_COLUMNS = f"""
    c.case_id AS "ID",
    c.title AS "Title",
    co.name AS "Country",
    {_theme_labels('case_themes', 'case_id', 'c')} AS "Themes",
    coalesce(c.subject_name, CASE WHEN c.name_public THEN '' ELSE 'Name withheld' END) AS "Subject",
    {_label('status', 'c.status')} AS "Status",
    c.opened_on AS "Opened on",
    (SELECT count(*) FROM action_cases l WHERE l.case_id = c.case_id) AS "EU actions",
    (SELECT max(a.date) FROM action_cases l JOIN eu_actions a ON a.action_id = l.action_id
      WHERE l.case_id = c.case_id) AS "Last EU action",
    c.summary AS "Summary",
    {_label('discovered_via', 'c.discovered_via')} AS "Found via",
    {_label('source_quality', 'c.source_quality')} AS "Source quality",
    c.source_url AS "Source"
"""


def count_actions(con: duckdb.DuckDBPyConnection, f: Filters) -> int:
    params: list = []
    return fetch_one(con, f"SELECT count(*) FROM eu_actions a WHERE {action_where(f, params)}", params)[0]


def count_cases(con: duckdb.DuckDBPyConnection, f: Filters) -> int:
    params: list = []
    return fetch_one(con, f"SELECT count(*) FROM cases c WHERE {case_where(f, params)}", params)[0]


def _page_clause(limit: int | None, offset: int, params: list) -> str:
    """LIMIT/OFFSET for one page of rows, or nothing when every row is wanted (exports)."""
    if limit is None:
        return ""
    params.extend([int(limit), int(offset)])
    return "LIMIT ? OFFSET ?"


# Sort orders of the record tables: allow-listed ORDER BY clauses, named in the URL (`sort=`). The id
# last makes every order total, so pages never overlap or skip a row.
ORDERS: dict[str, dict[str, str]] = {
    "actions": {
        "newest": "a.date DESC, a.action_id",
        "oldest": "a.date ASC, a.action_id",
        "title": "lower(a.title), a.action_id",
        "country": "(SELECT name FROM countries WHERE iso3 = a.country_iso3) NULLS FIRST, a.date DESC, a.action_id",
    },
    "cases": {
        "newest": "c.opened_on DESC, c.case_id",
        "oldest": "c.opened_on ASC, c.case_id",
        "title": "lower(c.title), c.case_id",
        "country": "(SELECT name FROM countries WHERE iso3 = c.country_iso3), c.opened_on DESC, c.case_id",
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


def actions_table(con, f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0,
                  order: str | None = None) -> pd.DataFrame:
    """The filtered EU actions in `order` (ORDERS, newest first by default); `limit=None` returns all of them."""
    params: list = []
    where = action_where(f, params)
    page = _page_clause(limit, offset, params)
    order_by = _order("actions", order)
    # Page first, then label: the per-row lookups run only for the rows returned.
    return fetch(con, f"""WITH selected AS (SELECT a.* FROM eu_actions a WHERE {where}
                                            ORDER BY {order_by} {page})
                          SELECT {ACTION_COLUMNS} FROM selected a LEFT JOIN countries co ON co.iso3 = a.country_iso3
                          ORDER BY {order_by}""", params)


def cases_table(con, f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0,
                order: str | None = None) -> pd.DataFrame:
    params: list = []
    where = case_where(f, params)
    page = _page_clause(limit, offset, params)
    order_by = _order("cases", order)
    return fetch(con, f"""WITH selected AS (SELECT c.* FROM cases c WHERE {where}
                                            ORDER BY {order_by} {page})
                          SELECT {CASE_COLUMNS} FROM selected c JOIN countries co ON co.iso3 = c.country_iso3
                          ORDER BY {order_by}""", params)


def headline(con, f: Filters) -> dict:
    """The headline figures for a filter."""
    ap: list = []
    aw = action_where(f, ap)
    cp: list = []
    cw = case_where(f, cp)
    row = fetch_one(con, f"""
        SELECT
          (SELECT count(*) FROM eu_actions a WHERE {aw}),
          (SELECT count(*) FROM cases c WHERE {cw}),
          (SELECT count(DISTINCT a.country_iso3) FROM eu_actions a WHERE {aw}),
          (SELECT max(a.date) FROM eu_actions a WHERE {aw}),
          (SELECT count(*) FROM cases c WHERE {cw}
             AND NOT EXISTS (SELECT 1 FROM action_cases l WHERE l.case_id = c.case_id))
        """, ap + cp + ap + ap + cp)
    return {"actions": row[0], "cases": row[1], "countries_with_actions": row[2], "latest_action": row[3],
            "cases_without_action": row[4]}


def map_values(con, f: Filters, measure: str) -> pd.DataFrame:
    """One row per country to draw: its value for the measure and whether it is in a priority area."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    params: list = []
    if measure == "actions":
        counts = f"SELECT a.country_iso3 AS iso3, count(*) AS n FROM eu_actions a WHERE {action_where(f, params)} GROUP BY 1"
    elif measure == "cases":
        counts = f"SELECT c.country_iso3 AS iso3, count(*) AS n FROM cases c WHERE {case_where(f, params)} GROUP BY 1"
    else:  # context beside EU action: the latest year a source states a number for
        return fetch(con, """
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
    return fetch(con, f"""
        SELECT co.iso3, co.name, co.priority_area,
               CASE WHEN co.priority_area IS NULL THEN coalesce(n.n, 0)
                    ELSE sum(coalesce(n.n, 0)) OVER (PARTITION BY co.priority_area) END::BIGINT AS value
        FROM countries co LEFT JOIN ({counts}) n ON n.iso3 = co.iso3
        WHERE co.priority_area IS NOT NULL OR n.n > 0
        ORDER BY co.iso3""", params)


def latest_actions(con, f: Filters, limit: int = 8) -> pd.DataFrame:
    return actions_table(con, f, limit=limit)


def actions_over_time(con, f: Filters, grain: str = "year", group: str = "actor") -> pd.DataFrame:
    """EU actions counted per period and per actor or action type."""
    column = GROUP_COLUMNS[group]
    kind = group
    params: list = [GRAINS[grain]]
    where = action_where(f, params)
    return fetch(con, f"""
        SELECT date_trunc(?, a.date)::DATE AS period, {_label(kind, column)} AS "group", count(*) AS n
        FROM eu_actions a WHERE {where} GROUP BY ALL ORDER BY period, "group" """, params)


def events_over_time(con, f: Filters, grain: str = "year") -> pd.DataFrame:
    """Case events (of the filtered cases) per period and event type; dated by the event, not the case."""
    params: list = [GRAINS[grain]]
    where = case_where(_without_dates(f), params)
    date_clause = ""
    if f.since:
        date_clause += " AND e.date >= ?"
        params.append(f.since)
    if f.until:
        date_clause += " AND e.date <= ?"
        params.append(f.until)
    return fetch(con, f"""
        SELECT date_trunc(?, e.date)::DATE AS period, {_label('event_type', 'e.event_type')} AS "group", count(*) AS n
        FROM case_events e JOIN cases c ON c.case_id = e.case_id
        WHERE {where} {date_clause} GROUP BY ALL ORDER BY period, "group" """, params)


def combined_timeline(con, f: Filters, limit: int = 200) -> pd.DataFrame:
    """EU actions and case events of the filter as dated points, newest first (for a country or case view)."""
    ap: list = []
    aw = action_where(f, ap)
    cp: list = []
    cw = case_where(_without_dates(f), cp)
    date_params: list = []
    date_clause = ""
    if f.since:
        date_clause += " AND e.date >= ?"
        date_params.append(f.since)
    if f.until:
        date_clause += " AND e.date <= ?"
        date_params.append(f.until)
    return fetch(con, f"""
        SELECT * FROM (
          SELECT a.date, 'EU action' AS kind, {_label('actor', 'a.actor')} AS category, a.title AS text,
                 a.source_url AS source, a.action_id AS ref
          FROM eu_actions a WHERE {aw}
          UNION ALL
          SELECT e.date, 'Case event' AS kind, {_label('event_type', 'e.event_type')} AS category,
                 c.title || ': ' || e.description AS text, e.source_url AS source, c.case_id AS ref
          FROM case_events e JOIN cases c ON c.case_id = e.case_id WHERE {cw} {date_clause}
        ) ORDER BY date DESC LIMIT ?""", ap + cp + date_params + [limit])


def sources_list(con, f: Filters, limit: int = 500) -> pd.DataFrame:
    """Distinct sources behind the filtered actions and cases, with how many records each supports."""
    ap: list = []
    aw = action_where(f, ap)
    cp: list = []
    cw = case_where(f, cp)
    return fetch(con, f"""
        SELECT regexp_extract(source, '^https?://(?:www\\.)?([^/]+)', 1) AS "Publisher",
               {_label('source_kind', 'source_kind')} AS "Kind", count(*) AS "Records",
               max(date) AS "Latest date", source AS "Source"
        FROM (
          SELECT a.source_url AS source, a.source_kind, a.date FROM eu_actions a WHERE {aw}
          UNION ALL
          SELECT c.source_url, c.source_kind, c.opened_on FROM cases c WHERE {cw}
          UNION ALL
          SELECT e.source_url, e.source_kind, e.date FROM case_events e JOIN cases c ON c.case_id = e.case_id
          WHERE {cw}
        ) GROUP BY source, source_kind ORDER BY "Records" DESC, "Latest date" DESC LIMIT ?""", ap + cp + cp + [limit])


def case_detail(con, case_id: str) -> dict | None:
    frame = fetch(con, f"""
        SELECT c.*, co.name AS country_name, {_label('status', 'c.status')} AS status_label,
               {_label('subject_type', 'c.subject_type')} AS subject_type_label,
               {_label('source_kind', 'c.source_kind')} AS source_kind_label,
               {_theme_labels('case_themes', 'case_id', 'c')} AS theme_labels
        FROM cases c JOIN countries co ON co.iso3 = c.country_iso3 WHERE c.case_id = ?""", [case_id])
    return None if frame.empty else frame.iloc[0].to_dict()


def case_timeline(con, case_id: str) -> pd.DataFrame:
    """A case's events and the EU actions that concerned it, oldest first."""
    return fetch(con, f"""
        SELECT * FROM (
          SELECT e.date, e.date_precision AS precision, 'Case event' AS kind,
                 {_label('event_type', 'e.event_type')} AS category, e.description AS text, e.source_url AS source,
                 e.case_id AS ref
          FROM case_events e WHERE e.case_id = ?
          UNION ALL
          SELECT a.date, 'day', 'EU action', {_label('actor', 'a.actor')} || ' — ' || {_label('action_type', 'a.action_type')},
                 a.title, a.source_url, a.action_id
          FROM action_cases l JOIN eu_actions a ON a.action_id = l.action_id WHERE l.case_id = ?
        ) ORDER BY date, kind DESC""", [case_id, case_id])


def case_ids(con, f: Filters | None = None, limit: int = 1000) -> pd.DataFrame:
    params: list = []
    where = case_where(f or Filters(), params)
    return fetch(con, f"""SELECT c.case_id, c.title FROM cases c WHERE {where}
                          ORDER BY c.country_iso3, c.case_id LIMIT ?""", params + [limit])


def place_summary(con) -> pd.DataFrame:
    """Per priority area: EU actions, cases and latest action (for the ways in on Overview)."""
    return fetch(con, """
        SELECT co.priority_area AS area,
               (SELECT count(*) FROM eu_actions a JOIN countries c2 ON c2.iso3 = a.country_iso3
                 WHERE c2.priority_area = co.priority_area) AS actions,
               (SELECT count(*) FROM cases c JOIN countries c3 ON c3.iso3 = c.country_iso3
                 WHERE c3.priority_area = co.priority_area) AS cases,
               (SELECT max(a.date) FROM eu_actions a JOIN countries c4 ON c4.iso3 = a.country_iso3
                 WHERE c4.priority_area = co.priority_area) AS latest
        FROM countries co WHERE co.priority_area IS NOT NULL GROUP BY co.priority_area ORDER BY area""")


def theme_summary(con) -> pd.DataFrame:
    return fetch(con, """
        SELECT th.theme_id, th.name, th.description,
               (SELECT count(*) FROM action_themes t WHERE t.theme_id = th.theme_id) AS actions,
               (SELECT count(*) FROM case_themes t WHERE t.theme_id = th.theme_id) AS cases
        FROM themes th ORDER BY (SELECT sort_order FROM labels WHERE kind = 'theme' AND code = th.theme_id)""")


def data_as_of(con):
    """"Data as of": the latest date any published record's source gives for an act (an EU action or a case event)."""
    return fetch_one(con, """SELECT greatest((SELECT max(date) FROM eu_actions), (SELECT max(date) FROM case_events),
                                             (SELECT max(opened_on) FROM cases))""", [])[0]


def build_info(con) -> dict:
    frame = fetch(con, "SELECT * FROM build_info LIMIT 1")
    return {} if frame.empty else frame.iloc[0].to_dict()


def commitments(con) -> pd.DataFrame:
    return fetch(con, """SELECT title AS "Title", adopted_on AS "Adopted on", instrument_type AS "Instrument",
                                summary AS "Summary", source_url AS "Source"
                         FROM commitments ORDER BY adopted_on""")


def death_penalty_figures(con, countries: tuple[str, ...] = ()) -> pd.DataFrame:
    params: list = []
    where = _in("d.country_iso3", countries, params) if countries else "TRUE"
    return fetch(con, f"""SELECT co.name AS "Country", d.year AS "Year", d.recorded_executions AS "Recorded executions",
                                 d.death_sentences AS "Death sentences", d.figure_note AS "Note", d.source_url AS "Source"
                          FROM death_penalty_figures d JOIN countries co ON co.iso3 = d.country_iso3
                          WHERE {where} ORDER BY co.name, d.year""", params)


def action_detail(con, action_id: str) -> dict | None:
    frame = fetch(con, f"""SELECT {ACTION_COLUMNS}, a.date AS date_value
                           FROM eu_actions a LEFT JOIN countries co ON co.iso3 = a.country_iso3
                           WHERE a.action_id = ?""", [action_id])
    return None if frame.empty else frame.iloc[0].to_dict()


def action_cases(con, action_id: str) -> pd.DataFrame:
    """The cases an action's source names."""
    return fetch(con, f"""SELECT {CASE_COLUMNS} FROM action_cases l JOIN cases c ON c.case_id = l.case_id
                          JOIN countries co ON co.iso3 = c.country_iso3
                          WHERE l.action_id = ? ORDER BY c.opened_on""", [action_id])


def answered_events(con, f: Filters | None = None, case_id: str | None = None) -> pd.DataFrame:
    """Which case event each EU action answered (metrics.DEFINITIONS["Answered event"]): for every action linked
    to a case, the latest event of that case on or before the action's date, and the days between them. An
    action dated before all of its case's events answers none (and is left out)."""
    params: list = []
    if case_id is not None:
        where = "l.case_id = ?"
        params.append(case_id)
    else:
        where = action_where(f or Filters(), params)
    return fetch(con, f"""
        SELECT x.action_id, x.action_date, x.case_id, e.date AS event_date,
               {_label('event_type', 'e.event_type')} AS event_category,
               date_diff('day', e.date, x.action_date) AS days
        FROM (SELECT l.action_id, l.case_id, a.date AS action_date
              FROM action_cases l JOIN eu_actions a ON a.action_id = l.action_id WHERE {where}) x
        ASOF JOIN case_events e ON e.case_id = x.case_id AND e.date <= x.action_date
        ORDER BY x.action_date, x.action_id, x.case_id""", params)
