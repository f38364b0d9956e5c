"""Sentences of a parsed paper: its own method, "beats" claims and critiques (pure, no Django).

Everything here reads running text page by page: table rows are left out (they are not
sentences), the reference list is skipped, and every claim keeps its page, section and quote.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from worker.extract.names import normalize_name
from worker.extract.receipts import BeatsClaim, CritiqueClaim, Provenance, Registry
from worker.extract.vocab import FAMILY_ONLY, MODEL_RE, family_of, find_models, looks_like_name
from worker.reading.quotes import tokens
from worker.reading.text import APPENDIX_RE, REFERENCES_RE, Sentence, join_lines, page_sentences, split_sentences

# --------------------------------------------------------------------------------------------
# Method mentions

_PRECISION_RE = re.compile(r"^(?:d?INT\d+|FP\d+|BF16|NF4|\d+-?bits?|W\d+A\d+|int\d+\(?\)?)$", re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-+#()’'/]*[A-Za-z0-9)+#]|[A-Za-z0-9]")


@dataclass
class Mention:
    name: str
    start: int
    end: int


class MentionFinder:
    """Finds registry methods and table row names in a sentence.

    Single-word hits must be printed like names (a capital or a digit inside: "GPTQ", "nuQmm",
    "Q8BERT"), so that aliases that are also English words ("full", "atom") or number formats
    ("INT8", which normalises like "int8()") do not count as mentions. Table row names
    ("absmax", "Zeropoint") match however they are capitalised.
    """

    def __init__(self, registry: Registry, extra: Iterable[str] = (), exclude: Iterable[str] = ()) -> None:
        self.exclude = {normalize_name(e) for e in exclude}
        self.known: dict[str, str] = {
            k: v for k, v in registry.method_spellings().items() if k and normalize_name(v) not in self.exclude
        }
        self.extra: dict[str, str] = {}
        for name in extra:
            key = normalize_name(name)
            if len(key) >= 3 and key not in self.exclude:
                self.extra.setdefault(key, name)
            # "Int8 absmax" is also written "absmax" in the text
            words = [w for w in name.split() if not _PRECISION_RE.match(w)]
            short = normalize_name(" ".join(words))
            if len(short) >= 5 and short != key and short not in self.exclude:
                self.extra.setdefault(short, name)
        self.prefixes = {key[:n] for key in (*self.known, *self.extra) for n in range(1, len(key) + 1)}

    def _pick(self, key: str, shaped: bool) -> str | None:
        if not key or key in self.exclude:
            return None
        name = self.extra.get(key) if len(key) >= 5 or shaped else None
        if name is None and shaped:
            name = self.known.get(key)
        return name

    def find(self, text: str) -> list[Mention]:
        words = [(m.group(0), m.start(), m.end()) for m in _WORD_RE.finditer(text)]
        keys = [normalize_name(w[0]) for w in words]
        shapes: list[bool | None] = [None] * len(words)

        def shaped(k: int) -> bool:
            if shapes[k] is None:
                shapes[k] = _name_shaped(words[k][0])
            return bool(shapes[k])

        out: list[Mention] = []
        i = 0
        while i < len(words):
            acc = ""
            hit: tuple[str, int] | None = None
            for size in range(1, 5):
                if i + size > len(words):
                    break
                acc += keys[i + size - 1]
                if acc not in self.prefixes:
                    break
                if acc in self.known or acc in self.extra:
                    if size == 1:
                        ok = shaped(i)
                    else:
                        ok = any(shaped(k) for k in range(i, i + size)) or words[i][0][:1].isupper()
                    name = self._pick(acc, ok)
                    if name:
                        hit = (name, size)
            if hit:
                out.append(Mention(hit[0], words[i][1], words[i + hit[1] - 1][2]))
                i += hit[1]
            else:
                i += 1
        return out


def _name_shaped(word: str) -> bool:
    core = re.sub(r"[^A-Za-z0-9]", "", word)
    if len(core) < 2 or _PRECISION_RE.match(word.strip("().,;:")):
        return False
    inner_upper = any(ch.isupper() for ch in core[1:])
    return (
        inner_upper
        or bool(re.search(r"\d", core) and re.search(r"[A-Za-z]", core))
        or (core[0].isupper() and len(core) >= 4 and not core.isalpha())
    )


# --------------------------------------------------------------------------------------------
# Citations: "Tang et al. (2022)" or "[34]" stand for the method their reference names


_AUTHOR_CITE_RE = re.compile(
    r"(?P<surname>[A-Z][A-Za-z\-'’]+)(?:\s+et\s+al\.?|\s+(?:and|&)\s+[A-Z][A-Za-z\-'’]+)?"
    r"(?:\s*\(|,\s*)(?P<year>(?:19|20)\d\d)[a-z]?\b"
)
_NUMBER_CITE_RE = re.compile(r"\[(?P<nums>\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\]")
_REF_TITLE_RE = re.compile(r"(?:[.)?]|\d{4}[a-z]?\.?)\s+(?P<name>[A-Za-z][\w\-+#.()’']{1,30}?):\s")


class CitationResolver:
    """Reads the reference list so that a citation in a sentence counts as a mention of the method
    its reference's title names ("MKQ-BERT: Quantized BERT with ..."). Only registry methods."""

    def __init__(self, references: str, registry: Registry, exclude: Iterable[str] = ()) -> None:
        self.refs = references
        self.registry = registry
        self.exclude = {normalize_name(e) for e in exclude}
        self.cache: dict[tuple[str, str], str | None] = {}

    def _title_name(self, entry: str) -> str | None:
        m = _REF_TITLE_RE.search(entry)
        if not m:
            return None
        name = self.registry.method(m.group("name"))
        if name is None or normalize_name(name) in self.exclude:
            return None
        return name

    def by_author(self, surname: str, year: str) -> str | None:
        key = (surname, year)
        if key not in self.cache:
            found = None
            # the first author opens an entry: "\nTang, H., ..." or "\nElias Frantar, ..."
            start = re.compile(rf"(?:^|\n)(?:[A-Z][\w\-'’]*\.?\s+){{0,3}}{re.escape(surname)},")
            for m in start.finditer(self.refs):
                entry = self.refs[m.start() : m.start() + 600]
                if year in entry[:400]:
                    found = self._title_name(entry)
                    break
            self.cache[key] = found
        return self.cache[key]

    def by_number(self, number: str) -> str | None:
        key = ("#", number)
        if key not in self.cache:
            m = re.search(rf"(?:^|\n)\[{number}\]\s", self.refs)
            self.cache[key] = self._title_name(self.refs[m.end() - 1 : m.end() + 500]) if m else None
        return self.cache[key]

    def find(self, text: str) -> list[Mention]:
        if not self.refs:
            return []
        out: list[Mention] = []
        for m in _AUTHOR_CITE_RE.finditer(text):
            name = self.by_author(m.group("surname"), m.group("year"))
            if name:
                out.append(Mention(name, m.start(), m.end()))
        for m in _NUMBER_CITE_RE.finditer(text):
            numbers = re.findall(r"\d+", m.group("nums"))
            if len(numbers) >= 3 or re.search(r"[–-]", m.group("nums")):
                continue  # "[14, 13, 18, 66]": a body of work, not one method
            for number in numbers:
                name = self.by_number(number)
                if name:
                    out.append(Mention(name, m.start(), m.end()))
        return out


