"""The extract stage: choose an extractor, run it on a parsed document, store its receipts."""

from __future__ import annotations

import logging
import math
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction

from baselines.models import BeatsReceipt, CritiqueReceipt, Method, MethodCandidate
from baselines.reference import METHODS
from benchmarks.models import Benchmark, BenchmarkCandidate, BenchmarkResult, Direction
from benchmarks.reference import BENCHMARKS
from papers.citation_services import extract_citations
from papers.claude_summary import summarize_document
from papers.models import Paper, PaperDocument
from papers.provenance import Receipt
from reviews.ledger import refresh_evidence
from worker.extract.claude import DEFAULT_MODEL, AnthropicExtractor, anthropic_client
from worker.extract.names import normalize_name
from worker.extract.receipts import BenchmarkInfo, Extraction, Extractor, Provenance, Registry, result_problem
from worker.extract.rules import RuleExtractor
from worker.reading.document import ParsedDocument, ParsedPage

if TYPE_CHECKING:
    import httpx2

logger = logging.getLogger(__name__)

EXTRACTOR_CHOICES = ("rule", "anthropic")
# Set by `manage.py ingest --extractor` for the run it makes; tasks use the settings.
run_extractor: ContextVar[str | None] = ContextVar("run_extractor", default=None)


def get_extractor(name: str | None = None) -> Extractor:
    """The named extractor; by default Claude when ANTHROPIC_API_KEY is set, else the rule-based one."""
    name = (
        name
        or run_extractor.get()
        or settings.RECEIPT_EXTRACTOR
        or ("anthropic" if settings.ANTHROPIC_API_KEY else "rule")
    )
    if name == "anthropic":
        return anthropic_extractor()
    if name == "rule":
        return RuleExtractor()
    raise ValueError(f"unknown extractor {name!r}; choose one of {', '.join(EXTRACTOR_CHOICES)}")


def registry_for_extraction() -> Registry:
    """Method and benchmark names from the database (curators' merges included), or the shipped
    registry when the database has none (a fresh checkout, the scoring tool)."""
    try:
        # Provisional names are a paper's words no curator has approved: not vocabulary yet.
        methods = [
            (m.name, [a.alias for a in m.aliases.all()])
            for m in Method.objects.filter(provisional=False).prefetch_related("aliases")
        ]
        benchmarks = [
            (BenchmarkInfo(b.name, b.direction, b.metric), [a.alias for a in b.aliases.all()])
            for b in Benchmark.objects.filter(provisional=False).prefetch_related("aliases")
        ]
    except DatabaseError:
        methods, benchmarks = [], []
    if not methods or not benchmarks:
        return reference_registry()
    return Registry(methods, benchmarks)


def reference_registry() -> Registry:
    """The registry shipped with the code (baselines.reference, benchmarks.reference)."""
    return Registry(
        [(m["name"], m["aliases"]) for m in METHODS],
        [(BenchmarkInfo(b["name"], b["direction"], b["metric"]), b["aliases"]) for b in BENCHMARKS],
    )


def anthropic_extractor(*, http_client: httpx2.Client | None = None) -> AnthropicExtractor:
    """The Claude extractor configured by settings.ANTHROPIC_API_KEY and settings.ANTHROPIC_MODEL."""
    api_key = settings.ANTHROPIC_API_KEY
    if not api_key:
        raise ImproperlyConfigured(
            "ANTHROPIC_API_KEY is not set: the 'anthropic' extractor needs an Anthropic API key. "
            "Set ANTHROPIC_API_KEY in the environment, or use the rule-based extractor ('rule')."
        )
    model = settings.ANTHROPIC_MODEL or DEFAULT_MODEL
    return AnthropicExtractor(anthropic_client(api_key, http_client=http_client, max_retries=0), model)


def extract_document_receipts(document_id: int) -> int:
    """The extract stage on one parsed document, in order; returns the receipts written.

    Receipts from the configured extractor, then citations; the evidence ledger next, because claims
    and quote checks read the receipts just written; the paper's summary last, from all of them."""
    written = extract_with_default_extractor(document_id)
    written += extract_citations(document_id)
    refresh_evidence(document_id)
    summarize_document(document_id)
    return written


def document_from_db(document_id: int) -> tuple[ParsedDocument, Paper]:
    """The stored parse of a document, in the shape extractors read."""
    stored = PaperDocument.objects.select_related("paper").get(pk=document_id)
    pages = [
        ParsedPage.from_json(page.number, page.text, page.tables, page.captions)
        for page in stored.pages.order_by("number")
    ]
    parsed = ParsedDocument(
        sha256=stored.sha256,
        page_count=stored.page_count or len(pages),
        pages=pages,
        seconds=stored.parse_seconds or 0.0,
        parser_version=stored.parser_version,
    )
    return parsed, stored.paper


