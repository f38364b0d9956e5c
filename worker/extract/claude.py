"""Claude as a receipt extractor: page text and tables in, verified receipts out.

Pure module: the API key and model come in as arguments (``worker.extraction.anthropic_extractor``
reads them from settings), so the scoring tool, scripts and tests run it without a database.

How a paper is read:

* Pages are rendered as their text plus their tables as TSV (caption and page on a header line)
  and packed, whole pages where possible, into chunks of at most ``max_chunk_chars`` characters.
  Every page starts with a ``=== Page N ===`` line, so the model cites pages the way the PDF
  numbers them.
* One request per chunk, one after the other. The model must answer through one tool,
  ``record_receipts``, with a strict input schema, so the answer is JSON of a known shape. The
  tool, the instructions and the registry's names are a byte-identical prefix of every request
  and carry ``cache_control``: the second and later chunks (and the next paper within the cache's
  5 minutes) read that prefix from the cache instead of paying for it again. Sending chunks one
  after the other is what lets them hit the cache the first one wrote.
* Nothing the model says is trusted. Every quote must be found in the paper (a normalised
  substring, else a token Jaccard over a sliding window, on the cited page or a neighbour) and
  every result value must be printed on its page. What fails is dropped and counted in
  ``Extraction.stats["dropped_unverified"]``; it is never returned.
* Transient API failures (429, 408/409, 5xx, 529 overloaded, timeouts, connection errors) are
  retried here, with exponential backoff and a bounded number of attempts; the SDK's own retries
  are switched off so that the two don't multiply. Any other API error raises
  :class:`AnthropicExtractionError` at once.
"""

from __future__ import annotations

import logging
import random
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypedDict, TypeVar

import anthropic
from anthropic.types import Message, MessageParam, TextBlockParam, ToolChoiceToolParam, ToolParam

from worker.extract.names import normalize_model_name, normalize_name
from worker.extract.receipts import (
    BeatsClaim,
    BenchmarkInfo,
    CandidateMethod,
    CritiqueClaim,
    Extraction,
    Provenance,
    Registry,
    ResultReceipt,
)
from worker.reading.quotes import best_window

if TYPE_CHECKING:
    import httpx2

    from worker.reading.document import ParsedDocument, ParsedPage

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Bump when the instructions, the tool schema or the post-processing change what comes out for
# the same paper: stored receipts are replaced per extractor version.
PROMPT_VERSION = "prompt-1"
# Used when settings.ANTHROPIC_MODEL is empty. Not claude-sonnet-4-5: the SDK lists it as
# deprecated, end-of-life on 2026-11-30.
DEFAULT_MODEL = "claude-sonnet-4-6"
TOOL_NAME = "record_receipts"

# Non-streaming requests: the SDK refuses max_tokens whose expected generation time passes 10
# minutes (about 21k tokens), and a 60k-character chunk rarely needs more than 16k tokens of JSON.
DEFAULT_MAX_OUTPUT_TOKENS = 16_000
# A quote must be at least this many words: "GPTQ" alone is found in any paper that names GPTQ
# and proves nothing.
MIN_QUOTE_WORDS = 3
# Confidence of receipts from this extractor. Below 1.0 because a curator still confirms them;
# an exact quote (or a value printed in a table cell) is worth more than a fuzzy one.
CONFIDENCE_EXACT = 0.8
CONFIDENCE_TEXT_VALUE = 0.6
CONFIDENCE_FUZZY_FACTOR = 0.7


# --- prices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_write: float  # 5-minute ephemeral cache writes: 1.25 x input
    cache_read: float  # cache hits: 0.1 x input


# ASSUMPTIONS, for estimates only. Standard-tier list prices from
# https://platform.claude.com/docs/en/about-claude/pricing as read on 2026-11-22: no batch discount,
# 5-minute cache TTL (the only one this module asks for), no long-context surcharge. Keyed by model
# family; the first pattern that matches the model id wins. Generations newer than a family's row
# (Sonnet 5.x, Opus 5.5, Haiku 5.5) are listed cheaper, so for them the estimate errs high. A model
# outside every family gets no estimate (cost_usd None) rather than a guess.
PRICES: tuple[tuple[str, str, Price], ...] = (
    (r"claude-3-opus|claude-opus-4(-[01])?(-\d{8})?$", "Opus 3 / 4 / 4.1", Price(15.0, 75.0, 18.75, 1.50)),
    (r"claude-3-5-haiku|claude-haiku-3-5", "Haiku 3.5", Price(0.80, 4.0, 1.0, 0.08)),
    (r"claude-3-haiku", "Haiku 3", Price(0.25, 1.25, 0.30, 0.03)),
    (r"fable|mythos", "Fable / Mythos 5", Price(10.0, 50.0, 12.50, 1.00)),
    (r"opus", "Opus 4.5 and later", Price(5.0, 25.0, 6.25, 0.50)),
    (r"sonnet", "Sonnet 3.7 - 4.6", Price(3.0, 15.0, 3.75, 0.30)),
    (r"haiku", "Haiku 4.5", Price(1.0, 5.0, 1.25, 0.10)),
)
PRICES_AS_OF = "2026-11-22"


def price_for(model: str) -> tuple[str, Price] | None:
    """(family label, prices) that apply to `model`, or None."""
    for pattern, label, price in PRICES:
        if re.search(pattern, model.lower()):
            return label, price
    return None


