"""The count tables of data/COVERAGE.md, computed from the source files (`python -m dashboard coverage --write`)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from .. import taxonomy
from ..taxonomy import PRIORITY_AREAS, THEMES, area_of

START, END = "<!-- counts:start -->", "<!-- counts:end -->"


def _rows(sources: Path, name: str) -> list[dict]:
    with open(sources / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _themes(rows: list[dict]) -> list[int]:
    return [sum(t in r["themes"].split(";") for r in rows) for t in THEMES]


def counts_markdown(sources: Path) -> str:
    actions, cases = _rows(sources, "eu_actions"), _rows(sources, "cases")
    events, links = _rows(sources, "case_events"), _rows(sources, "action_cases")
    out = [f"Totals: **{len(actions)} EU actions**, **{len(cases)} cases**, **{len(events)} case events**, "
           f"**{len(links)} action ↔ case links**.", "",
           "| Priority area | EU actions | Cases | Case events | Links | Actions: death penalty | torture | HRDs |",
           "|---|---|---|---|---|---|---|---|"]
    for area in PRIORITY_AREAS:
        area_actions = [r for r in actions if r["country_iso3"] and area_of(r["country_iso3"]) == area]
        ids = {r["case_id"] for r in cases if area_of(r["country_iso3"]) == area}
        n_events = sum(r["case_id"] in ids for r in events)
        n_links = sum(r["case_id"] in ids for r in links)
        out.append(f"| {area} | {len(area_actions)} | {len(ids)} | {n_events} | {n_links} | "
                   + " | ".join(map(str, _themes(area_actions))) + " |")
    global_actions = [r for r in actions if not r["country_iso3"]]
    out.append(f"| Global (no country) | {len(global_actions)} | – | – | – | "
               + " | ".join(map(str, _themes(global_actions))) + " |")
    out += ["", "| Theme | EU actions | Cases |", "|---|---|---|"]
    for (_code, label), n_actions, n_cases in zip(THEMES.items(), _themes(actions), _themes(cases), strict=True):
        out.append(f"| {label} | {n_actions} | {n_cases} |")
    out += ["", "| Instrument | EU actions |", "|---|---|"]
    for code, n in Counter(r["action_type"] for r in actions).most_common():
        out.append(f"| {taxonomy.ACTION_TYPES[code]} | {n} |")
    out += ["", "| Kind of source | EU actions | Cases |", "|---|---|---|"]
    case_kinds = Counter(r["source_kind"] for r in cases)
    for code, n in Counter(r["source_kind"] for r in actions).most_common():
        out.append(f"| {taxonomy.SOURCE_KINDS[code]} | {n} | {case_kinds.get(code, 0)} |")
    return "\n".join(out)


def updated_document(document: str, sources: Path) -> str:
    block = f"{START}\n{counts_markdown(sources)}\n{END}"
    return re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, document, flags=re.S)
