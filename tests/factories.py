"""Plain test factories: make_<thing>(**overrides) with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, Method, MethodAlias
from benchmarks.models import Benchmark, BenchmarkAlias, BenchmarkResult, Direction
from papers.models import Paper
from papers.services import PaperRecord
from reviews.models import Review, ReviewPaper

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def paper_record(**overrides: Any) -> PaperRecord:
    n = _next()
    record: PaperRecord = {
        "arxiv_id": f"2401.{n:05d}",
        "version": 1,
        "title": f"Quantizing language models, part {n}",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "abstract": "We quantize weights to 4 bits.",
        "categories": ["cs.LG", "cs.CL"],
        "primary_category": "cs.LG",
        "published": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        "updated": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        "doi": None,
        "abs_url": f"http://arxiv.org/abs/2401.{n:05d}v1",
        "pdf_url": f"http://arxiv.org/pdf/2401.{n:05d}v1",
        "raw_entry": {"id": f"http://arxiv.org/abs/2401.{n:05d}v1"},
    }
    record.update(overrides)  # type: ignore[typeddict-item]
    return record


def make_paper(**overrides: Any) -> Paper:
    n = _next()
    fields: dict[str, Any] = {
        "arxiv_id": f"2402.{n:05d}",
        "version": 1,
        "title": f"A paper about quantization {n}",
        "authors": ["Grace Hopper"],
        "categories": ["cs.LG"],
        "primary_category": "cs.LG",
        "published": timezone.now() - dt.timedelta(days=30),
        "updated": timezone.now() - dt.timedelta(days=30),
    }
    fields.update(overrides)
    return Paper.objects.create(**fields)


def make_review(**overrides: Any) -> Review:
    n = _next()
    fields: dict[str, Any] = {
        "slug": f"review-{n}",
        "title": f"Review {n}",
        "tagline": "A field followed on arXiv.",
        "arxiv_categories": ["cs.LG"],
        "query_terms": ["quantization"],
    }
    fields.update(overrides)
    return Review.objects.create(**fields)


def add_to_review(review: Review, paper: Paper, **overrides: Any) -> ReviewPaper:
    return ReviewPaper.objects.create(review=review, paper=paper, **overrides)


def make_method(name: str | None = None, **overrides: Any) -> Method:
    method = Method.objects.create(name=name or f"Method{_next()}", **overrides)
    MethodAlias.objects.create(method=method, alias=method.name)
    return method


def make_benchmark(name: str | None = None, direction: str = Direction.LOWER, **overrides: Any) -> Benchmark:
    fields: dict[str, Any] = {"metric": "perplexity" if direction == Direction.LOWER else "accuracy"}
    fields.update(overrides)
    benchmark = Benchmark.objects.create(name=name or f"Bench{_next()}", direction=direction, **fields)
    BenchmarkAlias.objects.create(benchmark=benchmark, alias=benchmark.name)
    return benchmark


def _provenance(overrides: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"extractor": "rules", "extractor_version": "1", "confidence": 0.8, "page": 3}
    fields.update(overrides)
    if "paper" not in fields:
        fields["paper"] = make_paper()
    return fields


def make_result(**overrides: Any) -> BenchmarkResult:
    fields = _provenance(overrides)
    fields.setdefault("method", make_method())
    fields.setdefault("benchmark", make_benchmark())
    fields.setdefault("model_name", "LLaMA-2-7B")
    fields.setdefault("setting", "W4A16")
    fields.setdefault("value", 5.83)
    return BenchmarkResult.objects.create(**fields)


def make_critique(**overrides: Any) -> CritiqueReceipt:
    fields = _provenance(overrides)
    fields.setdefault("method", make_method())
    fields.setdefault("quote", "This method fails at 4-bit activations.")
    return CritiqueReceipt.objects.create(**fields)


def make_beats(**overrides: Any) -> BeatsReceipt:
    fields = _provenance(overrides)
    fields.setdefault("method", make_method())
    fields.setdefault("baseline", make_method())
    return BeatsReceipt.objects.create(**fields)
