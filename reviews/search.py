"""Search over papers, methods and benchmarks: PostgreSQL full text, or a simple fallback on SQLite."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Q
from django.db.models.expressions import RawSQL

from baselines.models import Method
from benchmarks.models import Benchmark
from papers.models import Paper
from worker.extract.names import normalize_name

PAPERS_SHOWN = 20
NAMES_SHOWN = 10
# The stored, GIN-indexed document of title and abstract (a generated column papers/migrations adds
# on PostgreSQL only): matching and ranking read it instead of computing the vector per paper.
PAPER_DOCUMENT = '"papers_paper"."search_document"'


@dataclass
class SearchResults:
    query: str
    papers: list[Paper] = field(default_factory=list)
    methods: list[Method] = field(default_factory=list)
    benchmarks: list[Benchmark] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.papers or self.methods or self.benchmarks)


def search(query: str) -> SearchResults:
    """Up to 20 papers (best match first) and 10 methods and benchmarks whose names contain the query."""
    query = " ".join(query.split())[:200]
    results = SearchResults(query=query)
    if len(query) < 2:
        return results
    results.papers = list(_papers(query))
    key = normalize_name(query)
    if key:
        results.methods = list(
            Method.objects.filter(aliases__normalized__contains=key, provisional=False)
            .distinct()
            .order_by("name")[:NAMES_SHOWN]
        )
        results.benchmarks = list(
            Benchmark.objects.filter(aliases__normalized__contains=key, provisional=False)
            .distinct()
            .order_by("name")[:NAMES_SHOWN]
        )
    return results


def _papers(query: str):  # type: ignore[no-untyped-def]
    papers = Paper.objects.listed()
    if connection.vendor == "postgresql":
        terms = SearchQuery(query, config="english", search_type="websearch")
        return (
            papers.alias(document=RawSQL(PAPER_DOCUMENT, [], output_field=SearchVectorField()))
            .filter(document=terms)
            .annotate(rank=SearchRank(F("document"), terms))
            .order_by("-rank", "-published")[:PAPERS_SHOWN]
        )
    words = query.split()[:6]
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(abstract__icontains=word)
    return papers.filter(condition).order_by("-published")[:PAPERS_SHOWN]
