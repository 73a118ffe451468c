"""Figures built from query results: Plotly figures, and the world map as SVG markup. No Streamlit here; pages
only display what these return.

Any text taken from the data is HTML-escaped before it reaches Plotly, because Plotly renders a
subset of HTML tags in hover labels and annotations. The map's text goes through formatting.markup, the one
escaping function for data placed in markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import taxonomy
from . import urls
from .formatting import markup

# Okabe-Ito: distinguishable with the common forms of colour blindness.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
# Light colours carry a dark pattern, dark ones a white one, so the pattern stays visible on every swatch.
LIGHT_COLOURS = {"#E69F00", "#56B4E9", "#F0E442"}
PATTERNS = ["", "/", ".", "x", "-", "|", "+", "\\"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "triangle-down", "star", "hexagon", "pentagon",
           "cross", "x", "triangle-left", "triangle-right"]
# EU actors share timelines with case events: their symbols are a family of their own, so an actor's marker
# can never be mistaken for an event type's even where the colour is the same.
ACTOR_SYMBOLS = ["hexagram", "star-square", "diamond-wide", "octagon", "hourglass", "bowtie", "star-diamond",
                 "square-x"]
# Counts and rates: one blue hue from light to dark, so grey (no figure) can never be read as a value.
SCALE: list[tuple[float, str]] = [(0.0, "#dbe9f6"), (0.5, "#4a90c9"), (1.0, "#08306b")]
NO_DATA = "#9ca3af"
FONT: dict[str, Any] = dict(family="sans-serif", size=13, color="#1f2937")


@dataclass(frozen=True)
class Swatch:
    """How one category is drawn everywhere: colour and bar pattern (stacked bars), colour and symbol (points)."""
    colour: str
    pattern: str
    symbol: str

    @property
    def pattern_colour(self) -> str:
        return "#1f2937" if self.colour in LIGHT_COLOURS else "#ffffff"


def _swatches(labels, symbols: list[str] = SYMBOLS) -> dict[str, Swatch]:
    """One swatch per label, in taxonomy order. Colours repeat every 8 labels; the pattern then shifts by 3,
    and the symbol shifts by one each time colour and symbol would both come round again, so no two labels of
    one vocabulary (up to 64) share colour and pattern, or colour and symbol. tests/test_charts.py checks it."""
    return {label: Swatch(OKABE_ITO[i % len(OKABE_ITO)], PATTERNS[(i + 3 * (i // len(OKABE_ITO))) % len(PATTERNS)],
                          symbols[(i + i // (len(symbols) * 2)) % len(symbols)])
            for i, label in enumerate(labels)}


# The one palette: every chart on every page draws a category with this swatch, whatever else is on screen.
PALETTE: dict[str, dict[str, Swatch]] = {
    "actor": _swatches(taxonomy.ACTORS.values(), ACTOR_SYMBOLS),
    "action_type": _swatches(taxonomy.ACTION_TYPES.values()),
    "event_type": _swatches(taxonomy.EVENT_TYPES.values()),
    "theme": _swatches(taxonomy.THEMES.values()),
}
UNKNOWN = Swatch("#6b7280", "", "circle-open")


def swatch(kind: str, label: str) -> Swatch:
    return PALETTE.get(kind, {}).get(label, UNKNOWN)


def safe(text) -> str:
    """Text from the data, made inert for Plotly's HTML-subset renderer."""
    return html.escape("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text), quote=True)


LEGEND_ROW_PX, LEGEND_PADDING_PX = 20, 12  # a legend entry at the charts' font size, and the legend's own margins


def _base_layout(height: int | None) -> dict[str, Any]:
    """Every figure's layout settings, as a dict a figure can take whole (one validation pass) or override."""
    return dict(height=height, margin=dict(l=10, r=10, t=30, b=10), font=dict(FONT),
                legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), paper_bgcolor="white",
                plot_bgcolor="white")


def _in_plotly_order(value):
    """A figure's dicts with their keys in the order Plotly's validation writes them (alphabetical)."""
    if isinstance(value, dict):
        return {key: _in_plotly_order(value[key]) for key in sorted(value)}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_in_plotly_order(item) for item in value]
    return value


def _unvalidated(traces: list[dict], layout: dict) -> go.Figure:
    """A figure of traces and layout built from the vocabularies and the queries' columns, without Plotly's
    per-property validation (most of a figure's cost). Its keys are put in validation's order, so the JSON sent is
    byte for byte what a validated figure sends (tests/test_charts.py checks it)."""
    return go.Figure(data=[_in_plotly_order(t) for t in traces], layout=_in_plotly_order(layout), _validate=False)


def _layout(fig: go.Figure, height: int | None) -> go.Figure:
    fig.update_layout(**_base_layout(height))
    return fig


