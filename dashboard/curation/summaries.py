"""Tables computed once at build time from the published tables, so a page run only filters and cuts.

`write(con)` is the one entry point; the build calls it last, on the database it is writing (the benchmark
calls it on its generated databases). Everything here is derived: nothing is read from anywhere else, and
rebuilding from the same base tables gives the same rows. The base tables are staged (schema.VIEWS): the build
holds them in temporary tables while the summaries are computed, and `write` ends by putting views of the same
names and columns in their place (`published_views_sql`), so the file holds their rows once, in the summaries.

- `action_rows`: one row per EU action with every column of eu_actions and every label a page shows (actor,
  instrument, country, themes, source kind), the number of cases its source names and the statuses of those cases;
  stored newest first, numbered by `rank` in that order, so a page of the table is "the first ranks that match".
  Themes and case statuses are also bit masks (`theme_mask`, `case_status_mask`; bits from `taxonomy.theme_mask()` and
  `taxonomy.status_mask()`), so a filter on them is one integer test per row; actor and instrument are also small
  numbers (`actor_no`, `type_no`: positions in taxonomy.ACTORS and taxonomy.ACTION_TYPES) to count by. The ids of the
  cases its source names are also one text, `case_ids_text`, in id order and separated by a space (ids match schema's
  `^[A-Z]{3}-C-[0-9]{4,}$`; NULL when it names none): an action page reads them with the action's row (a list column,
  or the lookup in action_cases, costs a third of that query at 1 M actions).
- `case_rows`: one row per case with every column of cases, its labels, its *start* (earliest recorded event, or
  `opened_on` when it has none), its first responding EU action, last linked EU action, highest escalation step among
  its responses, the number of linked EU actions and the actor|instrument pairs of those actions; stored by
  `opened_on`, newest first, numbered by `rank`. Also what its page shows of its timeline (its events and the EU
  actions that concerned it, each with its `tie`: event number or action rank; the page orders them: oldest first, an
  action before an event of its day, then by tie) as one JSON text (`timeline`: a list of entries, each the list of
  its values), so a case page reads one row, found by the case id's index (written last, from event_rows and
  action_links).
- `case_statements`: per case, the statements (taxonomy.UNITY_TYPES) that respond to it and whether their
  source says they were made on behalf of all 27 (`on_behalf_of_eu27`), for the unity measure; case_rows
  carries them too, so a selection's distinct statements are counted in the same pass over case_rows as its other
  measures: the number of those that respond to this case alone (`own_eu27_statements`, `own_not_eu27_statements`:
  made on behalf of all 27 as their source says, or not), counted once wherever the case is counted, and the action
  ranks of those that respond to other cases too (`shared_eu27_statements`, `shared_not_eu27_statements`; NULL
  when none), counted once however many of their cases a selection holds.
- `event_rows`: the case events (every column of case_events) with their labels, their case's rank, the text a
  timeline of many cases shows (`timeline_text`: the case's title, then the description), sorted by case, and the
  columns of their case a filter reads (`case_country_iso3`, ...), so the events of the filtered cases are found, and
  shown, without a join.
- `theme_totals`: per theme, its EU actions and cases (the ways in on Themes).
- `action_counts`: EU actions counted per country × theme set × actor × instrument, with the latest date: the
  headline, map and "who acts" figures of a filter on those alone (queries.counts_where) add up a few thousand
  cells instead of scanning every action; `country_counts` adds those cells up over actor and instrument (a
  hundred rows or so), for a filter on countries and themes alone; `actor_year_counts` counts per year × country
  × theme set × actor, for the actions per year by actor of such a filter (Themes, Timeline).
- `action_links` (temporary: the build's own, not written to the file, in no order): the action ↔ case links by rank
  and by id, each with the action's date and the case event the action answered (metrics.DEFINITIONS["Answered
  event"]): its date, label and the days between them (NULL when the action is dated before every event of its case).
  The case timelines on case_rows are made of them, and `answers` holds those that answered an event (with both ids
  and the action's date), sorted by action, so the answers of the newest actions are read from its first rows and from
  no other table.
- `source_rows`: every distinct (source address, source kind) of the actions, cases and events, numbered by
  `source_no` (a column of action_rows, case_rows and event_rows), with its publisher (the address's host) and
  whether more than one record cites it (`shared`, also `source_shared` on those rows), so the sources of a page
  are counted by a number, only the shared ones need grouping, and only the shown ones are read as text.
- `source_records`: every record again (`kind` 0: EU action, 1: case, 2: case event) with the columns its filter
  reads (queries.action_where for actions; queries.case_where, its case's, for cases and events), the date the
  sources list shows for it, its source's number and text; stored by country then newest first and numbered by
  `row_no` in that order, so the sources of one country are counted from its own rows and read by row number.

Small numbers stand in for text wherever pages count or group: `year_no`/`month_no` (the action's year, and
year * 12 + month - 1), `area_no` (position of the priority area in taxonomy.PRIORITY_AREAS); case_rows also
holds `is_open` (status not in taxonomy.CLOSED_STATUSES), `found_independently` (discovered_via in
taxonomy.INDEPENDENT_DISCOVERY, as Filters.independent selects),
`days_to_response`, its `response_band` (position in taxonomy.TIME_BUCKETS; 0 without a response) and its
`silence_rank` (no linked action first, then the oldest last action, then the earliest start), so the silence
list is a cut of one integer and the accountability measures group by columns rather than by expressions.

The definitions stated in metrics.DEFINITIONS (start, responds, escalation) are computed here and only here.
"""

