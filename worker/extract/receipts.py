"""The extractor interface: a parsed document in, receipts with provenance out (pure, no Django).

Every extractor (rule-based, Anthropic) returns an `Extraction`. Storing it, linking names to
registry rows and keeping curators' decisions intact is the job of `worker.extraction`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from worker.extract.names import normalize_name


@dataclass(frozen=True)
class Provenance:
    """Where a receipt comes from: page (1-based), "Table 3" or "§4.2", the quote, and how sure we are."""

    page: int | None
    locator: str = ""
    quote: str = ""
    confidence: float = 0.5


@dataclass
class ResultReceipt:
    """Paper reports `value` for `method` on `model` at `setting` on `benchmark`."""

    method: str
    model: str
    setting: str
    benchmark: str
    value: float
    provenance: Provenance
    value_text: str = ""
    metric: str = ""
    row_label: str = ""
    column_label: str = ""
    weight_bits: int | None = None
    activation_bits: int | None = None
    kv_bits: int | None = None
    group_size: int | None = None
    # The table did not name the benchmark: it is the paper's usual task for the metric, or its
    # model's. Such a value is shown, marked, but never compared with other papers' (disagreement).
    benchmark_inferred: bool = False


# Metrics whose values are percentages or fractions; perplexities are positive; the rest only finite.
_BOUNDED_METRICS = {"accuracy", "exact_match", "f1", "top1", "top-1", "rouge", "bleu"}
_POSITIVE_METRICS = {"perplexity", "ppl"}


def result_problem(r: ResultReceipt, metric: str = "") -> str | None:
    """Why a result cannot be stored as extracted ("accuracy out of range", ...), or None when it can.

    Bits are 1-32, a group size is positive, a value is finite, an accuracy lies in 0-100 and a
    perplexity is positive: anything else is a misread cell (a delta column, a header number)."""
    if not r.method.strip():
        return "no method"
    if not r.benchmark.strip():
        return "no benchmark"
    if not math.isfinite(r.value):
        return "value is not a finite number"
    for name, bits in (("weight", r.weight_bits), ("activation", r.activation_bits), ("KV", r.kv_bits)):
        if bits is not None and not 1 <= bits <= 32:
            return f"{name} bits out of range (1-32)"
    if r.group_size is not None and not 1 <= r.group_size <= 1 << 20:
        return "group size out of range"
    kind = (metric or r.metric).lower().replace(" ", "_")
    if kind in _BOUNDED_METRICS and not 0 <= r.value <= 100:
        return f"{kind} out of range (0-100)"
    if kind in _POSITIVE_METRICS and r.value <= 0:
        return "perplexity not positive"
    return None


@dataclass
class BeatsClaim:
    """Paper shows `method` beating `baseline` (on `benchmark` when a table shows it)."""

    method: str
    baseline: str
    provenance: Provenance
    evidence: str = "sentence"  # "table" or "sentence"
    benchmark: str = ""
    model: str = ""
    setting: str = ""
    method_value: float | None = None
    baseline_value: float | None = None


@dataclass
class CritiqueClaim:
    """Paper states a weakness of `method` in the quoted sentence."""

    method: str
    provenance: Provenance
    section: str = ""


@dataclass
class CandidateMethod:
    """A name that looks like a method but is in no registry: for curators to approve or merge."""

    name: str
    provenance: Provenance


@dataclass
class Extraction:
    extractor: str
    version: str
    proposed: list[str] = field(default_factory=list)
    results: list[ResultReceipt] = field(default_factory=list)
    beats: list[BeatsClaim] = field(default_factory=list)
    critiques: list[CritiqueClaim] = field(default_factory=list)
    candidates: list[CandidateMethod] = field(default_factory=list)
    # Extractor-specific accounting: tokens, cost, quotes dropped as unverifiable, ...
    stats: dict[str, Any] = field(default_factory=dict)

    def to_score_json(self) -> dict[str, Any]:
        """The shape ../shared/tools/score_extraction.py reads (lists results, beats, critiques)."""
        return {
            "extractor": self.extractor,
            "version": self.version,
            "proposed": self.proposed,
            "results": [
                {
                    "method": r.method,
                    "model": r.model,
                    "setting": r.setting,
                    "benchmark": r.benchmark,
                    "value": r.value,
                    "page": r.provenance.page,
                    "metric": r.metric,
                    "table": r.provenance.locator,
                }
                for r in self.results
            ],
            "beats": [
                {
                    "method": b.method,
                    "baseline": b.baseline,
                    "benchmark": b.benchmark,
                    "page": b.provenance.page,
                    "quote": b.provenance.quote,
                }
                for b in self.beats
            ],
            "critiques": [
                {"method": c.method, "page": c.provenance.page, "quote": c.provenance.quote} for c in self.critiques
            ],
            "candidates": [{"name": c.name, "page": c.provenance.page} for c in self.candidates],
            "stats": self.stats,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BenchmarkInfo:
    name: str
    direction: str  # "lower" or "higher"
    metric: str = ""


class Registry:
    """Known method and benchmark names, looked up after normalisation (see worker.extract.names)."""

    def __init__(
        self,
        methods: Iterable[tuple[str, Iterable[str]]],
        benchmarks: Iterable[tuple[BenchmarkInfo, Iterable[str]]],
    ) -> None:
        self._methods: dict[str, str] = {}
        for name, aliases in methods:
            for spelling in (name, *aliases):
                self._methods.setdefault(normalize_name(spelling), name)
        self._benchmarks: dict[str, BenchmarkInfo] = {}
        for info, aliases in benchmarks:
            for spelling in (info.name, *aliases):
                self._benchmarks.setdefault(normalize_name(spelling), info)

    def method(self, text: str) -> str | None:
        """The canonical method a name refers to, or None."""
        return self._methods.get(normalize_name(text))

    def benchmark(self, text: str) -> BenchmarkInfo | None:
        return self._benchmarks.get(normalize_name(text))

    @property
    def method_names(self) -> set[str]:
        return set(self._methods.values())

    def benchmark_infos(self) -> list[BenchmarkInfo]:
        """Every known benchmark once, by name."""
        return sorted(set(self._benchmarks.values()), key=lambda info: info.name)

    def method_spellings(self) -> dict[str, str]:
        """Every known normalised spelling → canonical name (for scanning free text)."""
        return dict(self._methods)


class Extractor(Protocol):
    name: str
    version: str

    def extract(self, document: Any, registry: Registry, *, title: str = "", abstract: str = "") -> Extraction:
        """`document` is a worker.reading.parse.ParsedDocument."""
        ...
