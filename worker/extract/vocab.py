"""The vocabulary of results tables and their captions: models, settings (W4A16, INT4, g128),
metric words, benchmark names through the registry, method-like names (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from worker.extract.names import normalize_name
from worker.extract.receipts import BenchmarkInfo, Registry

# --------------------------------------------------------------------------------------------
# Models: LLaMA-2-7B, OPT-66B, BLOOM-176B, BERT-base, GPT-3 350M, bare sizes under a family

_FAMILIES = (
    r"Llama|LLaMA|LLAMA|LLaMa|OPT|BLOOMZ?|Bloom|GPT-?NeoX|GPT-?J|GPT-?Neo|GPT-?2|GPT-?3(?:\.5)?|GPT-?4|GPT|Pythia|"
    r"Falcon|Mistral|Mixtral|Qwen|Vicuna|Gemma|Phi|Flan-?T5|T5|mT5|BERT|RoBERTa|BART|mBART|DeBERTa|ALBERT|DistilBERT|"
    r"TinyBERT|MobileBERT|ELECTRA|XLNet|XLM-R|ViT|DeiT|Swin|ResNet|MobileNet|EfficientNet|Inception|OpenFlamingo|"
    r"YOLOv\d+[nsmlx]?|YOLO|"
    r"LLaVA|ChatGLM|Baichuan|InternLM|StableLM|MPT|CodeLlama|DeepSeek|Yi|OLMo|Chinchilla|Gopher|PaLM|Galactica|"
    r"Transformer-(?:base|big|large)"
)
_PIECE = r"(?:\d+(?:\.\d+)?[BMKbmk]|\d+x\d+[Bb]|\d+(?:\.\d+)?|base|large|small|medium|tiny|mini|xl|xxl|huge|big|chat|instruct|hf|v\d+(?:\.\d+)?|BASE|LARGE|Base|Large)"
MODEL_RE = re.compile(
    rf"(?<![A-Za-z0-9-])(?P<family>{_FAMILIES})(?P<rest>(?:[-_ ]?{_PIECE}(?![A-Za-z]))*)(?![A-Za-z])",
)
_SIZE_ONLY_RE = re.compile(
    r"^(?P<size>(?:\d(?:\.\d)?-)?\d+(?:\.\d+)?\s?[BMK]|\d+x\d+B)$"
)  # 7B, 1.3B, 2-70B (version-size)
SIZE_IN_LABEL_RE = re.compile(r"(?<![\w.-])(?:\d(?:\.\d)?-)?\d+(?:\.\d+)?[BM](?![\w-])")
FAMILY_ONLY = re.compile(rf"^(?:{_FAMILIES})$")


def find_models(text: str) -> list[str]:
    """Model names in a string, as printed (trailing spaces and dashes trimmed)."""
    out = []
    for m in MODEL_RE.finditer(text):
        name = m.group(0).strip(" -_")
        # "GPT 4 bits" is not GPT-4: a space-separated piece must be a size.
        rest = m.group("rest")
        if rest.startswith(" ") and not re.match(r"\s\d+(?:\.\d+)?[BMK]\b|\s(?:base|large|small|medium|xl)\b", rest):
            name = m.group("family")
        out.append(name)
    return out


def model_size(text: str) -> str | None:
    m = _SIZE_ONLY_RE.match(text.strip())
    return m.group("size").replace(" ", "") if m else None


_SIZE_SUFFIX_RE = re.compile(r"[-_ ]?(?:\d+(?:\.\d+)?[BMK]|\d+x\d+B)$", re.IGNORECASE)


def family_of(model: str) -> str:
    """ "LLaMA-2-7B" -> "LLaMA-2", "OPT-66B" -> "OPT": the name a bare size column belongs to."""
    stripped = _SIZE_SUFFIX_RE.sub("", model.strip())
    return stripped or model


# Number formats and bit widths, which look like names but are not methods.
PRECISION_TOKEN_RE = re.compile(r"^(?:d?INT\d+|FP\d+|BF16|NF4|\d+-?bits?|W\d+A\d+|W\d+)$", re.IGNORECASE)


def looks_like_name(text: str) -> bool:
    """CamelCase, an acronym or letters with digits: how method names look ("GPTQ-R", "nuQmm", "Q8BERT")."""
    words = [w for w in re.split(r"[\s/+]+", text) if w]
    if not words or len(words) > 3:
        return False
    for word in words:
        core = re.sub(r"[^A-Za-z0-9]", "", word)
        if len(core) < 2 or PRECISION_TOKEN_RE.match(word) or find_models(word):
            continue
        upper = sum(1 for ch in core if ch.isupper())
        mixed_digits = bool(re.search(r"\d", core) and re.search(r"[A-Za-z]", core))
        if upper >= 2 or (upper >= 1 and not core[0].isupper()) or mixed_digits:
            return True
    return False


# --------------------------------------------------------------------------------------------
# Header cells


AXIS_RE = re.compile(
    r"^(?:tasks?|datasets?|benchmarks?|models?|methods?|settings?|precision|#?\s*bits?|config\w*|schemes?|"
    r"types?|metrics?|family|families|model size|sizes?|approach(?:es)?|baselines?|networks?|architectures?)\s*:?$",
    re.IGNORECASE,
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
    r"(?<![A-Za-z0-9.])(?P<fmt>d?INT|UINT|Int|int|FP|BF|NF|MXFP|MXINT|NFloat|BFloat|Float|E\dM\d)(?P<bits>\d{1,2})?"
    r"(?![A-Za-z0-9(])"
)
# A data type named as a word, its bits printed apart ("3-bit Float"), never alone: "Float" by itself
# is not a setting.
_FORMAT_WORD_RE = re.compile(r"(?:Float|Int|Integer|NormalFloat|NFloat|BFloat|Quantile|FP|INT|NF|BF)", re.IGNORECASE)
# A number format printed as a word of a label: "QLoRA Int8", "NFloat4 + DQ", "LoRA BF16".
DATA_TYPE_RE = re.compile(
    r"(?<![A-Za-z0-9.(])(?:d?INT|UINT|Int|int|FP|BF|NF|MXFP|MXINT|NFloat|BFloat|Float)\d{1,2}(?![A-Za-z0-9(])"
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


# Labels that mean the unquantized model on their own ("Dense" in a pruning table).
_FULL_PRECISION_ALONE = {
    "dense", "full", "full precision", "full-precision", "original", "uncompressed", "unquantized", "teacher", "fp",
    "float", "floating point", "floating-point",
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
    formats = list(_FORMAT_RE.finditer(rest))
    if formats and formats[0].group("bits") and s.w is None:
        bits = int(formats[0].group("bits"))
        s.w = bits
        s.weight_only_hint = formats[0].group("fmt").upper() not in ("FP", "BF", "BFLOAT") or bits < 16
    for m in reversed(formats):
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
    text = re.sub(r"\bF\s+1\b", "F1", text)  # "F₁" comes out of the PDF as "F 1"
    text = re.sub(r"^\(\s*[a-z]\s*\)\s*", "", text)  # "(c) CoNLL-03": a sub-table's label
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


_METRIC_ONLY_RE = re.compile(
    r"(?:kpi|acc\.?|accuracy|score|ppl|perplexity|results?|metric|value|top-?1)(?:\s+(?:kpi|acc\.?|accuracy|score))?",
    re.IGNORECASE,
)
_CONDITION_RE = re.compile(
    r"\d+(?:\.\d+)?\s*[×x]|\d+\s*:\s*\d+|\d+(?:\.\d+)?\s*%\s*(?:sparsity|sparse|pruned)?", re.IGNORECASE
)


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
    if not setting.empty and (not re.sub(r"[\W_]+", "", rest) or _METRIC_ONLY_RE.fullmatch(rest.strip())):
        return Role("setting", plain, setting=setting)  # "W4A16", "INT8 KPI"
    if setting.w is not None and registry.method(rest):
        # "2-bit GPTQ": a method at a bit width over its column; the method is read from the header path.
        return Role("setting", plain, setting=setting)
    if _AVERAGE_RE.match(plain):
        return Role("average", plain)
    if _AVERAGE_WORD_RE.search(plain) and _METRIC_RE.match(_AVERAGE_WORD_RE.sub("", plain).strip()):
        return Role("metric", plain)  # "Mean PPL": the metric, averaged over what the caption says
    if re.fullmatch(r"\d+[-\s]?shots?", plain, re.IGNORECASE) or _CONDITION_RE.fullmatch(plain):
        # A condition of the run, like a bit width: "5-shot", a FLOP reduction "2×", N:M sparsity "2:4".
        return Role("setting", plain, setting=Setting(note=plain.replace(" ", "")))
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


def _direction(text: str) -> bool | None:
    """True for lower-is-better, False for higher-is-better, None when the text says neither (or both,
    as a caption describing several metrics does)."""
    lower, higher = bool(_LOWER_BETTER_RE.search(text)), bool(_HIGHER_BETTER_RE.search(text))
    if lower == higher:
        return None
    return lower


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
    # A label that is only a number format ("INT4 (Group size=32)", "Float4 (E2M1)"): the method
    # of its cells when nothing else in their header path names one.
    format_name: str = ""
    variant: bool = False  # an ablation row of the paper's own method ("+ scaling", "w/o KD")
    note: str = ""


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
    r"speed-?up|drop|low|medium|high|small|large|base|all|none|others?|ratio|yes|no|public|private|local|"
    r"\d+(?:\.\d+)?\s*(?:[KMGT]B|[KMGT]iB|ms|s|x|×|%)|"
    r"(?:layer|block|epoch|step|seed|iter\w*|sequence|seq|batch|size|budget|group|head|stage|module)\b.*)$",
    re.IGNORECASE,
)
_MULTIPLIER_RE = re.compile(r"[×x]\s?\d+(?:\.\d+)?\b|\(\s*[×x]?\d+(?:\.\d+)?\s*[×x]?\s*\)")


_DASH_VARIANT_RE = re.compile(r"^(?P<base>\S[^–—]*?)\s+[–—]\s+(?P<what>[a-z][\w\s\-]*)$")
_VARIANT_RE = re.compile(r"^\s*(?:\+|w/o\b|w/|with(?:out)?\b|[-−–]\s|no\s|only\b)", re.IGNORECASE)


def _strip_settings(text: str) -> str:
    """A label without its W/A, bits and group-size parts, number formats kept ("INT4 (Group size=32)" -> "INT4")."""
    text = _WA_RE.sub(" ", text)
    text = _GROUP_RE.sub(" ", text)
    text = _BITS_RE.sub(" ", text)
    text = re.sub(r"\(\s*[,;=]?\s*\)", " ", text)
    return re.sub(r"\s+", " ", text).strip(" ,;:-")


def interpret_label(label: str, registry: Registry, proposed: list[str], *, row: bool = True) -> RowInfo:
    """What a row label (or, with ``row=False``, a column header) says about the method of its cells."""
    info = RowInfo()
    if row and _VARIANT_RE.match(label) and proposed and _method_like(label.strip(" +-−–")):
        # An ablation row: a configuration of the paper's own method, not a method of its own.
        return _own_variant(info, proposed, re.sub(r"\s+", " ", label).strip(), label)
    variant = _DASH_VARIANT_RE.match(_CITATION_RE.sub("", label).strip())
    if variant and (registry.method(variant.group("base")) or variant.group("base") in proposed):
        info.method = variant.group(0)  # "OBQ – sequential": a variant the paper reports under its own name
        return info
    raw = _bare_label(label)
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
    remainder = re.sub(r"^[\d\s,]+", "", rest).strip().strip("()").strip()
    ablation = re.match(r"(?:\+|w/o\b|w/|with(?:out)?\b)", remainder, re.IGNORECASE)  # not "no tuning"
    if row and models and proposed and ablation and _method_like(remainder.strip(" +-−–")):
        # "TinyBERT4 3, 4 w/o MINI KD": an ablation of the paper's method on a named model
        return _own_variant(info, proposed, remainder, remainder)
    setting, rest = parse_setting(rest)
    info.setting = setting
    if models and rest.strip() and re.fullmatch(r"[a-z][a-z\s\-]*", rest.strip()) and setting.empty:
        info.method = raw  # "LLaMA no tuning": the model run as it is, a row of its own
        return info
    return _label_method(info, raw, _label_core(rest, setting), whole, registry, proposed)


def _own_variant(info: RowInfo, proposed: list[str], note: str, text: str) -> RowInfo:
    """The paper's own method in a configuration of an ablation, told apart by what changed."""
    info.method, info.known, info.variant, info.ours = proposed[0], True, True, True
    info.note = note
    info.setting = replace(parse_setting(text)[0], note=note)
    return info