def references_text(pages: Iterable[Any]) -> str:
    """The reference list (up to an appendix heading), lines joined by newlines."""
    lines: list[str] = []
    inside = False
    for page in pages:
        for line in page.text.split("\n"):
            text = line.strip()
            if REFERENCES_RE.match(text):
                inside = True
                continue
            if inside and APPENDIX_RE.match(text) and len(text) < 80 and not re.search(r"\b(?:19|20)\d\d\b", text):
                inside = False
            if inside:
                lines.append(text)
    return "\n".join(lines)


def _mentions(text: str, finder: MentionFinder, citations: CitationResolver | None) -> list[Mention]:
    found = finder.find(text)
    if citations is not None:
        names = {normalize_name(m.name) for m in found}
        found += [m for m in citations.find(text) if normalize_name(m.name) not in names]
        found.sort(key=lambda m: m.start)
    return found


# --------------------------------------------------------------------------------------------
# The paper's own method

_TITLE_PREFIX_RE = re.compile(r"^\s*(?P<name>[^:]{2,40}?)\s*:\s*\S")
_PROPOSE_RE = re.compile(
    r"\b(?:[Ww]e|[Tt]his (?:paper|work))\s+(?:propose|proposes|present|presents|introduce|introduces|develop|"
    r"develops|design|designs|devise|devises|call)\s+(?P<rest>[^.;]{0,300})"
)
_CALLED_RE = re.compile(
    r"\b(?:called|named|dubbed|termed|coined)\s+\(?(?P<name>[A-Za-z][A-Za-z0-9.\-+#()]*[A-Za-z0-9)+#])"
)
_FIRST_WORD_RE = re.compile(
    r"^(?:(?:a|an|the|two|three|several|novel|new|simple|efficient|effective|our|innovative)\s+)*"
    r"(?P<name>[A-Za-z][A-Za-z0-9.\-+#()]*[A-Za-z0-9)+#])"
)
_NAME = r"[A-Z][A-Za-z0-9.\-+#]*[A-Za-z0-9+#]"
_WE_NAME_RE = re.compile(
    rf"\b(?:we\s+(?:call|name|dub|term)|which\s+we\s+(?:call|name|dub|term)|(?:resulting|proposed|new)\s+\w+,?\s+"
    rf"(?:called|named|dubbed|termed))\s+(?:(?:it|this|them|the\s+[\w\-]+(?:\s+[\w\-]+){{0,2}})\s+)?(?:as\s+)?"
    rf"(?:the\s+)?(?P<name>{_NAME}(?:\s+{_NAME}){{0,3}})(?:\s*\((?P<acro>{_NAME})\))?(?=[\s,.;:)]|$)"
)
_INTRODUCES_RE = re.compile(r"\b(?:introduces?|propos(?:e|es|ed)|presents?|new|novel)\b", re.IGNORECASE)
_OUR_METHOD_RE = re.compile(
    r"\b(?:our|Our)\s+(?:proposed\s+)?(?:method|approach|framework|technique|scheme|algorithm|solution)s?,?\s+"
    r"(?P<name>[A-Z][A-Za-z0-9.\-+#()]*[A-Za-z0-9)+#])"
)
_ACRONYM_DEF_RE = re.compile(r"\((?P<name>[A-Za-z][A-Za-z0-9.\-+#]{1,20})\)")


