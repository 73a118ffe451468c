"""Figures built from query results: Plotly figures, and the world map as a Vega-Lite spec. No Streamlit
here; pages only display what these return.

Any text taken from the data is HTML-escaped before it reaches Plotly, because Plotly renders a
subset of HTML tags in hover labels and annotations. The map's text stays plain: Vega's tooltip escapes it.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import taxonomy

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
SCALE = [[0.0, "#dbe9f6"], [0.5, "#4a90c9"], [1.0, "#08306b"]]
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
    as one unit, the value with its year, or why there is none. Plain text: the map's tooltip escapes it."""
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


# The world map is drawn by Vega-Lite, not Plotly: Streamlit's Vega chunk is 0.8 MB against Plotly's 4.7 MB, and
# it starts drawing in a fraction of the time (benchmarks/browser.py). Its country shapes are the local topojson
# (static/topojson/, served by Streamlit under app/static/), so the map fetches nothing from the internet.
TOPOJSON_URL = "app/static/topojson/world_110m.json"
MAP_GEOMETRY = {"url": TOPOJSON_URL, "format": {"type": "topojson", "feature": "countries"}}
PRIORITY = "#D55E00"
# What the outline and grey mean, one per line above the map; the colour scale below it (as wide as a phone).
MAP_LEGEND = {"titleFontSize": 12, "labelFontSize": 12, "gradientLength": 200}
PRIORITY_MEANING = "Priority area (orange outline)"
NO_FIGURE_MEANING = "Grey: no figure (hover for why)"
MEANING = {"orient": "top", "direction": "vertical"}
SCALE_LEGEND = {"orient": "bottom", "direction": "horizontal"}


def world_map(values: pd.DataFrame, measure_label: str, height: int = 460, zmax: float | None = None,
              missing: str = "no data") -> dict:
    """Choropleth of `value` per ISO3 country, as a Vega-Lite spec; priority areas outlined so they stand out
    without colour. Every page that draws a map draws this one.

    A country without a value (NULL: no figure stated, or no data for the selection) is drawn grey with a legend
    entry of its own, never as 0 on the colour scale; the hover says why (the source's note). One layer,
    "countries", draws, hovers and is clicked: the selection `country` carries the clicked country's ISO3 code,
    and ui.clickable_map opens its page."""
    known = values["value"].notna()
    priority = values["priority_area"].notna()
    columns = zip(values["iso3"].astype(str).tolist(), values["value"].astype("float64").tolist(), known.tolist(),
                  priority.tolist(), map_hover(values, measure_label, missing), strict=True)
    rows = [{"iso3": iso3, "value": None if value != value else value, "known": has_value, "priority": in_area,
             "hover": hover} for iso3, value, has_value, in_area, hover in columns]  # value != value: NaN, no figure
    # Priority areas last: drawn after their neighbours, so no neighbour's border covers their orange outline.
    records = [rows[i] for i in priority.to_numpy().argsort(kind="stable")]
    shape = {"lookup": "iso3", "from": {"data": MAP_GEOMETRY, "key": "id"}, "as": "geo"}
    geo: dict[str, Any] = {"shape": {"field": "geo", "type": "geojson"}}
    scale: dict[str, Any] = {"range": [colour for _, colour in SCALE], "domainMin": 0}
    if zmax is not None:
        scale["domainMax"] = zmax
    # What the outline and grey mean: one legend (fill and stroke of one field merge), entries present on this map
    # only. Its shapes lie under the same countries drawn by the "countries" layer above them: a shape on top
    # would catch the pointer, hiding the hover and the click.
    meanings = [(PRIORITY_MEANING, "transparent", PRIORITY)] if priority.any() else []
    meanings += [(NO_FIGURE_MEANING, NO_DATA, NO_DATA)] if (~known).any() else []
    legend: list[dict[str, Any]] = [] if not meanings else [{
        "name": "meaning", "data": {"name": "values"},
        "transform": [{"filter": "datum.priority || !datum.known"},
                      {"calculate": f"datum.known ? '{PRIORITY_MEANING}' : '{NO_FIGURE_MEANING}'", "as": "meaning"},
                      shape],
        "mark": {"type": "geoshape", "aria": False},
        "encoding": {**geo, **{channel: {"field": "meaning", "type": "nominal", "title": None, "legend": MEANING,
                                         "scale": {"domain": [m[0] for m in meanings],
                                                   "range": [m[i] for m in meanings]}}
                               for channel, i in (("fill", 1), ("stroke", 2))}}}]
    return {
        "height": height, "width": "container", "autosize": {"type": "fit", "contains": "padding"},
        "padding": {"top": 8, "bottom": 4, "left": 4, "right": 4},  # the top legend's text stays inside the box
        "background": "white", "projection": {"type": "naturalEarth1"},
        "datasets": {"values": records},
        "config": {"font": "sans-serif", "view": {"stroke": None}, "legend": MAP_LEGEND},
        "resolve": {"scale": {"color": "independent", "fill": "independent", "stroke": "independent"}},
        "layer": [
            {"data": MAP_GEOMETRY, "transform": [{"filter": "datum.id !== 'ATA'"}],  # land without a row; no Antarctica
             "mark": {"type": "geoshape", "fill": "#f3f4f6", "stroke": "#d1d5db", "strokeWidth": 0.5, "aria": False}},
            *legend,
            {"name": "countries", "data": {"name": "values"}, "transform": [shape],
             "params": [{"name": "country", "select": {"type": "point", "fields": ["iso3"], "on": "click",
                                                       "clear": False}}],
             "mark": {"type": "geoshape", "cursor": "pointer", "invalid": "show"},  # no figure: drawn, grey
             "encoding": {**geo,
                          "tooltip": {"field": "hover", "type": "nominal"},
                          "description": {"field": "hover", "type": "nominal"},
                          "color": {"condition": {"test": "!datum.known", "value": NO_DATA},
                                    "field": "value", "type": "quantitative", "scale": scale, "title": measure_label,
                                    "legend": SCALE_LEGEND},
                          "stroke": {"condition": {"test": "datum.priority", "value": PRIORITY}, "value": "#ffffff"},
                          "strokeWidth": {"condition": {"test": "datum.priority", "value": 2}, "value": 0.5}}},
        ],
    }


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
_LEVELS = 3