from __future__ import annotations

import duckdb

from .. import schema, taxonomy

ACTION_ROWS_SQL = """
CREATE OR REPLACE TABLE action_rows AS
WITH themed AS (
    SELECT t.action_id, bit_or(1 << (list_position($themes, t.theme_id) - 1))::INTEGER AS theme_mask
    FROM action_themes t JOIN labels lb ON lb.kind = 'theme' AND lb.code = t.theme_id
    GROUP BY t.action_id
), theme_set_labels AS (  -- the labels of a set of themes, joined once per set rather than once per action
    SELECT m.theme_mask, string_agg(lb.label, '; ' ORDER BY lb.sort_order) AS theme_labels
    FROM (SELECT DISTINCT theme_mask FROM themed) m
    JOIN labels lb ON lb.kind = 'theme' AND m.theme_mask & (1 << (list_position($themes, lb.code) - 1)) <> 0
    GROUP BY m.theme_mask
), linked AS (
    SELECT l.action_id, count(*) AS cases_named,
           bit_or(1 << (list_position($statuses, c.status) - 1))::INTEGER AS status_mask,
           bit_or(1 << (list_position($discovery, c.discovered_via) - 1))::INTEGER AS discovery_mask,
           -- in id order: the ids of each action sorted as one list (an ordered string_agg costs twice as much)
           array_to_string(list_sort(list(l.case_id)), ' ') AS case_ids_text
    FROM action_cases l LEFT JOIN cases c ON c.case_id = l.case_id
    GROUP BY l.action_id
)
-- ranked in the order of the sort below, by a window with an empty OVER, which keeps its input's order (as
-- source_records is numbered): the rows are sorted once, not ranked by a sort of their own and sorted again by rank
SELECT row_number() OVER ()::INTEGER AS rank, *
FROM (
SELECT a.*,  -- every column of the action (the file's eu_actions is a view of these: schema.VIEWS)
       co.priority_area, coalesce(co.name, 'Global') AS country_name,
       actor.label AS actor_label, kind.label AS type_label,
       list_position($actors, a.actor)::UTINYINT AS actor_no, list_position($types, a.action_type)::UTINYINT AS type_no,
       year(a.date)::SMALLINT AS year_no, (year(a.date) * 12 + month(a.date) - 1)::INTEGER AS month_no,
       list_position($areas, co.priority_area)::UTINYINT AS area_no,
       coalesce(th.theme_mask, 0) AS theme_mask, tl.theme_labels,
       coalesce(lk.cases_named, 0)::INTEGER AS cases_named,
       coalesce(lk.status_mask, 0) AS case_status_mask, coalesce(lk.discovery_mask, 0) AS case_discovery_mask,
       lk.case_ids_text,
       src.label AS source_kind_label, quality.label AS source_quality_label,
       src_no.source_no, src_no.shared AS source_shared
FROM eu_actions a
LEFT JOIN countries co ON co.iso3 = a.country_iso3
LEFT JOIN source_rows src_no ON src_no.source_url = a.source_url AND src_no.source_kind IS NOT DISTINCT FROM a.source_kind
LEFT JOIN labels actor ON actor.kind = 'actor' AND actor.code = a.actor
LEFT JOIN labels kind ON kind.kind = 'action_type' AND kind.code = a.action_type
LEFT JOIN labels src ON src.kind = 'source_kind' AND src.code = a.source_kind
LEFT JOIN labels quality ON quality.kind = 'source_quality' AND quality.code = a.source_quality
LEFT JOIN themed th ON th.action_id = a.action_id
LEFT JOIN theme_set_labels tl ON tl.theme_mask = th.theme_mask
LEFT JOIN linked lk ON lk.action_id = a.action_id
ORDER BY a.date DESC, a.action_id)
"""

