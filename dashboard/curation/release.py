"""Releases of the data: every build carries a version, and every release says what it added, changed and removed.

A release is made with `python -m dashboard release`. It builds the sources as the public site shows them by
default (reviewed records only), takes a short digest of every published record, and compares them with the
manifest of the last release (`data/release_manifest.json`, committed beside the sources, so this works from a
clean clone). If anything changed, it names the new version after the day (`2026.12.05`; `2026.12.05.2` for a
second release that day), rewrites the manifest and adds an entry at the top of `data/CHANGELOG.md`.

Every build makes the same comparison: when it publishes exactly the released records it carries the release's
version and changes; otherwise `<last release>+draft.<source digest>` and the changes since that release. Both
are stored in build_info, which About, every export and every citation read. Only published records are
compared, so nothing private reaches the manifest or the changelog; a record that stops being published is
"removed".
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .. import config
from ..schema import TABLES, Table

TITLES = {
    "eu_actions": "EU actions", "cases": "Cases", "case_events": "Case events",
    "action_cases": "Links between EU actions and cases", "commitments": "Commitments",
    "death_penalty_figures": "Death-penalty figures", "countries": "Countries", "themes": "Themes",
    "response_searches": "Searches for EU responses", "original_searches": "Searches for original pages",
}


def _title(table: Table) -> str:
    """How the changelog names a table (a table added to schema.py later gets a readable name without an edit)."""
    return TITLES.get(table.name, table.name.replace("_", " ").capitalize())
MAX_IDS_LISTED = 50
CHANGELOG_HEADER = """# Changes to the data

Every release of the data, newest first: the records each one added, changed or removed since the release
before it. The version shown on the About page, in every export and in every citation names one of these
releases (a version ending in `+draft…` is a build of sources not yet released). Written by
`python -m dashboard release`; do not edit by hand.
"""


@dataclass(frozen=True)
class Version:
    data_version: str
    released_on: dt.date | None
    lines: list[str]


def manifest_for(sources: Path) -> Path:
    return Path(sources).resolve().parent / config.RELEASE_MANIFEST_NAME


def changelog_for(sources: Path) -> Path:
    return Path(sources).resolve().parent / config.CHANGELOG_NAME


def _key_sql(table: Table) -> str:
    if table.name == "case_events":  # an event has no id: its case, date, type and (a digest of) its words
        return "case_id || '#' || CAST(date AS VARCHAR) || '/' || event_type || '/' || left(md5(description), 8)"
    separator = " || '>' || " if table.name == "action_cases" else " || '|' || "  # A>C as in the review log
    return separator.join(f"CAST({c} AS VARCHAR)" for c in table.primary_key)


def _digest_sql(table: Table) -> str:
    # Empty values are left out, so adding a column that is still blank changes no record.
    parts = [f"CASE WHEN {f.name} IS NULL THEN NULL ELSE '{f.name}=' || CAST({f.name} AS VARCHAR) END"
             for f in table.database_fields if f not in table.added]
    return f"left(md5(concat_ws(chr(31), {', '.join(parts)})), 16)"


def record_digests(con) -> dict[str, dict[str, str]]:
    """Every published record's key and a digest of its values, table by table."""
    out = {}
    for table in TABLES:
        rows = con.execute(f"SELECT {_key_sql(table)} AS k, {_digest_sql(table)} FROM {table.name} ORDER BY k").fetchall()
        out[table.name] = dict(rows)
    return out


def load_manifest(path: Path | None) -> dict | None:
    if path is None or not Path(path).exists():
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:MAX_IDS_LISTED])
    return shown + (f", and {len(ids) - MAX_IDS_LISTED:,} more" if len(ids) > MAX_IDS_LISTED else "")


# Tables whose records are named in the changelog by the record they belong to (an event by its case, a search
# by the case or action searched for), since their own keys are long: the key's separator, and the linking word.
NAMED_BY_OWNER = {"case_events": ("#", "in"), "response_searches": ("|", "for"), "original_searches": ("|", "for")}