def response_timeline(points: pd.DataFrame, answered: pd.DataFrame | None = None, height: int | None = 300,
                      label_gaps: bool = False, font_size: int | None = None) -> go.Figure:
    """Case events (top lane, by event type) and EU actions (bottom lane, by actor) on one time axis, each EU
    action joined by a line to the case event it answered, with the days it took.

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
        # every EU action point of an (id, date), in order; the first case event point of a (case, date)
        action_ys: dict[tuple, list[float]] = {}
        event_ys: dict[tuple, float] = {}
        for ref, day, kind, y in zip(refs, micros, kinds, ys, strict=True):
            if kind == "EU action":
                action_ys.setdefault((ref, day), []).append(y)
            elif kind == "Case event":
                event_ys.setdefault((ref, day), y)
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
    # The whole layout at once (one validation pass): _layout's settings, then the timeline's own.
    layout: dict[str, Any] = dict(
        _base_layout(height),
        # The legend above the lanes: below them, on a phone, its rows crept over the year labels.
        # Tall enough for its tallest group: Plotly's default (half the figure) gave Iran's nine kinds of case event
        # a legend with a scroll bar of its own.
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, groupclick="toggleitem",
                    maxheight=LEGEND_ROW_PX * legend_rows + LEGEND_PADDING_PX),
        margin=dict(l=10, r=10, t=10, b=10), hovermode="closest",
        xaxis=dict(gridcolor="#e5e7eb", type="date"),
        yaxis=dict(tickvals=[1.0, 0.0], ticktext=["Case events", "EU actions"], range=[-top + 1.0 - 0.25, top + 0.25],
                   showgrid=False, zeroline=False, fixedrange=True))
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