CASE_ROWS_SQL = """
CREATE OR REPLACE TABLE case_rows AS
WITH themed AS (
    SELECT t.case_id, bit_or(1 << (list_position($themes, t.theme_id) - 1))::INTEGER AS theme_mask
    FROM case_themes t JOIN labels lb ON lb.kind = 'theme' AND lb.code = t.theme_id
    GROUP BY t.case_id
), theme_set_labels AS (  -- as in action_rows: the labels of each set of themes, once per set
    SELECT m.theme_mask, string_agg(lb.label, '; ' ORDER BY lb.sort_order) AS theme_labels
    FROM (SELECT DISTINCT theme_mask FROM themed) m
    JOIN labels lb ON lb.kind = 'theme' AND m.theme_mask & (1 << (list_position($themes, lb.code) - 1)) <> 0
    GROUP BY m.theme_mask
), first_event AS (
    SELECT case_id, min(date) AS first_event FROM case_events GROUP BY case_id
), started AS (  -- a case's start: its earliest recorded event, or opened_on when it has none
    SELECT c.case_id, coalesce(fe.first_event, c.opened_on) AS start
    FROM cases c LEFT JOIN first_event fe ON fe.case_id = c.case_id
), linked AS (   -- an action responds to a case when linked and dated on or after the case's start
    SELECT l.case_id, a.date, a.actor, a.action_type, x.step, a.date >= s.start AS responds
    FROM action_cases l JOIN started s ON s.case_id = l.case_id JOIN eu_actions a ON a.action_id = l.action_id
    LEFT JOIN escalation x ON x.action_type = a.action_type
), per_case AS (
    SELECT case_id, count(*) AS eu_actions, max(date) AS last_action,
           min(date) FILTER (WHERE responds) AS first_response,
           max(step) FILTER (WHERE responds) AS top_step,
           list(DISTINCT actor || '|' || action_type ORDER BY actor || '|' || action_type) AS actor_types
    FROM linked GROUP BY case_id
), ranked AS (  -- both orders numbered on their own columns, so the sorts do not carry every column of the case
    SELECT c.case_id, row_number() OVER (ORDER BY c.opened_on DESC, c.case_id)::INTEGER AS rank,
           row_number() OVER (ORDER BY pc.last_action ASC NULLS FIRST, s.start ASC, c.case_id)::INTEGER AS silence_rank
    FROM cases c JOIN started s ON s.case_id = c.case_id LEFT JOIN per_case pc ON pc.case_id = c.case_id
)
SELECT r.rank,
       c.*,  -- every column of the case (the file's cases is a view of these: schema.VIEWS)
       co.name AS country_name, co.priority_area,
       coalesce(th.theme_mask, 0) AS theme_mask, tl.theme_labels,
       subject.label AS subject_type_label,
       coalesce(c.subject_name, CASE WHEN c.name_public THEN '' ELSE 'Name withheld' END) AS subject,
       status.label AS status_label, src.label AS source_kind_label,
       quality.label AS source_quality_label, found.label AS discovered_via_label,
       s.start, pc.first_response, pc.last_action, coalesce(pc.top_step, 0)::INTEGER AS top_step,
       date_diff('day', s.start, pc.first_response)::INTEGER AS days_to_response,
       NOT list_contains($closed, c.status) AS is_open,
       coalesce(list_contains($independent, c.discovered_via), false) AS found_independently,
       CASE WHEN pc.first_response IS NULL THEN 0 ELSE {band} END::UTINYINT AS response_band,
       r.silence_rank,
       list_position($areas, co.priority_area)::UTINYINT AS area_no, src_no.source_no,
       src_no.shared AS source_shared,
       coalesce(pc.eu_actions, 0)::INTEGER AS eu_actions,
       coalesce(pc.actor_types, []::VARCHAR[]) AS actor_types
FROM cases c
JOIN countries co ON co.iso3 = c.country_iso3
JOIN started s ON s.case_id = c.case_id
JOIN ranked r ON r.case_id = c.case_id
LEFT JOIN labels subject ON subject.kind = 'subject_type' AND subject.code = c.subject_type
LEFT JOIN labels status ON status.kind = 'status' AND status.code = c.status
LEFT JOIN labels src ON src.kind = 'source_kind' AND src.code = c.source_kind
LEFT JOIN labels quality ON quality.kind = 'source_quality' AND quality.code = c.source_quality
LEFT JOIN labels found ON found.kind = 'discovered_via' AND found.code = c.discovered_via
LEFT JOIN themed th ON th.case_id = c.case_id
LEFT JOIN theme_set_labels tl ON tl.theme_mask = th.theme_mask
LEFT JOIN per_case pc ON pc.case_id = c.case_id
LEFT JOIN source_rows src_no ON src_no.source_url = c.source_url AND src_no.source_kind IS NOT DISTINCT FROM c.source_kind
ORDER BY rank
"""