def estimate_cost_usd(
    model: str, *, input_tokens: int, output_tokens: int, cache_creation_input_tokens: int, cache_read_input_tokens: int
) -> float | None:
    """Estimated USD for the tokens, from :data:`PRICES`; None when the model's family is unknown."""
    row = price_for(model)
    if row is None:
        return None
    price = row[1]
    micro_dollars = (
        input_tokens * price.input
        + output_tokens * price.output
        + cache_creation_input_tokens * price.cache_write
        + cache_read_input_tokens * price.cache_read
    )
    return round(micro_dollars / 1_000_000, 6)


# --- the tool's JSON shapes -----------------------------------------------------------------


class ProposedItem(TypedDict):
    name: str
    quote: str
    page: int


class ResultItem(TypedDict):
    method: str
    model: str
    setting: str
    benchmark: str
    metric: str
    value: float
    value_text: str
    table: str
    row_label: str
    column_label: str
    page: int


class BeatsItem(TypedDict):
    method: str
    baseline: str
    benchmark: str
    model: str
    setting: str
    evidence: Literal["table", "sentence"]
    method_value: float | None
    baseline_value: float | None
    quote: str
    page: int


class CritiqueItem(TypedDict):
    method: str
    quote: str
    page: int
    section: str


class CandidateItem(TypedDict):
    name: str
    quote: str
    page: int


class ReceiptsInput(TypedDict):
    """The input of the `record_receipts` tool: what the model reports for one chunk."""

    proposed: list[ProposedItem]
    results: list[ResultItem]
    beats: list[BeatsItem]
    critiques: list[CritiqueItem]
    candidates: list[CandidateItem]


class ExtractionStats(TypedDict):
    """What `Extraction.stats` holds for this extractor (per paper)."""

    model: str
    chunks: int
    pages: int
    requests: int  # answered requests (billed); retried attempts are in `retries`
    retries: int
    input_tokens: int  # uncached input tokens
    output_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    cost_usd: float | None
    price_basis: str
    dropped_unverified: int
    dropped_unverified_by_kind: dict[str, int]
    dropped_malformed: int
    split_after_max_tokens: int
    truncated_chunks: int
    chunks_without_answer: int


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _page(description: str = "Page number from the '=== Page N ===' line where it is printed.") -> dict[str, Any]:
    return {"type": "integer", "description": description}


def _nullable_number(description: str) -> dict[str, Any]:
    return {"anyOf": [{"type": "number"}, {"type": "null"}], "description": description}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    # Strict tool use wants closed objects; every key is required so that the model always says
    # something ("" or null) instead of the shape depending on what it chose to omit.
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _array(item: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "array", "description": description, "items": item}


_QUOTE = _string("A contiguous span copied verbatim from that page (one sentence or clause), no ellipses.")

RECEIPTS_SCHEMA: dict[str, Any] = _object(
    {
        "proposed": _array(
            _object({"name": _string("The paper's own method name, as printed."), "quote": _QUOTE, "page": _page()}),
            "Methods this paper introduces.",
        ),
        "results": _array(
            _object(
                {
                    "method": _string(
                        "Quantization method of the row/column, as printed; the paper's method name for 'Ours'."
                    ),
                    "model": _string("Model evaluated, as printed, e.g. 'LLaMA-2-7B'."),
                    "setting": _string(
                        "Bit widths, e.g. 'W4A16 g128', 'W4A4KV4', 'W16A16' for FP16; '' if not stated."
                    ),
                    "benchmark": _string("Benchmark or dataset, e.g. 'WikiText-2', 'C4', 'PIQA'."),
                    "metric": _string("'perplexity', 'accuracy', 'exact_match', 'f1', ... or ''."),
                    "value": {"type": "number", "description": "The number as printed (no unit conversion)."},
                    "value_text": _string("The number exactly as printed, e.g. '5.68'."),
                    "table": _string("'Table 3' when read from a table, '' when from a sentence."),
                    "row_label": _string("Row label of the cell, '' if none."),
                    "column_label": _string("Column label of the cell, '' if none."),
                    "page": _page(),
                }
            ),
            "Benchmark scores reported in these pages, one per number.",
        ),
        "beats": _array(
            _object(
                {
                    "method": _string("The paper's own method."),
                    "baseline": _string("The named method it outperforms."),
                    "benchmark": _string("Benchmark of the comparison, '' if the sentence names none."),
                    "model": _string("Model of the comparison, '' if none."),
                    "setting": _string("Bit-width setting of the comparison, '' if none."),
                    "evidence": {"type": "string", "enum": ["table", "sentence"]},
                    "method_value": _nullable_number("The method's number as printed (table evidence), else null."),
                    "baseline_value": _nullable_number("The baseline's number as printed (table evidence), else null."),
                    "quote": _QUOTE,
                    "page": _page(),
                }
            ),
            "Comparisons in which this paper's method beats a named baseline.",
        ),
        "critiques": _array(
            _object(
                {
                    "method": _string("The existing method criticised."),
                    "quote": _QUOTE,
                    "page": _page(),
                    "section": _string("Section heading it sits under, e.g. '2 Related Work', or ''."),
                }
            ),
            "Sentences stating a weakness, failure or limitation of a named existing method.",
        ),
        "candidates": _array(
            _object({"name": _string("Method name as printed."), "quote": _QUOTE, "page": _page()}),
            "Quantization method names in these pages that are not in the list of known methods.",
        ),
    }
)