@dataclass
class StoreReport:
    """What storing one extraction did; `skipped` counts receipts that name nothing we know yet."""

    written: int = 0
    replaced: int = 0
    kept_decided: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def _provenance(p: Provenance, extraction: Extraction) -> dict[str, Any]:
    return {
        "page": p.page if p.page and p.page >= 1 else None,
        "locator": p.locator[:200],
        "quote": p.quote,
        "confidence": min(max(p.confidence, 0.0), 1.0),
        "extractor": extraction.extractor,
        "extractor_version": extraction.version,
    }


def _clean_name(name: str) -> str:
    return " ".join(name.split())[:120]


class _Names:
    """Names in an extraction linked to registry rows; a name no registry knows gets a provisional
    row (created once, found again by alias) and a candidate receipt, so no result is dropped."""

    def __init__(self, paper: Paper, extraction: Extraction) -> None:
        self.paper, self.extraction = paper, extraction
        self.methods: dict[str, Method | None] = {m.name: m for m in Method.objects.all()}
        self.benchmarks: dict[str, Benchmark | None] = {b.name: b for b in Benchmark.objects.all()}
        self.new_methods: dict[str, tuple[Method, Provenance]] = {}
        self.new_benchmarks: dict[str, tuple[Benchmark, Provenance]] = {}

    def method(self, name: str, provenance: Provenance | None = None) -> Method | None:
        return self._entry(Method.objects, self.methods, self.new_methods, name, provenance, {})

    def benchmark(self, name: str, metric: str = "", provenance: Provenance | None = None) -> Benchmark | None:
        lower = re.search(r"perplex|ppl|error|loss|wer", f"{_clean_name(name)} {metric}", re.IGNORECASE)
        defaults = {
            "metric": (metric or ("perplexity" if lower else "score"))[:40],
            "direction": Direction.LOWER if lower else Direction.HIGHER,
        }
        return self._entry(Benchmark.objects, self.benchmarks, self.new_benchmarks, name, provenance, defaults)

    @staticmethod
    def _entry(
        objects: Any,
        known: dict[str, Any],
        new: dict[str, tuple[Any, Provenance]],
        name: str,
        provenance: Provenance | None,
        defaults: dict[str, Any],
    ) -> Any:
        """The registry row `name` refers to, looked up once. With `provenance`, a name no registry
        knows gets a provisional row (made with `defaults`), remembered for its candidate receipt."""
        name = _clean_name(name)
        if not normalize_name(name):
            return None
        if name not in known:
            known[name] = objects.by_name(name)
        found = known[name]
        if found is None and provenance is not None:
            found = known[name] = objects.provisional(name, **defaults)
        if found is not None and found.provisional and provenance is not None:
            new.setdefault(normalize_name(found.name), (found, provenance))
        return found

    def candidate_rows(self) -> list[tuple[type[Receipt], list[Receipt]]]:
        """One pending candidate receipt per new name in this paper (curators approve or merge it)."""
        paper, extraction = self.paper, self.extraction
        methods: list[Receipt] = [
            MethodCandidate(paper=paper, name=m.name, resolved_method=m, **_provenance(prov, extraction))
            for m, prov in self.new_methods.values()
        ]
        benchmarks: list[Receipt] = [
            BenchmarkCandidate(paper=paper, name=b.name, resolved_benchmark=b, **_provenance(prov, extraction))
            for b, prov in self.new_benchmarks.values()
        ]
        return [(MethodCandidate, methods), (BenchmarkCandidate, benchmarks)]


def store_extraction(paper: Paper, extraction: Extraction) -> StoreReport:
    """Replace the paper's pending receipts from this extractor version with `extraction`.

    Idempotent. Receipts curators decided on (approved or rejected) are never touched, and a new
    pending receipt that repeats a decided one is not created again. Names are linked to registry
    rows; a name no registry knows is kept under a provisional method or benchmark with a candidate
    receipt for curators (nothing is dropped for being new). A value that cannot be right (bits
    outside 1-32, an accuracy outside 0-100, a perplexity below 0) is skipped and counted with its
    reason in `skipped`. Each kind is written by its own manager (``replace_pending``), in bulk.
    """
    report = StoreReport()
    with transaction.atomic():
        names = _Names(paper, extraction)
        for candidate in extraction.candidates:
            names.method(candidate.name, candidate.provenance)
        kinds: list[tuple[type[Receipt], list[Receipt]]] = [
            (BenchmarkResult, _result_rows(paper, extraction, names, report)),
            (BeatsReceipt, _beats_rows(paper, extraction, names, report)),
            (CritiqueReceipt, _critique_rows(paper, extraction, names, report)),
            *names.candidate_rows(),
        ]
        for model, rows in kinds:
            replaced, written = model.objects.replace_pending(paper.pk, extraction.extractor, extraction.version, rows)
            report.replaced += replaced
            report.written += written
    return report


