"""The folders show the two lives of the code: the curation pipeline and the read-only serving side share only the
vocabulary (dashboard/__init__.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dashboard"
SHARED = {"taxonomy", "schema", "config"}


def imported_dashboard_modules(text: str, folder: tuple[str, ...]) -> set[str]:
    """Every dashboard module a file in `folder` (() for dashboard/, ("serving",) for dashboard/serving/) imports,
    as a dotted name under dashboard ("serving.db", "taxonomy"); imports inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = list(folder[: len(folder) - (node.level - 1)])
            elif module.split(".")[0] == "dashboard":
                base, module = [], module.partition(".")[2]
            else:
                continue
            base += module.split(".") if module else []
            for alias in node.names:
                name = [*base, alias.name]
                is_module = (PACKAGE.joinpath(*name).with_suffix(".py").exists() or PACKAGE.joinpath(*name).is_dir())
                found.add(".".join(name if is_module else base))
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".", 1)[1] for a in node.names if a.name.startswith("dashboard.")}
    return found


def imports_of(path: Path) -> set[str]:
    return imported_dashboard_modules(path.read_text(encoding="utf-8"), path.relative_to(PACKAGE).parts[:-1])


def side(module: str) -> str:
    first = module.split(".")[0]
    return first if first in ("curation", "serving") else "shared"


def modules_of(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).glob("*.py")) if folder else sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", modules_of("serving"), ids=lambda p: p.name)
def test_serving_never_imports_curation(path):
    assert [m for m in imports_of(path) if side(m) == "curation"] == []


@pytest.mark.parametrize("path", modules_of("curation"), ids=lambda p: p.name)
def test_curation_never_imports_serving(path):
    assert [m for m in imports_of(path) if side(m) == "serving"] == []


@pytest.mark.parametrize("path", [p for p in modules_of("") if p.stem in SHARED], ids=lambda p: p.name)
def test_the_vocabulary_imports_neither_side(path):
    assert [m for m in imports_of(path) if side(m) != "shared"] == []


def test_only_the_vocabulary_and_the_command_line_sit_at_the_top():
    assert {p.stem for p in modules_of("")} == SHARED | {"__init__", "__main__"}


def test_the_import_reader_sees_every_form_of_import():
    # The checks above are only as good as this reader: it must see every form an import can take.
    assert {"serving.db", "taxonomy"} <= imports_of(PACKAGE / "serving" / "queries.py")
    text = ("from ..curation import build\nfrom ..curation.validate import load_sources\n"
            "import dashboard.curation.review\ndef f():\n    from dashboard.curation import hosts\n"
            "from .. import taxonomy\nfrom . import db\n")
    assert imported_dashboard_modules(text, ("serving",)) == {
        "curation.build", "curation.validate", "curation.review", "curation.hosts", "taxonomy", "serving.db"}
