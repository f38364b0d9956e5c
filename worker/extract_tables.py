"""Results tables from a parsed page, as rows of cells under column header stacks (pure, no Django).

Two sources are combined:

* the page text. PDFium returns a LaTeX table in content-stream order: one text line per table
  row, cells separated by single spaces, and ``\\multirow`` labels ("INT3", "g128") on lines of
  their own right before the rows they span. That order is what a reader means, so rows, labels
  and multirow context come from the text. Tables without ruling lines exist only here.
* pdfplumber's grid (``ParsedTable.rows``), when the parser found one for the same caption. Its
  cells keep multi-word headers together ("Ave. Time (s)", "Common Sense QA (0-shot)") and place
  values of sparse rows in the right column, which plain text cannot do. Its rows can merge
  several columns into one cell and put multirow labels in the middle row, so it only supplies
  the column structure.

Interpreting headers and labels (which is a method, a model, a benchmark) is left to
``worker.extract_rules``; this module only finds the shape.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from worker.pdf_parse import ParsedPage, ParsedTable

# --------------------------------------------------------------------------------------------
# Numbers as printed

_SIGN = r"[+\-−–]?"
_NUM = rf"{_SIGN}(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+\.\d*(?:[eE][+\-−]?\d+)?|\d+(?:[eE][+\-−]?\d+)?|\.\d+)"
_MARKS = "*†‡§¶⋆∗♠♣♢♡♦◦•"
_VALUE = rf"(?:{_NUM})(?:±(?:{_NUM}))?%?[{_MARKS}]*"
# A cell that is printed but holds no number: dashes, "N/A", out-of-memory marks.
_MISSING = r"(?:[-–—−]{1,3}|N/?A|n/?a|NA|OOM|NaN|nan|OOT|TBD|✗)[" + _MARKS + r"]*"
_CELL_RE = re.compile(rf"(?:{_VALUE}|{_MISSING})(?:/(?:{_VALUE}|{_MISSING}))*")
_MISSING_RE = re.compile(_MISSING)
# Tokens that belong to the cell before them: "(1.93×)", "(+0.2)", "↑", a unit.
_ATTACH_RE = re.compile(r"\([^()]*[\d↑↓±×][^()]*\)|\[[^\[\]]*\d[^\[\]]*\]|[↑↓]|±" + _NUM)
_UNITS = {
    "ms", "s", "sec", "min", "mins", "minutes", "h", "hr", "hrs", "hour", "hours", "days", "x", "×",
    "gb", "mb", "kb", "tb", "g", "m", "k", "%", "tokens/s", "tok/s", "gpus", "gpu", "w", "mj", "j",
}  # fmt: skip
_PM_RE = re.compile(r"\s*(?:±|\+/-|\+-)\s*")
_SIZE_RE = re.compile(r"^\d+(?:\.\d+)?[BMK]$")
_HAS_DIGIT = re.compile(r"\d")


def is_value_token(token: str) -> bool:
    """A cell as printed in a results table: a number (maybe with ±, %, marks, a/b pairs) or a dash."""
    return bool(_CELL_RE.fullmatch(token)) and not _SIZE_RE.match(token)


def is_missing(text: str) -> bool:
    return bool(_MISSING_RE.fullmatch(text.strip()))


def parse_number(text: str | None) -> float | None:
    """The number a printed cell shows, or None for a dash, "N/A" or anything that is not a number.

    Handles "1.3e3", "571.", "1,596.83", "38.41%", "65.3±0.2", "12.3*" (footnote and bold marks),
    the Unicode minus, and a trailing "(+0.2)" or unit.
    """
    if text is None:
        return None
    s = text.strip()
    s = re.sub(r"\s*\([^()]*\)\s*$", "", s)  # "44.57 (1.93×)" -> "44.57"
    s = _PM_RE.split(s, maxsplit=1)[0]
    s = s.strip().rstrip(_MARKS).rstrip("%").rstrip(_MARKS).strip()
    s = s.replace("−", "-").replace("–", "-").replace(",", "")
    if not s or _MISSING_RE.fullmatch(s):
        return None
    m = re.fullmatch(r"[+\-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+\-]?\d+)?", s)
    if not m:
        return None
    try:
        value = float(s)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def split_values(cell: str) -> list[str]:
    """The printed values of one cell: "84.20/84.67" -> ["84.20", "84.67"]; "—/90.9" keeps the dash."""
    cell = cell.strip()
    core = re.sub(r"\s*\([^()]*\)\s*$", "", cell)
    if "/" in core and _CELL_RE.fullmatch(core.replace(" ", "")):
        return [p.strip() for p in core.replace(" ", "").split("/")]
    return [cell]


# --------------------------------------------------------------------------------------------
# Lines of page text

CAPTION_LINE_RE = re.compile(
    r"^(?P<kind>Table|TABLE|Tab\.|Figure|FIGURE|Fig\.|FIG\.)\s*(?P<num>[A-Z]?[.\-]?\d+(?:\.\d+)?|[IVX]+)\s*[:.|]"
)
_STOPWORDS = {
    "the", "of", "on", "for", "and", "with", "in", "to", "a", "an", "is", "are", "we", "our", "by", "from",
    "as", "at", "that", "this", "which", "be", "when", "than", "it", "its", "can", "not", "was", "were",
    "has", "have", "while", "these", "those", "their", "they", "such", "also", "but", "or", "into", "using",
    "used", "shows", "show", "see", "between", "both", "each", "all", "more", "most", "other", "only",
}  # fmt: skip


def is_prose(text: str) -> bool:
    """A line of running text rather than a table header or label."""
    words = text.split()
    if len(words) < 4:
        return False
    stop = sum(1 for w in words if w.lower().strip(",.;:()") in _STOPWORDS)
    return stop >= 2 or (stop >= 1 and len(words) >= 4 and stop / len(words) >= 0.15)


@dataclass
class Line:
    index: int
    text: str
    kind: str  # "caption", "data", "plain" (short, not prose), "prose"
    label: str = ""
    cells: list[str] = field(default_factory=list)


def _token_class(token: str) -> str:
    if is_value_token(token):
        return "V"
    if _ATTACH_RE.fullmatch(token):
        return "A"
    if token.lower() in _UNITS:
        return "U"
    if _HAS_DIGIT.search(token) and not _SIZE_RE.match(token):
        return "N"  # "2×65ms", "1×25ms": a cell, just not a clean number
    return "T"


def split_row(text: str) -> tuple[str, list[str]]:
    """Split a table line into its label and its cells.

    The cells start at the first value token after which no plain word follows (units and
    "(1.93×)" attach to the cell before them), so labels keep numbers that are part of a name
    ("GPT-3 350M", "Int8 absmax", "32-bit Float").
    """
    tokens = _PM_RE.sub("±", text).split()
    classes = [_token_class(t) for t in tokens]
    start = None
    for i in range(len(tokens) - 1, -1, -1):
        if classes[i] == "T":
            break
        if classes[i] == "V":
            start = i
    if start is None:
        return text.strip(), []
    cells: list[str] = []
    for token, cls in zip(tokens[start:], classes[start:], strict=True):
        if cls in "VN" or not cells:
            cells.append(token)
        else:
            cells[-1] = f"{cells[-1]} {token}"
    return " ".join(tokens[:start]), cells


def classify_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    for i, raw in enumerate(text.split("\n")):
        s = raw.strip()
        if CAPTION_LINE_RE.match(s):
            lines.append(Line(i, s, "caption"))
            continue
        label, cells = split_row(s)
        has_value = any(parse_number(v) is not None or is_missing(v) for c in cells for v in split_values(c))
        if cells and has_value and (label or len(cells) >= 2) and not is_prose(label):
            lines.append(Line(i, s, "data", label, cells))
        elif is_prose(s):
            lines.append(Line(i, s, "prose"))
        else:
            lines.append(Line(i, s, "plain", s))
    return lines


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one string; a word hyphenated at a line end is joined again
    ("GPT-" + "NeoX20B" -> "GPT-NeoX20B", "in-" + "ference" -> "in-ference")."""
    out = ""
    for line in lines:
        line = line.strip()
        if not out:
            out = line
        elif out.endswith("-") and not out.endswith(" -"):
            out += line
        else:
            out += " " + line
    return out


