"""Accountability measures: whether, how fast, how strongly and how unitedly the EU responded.

Definitions (shown on the About page from DEFINITIONS):
- A case's *start* is its earliest recorded event, or its `opened_on` date when it has no event.
- An EU action *responds* to a case when it is linked to the case (its source names the case) and is
  dated on or after the case's start. Actions of any country count: a sanctions listing under one
  country's regime can name a person from another.
- The filter selects cases (country, theme, status, opened between the dates, text, actor/type);
  their responses are counted whatever their date.
Everything is computed in DuckDB; Python receives only the aggregates.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from . import taxonomy
from .formatting import percent
from .db import fetch, fetch_one
from .filters import Filters
from .queries import action_where, case_where

SILENCE_MONTHS = 12
TIME_BUCKETS = ((7, "Within a week"), (30, "8–30 days"), (90, "31–90 days"), (365, "91–365 days"),
                (None, "More than a year"))

# Every number a page, export, brief or the CLI shows, by the label it is shown under: one definition each.
# A test walks every metric on every page and checks its label is here.
DEFINITIONS = {
    "EU actions": "EU actions matching the filters (statements, démarches, resolutions, sanctions…), each with a "
                  "public source.",
    "Cases": "Documented cases of people, groups or organisations at risk matching the filters.",
    "Cases without EU action": "Selected cases with no EU action responding to them: no linked EU action dated on or "
                               "after the case's start (its first recorded event). The cases the response rate "
                               "does not count, and the \"No EU action\" step of the escalation ladder.",
    "Latest EU action": "The date of the most recent EU action matching the filters, as its source states it.",
    "Countries with EU action": "Countries (not priority areas) with at least one EU action matching the filters.",
    "Response rate": "Share of the selected cases with at least one linked EU action dated on or after the case's "
                     "first recorded event (its start). Linked means the action's source names the case.",
    "Time to first EU response": "Days from a case's start to its first responding EU action; the median over "
                                 "cases that had a response, and how those cases spread over time bands.",
    "Answered event": "On a timeline, the case event an EU action answered: the latest event of a case the action "
                      "names, dated on or before the action; the days between them are shown with it.",
    "Escalation ladder": "The highest step among a case's responding EU actions, on this ordering: "
                         + " < ".join(f"{step}. {label}" for step, label in taxonomy.ESCALATION_STEPS.items()) + ".",
    "Median escalation step": "The middle step of the escalation ladder over the selected cases (half reached it "
                              "or more); a step number, not an average, because the steps are an order, not amounts.",
    "Made on behalf of all 27": "Among the statements responding to the selected cases (Spokesperson, High "
                                "Representative, declarations, statements at the UN), the share whose source says "
                                "they were made on behalf of all 27 member states. Statements whose source does not "
                                "say are left out of the share.",
    "Silent open cases": f"Open cases (status other than {', '.join(taxonomy.CLOSED_STATUSES)}) with no linked EU "
                         f"action in the last {SILENCE_MONTHS} months, or none ever.",
    "Silence list": f"Open cases (status other than {', '.join(taxonomy.CLOSED_STATUSES)}) with no linked EU action in "
                    f"the last {SILENCE_MONTHS} months, or none ever; longest silence first.",
    "Who acts": "EU actions matching the filter, counted by institution and instrument.",
}
DEFINITIONS["Unity"] = DEFINITIONS["Made on behalf of all 27"]
DEFINITIONS["Median days to respond"] = DEFINITIONS["Time to first EU response"]
DEFINITIONS["Cases found independently"] = ("Selected cases found independently of the EU (from NGO, UN or news "
                                            "sources, not through an EU text that names them; discovered_via is not eu).")
for _label in ("Response rate", "Median days to respond", "Silent open cases"):
    DEFINITIONS[f"{_label} (independent)"] = DEFINITIONS[_label] + " Counted over the cases found independently only."
# Statements that can be made on behalf of all 27 member states; their sources say whether they were.
UNITY_TYPES = (*taxonomy.STATEMENT_TYPES, "un_statement")


# Read with the numbers: how cases entered the dataset shapes every rate computed from it.
SELECTION_CAVEAT = (
    "Many cases in this dataset were found through the EU statements that named them, so the response rate "
    "overstates how often the EU responds to cases in general. Each case records how it was found (discovered_via), "
    "and the Accountability page, the country brief and `metrics --json` give the response rate, time to respond and "
    "silent cases for the cases found independently of the EU beside the figures for all cases."
)


# SQL: a case's start (its earliest event, or opened_on without events), on a row aliased `c`.
CASE_START = "coalesce((SELECT min(e.date) FROM case_events e WHERE e.case_id = c.case_id), c.opened_on)"


def _case_responses(f: Filters, params: list) -> str:
    """SQL: one row per selected case with its start, first response, last linked action and top step."""
    where = case_where(f, params)
    return f"""
        WITH selected AS (
            SELECT c.case_id, c.title, c.status, c.country_iso3, co.priority_area, c.discovered_via,
                   {CASE_START} AS start
            FROM cases c JOIN countries co ON co.iso3 = c.country_iso3
            WHERE {where}
        ), linked AS (
            SELECT l.case_id, a.action_id, a.date, a.action_type, a.on_behalf_of_eu27, s.start,
                   a.date >= s.start AS responds
            FROM selected s JOIN action_cases l ON l.case_id = s.case_id JOIN eu_actions a ON a.action_id = l.action_id
        )
        SELECT s.*,
               (SELECT min(k.date) FROM linked k WHERE k.case_id = s.case_id AND k.responds) AS first_response,
               (SELECT max(k.date) FROM linked k WHERE k.case_id = s.case_id) AS last_action,
               coalesce((SELECT max(x.step) FROM linked k JOIN escalation x ON x.action_type = k.action_type
                         WHERE k.case_id = s.case_id AND k.responds), 0) AS top_step
        FROM selected s"""


def _unity_sql(f: Filters, params: list, by_area: bool = False) -> str:
    """SQL: distinct responding statements on the selected cases, made on behalf of the 27 (as the source states,
    `on_behalf_of_eu27`) versus not; statements whose source does not say are left out."""
    where = case_where(f, params)
    types = ", ".join(f"'{t}'" for t in UNITY_TYPES)  # constants from the taxonomy
    group = "co.priority_area," if by_area else ""
    return f"""
        SELECT {group}
               count(DISTINCT a.action_id) FILTER (WHERE a.on_behalf_of_eu27) AS eu27,
               count(DISTINCT a.action_id) FILTER (WHERE NOT a.on_behalf_of_eu27) AS alone
        FROM cases c JOIN countries co ON co.iso3 = c.country_iso3
        JOIN action_cases l ON l.case_id = c.case_id
        JOIN eu_actions a ON a.action_id = l.action_id
        WHERE {where} AND a.action_type IN ({types})
          AND a.date >= {CASE_START}
        {"GROUP BY co.priority_area" if by_area else ""}"""


def _silent(params: list, as_of: dt.date | None) -> str:
    """SQL condition on a `_case_responses` row: open, and no linked EU action in the 12 months before as_of."""
    closed = ", ".join("?" for _ in taxonomy.CLOSED_STATUSES)
    params += [*taxonomy.CLOSED_STATUSES, _year_before(as_of or dt.date.today())]
    return f"(r.status NOT IN ({closed}) AND (r.last_action IS NULL OR r.last_action < ?))"


def _bucket_sql(days: str) -> str:
    """SQL: the TIME_BUCKETS label of a number of days (constants only, no data)."""
    parts = []
    for limit, label in TIME_BUCKETS:
        label_sql = label.replace("'", "''")
        parts.append(f"WHEN {days} <= {limit} THEN '{label_sql}'" if limit else f"ELSE '{label_sql}'")
    return "CASE " + " ".join(parts) + " END"


def summary(con, f: Filters, as_of: dt.date | None = None) -> dict:
    """Every headline measure for the filter, as plain JSON-ready values."""
    params: list = []
    base = _case_responses(f, params)
    silent = _silent(params, as_of)
    row = fetch_one(con, f"""
        WITH r AS ({base})
        SELECT count(*) AS cases,
               count(first_response) AS responded,
               median(date_diff('day', start, first_response)) AS median_days,
               count(*) FILTER (WHERE {silent}) AS silent,
               histogram({_bucket_sql("date_diff('day', start, first_response)")})
                   FILTER (WHERE first_response IS NOT NULL) AS bands,
               histogram(top_step) AS steps
        FROM r""", params)
    cases, responded, median_days, silent_cases, bands, steps = row
    bands, steps = bands or {}, steps or {}
    p2: list = []
    eu27, alone = fetch_one(con, _unity_sql(f, p2), p2)
    return {
        "filters": f.describe(),
        "cases": int(cases),
        "responded": int(responded),
        "cases_without_action": cases_without_action(int(cases), int(responded)),
        "response_rate": round(responded / cases, 4) if cases else None,
        "median_days_to_first_response": None if median_days is None else float(median_days),
        "time_to_first_response": {label: int(bands.get(label, 0)) for _, label in TIME_BUCKETS},
        "escalation": {label: int(steps.get(step, 0)) for step, label in taxonomy.ESCALATION_STEPS.items()},
        "unity": {"on_behalf_of_eu27": int(eu27), "not_on_behalf_of_eu27": int(alone),
                  "share_eu27": round(eu27 / (eu27 + alone), 4) if eu27 + alone else None},
        "silent_cases": int(silent_cases),
        "who_acts": who_acts(con, f).to_dict(orient="records"),
    }


def cases_without_action(cases: int, responded: int) -> int:
    """DEFINITIONS["Cases without EU action"]: the selected cases no EU action responded to. Every page, export
    and command takes it from `summary` (or `without_action`), so it always equals the ladder's step 0."""
    return cases - responded


