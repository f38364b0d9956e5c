"""Results tables typed: every value cell of a grid, with its header path read as method, model,
setting, benchmark and metric (pure).

``worker.reading.tables`` rebuilds each table as a grid and gives every value its full header path.
Here each part of that path is typed through the registry and the vocabulary in
``worker.extract.vocab``: column headers (``column_info``), row labels (``interpret_label``), the
table's top-left corner and its caption (``table_context``). The table's orientation needs no
special case: a method may come from a row label or from a column header ("transposed" tables),
a model from a column, a row label, a row-group label, a section row or the caption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from worker.extract.names import normalize_name
from worker.extract.receipts import BenchmarkInfo, Registry
from worker.extract.switches import SwitchReading, read_switches
from worker.extract.vocab import (
    _AVERAGE_RE,
    _COST_CAPTION_RE,
    _METRIC_WORDS_RE,
    _PAREN_RE,
    _SKIP_RE,
    _SPECIFIC_MODEL_RE,
    AXIS_RE,
    FAMILY_ONLY,
    MODEL_RE,
    Role,
    RowInfo,
    Setting,
    _direction,
    _lower,
    benchmark_in,
    classify_header,
    clean_header,
    family_of,
    find_models,
    interpret_label,
    model_size,
    parse_setting,
    split_names,
)
from worker.reading.numbers import is_missing, parse_number, split_values, unit_of
from worker.reading.tables import Grid, PathPart, ValueCell


@dataclass
class CellScope:
    """What a part of a table (its caption and corner, or a column's header) says about the cells it covers."""

    benchmark: str = ""
    info: BenchmarkInfo | None = None
    model: str = ""
    family: str = ""
    setting: Setting = field(default_factory=Setting)
    lower_better: bool | None = None


@dataclass
class ColumnInfo(CellScope):
    metric: str = ""
    skip: bool = False
    bits: bool = False  # a column of bit widths: its values are settings
    group: bool = False
    arrow: bool | None = None  # the direction its own header states (↑, ↓, "PPL")
    label: str = ""  # the header as printed


# Headers that report a cost at any level of a column's path ("Memory (MB)" over "FP16").
_COST_HEADER_RE = re.compile(
    r"\b(?:memory|latency|run-?time|throughput|speed-?ups?|energy|power|flops|bops|time)\b", re.IGNORECASE
)
_CAPTION_TASK_RE = re.compile(
    r"(?:^|[:.]\s+)(?P<name>(?:[A-Z][\w\-]*\s+){0,3}[A-Z][\w\-]*)\s+(?:(?:mean|average|validation|test|zero-shot)\s+)*"
    r"(?:perplexit(?:y|ies)|accurac(?:y|ies)|ppl|F1|BLEU|ROUGE)\b"
)


@dataclass
class TableContext(CellScope):
    family_base: str = ""
    results_like: bool = False
    cost: bool = False  # the caption is about speed, memory or energy, not quality
    single_task: bool = False  # no column names a task of its own: every value is of ctx.benchmark


def table_context(caption: str, corner: list[str], registry: Registry) -> TableContext:
    """What a table's caption and top-left corner say about all of its cells."""
    ctx = TableContext()
    stub = " ".join(corner)
    hits = _caption_benchmarks(caption, registry)
    _read_context_task(ctx, caption, stub, hits, registry)
    _read_context_models(ctx, list(dict.fromkeys(find_models(stub) + find_models(caption))))
    ctx.setting = _caption_setting(caption)
    ctx.lower_better = _direction(stub) if _direction(stub) is not None else _direction(caption)
    ctx.results_like = bool(
        ctx.benchmark
        or _METRIC_WORDS_RE.search(caption)
        or _METRIC_WORDS_RE.search(stub)
        or re.search(r"\b(?:results?|evaluation|performance|comparison|compar)", caption, re.IGNORECASE)
    ) and not re.search(r"hyper-?parameter|configuration of|setup|statistics of", caption, re.IGNORECASE)
    # "The speedup of our W8A8 ...": tables of cost, not quality, unless a benchmark is named.
    if not ctx.benchmark and not hits and _COST_CAPTION_RE.search(caption):
        ctx.results_like = False
        ctx.cost = True
    return ctx


def _caption_benchmarks(caption: str, registry: Registry) -> list[tuple[int, str, BenchmarkInfo, bool]]:
    """The benchmarks a caption names, each once: (word index, name as printed, its info, whether
    a metric word is next to it)."""
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
    return hits


def _read_context_task(
    ctx: TableContext, caption: str, stub: str, hits: list[tuple[int, str, BenchmarkInfo, bool]], registry: Registry
) -> None:
    """The task of the whole table, into ``ctx``: the one its corner names, else the one its caption
    names (``hits``), else a task the registry does not know yet named before a metric."""
    # The benchmark a caption names: the only one, or the only one next to a metric word
    # ("C4 validation perplexities", "WikiText-2 perplexity").
    # Several next to a metric word ("We report WikiText2 perplexity here, C4 perplexity in the
    # appendix"): the first one, which is what the table shows.
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
    if not ctx.benchmark:
        # "Pile Common Crawl mean perplexity ...": a task the registry does not know yet, named
        # right before the metric.
        m = _CAPTION_TASK_RE.search(caption)
        if m and not find_models(m.group("name")) and parse_setting(m.group("name"))[0].empty:
            ctx.benchmark = m.group("name")


def _read_context_models(ctx: TableContext, models: list[str]) -> None:
    """The one model, family and base family a table's corner and caption name, into ``ctx``."""
    full = [m for m in models if not FAMILY_ONLY.match(m)]
    if len(full) == 1:
        ctx.model = full[0]
    families = list(dict.fromkeys(family_of(m) for m in models))
    if len(families) == 1:
        ctx.family = families[0]
    bases = {m.group("family") for m in map(MODEL_RE.match, models) if m}
    if len(bases) == 1:
        ctx.family_base = next(iter(bases))  # "LLaMA" for columns like "2-7B" under "LLaMA-1 and LLaMA-2"


def _caption_setting(caption: str) -> Setting:
    """The bits and group size a caption states for the whole table."""
    setting = Setting()
    settings = [parse_setting(part)[0] for part in re.split(r"[,;]|\band\b", caption)]
    settings = [s for s in settings if s.w is None or s.w < 16]
    ws = {s.w for s in settings if s.w is not None}
    gs = {s.g for s in settings if s.g is not None}
    if len(ws) == 1:
        first = next(s for s in settings if s.w is not None)
        setting = replace(first, g=None)
    if len(gs) == 1:
        setting.g = next(iter(gs))
    # "4-bit quantization of weights, activations and KV cache"
    if setting.w is not None and setting.weight_only_hint and setting.w < 16:
        if re.search(r"\bactivations?\b", caption, re.IGNORECASE) and not re.search(
            r"weight[- ]only", caption, re.IGNORECASE
        ):
            setting.a = setting.w
        if re.search(r"\bKV\b|key[- ]value", caption, re.IGNORECASE):
            setting.kv = setting.w
    return setting


def column_info(stack: list[str], ctx: TableContext, registry: Registry, axes: list[str] | None = None) -> ColumnInfo:
    col = ColumnInfo()
    levels = [t for t in stack if t and clean_header(t)]
    col.label = " / ".join(clean_header(t) for t in levels)
    roles = [classify_header(t, registry) for t in levels]
    short_leaf = len(roles) >= 2 and re.fullmatch(r"[a-z]{1,3}", clean_header(levels[-1]))
    if short_leaf and any(r.kind == "benchmark" for r in roles[:-1]):
        roles[-1] = Role("unknown", clean_header(levels[-1]))  # "m" / "mm" under "MNLI": part of the task
    size = _read_header_levels(col, levels, roles)
    if roles and roles[-1].kind == "skip" or any(r.kind == "skip" for r in roles[-1:]):
        col.skip = True
    # "Size" over "w/o-e": a cost header anywhere below the top makes the whole column a cost.
    if any(r.kind == "skip" and _SKIP_RE.search(r.name) for r in roles[1:]) or any(
        _COST_HEADER_RE.search(r.name) for r in roles if r.kind == "skip"
    ):
        col.skip = True
    if size and not col.model:
        family = col.family or ctx.family
        col.model = f"{family}-{size}" if family else size
    elif not col.model and col.family:
        col.model = col.family
    # The benchmark: the leaf when it names one, else the nearest level above that does.
    if roles:
        _read_column_task(col, levels, roles, ctx, registry, axes)
    if not col.benchmark and not col.skip and not col.bits and not col.group:
        col.benchmark, col.info = ctx.benchmark, ctx.info
    if col.info is None and col.benchmark:
        col.info = registry.benchmark(col.benchmark)
    if col.lower_better is None:
        col.lower_better = _lower(col.info) if col.info else ctx.lower_better
    return col


def _read_header_levels(col: ColumnInfo, levels: list[str], roles: list[Role]) -> str:
    """What a column's header levels say of its direction, model, setting, bits and group size,
    into ``col``; returns a bare model size ("7B") that a family completes, else ""."""
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
    return size


def _read_column_task(
    col: ColumnInfo,
    levels: list[str],
    roles: list[Role],
    ctx: TableContext,
    registry: Registry,
    axes: list[str] | None,
) -> None:
    """The benchmark of a column, into ``col``: its leaf header when that names one, else the
    nearest level above that does."""
    leaf_k = len(roles) - 1
    named = [k for k, r in enumerate(roles) if r.kind == "benchmark"]
    leaf = roles[leaf_k]
    group_bench = next((roles[k] for k in reversed(named) if k < leaf_k), None)
    if leaf.kind == "benchmark":
        col.benchmark, col.info = leaf.name, leaf.info
    elif leaf.kind == "average":
        if group_bench is not None:
            col.benchmark, col.info = group_bench.name, group_bench.info
        elif ctx.benchmark and ctx.single_task:
            col.benchmark, col.info = ctx.benchmark, ctx.info  # "Mean" of a table of one task
        else:
            col.benchmark = leaf.name
            col.info = registry.benchmark(leaf.name)
    elif leaf.kind == "unknown":
        if group_bench is not None and axes and _DATA_AXIS_RE.search(axes[-1]):
            # "Alpaca" on a "Dataset" row under "MMLU": the data a model was tuned on, not a task.
            col.benchmark, col.info = group_bench.name, group_bench.info
            col.setting = replace(col.setting, note=f"{col.setting.note} {leaf.name}".strip())
        elif group_bench is not None:
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


# ------------------------------------------------------------------------------------------------
# A table's cells, typed

# Axis titles (a header row's or a stub column's own title) and what they say about the parts under them.
_MODEL_AXIS_RE = re.compile(
    r"\b(?:models?|llms?|networks?|archs?|architectures?|sizes?|params|parameters|backbones?)\b", re.I
)
_METHOD_AXIS_RE = re.compile(
    r"\b(?:methods?|approach(?:es)?|baselines?|schemes?|techniques?|algorithms?|precision)\b", re.I
)
_DATA_AXIS_RE = re.compile(r"\b(?:datasets?|data\s*sets?|tasks?|benchmarks?|corpus|corpora)\b", re.I)
# "ResNet50 – 76.13", "LLaMA-7B (5.68)": a model with its full-precision reference value.
_REFERENCE_RE = re.compile(r"^(?P<name>.*?\S)\s*(?:[–—-]\s*|\(\s*)(?P<value>\d+(?:\.\d+)?)\s*\)?$")
# "EleutherAI/gpt-j-6B", "meta-llama/Llama-2-7b-hf": a model by its hub id.
_HUB_ID_RE = re.compile(r"^[\w.-]+/(?P<name>[\w.-]*?\d+(?:\.\d+)?[bBmM](?:[\w.-]*))$")
_COST_UNITS = {
    "ms",
    "s",
    "sec",
    "min",
    "mins",
    "minutes",
    "h",
    "hr",
    "hrs",
    "hours",
    "days",
    "gb",
    "mb",
    "kb",
    "tb",
    "x",
    "×",
}


@dataclass
class TableSource:
    """A table as the extractor sees it: its grid plus what the paper says around it."""

    page: int
    locator: str  # "Table 3"
    caption: str  # the whole caption paragraph
    grid: Grid
    mentions: str = ""  # sentences of the paper that point at this table
    section_model: str = ""  # the model the section around the table is about


@dataclass
class PaperContext:
    """What the paper's text says that every table needs."""

    proposed: list[str] = field(default_factory=list)  # the paper's own methods
    weight_only: bool | None = None  # whether a bare "INT4" means weights only (see text.is_weight_only)
    # The (weight, activation) bits the paper's own method runs at unless a table says otherwise.
    own_bits: tuple[int, int | None] | None = None
    # Weight bits -> the activation bits the paper's explicit settings pair them with ("W4A8" x 12).
    usual_activations: dict[int, int] = field(default_factory=dict)
    # Metric -> the task the paper names most for it ("perplexity" -> "WikiText-2"), for tables
    # that report a metric without naming their task.
    usual_tasks: dict[str, tuple[str, BenchmarkInfo | None]] = field(default_factory=dict)
    # The task each model family is evaluated on, where the paper says so (worker.extract.text.model_tasks).
    model_tasks: dict[str, tuple[str, BenchmarkInfo | None]] = field(default_factory=dict)


@dataclass
class TableCell:
    """One value of a results table with what it means."""

    table: TableSource
    row: int  # grid row index
    quote: str
    method: str
    known: bool
    full_precision: bool
    ours: bool
    variant: bool
    benchmark: str
    info: BenchmarkInfo | None
    metric: str
    model: str
    setting: Setting
    value: float
    value_text: str
    lower_better: bool
    row_label: str
    column_label: str
    bold: bool = False
    slot: tuple[int, int] = (0, 0)  # (grid column, value index within the cell)
    # The table, its caption, its row and the sentences pointing at it name no task: the benchmark
    # is the one the paper evaluates the cell's model on, or names most for the cell's metric.
    benchmark_inferred: bool = False
    # Cells that are comparable (same benchmark column, or same row of a table with methods across the top).
    compare: tuple[object, ...] = ()


@dataclass
class _Column:
    info: ColumnInfo
    method: RowInfo | None = None  # a method named in the column path (methods across the top)
    format_name: str = ""
    reference: tuple[str, float] | None = None  # (model, full-precision value) printed in a group header
    data_axis: bool = False


def model_name(text: str) -> str:
    """A model as printed in a label: "LLaMA-2-7B", a hub id's name part ("gpt-j-6B"), or ""."""
    text = text.strip()
    hub = _HUB_ID_RE.match(text)
    if hub:
        return hub.group("name")
    models = find_models(text)
    if models and len(" ".join(models)) >= 0.6 * len(re.sub(r"\s+", "", _PAREN_RE.sub("", text)) or "x"):
        return models[0]
    return ""


def _family_from(texts: list[str]) -> str:
    for text in texts:
        models = find_models(text)
        if models:
            return family_of(models[0])
    return ""


def _column(
    parts: tuple[PathPart, ...], ctx: TableContext, registry: Registry, proposed: list[str], rows_are_models: bool
) -> _Column:
    """What a column's header path says. When the rows of the table are models, a header that
    reads as a method name is the method of the column (methods across the top)."""
    texts: list[str] = []
    reference: tuple[str, float] | None = None
    for part in parts:
        m = _REFERENCE_RE.match(part.text)
        if m and model_name(m.group("name")):
            reference = (model_name(m.group("name")), float(m.group("value")))
            texts.append(m.group("name"))
        else:
            texts.append(part.text)
    info = column_info(texts, ctx, registry, [p.axis for p in parts])
    col = _Column(info, reference=reference)
    for part, text in zip(parts, texts, strict=True):
        if _DATA_AXIS_RE.search(part.axis):
            col.data_axis = True
        size = model_size(clean_header(text))
        if size and part.axis and _MODEL_AXIS_RE.search(part.axis) and not info.model.count("-"):
            family = _family_from([part.axis])
            info.model = f"{family}-{size}" if family else info.model or size
    # The deepest header that names a method: methods across the top.
    method_text = ""
    for text in reversed(texts):
        meaning = interpret_label(text, registry, proposed, row=False)
        if meaning.format_name and not col.format_name:
            col.format_name = meaning.format_name
            if meaning.setting.w is not None:
                info.setting = info.setting.merged(meaning.setting)
        named = meaning.known or meaning.full_precision
        unknown_name = rows_are_models and meaning.method and not registry.benchmark(clean_header(text))
        task_named = info.info and registry.benchmark(clean_header(text))
        if (named or unknown_name) and not meaning.benchmark and col.method is None and not task_named:
            col.method, method_text = meaning, text
            info.setting = info.setting.merged(meaning.setting)
    if (
        col.method is not None
        and info.benchmark
        and (
            registry.method(info.benchmark)
            or info.info is None
            or normalize_name(info.benchmark) == normalize_name(clean_header(method_text))
        )
    ):
        # A column of one method: its other unknown headers ("Teacher", "Epoch-3") describe the
        # run, they are not tasks.
        info.benchmark, info.info = "", None
    if col.method is not None and not info.benchmark:
        info.benchmark, info.info = ctx.benchmark, ctx.info
        if info.lower_better is None:
            info.lower_better = _lower(info.info) if info.info else ctx.lower_better
    return col


def _row(
    parts: tuple[PathPart, ...], registry: Registry, proposed: list[str], columns_are_models: bool = False
) -> tuple[RowInfo, str, str, list[str]]:
    """What a row's labels (stub columns and section row) say: (meaning, model, format name, conditions).

    A stub column titled "Dataset" or "Task" holds conditions of the run ("Alpaca", "Self-Instruct"),
    not methods, unless a label is plainly a method: a known one, a number format, or a model with
    a remark ("LLaMA no tuning"). A column titled "Model" or "LLM" holds models."""
    meanings = [(part, interpret_label(part.text, registry, proposed)) for part in parts]
    labels = _RowLabels()
    for part, m in meanings:
        _read_row_label(labels, part, m, registry, proposed, columns_are_models)
    chosen = _row_method(labels.candidates, meanings)
    chosen.setting = labels.setting.merged(chosen.setting)
    if labels.model and not chosen.model:
        chosen.model = labels.model
    if not chosen.model:
        chosen.model = next((m.model for _, m in meanings if m.model), "")
    return chosen, chosen.model, labels.format_name, labels.conditions


@dataclass
class _RowLabels:
    """What a row's labels add up to, read left to right."""

    model: str = ""
    format_name: str = ""
    conditions: list[str] = field(default_factory=list)
    setting: Setting = field(default_factory=Setting)
    candidates: list[tuple[PathPart, RowInfo]] = field(default_factory=list)  # the row's possible methods


def _read_row_label(
    labels: _RowLabels, part: PathPart, m: RowInfo, registry: Registry, proposed: list[str], columns_are_models: bool
) -> None:
    """What one label adds to its row: a model, bits, a method switched on, a condition of the run,
    a number format or a candidate method."""
    hub = _model_label(part, m, columns_are_models)
    if hub:
        labels.model = labels.model or hub
        inside = " ".join(re.findall(r"\(([^()]*)\)", part.text))
        if m.method and (m.full_precision or (inside and normalize_name(m.method) in normalize_name(inside))):
            labels.candidates.append((part, m))  # "TinyBERT4 (KDLSQ)", "TinyBERT4 (original)": a model and its method
        return
    bits = axis_bits(part.text, part.axis)
    if bits is not None:
        labels.setting = labels.setting.merged(bits)  # "INT8" under "A-bits": activations at 8 bits
        if any(normalize_name(part.text).startswith(normalize_name(p)) for p in proposed if len(p) >= 3):
            # the paper's own number format ("dINT4" for a paper proposing dINT): part of the method
            labels.candidates.append((part, RowInfo(method=part.text.strip(), ours=True, note=_OWN_FORMAT)))
        return
    if _CHECK_MARK_RE.fullmatch(part.text.strip()):
        named = registry.method(part.axis) or next(
            (p for p in proposed if normalize_name(p) == normalize_name(part.axis)), None
        )
        if named:  # a check mark under a method's name: that method is on in this row
            labels.candidates.append((part, RowInfo(method=named, known=True, ours=named in proposed, note=part.axis)))
        return
    if _is_condition(part, m):
        labels.conditions.append(part.text)
        return
    if m.model and not m.method:
        labels.model = labels.model or m.model
    if m.format_name:
        labels.format_name = labels.format_name or m.format_name
    labels.setting = labels.setting.merged(m.setting)
    if m.method:
        labels.candidates.append((part, m))
    elif not m.model and not m.format_name and not m.benchmark and find_models(part.text):
        # "LLaMA no tuning": a model run as it is, reported as a row of its own.
        labels.candidates.append((part, RowInfo(method=part.text.strip(), model=find_models(part.text)[0])))


def _model_label(part: PathPart, m: RowInfo, columns_are_models: bool) -> str:
    """The model a label names in a column titled as models, or by its hub id; else ""."""
    # "Parameters" over a stub whose header row lists sizes titles the sizes, not the rows.
    model_axis = bool(_MODEL_AXIS_RE.search(part.axis)) and not columns_are_models
    hub = model_name(part.text) if (model_axis or _HUB_ID_RE.match(part.text)) else ""
    plainly_method = m.known or m.full_precision or m.ours or m.format_name or not m.setting.empty
    if not hub and model_axis and not plainly_method and re.search(r"[A-Za-z]{2,}", part.text):
        hub = part.text.strip()  # under "Model", a name the vocabulary does not know ("Regnext")
    return hub


def _is_condition(part: PathPart, m: RowInfo) -> bool:
    """A label in a column titled "Dataset" or "Task" that is not plainly a method: a condition of the run."""
    plainly_method = m.known or m.full_precision or m.ours or m.format_name or m.setting.w is not None
    return (
        bool(_DATA_AXIS_RE.search(part.axis)) and not plainly_method and not m.benchmark and not find_models(part.text)
    )


def _method_rank(item: tuple[PathPart, RowInfo]) -> tuple[int, int, int, int]:
    """Named methods first, the paper's own next, then a column titled as methods, then the leftmost."""
    part, m = item
    strength = 3 if (m.known or m.full_precision or m.ours) else 1
    titled = 1 if _METHOD_AXIS_RE.search(part.axis) else 0
    return (strength, int(m.ours), titled, -part.level if part.where == "row" else -99)


def _row_method(candidates: list[tuple[PathPart, RowInfo]], meanings: list[tuple[PathPart, RowInfo]]) -> RowInfo:
    """The meaning of a row: its candidate methods combined when they are techniques switched on
    together, else the strongest candidate, else a benchmark a label names (a transposed table)."""
    switched = [(p, m) for p, m in candidates if _CHECK_MARK_RE.fullmatch(p.text.strip()) or m.note == _OWN_FORMAT]
    if switched and len(candidates) >= 2:
        # Techniques switched on together in one row ("SQ" with a check under "OPTQ"): their
        # combination, named as printed.
        ordered = sorted(candidates, key=lambda item: item[0].level)
        name = " + ".join(m.note if _CHECK_MARK_RE.fullmatch(p.text.strip()) else p.text.strip() for p, m in ordered)
        return RowInfo(method=name, ours=any(m.ours for _, m in ordered))
    if candidates:
        return replace(max(candidates, key=_method_rank)[1])
    return next((replace(m) for _, m in meanings if m.benchmark), RowInfo())


_CHECK_MARK_RE = re.compile(r"[✓✔√]|yes|Yes|YES")
_OWN_FORMAT = "own number format"
_BITS_AXIS_RE = re.compile(
    r"^\s*(?:#\s*)?(?P<which>w|a|kv|v|weights?|activations?|w/v|w/a|key[\s/-]*value)?[\s-]*(?:bits?|bit-?width|precision)\s*$",
    re.IGNORECASE,
)


def axis_bits(text: str, axis: str) -> Setting | None:
    """The bits a label states under a bits axis ("INT8" under "A-bits" is activations at 8 bits),
    or None when the axis is not about bits or the label states none."""
    m = _BITS_AXIS_RE.match(clean_header(axis)) if axis else None
    if m is None:
        return None
    s, _ = parse_setting(text)
    nums = [int(n) for n in re.findall(r"\d+", text)]
    bits = s.w if s.w is not None else (nums[0] if len(nums) == 1 else None)
    if bits is None:
        return None if s.empty else s
    which = (m.group("which") or "w").lower()
    # A format other than plain integers ("dINT4", "NF4") is kept as a note: it tells two rows apart.
    note = "" if re.fullmatch(r"(?:INT|int|Int)?\d+(?:-?bits?)?", text.strip()) else text.strip()
    if which.startswith("a"):
        return Setting(a=bits, note=note)
    if which in ("kv", "v") or which.startswith("key"):
        return Setting(kv=bits, note=note)
    return Setting(w=bits, weight_only_hint=s.weight_only_hint, note=note)


def _caption_method(caption: str, registry: Registry, proposed: list[str]) -> str:
    """The one method a caption names ("... finetuned ... using QLoRA"), or ""."""
    found: list[str] = []
    for word in re.findall(r"[A-Za-z][\w.\-+#()]*[\w)+#]", caption):
        name = registry.method(word) or next((p for p in proposed if p.lower() == word.lower()), None)
        if name and name not in found and not re.fullmatch(r"(?:INT|FP|BF|NF)\d+", word, re.I):
            found.append(name)
    return found[0] if len(found) == 1 else ""


def _registry_or_own(text: str, registry: Registry, proposed: list[str]) -> str:
    meaning = interpret_label(text, registry, proposed, row=False)
    return meaning.method if meaning.known else ""


def _mentioned_benchmark(text: str, registry: Registry) -> tuple[str, BenchmarkInfo] | None:
    """A benchmark that the sentences pointing at a table name next to a metric word."""
    words = re.findall(r"[\w\-.]+", text)
    for i in range(len(words)):
        for size in (3, 2, 1):
            span = " ".join(words[i : i + size])
            info = registry.benchmark(span)
            if info and (_METRIC_WORDS_RE.search(span) or _METRIC_WORDS_RE.search(" ".join(words[i : i + size + 2]))):
                return span, info
    return None


def table_cells(
    source: TableSource, registry: Registry, paper: PaperContext, names: dict[str, tuple[int, str, str]]
) -> list[TableCell]:
    """The typed value cells of one table. ``names`` collects method names that no registry knows
    (name -> page, locator, quote), so they can become candidates."""
    proposed = paper.proposed
    own = {normalize_name(p) for p in proposed}
    first_body = next((i for i, r in enumerate(source.grid.rows) if r.kind != "header"), 0)
    ctx = _source_context(source, first_body, registry)
    values = source.grid.value_cells()
    if _pairwise(values):
        return []
    fallback_method = _fallback_method(source, first_body, values, registry, proposed)
    leaves = {vc.column_path[-1].text for vc in values if vc.column_path}
    columns_are_models = (
        bool(leaves) and sum(1 for t in leaves if model_size(clean_header(t)) or model_name(t)) * 5 >= len(leaves) * 3
    )
    rows: dict[int, tuple[RowInfo, str, str, list[str]]] = {}
    for vc in values:
        if vc.row not in rows:
            rows[vc.row] = _row(vc.row_path, registry, proposed, columns_are_models)
    rows_are_models = _rows_are_models(rows, leaves, registry, proposed)
    ctx.single_task = _single_task(ctx, values, registry)
    columns: dict[tuple[PathPart, ...], _Column] = {}
    for vc in values:
        if vc.column_path not in columns:
            columns[vc.column_path] = _column(vc.column_path, ctx, registry, proposed, rows_are_models)
    if not _worth_reading(ctx, rows, columns, paper):
        return []
    row_settings = _row_settings(values, columns)
    switches = _switches(source.grid, values, rows, columns, fallback_method, proposed, registry)
    out: list[TableCell] = []
    references: set[tuple[str, str]] = set()
    for vc in values:
        column = columns[vc.column_path]
        col = column.info
        row, row_model, row_format, conditions = rows[vc.row]
        if col.skip or col.bits or col.group or (switches and vc.column in switches.knobs):
            continue
        method = (
            switches.rows.get(vc.row)
            if switches
            else _cell_method(row, column, row_format, fallback_method, proposed, registry)
        )
        if method is None:
            continue
        model = row_model or col.model or ctx.model or (column.reference[0] if column.reference else "")
        model = _qualified_model(model, col, ctx) or ctx.family
        task = _cell_task(row, column, conditions, model, ctx, source.caption, paper, registry)
        if not task.benchmark:
            continue
        if column.reference and (column.reference[0], task.benchmark) not in references:
            references.add((column.reference[0], task.benchmark))
            out.append(_reference_cell(source, vc, column, task, col, registry))
        setting = _cell_setting(ctx, col, row_settings.get(vc.row, Setting()), method, task.conditions, paper, own)
        out += _value_cells(source, vc, column, method, task, model, setting, ctx, registry, names)
    return out


def _pairwise(values: list[ValueCell]) -> bool:
    """A matrix of systems against each other ("row x beats column y by ..."): its column headers are
    its row headers; its cells compare two systems, they are no system's result."""
    leaves = {normalize_name(vc.column_path[-1].text) for vc in values if vc.column_path}
    rows = {normalize_name(vc.row_path[0].text) for vc in values if vc.row_path}
    return len(leaves) >= 3 and len(leaves & rows) >= 0.8 * len(leaves)


def _switches(
    grid: Grid,
    values: list[ValueCell],
    rows: dict[int, tuple[RowInfo, str, str, list[str]]],
    columns: dict[tuple[PathPart, ...], _Column],
    fallback: str,
    proposed: list[str],
    registry: Registry,
) -> SwitchReading | None:
    """A table none of whose rows, columns or caption names a method, read as a table of switches
    (``worker.extract.switches``); None for any other table."""
    if fallback or any(r.method or fmt for r, _, fmt, _ in rows.values()):
        return None
    if any(c.method is not None or c.format_name for c in columns.values()):
        return None
    tasks = [vc.column for vc in values if columns[vc.column_path].info.info is not None]
    if not tasks:
        return None
    knobs = set()
    for vc in values:
        col = columns[vc.column_path].info
        if vc.column < min(tasks) and not (col.skip or col.bits or col.group):
            knobs.add(vc.column)
    own = proposed[0] if proposed else ""
    return read_switches(grid, sorted(rows), sorted(knobs), own, registry.method("FP16") or "FP16")


def _source_context(source: TableSource, first_body: int, registry: Registry) -> TableContext:
    """What the caption and corner say (``table_context``), completed by the model of the section
    around the table and a task the sentences pointing at it name."""
    ctx = table_context(source.caption, source.grid.corner(first_body), registry)
    if not ctx.model and source.section_model:
        ctx.model = source.section_model
    if not ctx.benchmark and source.mentions:
        found = _mentioned_benchmark(source.mentions, registry)
        if found:
            ctx.benchmark, ctx.info = found
            ctx.results_like = True
            if ctx.lower_better is None:
                ctx.lower_better = _lower(found[1])
    return ctx


def _fallback_method(
    source: TableSource, first_body: int, values: list[ValueCell], registry: Registry, proposed: list[str]
) -> str:
    """The one method the caption names, for cells whose row and column name none; "" when the
    table itself names it in a stub title or a column header."""
    grid = source.grid
    fallback_method = _caption_method(source.caption, registry, proposed)
    axes = {normalize_name(grid.stub_title(c, first_body)) for c in range(grid.stub)}
    if fallback_method and normalize_name(fallback_method) in {
        normalize_name(registry.method(a) or a) for a in axes if a
    }:
        fallback_method = ""  # the caption names a technique the table switches on and off per row
    if fallback_method and any(
        _registry_or_own(p.text, registry, proposed) == fallback_method for vc in values for p in vc.column_path
    ):
        fallback_method = ""  # "2-bit GPTQ and 3-bit Float": the caption's method heads one column, not all
    return fallback_method


def _rows_are_models(
    rows: dict[int, tuple[RowInfo, str, str, list[str]]], leaves: set[str], registry: Registry, proposed: list[str]
) -> bool:
    """Rows that name models and no method: the methods are across the top."""
    rows_are_models = bool(rows) and all(
        model and not (r.known or r.full_precision) for r, model, _, _ in rows.values()
    )
    # Unknown names across the top are methods only beside one the vocabulary knows ("Dense",
    # "FP32", a registry method): a table of statistics per model has other columns ("SDims").
    return rows_are_models and any(
        (m := interpret_label(leaf, registry, proposed, row=False)).known or m.full_precision for leaf in leaves
    )


def _single_task(ctx: TableContext, values: list[ValueCell], registry: Registry) -> bool:
    """Whether no column names a task other than the table's: then every value is of ctx.benchmark."""
    paths = {vc.column_path for vc in values}
    named = {
        r.info.name if r.info else r.name
        for r in (classify_header(p.text, registry) for path in paths for p in path)
        if r.kind == "benchmark"
    }
    return bool(ctx.benchmark) and named <= {ctx.info.name if ctx.info else ctx.benchmark}


def _worth_reading(
    ctx: TableContext,
    rows: dict[int, tuple[RowInfo, str, str, list[str]]],
    columns: dict[tuple[PathPart, ...], _Column],
    paper: PaperContext,
) -> bool:
    """Whether a table's cells are results: not a table of cost, and results by its caption or by
    a task a cell can be tied to."""
    if ctx.cost and not any(c.info.info for c in columns.values()):
        return False
    if not ctx.results_like and not any(c.info.info or c.method for c in columns.values()):
        # A caption that does not say "results": read on only if a cell can still be tied to a
        # task (a row or column names one, or a model the paper evaluates on a known task).
        models = [m for _, m, _, _ in rows.values()] + [
            c.info.model or (c.reference or ("",))[0] for c in columns.values()
        ]
        if not any(r[0].benchmark for r in rows.values()) and not any(
            _task_of(m, paper.model_tasks)[0] for m in models if m
        ):
            return False
    return True


def _row_settings(values: list[ValueCell], columns: dict[tuple[PathPart, ...], _Column]) -> dict[int, Setting]:
    """Cells of bits and group-size columns are settings of their row."""
    row_settings: dict[int, Setting] = {}
    for vc in values:
        col = columns[vc.column_path].info
        if col.bits or col.group:
            s = row_settings.get(vc.row, Setting())
            if col.bits:
                s = s.merged(_bits_cell(vc.text, vc.column_path))
            elif (g := parse_number(vc.text)) is not None and g == int(g):
                s.g = int(g)
            row_settings[vc.row] = s
    return row_settings


@dataclass
class _CellTask:
    benchmark: str
    info: BenchmarkInfo | None
    conditions: list[str]  # the conditions of the run left once a "Task" label is taken
    inferred: bool = False  # not read from the table: see TableCell.benchmark_inferred


def _cell_task(
    row: RowInfo,
    column: _Column,
    conditions: list[str],
    model: str,
    ctx: TableContext,
    caption: str,
    paper: PaperContext,
    registry: Registry,
) -> _CellTask:
    """The task a cell reports: stated by its column (or the caption over it), its row, or the row's
    "Task" label; else inferred from its model's task in the paper, or the paper's task for its
    metric; an empty benchmark when none."""
    col = column.info
    benchmark, info = col.benchmark, col.info
    if row.benchmark and (not benchmark or column.method is not None or benchmark == ctx.benchmark):
        benchmark, info = row.benchmark, row.info
    if not benchmark and conditions and not col.benchmark:
        # Under a "Task" column: the row names its task ("Classification (Top-1% accuracy)").
        benchmark, info = conditions[0], registry.benchmark(conditions[0])
        conditions = conditions[1:]
    if benchmark:
        return _CellTask(benchmark, info, conditions)
    if model:
        benchmark, info = _task_of(model, paper.model_tasks)
    if not benchmark and (metric_kind := _metric_kind(col, ctx, caption)) in paper.usual_tasks:
        benchmark, info = paper.usual_tasks[metric_kind]  # "PPL results of ...": the paper's PPL task
    return _CellTask(benchmark, info, conditions, inferred=bool(benchmark))


def _cell_setting(
    ctx: TableContext,
    col: ColumnInfo,
    row_setting: Setting,
    method: RowInfo,
    conditions: list[str],
    paper: PaperContext,
    own: set[str],
) -> Setting:
    """The setting of a cell's run: the caption's, its column's, its row's and its method's, the
    paper's bits for its own method, 16 bits for full precision, activations by default."""
    setting = ctx.setting.merged(col.setting).merged(row_setting).merged(method.setting)
    if conditions:
        setting = replace(setting, note=" ".join([*conditions, setting.note]).strip())
    if setting.w is None and paper.own_bits and (method.ours or normalize_name(method.method) in own):
        w, a = paper.own_bits  # the paper's own method at its bits
        setting = replace(setting, w=w, a=setting.a if setting.a is not None else a, weight_only_hint=True)
    if method.full_precision:
        w = setting.w if setting.w is not None and setting.w >= 16 else 16
        setting = Setting(w, setting.a if setting.a is not None and setting.a >= 16 else w, note=setting.note)
    return _default_activations(setting, paper.weight_only, paper.usual_activations)


def _value_cells(
    source: TableSource,
    vc: ValueCell,
    column: _Column,
    method: RowInfo,
    task: _CellTask,
    model: str,
    setting: Setting,
    ctx: TableContext,
    registry: Registry,
    names: dict[str, tuple[int, str, str]],
) -> list[TableCell]:
    """The values of one cell ("91.2/90.8" under "MNLI-m/mm" is two), each a TableCell; the name of
    a method no registry knows goes into ``names``."""
    benchmark, info, col = task.benchmark, task.info, column.info
    out: list[TableCell] = []
    texts = split_values(vc.text)
    bench_names = split_names(benchmark, len(texts))
    metrics = split_names(col.metric, len(texts)) if col.metric else [""] * len(texts)
    for k, (value_text, bench, metric) in enumerate(zip(texts, bench_names, metrics, strict=True)):
        value = parse_number(value_text)
        if value is None or is_missing(value_text) or unit_of(value_text) in _COST_UNITS:
            continue
        lower = col.lower_better
        sub = registry.benchmark(bench) if bench != benchmark else None
        if sub is not None:
            lower = sub.direction == "lower"
        if lower is None:
            lower = _lower(info) if info else ctx.lower_better
        if not method.known and not method.full_precision:
            names.setdefault(method.method, (source.page, source.locator, vc.row_text))
        out.append(
            TableCell(
                table=source,
                row=vc.row,
                quote=vc.row_text,
                method=method.method,
                known=method.known,
                full_precision=method.full_precision,
                ours=method.ours,
                variant=method.variant,
                benchmark=bench,
                info=registry.benchmark(bench) or info,
                metric=metric or (info.metric if info else ""),
                model=model,
                setting=setting,
                value=value,
                value_text=value_text,
                lower_better=bool(lower),
                row_label=" ".join(p.text for p in vc.row_path),
                column_label=" / ".join(p.text for p in vc.column_path),
                bold=vc.bold,
                slot=(vc.column, k),
                benchmark_inferred=task.inferred,
                compare=("row", id(source), vc.row, bench)
                if column.method is not None
                else ("column", id(source), vc.column_path, k),
            )
        )
    return out


def _metric_kind(col: ColumnInfo, ctx: TableContext, caption: str) -> str:
    """ "perplexity" when a column or its caption reports perplexity, else ""."""
    text = f"{col.metric} {col.label} {caption}"
    return "perplexity" if re.search(r"\b(?:ppl|perplexit(?:y|ies))\b", text, re.IGNORECASE) else ""


def _task_of(model: str, tasks: dict[str, tuple[str, BenchmarkInfo | None]]) -> tuple[str, BenchmarkInfo | None]:
    """The task the paper evaluates this model's family on, or ("", None)."""
    key = normalize_name(model)
    for family, task in sorted(tasks.items(), key=lambda kv: -len(kv[0])):
        if key.startswith(family):
            return task
    return "", None


def _cell_method(
    row: RowInfo, column: _Column, row_format: str, fallback: str, proposed: list[str], registry: Registry
) -> RowInfo | None:
    """Which method a cell reports: a row's method, else a column's (methods across the top), else
    the caption's one method, else the number format its row or column is labelled with."""
    if row.method and (row.known or row.full_precision or column.method is None):
        return row
    if column.method is not None:
        return replace(column.method, setting=row.setting.merged(column.method.setting), model=row.model)
    if fallback:
        return RowInfo(method=fallback, known=True, ours=fallback in proposed, setting=row.setting, model=row.model)
    name = row_format or column.format_name
    if name:
        return RowInfo(method=name, known=bool(registry.method(name)), setting=row.setting, model=row.model)
    return None


def _qualified_model(model: str, col: ColumnInfo, ctx: TableContext) -> str:
    """A bare size ("7B") under a family ("LLaMA", "OPT") becomes "LLaMA-7B"."""
    if model and model_size(model):
        if re.match(r"\d(?:\.\d)?-", model) and ctx.family_base:
            return f"{ctx.family_base}-{model}"  # "2-7B" is version 2, 7B
        if col.family or ctx.family:
            return f"{col.family or ctx.family}-{model}"
    return model


def _reference_cell(
    source: TableSource,
    vc: ValueCell,
    column: _Column,
    task: _CellTask,
    col: ColumnInfo,
    registry: Registry,
) -> TableCell:
    """ "ResNet50 – 76.13" over a block of columns: the full-precision model scores 76.13."""
    assert column.reference is not None
    benchmark, info = task.benchmark, task.info
    model, value = column.reference
    header = next((p.text for p in vc.column_path if _REFERENCE_RE.match(p.text)), "")
    return TableCell(
        table=source,
        row=-1,
        quote=header,
        method=registry.method("FP16") or "FP16",
        known=True,
        full_precision=True,
        ours=False,
        variant=False,
        benchmark=benchmark,
        info=info,
        metric=info.metric if info else "",
        model=model,
        setting=Setting(16, 16),
        value=value,
        value_text=header.rsplit(" ", 1)[-1].strip("()"),
        lower_better=bool(col.lower_better),
        row_label="",
        column_label=header,
        compare=("reference", id(source), model, benchmark),
        benchmark_inferred=task.inferred,
    )


def _bits_cell(cell: str, parts: tuple[PathPart, ...] = ()) -> Setting:
    """A bits column cell: "4", "4/16", "W4A16", "4-16-16"; the header says which bits ("A-bits").
    Under a weights-only header, "2/4 MP" is mixed 2- and 4-bit weights, not W2A4."""
    s, _ = parse_setting(cell)
    if not s.empty:
        return s
    nums = [int(n) for n in re.findall(r"\d+", cell)]
    if not nums:
        return Setting()
    header = " ".join(p.text for p in parts).lower()
    if re.search(r"\bw(?:eights?)?[\s-]*bits?\b|\bwbits?\b", header):
        note = re.sub(r"^\d+(?:/\d+)*\s*", "", cell).strip() or ("/".join(map(str, nums)) if len(nums) > 1 else "")
        return Setting(w=nums[0], weight_only_hint=True, note=note)
    if len(nums) == 1 and re.search(r"\b(?:a|act|activations?)[\s-]*bits?\b|\ba\s*bits?", header):
        return Setting(a=nums[0])
    if len(nums) == 1 and re.search(r"\bkv[\s-]*bits?\b|\bkv\b", header):
        return Setting(kv=nums[0])
    out = Setting(w=nums[0], weight_only_hint=len(nums) == 1)
    if len(nums) >= 2:
        out.a = nums[1]
    if len(nums) >= 3:
        out.kv = nums[2]
    return out


def _default_activations(s: Setting, weight_only: bool | None, usual: dict[int, int] | None = None) -> Setting:
    """A bare "INT4" or "8-bit": the activations the paper's own "W4A8"-style settings pair with
    those weight bits; else a weight-only paper keeps activations in 16 bits, a paper about
    quantizing activations quantizes them too; when the paper does not tell, 8 bits usually means
    W8A8 (LLM.int8(), SmoothQuant) and fewer bits weight-only."""
    if s.w is not None and s.a is None and usual and s.w in usual and s.w < 16:
        return replace(s, a=usual[s.w])
    if s.w is not None and s.a is None and s.weight_only_hint:
        if weight_only is None:
            return replace(s, a=16 if s.w < 8 else s.w)
        return replace(s, a=16 if weight_only else s.w)
    return s
