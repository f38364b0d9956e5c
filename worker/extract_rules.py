"""The rule-based extractor: results, "beats" edges, critiques and candidate methods from a parsed
PDF, with no network and no model (pure, no Django).

Tables are read by ``worker.extract_tables`` (shape) and interpreted here: every header and row
label is classified as a method, model, setting, benchmark, metric or a column to skip (time,
memory, ...), through the registry first and generic vocabularies second. Sentences are handled
by ``worker.extract_text``.

Names are kept as printed when the registry does not know them (so a curator sees what the paper
says), and canonical when it does; benchmark names are kept as printed ("WIKI-2", "Ave.") because
registry aliases already link them, while a bare "Avg." under "MMLU" becomes "MMLU".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from baselines.naming import normalize_name
from worker.extract_tables import (
    AXIS_RE,
    FAMILY_ONLY,
    MODEL_RE,
    PRECISION_TOKEN_RE,
    SIZE_IN_LABEL_RE,
    Row,
    Table,
    build_tables,
    caption_convention,
    family_of,
    find_models,
    header_tokens,
    is_missing,
    looks_like_name,
    model_size,
    parse_number,
    split_values,
)
from worker.extract_text import (
    BEAT_VERB_RE,
    analyse_text,
    split_sentences,
)
from worker.receipts import (
    BeatsClaim,
    BenchmarkInfo,
    CandidateMethod,
    Extraction,
    Provenance,
    Registry,
    ResultReceipt,
)

# --------------------------------------------------------------------------------------------
# Settings: W4A16, W4/8A8, W4A8KV4, INT4, FP16, 4-bit, g128, "group size of 128"

_WA_RE = re.compile(
    r"(?<![A-Za-z0-9])W(?P<w>\d{1,2})(?:/\d{1,2})?\s*-?\s*A(?P<a>\d{1,2})(?:/\d{1,2})?(?:\s*-?\s*(?:KV|V)(?P<kv>\d{1,2}))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_W_ONLY_RE = re.compile(r"(?<![A-Za-z0-9])W(?P<w>\d{1,2})(?![A-Za-z0-9/])")
_KV_RE = re.compile(r"(?<![A-Za-z0-9])KV(?P<kv>\d{1,2})(?![A-Za-z0-9])", re.IGNORECASE)
_FORMAT_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<fmt>d?INT|UINT|FP|BF|NF|MXFP|MXINT|E\dM\d)(?P<bits>\d{1,2})?(?![A-Za-z0-9])"
)
_BITS_RE = re.compile(r"(?<![A-Za-z0-9.])(?P<bits>\d{1,2})(?:\s*/\s*(?P<bits2>\d{1,2}))?[\s-]?bits?\b", re.IGNORECASE)
_GROUP_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:g|gs|G)\s*=?\s*(?P<g>\d{2,4})(?![A-Za-z0-9])|group[\s-]*size\s*(?:of|=|:)?\s*(?P<g2>\d{2,4})",
    re.IGNORECASE,
)
_FULL_PRECISION_WORDS = {
    "float", "baseline", "teacher", "replication", "full", "precision", "fullprecision", "original", "dense",
    "fp", "reference", "uncompressed", "unquantized", "none", "base", "model", "pretrained", "pre-trained",
}  # fmt: skip


@dataclass
class Setting:
    w: int | None = None
    a: int | None = None
    kv: int | None = None
    g: int | None = None
    weight_only_hint: bool = False  # the text said INTk / k-bit without saying what about activations
    note: str = ""  # another condition of the run printed as a header ("5-shot")

    def merged(self, over: Setting) -> Setting:
        """``over``'s fields where set, else ours."""
        return Setting(
            over.w if over.w is not None else self.w,
            over.a if over.a is not None else self.a,
            over.kv if over.kv is not None else self.kv,
            over.g if over.g is not None else self.g,
            over.weight_only_hint if over.w is not None else self.weight_only_hint,
            over.note or self.note,
        )

    @property
    def empty(self) -> bool:
        return self.w is None and self.a is None and self.kv is None and self.g is None and not self.note

    @property
    def full_precision(self) -> bool:
        return self.w is not None and self.w >= 16 and (self.a is None or self.a >= 16)

    def text(self) -> str:
        parts = []
        if self.w is not None:
            parts.append(f"W{self.w}" + (f"A{self.a}" if self.a is not None else ""))
        elif self.a is not None:
            parts.append(f"A{self.a}")
        if self.kv is not None:
            parts.append(f"KV{self.kv}")
        text = "".join(parts)
        if self.g is not None:
            text = f"{text} g{self.g}".strip()
        if self.note:
            text = f"{text} {self.note}".strip()
        return text

    def compatible(self, other: Setting) -> bool:
        return self.note == other.note and all(
            x is None or y is None or x == y
            for x, y in ((self.w, other.w), (self.a, other.a), (self.kv, other.kv), (self.g, other.g))
        )


def parse_setting(text: str) -> tuple[Setting, str]:
    """The quantization setting a header, label or caption states, and the text without it."""
    s = Setting()
    rest = text
    m = _WA_RE.search(rest)
    if m:
        s.w, s.a = int(m.group("w")), int(m.group("a"))
        if m.group("kv"):
            s.kv = int(m.group("kv"))
        rest = rest[: m.start()] + " " + rest[m.end() :]
    else:
        m = _W_ONLY_RE.search(rest)
        if m:
            s.w = int(m.group("w"))
            rest = rest[: m.start()] + " " + rest[m.end() :]
    m = _KV_RE.search(rest)
    if m and s.kv is None:
        s.kv = int(m.group("kv"))
        rest = rest[: m.start()] + " " + rest[m.end() :]
    for m in list(_FORMAT_RE.finditer(rest))[:1]:
        if m.group("bits") and s.w is None:
            bits = int(m.group("bits"))
            s.w = bits
            s.weight_only_hint = m.group("fmt").upper() not in ("FP", "BF") or bits < 16
        rest = rest[: m.start()] + " " + rest[m.end() :]
    m = _BITS_RE.search(rest)
    if m:
        # "3/4-bit" lists two settings; it says nothing about activations
        if s.w is None and not m.group("bits2"):
            s.w = int(m.group("bits"))
            s.weight_only_hint = s.w < 16
        rest = rest[: m.start()] + " " + rest[m.end() :]
    m = _GROUP_RE.search(rest)
    if m:
        s.g = int(m.group("g") or m.group("g2"))
        rest = rest[: m.start()] + " " + rest[m.end() :]
    return s, re.sub(r"\s+", " ", rest).strip()


