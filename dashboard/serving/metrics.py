"""Accountability measures: whether, how fast, how strongly and how unitedly the EU responded.

Definitions (shown on the About page from DEFINITIONS):
- A case's *start* is its earliest recorded event, or its `opened_on` date when it has no event.
- An EU action *responds* to a case when it is linked to the case (its source names the case) and is
  dated on or after the case's start. Actions of any country count: a sanctions listing under one
  country's regime can name a person from another.
- The filter selects cases (country, theme, status, opened between the dates, text, actor/type);
  their responses are counted whatever their date.
Everything is aggregated in DuckDB; Python receives only the aggregates, adds up the few cells of the time bands
and the ladder, and divides the two counts of each share in one function (`share`). The per-case start, first
response, last linked action, highest step, time band, responding statements and whether the case was found
independently are computed once, at build time, in summaries.py (table case_rows). A filter's measures are one
query (_measures: for all selected cases, those found independently and each priority area at once), which counts
its silent cases too; for the view the build stores (_stored_view), the measures that do not depend on the day are
read from the store and the silent cases, which do, are another query (_silent_counts). `accountability` asks them
once for the whole Accountability page.
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
from .queries import Clause, action_where, build_info, case_where, counts_where, run, run_columns, run_one

SILENCE_MONTHS = 12
TIME_BUCKETS = taxonomy.TIME_BUCKETS  # the bands of the time to a first response (case_rows.response_band)
AREAS = list(taxonomy.PRIORITY_AREAS)  # by area_no - 1

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
                      "names, dated on or before the action (of two on one day, the one recorded later); the days "
                      "between them are shown with it.",
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


def _silent(as_of: dt.date | None) -> Clause:
    """SQL condition on a case_rows row `c`: open, and no linked EU action in the 12 months before as_of."""
    # is_open: status not in taxonomy.CLOSED_STATUSES, computed at build time (summaries.case_rows)
    return Clause("(c.is_open AND (c.last_action IS NULL OR c.last_action < $silent_before))",
                  {"silent_before": _year_before(as_of or dt.date.today())})


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


# The groups of _measures (`part`): grouping(area_no, found_independently), a bit for each of the two a group's row
# is not grouped by, the first the higher; and the cells, counted apart.
_ALL, _INDEPENDENT, _AREA, _CELL = 0b11, 0b10, 0b01, 4


def _measures(con, f: Filters, silent: Clause | None = None) -> dict[str, np.ndarray]:
    """The measures of the selected cases that do not depend on the day they are asked, in one query and one pass
    over case_rows, one row per group (`part`, _ALL, _INDEPENDENT, _AREA or _CELL):
    - every selected case, those found independently of the EU or not (`independent`) and each priority area
      (`area_no`): cases, responded, median days to the first response, median escalation step, and the distinct
      responding statements made on behalf of the 27 or not (`eu27`, `alone`: _statements); their shares are
      `share`'s, computed by whoever shows them;
    - the cases of each combination of found independently or not, TIME_BUCKETS position (`band`, 0 without a
      response) and highest escalation step (`step`), which _groups adds up into the time bands and the
      escalation ladder (a few dozen cells at most; counted apart, not as a fourth grouping set, which would
      compute every measure of each cell).
    Groups without a case are left out; _groups drops the groups of cases not found independently and of cases
    outside every priority area. Grouped by columns the build computed (summaries.case_rows), not ordered, and
    read as arrays: at these sizes, planning a query costs more than running it, and a frame more than the arrays.
    With `silent` (_silent on a day), also the silent open cases of each group (`silent`), for a view the build
    does not store (_stored_view): one query for both. A stored view's are counted apart (_silent_counts), because
    they depend on the day, and its measures are found among the build's stored results (serving.default_views)."""
    where = case_where(f)
    silent_count = Clause(f", count(*) FILTER (WHERE {silent.sql}) AS silent", silent.params) if silent else Clause("")
    try:
        return run_columns(con, f"""
            SELECT grouping(c.area_no, c.found_independently) AS part, c.area_no,
                   c.found_independently AS independent, 0 AS band, 0 AS step,
                   count(*) AS cases, count(c.first_response) AS responded, median(c.days_to_response) AS median_days,
                   quantile_disc(c.top_step, 0.5) AS median_step,
                   {_statements("eu27")} AS eu27, {_statements("not_eu27")} AS alone{silent_count.sql}
            FROM case_rows c WHERE {where.sql}
            GROUP BY GROUPING SETS ((), (c.found_independently), (c.area_no))
            UNION ALL
            SELECT {_CELL}, NULL, c.found_independently, c.response_band, c.top_step, count(*), 0, NULL, NULL, 0, 0
                   {", 0" if silent else ""}
            FROM case_rows c WHERE {where.sql} GROUP BY ALL""", where, silent_count)
    except duckdb.BinderException as err:
        _raise_if_outdated(err)
        raise


