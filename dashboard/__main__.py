"""Command line: `python -m dashboard
build|validate|datapackage|metrics|brief|export|package|coverage|apply-review|template|import`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from . import config
from .curation.build import build
from .curation.validate import ValidationError, load_sources
from .schema import datapackage
from .serving import db, default_views, filters


def _report(err: ValidationError) -> int:
    for problem in err.problems:
        print(problem, file=sys.stderr)
    print(f"{len(err.problems)} problem(s); nothing was written.", file=sys.stderr)
    return 1


def cmd_build(args) -> int:
    start = time.perf_counter()
    try:
        counts = build(Path(args.sources), Path(args.out), finish=default_views.write)
    except ValidationError as err:
        return _report(err)
    took = time.perf_counter() - start
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(f"Built {args.out} in {took:.2f}s: {summary}")
    return 0


def cmd_validate(args) -> int:
    try:
        tables = load_sources(Path(args.sources))
    except ValidationError as err:
        return _report(err)
    print("All source files are valid: " + ", ".join(f"{len(rows)} {name}" for name, rows in tables.items()))
    return 0


def cmd_release(args) -> int:
    from .curation.release import changelog_for, make_release

    try:
        version = make_release(Path(args.sources))
    except ValidationError as err:
        return _report(err)
    if version is None:
        print("Nothing to release: the sources publish exactly the records of the last release.")
        return 0
    print(f"Released {version.data_version}; wrote {changelog_for(Path(args.sources))}:")
    for line in version.lines:
        print(f"- {line}")
    return 0


def cmd_datapackage(args) -> int:
    text = json.dumps(datapackage(), indent=2, ensure_ascii=False) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


def add_filter_args(p: argparse.ArgumentParser) -> None:
    """The same filters the pages read from their URL."""
    p.add_argument("--country", action="append", default=[], metavar="ISO3", help="country code; repeatable")
    p.add_argument("--area", action="append", default=[], metavar="NAME", help="priority area, e.g. 'Israel/OPT'")
    p.add_argument("--theme", action="append", default=[], metavar="ID", help="death_penalty, torture or hrd")
    p.add_argument("--actor", action="append", default=[], metavar="ID")
    p.add_argument("--type", action="append", default=[], metavar="ID", help="action type")
    p.add_argument("--status", action="append", default=[], metavar="ID", help="case status")
    p.add_argument("--since", metavar="YYYY-MM-DD")
    p.add_argument("--until", metavar="YYYY-MM-DD")
    p.add_argument("--q", metavar="TEXT", help="text search")
    p.add_argument("--db", default=None, help="database file (default: DASHBOARD_DB or data/dashboard.duckdb)")


def filters_from_args(args) -> filters.Filters:
    query = {"country": args.country + args.area, "theme": args.theme, "actor": args.actor, "type": args.type,
             "status": args.status, "since": args.since or [], "until": args.until or [], "q": args.q or []}
    parsed, notices = filters.from_query(query)
    if notices:
        raise SystemExit("error: " + " ".join(notices))
    return parsed


def open_db(args):
    path = Path(args.db) if args.db else config.db_path()
    if not path.exists():
        raise SystemExit(f"error: no database at {path}; run `python -m dashboard build` first")
    return db.connect(path)


def cmd_metrics(args) -> int:
    from .serving import metrics

    con = open_db(args)
    f = filters_from_args(args)
    s, split = metrics.summary_and_split(con, f)
    result = s.as_dict()
    result["by_discovery"] = split  # all cases beside independently found ones
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


def cmd_brief(args) -> int:
    from .serving.brief import brief_data, brief_html

    con = open_db(args)
    f = filters_from_args(args)
    if len(f.places) != 1:
        raise SystemExit("error: a brief needs exactly one --country or --area")
    Path(args.out).write_text(brief_html(brief_data(con, f)), encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


def cmd_coverage(args) -> int:
    from .serving.coverage import counts_markdown, updated_document

    if args.write:
        path = config.DATA_DIR / "COVERAGE.md"
        path.write_text(updated_document(path.read_text(encoding="utf-8"), Path(args.sources)), encoding="utf-8")
        print(f"Updated {path}")
    else:
        print(counts_markdown(Path(args.sources)))
    return 0


def cmd_export(args) -> int:
    from .serving.exports import ExportTooLarge, save_export

    con = open_db(args)
    try:
        size = save_export(con, filters_from_args(args), args.table, args.format, Path(args.out))
    except ExportTooLarge as err:
        print(f"error: {err} Nothing was written.", file=sys.stderr)
        return 1
    print(f"Wrote {args.out} ({size:,} bytes)")
    return 0


def cmd_package(args) -> int:
    """The whole-dataset package of a database: the published one, or one built now from --sources."""
    import tempfile

    from .serving.package import package_bytes

    if args.sources:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "package.duckdb"
            try:
                build(Path(args.sources), path)
            except ValidationError as err:
                return _report(err)
            con = db.connect(path)
            try:
                payload = package_bytes(con)
            finally:
                con.close()
    else:
        con = open_db(args)
        payload = package_bytes(con)
    Path(args.out).write_bytes(payload)
    print(f"Wrote {args.out} ({len(payload):,} bytes)")
    return 0


def cmd_apply_review(args) -> int:
    from .curation.review import apply_verdicts

    log = None if args.no_log else Path(args.log)
    for line in apply_verdicts(Path(args.verdicts), Path(args.sources), log, args.round, args.reviewed_on):
        print(line)
    print("Now run `python -m dashboard validate` and read the changes above before committing.")
    return 0


def cmd_template(args) -> int:
    from .curation.spreadsheet import write_template

    write_template(Path(args.out), Path(args.sources))
    print(f"Wrote {args.out}: fill it in, then run `python -m dashboard import {args.out}`")
    return 0


def cmd_import(args) -> int:
    from .curation.importer import import_file
    from .curation.spreadsheet import InputFileError

    sources = Path(args.sources)
    # The published database is rebuilt from the published sources only; another sources directory needs --db.
    db = Path(args.db) if args.db else (config.db_path() if sources.resolve() == config.SOURCES_DIR.resolve() else None)
    try:
        result = import_file(Path(args.file), sources, db=None if args.no_build else db, dry_run=args.dry_run,
                             report=Path(args.report) if args.report else None, finish=default_views.write)
    except InputFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(result.summary(), file=sys.stderr if result.problems else sys.stdout)
    if args.report:
        print(f"Report: {args.report}")
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="validate the source files and write the DuckDB file")
    p.add_argument("--sources", default=str(config.SOURCES_DIR))
    p.add_argument("--out", default=str(config.db_path()))
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("validate", help="check the source files only")
    p.add_argument("--sources", default=str(config.SOURCES_DIR))
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("release", help="name a new data version and add what changed to data/CHANGELOG.md")
    p.add_argument("--sources", default=str(config.SOURCES_DIR))
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("datapackage", help="regenerate data/datapackage.json from dashboard/schema.py")
    p.add_argument("--out", default=str(config.DATAPACKAGE))
    p.set_defaults(func=cmd_datapackage)
    p = sub.add_parser("metrics", help="print the accountability measures for a filter")
    add_filter_args(p)
    p.add_argument("--json", action="store_true", help="print JSON (the same numbers the pages show)")
    p.set_defaults(func=cmd_metrics)
    p = sub.add_parser("brief", help="write the country brief as one self-contained HTML file")
    add_filter_args(p)
    p.add_argument("--out", required=True, help="the .html file to write")
    p.set_defaults(func=cmd_brief)
    p = sub.add_parser("coverage", help="count records per area, theme and instrument (data/COVERAGE.md)")
    p.add_argument("--sources", default=str(config.SOURCES_DIR))
    p.add_argument("--write", action="store_true", help="update the tables in data/COVERAGE.md")
    p.set_defaults(func=cmd_coverage)
    p = sub.add_parser("export", help="export exactly the filtered rows (the same bytes as the download buttons)")
    p.add_argument("--format", required=True, choices=["csv", "xlsx", "json", "parquet", "zip"])
    p.add_argument("--table", default="actions", choices=["actions", "cases"])
    add_filter_args(p)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("package", help="write the whole-dataset data package (the same bytes as About's button)")
    p.add_argument("--sources", default=None,
                   help="build the package from these source files (through the build's privacy rules) "
                        "instead of the published database")
    p.add_argument("--db", default=None, help="database file (default: DASHBOARD_DB or data/dashboard.duckdb)")
    p.add_argument("--out", required=True, help="the .zip file to write")
    p.set_defaults(func=cmd_package)
    p = sub.add_parser("apply-review", help="apply a reviewer's verdicts file (fix/drop) to the source files")
    p.add_argument("verdicts", help="CSV with id, verdict, problem, correction")
    p.add_argument("--sources", default=str(config.SOURCES_DIR))
    p.add_argument("--round", required=True, help="the review round, written to the review log")
    p.add_argument("--reviewed-on", default=dt.date.today().isoformat(), help="the review date (default: today)")
    p.add_argument("--log", default=str(config.DATA_DIR / "review_log.csv"), help="the review log to append to")
    p.add_argument("--no-log", action="store_true", help="apply the fixes without logging the verdicts")
    p.set_defaults(func=cmd_apply_review)
    p = sub.add_parser("template", help="write the spreadsheet staff fill in to add or correct records")
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.add_argument("--sources", default=str(config.SOURCES_DIR), help="where the country list is read from")
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("import", help="check a filled-in spreadsheet (.xlsx or .csv), merge it and rebuild")
    p.add_argument("file", help="the .xlsx workbook or .csv file")
    p.add_argument("--sources", default=str(config.SOURCES_DIR))
    p.add_argument("--dry-run", action="store_true", help="check and write the report; change nothing")
    p.add_argument("--report", metavar="FILE.html", help="write a report of every row (HTML)")
    p.add_argument("--db", default=None, help="database to rebuild (default: DASHBOARD_DB or data/dashboard.duckdb "
                                              "when importing into data/sources)")
    p.add_argument("--no-build", action="store_true", help="merge into the sources without rebuilding the database")
    p.set_defaults(func=cmd_import)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
