"""Accountability measures: whether, how fast, how strongly and how unitedly the EU responded.

Definitions (shown on the About page from DEFINITIONS):
- A case's *start* is its earliest recorded event, or its `opened_on` date when it has no event.
- An EU action *responds* to a case when it is linked to the case (its source names the case) and is
  dated on or after the case's start. Actions of any country count: a sanctions listing under one
  country's regime can name a person from another.
- The filter selects cases (country, theme, status, opened between the dates, text, actor/type);
  their responses are counted whatever their date.
Everything is aggregated in DuckDB; Python receives only the aggregates, and divides the two counts of each
share in one function (`share`). The per-case start, first response,
last linked action, highest step and responding statements are computed once, at build time, in summaries.py
(table case_rows). A filter's measures that do not depend on the day are one query (_measures: for all selected
cases, those found independently and each priority area at once); its silent cases, which do, are another
(_silent_counts); `accountability` asks each once for the whole Accountability page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb
import numpy as np
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


class OutdatedDatabase(Exception):
    """The database file was built by older code and lacks what these measures read; the message says so."""


SHARE_DIGITS = 4  # the digits a share (response rate, made on behalf of all 27) keeps


def share(part: int, whole: int) -> float | None:
    """`part / whole` rounded to SHARE_DIGITS digits, halves away from zero (1/32 = 0.03125 is 0.0313), or None
    when `whole` is 0: every share a page, export, brief or command shows, the summary's and the area table's
    alike, is rounded here and only here. Rounded on the exact fraction, in integers: a float's round() takes
    halves to the even digit and a double's product can land either side of a half."""
    part, whole = int(part), int(whole)
    if not whole:
        return None
    scale = 10 ** SHARE_DIGITS
    return (2 * scale * part + whole) // (2 * whole) / scale


def unity_counts(con, f: Filters) -> tuple[int, int]:
    """(statements made on behalf of the 27, statements not) among those responding to the selected cases
    (_measures, _statements)."""
    whole = _groups(_measures(con, f)).get(("all", 0))
    return (whole["eu27"], whole["alone"]) if whole else (0, 0)


def _independent() -> Clause:
    """SQL condition on a case_rows row `c`: found independently of the EU, as Filters.independent selects."""
    return Clause("list_contains($independent_discovery, c.discovered_via)",
                  {"independent_discovery": list(taxonomy.INDEPENDENT_DISCOVERY)})


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
    """The measures of the selected cases that do not depend on the day they are asked, in one query and one pass
    over case_rows, one row per group (`part`):
    - "all" (every selected case), "independent" (those found independently of the EU, _independent) and "area"
      (each priority area, by `area_no` and named `area`): cases, responded, median days to the first response,
      median escalation step, and the distinct responding statements made on behalf of the 27 or not (`eu27`,
      `alone`: _statements); their shares are `share`'s, computed by whoever shows them;
    - "cell": the cases of each combination of found independently or not (`independent`), TIME_BUCKETS position
      (`band`, 0 without a response) and highest escalation step (`step`), which _groups adds up into the time
      bands and the escalation ladder (cheaper than more grouping sets: a few dozen cells at most).
    Groups without a case are left out. Read as a frame, so an unfiltered view's is found among the build's stored
    results (serving.default_views); the silent cases are counted apart (_silent_counts), because they depend on
    the day. No column holds NULL (NaN stands for none): a NULL makes the frame's conversion several times slower."""
    where, band, independent = case_where(f), _band("c.days_to_response"), _independent()
    try:
        return run(con, f"""
            WITH selected AS (
                SELECT c.area_no, coalesce({independent.sql}, false) AS independent, c.first_response,
                       c.days_to_response, c.top_step,
                       CASE WHEN c.first_response IS NULL THEN 0 ELSE {band.sql} END AS band,
                       c.own_eu27_statements, c.own_not_eu27_statements,
                       c.shared_eu27_statements, c.shared_not_eu27_statements
                FROM case_rows c WHERE {where.sql}
            ), grouped AS (
                SELECT CASE grouping(area_no, independent) WHEN 3 THEN 'all' WHEN 2 THEN 'independent' ELSE 'area' END
                           AS part,
                       coalesce(area_no, 0)::INTEGER AS area_no, coalesce(independent, false) AS independent,
                       0 AS band, 0 AS step,
                       count(*) AS cases, count(first_response) AS responded,
                       coalesce(median(days_to_response), 'NaN'::DOUBLE) AS median_days,
                       coalesce(quantile_disc(top_step, 0.5), -1) AS median_step,
                       {_statements("eu27")} AS eu27, {_statements("not_eu27")} AS alone
                FROM selected GROUP BY GROUPING SETS ((), (independent), (area_no))
                HAVING (grouping(independent) = 1 OR independent) AND (grouping(area_no) = 1 OR area_no IS NOT NULL)
                UNION ALL
                SELECT 'cell', 0, independent, band, top_step, count(*), 0, 'NaN'::DOUBLE, -1, 0, 0
                FROM selected GROUP BY independent, band, top_step
            )
            SELECT g.*, CASE WHEN g.area_no > 0 THEN $areas[g.area_no] ELSE '' END AS area
            FROM grouped g ORDER BY g.part, area, g.band, g.step""",
                   where, band, independent, areas=list(taxonomy.PRIORITY_AREAS))
    except duckdb.BinderException as err:
        if "_statements" not in str(err):
            raise
        raise OutdatedDatabase("The database file was built by older code: case_rows lacks the responding "
                               "statements the accountability measures count. Rebuild it (make build, or "
                               "python -m dashboard build).") from err


