"""Pure formatting for everything shown on screen or in a file: no Streamlit here, so it is unit-tested.

Every number, share and date a page, brief or export shows goes through one of these, so two pages can never
format the same value two ways ("None" on one, "never" on another; 0 decimals here, 2 there).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

MISSING = "—"


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


# Characters that must never reach the screen as themselves: NUL and the other C0/C1 controls (tab and
# newline are folded into spaces below), and the bidirectional controls (RTL/LTR overrides, embeddings,
# isolates, marks) that can make a value display reversed or spoof the text around it.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
# Every ASCII punctuation character that starts or ends a construct of Markdown, GitHub's extensions or
# Streamlit's own additions; CommonMark shows a backslash-escaped punctuation character literally. Covered:
# links and images `[]()!`, emphasis and code `*_~``, headings, lists, quotes and tables `#+-.>|`, raw HTML
# and entities `<&`, `$` maths, `:red[...]` and `:material/icon:` directives and emoji shortcodes (the colon),
# `{}^` attributes, and the parser's autolinks of bare `https://...`, `www.` and e-mail addresses (`\:`, `\.`
# and `\@` break those patterns; see WORD_JOINER for the other half). Newlines are folded first,
# so no construct can start a new line. Left alone, because no construct starts with them: `%,;"'?/=`.
_MARKDOWN_PUNCTUATION = re.compile(r"""([!#$&()*+\-.:<>@\[\\\]^_`{|}~])""")
# Streamlit's front end also finds bare links in the text *after* escapes are resolved (remark-gfm's
# autolink-literal transform), so escapes alone leave `https://…`, `www.…` and `name@host` clickable. An
# invisible WORD JOINER (U+2060) inside each pattern breaks it; the visitor reads the same characters.
WORD_JOINER = "\u2060"
EXCERPT_LENGTH = 40


def plain(value) -> str:
    """A data or URL value as one line of plain text: controls and bidi overrides removed, runs of
    whitespace (newlines included) folded into one space. For plain-text elements and file names."""
    if _missing(value):
        return ""
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", str(value))).strip()


def text(value) -> str:
    """THE output function for data or URL text in a Markdown-rendering element (st.title, st.caption,
    st.warning, st.info, st.page_link and metric labels and values): the value as `plain` text with every
    Markdown construct escaped, so it renders exactly as written and inert — no link, image, HTML,
    styling directive, heading or list."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", plain(value))
    return _defuse_autolinks(escaped)


# In markup, a line break is written as a character reference: a blank line would end the raw HTML block that holds
# the markup (CommonMark), and whatever followed would be read as Markdown. The colon and the dollar too: Streamlit
# reads a Markdown element's whole source, markup included, rewriting ":material/" and loading its maths and emoji
# scripts where it finds `$...$` or `:name:`.
_MARKUP_REFERENCES = str.maketrans({"\n": "&#10;", "\r": "&#13;", ":": "&#58;", "$": "&#36;"})


def markup(value) -> str:
    """THE output function for data or URL text inside markup (the world map's SVG, which ui.raw_markup shows):
    the value with controls and bidi overrides removed (line breaks kept) and escaped by html.escape (quote=True),
    so it is text in an element or an attribute and never markup; line breaks and colons as character references."""
    if _missing(value):
        return ""
    return html.escape(_INVISIBLE.sub("", str(value)), quote=True).translate(_MARKUP_REFERENCES)


def _defuse_autolinks(escaped: str) -> str:
    escaped = re.sub(r"(?i)(https?)(?=\\:)", "\\1" + WORD_JOINER, escaped)  # https\:  →  https⁠\:
    escaped = re.sub(r"(?i)\b(www)(?=\\\.)", "\\1" + WORD_JOINER, escaped)  # www\.   →  www⁠\.
    return escaped.replace("\\@", "\\@" + WORD_JOINER)  # name\@host → name\@⁠host


def excerpt(value, limit: int = EXCERPT_LENGTH) -> str:
    """A short quotation of an untrusted value for a notice, as plain text: at most `limit` characters
    between quotes, "…" when cut. Render it with `text` (show_notices does)."""
    s = plain(value)
    return f"“{s[:limit]}…”" if len(s) > limit else f"“{s}”"


def shown(value) -> str:
    """A value for a markdown-rendering element (metric, caption): dates as ISO, text made inert."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return f"{value:,}".replace(",", " ") if isinstance(value, int) else f"{value:.1f}"
    return text(value)


def percent(share) -> str:
    """A share in 0..1 as a whole percentage ("42%"), or the missing mark. Halves go up, as metrics.share rounds
    them and as a reader of the exported share would: 0.125 is "13%" (Python's own format gave "12%"). Rounded on
    the share's decimal digits, not on its float, which may sit just below a half (0.285 is 0.28499...)."""
    if _missing(share):
        return MISSING
    return f"{Decimal(repr(float(share))).scaleb(2).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def date_or_never(value) -> str:
    """The date of a last EU action, or "never" when there was none."""
    if _missing(value):
        return "never"
    return value.date().isoformat() if isinstance(value, (pd.Timestamp, dt.datetime)) else str(value)[:10]
