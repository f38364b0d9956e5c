"""A paper's summary read from its own text (pure: no Django, no database).

Pages are cleaned first (footnotes, running heads, page numbers dropped; a sentence cut by a page
break or a float joined again), then split by the reading library (`page_sentences`, the one
sentence splitter), each sentence keeping its page, its section and the run-in heading in force
("Limitations.", "Advantages."). The selections below pick sentences by general cues only: section
headings, cue phrases, and the paper's own method names from its receipts. Never by paper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from worker.reading.quotes import find_quote, normalise, tokens
from worker.reading.text import is_prose, page_sentences, sentence_breaks, split_sentences

CONTRIBUTION_CUES = re.compile(
    r"\b(we (propose|present|introduce|develop)|this (paper|work) (proposes|presents|introduces))\b", re.I
)
NUMBER = re.compile(r"\d")


def sentences(text: str) -> list[str]:
    return split_sentences(" ".join(text.split()))


CONCLUSION_HEADING = re.compile(
    r"^\s*(\d+\.?\s*)?(conclusions?|concluding remarks|summary and conclusion)\b", re.I | re.M
)
SECTION_END = re.compile(r"^\s*(references|acknowledg(e)?ments?|bibliography|appendix|limitations)\b", re.I | re.M)


def conclusion_text(pages: Iterable[tuple[int, str]]) -> str:
    """The conclusion section's text, from its heading to the references (or the next end marker)."""
    text = "\n".join(t for _, t in pages)
    # The last heading is the section, not a mention in the introduction's outline.
    heading = next(reversed(list(CONCLUSION_HEADING.finditer(text))), None)
    if heading is None:
        return ""
    rest = text[heading.end() :]
    end = SECTION_END.search(rest)
    return rest[: end.start() if end else 4000][:6000]


# --------------------------------------------------------------------------------------------
# Located sentences


@dataclass(frozen=True)
class Located:
    """A sentence of the paper where it is printed: page, section and run-in heading ("topic")."""

    index: int
    page: int | None
    section: str
    topic: str
    text: str
    caption: bool = False
    chapter: str = ""  # the top-level section a subsection belongs to
    boilerplate: bool = False  # a venue's checklist, not the paper's own words

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "page": self.page, "section": self.where}

    @property
    def where(self) -> str:
        return " · ".join(part for part in (self.section, self.topic) if part)


@dataclass(frozen=True)
class PageText:
    number: int
    text: str


FOOTNOTE_RE = re.compile(r"^[∗*†‡§¶]+(?:\s|$|(?=[A-Za-z]))")
RUNNING_HEAD_RE = re.compile(
    r"^(?:Preprint\b|Under review\b|Published as\b|Accepted (?:at|to|as|by)\b|Proceedings of\b|"
    r"arXiv:\d{4}\.\d{4,5}(?:v\d+)?\s*\[)",
    re.I,
)
PAGE_NUMBER_RE = re.compile(r"^(?:page\s+)?\d{1,3}$", re.I)
URL_LINE_RE = re.compile(r"^(?:https?://|www\.)\S+$")
HEADING_LIKE_RE = re.compile(r"^(?P<num>\d+(?:\.\d+){0,3})\.?\s+(?P<title>[A-Z][^.]{2,90})$")
HEADING_ODD_CHARS = re.compile(r"[^A-Za-z0-9 ,:&\-–/()']")
ENDS_SENTENCE = re.compile(r"[.!?][\"”’)\]]?$")


def clean_page(text: str) -> list[str]:
    """The page's lines without footnotes, running heads, page numbers and bare links; a numbered
    heading with characters the reading library does not take in a title ("1%") is tidied so it
    still starts a section rather than running into the next sentence."""
    kept: list[str] = []
    footnote = 0  # lines of a footnote dropped so far (0: not in one)
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or RUNNING_HEAD_RE.match(line) or PAGE_NUMBER_RE.match(line):
            continue
        if FOOTNOTE_RE.match(line) or footnote:
            footnote += 1
            ended = ENDS_SENTENCE.search(line) or URL_LINE_RE.match(line) or footnote >= 3
            footnote = 0 if ended else footnote
            continue
        if URL_LINE_RE.match(line):
            continue
        kept.append(_tidy_heading(line))
    return kept