def _statements(kind: str) -> str:
    """SQL aggregate: the distinct responding statements of a group of selected cases (`kind`: eu27, made on behalf
    of all 27 as their source says, or not_eu27): those each case alone has, added up, and those cases share,
    counted once (summaries.case_rows)."""
    shared = f"shared_{kind}_statements"
    return (f"(coalesce(sum(own_{kind}_statements), 0)::BIGINT"
            f" + coalesce(len(list_distinct(flatten(list({shared}) FILTER (WHERE {shared} IS NOT NULL)))), 0))")


def _records(frame: pd.DataFrame) -> list[dict]:
    """`frame.to_dict(orient="records")`, the same values (Python scalars), read column by column: a few times
    faster on the small frames metrics read."""
    columns = list(frame.columns)
    return [dict(zip(columns, row, strict=True)) for row in zip(*(frame[c].tolist() for c in columns), strict=True)]


def _groups(frame: pd.DataFrame) -> dict[tuple[str, int], dict]:
    """The rows of _measures as plain values, by (part, area_no); its cells added up into the cases per time band
    ("band": all responded cases, "independent band": those found independently) and per highest step ("step")."""
    groups: dict[tuple[str, int], dict] = {}
    for row in _records(frame):
        if row["part"] != "cell":
            groups[(row["part"], row["area_no"])] = row
            continue
        counted = [("step", row["step"])]
        if row["band"]:
            counted += [("band", row["band"])] + ([("independent band", row["band"])] if row["independent"] else [])
        for key in counted:
            groups.setdefault(key, {"cases": 0})["cases"] += row["cases"]
    return groups


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
    independent = _independent() if not f.discovery else Clause("NULL")
    row = run_one(con, f"""
        SELECT count(*), count(*) FILTER (WHERE {independent.sql}),
               histogram(c.area_no) FILTER (WHERE c.area_no IS NOT NULL)
        FROM case_rows c WHERE {where.sql} AND {silent.sql}""", where, silent, independent)
    return SilentCounts(cases=int(row[0]), independent=None if f.discovery else int(row[1]),
                        by_area={int(k): int(v) for k, v in (row[2] or {}).items()})


def _case_measures(groups: dict[tuple[str, int], dict], independent: bool, silent_cases: int) -> dict:
    """The measures counted over the selected cases alone (the part of `summary` that `discovery_split` reports
    twice), read from _groups: of every selected case, or of those found independently. A group _measures left
    out has no case."""
    row = groups.get(("independent" if independent else "all", 0), {"cases": 0, "responded": 0, "median_days": None})
    bands = "independent band" if independent else "band"
    cases, responded, median_days = row["cases"], row["responded"], row["median_days"]
    return {"cases": cases, "responded": responded,
            "response_rate": share(responded, cases),
            "median_days_to_first_response": None if pd.isna(median_days) else float(median_days),
            "time_to_first_response": {label: groups.get((bands, i), {}).get("cases", 0)
                                       for i, (_, label) in enumerate(TIME_BUCKETS, start=1)},
            "escalation": {label: groups.get(("step", step), {}).get("cases", 0)
                           for step, label in taxonomy.ESCALATION_STEPS.items()},
            "silent_cases": int(silent_cases)}


def _summary(con, f: Filters, groups: dict[tuple[str, int], dict], silent: SilentCounts) -> Summary:
    """`summary` from the _measures groups and the silent counts of f, and its who-acts table."""
    measures = _case_measures(groups, False, silent.cases)
    whole = groups.get(("all", 0))
    eu27, alone = (whole["eu27"], whole["alone"]) if whole else (0, 0)
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
                    share_eu27=share(eu27, eu27 + alone)),
        silent_cases=measures["silent_cases"],
        who_acts=_records(who_acts(con, f)),
    )