# --------------------------------------------------------------------------------------------
# Header vocabulary

_ARROWS_RE = re.compile(r"\s*\(\s*[↑↓]\s*\)|[↑↓]")
_MARKS_RE = re.compile(r"[*†‡§¶⋆∗]+")
_PAREN_RE = re.compile(r"\s*\([^()]*\)")
_AVERAGE_RE = re.compile(r"^(?:avg\.?|average|ave\.?|mean)(?:\s+(?:acc\.?|accuracy|score))?\.?$", re.IGNORECASE)
_AVERAGE_WORD_RE = re.compile(r"\b(?:avg|average|ave|mean)\b", re.IGNORECASE)
_METRIC_RE = re.compile(
    r"^(?:ppl|perplexity|acc|acc\.|accuracy|acc_norm|f1|em|exact match|bleu|rouge(?:-?[12l])?|r1|r2|rl|rlsum|"
    r"score|top-?1|top-?5|mcc|pearson|spearman|matthews|metric|metrics|value|results?)(?:\s*/\s*\S+)*$",
    re.IGNORECASE,
)
_METRIC_WORDS_RE = re.compile(
    r"\b(?:ppl|perplexit(?:y|ies)|accuracy|acc\.?|f1|bleu|rouge|exact match|top-1|score)\b", re.IGNORECASE
)
_LOWER_BETTER_RE = re.compile(r"\b(?:ppl|perplexit(?:y|ies)|error|wer|loss|mse|↓)|↓|lower is better", re.IGNORECASE)
_HIGHER_BETTER_RE = re.compile(r"↑|higher is better|\bacc(?:uracy)?\b", re.IGNORECASE)
# Columns that report cost, not quality, and columns that describe the configuration.
_SKIP_RE = re.compile(
    r"\b(?:time|latency|speed|speedup|speed-up|throughput|memory|mem\.?|size|params?|#params|#param|parameters|"
    r"cost|costs|energy|power|gpus?|hours?|ms|sec|seconds|tokens/s|tok/s|flops|ops|bops|macs?|epochs?|lr|"
    r"learning|iterations?|iters?|steps|batch|bs|seq|len|length|compression|ratio|std|variance|overhead|"
    r"storage|bandwidth|util|utilization|area|gb|mb|kb|data|resource|calibration|tflops|count|#)\b",
    re.IGNORECASE,
)
_COST_CAPTION_RE = re.compile(
    r"\b(?:speed-?ups?|latency|latencies|throughput|memory|run-?time|inference time|energy|flops|"
    r"footprint|kernel|hardware|bandwidth|profiling)\b",
    re.IGNORECASE,
)
_DELTA_RE = re.compile(r"[∆Δ]|\b(?:delta|diff\.?|difference|gain|improvement|drop|degradation)\b", re.IGNORECASE)
_BENCHMARK_SHAPE_RE = re.compile(r"^[A-Za-z][\w\-.\s/()&+']*[A-Za-z0-9.)]$")
_BITS_HEADER_RE = re.compile(
    r"^(?:#?\s*bits?|[wak]v?[\s-]*bits?|wbits?|abits?|w/a|w-a|w/a/kv|w-a-kv|bit-?width|precision|prec\.?|"
    r"#?\s*bits?\s*\(w[-/]a(?:[-/]kv)?\))$",
    re.IGNORECASE,
)
_GROUP_HEADER_RE = re.compile(r"^(?:group(?:[\s-]*size)?|gs|g|block(?:[\s-]*size)?)$", re.IGNORECASE)
_OURS_RE = re.compile(r"\b(?:ours|our method|our approach|our|proposed)\b", re.IGNORECASE)
_CITATION_RE = re.compile(
    r"\s*\((?:[^()]*?(?:et al\.?|[A-Z][a-z]+)[^()]*?,?\s*(?:19|20)\d\d[a-z]?)\)|\s*\[\d+(?:\s*[,–-]\s*\d+)*\]"
)
_CHECK_RE = re.compile(r"[✓✔✗✘]|(?<!\w)[-–—](?!\w)")


def clean_header(text: str) -> str:
    text = _ARROWS_RE.sub("", text)
    text = _MARKS_RE.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" :")


@dataclass
class Role:
    kind: str  # "benchmark", "average", "unknown", "metric", "model", "setting", "skip", "bits", "group", "empty"
    name: str = ""
    info: BenchmarkInfo | None = None
    setting: Setting = field(default_factory=Setting)
    model: str = ""


def benchmark_in(text: str, registry: Registry) -> tuple[str, BenchmarkInfo] | None:
    """A registry benchmark named in a header or caption, with its spelling as printed."""
    text = clean_header(text)
    if not text:
        return None
    for candidate in (text, _PAREN_RE.sub("", text).strip()):
        info = registry.benchmark(candidate)
        if info:
            return candidate, info
    tokens = text.replace("/", " / ").split()
    average: tuple[str, BenchmarkInfo] | None = None
    for size in (4, 3, 2, 1):
        best: tuple[str, BenchmarkInfo] | None = None
        best_len = 0
        for i in range(len(tokens) - size + 1):
            span = " ".join(tokens[i : i + size]).strip(",;:./ ")
            if not span:
                continue
            info = registry.benchmark(span) or registry.benchmark(_PAREN_RE.sub("", span).strip())
            if not info:
                continue
            shown = _PAREN_RE.sub("", span).strip() or span.strip("()")
            # "average" names a benchmark only when nothing more specific is in the header.
            if _AVERAGE_RE.match(shown):
                average = average or (shown, info)
                continue
            if len(span) > best_len:
                best, best_len = (shown, info), len(span)
        if best:
            return best
    # "Common Sense QA average": the registry's name for an average over tasks
    return (average[1].name, average[1]) if average else None


