"""Build the DuckDB file from validated source files, atomically.

The database is written to a temporary file beside the target, checkpointed, closed and moved into
place with os.replace, so a failed build never touches an existing database and a running app never
sees half a file. Privacy rules are enforced here, not in the UI: records with public = false never
reach the file, and subject names are blanked unless name_public is true. So is the review rule: a case or an
EU action is published once `review_log.csv` (beside the sources folder) holds an ok or fix verdict as its
latest word on it, unless the build is told to show unreviewed records too (config.show_unreviewed).

The tables' columns come from dashboard/schema.py (`schema.ddl()`); the values go in as whole columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .. import config, schema, taxonomy
from ..schema import TABLES, TABLES_BY_NAME
from . import release, summaries
from .validate import Problem, Row, ValidationError, check_sources, isin, read_clean_csv

# The DDL of every table, generated from schema.py (kept under this name for the benchmark).
SCHEMA_SQL = schema.ddl()
REVIEWED_VERDICTS = ("ok", "fix")


def source_digest(sources: Path, review_log: Path | None = None, shows_unreviewed: bool = False) -> str:
    """SHA-256 of everything that decides what is published: the source files, the review log and the rule."""
    digest = hashlib.sha256()
    for table in TABLES:
        path = Path(sources) / table.filename
        digest.update(table.filename.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    if review_log is not None:
        digest.update(b"review_log.csv")
        digest.update(review_log.read_bytes() if review_log.exists() else b"")
    digest.update(b"shows_unreviewed" if shows_unreviewed else b"reviewed_only")
    return digest.hexdigest()


def review_log_for(sources: Path) -> Path:
    return Path(sources).resolve().parent / config.REVIEW_LOG_NAME


def reviewed_ids(log: Path) -> pd.Series:
    """Ids whose latest verdict in the review log is ok or fix (a later 'unverifiable' takes the record back), once
    each, as strings (a column, so the review rule compares it with whole columns without a copy into Python)."""
    if not log.exists():
        raise ValidationError([Problem(log.name, 0, "-", f"file is missing (looked for {log}): it lists the records "
                                                         "a second reader confirmed, and only those are published")])
    with open(log, newline="", encoding="utf-8") as f:
        text = f.read()
    header = next(csv.reader(io.StringIO(text.partition("\n")[0])), [])
    whole = read_clean_csv(text, header) if len(set(header)) == len(header) else None
    if whole is not None and {"record_id", "verdict"} <= set(header):  # the common case, at C speed
        latest = pd.DataFrame({"record_id": whole["record_id"].str.strip(), "verdict": whole["verdict"].str.strip()})
        latest = latest.drop_duplicates("record_id", keep="last")
        return latest.loc[isin(latest["verdict"], REVIEWED_VERDICTS), "record_id"].reset_index(drop=True)
    reader = csv.DictReader(io.StringIO(text, newline=""))  # the text read above, record by record
    missing = {"record_id", "verdict"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError([Problem(log.name, 1, col, "required column is missing from the header")
                               for col in sorted(missing)])
    latest = {row["record_id"].strip(): (row["verdict"] or "").strip() for row in reader}
    return pd.Series([record_id for record_id, verdict in latest.items() if verdict in REVIEWED_VERDICTS], dtype="str")


@dataclass
class Published:
    """What the build writes: one frame per source table (database columns only) and what was held back."""
    frames: dict[str, pd.DataFrame]
    unreviewed_held_back: int


def publishable_frames(frames: dict[str, pd.DataFrame], reviewed: pd.Series | set[str] | None) -> Published:
    """Apply the privacy and review rules: drop non-public records, and (unless `reviewed` is None) those no second
    reader confirmed, with everything hanging off them; blank withheld names. `frames` are checked sources (as
    check_sources gives them with no problem), so every reference resolves: what hangs off cases or actions is cut
    only when some of those were left out (each cut looks every row up among the kept ids)."""
    held_back = 0

    def keep(frame: pd.DataFrame, key: str) -> pd.DataFrame:
        nonlocal held_back
        public = frame["public"].fillna(False).astype(bool)
        if reviewed is not None:
            confirmed = isin(frame[key], reviewed)
            held_back += int((public & ~confirmed).sum())
            public &= confirmed
        return frame if public.all() else frame[public]  # (the common case keeps all, without a copy)

    cases = keep(frames["cases"], "case_id").copy()
    cases.loc[cases["name_public"].fillna(False).astype(bool) == False, "subject_name"] = None  # noqa: E712
    actions = keep(frames["eu_actions"], "action_id")
    kept = {("cases", "case_id"): cases["case_id"], ("eu_actions", "action_id"): actions["action_id"]}
    cut = {("cases", "case_id"): len(cases) < len(frames["cases"]),
           ("eu_actions", "action_id"): len(actions) < len(frames["eu_actions"])}
    out = dict(frames)
    out.update(cases=cases, eu_actions=actions)
    for table in TABLES:  # events, links and anything else hanging off a case or an action (searches) go with it
        for f in table.fields:
            if f.foreign in kept and cut[f.foreign]:
                out[table.name] = out[table.name][isin(out[table.name][f.name], kept[f.foreign])]
    published = {}
    for name, frame in out.items():
        columns = [f.name for f in TABLES_BY_NAME[name].fields if not f.source_only]
        published[name] = frame[columns].reset_index(drop=True)
    return Published(published, held_back)


def publishable(tables: dict[str, list[Row]], reviewed: pd.Series | set[str] | None = None) -> dict[str, list[dict]]:
    """The same rules over rows (for tools that hold rows): records as dicts, by table."""
    frames = {name: pd.DataFrame([dict(r.values, line=r.line) for r in rows],
                                 columns=["line"] + [f.name for f in TABLES_BY_NAME[name].fields])
              for name, rows in tables.items()}
    published = publishable_frames(frames, reviewed).frames
    return {name: frame.astype(object).where(frame.notna(), None).to_dict("records")
            for name, frame in published.items()}


def write_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The tables taken from dashboard/taxonomy.py: labels and escalation (used by the build and the benchmark)."""
    labels = pd.DataFrame(
        [(kind, code, text, i) for kind, mapping in taxonomy.LOOKUPS.items() for i, (code, text) in enumerate(mapping.items())],
        columns=["kind", "code", "label", "sort_order"])
    _insert(con, "labels", labels)
    _insert(con, "escalation", pd.DataFrame(list(taxonomy.ESCALATION.items()), columns=["action_type", "step"]))