def _caption_paragraph_end(lines: list[Line], start: int) -> int:
    """Index of the last line of the caption starting at ``start``.

    A line continues the caption when the previous one ends in a hyphen or mid-sentence and the
    line reads as text (lower-case start, or prose); a table row, a header-like line after a
    sentence end, or a new caption ends it.
    """
    end = start
    widths = sorted(len(x.text) for x in lines if x.kind == "prose")
    full = widths[int(len(widths) * 0.75)] if widths else 80
    for j in range(start + 1, min(len(lines), start + 10)):
        prev, line = lines[j - 1].text.rstrip(), lines[j]
        if line.kind in ("caption", "data"):
            break
        if prev.endswith("-") and not prev.endswith(" -"):
            end = j
            continue
        if prev.endswith((".", ":")):
            # A sentence that ends exactly at a full-width line may be followed by more caption;
            # the last line of a paragraph is usually short.
            if line.text[:1].islower() or (line.kind == "prose" and len(prev) >= 0.92 * full and j - start < 4):
                end = j
                continue
            break
        if line.text[:1].islower() or line.kind == "prose":
            end = j
            continue
        break
    return end


@dataclass
class TextBlock:
    locator: str  # "Table 3"
    number: str
    caption: str  # the whole caption paragraph
    caption_lines: tuple[int, int]
    lines: list[Line]  # header lines, context lines and data lines in reading order


