"""Plotly figure dicts for benchmark pages. Views pass these to templates; one JS module draws them.

A chart with one point says nothing a number does not: those come back as None and the page prints
the number. Titles are the page's headings, not the figure's, so they wrap on a phone."""

from __future__ import annotations

from typing import Any, TypedDict


class Figure(TypedDict):
    data: list[dict[str, Any]]
    layout: dict[str, Any]


class Point(TypedDict):
    method: str
    bits: float
    value: float
    shown: str  # the value as the paper printed it
    setting: str


# Lower-is-better values spanning this factor or more get a log axis: one perplexity of 25,000
# beside many of 5-20 would otherwise sit every other point on zero.
LOG_SPAN = 10.0


def pareto_front(points: list[Point], lower_is_better: bool) -> list[Point]:
    """Points no other point beats with fewer or equal bits: the best value reachable at each size."""
    front: list[Point] = []
    best: float | None = None
    for point in sorted(points, key=lambda p: (p["bits"], p["value"] if lower_is_better else -p["value"])):
        if best is None or (point["value"] < best if lower_is_better else point["value"] > best):
            front.append(point)
            best = point["value"]
    return front


def wants_log_axis(values: list[float], lower_is_better: bool) -> bool:
    """Whether a value axis should be logarithmic: lower-is-better (perplexity-like), all positive,
    and the largest at least LOG_SPAN times the smallest."""
    if not lower_is_better or not values or min(values) <= 0:
        return False
    return max(values) / min(values) >= LOG_SPAN


def value_axis(values: list[float], lower_is_better: bool, title: str) -> dict[str, Any]:
    axis: dict[str, Any] = {"title": {"text": title, "standoff": 8}, "automargin": True}
    if wants_log_axis(values, lower_is_better):
        axis["type"] = "log"
        axis["dtick"] = 1  # a tick per power of ten: the 2s and 5s between crowd a phone's axis
        axis["title"]["text"] = f"{title}, log scale"
    return axis


def _layout(x_axis: dict[str, Any], y_axis: dict[str, Any]) -> dict[str, Any]:
    # automargin makes room for tick labels before the axis title, so the two never overlap on a phone.
    return {
        "xaxis": {**x_axis, "automargin": True},
        "yaxis": y_axis,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }


def pareto_figure(points: list[Point], *, lower_is_better: bool, metric: str) -> Figure | None:
    """Value against bits per weight for one model, with the Pareto front drawn; None below two points."""
    if len(points) < 2:
        return None
    front = pareto_front(points, lower_is_better)
    better = "lower" if lower_is_better else "higher"
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "name": "reported",
                "x": [p["bits"] for p in points],
                "y": [p["value"] for p in points],
                "text": [f"{p['method']} ({p['setting']})" for p in points],
                "customdata": [p["shown"] for p in points],
                "hovertemplate": "%{text}<br>%{x} bits: %{customdata}<extra></extra>",
                "marker": {"size": 9, "opacity": 0.75},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Pareto front",
                "x": [p["bits"] for p in front],
                "y": [p["value"] for p in front],
                "text": [p["method"] for p in front],
                "customdata": [p["shown"] for p in front],
                "hovertemplate": "%{text}: %{customdata}<extra>front</extra>",
                "line": {"shape": "hv", "width": 2},
            },
        ],
        "layout": _layout(
            {"title": {"text": "bits per weight", "standoff": 8}},
            value_axis([p["value"] for p in points], lower_is_better, f"{metric} ({better} is better)"),
        ),
    }


def disagreement_figure(values: list[tuple[str, float, str]], *, lower_is_better: bool) -> Figure | None:
    """Each paper's number (arXiv id, value, as printed) for one method on one benchmark, model and
    setting, beside their mean; None below two papers."""
    if len(values) < 2:
        return None
    labels = [label for label, _, _ in values]
    numbers = [v for _, v, _ in values]
    # Dots, not bars: bars start at zero and would hide a 10% disagreement between two perplexities.
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": labels,
                "y": numbers,
                "customdata": [shown for _, _, shown in values],
                "name": "reported",
                "hovertemplate": "arXiv:%{x}: %{customdata}<extra></extra>",
                "marker": {"size": 11},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": labels,
                "y": [sum(numbers) / len(numbers)] * len(values),
                "name": "mean",
                "hoverinfo": "skip",
                "line": {"dash": "dot"},
            },
        ],
        # arXiv ids look like numbers; the axis must treat them as labels.
        "layout": _layout(
            {"title": {"text": "paper", "standoff": 8}, "type": "category"},
            value_axis(numbers, lower_is_better, "reported value"),
        ),
    }