def _bare_label(label: str) -> str:
    """A label without citations, marks, check marks and ratios printed beside the name."""
    raw = _CITATION_RE.sub("", label)
    raw = _MARKS_RE.sub("", raw)
    raw = _CHECK_RE.sub(" ", raw)
    raw = _MULTIPLIER_RE.sub(" ", raw)  # "PTQ ×5.33": a compression ratio printed beside the name
    return re.sub(r"\s+", " ", raw).strip(" +")


def _label_core(rest: str, setting: Setting) -> str:
    """What names the method once a label's model and setting are out: the words outside
    parentheses, else those inside."""
    rest = re.sub(r"\(\s*\)", " ", rest)
    outside = _PAREN_RE.sub(" ", rest).strip(" ,;:-+")
    if not re.search(r"[A-Za-z]", outside):
        outside = ""  # "TinyBERT4 3, 4 (KDLSQ)": layer numbers beside the name in parentheses
    inside = " ".join(re.findall(r"\(([^()]*)\)", rest)).strip()
    core = outside or inside
    core = re.sub(r"\s+", " ", core).strip()
    if not setting.empty and _METRIC_ONLY_RE.fullmatch(core):
        core = ""  # "FP32 KPI", "INT8 Acc.": a number format and the metric shown under it
    return core