def _title_and_abstract(pages: list[Any], title: str, abstract: str) -> tuple[str, str]:
    first = pages[0].text if pages else ""
    if not title:
        lines = [line.strip() for line in first.split("\n") if line.strip()]
        title = lines[0] if lines else ""
        if len(lines) > 1 and (lines[1][:1].islower() or title.endswith((":", "-")) or lines[0].isupper()):
            title = join_lines(lines[:2])
    if not abstract:
        m = re.search(r"\b(?:Abstract|ABSTRACT)\b", first)
        body = first[m.end() :] if m else first
        abstract = body[:2500]
    return title, abstract


# Acronyms that name a field, a technique family or hardware, never one paper's method.
_GENERIC_NAMES = {
    "llm", "llms", "dnn", "dnns", "cnn", "cnns", "rnn", "rnns", "gpu", "gpus", "cpu", "cpus", "tpu", "npu", "dram",
    "sram", "ssd", "hbm", "nlp", "ai", "ml", "cv", "nmt", "asr", "sota", "api", "flops", "ptq", "qat", "kd", "mlp",
    "ffn", "moe", "ppl", "glue", "bert", "transformer", "transformers", "fp", "int", "ieee", "cuda", "lut", "gemm",
    "gemv", "matmul", "kv", "pdf", "e2e", "us", "it", "this", "these", "our", "new", "novel",
}  # fmt: skip


def _accept_name(name: str, registry: Registry) -> str | None:
    name = name.strip(" .,;:")
    name = re.sub(r"\(\)$", "()", name)
    if not name or len(name) > 40 or _PRECISION_RE.match(name) or name.lower() in _GENERIC_NAMES:
        return None
    if re.fullmatch(r"[a-z][a-z\-]+\d", name):
        return None  # "mixed-precision2": a word with its footnote mark
    if find_models(name) and normalize_name(find_models(name)[0]) == normalize_name(name):
        return None
    known = registry.method(name)
    if known:
        return None if known == registry.method("FP16") else known
    if looks_like_name(name) and not _PRECISION_RE.match(name):
        return name
    return None


def _proposal_names(clause: str, registry: Registry) -> list[str]:
    """Names in what follows "we propose": "X, a ...", "... (called X)", "a scaling method (AQAS) and a
    calibration (SLAC)", or a registry name spelled out ("per-embedding-group quantization")."""
    names: list[str] = []
    first = _FIRST_WORD_RE.match(clause)
    if first:
        name = _accept_name(first.group("name"), registry)
        if name:
            return [name]
    for regex in (_CALLED_RE, _ACRONYM_DEF_RE):
        for m in regex.finditer(clause):
            name = _accept_name(m.group("name"), registry)
            if name and name not in names:
                names.append(name)
    if not names:
        name = _registry_span(clause, registry)
        if name:
            names.append(name)
    return names


def _registry_span(text: str, registry: Registry) -> str | None:
    words = text.split()
    for size in (5, 4, 3, 2):
        for i in range(len(words) - size + 1):
            span = " ".join(words[i : i + size]).strip(",;:()")
            name = registry.method(span)
            if name and not _PRECISION_RE.match(span) and name != registry.method("FP16"):
                return name
    return None


_MARKED_OURS_RE = re.compile(r"^(?P<name>\S.*?)\s*\(\s*(?:ours|proposed)\s*\)\W*$", re.IGNORECASE)


def _table_labels(pages: list[Any]) -> list[str]:
    """The row labels and header cells of every table, in reading order."""
    labels: list[str] = []
    for page in pages:
        for table in page.tables:
            for row in table.grid.rows:
                labels.extend(row.labels if row.kind != "header" else [c.text for c in row.cells])
    return [label for label in labels if label]


def _given_name(name: str, registry: Registry) -> str | None:
    """A plain capitalised word the paper names its own work with ("Guanaco"), or None."""
    name = name.strip(" .,;:")
    if not re.fullmatch(r"[A-Z][a-z]{2,}[A-Za-z0-9\-]*", name) or name.lower() in _GENERIC_NAMES:
        return None
    if find_models(name) or registry.benchmark(name):
        return None
    return name


def _introduced_acronyms(abstract: str, registry: Registry) -> list[str]:
    """ "(a) 4-bit NormalFloat (NF4), a new data type": acronyms defined where the abstract lists
    what the paper introduces."""
    found: list[str] = []
    for sentence in split_sentences(abstract):
        if not _INTRODUCES_RE.search(sentence):
            continue
        for m in _ACRONYM_DEF_RE.finditer(sentence):
            name = _accept_name(m.group("name"), registry)
            if name and name not in found and not registry.method(name) and _PRECISION_RE.match(name) is None:
                found.append(name)
    return found