def _run(lines: list[Line], start: int, step: int) -> list[Line]:
    run: list[Line] = []
    j = start
    while 0 <= j < len(lines) and lines[j].kind in ("data", "plain"):
        run.append(lines[j])
        j += step
    if step < 0:
        run.reverse()
    return run


def _trim(run: list[Line], caption_above: bool) -> list[Line]:
    """Header lines (at most four) just before the first data row, the rows, and the context lines
    between rows; plain lines after the last row are body text, not table."""
    data_at = [k for k, line in enumerate(run) if line.kind == "data"]
    if not data_at:
        return []
    first, last = data_at[0], data_at[-1]
    head_from = max(0, first - 4) if not caption_above else max(0, first - 6)
    return run[head_from : last + 1]


def _is_table_run(run: list[Line]) -> bool:
    data = [line for line in run if line.kind == "data"]
    return len(data) >= 2 or any(len(line.cells) >= 2 and line.label for line in data)


def text_blocks(page_text: str, caption_above: bool | None = None) -> list[TextBlock]:
    """Table blocks of one page, each with its "Table N" caption.

    ``caption_above``: the document's convention (None: decide per caption, preferring a block
    below the caption). A block goes to one caption only.
    """
    lines = classify_lines(page_text)
    blocks: list[TextBlock] = []
    claimed: set[int] = set()
    for k, line in enumerate(lines):
        if line.kind != "caption" or not line.text.lower().startswith("tab"):
            continue
        m = CAPTION_LINE_RE.match(line.text)
        assert m is not None
        number = m.group("num")
        end = _caption_paragraph_end(lines, k)
        caption = join_lines([x.text for x in lines[k : end + 1]])
        below = _trim(_run(lines, end + 1, 1), True)  # table under the caption
        above = _trim(_run(lines, k - 1, -1), False)  # table over the caption
        options = [below, above] if caption_above in (None, True) else [above, below]
        for option in options:
            if option and _is_table_run(option) and not claimed & {x.index for x in option}:
                claimed |= {x.index for x in option}
                blocks.append(TextBlock(f"Table {number}", number, caption, (line.index, lines[end].index), option))
                break
        else:
            blocks.append(TextBlock(f"Table {number}", number, caption, (line.index, lines[end].index), []))
    return blocks