def classify_header(text: str, registry: Registry) -> Role:
    raw = text.strip()
    cleaned = clean_header(raw)
    if not cleaned:
        return Role("empty")
    plain = _PAREN_RE.sub("", cleaned).strip() or cleaned
    if _BITS_HEADER_RE.match(plain):
        return Role("bits", plain)
    if _GROUP_HEADER_RE.match(plain):
        return Role("group", plain)
    size = model_size(plain)
    if size:
        return Role("model", model=size)
    models = find_models(cleaned)
    if models and len(" ".join(models)) >= 0.6 * len(plain.replace(" ", "")):
        return Role("model", model=models[0])
    setting, rest = parse_setting(plain)
    if not setting.empty and not re.sub(r"[\W_]+", "", rest):
        return Role("setting", plain, setting=setting)
    if _AVERAGE_RE.match(plain):
        return Role("average", plain)
    if re.fullmatch(r"\d+[-\s]?shots?", plain, re.IGNORECASE):
        return Role("setting", plain, setting=Setting(note=plain))  # a condition of the run, like a bit width
    found = benchmark_in(cleaned, registry)
    if found:
        name, info = found
        # Keep what the paper printed, minus arrows and "(5-shot)"-style notes that do not change
        # which benchmark it is.
        shown = plain if registry.benchmark(plain) == info else name
        if "/" in cleaned and registry.benchmark(cleaned.split("/")[0]) == info:
            shown = cleaned  # "MNLI-m/mm": a pair of benchmarks, split per value later
        return Role("benchmark", shown, info)
    if _METRIC_RE.match(plain):
        return Role("metric", plain)
    if _SKIP_RE.search(plain) or _DELTA_RE.search(cleaned) or AXIS_RE.match(plain):
        return Role("skip", plain)
    if not _BENCHMARK_SHAPE_RE.match(plain) or re.search(r"bits?\b", plain, re.IGNORECASE):
        return Role("skip", plain)  # fragments of a broken header ("ep-", "-bits"), not task names
    if _AVERAGE_WORD_RE.search(plain):
        return Role("average", plain)
    if re.fullmatch(r"[\d.,%\s]+", plain):
        return Role("skip", plain)
    return Role("unknown", plain)


@dataclass
class ColumnInfo:
    benchmark: str = ""
    info: BenchmarkInfo | None = None
    metric: str = ""
    model: str = ""
    family: str = ""
    setting: Setting = field(default_factory=Setting)
    skip: bool = False
    bits: bool = False  # a column of bit widths: its values are settings
    group: bool = False
    lower_better: bool | None = None
    arrow: bool | None = None  # the direction its own header states (↑, ↓, "PPL")
    label: str = ""  # the header as printed


@dataclass
class TableContext:
    benchmark: str = ""
    info: BenchmarkInfo | None = None
    model: str = ""
    family: str = ""
    family_base: str = ""
    setting: Setting = field(default_factory=Setting)
    lower_better: bool | None = None
    results_like: bool = False


def _direction(text: str) -> bool | None:
    """True for lower-is-better, False for higher-is-better, None when the text says neither (or both,
    as a caption describing several metrics does)."""
    lower, higher = bool(_LOWER_BETTER_RE.search(text)), bool(_HIGHER_BETTER_RE.search(text))
    if lower == higher:
        return None
    return lower