def proposed_methods(pages: list[Any], registry: Registry, title: str = "", abstract: str = "") -> list[str]:
    """The paper's own method names: a "Name:" title prefix, then "we propose X" / "our method, X"
    in the abstract and the first two pages."""
    title, abstract = _title_and_abstract(pages, title, abstract)
    found: list[str] = []
    m = _TITLE_PREFIX_RE.match(title)
    if m:
        prefix = m.group("name").strip()
        words = prefix.split()
        if len(words) <= 3 and not any(
            w.lower() in {"the", "a", "an", "of", "for", "on", "is", "to", "and"} for w in words
        ):
            name = _accept_name(prefix, registry) or (prefix if len(words) == 1 and prefix[:1].isupper() else None)
            if name:
                found.append(name)
    early = " ".join([abstract] + [join_lines(p.text.split("\n")) for p in pages[:2]])
    for m in _PROPOSE_RE.finditer(early):
        for name in _proposal_names(m.group("rest"), registry):
            if name not in found:
                found.append(name)
    for m in _OUR_METHOD_RE.finditer(early):
        name = _accept_name(m.group("name"), registry)
        if name and name not in found:
            found.append(name)
    # "we call the unified framework the Optimal Brain Compressor (OBC)", "which we call ExactOBS",
    # "the resulting algorithm, called the Optimal Brain Quantizer (OBQ)": names the paper gives
    # its own methods anywhere before the experiments.
    body = " ".join(join_lines(p.text.split("\n")) for p in pages[:8])
    for m in _WE_NAME_RE.finditer(f"{abstract} {body}"):
        given = m.group("acro") or m.group("name")
        # "which we name Guanaco": a name the paper gives, however plainly it is spelled.
        name = _accept_name(given, registry) or _given_name(given, registry)
        if name and name not in found and not registry.method(name):
            found.append(name)
    for name in _introduced_acronyms(abstract, registry):
        if name not in found:
            found.append(name)
    # "... Activation-aware Weight Quantization (AWQ)": an acronym defined in the title or abstract
    if not found:
        for m in _ACRONYM_DEF_RE.finditer(title + " " + abstract[:1200]):
            name = _accept_name(m.group("name"), registry)
            if name:
                found.append(name)
                break
    # "i-GELU (Ours)": a row or column of a table that the paper marks as its own.
    for label in _table_labels(pages):
        marked = _MARKED_OURS_RE.match(label)
        name = _accept_name(marked.group("name"), registry) if marked else None
        if name and name not in found and not registry.method(name):
            found.append(name)
    # Drop a generic word picked up from "we propose a simple ...".
    out: list[str] = []
    for name in found:
        if normalize_name(name) not in {normalize_name(x) for x in out}:
            out.append(name)
    return out[:5]


# --------------------------------------------------------------------------------------------
# Critiques