def _result_rows(paper: Paper, extraction: Extraction, names: _Names, report: StoreReport) -> list[Receipt]:
    decided = set(
        BenchmarkResult.objects.filter(paper=paper)
        .decided()
        .values_list("method__name", "benchmark__name", "model_name", "setting", "value", "page")
    )
    rows: list[Receipt] = []
    for r in extraction.results:
        m = names.method(r.method, r.provenance)
        b = names.benchmark(r.benchmark, r.metric, r.provenance)
        if m is None or b is None:
            report.skip("result: no method" if m is None else "result: no benchmark")
            continue
        problem = result_problem(r, b.metric)
        if problem:
            report.skip(f"result: {problem}")
            continue
        if (m.name, b.name, r.model[:120], r.setting[:80], r.value, r.provenance.page) in decided:
            report.kept_decided += 1
            continue
        rows.append(
            BenchmarkResult(
                paper=paper,
                method=m,
                benchmark=b,
                model_name=r.model[:120],
                setting=r.setting[:80],
                weight_bits=r.weight_bits,
                activation_bits=r.activation_bits,
                kv_bits=r.kv_bits,
                group_size=r.group_size,
                value=r.value,
                value_text=r.value_text[:40],
                row_label=r.row_label[:200],
                column_label=r.column_label[:200],
                benchmark_inferred=r.benchmark_inferred,
                **_provenance(r.provenance, extraction),
            )
        )
    return rows


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _beats_rows(paper: Paper, extraction: Extraction, names: _Names, report: StoreReport) -> list[Receipt]:
    decided = set(BeatsReceipt.objects.filter(paper=paper).decided().values_list("method__name", "baseline__name"))
    rows: list[Receipt] = []
    seen = set()
    for claim in extraction.beats:
        m, base = names.method(claim.method, claim.provenance), names.method(claim.baseline, claim.provenance)
        if m is None or base is None or m == base:
            report.skip("beats: a method beating itself" if m is not None and m == base else "beats: no method")
            continue
        key = (m.name, base.name, claim.benchmark, claim.model, claim.setting)
        if (m.name, base.name) in decided or key in seen:
            report.kept_decided += (m.name, base.name) in decided
            continue
        seen.add(key)
        rows.append(
            BeatsReceipt(
                paper=paper,
                method=m,
                baseline=base,
                benchmark=names.benchmark(claim.benchmark) if claim.benchmark else None,
                model_name=claim.model[:120],
                setting=claim.setting[:80],
                method_value=_finite(claim.method_value),
                baseline_value=_finite(claim.baseline_value),
                evidence=claim.evidence if claim.evidence in ("table", "sentence") else "sentence",
                **_provenance(claim.provenance, extraction),
            )
        )
    return rows


def _critique_rows(paper: Paper, extraction: Extraction, names: _Names, report: StoreReport) -> list[Receipt]:
    decided = set(CritiqueReceipt.objects.filter(paper=paper).decided().values_list("method__name", "quote"))
    rows: list[Receipt] = []
    for c in extraction.critiques:
        m = names.method(c.method, c.provenance)
        if m is None:
            report.skip("critique: no method")
            continue
        if (m.name, c.provenance.quote) in decided:
            report.kept_decided += 1
            continue
        fields = _provenance(c.provenance, extraction)
        if c.section and not fields["locator"]:
            fields["locator"] = c.section[:200]
        rows.append(CritiqueReceipt(paper=paper, method=m, **fields))
    return rows


def extract_with_default_extractor(document_id: int) -> int:
    """The extract stage's default hook: the configured extractor on a stored parse; receipts written."""
    parsed, paper = document_from_db(document_id)
    extraction = get_extractor().extract(parsed, registry_for_extraction(), title=paper.title, abstract=paper.abstract)
    report = store_extraction(paper, extraction)
    logger.info("extracted %s: %d receipts written, skipped %s", paper.arxiv_id, report.written, report.skipped)
    return report.written
