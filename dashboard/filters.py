"""One `Filters` value, parsed from a page's URL and from the command line alike.

URL values are the labels the widgets show (`?country=Iran&theme=Torture`), because Streamlit keeps
a bound widget's displayed option in the URL. Codes are accepted too (`?country=IRN`,
`?theme=torture`), so hand-made links and the CLI speak the same language. A value that cannot be
understood is reported as a notice and left out; it never raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from . import taxonomy

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

    def independent(self) -> "Filters":
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


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def from_query(params: Mapping[str, str | list[str]]) -> tuple[Filters, list[str]]:
    """Filters from URL-style parameters, and a notice for every value that was not understood."""
    notices: list[str] = []
    values: dict = {}

    def all_of(name: str) -> list[str]:
        raw = params.get(name, [])
        items = [raw] if isinstance(raw, str) else list(raw)
        return [i for i in items if i is not None and str(i).strip() != ""]

    for param, (attr, vocab) in VOCABULARIES.items():
        chosen: list[str] = []
        for item in all_of(param):
            code = _resolve(str(item), vocab)
            if code is None:
                notices.append(f"Ignored {param}={item!r}: not a known {param}.")
            elif code not in chosen:
                chosen.append(code)
        values[attr] = tuple(chosen)
    for param in DATE_PARAMS:
        items = all_of(param)
        if items:
            date = parse_date(str(items[0]))
            if date is None:
                notices.append(f"Ignored {param}={items[0]!r}: dates are written YYYY-MM-DD.")
            values[param] = date
    q_items = all_of("q")
    if q_items:
        q = str(q_items[0]).strip()
        if len(q) > MAX_QUERY_LENGTH:
            notices.append(f"The search text was cut to {MAX_QUERY_LENGTH} characters.")
            q = q[:MAX_QUERY_LENGTH]
        values["q"] = q
    filters = Filters(**values)
    if filters.since and filters.until and filters.since > filters.until:
        notices.append("The start date was after the end date; the dates were swapped.")
        filters = replace(filters, since=filters.until, until=filters.since)
    return filters, notices