_CUES = [
    r"cannot", r"can not", r"can't", r"unable to", r"fail(?:s|ed)? to", r"fail(?:s|ed)?\b", r"failure",
    r"(?:does|do) not scale", r"not scalable", r"(?:may|might) not (?:easily )?scale",
    r"not (?:hardware[- ])?(?:friendly|efficient)", r"not good enough", r"not suitable", r"not applicable",
    r"not practical", r"impractical", r"inefficien(?:t|cy)", r"hardware[- ]inefficient",
    r"suffer(?:s|ed|ing)?\b", r"struggl(?:e|es|ed|ing)\b", r"limitations?\b", r"drawbacks?\b", r"shortcomings?\b",
    r"weakness(?:es)?\b", r"degrad(?:e|es|ed|ing|ation)\b", r"deteriorat\w*", r"drops? in (?:accuracy|performance)",
    r"accuracy (?:drop|loss|degradation)s?", r"significant(?:ly)? (?:accuracy )?(?:drop|loss|degrad\w*)",
    r"(?:fully |completely )?los(?:es|e|t) (?:all |much |significant )?(?:accuracy|performance)",
    r"collaps(?:e|es|ed)\b", r"crash(?:es|ed)?\b", r"breaks? down", r"hardly", r"time-consuming",
    r"prohibitive(?:ly)?", r"(?:is|are) (?:too |very |extremely )?(?:slow|costly|expensive)", r"reli(?:es|ed) on",
    r"rely(?:ing)? on", r"unstable", r"instability", r"error-prone", r"sub-?optimal", r"poor(?:ly)?\b",
    r"worse\b", r"irregular memory", r"negative impact", r"bottleneck", r"over-?fit\w*", r"not (?:robust|accurate)",
    r"(?:does|do|did) not (?:work|generalize|achieve|perform|handle|support|address|consider|outperform)",
    r"(?:is|are) (?:only )?limited", r"lacks?\b", r"lack of", r"ignor(?:e|es|ed|ing)\b", r"overlook(?:s|ed)?\b",
    r"neglect(?:s|ed)?\b", r"off by", r"biased", r"non-trivial (?:overhead|cost)", r"expensive",
    r"(?:considerably |significantly |much )?less (?:accurate|efficient|stable|robust)", r"reduces? (?:the )?flexibility",
    r"(?:larger|higher|bigger) (?:accuracy )?(?:drop|loss|error)s?", r"takes? (?:about |roughly )?\w+ (?:times |×\s*)?as long",
    r"(?:much |significantly |considerably )?slower\b",
]  # fmt: skip
_CUE_RE = re.compile(r"\b(?:" + "|".join(_CUES) + r")", re.IGNORECASE)
_OBJECT_CUE_RE = re.compile(
    r"\b(?:limitations?|drawbacks?|shortcomings?|weakness(?:es)?|problems?|issues?|lack)\s+(?:of|with|in)\s+",
    re.IGNORECASE,
)
_NEGATED_RE = re.compile(
    r"(?:\b(?:not|no|without|never|n't|nor|free of|avoid\w*|negligible|minimal|little|less|minor|slight|only|few|"
    r"small|marginal|prevent\w*|reduc\w*|mitigat\w*|alleviat\w*|address\w*|overcom\w*|solv\w*|eliminat\w*|"
    r"resolv\w*|tackl\w*|fix\w*)\s+(?:\w+\s+){0,2}|\bzero-)$",
    re.IGNORECASE,
)
_PRONOUN_START_RE = re.compile(
    r"^(?:(?:However|But|Moreover|Furthermore|Also|Unfortunately|Yet|Still),?\s+)?(?:it|they|this|these|such|its|their)\b",
    re.IGNORECASE,
)
_OUR_SUBJECT_RE = re.compile(r"\b(?:our|we|ours)\b", re.IGNORECASE)
_FRAME_RE = re.compile(r"^(?:For|With|Using|Under|Compared (?:to|with)|Unlike|Similar to|As for)\b[^,;]{0,80},")
_CLAUSE_BREAK_RE = re.compile(r"\b(?:because|since|while|whereas|although|though|unless)\b", re.IGNORECASE)
_PRAISE_RE = re.compile(
    r"\b(?:(?:is|are|remains?|stays?)\s+(?:\w+\s+){0,2}(?:strong|competitive|good|effective|robust|accurate|"
    r"state-of-the-art)|(?:strong|competitive|solid)\s+baselines?)\b",
    re.IGNORECASE,
)
_WE_BEAT_RE = re.compile(
    r"\b(?:we|our\s+(?:\w+\s+){0,3}?(?:method|approach|kernels?|implementation|model|framework))\s+(?:\w+\s+){0,2}?"
    r"(?:outperform|surpass|beat|exceed)\w*",
    re.IGNORECASE,
)


def _praised_or_beaten(text: str, cue_start: int) -> bool:
    """The sentence praises a method before its cue, or is a comparison our method wins."""
    return bool(_PRAISE_RE.search(text[:cue_start]) or _WE_BEAT_RE.search(text))


# "our 4-bit and 5-bit Float results": a name the paper uses for its own runs, not another's method.
# "replacing GELU with h-GELU results in a drop": the weakness is the replacement's, not the original's.
_REPLACED_RE = re.compile(r"\b(?:replac(?:e|es|ed|ing)|substitut(?:e|es|ed|ing)|swapp(?:ed|ing))\s+(?:the\s+)?$", re.I)
_OUR_OWN_RE = re.compile(r"\bour\s+(?:[\w.-]+\s+){0,4}$", re.IGNORECASE)


def critiques(
    sentences: list[Sentence], finder: MentionFinder, proposed: list[str], citations: CitationResolver | None = None
) -> list[CritiqueClaim]:
    own = {normalize_name(p) for p in proposed}
    out: list[CritiqueClaim] = []
    seen: set[tuple[str, str]] = set()
    previous: list[Mention] = []
    for s in sentences:
        mentions = _foreign_mentions(s.text, finder, citations, own)
        for m in _critique_targets(s.text, mentions, previous):
            # One critique per method and page, and a sentence the paper prints twice (a summary
            # repeated in related work) is one critique, not two.
            keys = {(normalize_name(m.name), str(s.page)), (normalize_name(m.name), " ".join(tokens(s.text)))}
            if keys & seen:
                continue
            seen |= keys
            out.append(
                CritiqueClaim(
                    method=m.name,
                    provenance=Provenance(s.page, s.section or f"p. {s.page}", s.text[:600], 0.55),
                    section=s.section,
                )
            )
        if mentions:
            # "Our method does not rely on [17] ...": what "it" means next is our method
            ours_first = _OUR_SUBJECT_RE.search(s.text[: mentions[0].start])
            previous = [] if ours_first else mentions
        elif not _PRONOUN_START_RE.match(s.text):
            previous = []
    return out


def _foreign_mentions(
    text: str, finder: MentionFinder, citations: CitationResolver | None, own: set[str]
) -> list[Mention]:
    """The methods a sentence names that are not the paper's own, nor our runs of them, nor what
    something replaced."""

    def foreign(m: Mention) -> bool:
        key = normalize_name(m.name)
        return key not in own and not any(key.startswith(p) or p.startswith(key) for p in own if p)

    return [
        m
        for m in _mentions(text, finder, citations)
        if foreign(m)
        and not _OUR_OWN_RE.search(text[max(0, m.start - 60) : m.start])
        and not _REPLACED_RE.search(text[max(0, m.start - 30) : m.start])
    ]


