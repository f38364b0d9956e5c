"""Reading a review's derived views for its pages: each function runs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from baselines.models import BeatsReceipt, CritiqueReceipt, Method
from papers.provenance import of_basis
from reviews.models import Claim, FrontierEntry, MethodStanding, Review, ReviewPaper, SubProblem

PANEL_ROWS = 15
SUBPROBLEMS_SHOWN = 12
MEMBERS_SHOWN = 12


def _fit_in(review: Review) -> QuerySet:
    """The fit to the review of the outer row's paper, for a Subquery."""
    return ReviewPaper.objects.filter(review=review, paper=OuterRef("paper_id")).values("fit")[:1]


def dashboard(review: Review, approved_only: bool = False) -> dict[str, Any]:
    """Everything the review home shows, from the derived tables of one basis (about eight queries).
    Over approved and pending receipts, each standing also carries its approved-only figures."""
    standings = list(
        MethodStanding.objects.filter(of_basis(approved_only), review=review).select_related("method")[:PANEL_ROWS]
    )
    if not approved_only:
        approved = {
            row.method_id: row
            for row in MethodStanding.objects.filter(
                review=review, approved_only=True, method_id__in=[s.method_id for s in standings]
            )
        }
        for s in standings:
            s.approved = approved.get(s.method_id)
    subproblems = list(
        SubProblem.objects.filter(of_basis(approved_only), review=review).select_related("anchor")[:SUBPROBLEMS_SHOWN]
    )
    member_ids = {m for sp in subproblems for m in sp.member_ids[:MEMBERS_SHOWN]}
    members = Method.objects.in_bulk(member_ids) if member_ids else {}
    for sp in subproblems:
        sp.members = [members[m] for m in sp.member_ids[:MEMBERS_SHOWN] if m in members]
        sp.more = max(sp.size - MEMBERS_SHOWN, 0)
    frontier = list(
        FrontierEntry.objects.filter(of_basis(approved_only), review=review)
        .select_related("method", "paper")
        .annotate(paper_fit=Subquery(_fit_in(review)))[:PANEL_ROWS]
    )
    last_run = review.ingestion_runs.successful().order_by("-finished_at").first()
    return {
        "review": review,
        "counts": review.derived_counts or {},
        "approved_only": approved_only,
        "standings": standings,
        "subproblems": subproblems,
        "frontier": frontier,
        "last_run": last_run,
    }


def dashboard_json(review: Review, approved_only: bool = False) -> dict[str, Any]:
    data = dashboard(review, approved_only)
    return {
        "review": {"slug": review.slug, "title": review.title, "scope": review.tagline},
        "counts": data["counts"],
        "approved_only": approved_only,
        "updated": data["last_run"].finished_at.isoformat() if data["last_run"] else None,
        "derived_at": review.derived_at.isoformat() if review.derived_at else None,
        "most_superseded": [
            {
                "method": s.method.name,
                "slug": s.method.slug,
                "critique_papers": s.critique_papers,
                "beaten_by_papers": s.beaten_by_papers,
                "rank": s.rank,
            }
            for s in data["standings"]
        ],
        "subproblems": [
            {
                "name": sp.anchor.name,
                "size": sp.size,
                "members": [m.name for m in sp.members],
                "benchmarks": sp.benchmark_names,
            }
            for sp in data["subproblems"]
        ],
        "frontier": [
            {
                "method": f.method.name,
                "slug": f.method.slug,
                "paper": f.paper.arxiv_id,
                "published": f.published.isoformat(),
            }
            for f in data["frontier"]
        ],
    }


MAX_PAGE = 10_000


@dataclass
class NextPage:
    """A page of a list read without counting it: the rows of page `number` and whether another
    follows (read as one more row). A COUNT of a list over 100,000 papers costs more than the page."""

    object_list: list[Any]
    number: int
    has_next: bool

    @classmethod
    def of(cls, rows: QuerySet, asked: str | None, per_page: int) -> NextPage:
        # ASCII digits only ("²".isdigit() is True and int() refuses it), capped so OFFSET stays sane.
        number = min(int(asked), MAX_PAGE) if asked and asked.isascii() and asked.isdigit() and int(asked) > 0 else 1
        start = (number - 1) * per_page
        found = list(rows[start : start + per_page + 1])
        return cls(found[:per_page], number, len(found) > per_page)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def receipts_behind(review: Review, kind: str, method: Method, approved_only: bool = False) -> QuerySet:
    """The receipts one dashboard number counts, newest first (by id: the order of the method's index,
    so a page reads its rows from the index), each with its paper's fit to the review (a weak fit
    counts, and the page marks it). Each row's paper is tested on its own (``shown_in``)."""
    fit = _fit_in(review)
    if kind == "critiques":
        qs = CritiqueReceipt.objects.filter(method=method).shown_in(review, approved_only=approved_only)
        qs = qs.select_related("paper", "method")
    else:
        field = "baseline" if kind == "beaten-by" else "method"
        qs = BeatsReceipt.objects.filter(**{field: method}).shown_in(review, approved_only=approved_only)
        qs = qs.select_related("paper", "method", "baseline", "benchmark")
    return qs.annotate(paper_fit=Subquery(fit)).order_by("-pk")


def receipts_papers(review: Review, kind: str, method: Method, approved_only: bool = False) -> int | None:
    """The dashboard's number for the list: distinct papers, as the last recompute counted them."""
    field = {"critiques": "critique_papers", "beaten-by": "beaten_by_papers"}.get(kind, "beats_papers")
    standing = MethodStanding.objects.filter(of_basis(approved_only), review=review, method=method)
    return standing.values_list(field, flat=True).first()


def ledger_claims(review: Review) -> QuerySet:
    """The claims of the papers the quality gate counts, each claim's paper tested on its own, by paper
    and status: the order of index claim_paper_status, so a page (read with :class:`NextPage`, the
    gate giving the number) reads its rows, not every claim of the review sorted."""
    included = review.included_paper_ids().filter(paper_id=OuterRef("paper_id"))
    return Claim.objects.filter(Exists(included)).select_related("paper").order_by("paper_id", "status", "pk")