# The case_rows columns the measures read that files built by older code lack.
NEWER_COLUMNS = ("_statements", "found_independently", "response_band")


def _raise_if_outdated(err: duckdb.BinderException) -> None:
    """Raise OutdatedDatabase when `err` names a column of case_rows that newer builds add."""
    if any(column in str(err) for column in NEWER_COLUMNS):
        raise OutdatedDatabase("The database file was built by older code: case_rows lacks the columns the "
                               "accountability measures read. Rebuild it (make build, or python -m dashboard "
                               "build).") from err


def _statements(kind: str) -> str:
    """SQL aggregate: the distinct responding statements of a group of selected cases (`kind`: eu27, made on behalf
    of all 27 as their source says, or not_eu27): those each case alone has, added up, and those cases share,
    counted once (summaries.case_rows)."""
    shared = f"shared_{kind}_statements"
    return (f"(coalesce(sum(own_{kind}_statements), 0)::BIGINT"
            f" + coalesce(len(list_distinct(flatten(list({shared}) FILTER (WHERE {shared} IS NOT NULL)))), 0))")


_GROUP_MEASURES = ("cases", "responded", "median_days", "median_step", "eu27", "alone")


def _groups(columns: dict[str, np.ndarray]) -> dict[tuple[str, int], dict]:
    """The rows of _measures as plain values (None for NULL), by (part, area_no): ("all", 0), ("independent", 0)
    and ("area", area_no); its cells added up into the cases per time band ("band": all responded cases,
    "independent band": those found independently) and per highest step ("step")."""
    groups: dict[tuple[str, int], dict] = {}
    measures = [*_GROUP_MEASURES, *(["silent"] if "silent" in columns else [])]
    values = {name: columns[name].tolist() for name in ("part", "area_no", "independent", "band", "step", *measures)}
    for i, part in enumerate(values["part"]):
        if part == _CELL:
            cases, band, step = values["cases"][i], values["band"][i], values["step"][i]
            counted = [("step", step)]
            if band:
                counted += [("band", band)] + ([("independent band", band)] if values["independent"][i] else [])
            for key in counted:
                groups.setdefault(key, {"cases": 0})["cases"] += cases
            continue
        if part == _ALL:
            key = ("all", 0)
        elif part == _INDEPENDENT and values["independent"][i]:
            key = ("independent", 0)
        elif part == _AREA and values["area_no"][i] is not None:
            key = ("area", values["area_no"][i])
        else:
            continue
        groups[key] = {name: values[name][i] for name in measures}
    return groups


@dataclass(frozen=True)
class SilentCounts:
    """DEFINITIONS["Silent open cases"] on one day: among the selected cases, among those of them found
    independently of the EU, and per priority area (by area_no)."""

    cases: int
    independent: int | None  # None: the filter chooses how cases were found itself (ask f.independent())
    by_area: dict[int, int]


def _silent_counts(con, f: Filters, as_of: dt.date | None = None) -> SilentCounts:
    """The silent open cases of a filter on `as_of` (today): one pass over case_rows, counted per priority area
    (NULL: outside every area), all of them and those found independently (Filters.independent); the selection's
    are the areas' added up. Grouped by a column, not counted into a histogram: the cheaper query to plan."""
    where, silent = case_where(f), _silent(as_of)
    try:
        counted = run_columns(con, f"""
            SELECT c.area_no, count(*) AS cases, count(*) FILTER (WHERE c.found_independently) AS independent
            FROM case_rows c WHERE {where.sql} AND {silent.sql} GROUP BY c.area_no""", where, silent)
    except duckdb.BinderException as err:
        _raise_if_outdated(err)
        raise
    area_no, cases = counted["area_no"].tolist(), counted["cases"].tolist()
    return SilentCounts(cases=sum(cases), independent=None if f.discovery else sum(counted["independent"].tolist()),
                        by_area={no: n for no, n in zip(area_no, cases, strict=True) if no is not None})


