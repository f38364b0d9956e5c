"""Reading a method's hub: who beats it and whom it beats, critiques, citations. Fixed query count."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When

from baselines.models import BeatsReceipt, CritiqueReceipt, Method
from benchmarks.models import BenchmarkResult
from papers.models import Citation, CitationPolarity, CitationRole, Paper
from papers.provenance import ReceiptStatus
from worker.reading.text import split_sentences

ROWS = 50
# Representative citing papers shown above the explorer; the explorer pages through all of them.
REPRESENTATIVE = 10
_NOT_ALNUM_RE = re.compile(r"[^0-9a-z]+")
# How the headline "N% of citing papers cite this work …" ends for the role most of them take.
ROLE_PHRASES = {
    CitationRole.BACKGROUND: "as background",
    CitationRole.USES: "because they use the method",
    CitationRole.COMPARES: "to compare against it",
}


def squash_name(text: str) -> str:
    """Letters and digits only, case-folded: "LLaMA 13B" and "LLaMA-13B" are one model."""
    return _NOT_ALNUM_RE.sub("", text.casefold())


def _counted(qs: QuerySet, approved_only: bool = False) -> QuerySet:
    # Hubs span reviews: they show approved receipts and pending ones marked "unreviewed" (or approved
    # ones alone, when the reader asks), never rejected ones, and nothing from a paper no review includes.
    return qs.public(approved_only=approved_only)


# What a hub's lists never show of a receipt and its paper: building and converting them (dates
# above all) for 600 rows cost more than the queries that read the rows.
RECEIPT_UNSHOWN = ("decided_at", "decided_by", "reason", "quote_checked_at", "quote_checked_version", "created_at")
PAPER_UNSHOWN = tuple(
    f"paper__{name}"
    for name in ("abstract", "raw_entry", "authors", "categories", "updated", "journal_ref", "comment")
    + ("abs_url", "pdf_url", "created_at", "modified_at")
)


def _listed(receipts: QuerySet, *related: str) -> QuerySet:
    return receipts.select_related("paper", *related).defer(*RECEIPT_UNSHOWN, *PAPER_UNSHOWN)


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


@dataclass
class HubList:
    """The first ROWS of one of the hub's lists, and whether the list goes on past them."""

    rows: list[Any]
    more: bool

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def _page(read: list[Any]) -> HubList:
    return HubList(read[:ROWS], len(read) > ROWS)


def _result_key(r: BenchmarkResult) -> tuple:
    return (r.paper_id, r.benchmark_id, squash_name(r.model_name), squash_name(r.setting), r.value)


def _critique_key(c: CritiqueReceipt) -> tuple:
    return (c.paper_id, squash_name(c.quote))


def method_hub(method: Method, approved_only: bool = False) -> dict[str, Any]:
    beaten_by = _counted(BeatsReceipt.objects.filter(baseline=method), approved_only)
    beats = _counted(BeatsReceipt.objects.filter(method=method), approved_only)
    critiques = _counted(CritiqueReceipt.objects.filter(method=method), approved_only)
    results = reported_results(method, approved_only)
    mentions = method_mentions(method, approved_only)
    by_paper = per_citing_paper(mentions)
    # Receipts newest first (by id, the order of the method's index): read from the index and stopped
    # at a page, where ordering by the paper's date sorted all of them (20,000 "beats" at scale) first.
    return {
        "method": method,
        "approved_only": approved_only,
        "rows": ROWS,
        # One row past the page tells whether more exist (the page says so) without counting them.
        "beaten_by": _page(list(_listed(beaten_by, "method", "benchmark").order_by("-pk")[: ROWS + 1])),
        "beats": _page(list(_listed(beats, "baseline", "benchmark").order_by("-pk")[: ROWS + 1])),
        "critiques": _page(_once(_listed(critiques).order_by("-pk")[: 2 * ROWS], _critique_key, ROWS + 1)),
        "results": _page(_once(results[: 2 * ROWS], _result_key, ROWS + 1)),
        **citation_summary(by_paper),
        "representative": representative_papers(
            mentions, by_paper, names=[method.name, *(alias.alias for alias in method.aliases.all())]
        ),
    }