def change_lines(old: dict[str, dict[str, str]] | None, new: dict[str, dict[str, str]]) -> list[str]:
    """One plain-text line per table that changed: how many records were added, changed, removed, and which."""
    lines = []
    for table in TABLES:
        after = new.get(table.name, {})
        if old is None:
            lines.append(f"{_title(table)}: {len(after):,} in the first release")
            continue
        before = old.get(table.name, {})
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
        parts = []
        for word, keys in (("added", added), ("changed", changed), ("removed", removed)):
            if not keys:
                continue
            if table.name in NAMED_BY_OWNER:  # name the cases or actions, not the long keys
                separator, linking = NAMED_BY_OWNER[table.name]
                owners = sorted({k.split(separator, 1)[0] for k in keys})
                parts.append(f"{len(keys):,} {word} ({linking} {_listed(owners)})")
            else:
                parts.append(f"{len(keys):,} {word} ({_listed(keys)})")
        if parts:
            lines.append(f"{_title(table)}: " + "; ".join(parts))
    return lines


def version_for(con, manifest_path: Path | None, source_digest: str, built_at: dt.datetime) -> Version:
    """The data version of the database `con` is being built into, and its latest changes."""
    manifest = load_manifest(manifest_path)
    if manifest is None:
        return Version(f"draft.{source_digest[:8]}", None,
                       ["These sources have not been released yet: this is a draft build."])
    current = record_digests(con)
    if current == manifest["records"]:
        return Version(manifest["version"], dt.date.fromisoformat(manifest["released_on"]), list(manifest["changes"]))
    lines = change_lines(manifest["records"], current)
    return Version(f"{manifest['version']}+draft.{source_digest[:8]}", None,
                   [f"Not yet released: changes since release {manifest['version']}."] + lines)


def next_version(previous: str | None, today: dt.date) -> str:
    day = f"{today:%Y.%m.%d}"
    if previous is None or not previous.startswith(day):
        return day
    rest = previous[len(day):]
    return f"{day}.{int(rest[1:]) + 1 if rest else 2}"


def section(version: str, released_on: dt.date, lines: list[str]) -> str:
    items = "\n".join(f"- {line}" for line in lines)
    return f"## {version} ({released_on.day} {released_on:%B %Y})\n\n{items}\n"


def make_release(sources: Path, today: dt.date | None = None) -> Version | None:
    """Release the sources if what they publish differs from the last release: write the manifest and add the
    changelog entry. Returns the new version, or None when nothing changed. Raises ValidationError like build."""
    from . import build

    today = today or dt.date.today()
    manifest_path, changelog_path = manifest_for(sources), changelog_for(sources)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "release.duckdb"
        build.build(sources, path, today=today, show_unreviewed=False)
        con = duckdb.connect(str(path), read_only=True)
        try:
            current = record_digests(con.cursor())
        finally:
            con.close()
    old = load_manifest(manifest_path)
    if old is not None and old["records"] == current:
        return None
    version = next_version(old["version"] if old else None, today)
    lines = change_lines(old["records"] if old else None, current)
    manifest = {"version": version, "released_on": today.isoformat(),
                "previous": old["version"] if old else None, "changes": lines, "records": current}
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    text = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else CHANGELOG_HEADER
    head, sep, rest = text.partition("\n## ")
    entry = section(version, today, lines)
    changelog_path.write_text(head.rstrip("\n") + "\n\n" + entry + (("\n## " + rest) if sep else ""), encoding="utf-8")
    return Version(version, today, lines)


@dataclass(frozen=True)
class LatestChanges:
    data_version: str
    released_on: dt.date | None
    lines: list[str]


def latest_changes(con) -> LatestChanges:
    """The release the database holds and what it changed, for the About page (plain text: escape when shown)."""
    row = con.cursor().execute("SELECT data_version, released_on, latest_changes FROM build_info LIMIT 1").fetchone()
    if row is None:
        return LatestChanges("", None, [])
    version, released_on, text = row
    return LatestChanges(version, released_on, [line for line in (text or "").split("\n") if line])
