"""A paper's headline numbers from its receipts, what its experiments cover, and which comparisons
it left out (pure: works on any rows shaped like `benchmarks.BenchmarkResult`, read by the caller
through the paper's relations; the models live in the apps above).

A headline is a result of the paper's own method (its introduced methods and the methods its
"beats" receipts name) in a table cell where other methods were measured too: same page, table,
benchmark, model and setting. It is compared with the best other method in that cell (full
precision is a reference, not a competitor), and the cells it wins with the most competitors and
the widest margin come first, one per table before a second per table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from worker.extract.names import normalize_model_name, normalize_name

REJECTED = "rejected"
LOWER = "lower"


class OwnMethods:
    """The paper's own method names, and their variants ("AWQ + GPTQ" is a run of AWQ)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = [n for n in dict.fromkeys(names) if normalize_name(n)]
        self.keys = [normalize_name(n) for n in self.names]

    def __bool__(self) -> bool:
        return bool(self.keys)

    def __call__(self, name: str) -> bool:
        key = normalize_name(name)
        return bool(key) and any(key == own or key.startswith(own) for own in self.keys)

    def exact(self, name: str) -> bool:
        return normalize_name(name) in self.keys


def own_method_names(introduced: Iterable[str], beats_methods: Iterable[str]) -> list[str]:
    """The paper's own methods: those the registry says it introduced, then the methods its
    "beats" receipts name as winners, most often first."""
    ranked = [name for name, _ in Counter(beats_methods).most_common()]
    return list(dict.fromkeys([*introduced, *ranked]))


def shown(result: Any) -> str:
    if result is None:
        return ""
    return (result.value_text or "").strip() or f"{result.value:.6g}"


def _cell(r: Any) -> tuple[Any, ...]:
    return (r.page, r.locator, r.benchmark_id, normalize_model_name(r.model_name), r.setting)


def _better(a: Any, b: Any) -> bool:
    return a.value < b.value if a.benchmark.direction == LOWER else a.value > b.value


def _margin(own: Any, best: Any) -> float:
    """How far the paper's method is ahead of the best other method, relative (capped at 1)."""
    if best is None or not best.value:
        return 0.0
    ahead = (best.value - own.value) if own.benchmark.direction == LOWER else (own.value - best.value)
    return max(-1.0, min(1.0, ahead / abs(best.value)))


def usable(results: Iterable[Any]) -> list[Any]:
    """Results a headline may rest on: not rejected, and from a table that names its benchmark."""
    return [r for r in results if r.status != REJECTED and not r.benchmark_inferred]


def _comparisons(results: list[Any], own: OwnMethods) -> list[tuple[Any, Any, list[Any]]]:
    """Each result of the paper's own method with the best other method of its cell, and all of them."""
    cells: dict[tuple[Any, ...], list[Any]] = {}
    for r in results:
        cells.setdefault(_cell(r), []).append(r)
    out = []
    for r in results:
        if not own(r.method.name):
            continue
        others = [c for c in cells[_cell(r)] if not own(c.method.name) and not c.method.is_reference_point]
        best = None
        for other in others:
            best = other if best is None or _better(other, best) else best
        out.append((r, best, others))
    return out


def key_results(results: Iterable[Any], own_names: Iterable[str], limit: int = 6) -> list[dict[str, Any]]:
    """The paper's headline numbers, best first (the first is its primary result)."""
    own = OwnMethods(own_names)
    compared = _comparisons(usable(results), own)
    # The benchmark the paper reports its method on most is its headline benchmark.
    reported = Counter(r.benchmark_id for r, _, _ in compared)

    def rank(item: tuple[Any, Any, list[Any]]) -> tuple[Any, ...]:
        r, best, others = item
        wins = best is not None and not _better(best, r)
        competitors = len({o.method_id for o in others})
        return (
            not wins,
            not competitors,
            -reported[r.benchmark_id],
            -competitors,
            not own.exact(r.method.name),
            -_margin(r, best),
            r.pk,
        )

    ranked = sorted(compared, key=rank)
    if sum(1 for _, best, _ in ranked if best is not None) >= 3:
        ranked = [item for item in ranked if item[1] is not None]  # enough numbers with a comparison
    chosen: list[tuple[Any, Any, list[Any]]] = []
    numbers = set()  # a number printed in two tables is one result
    for key in (lambda r: (r.locator or r.page,), lambda r: (r.locator or r.page, r.benchmark_id)):
        seen = {key(r) for r, _, _ in chosen}
        for item in ranked:
            number = (item[0].method_id, *_cell(item[0])[2:], item[0].value)
            if len(chosen) < limit and key(item[0]) not in seen and number not in numbers:
                seen.add(key(item[0]))
                numbers.add(number)
                chosen.append(item)
    return [_key_result(r, best, others) for r, best, others in chosen]