def summary(con, f: Filters, as_of: dt.date | None = None, silent: SilentCounts | None = None) -> Summary:
    """Every headline measure for the filter, from the per-case columns of case_rows. `silent`: the filter's
    silent counts on `as_of` when the caller has them."""
    return _summary(con, f, _groups(_measures(con, f)), silent if silent is not None else _silent_counts(con, f, as_of))


def summary_and_split(con, f: Filters, as_of: dt.date | None = None) -> tuple[Summary, dict]:
    """`summary(f)` and `discovery_split(f)`, as the brief and `metrics` show them (from `accountability`)."""
    whole, split, _areas = accountability(con, f, as_of)
    return whole, split


def accountability(con, f: Filters, as_of: dt.date | None = None) -> tuple[Summary, dict, pd.DataFrame]:
    """What the Accountability page shows of a filter, `summary(f)`, `discovery_split(f)` and `by_area(f)`, from one
    _measures query and one _silent_counts query on `as_of` (today) for all three."""
    frame, silent = _measures(con, f), _silent_counts(con, f, as_of)
    groups = _groups(frame)
    whole = _summary(con, f, groups, silent)
    return whole, _split(con, f, as_of, whole, groups, silent), _area_table(frame, silent)


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
    silent = silent if silent is not None else _silent_counts(con, f, as_of)
    groups = _groups(_measures(con, f))
    return _split(con, f, as_of, whole or _summary(con, f, groups, silent), groups, silent)


def _split(con, f: Filters, as_of: dt.date | None, whole: Summary, groups: dict[tuple[str, int], dict],
           silent: SilentCounts) -> dict:
    """discovery_split from the _measures groups and silent counts of f. A filter that chooses how its cases were
    found (f.discovery) is not narrowed but replaced by Filters.independent, so its independent part is asked apart."""
    if f.discovery:
        independent = _case_measures(_groups(_measures(con, f.independent())), False,
                                     _silent_counts(con, f.independent(), as_of).cases)
    else:
        independent = _case_measures(groups, True, int(silent.independent or 0))
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
    # Counted by small numbers, then named by the labels those numbers stand for (taxonomy, as the build writes
    # them to `labels`): bound lists, not joins, for the few groups. A filter on countries, themes, actors and
    # instruments alone adds up the build-time counts (summaries.action_counts).
    counted = (f"SELECT a.actor_no, a.type_no, sum(a.n)::BIGINT AS actions FROM action_counts a WHERE {where.sql} GROUP BY ALL"
               if counts_where(f) is not None else
               f"SELECT a.actor_no, a.type_no, count(*) AS actions FROM action_rows a WHERE {where.sql} GROUP BY ALL")
    return run(con, f"""
        SELECT $actor_labels[n.actor_no] AS actor, $type_labels[n.type_no] AS action_type, n.actions
        FROM ({counted}) n
        ORDER BY actions DESC, actor, action_type""", where,
               actor_labels=list(taxonomy.ACTORS.values()), type_labels=list(taxonomy.ACTION_TYPES.values()))


def who_acts_frame(summary_: Summary) -> pd.DataFrame:
    """The "who acts" counts a summary already holds, as the table `who_acts` returns."""
    return pd.DataFrame(summary_.who_acts, columns=["actor", "action_type", "actions"])


def by_area(con, f: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    """The headline measures for each priority area side by side (the "area" rows of _measures, by name), and the
    silent open cases of each on `as_of` (_silent_counts)."""
    return _area_table(_measures(con, f), _silent_counts(con, f, as_of))


def _shares(parts: np.ndarray, wholes: np.ndarray) -> np.ndarray:
    """`share` of each pair, NaN for none: a column of the area table."""
    return np.array([np.nan if (value := share(p, w)) is None else value
                     for p, w in zip(parts.tolist(), wholes.tolist(), strict=True)], dtype="float64")


def _area_table(frame: pd.DataFrame, silent: SilentCounts) -> pd.DataFrame:
    """The "area" rows of _measures as the area table, with the shares of each area (`share`) and its silent open
    cases. Built from the columns' arrays: pandas' own selecting and renaming cost several times as much on a frame
    this small."""
    areas = frame["part"].to_numpy() == "area"
    column = {name: frame[name].to_numpy()[areas] for name in
              ("area", "area_no", "cases", "responded", "median_days", "median_step", "eu27", "alone")}
    table = {"Area": column["area"], "Cases": column["cases"],
             "Response rate": _shares(column["responded"], column["cases"]),
             "Median days to respond": column["median_days"], "Median escalation step": column["median_step"],
             "Made on behalf of all 27": _shares(column["eu27"], column["eu27"] + column["alone"])}
    table["Silent open cases"] = np.array([silent.by_area.get(int(area_no), 0)
                                           for area_no in column["area_no"]], dtype="int64")
    return pd.DataFrame(table)


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