def _tidy_heading(line: str) -> str:
    match = HEADING_LIKE_RE.match(line)
    if match is None or not HEADING_ODD_CHARS.search(match["title"]) or ENDS_SENTENCE.search(line):
        return line
    words = match["title"].split()
    long_words = [w for w in words if len(w) > 3]
    if len(words) > 12 or sum(w[0].isupper() for w in long_words) < 0.6 * max(1, len(long_words)):
        return line
    return f"{match['num']} {' '.join(HEADING_ODD_CHARS.sub('', match['title']).split()[:9])}"


def _continuation(lines: list[str]) -> int | None:
    """Where a sentence cut at the previous page's end goes on: the first prose line that starts in
    lower case and does not itself continue a line before it (a figure or a table may come first)."""
    for k, line in enumerate(lines[:60]):
        if line[:1].islower() and is_prose(line) and (k == 0 or ENDS_SENTENCE.search(lines[k - 1])):
            return k
    return None


def join_cut_sentences(pages: list[list[str]]) -> None:
    """Move the end of a sentence cut by a page break (or by a float at the top of the next page)
    back to the page where the sentence starts, so it is read whole and located where it begins."""
    for n in range(1, len(pages)):
        before, after = pages[n - 1], pages[n]
        if not before or not after or ENDS_SENTENCE.search(before[-1]) or not is_prose(before[-1]):
            continue
        start = _continuation(after)
        if start is None:
            continue
        for end in range(start, min(start + 8, len(after))):
            breaks = sentence_breaks(after[end])
            if breaks or ENDS_SENTENCE.search(after[end]):
                cut, resume = breaks[0] if breaks else (len(after[end]), len(after[end]))
                before.extend([*after[start:end], after[end][:cut]])
                rest = after[end][resume:].strip()
                after[start : end + 1] = [rest] if rest else []
                break


def clean_pages(pages: Iterable[tuple[int, str]]) -> list[PageText]:
    numbered = sorted(pages)
    lines = [clean_page(text) for _, text in numbered]
    join_cut_sentences(lines)
    return [PageText(number, "\n".join(page)) for (number, _), page in zip(numbered, lines, strict=True)]


RUN_IN_RE = re.compile(r"^(?P<head>[A-Z][^.!?:;]{1,60})[.:]$")
RUN_IN_COLON_RE = re.compile(r"^(?P<head>[A-Z][A-Za-z\-’' ]{2,40}):\s+[A-Z]")
CAPTION_START_RE = re.compile(r"^(?:Figure|Fig\.|Table|Tab\.)\s*[A-Z]?\d|^(?:Left|Right|Top|Bottom)\s*:", re.I)


# "This has Θ(n) time complexity.": a short sentence, not a heading.
NOT_A_HEADING = re.compile(
    r"^(?:this|it|we|they|these|those|our|that|there|he|she|its)\b|\b(?:is|are|was|were|has|have|can|will|does|do)\b",
    re.I,
)


def _run_in(text: str) -> tuple[str, bool] | None:
    """A run-in heading: ("Limitations", True) for a sentence that is only the heading,
    ("Limitations", False) for "Limitations: Despite ..."; None for an ordinary sentence."""
    if CAPTION_START_RE.match(text):
        return None
    whole = RUN_IN_RE.match(text)
    if whole and len(text.split()) <= 6 and not NUMBER.search(text) and not NOT_A_HEADING.search(text):
        return whole["head"].strip(), True
    colon = RUN_IN_COLON_RE.match(text)
    if colon and len(colon["head"].split()) <= 4 and TOPIC_WORDS.search(colon["head"]):
        return colon["head"].strip(), False
    return None


# A venue's paper checklist (NeurIPS and others) follows the paper: its "Limitations" item is a question.
CHECKLIST_RE = re.compile(r"\bpaper checklist\b", re.I)
SECTION_NUMBER_RE = re.compile(r"^§?([\dA-H]+)(\.\d+)*\s")


def _chapter(section: str, chapters: dict[str, str]) -> str:
    """The top-level section `section` belongs to ("§2 Method" for "§2.1 ..."), as far as seen."""
    number = SECTION_NUMBER_RE.match(section)
    if number is None:
        return ""
    if not number.group(2):
        chapters[number.group(1)] = section
    return chapters.get(number.group(1), "")