CASE_STATEMENTS_SQL = """
CREATE OR REPLACE TABLE case_statements AS
SELECT DISTINCT c.rank AS case_rank, a.rank AS action_rank, a.on_behalf_of_eu27 AS eu27, c.area_no
FROM action_cases l JOIN case_rows c ON c.case_id = l.case_id JOIN action_rows a ON a.action_id = l.action_id
WHERE list_contains($statement_types, a.action_type) AND a.date >= c.start
ORDER BY case_rank, action_rank
"""

EVENT_ROWS_SQL = """
CREATE OR REPLACE TABLE event_rows AS
SELECT c.rank AS case_rank,
       e.*,  -- every column of the event (the file's case_events is a view of these: schema.VIEWS)
       lb.label AS event_label, src_no.source_no, src_no.shared AS source_shared,
       -- what a timeline of many cases shows of the event (queries.timeline_answers_and_actions): its case's id (a
       -- column of the event), and its case's title before its description (made here once, not for every event a
       -- page's filter selects)
       c.title || ': ' || e.description AS timeline_text,
       -- the columns of its case a filter reads (queries.case_where), so events are selected without a join
       c.country_iso3 AS case_country_iso3, c.theme_mask AS case_theme_mask, c.status AS case_status,
       c.source_quality AS case_source_quality, c.discovered_via AS case_discovered_via,
       c.opened_on AS case_opened_on
FROM case_events e JOIN case_rows c ON c.case_id = e.case_id
LEFT JOIN labels lb ON lb.kind = 'event_type' AND lb.code = e.event_type
LEFT JOIN source_rows src_no ON src_no.source_url = e.source_url AND src_no.source_kind IS NOT DISTINCT FROM e.source_kind
ORDER BY case_rank, e.date, e.event_no
"""

