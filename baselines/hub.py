"""Reading a method's hub: who beats it and whom it beats, critiques, citations. Fixed query count."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, QuerySet

from baselines.models import BeatsReceipt, CritiqueReceipt, Method
from benchmarks.models import BenchmarkResult
from papers.models import Citation, CitationPolarity, CitationRole

ROWS = 50
_NOT_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def squash_name(text: str) -> str:
    """Letters and digits only, case-folded: "LLaMA 13B" and "LLaMA-13B" are one model."""
    return _NOT_ALNUM_RE.sub("", text.casefold())


def _counted(qs: QuerySet, approved_only: bool = False) -> QuerySet:
    # Hubs span reviews: they show approved receipts and pending ones marked "unreviewed" (or approved
    # ones alone, when the reader asks), never rejected ones, and nothing from a paper no review includes.
    return qs.public(approved_only=approved_only)


def _once(receipts: Iterable[Any], key: Callable[[Any], tuple], limit: int) -> list[Any]:
    """Each result or critique once: a paper that prints the same number in two tables (or the same
    sentence twice) is listed at its first place, the other places noted in `also`."""
    first: dict[tuple, Any] = {}
    for receipt in receipts:
        seen = first.setdefault(key(receipt), receipt)
        if seen is receipt:
            receipt.also = []
        else:
            seen.also.append(receipt.locator or f"p. {receipt.page}")
    return list(first.values())[:limit]


def _result_key(r: BenchmarkResult) -> tuple:
    return (r.paper_id, r.benchmark_id, squash_name(r.model_name), squash_name(r.setting), r.value)


def _critique_key(c: CritiqueReceipt) -> tuple:
    return (c.paper_id, squash_name(c.quote))


def _shares(rows: list[dict[str, Any]], field: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    total = sum(r["n"] for r in rows) or 1
    return [
        {"key": r[field], "label": labels.get(r[field], r[field]), "papers": r["n"], "share": r["n"] / total}
        for r in rows
    ]


def method_hub(method: Method, approved_only: bool = False) -> dict[str, Any]:
    beaten_by = _counted(BeatsReceipt.objects.filter(baseline=method), approved_only)
    beats = _counted(BeatsReceipt.objects.filter(method=method), approved_only)
    critiques = _counted(CritiqueReceipt.objects.filter(method=method), approved_only)
    citations = _counted(
        Citation.objects.filter(cited__introduced_methods=method) | Citation.objects.filter(method=method)
    )
    by_role = list(citations.values("role").annotate(n=Count("paper", distinct=True)).order_by("-n"))
    by_polarity = list(citations.values("polarity").annotate(n=Count("paper", distinct=True)).order_by("-n"))
    representative = list(
        citations.filter(role=CitationRole.COMPARES)
        .select_related("paper")
        .order_by("-confidence", "-paper__published")[:5]
    )
    results = (
        _counted(BenchmarkResult.objects.filter(method=method), approved_only)
        .select_related("paper", "benchmark")
        .order_by("benchmark__name", "model_name", "setting", "-paper__published")
    )
    return {
        "method": method,
        "approved_only": approved_only,
        "beaten_by": list(
            beaten_by.select_related("paper", "method", "benchmark").order_by("-paper__published", "pk")[:ROWS]
        ),
        "beats": list(
            beats.select_related("paper", "baseline", "benchmark").order_by("-paper__published", "pk")[:ROWS]
        ),
        "critiques": _once(
            critiques.select_related("paper").order_by("-paper__published", "pk")[: 2 * ROWS], _critique_key, ROWS
        ),
        "results": _once(results[: 2 * ROWS], _result_key, ROWS),
        "role_shares": _shares(by_role, "role", dict(CitationRole.choices)),
        "polarity_shares": _shares(by_polarity, "polarity", dict(CitationPolarity.choices)),
        "representative": representative,
        "roles": CitationRole.choices,
        "polarities": CitationPolarity.choices,
    }


def citing_papers(method: Method, *, role: str = "", polarity: str = "") -> QuerySet:
    """The explorer: citations of the method, newest citing paper first, filterable by role and polarity."""
    qs = _counted(Citation.objects.filter(cited__introduced_methods=method) | Citation.objects.filter(method=method))
    if role in CitationRole.values:
        qs = qs.filter(role=role)
    if polarity in CitationPolarity.values:
        qs = qs.filter(polarity=polarity)
    return qs.select_related("paper").order_by("-paper__published", "pk")