def _value_text(value, year, note, missing: str) -> str:
    if value is None or pd.isna(value):
        if not (isinstance(note, str) and note):
            return missing
        # a source's note may itself begin "no figure: …" (China); it is not said twice
        return note if note.lower().startswith("no figure") else f"no figure — {note}"
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if year is not None and not pd.isna(year):
        shown += f" ({int(year)})"
    if isinstance(note, str) and note:
        shown += f" — {note}"
    return shown


def map_hover(values: pd.DataFrame, measure_label: str, missing: str = "no data") -> list[str]:
    """The hover text of each country, one line each for the place, the value and the click: its priority area
    as one unit, the value with its year, or why there is none. Plain text: world_map escapes it."""
    members = {area: len(isos) for area, isos in taxonomy.PRIORITY_AREAS.items()}
    years = values["year"] if "year" in values else [None] * len(values)
    notes = values["note"] if "note" in values else [None] * len(values)
    out = []
    for name, area, value, year, note in zip(values["name"], values["priority_area"], values["value"], years, notes,
                                             strict=True):
        area = area if isinstance(area, str) else ""
        head = str(name)
        if area and members.get(area, 1) > 1:
            head = f"{area} — one priority area ({name} is part of it)"
        elif area:
            head = f"{name} — priority area"
        out.append(f"{head}\n{measure_label}: {_value_text(value, year, note, missing)}"
                   + ("\nClick to open its page" if area else ""))
    return out


# The world map is SVG drawn here, on the server, and shown in Markdown elements (ui.clickable_map): a Markdown
# element is drawn as soon as the page's messages arrive, where a chart waits for its chart library's scripts (Vega:
# about a second on a first visit, benchmarks/browser.py). Markup in Markdown waits too, for Streamlit's HTML parser
# (loaded on first use, behind the page's other scripts), so the same SVG is shown first as pictures (images need
# no parser), which the markup replaces. The country shapes come from the local topojson (static/topojson/),
# projected once per process; each map only sets their colours, outlines, hover texts and links.
TOPOJSON_FILE = Path(__file__).resolve().parents[2] / "static" / "topojson" / "world_110m.json"
PRIORITY = "#D55E00"
LAND = "#f3f4f6"  # land without a row: a country the data does not cover
LAND_BORDER = "#d1d5db"
PRIORITY_MEANING = "Priority area (orange outline)"
NO_FIGURE_MEANING = "Grey: no figure (hover for why)"
MAP_WIDTH = 960  # the map's own units (viewBox); it is drawn as wide as its column
MAP_PAD = 4
LEGEND_WIDTH = 300  # legends keep their pixel size (as wide as a phone), so their text stays readable
GRADIENT = 200
MAP_DETAIL = 0.25  # degrees: detail finer than this (under a unit of the map, under a pixel) is left out
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
# Static: a priority country's link shows the pointer and the keyboard's focus; the pictures shown until the
# markup was drawn (MapFigure) are hidden once it is.
MAP_STYLE = ("<style>.world-map a.map-priority{cursor:pointer}"
             ".world-map a.map-priority:hover path,.world-map a.map-priority:focus path{stroke-width:3}"
             ".world-map a.map-priority:focus{outline:none}.world-map a.map-priority:focus path{stroke:#1f2937}"
             '[class*="_map_frame"]:has(.world-map) [data-testid="stElementContainer"]:has(img[src^="data:image/svg"])'
             "{display:none}</style>")


