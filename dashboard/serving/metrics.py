"""Accountability measures: whether, how fast, how strongly and how unitedly the EU responded.

Definitions (shown on the About page from DEFINITIONS):
- A case's *start* is its earliest recorded event, or its `opened_on` date when it has no event.
- An EU action *responds* to a case when it is linked to the case (its source names the case) and is
  dated on or after the case's start. Actions of any country count: a sanctions listing under one
  country's regime can name a person from another.
- The filter selects cases (country, theme, status, opened between the dates, text, actor/type);
  their responses are counted whatever their date.
Everything is computed in DuckDB; Python receives only the aggregates. The per-case start, first response,
last linked action and highest step are computed once, at build time, in summaries.py (table case_rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

from .. import taxonomy
from .filters import Filters
from .formatting import percent
from .queries import Clause, action_where, case_where, counts_where, run, run_one

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
UNITY_TYPES = taxonomy.UNITY_TYPES


# Read with the numbers: how cases entered the dataset shapes every rate computed from it.
SELECTION_CAVEAT = (
    "Many cases in this dataset were found through the EU statements that named them, so the response rate "
    "overstates how often the EU responds to cases in general. Each case records how it was found (discovered_via), "
    "and the Accountability page, the country brief and `metrics --json` give the response rate, time to respond and "
    "silent cases for the cases found independently of the EU beside the figures for all cases."
)


def _unity(f: Filters, by_area: bool = False) -> Clause:
    """SQL: distinct responding statements (UNITY_TYPES) on the selected cases, made on behalf of the 27 (as the
    source states, `on_behalf_of_eu27`) versus not; statements whose source does not say are left out. By area:
    `area_no` (the position in taxonomy.PRIORITY_AREAS) of the cases they respond to."""
    where = case_where(f)
    group = "s.area_no" if by_area else "NULL"
    if where.sql == "TRUE":  # every case selected: the distinct statements are found at build time
        return Clause(f"""
            SELECT {group} AS area_no, count(*) FILTER (WHERE s.eu27) AS eu27, count(*) FILTER (WHERE NOT s.eu27) AS alone
            FROM {"statement_area_rows" if by_area else "statement_rows"} s GROUP BY 1""")
    return Clause(f"""
        SELECT area_no, count(*) FILTER (WHERE eu27) AS eu27, count(*) FILTER (WHERE NOT eu27) AS alone
        FROM (SELECT DISTINCT {group} AS area_no, s.action_rank, s.eu27 FROM case_statements s
              WHERE s.case_rank IN (SELECT c.rank FROM case_rows c WHERE {where.sql}))
        GROUP BY area_no""", where.params)


def unity_counts(con, f: Filters) -> tuple[int, int]:
    """(statements made on behalf of the 27, statements not) among those responding to the selected cases (_unity).
    Read as a frame: an unfiltered view's is then found among the build's stored results (serving.default_views)."""
    unity = _unity(f)
    frame = run(con, unity.sql, unity)
    return (int(frame["eu27"].iloc[0]), int(frame["alone"].iloc[0])) if not frame.empty else (0, 0)


def _silent(as_of: dt.date | None) -> Clause:
    """SQL condition on a case_rows row `c`: open, and no linked EU action in the 12 months before as_of."""
    # is_open: status not in taxonomy.CLOSED_STATUSES, computed at build time (summaries.case_rows)
    return Clause("(c.is_open AND (c.last_action IS NULL OR c.last_action < $silent_before))",
                  {"silent_before": _year_before(as_of or dt.date.today())})


def _band(days: str) -> Clause:
    """SQL: the TIME_BUCKETS position (1, 2, …) of a number of days; limits are bound. A number, so that the
    histogram counts small integers; `summary` names them by TIME_BUCKETS."""
    parts: list[str] = []
    params: dict[str, object] = {}
    for i, (limit, _label) in enumerate(TIME_BUCKETS, start=1):
        if limit is None:
            parts.append(f"ELSE {i}")
        else:
            params[f"band_limit_{i}"] = limit
            parts.append(f"WHEN {days} <= $band_limit_{i} THEN {i}")
    return Clause("CASE " + " ".join(parts) + " END", params)


@dataclass(frozen=True)
class Unity:
    on_behalf_of_eu27: int
    not_on_behalf_of_eu27: int
    share_eu27: float | None


@dataclass(frozen=True)
class Summary:
    """Every headline measure for a filter; `as_dict()` is the JSON form of `python -m dashboard metrics --json`."""

    filters: str
    cases: int
    responded: int
    cases_without_action: int  # DEFINITIONS["Cases without EU action"]: cases - responded
    response_rate: float | None
    median_days_to_first_response: float | None
    time_to_first_response: dict[str, int]  # TIME_BUCKETS label → cases
    escalation: dict[str, int]              # escalation step label → cases whose highest step it is
    unity: Unity
    silent_cases: int
    who_acts: list[dict]

    def as_dict(self) -> dict:
        return asdict(self)


def _measures(con, f: Filters) -> pd.DataFrame:
    """The measures of the selected cases that do not depend on the day they are asked (one pass over case_rows,
    one row): counts, median days, the time bands and the escalation steps. Read as a frame, so an unfiltered
    view's is found among the build's stored results (serving.default_views); the silent cases are counted apart
    (_silent_counts), because they depend on the day."""
    where, band = case_where(f), _band("c.days_to_response")
    bands = ", ".join(f"count(*) FILTER (WHERE c.first_response IS NOT NULL AND {band.sql} = {i}) AS band_{i}"
                      for i in range(1, len(TIME_BUCKETS) + 1))
    steps = ", ".join(f"count(*) FILTER (WHERE c.top_step = {int(step)}) AS step_{int(step)}"
                      for step in taxonomy.ESCALATION_STEPS)
    return run(con, f"""
        SELECT count(*) AS cases, count(c.first_response) AS responded, median(c.days_to_response) AS median_days,
               {bands}, {steps}
        FROM case_rows c WHERE {where.sql}""", where, band)


@dataclass(frozen=True)
class SilentCounts:
    """DEFINITIONS["Silent open cases"] on one day: among the selected cases, among those of them found
    independently of the EU, and per priority area (by area_no)."""

    cases: int
    independent: int | None  # None: the filter chooses how cases were found itself (ask f.independent())
    by_area: dict[int, int]


def _silent_counts(con, f: Filters, as_of: dt.date | None = None) -> SilentCounts:
    """The silent open cases of a filter on `as_of` (today): one pass over case_rows for the whole selection, its
    independently found cases (Filters.independent) and each priority area."""
    where, silent = case_where(f), _silent(as_of)
    independent = (Clause("list_contains($independent_discovery, c.discovered_via)",
                          {"independent_discovery": list(taxonomy.INDEPENDENT_DISCOVERY)})
                   if not f.discovery else Clause("NULL"))
    row = run_one(con, f"""
        SELECT count(*), count(*) FILTER (WHERE {independent.sql}),
               histogram(c.area_no) FILTER (WHERE c.area_no IS NOT NULL)
        FROM case_rows c WHERE {where.sql} AND {silent.sql}""", where, silent, independent)
    return SilentCounts(cases=int(row[0]), independent=None if f.discovery else int(row[1]),
                        by_area={int(k): int(v) for k, v in (row[2] or {}).items()})


def _case_measures(con, f: Filters, as_of: dt.date | None = None, silent_cases: int | None = None) -> dict:
    """The measures counted over the selected cases alone: the part of `summary` that `discovery_split` reports
    twice. `silent_cases`: the filter's silent open cases when the caller has counted them (_silent_counts)."""
    row = _measures(con, f).iloc[0]
    cases, responded, median_days = int(row["cases"]), int(row["responded"]), row["median_days"]
    if silent_cases is None:
        silent_cases = _silent_counts(con, f, as_of).cases
    return {"cases": cases, "responded": responded,
            "response_rate": round(responded / cases, 4) if cases else None,
            "median_days_to_first_response": None if pd.isna(median_days) else float(median_days),
            "time_to_first_response": {label: int(row[f"band_{i}"])
                                       for i, (_, label) in enumerate(TIME_BUCKETS, start=1)},
            "escalation": {label: int(row[f"step_{step}"]) for step, label in taxonomy.ESCALATION_STEPS.items()},
            "silent_cases": int(silent_cases)}