def table_context(table: Table, registry: Registry) -> TableContext:
    ctx = TableContext()
    caption = table.caption
    stub = " ".join(table.stub)
    # The benchmark a caption names: the only one, or the only one next to a metric word
    # ("C4 validation perplexities", "WikiText-2 perplexity").
    # Several next to a metric word ("We report WikiText2 perplexity here, C4 perplexity in the
    # appendix"): the first one, which is what the table shows.
    hits: list[tuple[int, str, BenchmarkInfo, bool]] = []
    words = re.findall(r"\S+", re.sub(r"[(),;]", " ", caption))
    for i in range(len(words)):
        for size in (1, 2, 3):
            if i + size > len(words):
                break
            span = " ".join(words[i : i + size]).strip(".:")
            info = registry.benchmark(span)
            if not info or _AVERAGE_RE.match(span) or any(info.name == h[2].name for h in hits):
                continue
            window = " ".join(words[max(0, i - 1) : i + size + 3])
            hits.append((i, span, info, bool(_METRIC_WORDS_RE.search(window))))
            break
    found = {h[1]: (h[1], h[2]) for h in hits}
    near_metric = {h[1]: (h[1], h[2]) for h in hits if h[3]}
    for source in (stub,):
        b = benchmark_in(source, registry) if source else None
        if b:
            ctx.benchmark, ctx.info = b
    if not ctx.benchmark and stub:
        # "COCO (CIDEr ↑)" over columns of shots or models: a task the registry does not know yet
        m = re.match(r"^([A-Z][\w\-.]+(?:\s[A-Z][\w\-.]+)?)\s*\(([^()]*)\)", clean_header(stub))
        if m and (
            _METRIC_WORDS_RE.search(m.group(2)) or "↑" in stub or "↓" in stub or re.search(r"[A-Z]{2}", m.group(2))
        ):
            name = m.group(1)
            if not AXIS_RE.match(name) and not find_models(name) and parse_setting(name)[0].empty:
                ctx.benchmark = name
    if not ctx.benchmark:
        pick = near_metric or (found if len(found) == 1 else {})
        if pick:
            ctx.benchmark, ctx.info = next(iter(pick.values()))
    models = list(dict.fromkeys(find_models(stub) + find_models(caption)))
    full = [m for m in models if not FAMILY_ONLY.match(m)]
    if len(full) == 1:
        ctx.model = full[0]
    families = list(dict.fromkeys(family_of(m) for m in models))
    if len(families) == 1:
        ctx.family = families[0]
    bases = {m.group("family") for m in map(MODEL_RE.match, models) if m}
    if len(bases) == 1:
        ctx.family_base = next(iter(bases))  # "LLaMA" for columns like "2-7B" under "LLaMA-1 and LLaMA-2"
    settings = [parse_setting(part)[0] for part in re.split(r"[,;]|\band\b", caption)]
    settings = [s for s in settings if s.w is None or s.w < 16]
    ws = {s.w for s in settings if s.w is not None}
    gs = {s.g for s in settings if s.g is not None}
    if len(ws) == 1:
        first = next(s for s in settings if s.w is not None)
        ctx.setting = replace(first, g=None)
    if len(gs) == 1:
        ctx.setting.g = next(iter(gs))
    # "4-bit quantization of weights, activations and KV cache"
    if ctx.setting.w is not None and ctx.setting.weight_only_hint and ctx.setting.w < 16:
        if re.search(r"\bactivations?\b", caption, re.IGNORECASE) and not re.search(
            r"weight[- ]only", caption, re.IGNORECASE
        ):
            ctx.setting.a = ctx.setting.w
        if re.search(r"\bKV\b|key[- ]value", caption, re.IGNORECASE):
            ctx.setting.kv = ctx.setting.w
    ctx.lower_better = _direction(stub) if _direction(stub) is not None else _direction(caption)
    ctx.results_like = bool(
        ctx.benchmark
        or _METRIC_WORDS_RE.search(caption)
        or _METRIC_WORDS_RE.search(stub)
        or re.search(r"\b(?:results?|evaluation|performance|comparison|compar)", caption, re.IGNORECASE)
    ) and not re.search(r"hyper-?parameter|configuration of|setup|statistics of", caption, re.IGNORECASE)
    # "The speedup of our W8A8 ...": tables of cost, not quality, unless a benchmark is named.
    if not ctx.benchmark and not found and _COST_CAPTION_RE.search(caption):
        ctx.results_like = False
    return ctx


def column_info(stack: list[str], ctx: TableContext, registry: Registry) -> ColumnInfo:
    col = ColumnInfo()
    levels = [t for t in stack if t and clean_header(t)]
    col.label = " / ".join(clean_header(t) for t in levels)
    roles = [classify_header(t, registry) for t in levels]
    size = ""
    for text, role in zip(levels, roles, strict=True):
        d = _direction(text)
        if d is not None:
            col.lower_better = col.arrow = d
        if role.kind == "model":
            if model_size(role.model):
                size = role.model
            elif _SPECIFIC_MODEL_RE.search(role.model):  # "LLaMA-2-7B", "BERT-base": one model
                col.model = role.model
                col.family = family_of(role.model)
            else:  # "LLaMA-2", "OPT": a family, whose size may sit in a header below
                col.family = role.model
        elif role.kind == "setting":
            col.setting = col.setting.merged(role.setting)
        elif role.kind == "bits":
            col.bits = True
        elif role.kind == "group":
            col.group = True
        elif role.kind == "unknown":
            fam = find_models(text)
            if fam and not col.family:
                col.family = family_of(fam[0])
    if roles and roles[-1].kind == "skip" or any(r.kind == "skip" for r in roles[-1:]):
        col.skip = True
    if size and not col.model:
        family = col.family or ctx.family
        col.model = f"{family}-{size}" if family else size
    elif not col.model and col.family:
        col.model = col.family
    # The benchmark: the leaf when it names one, else the nearest level above that does.
    leaf_k = len(roles) - 1
    named = [k for k, r in enumerate(roles) if r.kind == "benchmark"]
    if leaf_k >= 0:
        leaf = roles[leaf_k]
        group_bench = next((roles[k] for k in reversed(named) if k < leaf_k), None)
        if leaf.kind == "benchmark":
            col.benchmark, col.info = leaf.name, leaf.info
        elif leaf.kind == "average":
            if group_bench is not None:
                col.benchmark, col.info = group_bench.name, group_bench.info
            else:
                col.benchmark = leaf.name
                col.info = registry.benchmark(leaf.name)
        elif leaf.kind == "unknown":
            if group_bench is not None:
                col.benchmark, col.info = f"{group_bench.name} {leaf.name}", None
                col.lower_better = col.lower_better if col.lower_better is not None else _lower(group_bench.info)
            else:
                col.benchmark = leaf.name
        elif leaf.kind in ("metric", "model", "setting", "empty"):
            if leaf.kind == "metric":
                col.metric = leaf.name
            for k in range(leaf_k - 1, -1, -1):
                r = roles[k]
                if r.kind == "benchmark":
                    col.benchmark, col.info = r.name, r.info
                    break
                if r.kind == "average":
                    avg = registry.benchmark("Average")
                    col.benchmark, col.info = (avg.name, avg) if avg else (r.name, None)
                    break
                if r.kind == "unknown" and not find_models(levels[k]):
                    col.benchmark = r.name
                    break
        if leaf.kind in ("skip",):
            col.skip = True
    if not col.benchmark and not col.skip and not col.bits and not col.group:
        col.benchmark, col.info = ctx.benchmark, ctx.info
    if col.info is None and col.benchmark:
        col.info = registry.benchmark(col.benchmark)
    if col.lower_better is None:
        col.lower_better = _lower(col.info) if col.info else ctx.lower_better
    return col