def _natural_earth1(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d3-geo's geoNaturalEarth1 raw projection (Vega's "naturalEarth1"), of degrees; y grows northwards."""
    lam, phi = np.radians(lon), np.radians(lat)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4)))
    y = phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)))
    return x, y


def _simplified(lon: np.ndarray, lat: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """An arc with the points that lie within `tolerance` degrees of the line through their neighbours left out
    (Douglas-Peucker; the ends stay, so two countries sharing a border still meet)."""
    keep = np.zeros(len(lon), dtype=bool)
    keep[0] = keep[-1] = True
    spans = [(0, len(lon) - 1)]
    while spans:
        a, b = spans.pop()
        if b - a < 2:
            continue
        dx, dy = lon[b] - lon[a], lat[b] - lat[a]
        px, py = lon[a + 1:b] - lon[a], lat[a + 1:b] - lat[a]
        length = float(np.hypot(dx, dy))
        distance = np.abs(dx * py - dy * px) / length if length else np.hypot(px, py)
        far = int(distance.argmax())
        if distance[far] > tolerance:
            spans += [(a, a + 1 + far), (a + 1 + far, b)]
            keep[a + 1 + far] = True
    return lon[keep], lat[keep]


def _clip(lon: np.ndarray, lat: np.ndarray, edge: float, keep_below: bool) -> tuple[np.ndarray, np.ndarray]:
    """A ring cut to one side of the meridian `edge` (Sutherland-Hodgman against one line)."""
    out_lon: list[float] = []
    out_lat: list[float] = []
    inside = lon <= edge if keep_below else lon >= edge
    for i in range(len(lon)):
        j = i - 1
        if inside[i] != inside[j]:  # the edge from j to i crosses the meridian
            t = (edge - lon[j]) / (lon[i] - lon[j])
            out_lon.append(edge)
            out_lat.append(float(lat[j] + t * (lat[i] - lat[j])))
        if inside[i]:
            out_lon.append(float(lon[i]))
            out_lat.append(float(lat[i]))
    return np.asarray(out_lon), np.asarray(out_lat)


def _split_at_antimeridian(lon: np.ndarray, lat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """A ring that crosses 180° (Russia's east, Fiji) as its two parts, each inside -180..180, as d3-geo clips it:
    drawn whole, the ring would cross the whole map."""
    if not (np.abs(np.diff(lon)) > 180).any():
        return [(lon, lat)]
    lon = np.unwrap(lon, period=360)
    shift = 360.0 if lon.max() > 180 else -360.0
    edge = 180.0 if shift > 0 else -180.0
    parts = [_clip(lon, lat, edge, keep_below=shift > 0), _clip(lon - shift, lat, -edge, keep_below=shift < 0)]
    return [(x, y) for x, y in parts if len(x) >= 3]


@dataclass(frozen=True)
class MapShapes:
    """The world's countries as SVG path data in the map's units: `paths` by ISO3 code, `unnamed` the shapes
    without a code (drawn as land), `width` x `height` the viewBox."""
    paths: dict[str, str]
    unnamed: list[str]
    width: int
    height: int


@functools.cache
def map_shapes() -> MapShapes:
    """Decode the topojson's countries (delta-encoded, quantized arcs), project them with Natural Earth 1 and fit
    the world without Antarctica into MAP_WIDTH, as Vega fitted it: once per process."""
    topo = json.loads(TOPOJSON_FILE.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        steps = np.cumsum(np.asarray(arc, dtype="float64"), axis=0)
        arcs.append(_simplified(steps[:, 0] * sx + tx, steps[:, 1] * sy + ty, MAP_DETAIL))

    def ring(indices: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        lons, lats = [], []
        for n, i in enumerate(indices):
            lon, lat = arcs[i] if i >= 0 else (arcs[~i][0][::-1], arcs[~i][1][::-1])
            start = 0 if n == 0 else 1  # an arc begins where the previous one ended
            lons.append(lon[start:])
            lats.append(lat[start:])
        return [_natural_earth1(lon, lat) for lon, lat in _split_at_antimeridian(np.concatenate(lons),
                                                                               np.concatenate(lats))]

    shapes: list[tuple[str | None, list[tuple[np.ndarray, np.ndarray]]]] = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        polygons = ([geometry["arcs"]] if geometry["type"] == "Polygon" else
                    geometry["arcs"] if geometry["type"] == "MultiPolygon" else [])
        shapes.append((geometry.get("id"), [piece for polygon in polygons for r in polygon for piece in ring(r)]))
    shown = [rings for code, rings in shapes if code != "ATA"]
    left = min(float(x.min()) for rings in shown for x, _ in rings)
    right = max(float(x.max()) for rings in shown for x, _ in rings)
    bottom = min(float(y.min()) for rings in shown for _, y in rings)
    top = max(float(y.max()) for rings in shown for _, y in rings)
    k = (MAP_WIDTH - 2 * MAP_PAD) / (right - left)
    height = round(k * (top - bottom) + 2 * MAP_PAD)

    def path(rings: list[tuple[np.ndarray, np.ndarray]]) -> str:
        parts = []
        for x, y in rings:
            # in whole units, each point after the first relative to the one before (shorter to send)
            units = np.rint(np.column_stack(((x - left) * k + MAP_PAD, (top - y) * k + MAP_PAD))).astype(int)
            steps = np.diff(units, axis=0)
            steps = steps[(steps != 0).any(axis=1)]  # points that rounding made one
            if len(steps) < 2:
                continue
            parts.append(f"M{units[0, 0]},{units[0, 1]}l" + " ".join(f"{dx},{dy}" for dx, dy in steps.tolist()) + "z")
        return "".join(parts)

    paths: dict[str, str] = {}
    unnamed: list[str] = []
    for code, rings in shapes:
        if code == "ATA":
            continue
        if code:
            paths[code] = path(rings)
        else:
            unnamed.append(path(rings))
    return MapShapes(paths, unnamed, MAP_WIDTH, height)


@functools.cache
def _land(omit: frozenset[str]) -> str:
    """The land under the map's countries: every shape but those the map draws itself (static, so kept)."""
    shapes = map_shapes()
    ds = [d for code, d in shapes.paths.items() if code not in omit] + shapes.unnamed
    return (f'<g fill="{LAND}" stroke="{LAND_BORDER}" stroke-width="0.5" vector-effect="non-scaling-stroke">'
            + "".join(f'<path d="{d}" vector-effect="non-scaling-stroke"/>' for d in ds) + "</g>")


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def scale_colour(value: float, top: float) -> str:
    """The colour of `value` on SCALE over 0..top (linear between its stops, in RGB); `top` 0: the first colour."""
    share = 0.0 if top <= 0 else min(max(value / top, 0.0), 1.0)
    for (low, a), (high, b) in zip(SCALE, SCALE[1:], strict=False):
        if share <= high:
            t = 0.0 if high == low else (share - low) / (high - low)
            mixed = [round(ca + (cb - ca) * t) for ca, cb in zip(_hex(a), _hex(b), strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*mixed)
    return SCALE[-1][1]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@dataclass(frozen=True)
class MapFigure:
    """The world map twice over. `markup`: one block of HTML (a <div> of SVGs) whose priority countries are links
    with hover text, shown by ui.raw_markup. `pictures`: the same SVGs as images (data: URLs), shown at once while
    the browser still loads the scripts that turn markup into the page (Streamlit loads its HTML parser on first
    use, behind the page's other scripts); the markup's style hides them once it is drawn. `alt` describes both."""
    markup: str
    pictures: list[str]
    alt: str


def world_map(values: pd.DataFrame, measure_label: str, alt: str, zmax: float | None = None,
              missing: str = "no data", site: urls.Urls | None = None) -> MapFigure:
    """Choropleth of `value` per ISO3 country, as SVG markup for ui.clickable_map; priority areas outlined in
    orange so they stand out without colour, each a link to its priority area's Countries page (same tab). Every
    page that draws a map draws this one.

    A country without a value (NULL: no figure stated, or no data for the selection) is drawn grey with a legend
    entry of its own, never as 0 on the colour scale; its hover (an SVG <title>) says why (the source's note).
    Every text from the data passes through formatting.markup, the map's one escaping function."""
    shapes = map_shapes()
    site = site or urls.Urls.for_request()
    known = values["value"].notna()
    priority = values["priority_area"].notna()
    numbers = values["value"].astype("float64").tolist()
    top = float(zmax) if zmax is not None else max((v for v in numbers if v == v), default=0.0)  # v == v: not NaN
    drawn = [code for code in values["iso3"].astype(str).tolist() if code in shapes.paths]
    hovers = map_hover(values, measure_label, missing)
    countries, painted = [], []  # the markup's countries; the picture's (the same shapes, no text, no link)
    # Priority areas last: drawn after their neighbours, so no neighbour's border covers their orange outline.
    for i in priority.to_numpy().argsort(kind="stable").tolist():
        code = str(values["iso3"].iloc[i])
        if code not in shapes.paths:
            continue
        hover = markup(hovers[i])
        fill = scale_colour(numbers[i], top) if known.iloc[i] else NO_DATA
        outline = (f'stroke="{PRIORITY}" stroke-width="2"' if priority.iloc[i] else 'stroke="#ffffff" stroke-width="0.5"')
        shape = f'd="{shapes.paths[code]}" fill="{fill}" {outline} vector-effect="non-scaling-stroke"'
        painted.append(f"<path {shape}/>")
        if priority.iloc[i]:
            area = str(values["priority_area"].iloc[i])
            countries.append(
                f'<a href="{markup(site.page("countries", {"country": area}))}" target="_self" '
                f'class="map-country map-priority" data-iso3="{markup(code)}" aria-label="{hover}">'
                f'<title>{hover}</title><path {shape}/></a>')
        else:
            countries.append(f'<path class="map-country" data-iso3="{markup(code)}" {shape}><title>{hover}</title></path>')
    meanings = [(PRIORITY_MEANING, "none", PRIORITY)] if priority.any() else []
    meanings += [(NO_FIGURE_MEANING, NO_DATA, NO_DATA)] if (~known).any() else []
    svgs = []
    if meanings:
        svgs.append(f'<svg {SVG_NS} class="map-meanings" font-family="sans-serif" width="{LEGEND_WIDTH}" '
                    f'height="{20 * len(meanings) + 4}" role="img" '
                    f'aria-label="{markup("; ".join(m[0] for m in meanings))}">'
                    + "".join(f'<g><rect x="1" y="{20 * n + 4}" width="14" height="12" fill="{fill}" '
                              f'stroke="{stroke}" stroke-width="2"/><text x="22" y="{20 * n + 14}" font-size="12" '
                              f'fill="#1f2937">{markup(meaning)}</text></g>'
                              for n, (meaning, fill, stroke) in enumerate(meanings)) + "</svg>")
    land = _land(frozenset(drawn))
    shown = land + "".join(countries)
    picture_of_shapes = (f'<svg {SVG_NS} viewBox="0 0 {shapes.width} {shapes.height}" width="{shapes.width}" '
                         f'height="{shapes.height}" style="background:#fff">{land}{"".join(painted)}</svg>')
    svgs.append(f'<svg {SVG_NS} class="map-shapes" viewBox="0 0 {shapes.width} {shapes.height}" width="100%" '
                f'role="group" aria-label="{markup(alt)}" style="display:block;background:#fff">{shown}</svg>')
    stops = "".join(f'<stop offset="{offset:g}" stop-color="{colour}"/>' for offset, colour in SCALE)
    scale_label = markup(f"Colour scale of {measure_label}: from 0 (lightest) to {_number(top)} (darkest)")
    svgs.append(f'<svg {SVG_NS} class="map-scale" font-family="sans-serif" width="{LEGEND_WIDTH}" height="50" '
                f'role="img" aria-label="{scale_label}">'
                f'<defs><linearGradient id="world-map-scale">{stops}</linearGradient></defs>'
                f'<text x="0" y="13" font-size="12" font-weight="bold" fill="#1f2937">{markup(measure_label)}</text>'
                f'<rect x="0" y="20" width="{GRADIENT}" height="12" fill="url(#world-map-scale)"/>'
                f'<text x="0" y="46" font-size="12" fill="#1f2937">0</text>'
                f'<text x="{GRADIENT}" y="46" font-size="12" fill="#1f2937" text-anchor="end">'
                f'{markup(_number(top))}</text></svg>')
    pictures = [*svgs[:-2], picture_of_shapes, svgs[-1]]  # the legends' text is the code's, not the data's
    return MapFigure(markup="\n".join(['<div class="world-map">', MAP_STYLE, *svgs, "</div>"]),
                     pictures=["data:image/svg+xml," + quote(svg, safe=" =/:;,.-'\"") for svg in pictures],
                     alt=alt)


def area_values(values: pd.DataFrame) -> pd.DataFrame:
    """One row per priority area from map values, highest first, areas without a figure last. An area's
    countries carry the same count; where a per-country figure differs within an area (executions in Israel
    and in the occupied Palestinian territory), each country keeps its own row, labelled "area: country".

    Worked out on the dozen rows' Python values, then the chosen rows are taken from `values` in one step (the
    same steps as DataFrame operations, each on a dozen rows, cost several milliseconds)."""
    areas, names = values["priority_area"].tolist(), values["name"].tolist()
    measures = [None if pd.isna(v) else v for v in values["value"].tolist()]
    rows = [i for i, area in enumerate(areas) if pd.notna(area)]
    distinct: dict[str, set] = {}
    for i in rows:
        distinct.setdefault(areas[i], set()).add(measures[i])
    chosen: dict = {}  # label → row: the first row of each label
    for i in rows:
        differs = len(distinct[areas[i]]) > 1
        label = areas[i] if not differs else (None if pd.isna(names[i]) else f"{areas[i]}: {names[i]}")
        chosen.setdefault(label, i)
    # highest value first, no value last; then by label (a missing label last)
    order = sorted(chosen.items(), key=lambda item: (measures[item[1]] is None, -(measures[item[1]] or 0),
                                                     item[0] is None, item[0] or ""))
    out = values.iloc[[i for _, i in order]].reset_index(drop=True)
    out["label"] = pd.array([label for label, _ in order], dtype=values["priority_area"].dtype)
    return out


def _period_bounds(period: pd.Timestamp, grain: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    end = period + (pd.DateOffset(years=1) if grain == "year" else pd.DateOffset(months=1))
    return period, end


def current_period(grain: str, today: dt.date | None = None) -> pd.Timestamp:
    day = pd.Timestamp(today or dt.date.today())
    return day.to_period("Y" if grain == "year" else "M").to_timestamp()


def period_range(frames, grain: str = "year", today: dt.date | None = None) -> list[pd.Timestamp] | None:
    """One x range for charts stacked on a page, from the earliest period of any frame to the current one."""
    periods = [pd.Timestamp(p) for f in frames if not f.empty for p in (f["period"].min(), f["period"].max())]
    if not periods:
        return None
    first, last = min(periods), max(max(periods), current_period(grain, today))
    half = pd.Timedelta(days=190 if grain == "year" else 16)
    return [first - half, last + half]


def counts_over_time(frame: pd.DataFrame, title: str, grain: str = "year", height: int = 380, kind: str = "actor",
                     x_range: list | None = None, today: dt.date | None = None) -> go.Figure:
    """Stacked bars of `n` per `period`, one swatch and one legend entry per `group` (a label of `kind`).

    The current period is still running: its bars are lighter and labelled "so far"."""
    current = current_period(grain, today)
    order = {label: n for n, label in enumerate(PALETTE.get(kind, {}))}
    groups = list(dict.fromkeys(frame["group"])) if not frame.empty else []
    groups.sort(key=lambda g: order.get(g, len(order)))
    periods, counts = frame["period"].to_numpy(), frame["n"].to_numpy()
    group_of = frame["group"].to_numpy(dtype=object)
    running = periods == np.datetime64(current)  # the bars of the current period
    traces = []  # plain dicts in Plotly's own order (see _in_plotly_order), handed over without validation
    for group in groups:
        rows = group_of == group
        s = swatch(kind, group)
        traces.append(dict(
            type="bar", x=periods[rows], y=counts[rows], name=safe(group),
            marker=dict(color=s.colour, opacity=[0.45 if p else 1.0 for p in running[rows]],
                        # colour and pattern both differ, so groups never rely on colour alone
                        pattern=dict(shape=s.pattern, fgcolor=s.pattern_colour, fillmode="overlay"),
                        # a dark edge keeps every segment at 3:1 against white, light colours included
                        line=dict(color="#374151", width=0.6)),
            hovertemplate=f"{safe(group)}<br>%{{x|{'%Y' if grain == 'year' else '%b %Y'}}}: %{{y}}<extra></extra>"))
    # No x-axis title (the chart's title says "per year" or "per month"): on a phone the legend's rows below the
    # axis reached up over it.
    xaxis: dict[str, Any] = dict(type="date")
    if x_range is not None:
        xaxis["range"] = x_range
    annotations = []
    if running.any():
        # Right-aligned on the running period (the last bar), so the label never runs past the chart's edge.
        annotations.append(dict(x=current, y=1, yref="paper", yanchor="bottom", xanchor="right", showarrow=False,
                                text=f"{current:%Y}: so far" if grain == "year" else f"{current:%b %Y}: so far",
                                font=dict(size=12, color="#374151")))
    # Title above, legend below the axis, so neither covers the other; a fixed left margin keeps charts
    # stacked on one page aligned on the same x positions. The whole layout at once, as _layout and then these.
    layout = dict(_base_layout(height), barmode="stack", title=dict(text=safe(title), x=0, font=dict(size=15)),
                  legend=dict(orientation="h", yanchor="top", y=-0.22, x=0), margin=dict(l=70, r=20, t=50, b=20),
                  xaxis=xaxis, yaxis=dict(title=dict(text="Count", standoff=8), gridcolor="#e5e7eb", automargin=False))
    if annotations:
        layout["annotations"] = annotations
    return _unvalidated(traces, layout)


DAY_US = 86_400_000_000  # microseconds in a day: dates are compared as whole microseconds


def _microseconds(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (a datetime Series or array) as int64 microseconds, for arithmetic in plain integers."""
    return np.asarray(dates, dtype="datetime64[us]").astype("int64")


def _dodge(micros: list[int], span_days: float, levels: int = 4) -> list[int]:
    """A level per point so points closer in time than a marker's width sit side by side, not on top of each other.
    `micros`: the points' dates in order, as microseconds (_microseconds); a gap counts whole days."""
    out: list[int] = []
    last: dict[int, int] = {}
    gap = max(span_days / 90, 1)
    for d in micros:
        level = next((lv for lv in range(levels) if lv not in last or (d - last[lv]) // DAY_US > gap), 0)
        last[level] = d
        out.append(level)
    return out


LANES = {"Case event": 1.0, "EU action": 0.0}
# The least time a timeline's axis shows: points all on one day (a case with a single event) otherwise get an axis of
# a millisecond, ticked in fractions of a second.
MIN_TIMELINE_DAYS = 90
_LEVELS = 3


def response_timeline(points: pd.DataFrame, answered: pd.DataFrame | None = None, height: int | None = 300,
                      label_gaps: bool = False, font_size: int | None = None) -> go.Figure:
    """Case events (top lane, by event type) and EU actions (bottom lane, by actor) on one time axis, each EU
    action joined by a line to the case event it answered, with the days it took. `height` is the lanes' (with the
    axis): the legend above them adds the height of its own rows, so a country with a dozen kinds of event gets lanes
    as tall as a case with two, rather than lanes squeezed under its legend.

    `points`: date, kind ("Case event" / "EU action"), category, text, and `ref` (action id or case id) when
    `answered` (from queries.answered_events) is given. Points close in time are spread within their lane.
    The traces are built as plain lists and handed to the figure at once: a page of a few hundred points
    draws in milliseconds, not in one validation pass per category. The points are matched to the answers in
    plain dicts rather than DataFrame merges, which cost more than the rest of the figure on a country page."""
    if points.empty:
        return _layout(go.Figure(), height)
    when = pd.to_datetime(points["date"])
    order = when.to_numpy().argsort(kind="stable")  # as sort_values(["date"], kind="stable")
    date_values = when.to_numpy()[order]
    micros = _microseconds(date_values).tolist()
    kinds = points["kind"].to_numpy(dtype=object)[order].tolist()
    span = max((max(micros) - min(micros)) // DAY_US, 365)
    ys = [0.0] * len(kinds)
    for kind, lane in LANES.items():
        rows = [i for i, k in enumerate(kinds) if k == kind]
        direction = 1 if lane else -1  # spread away from the other lane
        for i, level in zip(rows, _dodge([micros[i] for i in rows], span, _LEVELS + 1), strict=True):
            ys[i] = lane + direction * 0.16 * level
    traces: list[dict] = []
    annotations: list[dict] = []
    if answered is not None and not answered.empty and "ref" in points:
        refs = points["ref"].to_numpy(dtype=object)[order].tolist()
        # every EU action point of an (id, date), in order; the last case event point of a (case, date): of a day's
        # events the one recorded last is the one an action answered (metrics.DEFINITIONS["Answered event"]), and the
        # points come in the timeline's order (by event number within a day)
        action_ys: dict[tuple, list[float]] = {}
        event_ys: dict[tuple, float] = {}
        for ref, day, kind, y in zip(refs, micros, kinds, ys, strict=True):
            if kind == "EU action":
                action_ys.setdefault((ref, day), []).append(y)
            elif kind == "Case event":
                event_ys[(ref, day)] = y
        action_dates, event_dates = pd.to_datetime(answered["action_date"]), pd.to_datetime(answered["event_date"])
        action_micros = _microseconds(action_dates).tolist()
        action_keys = list(zip(answered["action_id"].tolist(), action_micros, strict=True))
        event_keys = list(zip(answered["case_id"].tolist(), _microseconds(event_dates).tolist(), strict=True))
        # (answer's row, its action's y, its event's y) for each answer whose action and event are both drawn
        pairs = [(row, action_y, event_ys[event_keys[row]]) for row in range(len(answered))
                 if event_keys[row] in event_ys for action_y in action_ys.get(action_keys[row], ())]
        columns = {name: answered[name].tolist() for name in ("action_id", "case_id", "event_category", "days")}
        # The dates as text, exactly as the JSON writes a Timestamp (isoformat): Plotly copies a figure's data
        # twice before sending it, and a string is copied as is where a Timestamp is rebuilt.
        action_at, event_at = [d.isoformat() for d in action_dates], [d.isoformat() for d in event_dates]
        xs, line_ys, texts = [], [], []
        for row, action_y, event_y in pairs:
            xs += [event_at[row], action_at[row], None]
            line_ys += [event_y, action_y, None]
            t = (f"{safe(columns['action_id'][row])} answered {safe(columns['event_category'][row]).lower()} of "
                 f"{safe(columns['case_id'][row])} after {columns['days'][row]} days")
            texts += [t, t, None]
        if xs:
            traces.append(dict(type="scatter", x=xs, y=line_ys, mode="lines", line=dict(color="#9ca3af", width=1),
                               text=texts, hovertemplate="%{text}<extra></extra>",
                               name="EU action answering a case event", legendgroup="link"))
        if label_gaps and pairs:
            # in the order sort_values("action_date") gives (its quicksort, ties included)
            by_date = action_dates.to_numpy()[[row for row, _, _ in pairs]].argsort(kind="quicksort")
            ordered = [pairs[k] for k in by_date]
            levels = _dodge([action_micros[row] for row, _, _ in ordered], span * 4, levels=3)  # labels are wider
            for (row, action_y, _), level in zip(ordered, levels, strict=True):
                annotations.append(dict(x=action_at[row], y=action_y, text=f"+{columns['days'][row]} d",
                                        showarrow=False, yshift=-16 - 13 * level,
                                        font=dict(size=(font_size or FONT["size"]) - 1, color="#374151")))
    categories = points["category"].to_numpy(dtype=object)[order].tolist()
    texts_all = points["text"].to_numpy(dtype=object)[order].tolist()
    days_shown = np.datetime_as_string(date_values, unit="D").tolist()  # as f"{timestamp:%Y-%m-%d}"
    y_values = np.array(ys, dtype="float64")
    legend_rows = 1  # the legend's tallest column: a group's title and its entries (the groups stand side by side)
    for kind, vocabulary, title in (("Case event", "event_type", "Case events"), ("EU action", "actor", "EU actions")):
        rows = [i for i, k in enumerate(kinds) if k == kind]
        order_of = {label: n for n, label in enumerate(PALETTE[vocabulary])}
        # an action's category may read "Actor — Action type" (case page): it is drawn in its actor's swatch
        keys = {i: str(categories[i]).split(" — ")[0] for i in rows}
        legend_rows = max(legend_rows, 1 + len(set(keys.values())))
        for category in sorted(set(keys.values()), key=lambda c: order_of.get(c, 99)):
            chosen = [i for i in rows if keys[i] == category]
            s = swatch(vocabulary, category)
            text = [f"{days_shown[i]}<br>{safe(categories[i])}<br>{safe(texts_all[i])[:160]}" for i in chosen]
            traces.append(dict(
                type="scatter", x=date_values[chosen], y=y_values[chosen], mode="markers",
                name=safe(category), text=text, legendgroup=kind, legendgrouptitle_text=title,
                marker=dict(color=s.colour, symbol=s.symbol, size=11, line=dict(width=1, color="#374151")),
                hovertemplate="%{text}<extra></extra>"))
    top = 1.0 + 0.16 * _LEVELS  # room for the spread-out points above and below the lanes
    legend_px = LEGEND_ROW_PX * legend_rows + LEGEND_PADDING_PX
    # The whole layout at once (one validation pass): _layout's settings, then the timeline's own.
    layout: dict[str, Any] = dict(
        # the lanes' height plus the legend's rows above them (presenting, with font_size, the legend is beside them)
        _base_layout(height + legend_px if height is not None and not font_size else height),
        # The legend above the lanes: below them, on a phone, its rows crept over the year labels.
        # Tall enough for its tallest group: Plotly's default (half the figure) gave Iran's nine kinds of case event
        # a legend with a scroll bar of its own.
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, groupclick="toggleitem", maxheight=legend_px),
        margin=dict(l=10, r=10, t=10, b=10), hovermode="closest",
        showlegend=True,  # also for a single kind of point (Plotly hides the legend of one trace): it names the kind
        xaxis=dict(gridcolor="#e5e7eb", type="date"),
        yaxis=dict(tickvals=[1.0, 0.0], ticktext=["Case events", "EU actions"], range=[-top + 1.0 - 0.25, top + 0.25],
                   showgrid=False, zeroline=False, fixedrange=True))
    first, last = date_values[0], date_values[-1]
    if last - first < np.timedelta64(MIN_TIMELINE_DAYS, "D"):  # centred on its points, dates only on the ticks
        middle = first + (last - first) // 2
        half = np.timedelta64(MIN_TIMELINE_DAYS // 2, "D")
        layout["xaxis"]["range"] = [str((middle - half).astype("datetime64[D]")),
                                    str((middle + half).astype("datetime64[D]"))]
    if annotations:
        layout["annotations"] = annotations
    if font_size:  # presentation: large text, the legend beside the chart
        layout["font"]["size"] = font_size
        layout["legend"].update(orientation="v", yanchor="top", y=1, x=1.01, font=dict(size=14),
                                grouptitlefont=dict(size=14), tracegroupgap=2, itemsizing="constant", maxheight=1)
        # explicit tick sizes: Streamlit's chart theme would otherwise shrink them
        layout["xaxis"]["tickfont"] = dict(size=font_size)
        layout["yaxis"]["tickfont"] = dict(size=font_size)
    # Built from the vocabularies and the query's columns only, so Plotly's per-property validation (a third of the
    # figure's cost) is skipped; tests/test_charts.py checks validating it would change nothing.
    return go.Figure(data=traces, layout=layout, _validate=False)


def escalation_bars(ladder: dict[str, int], height: int = 330) -> go.Figure:
    """How many cases stopped at each step of the escalation ladder, lowest step at the top.

    The axis names each step short (the words before its parenthesis) so the bars keep their width on a phone;
    the hover gives the step in full, as the caption above the chart does."""
    labels = list(ladder)
    values = [ladder[k] for k in labels]
    full = [f"{i}. {safe(label)}" for i, label in enumerate(labels)]
    short = [f"{i}. {safe(label.split(' (')[0])}" for i, label in enumerate(labels)]
    bars = dict(type="bar", x=values, y=short, orientation="h", customdata=full, cliponaxis=False,
                marker=dict(color=["#999999"] + [OKABE_ITO[0]] * (len(labels) - 1)), text=[str(v) for v in values],
                textposition="outside", hovertemplate="%{customdata}: %{x} cases<extra></extra>")
    # The whole layout at once, as _layout gives it; room right of the longest bar for its number, which is
    # drawn outside the bar.
    return _unvalidated([bars], dict(
        _base_layout(height), yaxis=dict(autorange="reversed"),
        xaxis=dict(title=dict(text="Cases"), gridcolor="#e5e7eb", range=[0, max(values + [1]) * 1.18])))
