"""What a curator may write into a receipt: numbers its benchmark's metric allows, bit widths a
setting can have, names that a registry (or the tables' model vocabulary) knows and that carry no
markup. The correction form, the admin and the curation service all ask here, so no path stores
what another refuses."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from baselines.models import BeatsReceipt
from benchmarks.models import Benchmark, BenchmarkResult, Direction
from worker.extract.vocab import find_models

# Markup and control characters: a name is shown on public pages, feeds and exports.
MARKUP_RE = re.compile(r"[<>\x00-\x1f\x7f-\x9f]")
# Metrics reported as a percentage (a fraction 0–1 fits too); correlations may be signed.
PERCENT_METRICS = frozenset({"accuracy", "acc", "acc_norm", "exact_match", "em", "f1", "pass@1", "bleu", "rouge"})
CORRELATION_METRICS = frozenset({"pearson", "spearman", "matthews_corr", "mcc"})
POSITIVE_METRICS = frozenset({"perplexity", "ppl"})
# Every integer a precision token carries (W4A16, KV8, INT4, FP16, 3-bit): bit widths, 1 to 32.
BIT_WIDTH_RE = re.compile(
    r"(?<![A-Za-z])(?:W|A|KV|INT|UINT|FP|BF|NF|MXFP|MXINT)(?P<bits>\d+)|(?P<bits2>\d+)\s*-?\s*bits?\b", re.I
)
MIN_BITS, MAX_BITS = 1, 32
# A typed model name must be mostly a model the vocabulary knows ("LLaMA-2-7B (chat)"), the share
# the table reader also asks of a model header.
MODEL_COVERAGE = 0.6


def markup_problem(text: str) -> str | None:
    if MARKUP_RE.search(text):
        return "No markup or control characters (<, >, tabs, line breaks) in a name."
    return None


def metric_range(benchmark: Benchmark) -> tuple[float | None, float | None, bool]:
    """(low, high, low is exclusive) for a value on this benchmark; None where unbounded."""
    metric = benchmark.metric.strip().lower()
    if metric in POSITIVE_METRICS or metric.startswith("perplex"):
        return 0.0, None, True
    if metric in PERCENT_METRICS or metric.startswith("acc"):
        return 0.0, 100.0, False
    if metric in CORRELATION_METRICS:
        return -100.0, 100.0, False
    if benchmark.direction == Direction.LOWER:  # an error rate or a loss
        return 0.0, None, False
    return None, None, False


def value_problem(value: Any, benchmark: Benchmark | None) -> str | None:
    """Why `value` cannot be a result on `benchmark` (None when it can)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "Enter a finite number."
    if benchmark is None:
        return None
    low, high, exclusive = metric_range(benchmark)
    below = low is not None and (value <= low if exclusive else value < low)
    if below or (high is not None and value > high):
        return f"{benchmark.name} reports {benchmark.metric}: the value must be {_bounds(low, high, exclusive)}, not {value:g}."
    return None


def _bounds(low: float | None, high: float | None, exclusive: bool) -> str:
    if high is None:
        return f"above {low:g}" if exclusive else f"at least {low:g}"
    return f"between {low:g} and {high:g}"


def setting_problem(setting: str) -> str | None:
    if problem := markup_problem(setting):
        return problem
    for match in BIT_WIDTH_RE.finditer(setting):
        bits = int(match.group("bits") or match.group("bits2"))
        if not MIN_BITS <= bits <= MAX_BITS:
            return f"Bit widths run from {MIN_BITS} to {MAX_BITS}; “{match.group(0)}” says {bits}."
    return None


def known_model(name: str) -> bool:
    """The vocabulary of results tables recognises it, or an approved receipt already names it."""
    core = len(re.sub(r"\s", "", name))
    if any(len(found.replace(" ", "")) >= MODEL_COVERAGE * core for found in find_models(name)):
        return True
    return (
        BenchmarkResult.objects.approved().filter(model_name__iexact=name).exists()
        or BeatsReceipt.objects.approved().filter(model_name__iexact=name).exists()
    )


def model_problem(name: str, *, typed: bool) -> str | None:
    """Markup is refused always; an unknown name only when the curator typed it (an extracted one
    stands on its quote)."""
    if problem := markup_problem(name):
        return problem
    if typed and name.strip() and not known_model(name.strip()):
        return f"No model is called “{name.strip()}”: use the name as the tables print it, e.g. LLaMA-2-7B."
    return None


def _required(kind: str, values: Mapping[str, Any]) -> dict[str, str]:
    problems = {}
    if kind == "result" and "benchmark" in values and values["benchmark"] is None:
        problems["benchmark"] = "A result needs a benchmark."
    if kind == "result" and "model_name" in values and not str(values["model_name"] or "").strip():
        problems["model_name"] = "A result needs the model it was run on."
    if kind in ("candidate", "benchmark-candidate") and "name" in values and not str(values["name"] or "").strip():
        problems["name"] = "A candidate needs a name."
    return problems


def receipt_problems(kind: str, values: Mapping[str, Any], typed: Collection[str] = ()) -> dict[str, str]:
    """Field -> why the value cannot be stored, for the fields present in `values`.

    `values` holds a receipt's decidable fields as cleaned values (Method and Benchmark rows, text,
    numbers); `typed` names the fields a person changed, which must also be known names."""
    problems = _required(kind, values)
    checks = {
        "model_name": lambda v: model_problem(str(v or ""), typed="model_name" in typed),
        "setting": lambda v: setting_problem(str(v or "")),
        "name": lambda v: markup_problem(str(v or "")),
        "value": lambda v: value_problem(v, values.get("benchmark")),
    }
    for field, check in checks.items():
        if field in values and field not in problems and (problem := check(values[field])):
            problems[field] = problem
    return problems
