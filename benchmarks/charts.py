"""Plotly figure dicts for benchmark pages. Views pass these to templates; one JS module draws them."""

from __future__ import annotations

from typing import Any, TypedDict


class Figure(TypedDict):
    data: list[dict[str, Any]]
    layout: dict[str, Any]


class Point(TypedDict):
    method: str
    bits: float
    value: float
    setting: str


def pareto_front(points: list[Point], lower_is_better: bool) -> list[Point]:
    """Points no other point beats with fewer or equal bits: the best value reachable at each size."""
    front: list[Point] = []
    best: float | None = None
    for point in sorted(points, key=lambda p: (p["bits"], p["value"] if lower_is_better else -p["value"])):
        if best is None or (point["value"] < best if lower_is_better else point["value"] > best):
            front.append(point)
            best = point["value"]
    return front


def _layout(title: str, x: str, y: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 15}},
        "xaxis": {"title": {"text": x}},
        "yaxis": {"title": {"text": y}},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "hovermode": "closest",
        "legend": {"orientation": "h"},
    }


def pareto_figure(points: list[Point], *, lower_is_better: bool, benchmark: str, model: str, metric: str) -> Figure:
    """Value against bits per weight for one model, with the Pareto front drawn."""
    front = pareto_front(points, lower_is_better)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "name": "reported",
                "x": [p["bits"] for p in points],
                "y": [p["value"] for p in points],
                "text": [f"{p['method']} ({p['setting']})" for p in points],
                "hovertemplate": "%{text}<br>%{x} bits: %{y}<extra></extra>",
                "marker": {"size": 9, "opacity": 0.75},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Pareto front",
                "x": [p["bits"] for p in front],
                "y": [p["value"] for p in front],
                "text": [p["method"] for p in front],
                "hovertemplate": "%{text}<extra>front</extra>",
                "line": {"shape": "hv", "width": 2},
            },
        ],
        "layout": _layout(
            f"{benchmark} on {model}: {metric} by bits per weight",
            "bits per weight",
            f"{metric} ({'lower' if lower_is_better else 'higher'} is better)",
        ),
    }


def disagreement_figure(
    values: list[tuple[str, float]], *, method: str, cell: str, spread: float, flagged: bool
) -> Figure:
    """Each paper's number for one method on one benchmark, model and setting."""
    mean = sum(v for _, v in values) / len(values) if values else 0.0
    title = f"{method}, {cell}: spread {spread:.0%}" + (" — papers disagree" if flagged else "")
    return {
        "data": [
            {
                "type": "bar",
                "x": [label for label, _ in values],
                "y": [v for _, v in values],
                "name": "reported",
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": [label for label, _ in values],
                "y": [mean] * len(values),
                "name": "mean",
                "line": {"dash": "dot"},
            },
        ],
        # arXiv ids look like numbers; the axis must treat them as labels.
        "layout": {
            **_layout(title, "paper", "reported value"),
            "xaxis": {"title": {"text": "paper"}, "type": "category"},
        },
    }