def summary(con, f: Filters, as_of: dt.date | None = None, silent: SilentCounts | None = None) -> Summary:
    """Every headline measure for the filter, from the per-case columns of case_rows. `silent`: the filter's
    silent counts on `as_of` when the caller has them."""
    measures = _case_measures(con, f, as_of, None if silent is None else silent.cases)
    eu27, alone = unity_counts(con, f)
    return Summary(
        filters=f.describe(),
        cases=measures["cases"],
        responded=measures["responded"],
        cases_without_action=cases_without_action(measures["cases"], measures["responded"]),
        response_rate=measures["response_rate"],
        median_days_to_first_response=measures["median_days_to_first_response"],
        time_to_first_response=measures["time_to_first_response"],
        escalation=measures["escalation"],
        unity=Unity(on_behalf_of_eu27=eu27, not_on_behalf_of_eu27=alone,
                    share_eu27=round(eu27 / (eu27 + alone), 4) if eu27 + alone else None),
        silent_cases=measures["silent_cases"],
        who_acts=who_acts(con, f).to_dict(orient="records"),
    )


def summary_and_split(con, f: Filters, as_of: dt.date | None = None) -> tuple[Summary, dict]:
    """`summary(f)` and `discovery_split(f)`, as the Accountability page, the brief and `metrics` show them; the
    silent cases of both are counted in one pass. (One pass over case_rows with both sets of the other measures,
    as FILTERed aggregates or as GROUPING SETS, was measured slower than two passes.)"""
    silent = _silent_counts(con, f, as_of)
    whole = summary(con, f, as_of=as_of, silent=silent)
    return whole, discovery_split(con, f, as_of=as_of, whole=whole, silent=silent)