def write_themes(con: duckdb.DuckDBPyConnection) -> None:
    """case_themes and action_themes: one row per record and theme, split from the themes column in SQL
    (summaries.THEME_SPLITS, the split the file's views of these names show)."""
    for table, split in summaries.THEME_SPLITS.items():
        con.execute(f"INSERT INTO {table} {split}")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    columns = ", ".join(frame.columns)  # names from schema.py
    con.register("incoming", frame)
    try:
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")
    finally:
        con.unregister("incoming")


# The name of the database being written inside its connection (attached: see write_database). A cursor of that
# connection starts on its in-memory catalogue, so whatever takes one (`finish`) says `USE` with this name first.
BUILT = "built"
# Rows per row group of the written file (DuckDB's default is 122,880). A table written in one transaction is
# compressed into the file as each of its row groups fills; a table of fewer rows than one row group is instead
# copied a second time, row by row, into the table at the commit and compressed then. At 32,768 the tables of a
# large build (100,000 actions: actions, links, themes, summaries) take the first way: the commit of a build of
# benchmarks/generate_sources.py's 100,000 actions costs about a quarter less CPU, the file is 3 % larger. The
# tables hold the same rows in the same order either way.
ROW_GROUP_SIZE = 32_768

# A last step on the database being written, after every table above: the command line passes
# serving.default_views.write (the default views' results, answered by the pages' own queries), which this side
# cannot import (tests/test_packages.py).
Finish = Callable[[duckdb.DuckDBPyConnection], object]


