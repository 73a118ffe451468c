"""Plotly figures built from query results. No Streamlit here; pages only display what these return.

Any text taken from the data is HTML-escaped before it reaches Plotly, because Plotly renders a
subset of HTML tags in hover labels and annotations.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

# Okabe-Ito: distinguishable with the common forms of colour blindness.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
SCALE = "Cividis"
PATTERNS = ["", "/", ".", "x", "-", "|", "+", "\\"]
FONT = dict(family="sans-serif", size=13, color="#1f2937")


def safe(text) -> str:
    """Text from the data, made inert for Plotly's HTML-subset renderer."""
    return html.escape("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text), quote=True)


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), paper_bgcolor="white",
                      plot_bgcolor="white")
    return fig


def world_map(values: pd.DataFrame, measure_label: str, height: int = 460, zmax: float | None = None) -> go.Figure:
    """Choropleth of `value` per ISO3 country; priority areas outlined so they stand out without colour."""
    hover = [f"{safe(n)}<br>{safe(measure_label)}: {'no data' if pd.isna(v) else v}" + (f"<br>Priority area: {safe(a)}" if a else "")
             for n, v, a in zip(values["name"], values["value"], values["priority_area"].fillna(""))]
    fig = go.Figure(go.Choropleth(
        locations=values["iso3"], z=values["value"], locationmode="ISO-3", colorscale=SCALE,
        reversescale=True, zmin=0, zmax=zmax, marker_line_color="#ffffff", marker_line_width=0.5,
        colorbar=dict(title=dict(text=safe(measure_label)), thickness=12), text=hover,
        hovertemplate="%{text}<extra></extra>", name=safe(measure_label),
    ))
    priority = values[values["priority_area"].notna()]
    fig.add_trace(go.Choropleth(
        locations=priority["iso3"], z=[1] * len(priority), locationmode="ISO-3", showscale=False,
        colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], marker_line_color="#D55E00",
        marker_line_width=2, hoverinfo="skip", name="Priority area",
    ))
    fig.update_geos(projection_type="natural earth", showframe=False, showcoastlines=False, showcountries=True,
                    countrycolor="#d1d5db", showland=True, landcolor="#f3f4f6", lataxis_range=[-58, 85])
    return _layout(fig, height)


def counts_over_time(frame: pd.DataFrame, title: str, grain: str = "year", height: int = 380) -> go.Figure:
    """Stacked bars of `n` per `period`, one colour and one legend entry per `group`."""
    fig = go.Figure()
    groups = list(dict.fromkeys(frame["group"])) if not frame.empty else []
    for i, group in enumerate(groups):
        part = frame[frame["group"] == group]
        fig.add_trace(go.Bar(x=part["period"], y=part["n"], name=safe(group),
                             marker_color=OKABE_ITO[i % len(OKABE_ITO)],
                             # colour and pattern both differ, so groups never rely on colour alone
                             marker_pattern_shape=PATTERNS[i % len(PATTERNS)], marker_pattern_fgcolor="white",
                             marker_pattern_fillmode="overlay",
                             # a dark edge keeps every segment at 3:1 against white, light colours included
                             marker_line_color="#374151", marker_line_width=0.6,
                             hovertemplate=f"{safe(group)}<br>%{{x|{'%Y' if grain == 'year' else '%b %Y'}}}: %{{y}}<extra></extra>"))
    fig.update_yaxes(title_text="Count", gridcolor="#e5e7eb")
    fig.update_xaxes(title_text="Year" if grain == "year" else "Month")
    _layout(fig, height)
    # Title above, legend below the axis, so neither covers the other.
    fig.update_layout(barmode="stack", title=dict(text=safe(title), x=0, font=dict(size=15)),
                      legend=dict(orientation="h", yanchor="top", y=-0.22, x=0), margin=dict(t=50, b=20))
    return fig


def dated_points(frame: pd.DataFrame, height: int = 320) -> go.Figure:
    """EU actions and case events as markers on a time axis, one row per kind; symbols differ, not only colour."""
    fig = go.Figure()
    styles = {"Case event": ("#D55E00", "x"), "EU action": ("#0072B2", "circle")}
    for kind, (color, symbol) in styles.items():
        part = frame[frame["kind"] == kind] if not frame.empty else frame
        if part.empty:
            continue
        text = [f"{safe(d)}<br>{safe(c)}<br>{safe(t)[:160]}" for d, c, t in zip(part["date"], part["category"], part["text"])]
        fig.add_trace(go.Scatter(x=part["date"], y=[kind] * len(part), mode="markers", name=kind, text=text,
                                 marker=dict(color=color, symbol=symbol, size=11, line=dict(width=1, color="white")),
                                 hovertemplate="%{text}<extra></extra>"))
    fig.update_yaxes(categoryorder="array", categoryarray=["Case event", "EU action"])
    fig.update_xaxes(gridcolor="#e5e7eb")
    return _layout(fig, height)


def escalation_bars(ladder: dict[str, int], height: int = 330) -> go.Figure:
    """How many cases stopped at each step of the escalation ladder, lowest step at the top."""
    labels = list(ladder)
    values = [ladder[k] for k in labels]
    fig = go.Figure(go.Bar(
        x=values, y=[f"{i}. {safe(label)}" for i, label in enumerate(labels)], orientation="h",
        marker_color=["#999999"] + [OKABE_ITO[0]] * (len(labels) - 1), text=values, textposition="outside",
        hovertemplate="%{y}: %{x} cases<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Cases whose highest EU response was this step", gridcolor="#e5e7eb")
    return _layout(fig, height)