SOURCE_RECORDS_SQL = """
CREATE OR REPLACE TABLE source_records AS
WITH records AS (
    SELECT 0::UTINYINT AS kind, a.country_iso3, a.theme_mask, a.source_quality, a.actor, a.action_type,
           a.case_status_mask, a.case_discovery_mask, NULL::VARCHAR AS status, NULL::VARCHAR AS discovered_via,
           NULL::DATE AS opened_on, a.date, a.source_no, a.source_shared
    FROM action_rows a
    UNION ALL
    SELECT 1, c.country_iso3, c.theme_mask, c.source_quality, NULL, NULL, NULL, NULL, c.status, c.discovered_via,
           c.opened_on, c.opened_on, c.source_no, c.source_shared
    FROM case_rows c
    UNION ALL
    SELECT 2, e.case_country_iso3, e.case_theme_mask, e.case_source_quality, NULL, NULL, NULL, NULL, e.case_status,
           e.case_discovered_via, e.case_opened_on, e.date, e.source_no, e.source_shared
    FROM event_rows e
)
-- numbered in the order of the sort below: a window with an empty OVER keeps its input's order (DuckDB's order
-- preservation), where one with its own ORDER BY sorted every column once more (a quarter of this statement)
SELECT row_number() OVER ()::INTEGER AS row_no, *
FROM (SELECT r.*, s.publisher, s.source_url, lb.label AS source_kind_label
      FROM records r
      LEFT JOIN source_rows s ON s.source_no = r.source_no
      LEFT JOIN labels lb ON lb.kind = 'source_kind' AND lb.code = s.source_kind
      ORDER BY r.country_iso3, r.date DESC, r.kind, r.source_no)
"""

THEME_TOTALS_SQL = """
CREATE OR REPLACE TABLE theme_totals AS
SELECT th.theme_id, th.name, th.description, lb.sort_order,
       (SELECT count(*) FROM action_themes t WHERE t.theme_id = th.theme_id) AS actions,
       (SELECT count(*) FROM case_themes t WHERE t.theme_id = th.theme_id) AS cases
FROM themes th LEFT JOIN labels lb ON lb.kind = 'theme' AND lb.code = th.theme_id
ORDER BY lb.sort_order
"""

ACTION_COUNTS_SQL = """
CREATE OR REPLACE TABLE action_counts AS
SELECT country_iso3, priority_area, theme_mask, actor, action_type, actor_no, type_no,
       count(*) AS n, max(date) AS latest
FROM action_rows GROUP BY ALL
ORDER BY country_iso3, theme_mask, actor_no, type_no
"""

COUNTRY_COUNTS_SQL = """
CREATE OR REPLACE TABLE country_counts AS
SELECT country_iso3, priority_area, theme_mask, sum(n)::BIGINT AS n, max(latest) AS latest
FROM action_counts GROUP BY ALL
ORDER BY country_iso3, theme_mask
"""

ACTOR_YEAR_COUNTS_SQL = """
CREATE OR REPLACE TABLE actor_year_counts AS
SELECT year_no, country_iso3, theme_mask, actor_no, count(*) AS n
FROM action_rows GROUP BY ALL
ORDER BY year_no, country_iso3, theme_mask, actor_no
"""