def write_database(data: dict[str, pd.DataFrame], out: Path, info: dict, release_manifest: Path | None = None,
                   finish: Finish | None = None) -> dict:
    """Write the published frames, the derived tables and build_info to `out`, atomically. `info` holds
    built_at, source_digest, shows_unreviewed and unreviewed_held_back; the data version is added here.
    `finish(con)`, when given, adds the serving side's tables last (see Finish). Returns the build_info row as
    written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB must create the file itself
    try:
        # One thread: the inserts are bulk already, and spare threads add CPU (the build's cost) for no gain. No
        # progress bar: the commit of a large build runs for seconds and would draw one in the build's output.
        con = duckdb.connect(":memory:", config={"threads": 1})
        try:
            # Row groups of ROW_GROUP_SIZE rows (see there); the file is attached, the only way to set it.
            con.execute(f"ATTACH $path AS {BUILT} (ROW_GROUP_SIZE {ROW_GROUP_SIZE})", {"path": str(tmp)})
            con.execute(f"USE {BUILT}")
            con.execute("SET enable_progress_bar = false")
            # One transaction: the tables are written (and compressed) once, at the commit, instead of through the
            # write-ahead log and an automatic checkpoint after each large statement. DuckDB writes a commit into the
            # file itself only when it guesses the commit large (above checkpoint_threshold): it counts the rows
            # still held in memory, not those its statements have already written out, and the summaries are mostly
            # of those, so without this it logged a large build's tables (40 MB at 100,000 EU actions) and copied
            # them into the file again at the next statement.
            con.execute("SET checkpoint_threshold = '0B'")
            con.execute("BEGIN")
            con.execute(SCHEMA_SQL)
            for table in TABLES:
                frame = data[table.name]
                if table.added:  # a case event's number, in file order
                    frame = frame.assign(event_no=range(1, len(frame) + 1))
                _insert(con, table.name, frame[[f.name for f in table.database_fields]])
            write_themes(con)
            write_lookups(con)
            version = release.version_for(con, release_manifest, info["source_digest"], info["built_at"])
            row = dict(info, data_version=version.data_version, released_on=version.released_on,
                       latest_changes="\n".join(version.lines),
                       **{name: len(data[name]) for name in ("cases", "eu_actions", "case_events", "action_cases")})
            columns = [f.name for f in schema.DERIVED_TABLES[-1].database_fields]
            con.execute(f"INSERT INTO build_info ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [row[c] for c in columns])
            summaries.write(con)
            con.execute("COMMIT")
            if finish is not None:  # after the commit: it reads the tables through cursors of its own
                finish(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
        wal = tmp.with_name(tmp.name + ".wal")
        if wal.exists():
            wal.unlink()
    return row


def build(sources: Path, out: Path, today: dt.date | None = None, show_unreviewed: bool | None = None,
          finish: Finish | None = None) -> dict[str, int]:
    """Validate the sources and write the database. Raises ValidationError; then `out` is untouched. `finish`: as
    in write_database."""
    sources = Path(sources)
    checked = check_sources(sources, today=today)
    if checked.problems:
        raise ValidationError(checked.problems)
    shows_unreviewed = config.show_unreviewed() if show_unreviewed is None else show_unreviewed
    log = review_log_for(sources)
    reviewed = None if shows_unreviewed else reviewed_ids(log)
    published = publishable_frames(checked.frames(), reviewed)
    info = {
        "built_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "source_digest": source_digest(sources, log, shows_unreviewed),
        "shows_unreviewed": shows_unreviewed,
        "unreviewed_held_back": published.unreviewed_held_back,
    }
    write_database(published.frames, out, info, release.manifest_for(sources), finish=finish)
    return {name: len(frame) for name, frame in published.frames.items()}