def _critique_targets(text: str, mentions: list[Mention], previous: list[Mention]) -> list[Mention]:
    """The methods a sentence states a weakness of: the names before its cue, the objects of
    "limitations of X", or, for a sentence that starts with "it"/"they", the previous sentence's."""
    frame = _FRAME_RE.match(text)
    # "For symmetric quantization, ...": a name in a leading frame is not what the sentence judges.
    subjects = [m for m in mentions if frame is None or m.start >= frame.end()]
    cue = _weakness_cue(text, subjects)
    targets: list[Mention] = []
    if cue is not None and _praised_or_beaten(text, cue.start()):
        cue = None  # "RTN is already quite strong", "we outperform X since it relies on": not a weakness
    if cue is not None:
        targets = [m for m in subjects if m.end <= cue.start()]
        if targets and _OUR_SUBJECT_RE.search(text[targets[-1].end : cue.start()]):
            targets = []  # "X ... while ours does not suffer": the cue is about our method
        if targets and _CLAUSE_BREAK_RE.search(text[targets[-1].end : cue.start()]):
            targets = []  # "due to outliers [13] or because the test is not accurate": another subject
        for obj in _OBJECT_CUE_RE.finditer(text):
            targets += [m for m in mentions if 0 <= m.start - obj.end() <= 40]
        if not mentions and _PRONOUN_START_RE.match(text) and 1 <= len(previous) <= 3:
            targets = list(previous)
    return targets


def _weakness_cue(text: str, subjects: list[Mention]) -> re.Match[str] | None:
    """The cue of a weakness the sentence states, not negated ("no accuracy loss")."""
    cue = None
    for m in _CUE_RE.finditer(text):
        if _NEGATED_RE.search(text[: m.start()]):
            continue
        cue = cue or m
        if any(x.end <= m.start() for x in subjects):
            cue = m  # the first weakness stated after a name ("patterns in X kernels are not friendly")
            break
    return cue


# --------------------------------------------------------------------------------------------
# "Beats" from sentences

BEAT_VERB_RE = re.compile(
    r"\b(?:(?:consistently|significantly|clearly|substantially|further|also|greatly|largely|even|still|"
    r"always|notably|can|could|to|generally)\s+)*"
    r"(?:outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|beat(?:s|ing)?|exceed(?:s|ed|ing)?|"
    r"improve(?:s|d)?\s+(?:up)?on|improve(?:s|d)?\s+over|improves?\s+the\s+(?:\w+\s+){0,4}(?:from|of|over)|"
    r"(?:is|are|performs?|works?)\s+(?:\w+\s+)?(?:better|faster|more accurate|superior)\s+(?:than|to)|"
    r"better\s+than|achieves?\s+(?:a\s+|much\s+|significantly\s+)?(?:better|higher|lower|superior)\s+(?:\w+\s+){0,3}"
    r"(?:than|compared\s+(?:to|with)|over))\b",
    re.IGNORECASE,
)
_SUBJECT_RE = re.compile(
    r"\b(?:ours|our\s+(?:\w+\s+){0,3}?(?:method|approach|framework|technique|scheme|algorithm|pipeline|"
    r"kernels?|implementation|model|solution|inference|design)s?|we)\b",
    re.IGNORECASE,
)
_CLAUSE_END_RE = re.compile(
    r";|\bwhile\b|\bwhereas\b|, but\b|\bhowever\b|\bexcept\b|\bby (?:using|applying|adopting|introducing)\b|"
    r"\busing\b|\bvia\b|\bthrough\b|\bwith the help\b",
    re.IGNORECASE,
)


def compared_systems(pages: list[Any], registry: Registry) -> list[str]:
    """The names a paper's tables print as row headers that may be systems it compares with ("Bard",
    "Alpaca"): capitalised, not a model, a task, a number format or a statistic."""
    labels = [
        label.strip()
        for page in pages
        for table in page.tables
        for row in table.grid.rows
        if row.kind == "body"
        for label in row.labels
    ]
    return list(dict.fromkeys(label for label in labels if _system_name(label, registry)))


def _system_name(label: str, registry: Registry) -> bool:
    if not re.fullmatch(r"[A-Z][A-Za-z]{2,}(?:[ -][A-Z][A-Za-z]+)?", label):
        return False
    if find_models(label) or registry.benchmark(label) or _PRECISION_RE.match(label):
        return False
    return label.lower() not in _GENERIC_NAMES and label.lower() not in _NOT_SYSTEMS


_OBJECT_END_RE = re.compile(r"\b(?:on|of|by|in|for|at|with|to|from|across|under|when)\b|[,;:()]")
_NOT_SYSTEMS = {"average", "mean", "median", "total", "baseline", "ours", "none", "all", "full", "base", "dense"}