# case_rows again, last (after action_links): with each case's responding statements from case_statements (their one
# definition), counted when they respond to this case alone, listed when they respond to other cases too; and with
# what its page shows of its timeline (`timeline`): the rows of queries.CASE_TIMELINE_SQL as one JSON text, a list of
# entries, each the list of its values as text (in schema.CASE_TIMELINE_ENTRY's order; null for NULL), so a case page reads
# the case's row and nothing else (found by the id's index; the timeline's own query scans and sorts two tables and
# costs twice the case's row; list columns cost as much again as the row, one text column next to nothing). Each
# entry is made text where it is read and the texts joined (a list per column, then one JSON text of them all, cost
# a quarter more), in the order they were gathered, each with its `tie` (event number or action rank): the page puts
# its dozen or so entries in the query's order (queries.case_page), where ordering them here cost a tenth more again.
CASE_STATEMENT_COLUMNS_SQL = """
CREATE OR REPLACE TABLE case_rows AS
WITH shared AS (
    SELECT action_rank FROM case_statements GROUP BY action_rank HAVING count(*) > 1
), per_case AS (
    SELECT s.case_rank,
           count(*) FILTER (WHERE s.eu27 AND h.action_rank IS NULL) AS own_eu27,
           count(*) FILTER (WHERE NOT s.eu27 AND h.action_rank IS NULL) AS own_not_eu27,
           list(s.action_rank ORDER BY s.action_rank) FILTER (WHERE s.eu27 AND h.action_rank IS NOT NULL) AS shared_eu27,
           list(s.action_rank ORDER BY s.action_rank) FILTER (WHERE NOT s.eu27 AND h.action_rank IS NOT NULL)
               AS shared_not_eu27
    FROM case_statements s LEFT JOIN shared h ON h.action_rank = s.action_rank
    GROUP BY s.case_rank
), entries AS (
    SELECT e.case_rank, e.date, e.date_precision AS precision, 'Case event' AS kind, e.event_label AS category,
           e.description AS text, e.source_url AS source, e.case_id AS ref, NULL::DATE AS answered_date,
           NULL::VARCHAR AS answered_label, NULL::INTEGER AS answered_days, e.event_no AS tie
    FROM event_rows e
    UNION ALL
    SELECT k.case_rank, k.action_date, 'day', 'EU action', a.actor_label || ' — ' || a.type_label, a.title,
           a.source_url, k.action_id, k.answered_date, k.answered_label, k.answered_days, k.action_rank
    FROM action_links k JOIN action_rows a ON a.rank = k.action_rank
), timelines AS (  -- made text before the join, which then carries one text rather than a list of entries
    SELECT case_rank, {timeline} AS timeline FROM entries GROUP BY case_rank
)
SELECT c.*, coalesce(p.own_eu27, 0)::INTEGER AS own_eu27_statements,
       coalesce(p.own_not_eu27, 0)::INTEGER AS own_not_eu27_statements,
       p.shared_eu27 AS shared_eu27_statements, p.shared_not_eu27 AS shared_not_eu27_statements,
       coalesce(t.timeline, {no_timeline}) AS timeline
FROM case_rows c LEFT JOIN per_case p ON p.case_rank = c.rank LEFT JOIN timelines t ON t.case_rank = c.rank
ORDER BY c.rank
"""

ACTION_LINKS_SQL = """
CREATE OR REPLACE TEMP TABLE action_links AS
SELECT c.rank AS case_rank, a.rank AS action_rank, l.case_id, l.action_id, a.date AS action_date,
       -- the answered event: the latest event of the case on or before the action (none if the action is earlier);
       -- of two on that day, the one recorded later (the higher event number: the last of its day on the case's
       -- timeline). An ASOF join on the date alone would pick either: the pair makes the match the only one.
       e.date AS answered_date, e.event_label AS answered_label,
       date_diff('day', e.date, a.date)::INTEGER AS answered_days
FROM action_cases l JOIN case_rows c ON c.case_id = l.case_id JOIN action_rows a ON a.action_id = l.action_id
ASOF LEFT JOIN event_rows e ON e.case_rank = c.rank AND row(e.date, e.event_no) <= row(a.date, 2147483647)
"""