_SPECIFIC_MODEL_RE = re.compile(
    r"\d+(?:\.\d+)?[BMK]\b|\d+x\d+B|(?:^|[-_ ])(?:base|large|small|medium|tiny|mini|xl|xxl|huge|big)\b|"
    r"[a-z](?:base|large)\b|BASE|LARGE",
    re.IGNORECASE,
)


def _lower(info: BenchmarkInfo | None) -> bool | None:
    if info is None:
        return None
    return info.direction == "lower"


def split_names(name: str, k: int) -> list[str]:
    """ "MNLI-m/mm" over two values -> ["MNLI-m", "MNLI-mm"]; "QQP" -> ["QQP", "QQP"]."""
    parts = [p.strip() for p in name.split("/")] if "/" in name else []
    if len(parts) != k:
        return [name] * k
    first = parts[0]
    out = [first]
    for part in parts[1:]:
        if len(part) <= 3 and "-" in first and part.islower():
            out.append(first.rsplit("-", 1)[0] + "-" + part)
        elif part.startswith("-") and "-" in first:
            out.append(first.rsplit("-", 1)[0] + part)
        else:
            out.append(part)
    return out


# --------------------------------------------------------------------------------------------
# Row labels


@dataclass
class RowInfo:
    method: str = ""
    known: bool = False  # the registry knows the method
    full_precision: bool = False
    ours: bool = False
    model: str = ""
    setting: Setting = field(default_factory=Setting)
    benchmark: str = ""  # a transposed table names benchmarks in rows
    info: BenchmarkInfo | None = None


def _registry_method(text: str, registry: Registry) -> str | None:
    text = text.strip(" ,;:")
    if not text:
        return None
    found = registry.method(text)
    if found:
        return found
    tokens = text.split()
    for i in range(len(tokens)):
        for size in range(min(4, len(tokens) - i), 0, -1):
            span = " ".join(tokens[i : i + size]).strip(",;:()")
            if not span or all(PRECISION_TOKEN_RE.match(t) for t in span.split()):
                continue
            if span.lower() in {"full", "fp", "baseline", "base"} and len(tokens) > size:
                continue
            found = registry.method(span)
            if found:
                return found
        # "QUIK-4B GPTQ": an unknown name first, then the quantizer it runs on; the row is the
        # unknown method's, not GPTQ's.
        if looks_like_name(tokens[i]):
            return None
    return None