def without_action(con, f: Filters) -> int:
    """Cases without EU action for a filter (the headline figure of the overview and country pages)."""
    params: list = []
    base = _case_responses(f, params)
    cases, responded = fetch_one(con, f"WITH r AS ({base}) SELECT count(*), count(first_response) FROM r", params)
    return cases_without_action(int(cases), int(responded))


def _year_before(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def silence_list(con, f: Filters, as_of: dt.date | None = None, limit: int | None = 200) -> pd.DataFrame:
    """Open cases with no linked EU action in the last 12 months (or none ever), longest silence first."""
    as_of = as_of or dt.date.today()
    params: list = [as_of]  # bound in the order the placeholders appear in the SQL text
    base = _case_responses(f, params)
    silent = _silent(params, as_of)
    page = ""
    if limit is not None:
        page = "LIMIT ?"
        params.append(int(limit))
    return fetch(con, f"""
        SELECT r.case_id AS "ID", r.title AS "Title", r.priority_area AS "Area",
               (SELECT label FROM labels WHERE kind = 'status' AND code = r.status) AS "Status",
               r.start AS "Started", r.last_action AS "Last EU action",
               date_diff('day', r.last_action, ?::DATE) AS "Days since last EU action",
               (SELECT label FROM labels WHERE kind = 'discovered_via' AND code = r.discovered_via) AS "Found via"
        FROM ({base}) r
        WHERE {silent}
        ORDER BY r.last_action ASC NULLS FIRST, r.start ASC, r.case_id {page}""", params)


# The measures reported twice: for all selected cases, and for those found independently of the EU.
SPLIT_MEASURES = ("cases", "responded", "response_rate", "median_days_to_first_response", "time_to_first_response",
                  "silent_cases")


def discovery_split(con, f: Filters, as_of: dt.date | None = None, whole: dict | None = None) -> dict:
    """Response rate, time to respond and silent cases for all selected cases and, beside them, for the cases
    found independently of the EU (discovered_via other than eu). `whole` reuses a summary already computed for f."""
    whole = whole or summary(con, f, as_of=as_of)
    independent = summary(con, f.independent(), as_of=as_of)
    return {"all_cases": {k: whole[k] for k in SPLIT_MEASURES},
            "independently_discovered": {k: independent[k] for k in SPLIT_MEASURES}}


def selection_note(split: dict) -> str:
    """The selection caveat as numbers: how many cases came in through the EU, and the rate without them."""
    every, independent = split["all_cases"], split["independently_discovered"]
    through_eu = every["cases"] - independent["cases"]
    if not every["cases"]:
        return "No case matches the filters."
    return (f"{through_eu} of the {every['cases']} selected cases were found through an EU text that names them, so "
            f"each has an EU action by construction. Response rate for all {every['cases']} cases: "
            f"{percent(every['response_rate'])}; for the {independent['cases']} cases found independently of the EU "
            f"(NGO, UN or news sources): {percent(independent['response_rate'])}.")


def who_acts(con, f: Filters) -> pd.DataFrame:
    params: list = []
    where = action_where(f, params)
    return fetch(con, f"""
        SELECT (SELECT label FROM labels WHERE kind = 'actor' AND code = a.actor) AS actor,
               (SELECT label FROM labels WHERE kind = 'action_type' AND code = a.action_type) AS action_type,
               count(*) AS actions
        FROM eu_actions a WHERE {where} GROUP BY ALL ORDER BY actions DESC, actor, action_type""", params)


def by_area(con, f: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    """The headline measures for each priority area side by side (one SQL pass, grouped by area)."""
    params: list = []
    base = _case_responses(f, params)
    unity = _unity_sql(f, params, by_area=True)
    silent = _silent(params, as_of)
    return fetch(con, f"""
        WITH r AS ({base}), u AS ({unity})
        SELECT r.priority_area AS "Area", count(*) AS "Cases",
               round(count(r.first_response) / count(*), 4) AS "Response rate",
               median(date_diff('day', r.start, r.first_response)) AS "Median days to respond",
               quantile_disc(r.top_step, 0.5) AS "Median escalation step",
               any_value(round(u.eu27 / nullif(u.eu27 + u.alone, 0), 4)) AS "Made on behalf of all 27",
               count(*) FILTER (WHERE {silent}) AS "Silent open cases"
        FROM r LEFT JOIN u ON u.priority_area = r.priority_area
        WHERE r.priority_area IS NOT NULL
        GROUP BY r.priority_area ORDER BY r.priority_area""", params)


def escalation_frame(summary_: dict) -> pd.DataFrame:
    """The escalation ladder of a summary as a table (the data behind the chart)."""
    return pd.DataFrame({"Highest step reached": list(summary_["escalation"]),
                         "Cases": list(summary_["escalation"].values())})


def area_map_values(table: pd.DataFrame, column: str, scale: float = 100.0) -> pd.DataFrame:
    """Spread a per-area measure onto the area's countries, in the shape figures.world_map draws."""
    rows = []
    for area, members in taxonomy.PRIORITY_AREAS.items():
        match = table[table["Area"] == area]
        value = None if match.empty or pd.isna(match[column].iloc[0]) else round(float(match[column].iloc[0]) * scale, 1)
        for iso3 in members:
            rows.append({"iso3": iso3, "name": area if len(members) == 1 else f"{area} ({iso3})",
                         "priority_area": area, "value": value})
    return pd.DataFrame(rows)
