"""The pure formatting module: the one escaping function and the number and date formats, without Streamlit.

Markdown is rendered here with markdown-it-py (CommonMark plus GitHub's tables and strikethrough),
the same family of rules Streamlit's front end follows, so "inert" is checked by a real renderer."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from dashboard.serving import formatting
from dashboard.serving.formatting import date_or_never, excerpt, percent, plain, shown, text

HOSTILE = [
    "![x](http://evil.example/x.png)",
    "[Official notice: click here](http://evil.example/phish)",
    "see https://evil.example/a and www.evil.example and mail@evil.example",
    "<a href='http://evil.example'>x</a><img src=http://evil.example/i.png>",
    "[js](javascript:alert(1))",
    ":red[**alarm**] :material/warning: :smile:",
    "# heading\n- item\n> quote\n1. one\n| a | b |\n|---|---|",
    "`code` *em* _em_ ~~gone~~ $x^2$ &lt;b&gt; &#106;avascript:",
    "<http://evil.example/autolink>",
    "trailing backslash \\",
    "http://127.0.0.1:8501/case?id=X",
]
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def rendered(markdown: str) -> str:
    return MD.render(markdown)


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_text_renders_as_exactly_the_text_and_nothing_else(value):
    html = rendered(text(value))
    for tag in ("<a", "<img", "<h1", "<ul", "<ol", "<li", "<blockquote", "<table", "<code", "<em", "<strong", "<s>"):
        assert tag not in html, (value, html)
    # The visitor reads the value itself (whitespace folded), not the escapes.
    shown_text = re.sub(r"<[^>]+>", "", html).strip()
    import html as html_lib

    assert html_lib.unescape(shown_text).replace(formatting.WORD_JOINER, "") == plain(value)


def test_streamlit_directives_and_autolinks_are_broken_by_escapes():
    escaped = text(":red[x] https://evil.example www.evil.example a@evil.example $1$")
    assert ":red[" not in escaped and "https://" not in escaped and "www." not in escaped
    assert "a@evil" not in escaped and "$1$" not in escaped
    # Streamlit's front end looks for bare links again once escapes are resolved: the visible text must not
    # hold a link pattern either (https://, www., name@host), which the invisible word joiner breaks.
    visible = re.sub(r"\\(.)", r"\1", escaped)
    assert not re.search(r"https?://|\bwww\.|\w@\w", visible), visible


def test_url_in_a_title_shows_its_true_address_and_is_not_a_link():
    html = rendered(text("See http://127.0.0.1:8501/x for details"))
    assert "<a" not in html and "127.0.0.1:8501/x" in html and "%5C" not in html


@pytest.mark.parametrize("bad", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\x00", "\x1b",
                                 "\x7f", "\u061c"])
def test_controls_and_direction_overrides_are_removed(bad):
    assert bad not in text(f"abc{bad}def") and text(f"abc{bad}def") == "abcdef"
    assert bad not in plain(f"abc{bad}def") and bad not in excerpt(f"abc{bad}def")


def test_newlines_cannot_start_a_new_block():
    assert "\n" not in text("a\n\n# b\r\n- c") and text("a\n\n# b") == r"a \# b"


def test_missing_values_are_empty_or_the_missing_mark():
    assert text(None) == "" and text(float("nan")) == "" and text(pd.NA) == ""
    assert shown(None) == "—" and shown(float("nan")) == "—" and percent(None) == "—"
    assert date_or_never(None) == "never" and date_or_never(pd.NaT) == "never"


def test_excerpt_quotes_at_most_the_limit():
    long = "x" * 100_000
    assert excerpt(long) == "“" + "x" * formatting.EXCERPT_LENGTH + "…”"
    assert excerpt("short") == "“short”"
    assert len(text(excerpt("[a](b)" * 10_000))) < 200


def test_numbers_dates_and_shares():
    assert shown(1234567) == "1\u202f234\u202f567" and shown(3.0) == "3" and shown(2.25) == "2.2"
    assert shown(dt.date(2024, 2, 29)) == "2024-02-29" and shown(pd.Timestamp("2024-02-29 13:00")) == "2024-02-29"
    assert percent(0.424) == "42%" and percent(1) == "100%" and percent(0) == "0%"
    # halves up, as metrics.share rounds and a reader of the exported 0.125 would; 0.285 is a float below a half
    assert percent(0.125) == "13%" and percent(0.285) == "29%" and percent(0.0313) == "3%" and percent(0.995) == "100%"
    assert date_or_never(pd.Timestamp("2023-05-06")) == "2023-05-06" and date_or_never("2023-05-06T00:00") == "2023-05-06"


def test_shown_text_is_escaped_like_text():
    assert shown("[x](http://evil.example)") == text("[x](http://evil.example)")


def test_only_the_ui_layer_imports_streamlit():
    """Formatting, queries, metrics, exports and the package are plain Python (and unit-testable); only the widget
    layer (ui.py) and the URL/filter state (url_state.py) may import Streamlit."""
    import ast
    from pathlib import Path

    package = Path(formatting.__file__).parent.parent  # dashboard/, with both sub-packages
    allowed = {"serving/ui.py", "serving/url_state.py"}
    offenders = []
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        if any(name.split(".")[0] == "streamlit" for name in names) and path.relative_to(package).as_posix() not in allowed:
            offenders.append(path.relative_to(package).as_posix())
    assert offenders == []