def _method_like(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 6:
        return False
    # Not check marks printed as "X", nor fragments like "m/mm": a capital or a real word.
    if not re.search(r"[A-Z]", text) and not re.search(r"[a-z]{4,}", text):
        return False
    if not any(len(re.sub(r"[^A-Za-z]", "", w)) >= 2 for w in words):
        return False
    if sum(1 for w in words if w.lower() in {"the", "of", "and", "with", "for", "on", "in", "to", "a"}) >= 2:
        return False
    return not re.fullmatch(r"[\W\d_]+", text)


# Row labels that name a statistic, a part of the model or a budget, not a method.
_NOT_METHOD_RE = re.compile(
    r"^(?:mean|max|min|avg\.?|average|diff\.?|difference|delta|Δ|std|best|worst|median|total|gap|improvement|"
    r"speed-?up|drop|low|medium|high|small|large|base|all|none|others?|ratio|yes|no|"
    r"(?:layer|block|epoch|step|seed|iter\w*|sequence|seq|batch|size|budget|group|head|stage|module)\b.*)$",
    re.IGNORECASE,
)
_MULTIPLIER_RE = re.compile(r"[×x]\s?\d+(?:\.\d+)?\b|\(\s*[×x]?\d+(?:\.\d+)?\s*[×x]?\s*\)")


def interpret_label(label: str, registry: Registry, proposed: list[str]) -> RowInfo:
    info = RowInfo()
    raw = _CITATION_RE.sub("", label)
    raw = _MARKS_RE.sub("", raw)
    raw = _CHECK_RE.sub(" ", raw)
    raw = _MULTIPLIER_RE.sub(" ", raw)  # "PTQ ×5.33": a compression ratio printed beside the name
    raw = re.sub(r"\s+", " ", raw).strip(" +")
    if not raw:
        return info
    # "INT8" alone is a number format, even though it normalises like the alias "int8()".
    whole = None if all(PRECISION_TOKEN_RE.match(t) for t in raw.split()) else registry.method(raw)
    models = find_models(raw)
    rest = raw
    for m in models:
        rest = rest.replace(m, " ")
    if models:
        info.model = models[0]
    else:
        size = SIZE_IN_LABEL_RE.search(rest)  # "7B FP16": a model size printed in the row
        if size:
            info.model = size.group(0)
            rest = rest[: size.start()] + " " + rest[size.end() :]
    setting, rest = parse_setting(rest)
    info.setting = setting
    rest = re.sub(r"\(\s*\)", " ", rest)
    outside = _PAREN_RE.sub(" ", rest).strip(" ,;:-+")
    inside = " ".join(re.findall(r"\(([^()]*)\)", rest)).strip()
    core = outside or inside
    core = re.sub(r"\s+", " ", core).strip()
    if _OURS_RE.search(raw):
        info.ours = True
        named = _registry_method(core, registry)
        info.method = named or (proposed[0] if proposed else "Ours")
        info.known = bool(named) or bool(proposed)
        return info
    if whole:
        info.method, info.known = whole, True
        info.full_precision = registry.method("FP16") == whole
        return info
    words = {w.lower().strip(".,") for w in core.replace("-", " ").split()}
    if setting.full_precision and (not core or words <= _FULL_PRECISION_WORDS):
        info.full_precision = True
        info.setting = replace(setting, a=setting.a if setting.a is not None else setting.w)
        info.method = registry.method("FP16") or "FP16"
        info.known = True
        return info
    if "+" not in core:
        named = _registry_method(core, registry)
        if named:
            info.method, info.known = named, True
            info.full_precision = registry.method("FP16") == named
            return info
        first = core.split()[0] if core.split() else ""
        if len(core.split()) > 1 and looks_like_name(first) and _registry_method(" ".join(core.split()[1:]), registry):
            info.method = first
            return info
    b = benchmark_in(core, registry) if core else None
    if b and registry.benchmark(core):
        info.benchmark, info.info = b[0], b[1]
        return info
    if core and _method_like(core) and not _SKIP_RE.fullmatch(core) and not _NOT_METHOD_RE.match(core):
        info.method = core
    return info


# --------------------------------------------------------------------------------------------
# The extractor


@dataclass
class _Cell:
    table: Table
    row: Row
    row_info: RowInfo
    column: ColumnInfo
    benchmark: str
    info: BenchmarkInfo | None
    metric: str
    slot: tuple[int, int]  # (column, value index) within the table section
    value: float
    value_text: str
    model: str
    setting: Setting
    lower_better: bool
    # Cells that are comparable share this key: a column of a table section, or for methods
    # across the top, a row.
    compare: tuple[Any, ...] = ()


class RuleExtractor:
    name = "rules"
    version = "1"

    def extract(self, document: Any, registry: Registry, *, title: str = "", abstract: str = "") -> Extraction:
        """Results, beats, critiques and candidates of a ``worker.pdf_parse.ParsedDocument``."""
        pages = list(document.pages)
        convention = caption_convention(pages)
        tables = [t for page in pages for t in build_tables(page, convention)]
        table_methods = _row_methods(tables, registry)
        text = analyse_text(
            pages,
            registry,
            title=title,
            abstract=abstract,
            table_methods=table_methods,
            table_locators=[(t.page, t.locator) for t in tables],
        )
        proposed = list(text.proposed)
        weight_only = text.weight_only
        cells: list[_Cell] = []
        candidates: dict[str, CandidateMethod] = {}
        for table in tables:
            model = text.table_models.get((table.page, table.locator), "")
            cells.extend(_table_cells(table, registry, proposed, weight_only, candidates, model))
        results = [_receipt(c) for c in cells]
        caption_beats = _caption_beats(cells, proposed)
        # A row that a caption says "improves upon the baselines", and that no registry entry
        # credits to another paper, is one of this paper's methods.
        for b in caption_beats:
            if b.method not in proposed and not registry.method(b.method):
                proposed.append(b.method)
        own = {normalize_name(p) for p in proposed}
        critiques = [c for c in text.critiques if normalize_name(c.method) not in own]
        beats = _dedupe_beats(_table_beats(cells, proposed, registry) + caption_beats + text.beats)
        for name, prov in text.candidates:
            if name not in candidates and not registry.method(name):
                candidates[name] = CandidateMethod(name, prov)
        extraction = Extraction(
            extractor=self.name,
            version=self.version,
            proposed=proposed,
            results=results,
            beats=beats,
            critiques=critiques,
            candidates=list(candidates.values()),
            stats={"tables": len(tables), "pages": len(pages), "weight_only": weight_only},
        )
        return extraction


def _row_methods(tables: list[Table], registry: Registry) -> list[str]:
    """Method names printed as table rows (for finding them again in sentences)."""
    names: list[str] = []
    for table in tables:
        for row in table.rows:
            info = interpret_label(row.label, registry, [])
            if info.method and not info.known and not info.full_precision:
                names.append(info.method)
    return list(dict.fromkeys(names))


def _table_cells(
    table: Table,
    registry: Registry,
    proposed: list[str],
    weight_only: bool | None,
    candidates: dict[str, CandidateMethod],
    section_model: str = "",
) -> list[_Cell]:
    ctx = table_context(table, registry)
    if not ctx.model and section_model:
        ctx.model = section_model  # the model the surrounding section says the table is about
    out: list[_Cell] = []
    column_cache: dict[int, list[ColumnInfo]] = {}
    state_setting = Setting()
    state_model = ""
    state_method: RowInfo | None = None
    transposed = _is_transposed(table, registry, proposed)
    for row in table.rows:
        key = id(row.columns)
        if key not in column_cache:
            column_cache[key] = _with_group_directions(
                row.columns, [column_info(stack, ctx, registry) for stack in row.columns]
            )
        columns = column_cache[key]
        for line in row.context:
            s, rest = parse_setting(line)
            if not s.empty:
                if s.w is not None:
                    state_setting = Setting()
                state_setting = state_setting.merged(s)
            models = find_models(line)
            if models:
                state_model = models[0]
            ctx_info = interpret_label(line, registry, proposed)
            if ctx_info.method and (ctx_info.known or looks_like_name(ctx_info.method)) and s.empty:
                state_method = ctx_info
        info = interpret_label(row.label, registry, proposed)
        if not info.method and state_method is not None and not transposed:
            info = replace(state_method, setting=info.setting, model=info.model or state_method.model)
        if info.method and not info.setting.empty and not info.setting.full_precision and not info.full_precision:
            # A setting printed in a row with a method also covers the rows below it (\multirow).
            state_setting = Setting().merged(info.setting)
        if info.method and info.model:
            state_model = info.model  # so does a model ("7B FP16 ..." then "QuaRot ...")
        if not ctx.results_like and not any(c.info for c in columns):
            continue
        bits_setting = Setting()
        for col, cell in zip(columns, row.cells, strict=False):
            if cell is None:
                continue
            if col.bits:
                bits_setting = bits_setting.merged(_bits_cell(cell))
            elif col.group:
                g = parse_number(cell)
                if g is not None and g == int(g):
                    bits_setting.g = int(g)
        if transposed:
            out.extend(_transposed_cells(table, row, info, columns, ctx, registry, proposed, weight_only))
            continue
        if not info.method:
            continue
        if not info.known and not info.full_precision and looks_like_name(info.method):
            candidates.setdefault(
                info.method,
                CandidateMethod(info.method, Provenance(table.page, table.locator, row.quote, 0.4)),
            )
        for j, (col, cell) in enumerate(zip(columns, row.cells, strict=False)):
            if cell is None or col.skip or col.bits or col.group or not col.benchmark:
                continue
            values = split_values(cell)
            names = split_names(col.benchmark, len(values))
            metrics = split_names(col.metric, len(values)) if col.metric else [""] * len(values)
            for k, (value_text, bench, metric) in enumerate(zip(values, names, metrics, strict=True)):
                value = parse_number(value_text)
                if value is None or is_missing(value_text):
                    continue
                setting = ctx.setting.merged(col.setting).merged(
                    state_setting if not info.full_precision else Setting()
                )
                setting = setting.merged(bits_setting).merged(info.setting)
                if info.full_precision:
                    w = setting.w if setting.w is not None and setting.w >= 16 else 16
                    setting = Setting(w, setting.a if setting.a is not None and setting.a >= 16 else w)
                setting = _default_activations(setting, weight_only)
                model = info.model or state_model or col.model or ctx.model
                if model and model_size(model):
                    if re.match(r"\d(?:\.\d)?-", model) and ctx.family_base:
                        model = f"{ctx.family_base}-{model}"  # "2-7B" is version 2, 7B
                    elif col.family or ctx.family:
                        model = f"{col.family or ctx.family}-{model}"
                lower = col.lower_better
                if bench != col.benchmark:
                    sub = registry.benchmark(bench)
                    if sub is not None:
                        lower = sub.direction == "lower"
                out.append(
                    _Cell(
                        table=table,
                        row=row,
                        row_info=info,
                        column=col,
                        benchmark=bench,
                        info=registry.benchmark(bench) or col.info,
                        metric=metric or (col.info.metric if col.info else ""),
                        slot=(j, k),
                        value=value,
                        value_text=value_text,
                        model=model,
                        setting=setting,
                        lower_better=bool(lower),
                    )
                )
    return out


def _with_group_directions(stacks: list[list[str]], columns: list[ColumnInfo]) -> list[ColumnInfo]:
    """An arrow printed under one column of a group ("SQuAD" over three columns, "↑" under the
    last) is about the whole group."""
    by_group: dict[str, bool] = {}
    for stack, col in zip(stacks, columns, strict=True):
        if col.arrow is not None and len(stack) > 1 and stack[0]:
            by_group.setdefault(stack[0], col.arrow)
    for stack, col in zip(stacks, columns, strict=True):
        if col.arrow is None and stack and stack[0] in by_group and col.info is None:
            col.lower_better = by_group[stack[0]]
    return columns


def _bits_cell(cell: str) -> Setting:
    """A bits column cell: "4", "4/16", "W4A16", "4-16-16"."""
    s, _ = parse_setting(cell)
    if not s.empty:
        return s
    nums = [int(n) for n in re.findall(r"\d+", cell)]
    if not nums:
        return Setting()
    out = Setting(w=nums[0])
    if len(nums) >= 2:
        out.a = nums[1]
    if len(nums) >= 3:
        out.kv = nums[2]
    return out


def _default_activations(s: Setting, weight_only: bool | None) -> Setting:
    """A bare "INT4" or "8-bit": a weight-only paper keeps activations in 16 bits, a paper about
    quantizing activations quantizes them too; when the paper does not tell, 8 bits usually means
    W8A8 (LLM.int8(), SmoothQuant) and fewer bits weight-only."""
    if s.w is not None and s.a is None and s.weight_only_hint:
        if weight_only is None:
            return replace(s, a=16 if s.w < 8 else s.w)
        return replace(s, a=16 if weight_only else s.w)
    return s


def _is_transposed(table: Table, registry: Registry, proposed: list[str]) -> bool:
    """Methods across the top and models or benchmarks down the side."""
    if not table.rows:
        return False
    leaves = [stack[-1] for stack in table.rows[0].columns if stack]
    col_methods = sum(1 for leaf in leaves if interpret_label(leaf, registry, proposed).known)
    row_methods = sum(1 for row in table.rows if interpret_label(row.label, registry, proposed).known)
    if col_methods >= 2 and row_methods < 2 and col_methods >= len(leaves) / 2:
        return True
    # Benchmarks down the side ("HellaSwag", "LAMBADA", ...): then unknown row labels are tasks too.
    row_benchmarks = sum(
        1
        for row in table.rows
        if benchmark_in(row.label, registry)
        and registry.benchmark(_PAREN_RE.sub("", clean_header(_CITATION_RE.sub("", row.label))).strip() or row.label)
    )
    return row_benchmarks >= max(2, 0.4 * len(table.rows)) and row_methods < 2


def _transposed_cells(
    table: Table,
    row: Row,
    info: RowInfo,
    columns: list[ColumnInfo],
    ctx: TableContext,
    registry: Registry,
    proposed: list[str],
    weight_only: bool | None,
) -> list[_Cell]:
    out: list[_Cell] = []
    bench, binfo = info.benchmark, info.info
    if not bench:
        b = benchmark_in(row.label, registry)
        bench, binfo = (b[0], b[1]) if b else (ctx.benchmark, ctx.info)
    if not bench:
        return out
    model = info.model or ctx.model
    for j, (stack, cell) in enumerate(zip(row.columns, row.cells, strict=False)):
        if cell is None or not stack:
            continue
        col_info = RowInfo()
        for level in reversed(stack):  # the deepest header that names a method
            col_info = interpret_label(level, registry, proposed)
            if col_info.method:
                break
        if not col_info.method or columns[j].skip:
            continue
        for level in stack:
            col_info.setting = parse_setting(level)[0].merged(col_info.setting)
        value = parse_number(cell)
        if value is None:
            continue
        setting = _default_activations(ctx.setting.merged(col_info.setting).merged(info.setting), weight_only)
        lower = _lower(binfo) if binfo else ctx.lower_better
        out.append(
            _Cell(
                table, row, col_info, columns[j], bench, binfo, binfo.metric if binfo else "", (j, 0), value,
                cell, col_info.model or model, setting, bool(lower), compare=("row", id(row)),
            )
        )  # fmt: skip
    return out


def _receipt(c: _Cell) -> ResultReceipt:
    conf = 0.5 + 0.2 * c.row_info.known + 0.2 * bool(c.info)
    return ResultReceipt(
        method=c.row_info.method,
        model=c.model,
        setting=c.setting.text(),
        benchmark=c.benchmark,
        value=c.value,
        provenance=Provenance(c.table.page, c.table.locator, c.row.quote, round(min(conf, 0.9), 2)),
        value_text=c.value_text,
        metric=c.metric,
        row_label=c.row.label,
        column_label=c.column.label,
        weight_bits=c.setting.w,
        activation_bits=c.setting.a,
        kv_bits=c.setting.kv,
        group_size=c.setting.g,
    )


# --------------------------------------------------------------------------------------------
# Beats


def _is_variant(method: str, proposed: list[str]) -> bool:
    """ "ZeroQuant-LKD", "AWQ+GPTQ", "Ours w/o X": a configuration of the paper's own method."""
    key = normalize_name(method)
    parts = {normalize_name(x) for x in re.split(r"\s*(?:\+|&|\bw/o?\b|\bwith\b)\s*", method) if x.strip()}
    for p in proposed:
        pk = normalize_name(p)
        if key != pk and pk and (key.startswith(pk) or (len(parts) > 1 and pk in parts)):
            return True
    return False


def _table_beats(cells: list[_Cell], proposed: list[str], registry: Registry) -> list[BeatsClaim]:
    """The paper's method beats a baseline when it wins most of their comparisons: same table
    slot (benchmark, model), same model and a compatible setting, by the metric's direction."""
    own = {normalize_name(p) for p in proposed}
    by_slot: dict[tuple[Any, ...], list[_Cell]] = defaultdict(list)
    for c in cells:
        by_slot[(id(c.table), c.compare or (id(c.row.columns), c.slot))].append(c)
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    evidence: dict[tuple[str, str], tuple[_Cell, _Cell]] = {}
    for group in by_slot.values():
        mine = [c for c in group if normalize_name(c.row_info.method) in own]
        others = [
            c
            for c in group
            if normalize_name(c.row_info.method) not in own
            and not c.row_info.full_precision
            and not _is_variant(c.row_info.method, proposed)
        ]
        for m in mine:
            for b in others:
                if m.model != b.model or not m.setting.compatible(b.setting) or m.value == b.value:
                    continue
                if m.setting.w is None and b.setting.w is not None and m.setting.g != b.setting.g:
                    continue
                won = m.value < b.value if m.lower_better else m.value > b.value
                key = (m.row_info.method, b.row_info.method)
                tally[key][0 if won else 1] += 1
                if won and (key not in evidence or m.info is not None):
                    evidence[key] = (m, b)
    beats = []
    for key, (wins, losses) in tally.items():
        if wins > losses and wins >= 1 and key in evidence:
            m, b = evidence[key]
            beats.append(
                BeatsClaim(
                    method=key[0],
                    baseline=key[1],
                    provenance=Provenance(
                        m.table.page,
                        m.table.locator,
                        f"{m.row.quote} | {b.row.quote}",
                        round(min(0.9, 0.5 + 0.05 * (wins - losses)), 2),
                    ),
                    evidence="table",
                    benchmark=m.benchmark,
                    model=m.model,
                    setting=m.setting.text(),
                    method_value=m.value,
                    baseline_value=b.value,
                )
            )
    return beats


_BASELINES_RE = re.compile(
    r"^\s*(?:(?:the|all|other|existing|prior|previous|competing|several|these)\s+)*"
    r"(?:baselines?|baseline methods|methods|approaches|competitors|counterparts)\b",
    re.IGNORECASE,
)


def _caption_beats(cells: list[_Cell], proposed: list[str]) -> list[BeatsClaim]:
    """ "We can see that vector-wise quantization improves upon the baselines" under a table: the
    named row beats the table's other rows (full precision and the paper's variants excepted)."""
    by_table: dict[int, list[_Cell]] = defaultdict(list)
    for c in cells:
        by_table[id(c.table)].append(c)
    out: list[BeatsClaim] = []
    for group in by_table.values():
        table = group[0].table
        methods = list(dict.fromkeys(c.row_info.method for c in group if not c.row_info.full_precision))
        keys = {normalize_name(m): m for m in methods}
        for sentence in split_sentences(table.caption):
            for verb in BEAT_VERB_RE.finditer(sentence):
                if not _BASELINES_RE.match(sentence[verb.end() :]):
                    continue
                words = re.findall(r"[\w\-.()+#]+", sentence[: verb.start()])
                subject = None
                for size in (3, 2, 1):
                    for i in range(len(words) - size, -1, -1):
                        key = normalize_name(" ".join(words[i : i + size]))
                        if key in keys:
                            subject = keys[key]
                            break
                    if subject:
                        break
                if subject is None:
                    continue
                for baseline in methods:
                    if baseline == subject or _is_variant(baseline, [subject, *proposed]):
                        continue
                    out.append(
                        BeatsClaim(
                            method=subject,
                            baseline=baseline,
                            provenance=Provenance(table.page, table.locator, sentence[:600], 0.6),
                            evidence="sentence",
                        )
                    )
    return out


def _dedupe_beats(beats: list[BeatsClaim]) -> list[BeatsClaim]:
    seen: dict[tuple[str, str], BeatsClaim] = {}
    for b in beats:
        key = (normalize_name(b.method), normalize_name(b.baseline))
        if key[0] == key[1]:
            continue
        if key not in seen or (seen[key].evidence != "table" and b.evidence == "table"):
            seen[key] = b
    return list(seen.values())


__all__ = ["RuleExtractor", "header_tokens", "parse_number", "parse_setting", "find_models", "interpret_label"]