SOURCE_ROWS_SQL = """
CREATE OR REPLACE TABLE source_rows AS
SELECT row_number() OVER ()::INTEGER AS source_no, *  -- in the sort's order (as in source_records)
FROM (SELECT source_url, source_kind,
             -- the host without a leading "www.": as regexp_extract(source_url, '^https?://(?:www\\.)?([^/]+)', 1),
             -- in two plain patterns (the optional group makes RE2 take its slow way: a third of this statement at
             -- 100 k)
             regexp_replace(regexp_extract(source_url, '^https?://([^/]+)', 1), '^www\\.([^/])', '\\1') AS publisher,
             count(*) > 1 AS shared
      FROM (SELECT source_url, source_kind FROM eu_actions UNION ALL SELECT source_url, source_kind FROM cases
            UNION ALL SELECT source_url, source_kind FROM case_events)
      GROUP BY source_url, source_kind
      ORDER BY source_url, source_kind)
"""

ANSWERS_SQL = """
CREATE OR REPLACE TABLE answers AS
SELECT action_rank, case_rank, action_id, action_date, case_id, answered_date, answered_label, answered_days
FROM action_links WHERE answered_date IS NOT NULL
ORDER BY action_rank, case_rank
"""

# Record pages look a row up by its id; an index makes that a lookup instead of a scan of every id.
INDEXES_SQL = """
CREATE INDEX action_rows_id ON action_rows(action_id);
CREATE INDEX case_rows_id ON case_rows(case_id);
"""


def response_band(days: str) -> tuple[str, dict[str, int]]:
    """SQL: the taxonomy.TIME_BUCKETS position (1, 2, …) of a number of days, and the limits it binds. A number,
    so that the measures count small integers; metrics names them by TIME_BUCKETS."""
    parts: list[str] = []
    params: dict[str, int] = {}
    for i, (limit, _label) in enumerate(taxonomy.TIME_BUCKETS, start=1):
        if limit is None:
            parts.append(f"ELSE {i}")
        else:
            params[f"band_limit_{i}"] = limit
            parts.append(f"WHEN {days} <= $band_limit_{i} THEN {i}")
    return "CASE " + " ".join(parts) + " END", params