def _silent_of(groups: dict[tuple[str, int], dict], f: Filters) -> SilentCounts:
    """The silent counts _measures counted with its groups (_silent), as _silent_counts gives them."""
    counted = {key: row["silent"] for key, row in groups.items() if key[0] in ("all", "independent", "area")}
    return SilentCounts(cases=counted.get(("all", 0), 0),
                        independent=None if f.discovery else counted.get(("independent", 0), 0),
                        by_area={area_no: n for (part, area_no), n in counted.items() if part == "area" and n})


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
        who_acts=_who_acts_rows(con, f),
    )


def summary(con, f: Filters, as_of: dt.date | None = None, silent: SilentCounts | None = None) -> Summary:
    """Every headline measure for the filter, from the per-case columns of case_rows. `silent`: the filter's
    silent counts on `as_of` when the caller has them."""
    return _summary(con, f, _groups(_measures(con, f)), silent if silent is not None else _silent_counts(con, f, as_of))


def summary_and_split(con, f: Filters, as_of: dt.date | None = None) -> tuple[Summary, dict]:
    """`summary(f)` and `discovery_split(f)`, as the brief and `metrics` show them (from `accountability`)."""
    whole, split, _areas = accountability(con, f, as_of)
    return whole, split


def _stored_view(f: Filters) -> bool:
    """Whether the build stores the day-independent measures of `f` (serving.default_views: Accountability with no
    filter), which are then asked apart from its silent cases."""
    return f == Filters()


def accountability(con, f: Filters, as_of: dt.date | None = None) -> tuple[Summary, dict, pd.DataFrame]:
    """What the Accountability page shows of a filter, `summary(f)`, `discovery_split(f)` and `by_area(f)`, from one
    _measures query counting the silent cases on `as_of` (today) too; for a view the build stores, from its stored
    _measures and one _silent_counts query."""
    if _stored_view(f):
        groups, silent = _groups(_measures(con, f)), _silent_counts(con, f, as_of)
    else:
        groups = _groups(_measures(con, f, _silent(as_of)))
        silent = _silent_of(groups, f)
    whole = _summary(con, f, groups, silent)
    return whole, _split(con, f, as_of, whole, groups, silent), _area_table(groups, silent)


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


# Up to this many cases in the file, the silence list is one sorted read of the silent cases with their text: a few
# thousand rows read whole cost less than planning a join that reads the text of the shown ones alone.
SILENCE_LIST_SMALL_FILE = 20_000

SILENCE_LIST_COLUMNS = """
    c.case_id AS "ID", c.title AS "Title", c.priority_area AS "Area", c.status_label AS "Status",
    c.start AS "Started", c.last_action AS "Last EU action",
    date_diff('day', c.last_action, $as_of::DATE) AS "Days since last EU action",
    c.discovered_via_label AS "Found via"
"""