def reported_results(method: Method, approved_only: bool = False) -> QuerySet:
    """The method's public results by benchmark (by id, not name), model and setting, the newest paper
    first: the order of index result_method_bench_model, so a page reads its first rows from the index
    instead of sorting all of a method's results (140,000 at scale)."""
    return (
        _counted(BenchmarkResult.objects.filter(method=method), approved_only)
        .select_related("paper", "benchmark")
        .defer(*RECEIPT_UNSHOWN, *PAPER_UNSHOWN)
        .order_by("benchmark_id", "model_name", "setting", "-paper__published", "pk")
    )


# Citations: every query below groups a method's citation receipts by citing paper in the database, so
# a method cited by thousands of papers costs the same number of queries as one cited by two.


def method_mentions(method: Method, approved_only: bool = False) -> QuerySet:
    """The method's citation receipts public pages may show: sentences citing the paper that introduced
    it, and receipts naming the method itself."""
    cites = Q(method=method)
    if method.introduced_by_id:
        cites |= Q(cited_id=method.introduced_by_id)
    return _counted(Citation.objects.filter(cites), approved_only)


def _mentions(**condition: str) -> Count:
    return Count("pk", filter=Q(**condition))


def per_citing_paper(mentions: QuerySet) -> QuerySet:
    """One row per citing paper (``paper_id``, ``contexts``, ``unreviewed``, ``role``, ``polarity``),
    grouped in the database.

    A paper's ``role`` is the one most of its mentions take; a tie goes to the more specific reading
    (comparing, then using, then background). Its ``polarity`` is the stance most of its non-neutral
    mentions take, contrasting on a tie (a criticism is never hidden behind praise), and neutral when
    it takes none: most citing sentences are neutral, and a paper's one "fails at 2 bits" is its stance.
    """
    counts = mentions.values("paper_id").annotate(
        contexts=Count("pk"),
        unreviewed=_mentions(status=ReceiptStatus.PENDING),
        n_background=_mentions(role=CitationRole.BACKGROUND),
        n_uses=_mentions(role=CitationRole.USES),
        n_compares=_mentions(role=CitationRole.COMPARES),
        n_supporting=_mentions(polarity=CitationPolarity.SUPPORTING),
        n_contrasting=_mentions(polarity=CitationPolarity.CONTRASTING),
    )
    role = Case(
        When(Q(n_compares__gte=F("n_uses")) & Q(n_compares__gte=F("n_background")), then=Value(CitationRole.COMPARES)),
        When(n_uses__gte=F("n_background"), then=Value(CitationRole.USES)),
        default=Value(CitationRole.BACKGROUND),
        output_field=CharField(),
    )
    polarity = Case(
        When(
            Q(n_contrasting__gt=0) & Q(n_contrasting__gte=F("n_supporting")), then=Value(CitationPolarity.CONTRASTING)
        ),
        When(n_supporting__gt=0, then=Value(CitationPolarity.SUPPORTING)),
        default=Value(CitationPolarity.NEUTRAL),
        output_field=CharField(),
    )
    return counts.annotate(role=role, polarity=polarity)


def _bars(counts: dict[str, int], field: str, choices: Sequence[tuple[str, str]], total: int) -> list[dict[str, Any]]:
    """Bars of a summary chart, in the choices' order; a value no paper takes gets no bar."""
    bars = []
    for key, label in choices:
        papers = counts[f"{field}_{key}"]
        if papers:
            share = papers / total
            bars.append({"key": key, "label": label, "papers": papers, "share": share, "percent": round(100 * share)})
    return bars


def citation_summary(by_paper: QuerySet) -> dict[str, Any]:
    """How many papers cite the method, by their role and polarity for it, and the headline (the role
    most citing papers take, as a share of them). One query: an aggregate over the grouped rows."""
    counts = by_paper.aggregate(
        total=Count("paper_id"),
        **{f"role_{key}": Count("paper_id", filter=Q(role=key)) for key in CitationRole.values},
        **{f"polarity_{key}": Count("paper_id", filter=Q(polarity=key)) for key in CitationPolarity.values},
    )
    total = counts["total"]
    role_shares = _bars(counts, "role", CitationRole.choices, total)
    headline = None
    if role_shares:
        top = max(role_shares, key=lambda bar: bar["papers"])
        headline = {**top, "total": total, "phrase": ROLE_PHRASES[top["key"]]}
    return {
        "citing_total": total,
        "role_shares": role_shares,
        "polarity_shares": _bars(counts, "polarity", CitationPolarity.choices, total),
        "headline": headline,
    }