def located_sentences(pages: Iterable[tuple[int, str]]) -> list[Located]:
    """The paper's sentences in reading order, each with its page, section (and the top-level
    section it belongs to) and run-in heading; a caption's opening sentences are marked (they
    describe a figure or a table, not the paper's argument)."""
    out: list[Located] = []
    section, topic, chapter, in_caption = None, "", "", False
    chapters: dict[str, str] = {}
    checklist = False
    for sentence in page_sentences(clean_pages(pages)):
        checklist = checklist or bool(CHECKLIST_RE.search(sentence.text))
        if sentence.section != section:
            section, topic = sentence.section, ""
            chapter = _chapter(section, chapters)
        heading = _run_in(sentence.text)
        if heading is not None:
            topic = heading[0]
            if heading[1]:
                continue
        starts_caption = bool(CAPTION_START_RE.match(sentence.text))
        # "Figure 3." alone starts a caption; its next sentence is the caption's text.
        caption = starts_caption or in_caption
        in_caption = starts_caption and len(sentence.text.split()) <= 3
        located = Located(len(out), sentence.page, sentence.section, topic, sentence.text, caption, chapter, checklist)
        out.append(located)
    return out


def abstract_sentences(abstract: str, pages: Iterable[tuple[int, str]]) -> list[Located]:
    """The abstract's sentences (as arXiv gives them), each located on the page that prints it."""
    first_pages = sorted(pages)[:2]
    out = []
    for i, text in enumerate(sentences(abstract)):
        match = find_quote(text, first_pages, threshold=0.8) if first_pages else None
        page = match.page if match and match.found else None
        out.append(Located(-100 + i, page, "Abstract", "", text))
    return out


# --------------------------------------------------------------------------------------------
# What a sentence is


def readable(s: Located) -> bool:
    """A whole sentence of running text: not a caption, a table row, a formula or a fragment."""
    text = s.text
    if s.caption or s.boilerplate or not 30 <= len(text) <= 600 or not text[:1].isupper():
        return False
    if not re.search(r"[.!?][\"”’)\]]?$", text) or re.search(r"(?:\s\d{1,2}\.|:)$", text):
        return False  # a fragment, or a list cut at its item number ("related to: 1.")
    if "∗" in text or "equal contribution" in text.lower() or re.search(r"[=∥∑√≤≥·]", text):
        return False  # a footnote mark, or a formula
    words = text.split()
    plain = sum(1 for w in words if re.fullmatch(r"[(\[“\"']?[A-Za-z][A-Za-z’'\-]*[,.;:)\]”\"']*", w))
    return len(words) >= 6 and plain >= 0.6 * len(words) and is_prose(text)  # a table header has few "the", "of"


TOPIC_WORDS = re.compile(r"limitation|future|broader|impact|discussion|conclu|open (?:question|problem)", re.I)
LIMITATION_HEAD = re.compile(r"limitation|shortcoming|caveat|threats to validity", re.I)
CLOSING_HEAD = re.compile(r"conclu|discussion|limitation|future|broader|impact|summary|remarks|outlook", re.I)
FUTURE_HEAD = re.compile(r"future (?:work|direction|research)|open (?:question|problem)|outlook", re.I)
RELATED_HEAD = re.compile(r"related work|prior work|background|literature", re.I)
APPENDIX_HEAD = re.compile(r"^§?[A-H](?:\.\d+)*\s")
INTRO_HEAD = re.compile(r"introduction|^abstract$", re.I)
CONCLUSION_HEAD = re.compile(r"conclu|summary|discussion|remarks", re.I)


def is_appendix(s: Located) -> bool:
    return bool(APPENDIX_HEAD.match(s.section))


NOT_METHOD_HEAD = re.compile(
    r"introduction|related|background|preliminar|experiment|result|evaluation|setup|setting|conclu|discussion|"
    r"limitation|impact|acknowledg|future",
    re.I,
)


def is_method_section(s: Located) -> bool:
    """A numbered section of the body that is not introduction, background, experiments or closing:
    where a paper describes its own method."""
    return (
        bool(SECTION_NUMBER_RE.match(s.section))
        and not is_appendix(s)
        and not NOT_METHOD_HEAD.search(f"{s.chapter} {s.section}")
    )