def silence_list(con, f: Filters, as_of: dt.date | None = None, limit: int | None = 200) -> pd.DataFrame:
    """Open cases with no linked EU action in the last 12 months (or none ever), longest silence first (silence_rank:
    that order, computed at build time)."""
    as_of = as_of or dt.date.today()
    where, silent = case_where(f), _silent(as_of)
    page = Clause("LIMIT $limit", {"limit": int(limit)}) if limit is not None else Clause("")
    if int(build_info(con).get("cases") or SILENCE_LIST_SMALL_FILE + 1) <= SILENCE_LIST_SMALL_FILE:
        return run(con, f"""
            SELECT {SILENCE_LIST_COLUMNS} FROM case_rows c WHERE {where.sql} AND {silent.sql}
            ORDER BY c.silence_rank {page.sql}""", where, silent, page, as_of=as_of)
    # A larger file: cut on the narrow columns first, then read the text of the cases shown.
    return run(con, f"""
        WITH page AS (SELECT c.rank FROM case_rows c WHERE {where.sql} AND {silent.sql} ORDER BY c.silence_rank {page.sql})
        SELECT {SILENCE_LIST_COLUMNS} FROM case_rows c SEMI JOIN page p ON p.rank = c.rank
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


WHO_ACTS_COLUMNS = ["actor", "action_type", "actions"]


def _who_acts_rows(con, f: Filters) -> list[dict]:
    """DEFINITIONS["Who acts"]: the EU actions matching the filter per institution and instrument, most first (then
    by institution and instrument), as {actor, action_type, actions}. Counted by small numbers (actor_no, type_no),
    then named by the labels those numbers stand for (taxonomy, as the build writes them to `labels`) and put in
    order here, a few dozen groups: bound label lists and an ORDER BY cost more to plan than that. A filter on
    countries, themes, actors and instruments alone adds up the build-time counts (summaries.action_counts)."""
    where = action_where(f)
    counted = run_columns(con, f"SELECT a.actor_no, a.type_no, sum(a.n)::BIGINT AS actions FROM action_counts a "
                               f"WHERE {where.sql} GROUP BY ALL" if counts_where(f) is not None else
                          f"SELECT a.actor_no, a.type_no, count(*) AS actions FROM action_rows a "
                          f"WHERE {where.sql} GROUP BY ALL", where)
    actors, types = list(taxonomy.ACTORS.values()), list(taxonomy.ACTION_TYPES.values())
    rows = [{"actor": None if actor_no is None else actors[actor_no - 1],
             "action_type": None if type_no is None else types[type_no - 1], "actions": actions}
            for actor_no, type_no, actions in zip(counted["actor_no"].tolist(), counted["type_no"].tolist(),
                                                  counted["actions"].tolist(), strict=True)]
    # as ORDER BY actions DESC, actor, action_type would (NULL last)
    rows.sort(key=lambda r: (-r["actions"], r["actor"] is None, r["actor"] or "", r["action_type"] is None,
                             r["action_type"] or ""))
    return rows


def who_acts(con, f: Filters) -> pd.DataFrame:
    """The "who acts" table of a filter (_who_acts_rows)."""
    rows = _who_acts_rows(con, f)
    return pd.DataFrame({"actor": np.array([r["actor"] for r in rows], dtype=object),
                         "action_type": np.array([r["action_type"] for r in rows], dtype=object),
                         "actions": np.array([r["actions"] for r in rows], dtype="int64")})


def who_acts_frame(summary_: Summary) -> pd.DataFrame:
    """The "who acts" counts a summary already holds, as the table `who_acts` returns."""
    return pd.DataFrame(summary_.who_acts, columns=WHO_ACTS_COLUMNS)


def by_area(con, f: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    """The headline measures for each priority area side by side (the "area" rows of _measures, by name), and the
    silent open cases of each on `as_of` (_silent_counts)."""
    return _area_table(_groups(_measures(con, f)), _silent_counts(con, f, as_of))


def _area_table(groups: dict[tuple[str, int], dict], silent: SilentCounts) -> pd.DataFrame:
    """The area groups of _measures (_groups) as the area table, by area name, with the shares of each area
    (`share`) and its silent open cases. Built from plain columns: pandas' own selecting and renaming cost several
    times as much on a frame this small."""
    areas = sorted((AREAS[area_no - 1], row, area_no) for (part, area_no), row in groups.items() if part == "area")
    return pd.DataFrame({
        "Area": np.array([name for name, _row, _no in areas], dtype=object),
        "Cases": np.array([row["cases"] for _name, row, _no in areas], dtype="int64"),
        "Response rate": np.array([share(row["responded"], row["cases"]) for _name, row, _no in areas],
                                  dtype="float64"),
        "Median days to respond": np.array([row["median_days"] for _name, row, _no in areas], dtype="float64"),
        "Median escalation step": np.array([row["median_step"] for _name, row, _no in areas], dtype="int32"),
        "Made on behalf of all 27": np.array([share(row["eu27"], row["eu27"] + row["alone"])
                                              for _name, row, _no in areas], dtype="float64"),
        "Silent open cases": np.array([silent.by_area.get(area_no, 0) for _name, _row, area_no in areas],
                                      dtype="int64"),
    })


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
