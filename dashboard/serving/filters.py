"""One `Filters` value, parsed from a page's URL and from the command line alike.

URL values are the labels the widgets show (`?country=Iran&theme=Torture`), because Streamlit keeps
a bound widget's displayed option in the URL. Codes are accepted too (`?country=IRN`,
`?theme=torture`), so hand-made links and the CLI speak the same language. A value that cannot be
understood is reported as a notice (quoting at most a short excerpt of it) and left out; it never raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .. import taxonomy
from .formatting import excerpt, plain

# What the country filter offers: the 12 priority areas, plus the two halves of Israel/OPT.
PLACES: dict[str, tuple[str, ...]] = dict(taxonomy.PRIORITY_AREAS)
PLACES["Israel"] = ("ISR",)
PLACES["Palestine (OPT)"] = ("PSE",)

# URL parameter → (Filters attribute, vocabulary of label → code).
VOCABULARIES: dict[str, tuple[str, dict[str, str]]] = {
    "country": ("places", {p: p for p in PLACES}),
    "theme": ("themes", {label: code for code, label in taxonomy.THEMES.items()}),
    "actor": ("actors", {label: code for code, label in taxonomy.ACTORS.items()}),
    "type": ("types", {label: code for code, label in taxonomy.ACTION_TYPES.items()}),
    "status": ("statuses", {label: code for code, label in taxonomy.CASE_STATUSES.items()}),
    "source": ("qualities", {label: code for code, label in taxonomy.SOURCE_QUALITIES.items()}),
}
DATE_PARAMS = ("since", "until")
PARAMS = (*VOCABULARIES, *DATE_PARAMS, "q")
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Filters:
    places: tuple[str, ...] = ()    # place labels from PLACES
    themes: tuple[str, ...] = ()    # theme codes
    actors: tuple[str, ...] = ()    # actor codes
    types: tuple[str, ...] = ()     # action type codes
    statuses: tuple[str, ...] = ()  # case status codes
    qualities: tuple[str, ...] = ()  # source_quality codes of the records themselves
    discovery: tuple[str, ...] = ()  # discovered_via codes (set in code, not from the URL): see independent()
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""

    @property
    def countries(self) -> tuple[str, ...]:
        """ISO3 codes the selected places cover, in a stable order."""
        return tuple(sorted({iso for p in self.places for iso in PLACES[p]}))

    def independent(self) -> Filters:
        """The same selection restricted to cases not found through an EU text (discovered_via other than eu)."""
        return replace(self, discovery=taxonomy.INDEPENDENT_DISCOVERY)

    def to_query(self) -> dict[str, list[str]]:
        """URL parameters in the labels the widgets show; defaults are left out."""
        out: dict[str, list[str]] = {}
        for param, (attr, vocab) in VOCABULARIES.items():
            code_to_label = {code: label for label, code in vocab.items()}
            values = [code_to_label[c] for c in getattr(self, attr)]
            if values:
                out[param] = values
        for param in DATE_PARAMS:
            value = getattr(self, param)
            if value:
                out[param] = [value.isoformat()]
        if self.q:
            out["q"] = [self.q]
        return out

    def describe(self) -> str:
        """Plain-language summary for citations and export provenance."""
        parts = []
        labels = {param: {code: label for label, code in vocab.items()} for param, (_, vocab) in VOCABULARIES.items()}
        for param, (attr, _) in VOCABULARIES.items():
            values = getattr(self, attr)
            if values:
                parts.append(f"{param}: " + ", ".join(labels[param][v] for v in values))
        if self.discovery:
            parts.append("cases found via: " + ", ".join(taxonomy.DISCOVERY[d] for d in self.discovery))
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        if self.q:
            parts.append(f'text "{self.q}"')
        return "; ".join(parts) if parts else "no filters (all records)"


def _resolve(value: str, vocab: dict[str, str]) -> str | None:
    """Match a label or a code, case-insensitively; for places also ISO3 codes."""
    wanted = value.strip().casefold()
    for label, code in vocab.items():
        if wanted in (label.casefold(), code.casefold()):
            return code
    if vocab and all(label == code for label, code in vocab.items()):  # places
        for place, members in PLACES.items():
            if len(members) == 1 and wanted == members[0].casefold():
                return place
        for place, members in taxonomy.PRIORITY_AREAS.items():
            if wanted in (m.casefold() for m in members):
                return place
    return None


# The date formats the date widget reads from a URL (strptime, so "2023-1-5" too); nothing else, so a value the
# widget would drop ("20230101", "2023-W05-1") is never silently taken here either.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
# The range the date widgets offer. The upper end is far in the future on purpose: `since=2100-01-01` must
# show no rows (with a notice), not fall back to all rows because the widget refused the date.
EARLIEST = dt.date(1945, 1, 1)
LATEST = dt.date(9999, 12, 31)


def parse_date(value: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    return None


def _ignored(param: str, bad: list[str], why: str) -> str:
    """One notice for every ignored value of one parameter, however many there were."""
    if len(bad) == 1:
        return f"Ignored {param} {excerpt(bad[0])}: {why}."
    return f"Ignored {len(bad)} {param} values ({why}), for example {excerpt(bad[0])}."


def from_query(params: Mapping[str, str | list[str]], single: Iterable[str] = (),
               today: dt.date | None = None) -> tuple[Filters, list[str]]:
    """Filters from URL-style parameters, and a notice for every value that was ignored or changed.

    `single` names the parameters a page takes one value of (its country or theme); the first is kept.
    A repeated date keeps the first, a repeated search text the last (as the widgets do)."""
    notices: list[str] = []
    values: dict = {}
    single = set(single)
    today = today or dt.date.today()

    def all_of(name: str) -> list[str]:
        raw = params.get(name, [])
        items = [raw] if isinstance(raw, str) else list(raw)
        return [str(i) for i in items if i is not None and str(i).strip() != ""]

    for param, (attr, vocab) in VOCABULARIES.items():
        chosen: list[str] = []
        bad: list[str] = []
        for item in all_of(param):
            code = _resolve(item, vocab)
            if code is None:
                bad.append(item)
            elif code not in chosen:
                chosen.append(code)
        if bad:
            notices.append(_ignored(param, bad, f"not a known {param}"))
        if param in single and len(chosen) > 1:
            labels = {code: label for label, code in vocab.items()}
            notices.append(f"This page shows one {param} at a time: {excerpt(labels[chosen[0]])} is shown, "
                           f"{len(chosen) - 1} more ignored.")
            chosen = chosen[:1]
        values[attr] = tuple(chosen)
    for param in DATE_PARAMS:
        items = all_of(param)
        if not items:
            continue
        if len(items) > 1:
            notices.append(f"{param} was given {len(items)} times; only the first, {excerpt(items[0])}, is used.")
        date = parse_date(items[0])
        if date is None:
            notices.append(f"Ignored {param} {excerpt(items[0])}: dates are written YYYY-MM-DD.")
        elif not EARLIEST <= date <= LATEST:
            notices.append(f"Ignored {param} {excerpt(items[0])}: dates before {EARLIEST.isoformat()} are not offered.")
            date = None
        else:
            if date.isoformat() != items[0].strip():
                notices.append(f"{param} {excerpt(items[0])} was read as {date.isoformat()}.")
            if param == "since" and date > today:
                notices.append(f"since {date.isoformat()} is in the future, so no record can match.")
        values[param] = date
    q_items = all_of("q")
    if q_items:
        if len(q_items) > 1:
            notices.append(f"The search text was given {len(q_items)} times; only the last is used.")
        q = plain(q_items[-1])
        if q != q_items[-1].strip() and q.split() != q_items[-1].split():
            notices.append("Control characters were removed from the search text.")
        if len(q) > MAX_QUERY_LENGTH:
            notices.append(f"The search text was cut to {MAX_QUERY_LENGTH} characters.")
            q = q[:MAX_QUERY_LENGTH]
        values["q"] = q
    filters = Filters(**values)
    if filters.since and filters.until and filters.since > filters.until:
        notices.append("The start date was after the end date; the dates were swapped.")
        filters = replace(filters, since=filters.until, until=filters.since)
    return filters, notices