def cases_without_action(cases: int, responded: int) -> int:
    """DEFINITIONS["Cases without EU action"]: the selected cases no EU action responded to. Every page, export
    and command takes it from `summary` (or `without_action`), so it always equals the ladder's step 0."""
    return cases - responded


def without_action(con, f: Filters) -> int:
    """Cases without EU action for a filter (the headline figure of the overview and country pages)."""
    where = case_where(f)
    cases, responded = run_one(con, f"SELECT count(*), count(c.first_response) FROM case_rows c WHERE {where.sql}", where)
    return cases_without_action(int(cases), int(responded))


def _year_before(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def silence_list(con, f: Filters, as_of: dt.date | None = None, limit: int | None = 200) -> pd.DataFrame:
    """Open cases with no linked EU action in the last 12 months (or none ever), longest silence first."""
    as_of = as_of or dt.date.today()
    where, silent = case_where(f), _silent(as_of)
    page = Clause("LIMIT $limit", {"limit": int(limit)}) if limit is not None else Clause("")
    # Cut on the narrow columns first (silence_rank: the order above, computed at build time), then read the text.
    return run(con, f"""
        WITH page AS (SELECT c.rank FROM case_rows c WHERE {where.sql} AND {silent.sql} ORDER BY c.silence_rank {page.sql})
        SELECT c.case_id AS "ID", c.title AS "Title", c.priority_area AS "Area", c.status_label AS "Status",
               c.start AS "Started", c.last_action AS "Last EU action",
               date_diff('day', c.last_action, $as_of::DATE) AS "Days since last EU action",
               c.discovered_via_label AS "Found via"
        FROM case_rows c SEMI JOIN page p ON p.rank = c.rank
        ORDER BY c.silence_rank""", where, silent, page, as_of=as_of)


# The measures reported twice: for all selected cases, and for those found independently of the EU.
SPLIT_MEASURES = ("cases", "responded", "response_rate", "median_days_to_first_response", "time_to_first_response",
                  "silent_cases")


def discovery_split(con, f: Filters, as_of: dt.date | None = None, whole: Summary | None = None,
                    silent: SilentCounts | None = None) -> dict:
    """Response rate, time to respond and silent cases for all selected cases and, beside them, for the cases
    found independently of the EU (discovered_via other than eu). `whole` reuses a summary already computed for f,
    `silent` the silent counts of f on `as_of`."""
    whole = whole or summary(con, f, as_of=as_of, silent=silent)
    independent = _case_measures(con, f.independent(), as_of=as_of,  # no unity or who-acts: not reported twice
                                 silent_cases=silent.independent if silent is not None else None)
    return {"all_cases": {k: getattr(whole, k) for k in SPLIT_MEASURES},
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
    where = action_where(f)
    # Counted by small numbers, then labelled: labels are read for the few groups, not for every row. A filter
    # on countries, themes, actors and instruments alone adds up the build-time counts (summaries.action_counts).
    counted = (f"SELECT a.actor_no, a.type_no, sum(a.n)::BIGINT AS actions FROM action_counts a WHERE {where.sql} GROUP BY ALL"
               if counts_where(f) is not None else
               f"SELECT a.actor_no, a.type_no, count(*) AS actions FROM action_rows a WHERE {where.sql} GROUP BY ALL")
    return run(con, f"""
        SELECT actor.label AS actor, kind.label AS action_type, n.actions
        FROM ({counted}) n
        LEFT JOIN labels actor ON actor.kind = $actor_kind AND actor.code = $actor_codes[n.actor_no]
        LEFT JOIN labels kind ON kind.kind = $type_kind AND kind.code = $type_codes[n.type_no]
        ORDER BY actions DESC, actor, action_type""", where, actor_kind="actor", type_kind="action_type",
               actor_codes=list(taxonomy.ACTORS), type_codes=list(taxonomy.ACTION_TYPES))


def who_acts_frame(summary_: Summary) -> pd.DataFrame:
    """The "who acts" counts a summary already holds, as the table `who_acts` returns."""
    return pd.DataFrame(summary_.who_acts, columns=["actor", "action_type", "actions"])


def by_area(con, f: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    """The headline measures for each priority area side by side (one SQL pass, grouped by area), and the silent
    open cases of each on `as_of` (_silent_counts, which depend on the day: counted apart, so the rest of an
    unfiltered view is found among the build's stored results)."""
    where, unity = case_where(f), _unity(f, by_area=True)
    # Grouped by area_no (the position in taxonomy.PRIORITY_AREAS), then named: the few groups, not every row.
    table = run(con, f"""
        WITH u AS ({unity.sql}),
        m AS (SELECT c.area_no, count(*) AS cases,
                     round(count(c.first_response) / count(*), 4) AS rate,
                     median(c.days_to_response) AS median_days,
                     quantile_disc(c.top_step, 0.5) AS median_step
              FROM case_rows c WHERE {where.sql} AND c.area_no IS NOT NULL GROUP BY c.area_no)
        SELECT m.area_no, $areas[m.area_no] AS "Area", m.cases AS "Cases", m.rate AS "Response rate",
               m.median_days AS "Median days to respond", m.median_step AS "Median escalation step",
               round(u.eu27 / nullif(u.eu27 + u.alone, 0), 4) AS "Made on behalf of all 27"
        FROM m LEFT JOIN u ON u.area_no = m.area_no
        ORDER BY "Area" """, where, unity, areas=list(taxonomy.PRIORITY_AREAS))
    silent = _silent_counts(con, f, as_of).by_area
    table["Silent open cases"] = [silent.get(int(area_no), 0) for area_no in table["area_no"]]
    return table.drop(columns="area_no").astype({"Silent open cases": "int64"})


def escalation_frame(summary_: Summary) -> pd.DataFrame:
    """The escalation ladder of a summary as a table (the data behind the chart)."""
    return pd.DataFrame({"Highest step reached": list(summary_.escalation),
                         "Cases": list(summary_.escalation.values())})


def area_map_values(table: pd.DataFrame, column: str, scale: float = 100.0) -> pd.DataFrame:
    """Spread a per-area measure onto the area's countries, in the shape figures.world_map draws."""
    measured: dict = {}
    for area, measure in zip(table["Area"].tolist(), table[column].tolist(), strict=True):
        measured.setdefault(area, measure)  # an area's first row, read once rather than filtered for per area
    rows = []
    for area, members in taxonomy.PRIORITY_AREAS.items():
        measure = measured.get(area)
        value = None if measure is None or pd.isna(measure) else round(float(measure) * scale, 1)
        for iso3 in members:
            rows.append({"iso3": iso3, "name": area if len(members) == 1 else f"{area} ({iso3})",
                         "priority_area": area, "value": value})
    return pd.DataFrame(rows)