def caption_convention(pages: list[ParsedPage]) -> bool | None:
    """True when the document puts table captions above tables, False below, None if unclear."""
    votes = Counter()
    for page in pages:
        if "Table" not in page.text and "TABLE" not in page.text:
            continue
        lines = classify_lines(page.text)
        for k, line in enumerate(lines):
            if line.kind != "caption" or not line.text.lower().startswith("tab"):
                continue
            end = _caption_paragraph_end(lines, k)
            below = _trim(_run(lines, end + 1, 1), True)
            above = _trim(_run(lines, k - 1, -1), False)
            has_below, has_above = bool(below and _is_table_run(below)), bool(above and _is_table_run(above))
            if has_below != has_above:
                votes["above" if has_below else "below"] += 1
    if not votes:
        return None
    if votes["above"] == votes["below"]:
        return None
    return votes["above"] > votes["below"]


# --------------------------------------------------------------------------------------------
# Models: LLaMA-2-7B, OPT-66B, BLOOM-176B, BERT-base, GPT-3 350M, bare sizes under a family

_FAMILIES = (
    r"Llama|LLaMA|LLAMA|LLaMa|OPT|BLOOMZ?|Bloom|GPT-?NeoX|GPT-?J|GPT-?Neo|GPT-?2|GPT-?3(?:\.5)?|GPT-?4|GPT|Pythia|"
    r"Falcon|Mistral|Mixtral|Qwen|Vicuna|Gemma|Phi|Flan-?T5|T5|mT5|BERT|RoBERTa|BART|mBART|DeBERTa|ALBERT|DistilBERT|"
    r"TinyBERT|MobileBERT|ELECTRA|XLNet|XLM-R|ViT|DeiT|Swin|ResNet|MobileNet|EfficientNet|Inception|OpenFlamingo|"
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


def header_tokens(text: str) -> list[str]:
    """Header words as cells: parenthesised parts, arrows and "%" stay with the word before them,
    and words joined by "/" or "&" stay together ("OPT / PPL↓")."""
    raw = text.replace("( ", "(").replace(" )", ")").split()
    out: list[str] = []
    depth = 0
    glue_next = False
    for token in raw:
        attach = bool(out) and (
            depth > 0
            or glue_next
            or token.startswith("(")
            or token in {"↑", "↓", "%", "(%)", "/", "&", "+"}
            or token[:1] in "↑↓"
        )
        if attach:
            out[-1] = f"{out[-1]} {token}"
        else:
            out.append(token)
        depth = max(0, depth + token.count("(") - token.count(")"))
        glue_next = token in {"/", "&", "+"}
    return out


# --------------------------------------------------------------------------------------------
# pdfplumber's grid, one value per column


@dataclass
class Grid:
    columns: list[list[str]]  # header stack (top to bottom) of every value column
    stub: list[str]  # header text over the label columns
    rows: list[tuple[str, list[str | None]]]  # (label, one printed cell per value column) in grid order
    context: list[tuple[int, str]]  # rows without values: (position in rows, text)


def _cell_values(cell: str) -> list[str] | None:
    """The value cells a grid cell holds ("32.32% 42.72% 42.56%" -> three), None for text."""
    label, cells = split_row(cell)
    if label or not cells:
        return None
    return cells


def grid_from_table(table: ParsedTable) -> Grid | None:
    rows = [[(c or "").strip() for c in r] for r in table.rows]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    parsed = [[_cell_values(c) if c else None for c in r] for r in rows]
    value_rows = [i for i, r in enumerate(parsed) if any(v is not None for v in r[1:])]
    if not value_rows:
        return None
    first = value_rows[0]
    value_cols = []
    for j in range(width):
        n_values = sum(1 for i in value_rows if parsed[i][j] is not None)
        n_text = sum(1 for i in value_rows if rows[i][j] and parsed[i][j] is None)
        if n_values and n_values >= n_text and (j > 0 or n_text == 0):
            value_cols.append(j)
    if not value_cols:
        return None
    counts: dict[int, int] = {}
    for j in value_cols:
        seen = Counter(len(parsed[i][j] or []) for i in value_rows if parsed[i][j])
        counts[j] = seen.most_common(1)[0][0] if seen else 1
    header_rows = rows[:first]
    columns: list[list[str]] = [[] for j in value_cols for _ in range(counts[j])]
    stub: list[str] = []
    for r, row in enumerate(header_rows):
        cells: list[str] = []
        for j in value_cols:
            text = row[j]
            parts = header_tokens(text)
            leaf = r == len(header_rows) - 1
            # Over a group row, "Common Sense QA" is one phrase even if it has as many words as the
            # group has columns; separate names there look like names ("MNLI-m/mm QQP", "Acc/F1").
            separate = leaf or all(re.search(r"[\d/\-]", p) or sum(ch.isupper() for ch in p) >= 2 for p in parts)
            if counts[j] > 1 and len(parts) == counts[j] and separate:
                cells.extend(parts)
            else:
                cells.extend([text] * counts[j])
        leaf = r == len(header_rows) - 1
        if not leaf and any(cells) and not all(cells):
            cells = _fill_spans(cells, columns)
        for col, text in zip(columns, cells, strict=True):
            col.append(text)
        stub_text = " ".join(row[j] for j in range(width) if j not in value_cols and row[j])
        if stub_text:
            stub.append(stub_text)
    out_rows: list[tuple[str, list[str | None]]] = []
    context: list[tuple[int, str]] = []
    for i in range(first, len(rows)):
        label = " ".join(rows[i][j] for j in range(width) if j not in value_cols and rows[i][j])
        values: list[str | None] = []
        for j in value_cols:
            cell = parsed[i][j]
            if cell is None:
                values.extend([None] * counts[j])
            elif len(cell) == counts[j]:
                values.extend(cell)
            else:
                values.extend((cell + [None] * counts[j])[: counts[j]])
        if any(v is not None for v in values):
            out_rows.append((label, values))
        else:
            text = " ".join(c for c in rows[i] if c)
            if text:
                context.append((len(out_rows), text))
    return Grid(columns=columns, stub=stub, rows=out_rows, context=context)


_AVERAGE_RE = re.compile(r"^(?:avg|average|ave|mean)\b", re.IGNORECASE)
# Words that title an axis of the table rather than name a column or a group of columns.
AXIS_RE = re.compile(
    r"^(?:tasks?|datasets?|benchmarks?|models?|methods?|settings?|precision|#?\s*bits?|config\w*|schemes?|"
    r"types?|metrics?|family|families|model size|sizes?|approach(?:es)?|baselines?|networks?|architectures?)\s*:?$",
    re.IGNORECASE,
)


def _fill_spans(cells: list[str], columns: list[list[str]]) -> list[str]:
    """Give a group header's empty neighbours the group's text: a centred "\\multicolumn" header
    sits over one column of its span. Ties go left, since an "Avg." column closes its group."""
    filled = list(cells)
    for k, text in enumerate(cells):
        if text:
            continue
        left = next((d for d in range(1, len(cells)) if k - d >= 0 and cells[k - d]), None)
        right = next((d for d in range(1, len(cells)) if k + d < len(cells) and cells[k + d]), None)
        if left is None and right is None:
            continue
        if right is None or (left is not None and left <= right):
            filled[k] = cells[k - left]  # type: ignore[operator]
        else:
            filled[k] = cells[k + right]
    return filled


# --------------------------------------------------------------------------------------------
# Tables: rows with aligned cells under header stacks


@dataclass
class Row:
    label: str
    cells: list[str | None]  # one printed cell (or None) per column of ``columns``
    columns: list[list[str]]  # header stacks this row sits under
    context: list[str]  # lines without values seen since the previous row (multirow labels)
    quote: str


@dataclass
class Table:
    page: int
    locator: str
    caption: str
    stub: list[str]
    rows: list[Row]
    source: str  # "text", "grid" or "text+grid"


def _same_values(a: list[str], b: list[str | None]) -> bool:
    """Do two rows print the same non-missing values in the same order?"""
    norm_a = [v for c in a for v in split_values(c) if parse_number(v) is not None]
    norm_b = [v for c in b if c is not None for v in split_values(c) if parse_number(v) is not None]
    pa = [parse_number(v) for v in norm_a]
    pb = [parse_number(v) for v in norm_b]
    return bool(pa) and pa == pb


def _text_headers(header_lines: list[str], n: int) -> tuple[list[list[str]], list[str]]:
    """Column header stacks for ``n`` columns from header lines of plain text."""
    columns: list[list[str]] = [[] for _ in range(n)]
    stub: list[str] = []
    parsed = [header_tokens(text) for text in header_lines]
    leaf_at = next((k for k in range(len(parsed) - 1, -1, -1) if len(parsed[k]) >= n), None)
    leaf = parsed[leaf_at][-n:] if leaf_at is not None else None
    for k, cells in enumerate(parsed):
        if k == leaf_at and leaf is not None:
            if len(cells) > n:
                stub.append(" ".join(cells[: len(cells) - n]))
            for col, text in zip(columns, leaf, strict=True):
                col.append(text)
            continue
        if len(cells) >= n:  # a second full line (e.g. a metric per column) sits under its own stub word
            if len(cells) > n:
                stub.append(" ".join(cells[: len(cells) - n]))
            for col, text in zip(columns, cells[-n:], strict=True):
                col.append(text)
            continue
        spans = _group_spans(cells, leaf, n)
        if spans is None:
            stub.append(" ".join(cells))
            continue
        for col, text in zip(columns, spans, strict=True):
            col.append(text)
    return columns, stub


def _group_spans(cells: list[str], leaf: list[str] | None, n: int) -> list[str] | None:
    """Spread group headers over ``n`` columns when the split is unambiguous; None when it is not
    (the line then describes the whole table)."""
    if not cells:
        return None
    # A first word like "Models" or "Tasks" names the rows, not a column group.
    candidates = [cells]
    if len(cells) > 1:
        candidates = [cells[1:]] if AXIS_RE.match(cells[0]) else [cells, cells[1:]]
    # "Common Sense QA (0-shot)": plain capitalised words belong to the word after them.
    candidates += [m for m in (_merge_phrases(c) for c in candidates) if m not in candidates]
    # Structural evidence first (each group closes with an average column, or the leaf headers
    # repeat once per group), for every way of reading the line; equal division last.
    for groups in candidates:
        g = len(groups)
        if g == 1 and groups is not cells:
            return [groups[0]] * n
        if leaf:
            ends = [k for k, text in enumerate(leaf) if _AVERAGE_RE.match(text)]
            if len(ends) == g and ends[-1] == n - 1:
                spans, start = [], 0
                for group, end in zip(groups, ends, strict=True):
                    spans.extend([group] * (end + 1 - start))
                    start = end + 1
                return spans
            for size in range(1, n // 2 + 1):
                if n % size == 0 and n // size == g and all(leaf[k] == leaf[k % size] for k in range(n)):
                    return [groups[k // size] for k in range(n)]
    for groups in candidates:
        g = len(groups)
        if g > 1 and n % g == 0:
            return [groups[k // (n // g)] for k in range(n)]
    return None


def _merge_phrases(cells: list[str]) -> list[str]:
    out: list[str] = []
    carry = ""
    for cell in cells:
        if re.fullmatch(r"[A-Z][a-z]+", cell) and cell is not cells[-1]:
            carry = f"{carry} {cell}".strip()
            continue
        out.append(f"{carry} {cell}".strip())
        carry = ""
    if carry:
        out.append(carry)
    return out


def _restart_columns(columns: list[list[str]], header_lines: list[str], texts: list[str]) -> list[list[str]]:
    """A table that repeats its header rows for a second part (other models, same tasks): the
    repeated lines replace the first part's header words position by position."""
    mapping: dict[str, str] = {}
    for text in texts:
        new = header_tokens(text)
        for old_line in header_lines:
            old = header_tokens(old_line)
            if old and new and old[0] == new[0] and len(old) == len(new):
                mapping.update({a: b for a, b in zip(old[1:], new[1:], strict=True) if a != b})
    return [[mapping.get(text, text) for text in col] for col in columns]


def _restarts_header(texts: list[str], header_lines: list[str]) -> bool:
    firsts = {h.split()[0] for h in header_lines if h.split()}
    return any(t.split() and t.split()[0] in firsts for t in texts)


def build_tables(page: ParsedPage, caption_above: bool | None) -> list[Table]:
    """Every results-table candidate of a page, with rows, context lines and header stacks."""
    tables: list[Table] = []
    grids: dict[str, ParsedTable] = {}
    for t in page.tables:
        m = CAPTION_LINE_RE.match(t.caption or "")
        if m:
            grids.setdefault(m.group("num"), t)
    seen_numbers: set[str] = set()
    for block in text_blocks(page.text, caption_above):
        seen_numbers.add(block.number)
        parsed = grids.get(block.number)
        grid = grid_from_table(parsed) if parsed else None
        table = _table_from_block(page.number, block, grid)
        if table is not None:
            tables.append(table)
    for number, parsed in grids.items():
        if number in seen_numbers:
            continue
        grid = grid_from_table(parsed)
        if grid is not None:
            tables.append(_table_from_grid(page.number, f"Table {number}", parsed.caption, grid))
    return tables


def _table_from_grid(page: int, locator: str, caption: str, grid: Grid) -> Table:
    rows: list[Row] = []
    context_at: dict[int, list[str]] = {}
    for position, text in grid.context:
        context_at.setdefault(position, []).append(text)
    for i, (label, cells) in enumerate(grid.rows):
        quote = " ".join([label, *(c for c in cells if c)]).strip()
        rows.append(Row(label, cells, grid.columns, context_at.get(i, []), quote))
    return Table(page, locator, caption, grid.stub, rows, "grid")


def _table_from_block(page: int, block: TextBlock, grid: Grid | None) -> Table | None:
    lines = block.lines
    data = [line for line in lines if line.kind == "data"]
    if not data:
        if grid is not None:
            return _table_from_grid(page, block.locator, block.caption, grid)
        return None
    counts = Counter(len(line.cells) for line in data)
    n = max(counts, key=lambda c: (counts[c], c))
    first = lines.index(data[0])
    header_lines = [line.text for line in lines[:first]]
    use_grid = grid is not None and len(grid.columns) == n
    if use_grid:
        assert grid is not None
        columns, stub = grid.columns, list(grid.stub)
        text_stub = _text_headers(header_lines, n)[1]
        # pdfplumber sometimes leaves the top-left stub out of its region.
        if not stub and text_stub:
            stub = text_stub
    else:
        columns, stub = _text_headers(header_lines, n)
    base_columns = columns
    rows: list[Row] = []
    pending: list[str] = []
    for line in lines[first:]:
        if line.kind != "data":
            pending.append(line.text)
            continue
        if pending and _restarts_header(pending, header_lines):
            columns = _restart_columns(base_columns, header_lines, pending)
            firsts = {h.split()[0] for h in header_lines if h.split()}
            pending = [p for p in pending if not (p.split() and p.split()[0] in firsts)]
        label, cells = line.label, list(line.cells)
        aligned: list[str | None] | None = None
        if use_grid:
            assert grid is not None
            match = next((g for g in grid.rows if _same_values(cells, g[1])), None)
            if match is not None and len(cells) != n:
                aligned = list(match[1])
        if aligned is None:
            if len(cells) > n:  # extra leading values belong to the label ("FP16 -", "Layer 12")
                label = " ".join([label, *cells[: len(cells) - n]]).strip()
                cells = cells[len(cells) - n :]
            aligned = [None] * (n - len(cells)) + cells  # short rows: missing cells are the leading ones
        rows.append(Row(label, aligned, columns, pending, line.text))
        pending = []
    if use_grid and grid is not None and len(grid.rows) > len(rows) * 2:
        return _table_from_grid(page, block.locator, block.caption, grid)
    return Table(page, block.locator, block.caption, stub, rows, "text+grid" if use_grid else "text")