def _system_objects(text: str, start: int, end: int, systems: list[str], own: set[str]) -> list[Mention]:
    """Systems the tables print (``compared_systems``), named as printed right after a verb of
    winning, before any preposition or comma ("Guanaco 13B scores better than Bard"); not those
    whose names are in ``own`` (the paper's, or already found)."""
    cut = _OBJECT_END_RE.search(text, start, end)
    end = cut.start() if cut else end
    found = []
    for name in systems:
        if normalize_name(name) in own:
            continue
        for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text[start:end]):
            found.append(Mention(name, start + m.start(), start + m.end()))
            break
    return found


def sentence_beats(
    sentences: list[Sentence],
    finder: MentionFinder,
    proposed: list[str],
    citations: CitationResolver | None = None,
    systems: list[str] | None = None,
) -> list[BeatsClaim]:
    """What the paper's sentences say its method beats: a method the registry, a table or a citation
    names, or a system its tables print (``systems``), after a verb of winning."""
    if not proposed:
        return []
    own = {normalize_name(p) for p in proposed}
    main = proposed[0]
    out: list[BeatsClaim] = []
    for s in sentences:
        for verb in BEAT_VERB_RE.finditer(s.text):
            before = s.text[: verb.start()]
            mentions = _mentions(s.text, finder, citations)
            subject_own = [m for m in mentions if m.end <= verb.start() and normalize_name(m.name) in own]
            subject_other = [m for m in mentions if m.end <= verb.start() and normalize_name(m.name) not in own]
            ours = list(_SUBJECT_RE.finditer(before))
            if subject_own:
                subject = subject_own[-1].name
                last_subject_end = subject_own[-1].end
            elif ours:
                subject = main
                last_subject_end = ours[-1].end()
            else:
                continue
            # Another method between our subject and the verb is the verb's real subject.
            if any(m.start >= last_subject_end for m in subject_other):
                continue
            after = s.text[verb.end() :]
            stop = _CLAUSE_END_RE.search(after)
            window_end = verb.end() + (stop.start() if stop else len(after))
            objects = [
                m
                for m in mentions
                if verb.end() <= m.start < window_end
                and normalize_name(m.name) not in own
                and not any(normalize_name(m.name).startswith(p) for p in own if p)
            ]
            if subject_own and systems:  # against a method named as ours, not a bare "we"
                found = own | {normalize_name(m.name) for m in objects}
                objects += _system_objects(s.text, verb.end(), window_end, systems, found)
            for m in objects:
                out.append(
                    BeatsClaim(
                        method=subject,
                        baseline=m.name,
                        provenance=Provenance(s.page, s.section or f"p. {s.page}", s.text[:600], 0.6),
                        evidence="sentence",
                    )
                )
    return out


# --------------------------------------------------------------------------------------------
# The model a section is about


