"""Writes owned by reviews: creating reviews from their specs, loading the shipped reference data, and
assessing computed fits again when a paper's metadata changes."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction

from baselines.models import Method, MethodAlias
from baselines.reference import METHODS
from benchmarks.models import Benchmark, BenchmarkAlias
from benchmarks.reference import BENCHMARKS
from papers.services import ensure_stub_paper
from reviews.models import Review, ReviewPaper
from reviews.reference import REVIEWS, ReviewSpec
from reviews.scope import assess_fit
from worker.extract.names import normalize_name

logger = logging.getLogger(__name__)


@dataclass
class LoadReport:
    reviews_created: int = 0
    methods_created: int = 0
    benchmarks_created: int = 0
    aliases_created: int = 0
    alias_conflicts: int = 0


def upsert_review(spec: ReviewSpec) -> tuple[Review, bool]:
    """Create the review from its spec, or leave an existing one as operators have edited it (a review
    made before it had research questions gets the spec's; questions curators wrote are kept)."""
    review, created = Review.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            "title": spec["title"],
            "tagline": spec["tagline"],
            "arxiv_categories": spec["arxiv_categories"],
            "query_terms": spec["query_terms"],
            "exclude_terms": spec["exclude_terms"],
            "inclusion_criteria": spec["inclusion_criteria"],
            "ingest_hour": spec["ingest_hour"],
            "ingest_minute": spec["ingest_minute"],
            "ingest_since": dt.date.fromisoformat(spec["ingest_since"]),
            "research_questions": spec["research_questions"],
        },
    )
    if not created and not review.research_questions and spec["research_questions"]:
        review.research_questions = spec["research_questions"]
        review.save(update_fields=["research_questions", "updated_at"])
    return review, created


def _add_aliases(
    alias_model: type[MethodAlias] | type[BenchmarkAlias],
    owner_field: str,
    owner: object,
    names: list[str],
    report: LoadReport,
) -> None:
    owned = {normalize_name(name): name for name in names if normalize_name(name)}
    taken = dict(alias_model.objects.filter(normalized__in=list(owned)).values_list("normalized", f"{owner_field}_id"))
    for key, name in owned.items():
        if key not in taken:
            alias_model.objects.create(alias=name, **{owner_field: owner})
            report.aliases_created += 1
        elif taken[key] != owner.pk:  # type: ignore[attr-defined]
            # A curator may have moved this spelling to another method; their decision stands.
            report.alias_conflicts += 1
            logger.warning("alias %r already names another %s; left as it is", name, owner_field)


def load_reference_data() -> LoadReport:
    """Load the shipped reviews, method registry and benchmarks. Idempotent: a second run adds nothing,
    and nothing curators or operators changed is overwritten."""
    report = LoadReport()
    with transaction.atomic():
        for spec in REVIEWS:
            _, created = upsert_review(spec)
            report.reviews_created += created
        for method_spec in METHODS:
            method = Method.objects.by_name(method_spec["name"])
            if method is None:
                paper = (
                    ensure_stub_paper(method_spec["arxiv_id"], method_spec["title"], method_spec["year"])
                    if method_spec["arxiv_id"]
                    else None
                )
                method = Method.objects.create(
                    name=method_spec["name"], family=method_spec["family"], introduced_by=paper
                )
                report.methods_created += 1
            _add_aliases(MethodAlias, "method", method, [method_spec["name"], *method_spec["aliases"]], report)
        for bench_spec in BENCHMARKS:
            benchmark = Benchmark.objects.by_name(bench_spec["name"])
            if benchmark is None:
                benchmark = Benchmark.objects.create(
                    name=bench_spec["name"],
                    metric=bench_spec["metric"],
                    direction=bench_spec["direction"],
                    task=bench_spec["task"],
                    description=bench_spec["description"],
                )
                report.benchmarks_created += 1
            _add_aliases(BenchmarkAlias, "benchmark", benchmark, [bench_spec["name"], *bench_spec["aliases"]], report)
    return report


def reassess_computed_fits(arxiv_ids: list[str]) -> int:
    """Assess again, in every review, the fit of these papers where it was computed from their
    metadata (no curator set it), because that metadata changed. Returns how many fits changed.
    Idempotent; a fit a curator decided is never touched."""
    entries = ReviewPaper.objects.filter(paper__arxiv_id__in=arxiv_ids, fit_decided_by=None).select_related(
        "review", "paper"
    )
    changed = []
    for entry in entries:
        fit = assess_fit(entry.review, entry.paper.title, entry.paper.abstract, entry.paper.categories)
        if fit != entry.fit:
            entry.fit = fit
            changed.append(entry)
    ReviewPaper.objects.bulk_update(changed, ["fit"])
    return len(changed)