_OWN_SIZED_RE = re.compile(r"(?P<name>.*[A-Za-z].*?)[-\s]+(?P<size>\d+(?:\.\d+)?[BM])")


def _label_method(
    info: RowInfo, raw: str, core: str, whole: str | None, registry: Registry, proposed: list[str]
) -> RowInfo:
    """The method a label names, its model and setting read: the paper's own, one the registry
    knows by the whole label, or full precision; else as printed (``_printed_method``)."""
    setting = info.setting
    own = next((p for p in proposed if normalize_name(p) == normalize_name(raw)), None)
    sized = _OWN_SIZED_RE.fullmatch(raw)
    if not own and sized:
        # "Guanaco-65B": the paper's own method (a model family it trains) at a size.
        own = next((p for p in proposed if normalize_name(p) == normalize_name(sized.group("name"))), None)
        info.model = info.model or (sized.group("size") if own else "")
    if own:
        info.method, info.known, info.ours = own, True, True  # the paper's own method, by its name
        return info
    if _OURS_RE.search(raw):
        info.ours = True
        named = next((p for p in proposed if normalize_name(p) == normalize_name(core)), None) or _registry_method(
            core, registry
        )
        info.method = named or (proposed[0] if proposed else "Ours")
        info.known = bool(named) or bool(proposed)
        return info
    if whole:
        info.method, info.known = whole, True
        info.full_precision = registry.method("FP16") == whole
        return info
    words = {w.lower().strip(".,") for w in core.replace("-", " ").split()}
    if (setting.full_precision and (not core or words <= _FULL_PRECISION_WORDS)) or (
        setting.empty and core.lower() in _FULL_PRECISION_ALONE
    ):
        info.full_precision = True
        info.setting = replace(setting, a=setting.a if setting.a is not None else setting.w)
        info.method = registry.method("FP16") or "FP16"
        info.known = True
        return info
    return _printed_method(info, raw, core, registry)