def is_closing(s: Located) -> bool:
    return bool(CLOSING_HEAD.search(s.section)) or is_appendix(s)


def in_front_matter(s: Located) -> bool:
    """Page 1 before the first heading: title, authors, the abstract as printed (read from arXiv's)."""
    return s.section == "" and s.index >= 0 and (s.page or 1) <= 1


# --------------------------------------------------------------------------------------------
# Limitations and open questions the paper states about itself

LIMITATION_CUE = re.compile(
    r"\blimitation|\bonly\b|\bcannot\b|\bunable\b|\bdid not\b|\bmay not\b|\bmight not\b|\bnot (?:yet )?(?:able|"
    r"possible|ensured|established|studied|evaluated|explored|supported|enough|sufficient|meaningful|clear)\b|"
    r"\bdo(?:es)? not (?:study|evaluate|consider|include|support|apply|address|scale|handle|cover|explore)\b|"
    r"\bbeyond the scope\b|\bfails?\b|\bdrawback|\bshortcoming|\b(?:restricted|limited) to\b|\bstill (?:a )?"
    r"(?:noticeable )?gap\b|\bnoticeable gap\b|\bhowever\b",
    re.I,
)
STRONG_LIMITATION_CUE = re.compile(
    r"\blimitation|\bwe (?:only|did not|could not|cannot|were unable)\b|\bunable to\b|"
    r"\bbeyond the scope\b|\bdrawback|\bshortcoming|\b(?:restricted|limited) to\b|\bnot (?:yet )?supported\b",
    re.I,
)
NOT_A_LIMITATION = re.compile(
    r"\bnot an? (?:problem|issue|concern)\b|\bdoes not (?:hurt|affect)\b|\bstate (?:its|their|our) limitations\b|"
    r"\b(?:this|the following|the present) (?:section|appendix)\b",
    re.I,
)
FUTURE_CUE = re.compile(
    r"\bfuture (?:work|research|direction|stud)|\bwe leave\b[^.]{0,120}\b(?:future|open)\b|\bleft (?:for|to) future|\bleave (?:this|it|that|"
    r"these|them) (?:for|to)\b|\bremains? (?:an )?open\b|\bopen (?:question|problem)|\bit would be (?:interesting|"
    r"helpful|valuable|great|worthwhile)|\bwe plan to\b|\bwe intend to\b|\ban? (?:interesting|promising) "
    r"direction\b|\bwarrants? further\b|\bfurther (?:investigation|research|study|studies) (?:is|are) (?:needed|"
    r"required)|\b(?:should|could|can) (?:naturally |easily )?be (?:extended|extensible)\b|\bis (?:naturally )?extensible\b",
    re.I,
)


def _limitation_group(s: Located) -> bool:
    """In the paper's own limitations: a section so headed, or a run-in "Limitations." paragraph in
    its closing matter or appendix (one in the method section states a strawman's limits)."""
    if LIMITATION_HEAD.search(s.topic):
        return is_closing(s)
    return bool(LIMITATION_HEAD.search(s.section)) and not s.topic


def limitations(
    located: list[Located], *, exclude: Iterable[str] = (), limit: int = 6, per_group: int = 3
) -> list[Located]:
    """Limitations the paper states about itself: sentences of its limitations section (those with
    a limiting cue first), and sentences of its conclusion or discussion with a strong cue.
    `exclude` holds sentences already used (open questions, quotes of critiques of other methods)."""
    skip = {normalise(t) for t in exclude}
    groups: dict[tuple[str, str], list[Located]] = {}
    for s in located:
        if not readable(s) or normalise(s.text) in skip or in_front_matter(s) or NOT_A_LIMITATION.search(s.text):
            continue
        if _limitation_group(s) or (CLOSING_HEAD.search(s.section) and STRONG_LIMITATION_CUE.search(s.text)):
            groups.setdefault((s.section, s.topic), []).append(s)
    chosen: list[Located] = []
    for members in groups.values():
        ranked = sorted(members, key=lambda s: (-_limitation_score(s.text), s.index))
        chosen += [s for s in ranked if _limitation_score(s.text)][:per_group] or members[:per_group]
    return sorted(chosen, key=lambda s: s.index)[:limit]