def _key_result(r: Any, best: Any, others: list[Any]) -> dict[str, Any]:
    setting = f" at {r.setting}" if r.setting else ""
    lower = " (lower is better)" if r.benchmark.direction == LOWER else ""
    model = f" with {r.model_name}" if r.model_name else ""
    text = f"{r.method.name} reaches {shown(r)} on {r.benchmark.name}{model}{setting}{lower}"
    if best is not None:
        text += f"; the best other method in the same table, {best.method.name}, reaches {shown(best)}"
    return {
        "text": text + ".",
        "result_id": r.pk,
        "method": r.method.name,
        "method_id": r.method_id,
        "benchmark": r.benchmark.name,
        "benchmark_id": r.benchmark_id,
        "metric": r.benchmark.metric,
        "direction": r.benchmark.direction,
        "model": r.model_name,
        "setting": r.setting,
        "value": shown(r),
        "page": r.page,
        "locator": r.locator,
        "baseline": best.method.name if best is not None else "",
        "baseline_value": shown(best),
        "baseline_result_id": best.pk if best is not None else None,
        "competitors": len({o.method_id for o in others}),
    }


def method_facts(results: Iterable[Any], own_names: Iterable[str]) -> dict[str, Any]:
    """What the paper ran its own method on: models, settings, bits, group sizes, and the baselines
    it was compared with in the same tables (with how many table cells each)."""
    own = OwnMethods(own_names)
    rows = usable(results)
    mine = [r for r in rows if own(r.method.name)]
    baselines: Counter[str] = Counter()
    urls: dict[str, str] = {}
    for _, _, others in _comparisons(rows, own):
        for other in {o.method.name: o for o in others}.values():
            baselines[other.method.name] += 1
            urls[other.method.name] = other.method.get_absolute_url()
    return {
        "models": [
            m for m, _ in Counter(normalize_model_name(r.model_name) for r in mine if r.model_name).most_common(12)
        ],
        "settings": [s for s, _ in Counter(r.setting for r in mine if r.setting).most_common(10)],
        "weight_bits": sorted({r.weight_bits for r in mine if r.weight_bits}),
        "activation_bits": sorted({r.activation_bits for r in mine if r.activation_bits}),
        "group_sizes": sorted({r.group_size for r in mine if r.group_size}),
        "baselines": [{"name": n, "url": urls[n], "cells": c} for n, c in baselines.most_common(8)],
    }


def coverage_checks(
    results: Iterable[Any], own_names: Iterable[str], baselines: list[str], limit: int = 3
) -> list[str]:
    """Comparisons a careful reader would run next: a setting (or else a model) where the paper
    reports its own method but not one of its main baselines."""
    own = OwnMethods(own_names)
    rows = usable(results)
    mine = sorted((r for r in rows if own.exact(r.method.name)), key=lambda r: (r.page or 0, r.pk))
    checks = []
    for baseline in baselines[:limit]:
        theirs = [r for r in rows if r.method.name == baseline]
        gap = _first_gap(mine, {r.setting for r in theirs}, lambda r: r.setting)
        gap = gap or _first_gap(
            mine, {normalize_model_name(r.model_name) for r in theirs}, lambda r: normalize_model_name(r.model_name)
        )
        if gap is not None:
            where = ", ".join(p for p in (gap.locator, f"p. {gap.page}" if gap.page else "") if p)
            what = f"{gap.model_name} at {gap.setting}" if gap.setting else gap.model_name
            checks.append(
                f"Run {baseline} on {what}: the paper reports {gap.method.name} there ({where}) but no {baseline} number to compare."
            )
    inferred = sum(1 for r in results if own(r.method.name) and r.benchmark_inferred and r.status != REJECTED)
    if inferred:
        checks.append(
            f"Confirm the benchmark of {inferred} result(s) of the paper's own method: their table does not name it, "
            "the extractor assumed it."
        )
    return checks


def _first_gap(mine: list[Any], covered: set[str], key: Any) -> Any:
    return next((r for r in mine if key(r) and key(r) not in covered), None)