def write(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) every summary table from the base tables on `con`."""
    areas = list(taxonomy.PRIORITY_AREAS)
    vocabularies = {"themes": list(taxonomy.THEMES), "statuses": list(taxonomy.CASE_STATUSES),
                    "discovery": list(taxonomy.DISCOVERY),
                    "actors": list(taxonomy.ACTORS), "types": list(taxonomy.ACTION_TYPES), "areas": areas}
    con.execute(SOURCE_ROWS_SQL)
    con.execute(ACTION_ROWS_SQL, vocabularies)
    band, band_limits = response_band("date_diff('day', s.start, pc.first_response)")
    con.execute(CASE_ROWS_SQL.format(band=band), {"themes": vocabularies["themes"], "areas": areas,
                                                  "closed": list(taxonomy.CLOSED_STATUSES),
                                                  "independent": list(taxonomy.INDEPENDENT_DISCOVERY), **band_limits})
    con.execute(CASE_STATEMENTS_SQL, {"statement_types": list(taxonomy.UNITY_TYPES)})
    con.execute(ACTION_COUNTS_SQL)
    con.execute(COUNTRY_COUNTS_SQL)
    con.execute(ACTOR_YEAR_COUNTS_SQL)
    con.execute(EVENT_ROWS_SQL)
    con.execute(SOURCE_RECORDS_SQL)
    con.execute(THEME_TOTALS_SQL)
    con.execute(ACTION_LINKS_SQL)
    con.execute(ANSWERS_SQL)
    entry = ", ".join(f"{name}::VARCHAR" for name in schema.CASE_TIMELINE_ENTRY)  # (one type, as a list's values)
    # a timeline without entries is the empty list (the build refuses a case without an event: none so far)
    _create(con, CASE_STATEMENT_COLUMNS_SQL.format(timeline=f"'[' || string_agg(to_json([{entry}])::VARCHAR, ',') || ']'",
                                                   no_timeline="'[]'"))
    con.execute(INDEXES_SQL)
    con.execute(published_views_sql())


# Columns written without compression. DuckDB tries its text compression (a dictionary, then FSST) on every text
# column at the commit; the case timelines are long texts, one per case, that only FSST shrinks (to two fifths):
# compressing them cost 0.1 s of the build's CPU at 100,000 EU actions, a thirtieth of it, for 14 MB of the file. A
# case page reads one of them (one row, found by the case id's index), in the same time either way. The other text
# unique to each row (ids, titles, addresses) gained the build nothing measurable uncompressed; action_rows' text,
# which a download of every action reads whole, also took that download of 1,000,000 actions to 300 MB at its peak
# (234 MB compressed). Statements that make a table named here are run by `_create`.
UNCOMPRESSED = {"case_rows": ("timeline",)}


def _create(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> None:
    """Run one of the `CREATE OR REPLACE TABLE name AS select` statements above (`select` may read the table it
    replaces) for a table UNCOMPRESSED names, with those columns written without compression, which DuckDB takes only
    in a column's definition: the table is defined from the columns of `select`, filled, and put in the old one's
    place."""
    first, select = sql.strip().split("\n", 1)
    name = first.removeprefix("CREATE OR REPLACE TABLE ").removesuffix(" AS")
    plain = set(UNCOMPRESSED[name])
    described = con.execute(f"DESCRIBE {select}", params).fetchall()  # (name, type, ...) of each column
    missing = plain - {column for column, *_ in described}
    if missing:  # a renamed column would otherwise be compressed again without a word
        raise ValueError(f"summaries.UNCOMPRESSED names columns {name} does not have: {', '.join(sorted(missing))}")
    columns = ", ".join(f'"{column}" {kind}' + (" USING COMPRESSION uncompressed" if column in plain else "")
                        for column, kind, *_ in described)
    con.execute(f"CREATE TABLE {name}_next ({columns})")
    con.execute(f"INSERT INTO {name}_next {select}", params)
    con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute(f"ALTER TABLE {name}_next RENAME TO {name}")


# The themes of each record, one row per record and theme, split from its `themes` column: what the build stages as
# case_themes and action_themes, and what the file's views of those names show (schema.VIEWS).
THEME_SPLITS = {
    "case_themes": "SELECT DISTINCT case_id, unnest(string_split(themes, ';')) AS theme_id FROM cases",
    "action_themes": "SELECT DISTINCT action_id, unnest(string_split(themes, ';')) AS theme_id FROM eu_actions",
}
# The summary table that holds every column of each published table the file shows as a view (schema.VIEWS).
HELD_BY = {"cases": "case_rows", "case_events": "event_rows", "eu_actions": "action_rows"}


def published_views_sql() -> str:
    """SQL that ends the staging: drops the temporary tables the summaries were computed from (schema.VIEWS, and
    action_links) and creates in their place views of the summaries that hold their rows: each with the columns
    schema.py gives its table, in order, so a page, a download or the data package reads the same rows and columns
    as from a table."""
    statements = [f"DROP TABLE temp.{name};" for name in (*schema.VIEWS, "action_links")]
    for name, summary in HELD_BY.items():
        columns = ", ".join(f.name for f in schema.TABLES_BY_NAME[name].database_fields)  # names from schema.py
        statements.append(f"CREATE VIEW {name} AS SELECT {columns} FROM {summary};")
    statements += [f"CREATE VIEW {name} AS {split};" for name, split in THEME_SPLITS.items()]
    return "\n".join(statements)