@dataclass
class CitingPaper:
    """One citing paper as the hub shows it: its role and polarity for the method, how many of its
    sentences cite it, and (for representative papers) a one-line summary and one citing sentence."""

    paper: Paper
    role: str
    polarity: str
    contexts: int
    unreviewed: int
    summary_line: str = ""
    citation: Citation | None = None

    @property
    def role_label(self) -> str:
        return CitationRole(self.role).label

    @property
    def polarity_label(self) -> str:
        return CitationPolarity(self.polarity).label


def first_sentence(text: str) -> str:
    """The first whole sentence of ``text`` (all of it when it has no sentence end)."""
    sentences = split_sentences(" ".join(text.split()))
    return sentences[0] if sentences else ""


def summary_line(paper: Paper) -> str:
    """The first sentence of the paper's own summary (its contribution), else of its abstract."""
    summary = getattr(paper, "summary", None)  # a paper with no summary row raises AttributeError here
    return first_sentence(summary.contribution if summary else "") or first_sentence(paper.abstract)


def _newest_first(by_paper: QuerySet, *first: str) -> QuerySet:
    return by_paper.order_by(*first, F("paper__published").desc(nulls_last=True), "paper_id")


def representative_papers(
    mentions: QuerySet, by_paper: QuerySet, names: Iterable[str] = (), limit: int = REPRESENTATIVE
) -> list[CitingPaper]:
    """The papers that cite the method in the most sentences (newest first on a tie), each with its
    one-line summary and one of its sentences taking its role: one that names the method (any of
    ``names``) and takes the paper's polarity when there is one, the most confident first. Three
    queries, whatever the number of citing papers."""
    rows = list(_newest_first(by_paper, "-contexts")[:limit])
    if not rows:
        return []
    papers = Paper.objects.defer("raw_entry").select_related("summary").in_bulk([r["paper_id"] for r in rows])
    own_role = reduce(or_, (Q(paper_id=r["paper_id"], role=r["role"]) for r in rows))
    named = reduce(or_, (Q(quote__icontains=name) for name in names if name), Q(pk__in=[]))
    ranked = mentions.filter(own_role).annotate(names_it=Case(When(named, then=Value(1)), default=Value(0)))
    sentences: dict[int, list[Citation]] = {}
    for citation in ranked.order_by("-names_it", "-confidence", "page", "pk"):
        sentences.setdefault(citation.paper_id, []).append(citation)
    shown = []
    for row in rows:
        paper = papers[row["paper_id"]]
        candidates = sentences.get(paper.pk, [])
        # min keeps the first of equals: naming the method outranks matching the polarity.
        best = min(candidates, key=lambda c: (not c.names_it, c.polarity != row["polarity"]), default=None)
        shown.append(_citing(row, paper, summary_line=summary_line(paper), citation=best))
    return shown


def _citing(row: dict[str, Any], paper: Paper, **extra: Any) -> CitingPaper:
    return CitingPaper(
        paper=paper,
        role=row["role"],
        polarity=row["polarity"],
        contexts=row["contexts"],
        unreviewed=row["unreviewed"],
        **extra,
    )


def citing_papers(method: Method, *, role: str = "", polarity: str = "", approved_only: bool = False) -> QuerySet:
    """The explorer: one row per citing paper, newest first, filtered on the paper's role and polarity
    for the method (an unknown value is no filter). Page it, then :func:`with_papers` on the page."""
    by_paper = per_citing_paper(method_mentions(method, approved_only))
    if role in CitationRole.values:
        by_paper = by_paper.filter(role=role)
    if polarity in CitationPolarity.values:
        by_paper = by_paper.filter(polarity=polarity)
    return _newest_first(by_paper)


def with_papers(rows: Iterable[dict[str, Any]]) -> list[CitingPaper]:
    """A page of :func:`citing_papers` rows with their papers (one query, without abstracts)."""
    rows = list(rows)
    papers = Paper.objects.listed().in_bulk([r["paper_id"] for r in rows])
    return [_citing(row, papers[row["paper_id"]]) for row in rows]