def _limitation_score(text: str) -> int:
    return len({m.group(0).lower() for m in LIMITATION_CUE.finditer(text)}) + 2 * bool(
        STRONG_LIMITATION_CUE.search(text)
    )


def _future_only(heading: str) -> bool:
    """A heading about future work alone ("Future Work"), not a conclusion that also looks ahead."""
    return (
        bool(FUTURE_HEAD.search(heading))
        and not CONCLUSION_HEAD.search(heading)
        and not LIMITATION_HEAD.search(heading)
    )


def open_questions(located: list[Located], *, exclude: Iterable[str] = (), limit: int = 5) -> list[Located]:
    """What the paper leaves open: "we leave ... to future work", "it would be interesting to ...",
    and its future-work section; those in its closing matter first."""
    skip = {normalise(t) for t in exclude}
    found = [
        s
        for s in located
        if readable(s)
        and normalise(s.text) not in skip
        and not INTRO_HEAD.search(s.section)
        and not RELATED_HEAD.search(s.section)
        and not in_front_matter(s)
        and not re.search(r"\blimitation", s.text, re.I)  # "One limitation is ...": stated as a limitation
        and (FUTURE_CUE.search(s.text) or _future_only(s.section) or _future_only(s.topic))
    ]
    ranked = sorted(found, key=lambda s: (not is_closing(s), not FUTURE_CUE.search(s.text), s.index))
    return sorted(_distinct(ranked)[:limit], key=lambda s: s.index)


# --------------------------------------------------------------------------------------------
# Why it works: the reasons the paper gives for its own method's behaviour

CAUSE_STRONG = re.compile(
    r"\bbecause\b|\bdue to\b|\bthanks to\b|\bwe attribute\b|\battributed to\b|\bthe reason\b|\bexplains? (?:why|"
    r"the)\b|\bthis is why\b|\bwe hypothesi[sz]e\b|\bthe (?:key )?(?:insight|intuition|observation) (?:is|that)\b|"
    r"\bbased on the (?:observation|insight)\b|\bintuitively\b",
    re.I,
)
# "the degradation due to rounding": names a cause of a loss, does not explain the method.
NOUN_DUE_TO = re.compile(
    r"\b(?:degradation|loss|error|drop|overhead|costs?|slowdown|penalty|gap)\s+(?:\w+\s+)?due to\b", re.I
)
CAUSE_SINCE = re.compile(r"\bsince\b(?! (?:19|20)\d\d)", re.I)
CAUSE_WEAK = re.compile(
    r"\bso (?:that )?(?:it|we|the|they)\b|\bthus\b|\btherefore\b|\bhence\b|\bas a result\b|\bleading to\b|"
    r"\bwhich (?:helps|allows|enables|contributes|leads)\b|\bresulting in\b|\bin order (?:not )?to\b",
    re.I,
)
FINDING = re.compile(r"\bwe (?:observe|find|found|notice|hypothesi[sz]e|argue|show)\b|\b(?:insight|intuition)\b", re.I)
# "We focus on X since ...", "we only quantize Y since ...": the reason for a choice of the study, not a mechanism.
CHOICE = re.compile(
    r"^(?:(?:but|and|also|here|first|then|finally|so|thus|therefore|in this work|for \w+)[, ]+|[^,;]{0,120},\s*)?we (?:(?:also|further|"
    r"only|mainly|mostly|therefore) )?(?:focus|use|used|study|studied|choose|chose|select|adopt|follow|report|do not|"
    r"did not|exclude|include|evaluate|benchmark|compare|provide|measure|take|took|profile|perform|quantize|consider)\b",
    re.I,
)
# "Since ..., we consider X as a baseline": the main clause is a choice of the study.
CHOICE_MAIN = re.compile(
    r",\s*we (?:(?:also|further|only|mainly|mostly|therefore|thus|then) )?(?:focus|use|choose|select|adopt|follow|"
    r"report|exclude|include|evaluate|benchmark|compare|consider|continue|test|run|train|do this|measure)\b",
    re.I,
)
OUR_WORK = r"\bour (?:method|approach|framework|technique|algorithm|kernels?|formulation|scheme|design|solution|principle)\b|\bours\b"