def _printed_method(info: RowInfo, raw: str, core: str, registry: Registry) -> RowInfo:
    """A label's method as printed: a number format, a method at one, a known method with a suffix
    or a remark, or a name-like label; or the benchmark a transposed table's row names."""
    printed = _strip_settings(raw)
    data_types = DATA_TYPE_RE.findall(_PAREN_RE.sub(" ", raw))
    if not data_types and info.setting.w is not None and _FORMAT_WORD_RE.fullmatch(printed):
        data_types = [printed]  # "3-bit Float", "4-bit Int": a data type named beside its bit width
    if not core and data_types and printed:
        info.format_name = printed  # "INT4", "Float4 (E2M1)": a number format, maybe the method
        return info
    if data_types and core and _method_like(core) and not _NOT_METHOD_RE.match(core) and printed:
        # A method at a stated number format ("QLoRA Int8", "NFloat4 + DQ", "Int8 absmax"): the
        # paper reports it under the name as printed.
        info.method = printed
        return info
    suffix = re.fullmatch(r"(?P<base>.+?)\s+(?P<suffix>[A-Z]{1,4})", core)
    if suffix and registry.method(suffix.group("base")) and not DATA_TYPE_RE.fullmatch(suffix.group("suffix")):
        info.method = core  # "Q-BERT MP" (a subscript): a variant the paper names with a suffix
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
