"""Foundational concepts a newcomer to LLM quantization needs, found in a paper's own text (pure).

The glossary is the field's vocabulary, not any paper's: each term has how papers write it and a
plain definition. A paper's page lists the terms its text uses most, each with the paper's own
first sentence about it (and its page), and the methods and benchmarks of its receipts that the
paper names beside the term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from papers.summaries import INTRO_HEAD, RELATED_HEAD, Located, in_front_matter, readable


@dataclass(frozen=True)
class Concept:
    key: str
    term: str
    pattern: re.Pattern[str]
    definition: str
    metric: bool = False  # a way of measuring: linked to benchmarks, not to methods


def _concept(key: str, term: str, pattern: str, definition: str, *, metric: bool = False) -> Concept:
    return Concept(key, term, re.compile(pattern, re.I), definition, metric)


GLOSSARY: tuple[Concept, ...] = (
    _concept(
        "outliers",
        "Outliers",
        r"\boutliers?\b|\blarge[- ]magnitude (?:features|activations|values)\b",
        "A few values (often whole activation channels) far larger than the rest; they stretch the "
        "quantization range, so every other value gets coarser steps.",
    ),
    _concept(
        "salient",
        "Salient weights",
        r"\bsalient\b",
        "The small fraction of weights that matter most for the output; keeping them precise (or "
        "scaling them before rounding) preserves most of the accuracy.",
    ),
    _concept(
        "rotation",
        "Rotation",
        r"\brotat(?:e|ed|es|ion|ions|ing)\b|\bhadamard\b",
        "Multiplying weights and activations by an orthogonal matrix (e.g. a Hadamard matrix): the "
        "layer computes the same thing, but outliers are spread over all channels and quantize better.",
    ),
    _concept(
        "group-size",
        "Group size",
        r"\bgroup[- ]?(?:size|wise)\b|\bper-group\b|\bgrouped quantization\b|\bg(?:32|64|128|256)\b",
        "Weights are quantized in groups of consecutive values (e.g. 128) that share one scale: "
        "smaller groups are more accurate but store more scales.",
    ),
    _concept(
        "scaling",
        "Per-channel scaling",
        r"\bper-(?:input-|output-)?channel\b|\bscaling factors?\b|\bsmoothing factor",
        "Multiplying each channel by its own factor before quantizing (and dividing it back out "
        "elsewhere), so that the channels that matter keep more precision.",
    ),
    _concept(
        "calibration",
        "Calibration set",
        r"\bcalibration\b",
        "A small sample of unlabelled text run through the model to collect the statistics a "
        "post-training method uses to choose its quantization parameters.",
    ),
    _concept(
        "ptq",
        "Post-training quantization (PTQ)",
        r"\bpost-training quantization\b|\bPTQ\b",
        "Quantizing an already trained model without training it again, using at most a small calibration set.",
    ),
    _concept(
        "qat",
        "Quantization-aware training (QAT)",
        r"\bquantization-aware training\b|\bQAT\b",
        "Training or fine-tuning with quantization simulated in the forward pass, so the weights adapt "
        "to low precision; accurate, but costly for large models.",
    ),
    _concept(
        "weight-only",
        "Weight-only quantization",
        r"\bweight-only\b|\bW[2-8]A16\b",
        "Only the weights are stored in low precision; activations stay 16-bit. It saves memory and "
        "speeds up decoding, which is limited by reading the weights.",
    ),
    _concept(
        "wa-notation",
        "WxAy notation",
        r"\bW\d{1,2}A\d{1,2}\b",
        "WxAy: weights at x bits and activations at y bits (W4A16: 4-bit weights, 16-bit activations; "
        "W8A8: both 8-bit).",
    ),
    _concept(
        "mixed-precision",
        "Mixed precision",
        r"\bmixed[- ]precision\b",
        "Keeping some channels or layers at a higher precision than the rest: accurate, but harder to "
        "run fast on hardware built for one number format.",
    ),
    _concept(
        "rtn",
        "Round-to-nearest (RTN)",
        r"\bround-to-nearest\b|\bRTN\b",
        "The simplest quantizer: every value is rounded to the nearest grid point, with no calibration "
        "or error correction; the usual baseline.",
    ),
    _concept(
        "perplexity",
        "Perplexity",
        r"\bperplexity\b|\bPPL\b",
        "How surprised a language model is by held-out text (e.g. WikiText-2); lower is better, and a "
        "rise after quantization measures the accuracy lost.",
        metric=True,
    ),
    _concept(
        "zero-shot",
        "Zero-shot and few-shot accuracy",
        r"\bzero-shot\b|\bfew-shot\b|\b\d+-shot\b",
        "Accuracy on tasks the model was not tuned for, with no worked example (zero-shot) or a few "
        "(few-shot) in the prompt.",
        metric=True,
    ),
    _concept(
        "second-order",
        "Second-order information (Hessian)",
        r"\bhessian\b|\bsecond-order\b",
        "The curvature of the loss with respect to the weights; it tells which weights are sensitive and "
        "how to adjust the others to compensate for rounding one.",
    ),
    _concept(
        "reconstruction",
        "Layer-wise reconstruction",
        r"\breconstruction\b|\blayer-wise\b|\blayer-by-layer\b",
        "Choosing quantized weights so that each layer's output on calibration data matches the "
        "original layer's output, one layer at a time.",
    ),
    _concept(
        "dequantization",
        "Dequantization and kernels",
        r"\bdequantiz\w*\b|\bkernels?\b",
        "Turning stored low-bit values back into 16-bit numbers at run time; fast GPU kernels fuse it "
        "into the matrix multiplication so that smaller weights mean faster inference.",
    ),
    _concept(
        "kv-cache",
        "KV cache",
        r"\bKV[- ]cache\b|\bkey-value cache\b",
        "The attention keys and values kept for every generated token; for long contexts it can "
        "outgrow the weights, so it is quantized or pruned too.",
    ),
    _concept(
        "lora",
        "Low-rank adapters (LoRA)",
        r"\bLoRA\b|\blow-rank adapt",
        "Small trainable low-rank matrices added beside frozen weights; fine-tuning only them lets a "
        "quantized model be adapted cheaply.",
    ),
    _concept(
        "data-types",
        "Number formats (INT, FP, NF4)",
        r"\bINT[2-8]\b|\bFP[48]\b|\bNF4\b|\bNormalFloat\b",
        "INTn is an evenly spaced n-bit integer grid; FP8 and FP4 are small floating-point formats; NF4 "
        "spaces 16 levels for normally distributed weights.",
    ),
    _concept(
        "distillation",
        "Knowledge distillation",
        r"\bdistillation\b",
        "Training the quantized model to match the outputs (or hidden states) of the full-precision "
        "model, which serves as its teacher.",
    ),
    _concept(
        "clipping",
        "Clipping",
        r"\bclipping\b|\bclip(?:ped)? (?:range|ratio)\b",
        "Setting the quantization range below the observed extremes: rare large values lose accuracy, "
        "all others get finer steps.",
    ),
    _concept(
        "sparsity",
        "Pruning and sparsity",
        r"\bprun(?:e|ed|ing)\b|\bsparsity\b",
        "Removing weights (setting them to zero) instead of or besides lowering their precision; "
        "structured patterns such as 2:4 can run faster on GPUs.",
    ),
)
MIN_MENTIONS = 2


def find_concepts(
    located: Iterable[Located],
    methods: Iterable[tuple[str, str]] = (),
    benchmarks: Iterable[tuple[str, str, str]] = (),
    limit: int = 8,
) -> list[dict[str, Any]]:
    """The glossary terms the paper's text uses (at least twice), most used first, each with the
    paper's own sentence defining it (and its page) when it has one, and links: `methods` are
    (name, url) of the methods in its receipts, `benchmarks` (name, metric, url) of its benchmarks;
    a method or benchmark is linked when the paper names it with the term far more often than
    elsewhere (or, for a benchmark, when its name or metric is the term)."""
    sentences = [s for s in located if not s.caption and not in_front_matter(s)]
    counted = []
    for concept in GLOSSARY:
        using = [s for s in sentences if concept.pattern.search(s.text)]
        if len(using) >= MIN_MENTIONS:
            counted.append((len(using), concept, using))
    counted.sort(key=lambda item: -item[0])
    named = Named(sentences, methods, benchmarks)
    return [_entry(concept, using, named) for _, concept, using in counted[:limit]]


def _linked(concept: Concept, name: str, naming: set[int], using: set[int], named: Named) -> bool:
    """The term is the name ("RTN"), or the paper names the two together far more than apart."""
    return bool(concept.pattern.fullmatch(name)) or named.associated(naming, using)


class Named:
    """Which sentences of the paper name each method and benchmark of its receipts."""

    def __init__(
        self, sentences: list[Located], methods: Iterable[tuple[str, str]], benchmarks: Iterable[tuple[str, str, str]]
    ) -> None:
        self.total = max(1, len(sentences))
        self.methods = [(name, url, self._naming(sentences, name)) for name, url in methods]
        self.benchmarks = [(name, metric, url, self._naming(sentences, name)) for name, metric, url in benchmarks]

    @staticmethod
    def _naming(sentences: list[Located], name: str) -> set[int]:
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w])")
        return {s.index for s in sentences if pattern.search(s.text)}

    def associated(self, naming: set[int], using: set[int]) -> bool:
        """Named with the term three times or more, three times as often as in the paper at large."""
        together = len(naming & using)
        return together >= 3 and together / len(using) >= 3 * len(naming) / self.total


DEFINED_AFTER = re.compile(
    r"^[\w-]*\s*(?:\([^)]{0,40}\)\s*)?,?\s*(?:(?:is|are) (?:a|an|the|defined|simply|when)|refers? to|means?|denotes?|maps?|measures?|which (?:is|are|maps|means|measures|refers)|i\.e\.)\b",
    re.I,
)
DEFINED_BEFORE = re.compile(r"\b(?:called|known as|termed|denoted(?: as)?|namely)\s*$", re.I)


# "Therefore, X is a more practical ...": a conclusion about the term, not what it is.
NOT_A_DEFINITION = re.compile(
    r"^(?:therefore|thus|hence|however|so|overall|moreover|furthermore|in summary|as a result)\b|"
    r"\b(?:is|are) (?:a|an|the) (?:more|less|better|worse|most|best|key|main|only)\b",
    re.I,
)


def _defining(concept: Concept, s: Located) -> bool:
    """The sentence says what the term is: "X is/are/refers to ...", "X (Y), which ...", "called X"."""
    if NOT_A_DEFINITION.search(s.text):
        return False
    for match in concept.pattern.finditer(s.text):
        if DEFINED_AFTER.search(s.text[match.end() :]) or DEFINED_BEFORE.search(s.text[: match.start()]):
            return True
    return False


def _entry(concept: Concept, using: list[Located], named: Named) -> dict[str, Any]:
    clean = [s for s in using if readable(s)]
    defining = next((s for s in clean if _defining(concept, s)), None)
    # Else how the paper uses the term in its own sections (not its introduction or related work).
    own_sections = [s for s in clean if not INTRO_HEAD.search(s.section) and not RELATED_HEAD.search(s.section)]
    first = defining or next((s for s in own_sections if len(s.text) <= 250), own_sections[0] if own_sections else None)
    indexes = {s.index for s in using}
    linked_methods = [
        {"name": n, "url": u}
        for n, u, naming in named.methods
        if not concept.metric and _linked(concept, n, naming, indexes, named)
    ]
    linked_benchmarks = [
        {"name": n, "url": u}
        for n, metric, u, naming in named.benchmarks
        if concept.pattern.search(f"{n} {metric}") or named.associated(naming, indexes)
    ]
    return {
        "key": concept.key,
        "term": concept.term,
        "definition": concept.definition,
        "mentions": len(using),
        "sentence": first.as_json() if first else None,
        "defines": defining is not None,
        "pages": sorted({s.page for s in using if s.page})[:12],
        "methods": linked_methods[:6],
        "benchmarks": linked_benchmarks[:6],
    }