def own_pattern(own_names: Iterable[str]) -> re.Pattern[str]:
    names = sorted({n for n in own_names if len(n) >= 2}, key=len, reverse=True)
    alternatives = [rf"(?<![\w-]){re.escape(n)}(?![\w])" for n in names] + [OUR_WORK]
    return re.compile("|".join(alternatives), re.I)


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    chosen = sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)
    if not chosen:
        return None
    return re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w])" for n in chosen))


def _mechanism_score(s: Located, own: re.Pattern[str], foreign: re.Pattern[str] | None) -> int:
    """0 when the sentence is no stated reason about the paper's own method; else higher for an
    explicit explanation ("we attribute", "because") than for "since", and for its own method
    named (or its own method's chapter) over a bare observation."""
    text = s.text
    cause = 3 * bool(CAUSE_STRONG.search(NOUN_DUE_TO.sub("", text))) or 2 * bool(CAUSE_SINCE.search(text))
    weak, ours, finding = bool(CAUSE_WEAK.search(text)), bool(own.search(text)), bool(FINDING.search(text))
    context = not ours and (bool(own.search(s.chapter)) or is_method_section(s))  # "It ... since ..." there
    if CHOICE.search(text) or CHOICE_MAIN.search(text) or not (cause or (weak and ours)) or not (ours or context):
        return 0
    others = foreign is not None and bool(foreign.search(f"{text} {s.topic}"))
    if others and not ours:
        return 0  # another method's behaviour
    score = cause + weak + 2 * ours + finding + context - 2 * others
    return score + (not INTRO_HEAD.search(s.section) and s.section != "Abstract" and not is_appendix(s))


def mechanisms(
    located: list[Located],
    own_names: Iterable[str],
    *,
    foreign_names: Iterable[str] = (),
    exclude: Iterable[str] = (),
    limit: int = 5,
) -> list[Located]:
    """The paper's stated reasons for why its method works: a causal cue ("because", "due to",
    "since", "thanks to", "we attribute", "we hypothesize") about its own method or its own
    observation, outside related work and not a reason for a choice of the study."""
    own, foreign = own_pattern(own_names), names_pattern(foreign_names)
    skip = {normalise(t) for t in exclude}
    scored = [
        (score, s)
        for s in located
        if readable(s)
        and not in_front_matter(s)
        and not RELATED_HEAD.search(s.section)
        and normalise(s.text) not in skip
        and (score := _mechanism_score(s, own, foreign)) > 0
    ]
    ranked = [s for _, s in sorted(scored, key=lambda pair: (-pair[0], pair[1].index))]
    return sorted(_distinct(ranked)[:limit], key=lambda s: s.index)


# --------------------------------------------------------------------------------------------
# Executive summary and method


PROBLEM = re.compile(
    r"\bhowever\b|\bbut\b|\bchalleng|\bdifficult|\bhard\b|\bcostly\b|\bexpensive\b|\bprohibitive|\bbottleneck|"
    r"\bsuffer|\bbarrier|\blimit(?:s|ed|ing)\b|\bdegrad|\bfails?\b|\bproblem\b|\bissue\b|\bconstrain",
    re.I,
)
IDEA = re.compile(
    r"\bbased on\b|\bthe key (?:idea|insight)\b|\bobserv|\binsight\b|\bwe (?:then |further )?(?:propose|design|"
    r"develop) to\b|\bby (?:\w+ing)\b",
    re.I,
)
RESULT = re.compile(
    r"\boutperform|\bachiev|\bimprov|\bspeed-?ups?\b|\bfaster\b|\breduc|\bmatch|\bbetter\b|\bstate-of-the-art\b|"
    r"\bsurpass|\brecover|\bwithout (?:any )?(?:performance |accuracy )?(?:loss|degradation)",
    re.I,
)


