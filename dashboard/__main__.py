"""Command line: `python -m dashboard build|validate|datapackage`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import config
from .build import build
from .schema import datapackage
from .validate import ValidationError, load_sources


def _report(err: ValidationError) -> int:
    for problem in err.problems:
        print(problem, file=sys.stderr)
    print(f"{len(err.problems)} problem(s); nothing was written.", file=sys.stderr)
    return 1


def cmd_build(args) -> int:
    start = time.perf_counter()
    try:
        counts = build(Path(args.sources), Path(args.out))
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


def cmd_datapackage(args) -> int:
    text = json.dumps(datapackage(), indent=2, ensure_ascii=False) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


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
    p = sub.add_parser("datapackage", help="regenerate data/datapackage.json from dashboard/schema.py")
    p.add_argument("--out", default=str(config.DATAPACKAGE))
    p.set_defaults(func=cmd_datapackage)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
