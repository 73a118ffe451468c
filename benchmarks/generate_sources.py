"""Write large, valid source files (synthetic: generated ids and text, not real records) for measuring the build.

    python benchmarks/generate_sources.py --actions 100000 --out /tmp/sources-100k

Shaped like the shipped data: a tenth as many cases as EU actions, about 2.3 events per case, one link per
action; countries, themes, commitments and figures are copied from data/sources. A review log beside the
folder confirms every record, so the build publishes them all. Columns come from dashboard/schema.py, so a new
column is filled too (its first allowed value, or generated text) and the files stay valid.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import taxonomy  # noqa: E402
from dashboard.config import SOURCES_DIR  # noqa: E402
from dashboard.schema import TABLES_BY_NAME  # noqa: E402

COPIED = ("countries", "themes", "commitments", "death_penalty_figures")
FILLER = {"date": "2020-01-01", "boolean": "false", "integer": "0", "string": "Generated text"}


def _complete(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every schema column, in schema order; the ones not generated here get a valid value or stay blank."""
    for f in TABLES_BY_NAME[name].fields:
        if f.name not in frame:
            frame[f.name] = (f.enum[0] if f.enum else FILLER[f.type]) if f.required else ""
    return frame[[f.name for f in TABLES_BY_NAME[name].fields]]


def generate(n_actions: int, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copy(SOURCES_DIR / f"{name}.csv", out / f"{name}.csv")
    iso = np.array([c for members in taxonomy.PRIORITY_AREAS.values() for c in members])
    themes = np.array(list(taxonomy.THEMES))
    n_cases = max(1, n_actions // 10)
    i = np.arange(1, n_cases + 1)
    case_iso = iso[i % len(iso)]
    case_ids = pd.Series(case_iso).str.cat(pd.Series(i).astype(str).str.zfill(6), sep="-C-")
    opened = pd.Timestamp("2010-01-01") + pd.to_timedelta(i % 5000, unit="D")
    cases = pd.DataFrame({
        "case_id": case_ids, "title": "Synthetic case " + pd.Series(i).astype(str), "country_iso3": case_iso,
        "themes": themes[i % 3], "subject_type": "individual", "subject_name": "Person " + pd.Series(i).astype(str),
        "name_public": "true", "status": list(taxonomy.CASE_STATUSES)[0], "opened_on": opened.strftime("%Y-%m-%d"),
        "date_precision": "day", "summary": "Generated summary.",
        "source_url": "https://example.org/c/" + pd.Series(i).astype(str),
        "source_kind": "ngo", "source_quality": "secondary", "public": "true"})
    per_case = np.where(i % 10 < 3, 3, 2)  # 2.3 events per case
    ev_case = np.repeat(np.arange(n_cases), per_case)
    ev_k = np.concatenate([np.arange(k) for k in per_case])
    events = pd.DataFrame({
        "case_id": case_ids.to_numpy()[ev_case],
        "date": (opened[ev_case] + pd.to_timedelta(ev_k * 40, unit="D")).strftime("%Y-%m-%d"),
        "date_precision": "day", "event_type": np.array(list(taxonomy.EVENT_TYPES))[ev_k % len(taxonomy.EVENT_TYPES)],
        "description": "Generated event.", "source_url": cases["source_url"].to_numpy()[ev_case], "source_kind": "ngo"})
    j = np.arange(1, n_actions + 1)
    act_iso = iso[j % len(iso)]
    types = np.array(list(taxonomy.ACTION_TYPES))[(j * 7) % len(taxonomy.ACTION_TYPES)]
    actions = pd.DataFrame({
        "action_id": pd.Series(act_iso).str.cat(pd.Series(j).astype(str).str.zfill(6), sep="-A-"),
        "date": (pd.Timestamp("2010-01-01") + pd.to_timedelta(j % 5400, unit="D")).strftime("%Y-%m-%d"),
        "actor": np.array(list(taxonomy.ACTORS))[j % len(taxonomy.ACTORS)], "action_type": types,
        "country_iso3": act_iso, "themes": themes[j % 3], "title": "Synthetic EU action " + pd.Series(j).astype(str),
        "summary": "Generated summary.", "source_url": "https://example.org/a/" + pd.Series(j).astype(str),
        "source_kind": "official", "source_quality": "secondary",
        "on_behalf_of_eu27": np.where(types == "declaration_eu27", "true", ""),
        "public": "true"})
    # Each action names one case of its own country (case numbers and action numbers agree modulo the countries).
    span = max(len(iso), (n_cases // len(iso)) * len(iso))
    links = pd.DataFrame({"action_id": actions["action_id"], "case_id": case_ids.to_numpy()[((j - 1) % span) % n_cases]})
    links = links[links["case_id"].str[:3] == links["action_id"].str[:3]]
    links["note"] = "Generated link."  # dates are not aligned with the case's start; kept only if the column exists
    for name, frame in (("cases", cases), ("case_events", events), ("eu_actions", actions), ("action_cases", links)):
        _complete(name, frame).to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    for table in TABLES_BY_NAME.values():  # any other source table (e.g. response_searches): header only
        if not (out / table.filename).exists():
            pd.DataFrame(columns=[f.name for f in table.fields]).to_csv(out / table.filename, index=False)
    ids = pd.concat([actions["action_id"], cases["case_id"]])
    pd.DataFrame({"record_id": ids, "review_round": "generated", "reviewed_on": "2026-01-01", "verdict": "ok",
                  "finding": ""}).to_csv(out.parent / "review_log.csv", index=False, lineterminator="\n")
    return {"cases": len(cases), "case_events": len(events), "eu_actions": len(actions), "action_cases": len(links)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--out", required=True, help="the sources folder to write (its parent gets review_log.csv)")
    args = parser.parse_args()
    counts = generate(args.actions, Path(args.out))
    print(f"Wrote {args.out}: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))


if __name__ == "__main__":
    main()