def executive_summary(abstract: list[Located], located: list[Located], own_names: Iterable[str]) -> list[Located]:
    """Three to five sentences: the problem, the method (and its idea), the result, from the
    abstract (the introduction and the conclusion when the abstract lacks one)."""
    own = own_pattern(own_names)
    intro = [s for s in located if INTRO_HEAD.search(s.section) and readable(s)][:25]
    closing = [s for s in located if CONCLUSION_HEAD.search(s.section) and readable(s)]
    pool = [s for s in abstract if len(s.text) >= 30] or intro
    method = _first(pool + intro, lambda s: bool(CONTRIBUTION_CUES.search(s.text)))
    before_method = [s for s in pool + intro if method is None or s.index < method.index or s.section != method.section]
    problem = _first(before_method, lambda s: bool(PROBLEM.search(s.text)) and not CONTRIBUTION_CUES.search(s.text))
    after_method = [s for s in pool if method is not None and s.index > method.index]
    idea = _first(after_method, lambda s: bool(IDEA.search(s.text)))
    framing = [s for s in (problem, method, idea) if s is not None]
    results = [
        s
        for s in pool + closing
        if RESULT.search(s.text)
        and own.search(s.text)
        and not STRONG_LIMITATION_CUE.search(s.text)
        and s not in framing
    ]
    results.sort(key=lambda s: (s not in pool, not NUMBER.search(s.text), s.index))
    chosen = _distinct(framing + results)[:5]
    if len(chosen) < 3:
        chosen = _distinct(chosen + closing)[:3]
    return chosen  # problem, method, idea, results: the order a reader needs them


STEP_VERBS = (
    r"(?:propose|design|introduce|develop|search|compute|apply|employ|combine|implement|determine|pick|protect|model|"
    r"keep|quantize|perform|minimi[sz]e)s?"
)
# "We propose ...", "we then search ...", "our method scales ...": a step of the method, not a claim about it.
METHOD_STEP = re.compile(
    rf"\bwe (?:\w+ly )?(?:then |further |first |also )?{STEP_VERBS}\b|\bour (?:method|approach|framework|algorithm) "
    rf"(?:\w+ly )?{STEP_VERBS}\b",
    re.I,
)
KEY_STEP = re.compile(r"\b(?:propose|design|search|combine|introduce)s?\b", re.I)
CALIBRATION = re.compile(
    r"\bcalibration (?:set|data|dataset|samples?|sequences?|split)\b|\bcalibrat(?:e|ed|ing) (?:on|with|using)\b",
    re.I,
)
CALIBRATION_SOURCE = re.compile(
    r"\b(?:from|of|on|using|with) (?:the )?[A-Z][\w\-]+|\b\d+\s*(?:samples|sequences|tokens|examples)\b"
)


def method_sentences(located: list[Located], own_names: Iterable[str], limit: int = 3) -> list[Located]:
    """How the method works, in the paper's words: its method sections' "we propose / we search /
    our method ..." sentences (not the abstract, introduction or related work)."""
    own = own_pattern(own_names)
    found = [
        s
        for s in located
        if readable(s)
        and not in_front_matter(s)
        and not INTRO_HEAD.search(s.section)
        and not RELATED_HEAD.search(s.section)
        and not is_closing(s)
        and METHOD_STEP.search(s.text)
        and (own.search(s.text) or s.text.lower().startswith("we "))
        and not CHOICE.search(s.text)
    ]
    found.sort(key=lambda s: (-2 * bool(own.search(s.text)) - bool(KEY_STEP.search(s.text)), s.index))
    return sorted(_distinct(found)[:limit], key=lambda s: s.index)


def calibration_sentences(located: list[Located], *, exclude: Iterable[str] = (), limit: int = 2) -> list[Located]:
    """What data the method calibrates on, when the paper says: sentences about a calibration set
    that name its source or size ("from the Pile", "128 sequences")."""
    skip = {normalise(t) for t in exclude}
    found = [
        s
        for s in located
        if readable(s)
        and not RELATED_HEAD.search(s.section)
        and not in_front_matter(s)
        and normalise(s.text) not in skip
        and CALIBRATION.search(s.text)
        and CALIBRATION_SOURCE.search(s.text)
    ]
    return _distinct(found)[:limit]


# --------------------------------------------------------------------------------------------


def _first(items: Iterable[Located], wanted: Any) -> Located | None:
    return next((s for s in items if wanted(s)), None)


def _distinct(items: Iterable[Located], overlap: float = 0.6) -> list[Located]:
    """Items without near-repeats (an abstract's claim printed again in the introduction)."""
    kept: list[tuple[Located, set[str]]] = []
    for s in items:
        words = set(tokens(s.text))
        if all(len(words & seen) < overlap * max(1, min(len(words), len(seen))) for _, seen in kept):
            kept.append((s, words))
    return [s for s, _ in kept]
