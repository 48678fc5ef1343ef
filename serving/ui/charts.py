"""Chart specifications (plotly.js figure dicts) built from the same rows the tables show.

The browser draws them with the plotly.js bundled in the `plotly` package; no chart data is
computed in the browser, so a chart and its table cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Figure = dict[str, Any]

BLUE = "31,95,191"
ORANGE = "217,72,15"
PALETTE = ["#1f5fbf", "#d9480f", "#1b7f3b", "#7b3fb3", "#b08900", "#0b7a8a", "#c2255c", "#495057"]


def _layout(title: str, x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"l": 64, "r": 16, "t": 44, "b": 48},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}, "tickformat": ",~r", "separatethousands": True},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"},
        **extra,
    }


def _band(x: list, lo: list, hi: list, name: str, alpha: float, rgb: str = BLUE) -> list[dict]:
    """Two traces filling between lo and hi."""
    return [
        {
            "x": x,
            "y": hi,
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
            "type": "scatter",
            "name": f"{name} upper",
        },
        {
            "x": x,
            "y": lo,
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": f"rgba({rgb},{alpha})",
            "name": name,
            "type": "scatter",
            "hoverinfo": "skip",
        },
    ]


def fan_chart(
    title: str,
    history: Sequence[dict[str, Any]],
    forecast: Sequence[dict[str, Any]],
    plan: Sequence[dict[str, Any]] = (),
    period: str = "week",
) -> Figure:
    """History line, forecast mean and its 80% and 95% bands, per period; a plan (rows with
    date and value) is one more line. Quarterly charts (`period="quarter"`) put the quarter
    labels on a category axis in time order."""
    x = [r["date"] for r in forecast]
    data = [
        *_band(
            x, [r["lo_95"] for r in forecast], [r["hi_95"] for r in forecast], "95% interval", 0.15
        ),
        *_band(
            x, [r["lo_80"] for r in forecast], [r["hi_80"] for r in forecast], "80% interval", 0.3
        ),
        {
            "x": x,
            "y": [r["mean"] for r in forecast],
            "mode": "lines",
            "type": "scatter",
            "name": "forecast",
            "line": {"color": f"rgb({BLUE})", "width": 2},
        },
        {
            "x": [r["date"] for r in history],
            "y": [r["units"] for r in history],
            "mode": "lines",
            "type": "scatter",
            "name": "actual",
            "line": {"color": "#1d2330", "width": 2},
        },
    ]
    if plan:
        data.append(
            {
                "x": [r["date"] for r in plan],
                "y": [r["value"] for r in plan],
                "mode": "lines",
                "type": "scatter",
                "name": "plan",
                "line": {"color": f"rgb({ORANGE})", "width": 2.5, "dash": "dash"},
            }
        )
    layout = _layout(title, period, "units")
    if period == "quarter":
        order = sorted({str(r["date"]) for rows in (history, forecast, plan) for r in rows})
        layout["xaxis"].update(type="category", categoryorder="array", categoryarray=order)
    return {"data": data, "layout": layout}


def elasticity_chart(rows: Sequence[dict[str, Any]]) -> Figure:
    """Own elasticities with their 95% CIs; implausible ones drawn hollow and red."""
    data = []
    for plausible, name, color in (
        (True, "plausible", "#1f5fbf"),
        (False, "implausible", "#b3261e"),
    ):
        chosen = [
            r for r in rows if bool(r["plausible"]) is plausible and r["elasticity"] is not None
        ]
        if not chosen:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": [r["elasticity"] for r in chosen],
                "y": [r["label"] for r in chosen],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(r["hi_95"] or r["elasticity"]) - r["elasticity"] for r in chosen],
                    "arrayminus": [
                        r["elasticity"] - (r["lo_95"] or r["elasticity"]) for r in chosen
                    ],
                    "color": color,
                },
                "marker": {
                    "color": color,
                    "size": 10,
                    "symbol": "circle" if plausible else "circle-open",
                },
            }
        )
    layout = _layout("Own-price elasticities with 95% confidence intervals", "elasticity", "")
    layout["yaxis"] = {"automargin": True, "type": "category"}
    layout["hovermode"] = "closest"
    layout["shapes"] = [
        {
            "type": "line",
            "x0": 0,
            "x1": 0,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"color": "#888", "dash": "dot"},
        }
    ]
    return {"data": data, "layout": layout}


def demand_curve_chart(points: Sequence[dict[str, Any]], measure: str = "units") -> Figure:
    """Units (or revenue, margin) per product (not the total) by uniform price change, 95% bands."""
    products = list(dict.fromkeys(p["product"] for p in points if p["product"] != "TOTAL"))
    data: list[dict[str, Any]] = []
    for k, product in enumerate(products):
        rows = sorted((p for p in points if p["product"] == product), key=lambda p: p["percent"])
        x = [r["percent"] for r in rows]
        color = PALETTE[k % len(PALETTE)]
        lo, hi = f"{measure}_lo_95", f"{measure}_hi_95"
        if rows and lo in rows[0] and hi in rows[0]:
            rgb = ",".join(str(int(color[i : i + 2], 16)) for i in (1, 3, 5))
            data.extend(
                _band(x, [r[lo] for r in rows], [r[hi] for r in rows], f"{product} 95%", 0.12, rgb)
            )
        data.append(
            {
                "x": x,
                "y": [r[measure] for r in rows],
                "type": "scatter",
                "mode": "lines+markers",
                "name": product,
                "line": {"color": color},
            }
        )
    layout = _layout(f"Demand curve: {measure} by price change", "price change (%)", measure)
    layout["xaxis"]["ticksuffix"] = "%"
    return {"data": data, "layout": layout}


def change_bars(rows: Sequence[dict[str, Any]], measures: Sequence[str], x_key: str) -> Figure:
    """Scenario minus baseline per period for each measure, with 95% error bars."""
    measures = [m for m in measures if all(r.get(f"change_{m}") is not None for r in rows)]
    data = []
    for k, measure in enumerate(measures):
        data.append(
            {
                "type": "bar",
                "name": measure,
                "x": [r[x_key] for r in rows],
                "y": [r[f"change_{measure}"] for r in rows],
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [r[f"change_{measure}_hi_95"] - r[f"change_{measure}"] for r in rows],
                    "arrayminus": [
                        r[f"change_{measure}"] - r[f"change_{measure}_lo_95"] for r in rows
                    ],
                },
                "marker": {"color": PALETTE[k]},
                "yaxis": "y" if k == 0 else "y2",
                "offsetgroup": k,
            }
        )
    layout = _layout("Change against baseline (95% intervals)", x_key, measures[0])
    layout["barmode"] = "group"
    if len(measures) > 1:
        layout["yaxis2"] = {
            "title": {"text": " / ".join(measures[1:])},
            "overlaying": "y",
            "side": "right",
            "tickformat": ",~r",
        }
    return {"data": data, "layout": layout}


def pipeline_chart(rows: Sequence[dict[str, Any]], segment: str | None) -> Figure:
    """Expected pipeline value per quarter (stacked by segment), with the 80% interval noted."""
    groups = list(dict.fromkeys(str(r.get(segment, "all")) if segment else "all" for r in rows))
    quarters = list(dict.fromkeys(r["quarter"] for r in rows))
    data = []
    for k, group in enumerate(groups):
        chosen = {
            r["quarter"]: r
            for r in rows
            if (str(r.get(segment, "all")) if segment else "all") == group
        }
        data.append(
            {
                "type": "bar",
                "name": group,
                "x": quarters,
                "y": [chosen[q]["expected_value"] if q in chosen else 0 for q in quarters],
                "marker": {"color": PALETTE[k % len(PALETTE)]},
            }
        )
    layout = _layout("Expected pipeline value by quarter", "quarter", "expected value")
    layout["barmode"] = "stack"
    return {"data": data, "layout": layout}