RECEIPTS_TOOL: ToolParam = {
    "name": TOOL_NAME,
    "description": (
        "Record the receipts found in the pages of the excerpt: the paper's own methods, benchmark results, "
        "comparisons its method wins, critiques of existing methods and unknown method names. Call it exactly "
        "once; empty lists are a correct answer when the pages hold nothing of a kind."
    ),
    "input_schema": RECEIPTS_SCHEMA,
    "strict": True,
}
TOOL_CHOICE: ToolChoiceToolParam = {"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True}

INSTRUCTIONS = """\
You extract checkable receipts from an excerpt of a research paper about quantization of large \
language models (LLMs). The excerpt gives some pages of the paper. Each page starts with a line \
"=== Page N ===" (N is the page number in the PDF; a long page is split into parts labelled \
"=== Page N (part i of k) ==="). Tables found on a page follow its text, each after a line \
"--- Table on page N: <caption> ---", one row per line with cells separated by tabs. The same \
table usually also appears, less tidily, in the page text.

Report what these pages print by calling the record_receipts tool exactly once.

General rules
- Report only what is printed in these pages. Do not use outside knowledge, do not guess, do not \
compute or convert numbers. Empty lists are a correct answer.
- page: the N of the "=== Page N ===" line under which the thing is printed.
- quote: copy a contiguous span of that page verbatim: one sentence or clause of 5 to 40 words. No \
ellipses, no paraphrase, no merging of two sentences; you may undo line-break hyphenation \
("quanti-" + "zation" -> "quantization"). Every quote is checked against the PDF text and \
receipts whose quote is not found are discarded.
- Names: write method and benchmark names as the paper prints them, or as the canonical name from \
the lists below when it is clearly the same method or benchmark. Never report "Ours", "our \
method" or "the proposed method" as a name: use the paper's name for its method. Do not invent \
names for unnamed methods.

proposed
- The methods this paper introduces (named in the title, or "we propose X", "we present X"), each \
with the quote that introduces it.

results
- One entry per benchmark score printed for a quantization method, in a results table or a \
sentence: method (the row or column naming the method), model (e.g. "LLaMA-2-7B", as printed), \
setting, benchmark, metric, value, value_text, table ("Table 3", or "" when the number is in a \
sentence), row_label, column_label, page.
- setting: bit widths in the form W<weight bits>A<activation bits>, with KV<bits> when the KV cache \
is quantized and " g<size>" for a group size: "W4A16 g128", "W4A4KV4", "W3A16", "W8A8". FP16 or \
BF16 baselines are "W16A16". Take the setting from the row, column, caption or surrounding text; \
"" if it is not stated.
- value is the number as printed (a percentage stays 68.2, not 0.682); value_text is the same \
number exactly as printed ("5.68", "68.2").
- Skip numbers that are not benchmark scores: bit widths, model sizes, memory, latency, \
throughput, speed-ups, standard deviations.

beats
- Comparisons in which this paper's own method outperforms a named baseline method.
- evidence "sentence": a sentence states it (e.g. "X outperforms GPTQ on all models"); quote that \
sentence; benchmark, model and setting only if the sentence names them; method_value and \
baseline_value null.
- evidence "table": a table shows the paper's method with a better number than the baseline on \
the same benchmark, model and setting (mind the direction: lower perplexity is better, higher \
accuracy is better); give that benchmark, model, setting, both numbers as printed, and quote the \
table's caption or a sentence that points to the comparison.
- Record at most one table comparison per baseline and benchmark, and only baselines that the \
paper's method actually beats.

critiques
- A sentence that states a weakness, failure, limitation or cost of a named existing method (not \
the paper's own), e.g. "GPTQ suffers severe accuracy loss at 2 bits". method is the criticised \
method, quote is the sentence, section is the heading the sentence sits under (e.g. \
"2 Related Work") when you can see it, else "".

candidates
- Names of quantization methods printed in these pages that are not in the list of known methods \
below, including the paper's own new methods, each with a quote in which the name appears. Only \
method names: not models, datasets, hardware, libraries or generic terms ("PTQ", "QAT").
"""


# --- text normalisation and verification ------------------------------------------------------

# A word, glued across line-break hyphenation ("quanti-\nzation" is one word).
_WORD_RE = re.compile(r"[^\W_]+(?:-[ \t]*\n[ \t]*[^\W_]+)*")
_HYPHEN_BREAK_RE = re.compile(r"-[ \t]*\n[ \t]*")
_NOT_ALNUM_RE = re.compile(r"[\W_]+")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_TABLE_LABEL_RE = re.compile(r"\b(Table|TABLE)\s*([A-Z]?\d+)")


def _nfkc(text: str) -> str:
    # NFKC turns ligatures (U+FB01 "fi"), full-width and superscript forms into plain characters.
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """Case-folded letters and digits only: equal for spellings that differ in case, spacing,
    punctuation, line-break hyphenation or ligatures."""
    return _NOT_ALNUM_RE.sub("", _nfkc(text).casefold())


def _words(text: str) -> list[tuple[str, int, int]]:
    """(normalised word, start, end) for each word of already-NFKC text."""
    return [(_HYPHEN_BREAK_RE.sub("", m.group()).casefold(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def _numbers(text: str) -> set[str]:
    return set(_NUMBER_RE.findall(_THOUSANDS_RE.sub("", _nfkc(text))))


def _printed_number(text: str) -> str | None:
    match = _NUMBER_RE.search(_THOUSANDS_RE.sub("", _nfkc(text)))
    return match.group() if match else None


def _agrees(printed: str, value: float) -> bool:
    """`printed` ("5.68", "2382.10") is exactly `value`. Signs are not compared: PDFs often lose the
    minus sign or print it as a dash glyph. Not "equal after rounding": 6.34 is not a receipt for a
    printed "6"."""
    return abs(float(printed) - abs(value)) <= 1e-9 * max(1.0, abs(value))


@dataclass(frozen=True)
class QuoteMatch:
    page: int
    quote: str  # the model's quote when it matched exactly, else the page's own words
    score: float  # 1.0 for a normalised substring, else the token Jaccard


class _PageText:
    """One page made searchable: its text plus its tables' captions and cells."""

    def __init__(self, page: ParsedPage) -> None:
        cells = [" ".join(c or "" for c in row) for table in page.tables for row in table.rows]
        captions = [table.caption for table in page.tables]
        self.text = _nfkc("\n".join([page.text, *captions, *cells]))
        self.numbers = _numbers(self.text)
        self.cell_numbers = _numbers("\n".join(cells))
        self.caption_by_label = {
            squash(m.group()): caption
            for caption in [*page.captions, *captions]
            if (m := _TABLE_LABEL_RE.match(caption.strip()))
        }

    @cached_property
    def squashed(self) -> str:
        return squash(self.text)

    @cached_property
    def words(self) -> list[tuple[str, int, int]]:
        return _words(self.text)


class PaperText:
    """The document's pages, for checking that quotes and numbers are really in the paper."""

    def __init__(self, document: ParsedDocument) -> None:
        self.pages = {page.number: _PageText(page) for page in document.pages}

    def find_quote(self, quote: str, page: int | None, threshold: float) -> QuoteMatch | None:
        """Where `quote` is printed: on `page`, else the page before or after it.

        A normalised substring wins; otherwise the best sliding-window token Jaccard that reaches
        `threshold`, reported with the page's own words so the stored quote is what the paper says.
        """
        words = [w for w, _, _ in _words(_nfkc(quote))]
        if page is None or len(words) < MIN_QUOTE_WORDS:
            return None
        order = [p for p in (page, page - 1, page + 1) if p in self.pages]
        wanted = squash(quote)
        for number in order:
            if wanted in self.pages[number].squashed:
                return QuoteMatch(number, " ".join(quote.split()), 1.0)
        best: QuoteMatch | None = None
        for number in order:
            text = self.pages[number]
            score, start, end = best_window(words, text.words)
            if score >= threshold and (best is None or score > best.score):
                best = QuoteMatch(number, " ".join(text.text[start:end].split()), round(score, 3))
        return best

    def mentions(self, name: str, page: int) -> bool:
        """`name` is printed on `page` or a neighbour (normalised)."""
        key = squash(name)
        return bool(key) and any(key in self.pages[p].squashed for p in (page, page - 1, page + 1) if p in self.pages)

    def find_value(self, page: int, value: float, value_text: str) -> tuple[str, bool] | None:
        """(the value as printed, whether a table cell prints it) when `page` prints `value`, else None."""
        text = self.pages.get(page)
        if text is None:
            return None
        printed = _printed_number(value_text) if value_text else None
        if printed is None:
            matches = sorted(n for n in text.numbers if _agrees(n, value))
            if not matches:
                return None
            printed = matches[0]
        elif not _agrees(printed, value) or printed not in text.numbers:
            return None
        return printed, printed in text.cell_numbers

    def caption(self, page: int, locator: str) -> str:
        """The caption of "Table N" on `page`, or ""."""
        text = self.pages.get(page)
        match = _TABLE_LABEL_RE.search(locator)
        if text is None or match is None:
            return ""
        return " ".join(text.caption_by_label.get(squash(match.group()), "").split())


# --- settings and names -----------------------------------------------------------------------


def _grab(pattern: str, text: str, *, limit: int) -> int | None:
    match = re.search(pattern, text)
    if not match:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= limit else None


def parse_setting(setting: str) -> tuple[int | None, int | None, int | None, int | None]:
    """(weight bits, activation bits, KV bits, group size) of "W4A16 g128", "W4A4KV4", "4-bit"."""
    compact = re.sub(r"[\s\-_/]", "", setting.upper())
    weight = _grab(r"W(\d{1,2})(?!\d)", compact, limit=64)
    activation = _grab(r"(?<!K)A(\d{1,2})(?!\d)", compact, limit=64)
    kv = _grab(r"KV(\d{1,2})(?!\d)", compact, limit=64)
    group = _grab(r"(?:GROUPSIZE|GS|G)(\d{1,5})(?!\d)", compact, limit=100_000)
    if weight is None:
        weight = _grab(r"(?<![A-Z\d])(\d{1,2})BITS?", compact, limit=64)
    return weight, activation, kv, group


_OURS_SUFFIX_RE = re.compile(r"\s*[(\[]\s*(ours|this work|proposed)\s*[)\]]\s*$", re.IGNORECASE)
_GENERIC_NAMES = frozenset(
    normalize_name(n) for n in ("ours", "our method", "our approach", "proposed", "the proposed method", "this work")
)


def _clean_name(name: str) -> str:
    """The name without table decorations ("RotaQ (ours)", "GPTQ*", "AWQ†")."""
    name = " ".join(name.split())
    name = _OURS_SUFFIX_RE.sub("", name)
    return name.rstrip("*†‡§¶ ").strip()


def _benchmark_infos(registry: Registry) -> list[BenchmarkInfo]:
    # Registry lists method names publicly but not benchmarks; read its table (see the report's
    # suggestion to add `Registry.benchmark_infos`).
    public = getattr(registry, "benchmark_infos", None)
    infos = public() if callable(public) else getattr(registry, "_benchmarks", {}).values()
    unique = {info.name: info for info in infos}
    return sorted(unique.values(), key=lambda b: (b.name.casefold(), b.name))


def registry_prompt(registry: Registry) -> str:
    """The known names, sorted so that the text (and so the cached prefix) is byte-identical
    from one request to the next."""
    methods = sorted(registry.method_names, key=lambda n: (n.casefold(), n))
    lines = [
        "Known quantization methods (canonical names; papers may spell them differently):",
        ", ".join(methods),
        "",
        "Known benchmarks (canonical name: metric, which direction is better):",
    ]
    lines += [f"{b.name}: {b.metric or 'score'}, {b.direction} is better" for b in _benchmark_infos(registry)]
    return "\n".join(lines)


# --- chunks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """A page, or a part of a page too long for one chunk, rendered for the prompt."""

    page: int
    text: str


@dataclass
class Chunk:
    units: list[_Unit]

    @property
    def pages(self) -> list[int]:
        return sorted({u.page for u in self.units})

    @property
    def text(self) -> str:
        return "\n\n".join(u.text for u in self.units)

    @property
    def label(self) -> str:
        pages = self.pages
        return f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}-{pages[-1]}"

    def halves(self) -> tuple[Chunk, Chunk]:
        middle = len(self.units) // 2
        return Chunk(self.units[:middle]), Chunk(self.units[middle:])


def _cell(value: str | None) -> str:
    return " ".join((value or "").split())


def render_page(page: ParsedPage) -> str:
    """The page's text, then each table as TSV under a line naming its page and caption."""
    parts = [page.text.strip()]
    for table in page.tables:
        caption = " ".join(table.caption.split()) or "(no caption)"
        parts.append(f"--- Table on page {page.number}: {caption} ---")
        parts.extend("\t".join(_cell(c) for c in row) for row in table.rows if any(_cell(c) for c in row))
    return "\n".join(p for p in parts if p)


def _split_lines(text: str, budget: int) -> list[str]:
    """`text` cut at line ends into pieces of at most `budget` characters (a longer line is cut)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > budget:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:budget])
            line = line[budget:]
        if current and len(current) + 1 + len(line) > budget:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


def _units(page: ParsedPage, max_chars: int) -> list[_Unit]:
    body = render_page(page)
    whole = f"=== Page {page.number} ===\n{body}"
    if len(whole) <= max_chars:
        return [_Unit(page.number, whole)]
    # Room for the longest part header: "=== Page 123 (part 12 of 34) ===\n".
    pieces = _split_lines(body, max(max_chars - 48, 200))
    return [
        _Unit(page.number, f"=== Page {page.number} (part {i} of {len(pieces)}) ===\n{piece}")
        for i, piece in enumerate(pieces, start=1)
    ]


def chunk_document(document: ParsedDocument, max_chunk_chars: int) -> list[Chunk]:
    """Consecutive pages packed into chunks of at most `max_chunk_chars` characters of page
    content. A page is never split across chunks unless it alone is too long; then it is cut at
    line ends into parts labelled "(part i of k)". Pages without text or tables are left out."""
    chunks: list[Chunk] = []
    current: list[_Unit] = []
    size = 0
    for page in document.pages:
        if not page.text.strip() and not page.tables:
            continue
        for unit in _units(page, max_chunk_chars):
            extra = len(unit.text) + (2 if current else 0)
            if current and size + extra > max_chunk_chars:
                chunks.append(Chunk(current))
                current, size, extra = [], 0, len(unit.text)
            current.append(unit)
            size += extra
    if current:
        chunks.append(Chunk(current))
    return chunks


# --- errors and retries -----------------------------------------------------------------------


class AnthropicExtractionError(RuntimeError):
    """The Anthropic API did not answer: a request it refused (4xx), or a transient failure that
    outlasted the retries. ``status_code`` is the HTTP status, None for connection errors."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


_RETRYABLE_STATUS = frozenset({408, 409, 429})


def _is_transient(exc: anthropic.APIStatusError) -> bool:
    # The API says so itself on some responses; otherwise: timeouts, lock conflicts, rate limits,
    # server errors and 529 overloaded (the same policy as the SDK's own retries).
    hint = exc.response.headers.get("x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asks us to wait (retry-after-ms, else retry-after in seconds)."""
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            seconds = float(raw) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def _describe(exc: anthropic.APIStatusError) -> str:
    kind = exc.type or "error"
    message = exc.api_message or exc.message
    request_id = f" (request id {exc.request_id})" if exc.request_id else ""
    return f"HTTP {exc.status_code} {kind}: {message}{request_id}"


# --- the run's accounting ---------------------------------------------------------------------


@dataclass
class _Run:
    """Counters for one paper."""

    model: str
    chunks: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    dropped_malformed: int = 0
    split_after_max_tokens: int = 0
    truncated_chunks: int = 0
    chunks_without_answer: int = 0

    def add_usage(self, message: Message) -> None:
        usage = message.usage
        self.requests += 1
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.cache_creation_input_tokens += usage.cache_creation_input_tokens or 0
        self.cache_read_input_tokens += usage.cache_read_input_tokens or 0

    def stats(self) -> ExtractionStats:
        row = price_for(self.model)
        return {
            "model": self.model,
            "chunks": self.chunks,
            "pages": self.pages,
            "requests": self.requests,
            "retries": self.retries,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cost_usd": estimate_cost_usd(
                self.model,
                input_tokens=self.input_tokens,
                output_tokens=self.output_tokens,
                cache_creation_input_tokens=self.cache_creation_input_tokens,
                cache_read_input_tokens=self.cache_read_input_tokens,
            ),
            "price_basis": f"{row[0]} list prices as of {PRICES_AS_OF} (assumed)"
            if row
            else "unknown model: no estimate",
            "dropped_unverified": sum(self.dropped.values()),
            "dropped_unverified_by_kind": dict(sorted(self.dropped.items())),
            "dropped_malformed": self.dropped_malformed,
            "split_after_max_tokens": self.split_after_max_tokens,
            "truncated_chunks": self.truncated_chunks,
            "chunks_without_answer": self.chunks_without_answer,
        }


# --- reading the tool input -------------------------------------------------------------------


def _text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return " ".join(value.split()) if isinstance(value, str) else ""


def _int(item: Mapping[str, Any], key: str) -> int | None:
    value = item.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _float(item: Mapping[str, Any], key: str) -> float | None:
    value = item.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        printed = _printed_number(value)
        return float(printed) * (-1 if value.strip().startswith(("-", "−")) else 1) if printed else None
    return None


def _items(raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = raw.get(key)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


@dataclass
class _Verified:
    """Receipts whose evidence was found in the paper, names still as the model wrote them."""

    proposed: list[tuple[str, Provenance]] = field(default_factory=list)
    results: list[ResultReceipt] = field(default_factory=list)
    beats: list[BeatsClaim] = field(default_factory=list)
    critiques: list[CritiqueClaim] = field(default_factory=list)
    candidates: list[CandidateMethod] = field(default_factory=list)


def _provenance(match: QuoteMatch, locator: str = "") -> Provenance:
    confidence = CONFIDENCE_EXACT if match.score >= 1.0 else round(CONFIDENCE_FUZZY_FACTOR * match.score, 3)
    return Provenance(page=match.page, locator=locator, quote=match.quote, confidence=confidence)


class _Checker:
    """Verifies one chunk's tool input against the paper and keeps what holds up."""

    def __init__(self, paper: PaperText, threshold: float, run: _Run, verified: _Verified) -> None:
        self.paper = paper
        self.threshold = threshold
        self.run = run
        self.out = verified

    def drop(self, kind: str) -> None:
        self.run.dropped[kind] += 1

    def quote(self, item: Mapping[str, Any]) -> QuoteMatch | None:
        return self.paper.find_quote(_text(item, "quote"), _int(item, "page"), self.threshold)

    def add(self, raw: Mapping[str, Any]) -> None:
        for item in _items(raw, "proposed"):
            self.named(item, "proposed")
        for item in _items(raw, "candidates"):
            self.named(item, "candidates")
        for item in _items(raw, "results"):
            self.result(item)
        for item in _items(raw, "beats"):
            self.beats(item)
        for item in _items(raw, "critiques"):
            self.critique(item)

    def named(self, item: Mapping[str, Any], kind: str) -> None:
        name = _clean_name(_text(item, "name"))
        if not name or normalize_name(name) in _GENERIC_NAMES:
            self.run.dropped_malformed += 1
            return
        match = self.quote(item)
        # The name itself must be printed there too, or the quote proves nothing about it.
        if match is None or not (squash(name) in squash(match.quote) or self.paper.mentions(name, match.page)):
            self.drop(kind)
            return
        if kind == "proposed":
            self.out.proposed.append((name, _provenance(match)))
        else:
            self.out.candidates.append(CandidateMethod(name, _provenance(match)))

    def result(self, item: Mapping[str, Any]) -> None:
        method, benchmark = _clean_name(_text(item, "method")), _text(item, "benchmark")
        value, page = _float(item, "value"), _int(item, "page")
        if not method or not benchmark or value is None or page is None:
            self.run.dropped_malformed += 1
            return
        found = self.paper.find_value(page, value, _text(item, "value_text"))
        if found is None:
            self.drop("results")
            return
        printed, in_table = found
        locator = _text(item, "table")
        setting = _text(item, "setting")
        weight, activation, kv, group = parse_setting(setting)
        self.out.results.append(
            ResultReceipt(
                method=method,
                model=normalize_model_name(_text(item, "model")),
                setting=setting,
                benchmark=benchmark,
                value=value,
                provenance=Provenance(
                    page=page,
                    locator=locator,
                    quote=self.paper.caption(page, locator),
                    confidence=CONFIDENCE_EXACT if in_table else CONFIDENCE_TEXT_VALUE,
                ),
                value_text=printed,
                metric=_text(item, "metric"),
                row_label=_text(item, "row_label"),
                column_label=_text(item, "column_label"),
                weight_bits=weight,
                activation_bits=activation,
                kv_bits=kv,
                group_size=group,
            )
        )

    def beats(self, item: Mapping[str, Any]) -> None:
        method, baseline = _clean_name(_text(item, "method")), _clean_name(_text(item, "baseline"))
        if not method or not baseline:
            self.run.dropped_malformed += 1
            return
        match = self.quote(item)
        evidence = "table" if _text(item, "evidence") == "table" else "sentence"
        method_value, baseline_value = _float(item, "method_value"), _float(item, "baseline_value")
        if match is not None and evidence == "table":
            # The numbers of a table comparison must be printed on the cited page as well.
            page = _int(item, "page") or match.page
            for number in (method_value, baseline_value):
                if number is not None and self.paper.find_value(page, number, "") is None:
                    match = None
        if match is None:
            self.drop("beats")
            return
        label = _TABLE_LABEL_RE.search(match.quote)
        self.out.beats.append(
            BeatsClaim(
                method=method,
                baseline=baseline,
                provenance=_provenance(match, label.group() if label and evidence == "table" else ""),
                evidence=evidence,
                benchmark=_text(item, "benchmark"),
                model=_text(item, "model"),
                setting=_text(item, "setting"),
                method_value=method_value,
                baseline_value=baseline_value,
            )
        )

    def critique(self, item: Mapping[str, Any]) -> None:
        method = _clean_name(_text(item, "method"))
        if not method:
            self.run.dropped_malformed += 1
            return
        match = self.quote(item)
        if match is None:
            self.drop("critiques")
            return
        section = _text(item, "section")
        self.out.critiques.append(CritiqueClaim(method=method, provenance=_provenance(match, section), section=section))


# --- names to the registry, duplicates out ----------------------------------------------------


def _assemble(verified: _Verified, registry: Registry, extraction: Extraction) -> None:
    """Map names through the registry, drop duplicates, and turn unknown method names into
    candidates (with the provenance of the receipt that named them)."""
    candidates: dict[str, CandidateMethod] = {}
    own: list[str] = []

    def method(name: str, provenance: Provenance) -> str:
        known = registry.method(name)
        if known:
            return known
        if normalize_name(name) in _GENERIC_NAMES and len(own) == 1:
            return own[0]  # a table row "Ours" in a paper with one method of its own
        key = normalize_name(name)
        if key and key not in _GENERIC_NAMES:
            candidates.setdefault(key, CandidateMethod(name, provenance))
        return name

    def benchmark(name: str) -> BenchmarkInfo | None:
        return registry.benchmark(name) if name else None

    for name, provenance in verified.proposed:
        canonical = method(name, provenance)
        if canonical not in own:
            own.append(canonical)
    extraction.proposed = own

    results, beats, critiques = _canonical_receipts(verified, method, benchmark)
    extraction.results += results
    extraction.beats += beats
    extraction.critiques += critiques

    for candidate in verified.candidates:
        key = normalize_name(candidate.name)
        if registry.method(candidate.name) is None and key not in _GENERIC_NAMES:
            candidates.setdefault(key, candidate)
    extraction.candidates = list(candidates.values())


def _canonical_receipts(
    verified: _Verified,
    method: Callable[[str, Provenance], str],
    benchmark: Callable[[str], BenchmarkInfo | None],
) -> tuple[list[ResultReceipt], list[BeatsClaim], list[CritiqueClaim]]:
    """The verified receipts with canonical names, duplicates out: each value of a page once; beats
    once per pair and condition, none of a method over itself; each critique's quote once per method."""
    for r in verified.results:
        r.method = method(r.method, r.provenance)
        info = benchmark(r.benchmark)
        if info:
            r.benchmark, r.metric = info.name, r.metric or info.metric
    for b in verified.beats:
        b.method, b.baseline = method(b.method, b.provenance), method(b.baseline, b.provenance)
        info = benchmark(b.benchmark)
        if info:
            b.benchmark = info.name
    for c in verified.critiques:
        c.method = method(c.method, c.provenance)
    return (
        _once_each(verified.results, lambda r: (r.method, r.model, r.setting, r.benchmark, r.value, r.provenance.page)),
        _once_each(
            [b for b in verified.beats if b.method != b.baseline],
            lambda b: (b.method, b.baseline, b.benchmark, b.model, b.setting),
        ),
        _once_each(verified.critiques, lambda c: (c.method, squash(c.provenance.quote))),
    )


def _once_each(items: list[T], key: Callable[[T], Hashable]) -> list[T]:
    """The items in their order, the first of each key only."""
    seen: set[Hashable] = set()
    out: list[T] = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


# --- the extractor ----------------------------------------------------------------------------


def _end_of_life(model: str) -> str | None:
    """The end-of-life date the installed SDK lists for `model`, or None."""
    try:
        from anthropic.resources.messages.messages import DEPRECATED_MODELS
    except ImportError:  # the table moved: not worth failing over
        return None
    return DEPRECATED_MODELS.get(model)


class AnthropicExtractor:
    """Receipts from Claude, through forced tool use, each checked against the paper's text."""

    name = "anthropic"

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str,
        *,
        max_chunk_chars: int = 60_000,
        max_retries: int = 4,
        quote_threshold: float = 0.6,
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        backoff_seconds: float = 2.0,
        max_backoff_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`max_retries` counts retries after the first attempt, for transient failures only;
        backoff doubles from `backoff_seconds` up to `max_backoff_seconds` unless the server sends
        retry-after. `sleep` is injectable so tests never wait."""
        if max_chunk_chars < 1_000:
            raise ValueError("max_chunk_chars must be at least 1000")
        # Our loop does the retrying (with stats and an injectable sleep); SDK retries on top of it
        # would turn 5 attempts into 15.
        self.client = client.with_options(max_retries=0)
        self.model = model
        self.version = f"{model}/{PROMPT_VERSION}"
        self.max_chunk_chars = max_chunk_chars
        self.max_retries = max(0, max_retries)
        self.quote_threshold = quote_threshold
        self.max_output_tokens = max_output_tokens
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.sleep = sleep
        if end_of_life := _end_of_life(model):
            # The SDK warns with a DeprecationWarning, which production never shows; after this date
            # every request fails and the extract stage stops.
            logger.warning(
                "Anthropic model %s is deprecated: end of life on %s; set ANTHROPIC_MODEL to a newer one",
                model,
                end_of_life,
            )

    # -- requests --

    def system_blocks(self, registry: Registry) -> list[TextBlockParam]:
        """Instructions and registry names, each ending a cache breakpoint: the instructions (with
        the tool before them) stay cached even when curators change the registry."""
        return [
            {"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": registry_prompt(registry), "cache_control": {"type": "ephemeral"}},
        ]

    def user_message(self, chunk: Chunk, *, page_count: int, title: str, abstract: str) -> MessageParam:
        # The paper's title and abstract come with every chunk so that later chunks still know
        # which method is the paper's own; they are short, so they are not worth a cache breakpoint.
        header = [f"Paper title: {' '.join(title.split()) or '(unknown)'}"]
        if abstract.strip():
            header.append(f"Abstract: {' '.join(abstract.split())[:4000]}")
        pages = chunk.pages
        header.append(
            f"\nExcerpt: {chunk.label} of {page_count} ({', '.join(map(str, pages))}). "
            "Record the receipts printed in these pages."
        )
        return {"role": "user", "content": [{"type": "text", "text": "\n".join(header) + "\n\n" + chunk.text}]}

    def _delay(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        asked = _retry_after(headers)
        if asked is not None:
            return min(asked, self.max_backoff_seconds)
        # Jitter keeps workers that failed together from retrying together.
        return min(self.backoff_seconds * 2**attempt, self.max_backoff_seconds) * random.uniform(0.75, 1.0)

    def send(self, system: list[TextBlockParam], message: MessageParam, chunk: Chunk, run: _Run) -> Message:
        """One request, retried on transient failures; raises AnthropicExtractionError otherwise."""
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                answer = self.client.messages.create(
                    model=self.model,
                    max_tokens=self.max_output_tokens,
                    system=system,
                    tools=[RECEIPTS_TOOL],
                    tool_choice=TOOL_CHOICE,
                    messages=[message],
                )
            except anthropic.APIStatusError as exc:
                if not _is_transient(exc):
                    raise AnthropicExtractionError(
                        f"Anthropic API refused the request for {chunk.label}: {_describe(exc)}. Not retried: "
                        "the request itself has to change (model name, key, size of max_chunk_chars).",
                        status_code=exc.status_code,
                    ) from exc
                if attempt + 1 == attempts:
                    raise AnthropicExtractionError(
                        f"Anthropic API failed for {chunk.label} after {attempts} attempts: {_describe(exc)}",
                        status_code=exc.status_code,
                    ) from exc
                delay, reason = self._delay(attempt, exc.response.headers), f"HTTP {exc.status_code}"
            except anthropic.APIConnectionError as exc:  # APITimeoutError included
                if attempt + 1 == attempts:
                    raise AnthropicExtractionError(
                        f"Anthropic API unreachable for {chunk.label} after {attempts} attempts: {type(exc).__name__}: {exc}"
                    ) from exc
                delay, reason = self._delay(attempt, None), type(exc).__name__
            else:
                run.add_usage(answer)
                return answer
            run.retries += 1
            logger.warning(
                "Anthropic %s for %s (attempt %d of %d); retrying in %.1f s",
                reason,
                chunk.label,
                attempt + 1,
                attempts,
                delay,
            )
            self.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- the paper --

    def extract(
        self, document: ParsedDocument, registry: Registry, *, title: str = "", abstract: str = ""
    ) -> Extraction:
        run = _Run(model=self.model)
        paper = PaperText(document)
        verified = _Verified()
        checker = _Checker(paper, self.quote_threshold, run, verified)
        system = self.system_blocks(registry)
        queue = chunk_document(document, self.max_chunk_chars)
        run.pages = len({page for chunk in queue for page in chunk.pages})
        while queue:
            chunk = queue.pop(0)
            message = self.user_message(chunk, page_count=document.page_count, title=title, abstract=abstract)
            answer = self.send(system, message, chunk, run)
            if answer.stop_reason == "max_tokens" and len(chunk.units) > 1:
                # The JSON was cut off: ask again about each half, which needs fewer tokens.
                run.split_after_max_tokens += 1
                queue[:0] = chunk.halves()
                continue
            run.chunks += 1
            if answer.stop_reason == "max_tokens":
                run.truncated_chunks += 1
            raw = next(
                (b.input for b in answer.content if b.type == "tool_use" and b.name == TOOL_NAME),
                None,
            )
            if raw is None:
                run.chunks_without_answer += 1
                logger.warning("no %s call for %s (stop reason %s)", TOOL_NAME, chunk.label, answer.stop_reason)
                continue
            checker.add(raw)

        extraction = Extraction(extractor=self.name, version=self.version)
        _assemble(verified, registry, extraction)
        extraction.stats = dict(run.stats())
        logger.info(
            "anthropic extraction: %d requests, %d input tokens (+%d cache writes, %d cache reads), %d output tokens, "
            "~$%s; %d receipts dropped as unverified",
            run.requests,
            run.input_tokens,
            run.cache_creation_input_tokens,
            run.cache_read_input_tokens,
            run.output_tokens,
            extraction.stats["cost_usd"],
            extraction.stats["dropped_unverified"],
        )
        return extraction


def anthropic_client(
    api_key: str, *, max_retries: int = 4, http_client: httpx2.Client | None = None
) -> anthropic.Anthropic:
    """The one way this project makes an Anthropic client (extraction, citations, summaries, synthesis)."""
    return anthropic.Anthropic(api_key=api_key, http_client=http_client, max_retries=max_retries)