def section_models(sentences: list[Sentence], locators: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """For each table, the one model (with its size) that the text of its section names, if only
    one: "We also test 8-bit finetuning on RoBERTa-large ..." above a table without a model."""
    by_section: dict[str, list[str]] = {}
    for s in sentences:
        if s.section:
            by_section.setdefault(s.section, []).extend(
                m
                for m in find_models(s.text)
                if not FAMILY_ONLY.match(m) and re.search(r"\d|base|large|small", m, re.I)
            )
    out: dict[tuple[int, str], str] = {}
    for page, locator in locators:
        caption = next(
            (s for s in sentences if s.page == page and re.match(re.escape(locator) + r"\s*[:.]", s.text)), None
        )
        if caption is None or not caption.section:
            continue
        models = list(dict.fromkeys(by_section.get(caption.section, [])))
        if len(models) == 1:
            out[(page, locator)] = models[0]
    return out


# --------------------------------------------------------------------------------------------
# Everything the text gives


@dataclass
class TextAnalysis:
    proposed: list[str]
    weight_only: bool | None
    critiques: list[CritiqueClaim] = field(default_factory=list)
    beats: list[BeatsClaim] = field(default_factory=list)
    candidates: list[tuple[str, Provenance]] = field(default_factory=list)
    table_models: dict[tuple[int, str], str] = field(default_factory=dict)


def own_method_bits(pages: list[Any], title: str = "", abstract: str = "") -> tuple[int, int | None] | None:
    """The bits a paper's own method runs at when its title and abstract say them: (weights,
    activations or None). "a frozen, 4-bit quantized pretrained language model" -> (4, None);
    "Quantized BERT with 4-bits Weights and Activations" -> (4, 4). None when they say none."""
    head, summary = _title_and_abstract(pages, title, abstract)
    text = f"{head} {summary}"
    bits_re = r"\b(\d{1,2})[- ]?bits?\b"
    counts = Counter(int(b) for b in re.findall(bits_re, text, re.IGNORECASE))
    counts.update({int(b): 2 for b in re.findall(bits_re, head, re.IGNORECASE)})  # the title says it loudest
    counts = Counter({b: n for b, n in counts.items() if 1 <= b < 16})
    if not counts:
        return None
    bits = counts.most_common(1)[0][0]
    both = re.search(rf"\b{bits}[- ]?bits?\s+(?:\w+\s+){{0,2}}weights?\s+and\s+activations?", text, re.IGNORECASE)
    return bits, bits if both else None


def is_weight_only(pages: list[Any]) -> bool | None:
    """Whether a bare "INT4" in this paper means weights only (True), weights and activations
    (False), or cannot be told (None): from how often it says "weight-only" and how its explicit
    WxAy settings quantize activations."""
    text = " ".join(p.text for p in pages)
    weight_only = len(re.findall(r"weight[- ]only", text, re.IGNORECASE))
    explicit = [int(a) for a in re.findall(r"\bW\d+A(\d+)", text)]
    quantized = sum(1 for a in explicit if a < 16)
    if weight_only >= 3 and weight_only >= quantized:
        return True
    if quantized >= 3 and quantized > len(explicit) - quantized:
        return False
    return None


def analyse_text(
    pages: list[Any],
    registry: Registry,
    *,
    title: str = "",
    abstract: str = "",
    table_methods: Iterable[str] = (),
    table_locators: Iterable[tuple[int, str]] = (),
) -> TextAnalysis:
    proposed = proposed_methods(pages, registry, title, abstract)
    fp = registry.method("FP16")
    finder = MentionFinder(registry, extra=[*table_methods, *proposed], exclude=[fp] if fp else [])
    sentences = page_sentences(pages)
    result = TextAnalysis(proposed=proposed, weight_only=is_weight_only(pages))
    citations = CitationResolver(references_text(pages), registry, exclude=[fp] if fp else [])
    result.critiques = critiques(sentences, finder, proposed, citations)
    result.beats = sentence_beats(sentences, finder, proposed, citations, compared_systems(pages, registry))
    result.table_models = section_models(sentences, table_locators)
    for name in proposed:
        if not registry.method(name):
            page = next((p.number for p in pages if name in p.text), 1)
            result.candidates.append((name, Provenance(page, "title" if page == 1 else "", name, 0.5)))
    return result


# --------------------------------------------------------------------------------------------
# Which task each model is evaluated on, when the paper says so


_ON_TASK_RE = re.compile(r"\bon\s+(?:the\s+)?(?P<name>[A-Z][\w\-.]*[\w](?:\s+[A-Z][\w\-]*[\w])?)")
_NOT_TASK_RE = re.compile(
    r"^(?:GPUs?|CPUs?|TPUs?|[AHVT]\d{2,3}|RTX|NVIDIA|Intel|AMD|Figure|Fig|Table|Section|Sec|Appendix|Eq|"
    r"Equation|Algorithm|Alg|Page|Line|Top|Average|Avg|It|This|These|The|A|An)\b",
)


def model_tasks(sentences: Iterable[Sentence], registry: Registry) -> dict[str, tuple[str, Any]]:
    """The task each model family is evaluated on, where a sentence pairs them: "ResNet ... for
    image classification on ImageNet, YOLOv5 ... on COCO" -> {"resnet": ("ImageNet", info), ...}.
    Keys are normalised family names; the first pairing in the paper wins."""
    out: dict[str, tuple[str, Any]] = {}
    for sentence in sentences:
        text = sentence.text
        found = [(m.start(), m.group(0)) for m in MODEL_RE.finditer(text)]
        for k, (start, name) in enumerate(found):
            end = found[k + 1][0] if k + 1 < len(found) else len(text)
            m = _ON_TASK_RE.search(text, start + len(name), end)
            if m is None or m.start() - (start + len(name)) > 60:
                continue
            task = m.group("name").rstrip(".")
            info = registry.benchmark(task) or registry.benchmark(task.split()[0])
            if info is None and (_NOT_TASK_RE.match(task) or find_models(task) or not looks_like_name(task.split()[0])):
                continue
            shown = task if info is None or registry.benchmark(task) else task.split()[0]
            key = normalize_name(family_of(name))
            if key:
                out.setdefault(key, (shown, info))
    return out


def usual_activations(pages: list[Any]) -> dict[int, int]:
    """For each weight bit width, the activation bits the paper's explicit settings most often pair
    with it ("W4A8" twelve times, "W4A16" once -> {4: 8})."""
    pairs = Counter((int(w), int(a)) for w, a in re.findall(r"\bW(\d{1,2})A(\d{1,2})", " ".join(p.text for p in pages)))
    out: dict[int, int] = {}
    for (w, a), _ in pairs.most_common():
        out.setdefault(w, a)
    return out


def usual_tasks(sentences: Iterable[Sentence], registry: Registry) -> dict[str, tuple[str, Any]]:
    """The registry task the paper names most often per metric ({"perplexity": ("WikiText", info)})."""
    counts: Counter[tuple[str, str]] = Counter()
    shown: dict[str, tuple[str, Any]] = {}
    for sentence in sentences:
        for word in set(re.findall(r"[A-Za-z][\w\-]*\d?", sentence.text)):
            info = registry.benchmark(word)
            if info is not None and info.metric == "perplexity" and len(word) > 2:
                counts[("perplexity", info.name)] += 1
                shown.setdefault(info.name, (word, info))
    out: dict[str, tuple[str, Any]] = {}
    for (metric, name), n in counts.most_common():
        if n >= 2:
            out.setdefault(metric, shown[name])
    return out
