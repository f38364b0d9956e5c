"""The evidence a synthesis draft rests on, read once by the task that writes the draft: each headline
claim and receipt of the review as an item located in its paper (page, table or section, and the
whole sentence it quotes), the numbers two or more papers report for the same method, benchmark,
model and setting, and the references every citation points to."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count, F, Q, QuerySet

from baselines.models import BeatsEvidence, BeatsReceipt, CritiqueReceipt, Method, MethodFamily
from benchmarks.disagreements import cell_key, cell_values
from benchmarks.leaderboards import shown_value, spread_sample
from benchmarks.models import BenchmarkResult, LeaderboardEntry
from papers.models import DocumentStatus, Paper, ParsedPage
from papers.provenance import QuoteStatus, of_basis
from reviews.exports import bibtex_key
from reviews.models import Claim, ClaimStatus, Review, ReviewPaper
from worker.reading.quotes import normalise
from worker.reading.text import page_sentences

# The evidence base lists this many papers (a review larger than that lists its earliest ones; the
# counts in the method and audit sections cover every paper).
MAX_PAPERS = 300
MAX_RECEIPTS = 3000  # of each kind read for one draft
MAX_CELLS = 60  # like-for-like numbers read for the comparison
# Papers' values shown per compared number: the lowest, the highest and evenly spaced ones between
# (at 100,000 papers one number is reported by thousands; the rest are counted, not listed).
VALUES_PER_CELL = 10
# A "sentence" longer than this is a parse run-on (two columns read as one); it is never shown, and
# never cut either.
LONGEST_SENTENCE = 700
SHORTEST_SENTENCE = 20
_OPENS = re.compile(r"^[\"“‘(\[]?[A-Z0-9]")
_CLOSES = re.compile(r"[.!?][\"”’)\]]?$")
FULL_PRECISION = MethodFamily.FULL_PRECISION


@dataclass(frozen=True)
class Cite:
    """Where a sentence's evidence is: the paper, its page (None for the abstract) and the table or section."""

    paper: str
    page: int | None
    locator: str


@dataclass
class Item:
    """One piece of evidence: a headline claim, a receipt (or receipts sharing one quote), or a
    like-for-like number reported by several papers. `text` is what we say it shows, `quote` the
    paper's own whole sentence ("" for a table)."""

    ref: str
    kind: str  # claim, critique, beats, cell
    text: str
    quote: str
    cites: list[Cite]
    methods: tuple[str, ...] = ()
    full_precision: bool = False
    verified: bool = False
    tags: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    parts: list[Item] = field(default_factory=list)  # the items a statement across papers is made of

    @property
    def papers(self) -> list[str]:
        return list(dict.fromkeys(c.paper for c in self.cites))

    @property
    def refs(self) -> list[str]:
        return [ref for part in self.parts for ref in part.refs] if self.parts else [self.ref]

    @property
    def wording(self) -> str:
        """Everything the item says, for matching questions and checking a sentence's numbers."""
        return " ".join((self.text, self.quote, " ".join(self.methods), self.tags))


def joined(text: str, parts: list[Item], tags: str = "") -> Item:
    """A statement across papers, resting on `parts` (and citing each of them)."""
    return Item(
        "+".join(p.ref for p in parts),
        "synthesis",
        text,
        "",
        list(dict.fromkeys(c for p in parts for c in p.cites)),
        tuple(dict.fromkeys(m for p in parts for m in p.methods)),
        full_precision=any(p.full_precision for p in parts),
        verified=all(p.verified for p in parts),
        tags=tags,
        parts=parts,
    )


@dataclass
class PaperEntry:
    pk: int
    arxiv_id: str
    title: str
    authors: list[str]
    year: int | None
    url: str
    doi: str
    fit: str = ""
    role: str = ""
    results: int = 0  # counted results: how much of the review's evidence the paper carries


@dataclass
class Evidence:
    review: Review
    approved_only: bool
    papers: dict[str, PaperEntry]  # every paper an item cites, and the listed included papers
    listed: list[str]  # the evidence base's papers, in order
    claims: list[Item]
    critiques: list[Item]
    beats: list[Item]
    cells: list[Item]
    limits: list[Item] = field(default_factory=list)  # limitations the papers state in their full text
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)
    included_total: int = 0  # included papers, of which `listed` are the newest MAX_PAPERS
    compared_total: int = 0  # numbers two or more papers report like for like, of which `cells` are read

    def items(self) -> list[Item]:
        return [*self.claims, *self.critiques, *self.beats, *self.cells, *self.limits]


class _Page(NamedTuple):
    number: int
    text: str


def looks_whole(text: str) -> bool:
    """A sentence as a reader expects one: it starts at a capital or a number and ends at a full stop."""
    return (
        SHORTEST_SENTENCE <= len(text) <= LONGEST_SENTENCE and bool(_OPENS.match(text)) and bool(_CLOSES.search(text))
    )


def whole_sentence(quote: str, sentences: list[str]) -> str:
    """The page's sentence that holds `quote` (or the run of consecutive sentences a longer quote
    spans, from the one it starts in to the one it ends in), as the page prints it; "" when the quote
    is not on the page."""
    needle = normalise(quote)
    normed = [normalise(s) for s in sentences]
    text = " ".join(normed)
    start = text.find(needle) if needle else -1
    if start < 0:
        return ""
    end, offset, run = start + len(needle), 0, []
    for original, normalised in zip(sentences, normed, strict=True):
        if offset < end and offset + len(normalised) > start:
            run.append(original)
        offset += len(normalised) + 1
    return " ".join(run)


# A word broken at a line end and joined with a space ("quantiza- tion"); "pre- and post-training" stays.
_BROKEN_WORD = re.compile(r"(?<=[a-z])- (?!(?:and|or|to|as|vs|nor)\b)(?=[a-z])")


def mended(text: str) -> str:
    """The sentence as printed, with words a line break split ("quantiza- tion") whole again."""
    return _BROKEN_WORD.sub("", " ".join(text.split()))


def quoted(quote: str, sentences: list[str] | None) -> str:
    """The whole sentence to show for a receipt's quote: the quote itself when it reads as one (the
    extractors quote sentences), else the page's sentence around it; "" when neither reads whole (the
    receipt is then cited, never quoted in part)."""
    own = mended(quote)
    if looks_whole(own):
        return own
    found = mended(whole_sentence(quote, sentences)) if sentences else ""
    return found if looks_whole(found) else ""


def _number(value: float | None, printed: str = "") -> str:
    return "" if value is None else shown_value(value, printed)


_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "ten", "ter"})


def _surname(name: str) -> str:
    """ "Lin" for "Ji Lin" and "Lin, Ji"; "van Baalen" for "Mart van Baalen"."""
    name = name.strip()
    if "," in name:
        return name.split(",")[0].strip()
    words = name.split()
    if not words:
        return ""
    first = len(words) - 1
    while first > 1 and words[first - 1].lower() in _PARTICLES:
        first -= 1
    return " ".join(words[first:])


def author_label(authors: list[str]) -> str:
    """ "Lin et al.", "Frantar and Alistarh", "Dettmers"; "Anonymous" when the paper names no one."""
    names = [_surname(a) for a in authors if a.strip()]
    if not names:
        return "Anonymous"
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def references(papers: Iterable[PaperEntry]) -> dict[str, dict[str, Any]]:
    """Each paper's reference: BibTeX key (as the papers.bib export makes them), the author-year label
    citations show ("Dettmers et al., 2022a" when two papers share one), and the entry's fields."""
    ordered = sorted(papers, key=lambda p: (author_label(p.authors).lower(), p.year or 0, p.arxiv_id))
    labels: dict[str, list[str]] = defaultdict(list)
    keys: dict[str, int] = defaultdict(int)
    refs: dict[str, dict[str, Any]] = {}
    for paper in ordered:
        base = f"{author_label(paper.authors)}, {paper.year or 'n.d.'}"
        labels[base].append(paper.arxiv_id)
        key = bibtex_key(paper.authors, paper.year, paper.title)
        keys[key] += 1
        suffix = "abcdefghijklmnopqrstuvwxyz"[min(keys[key], 26) - 1] if keys[key] > 1 else ""
        refs[paper.arxiv_id] = {
            "key": key + suffix,
            "authors": paper.authors,
            "title": paper.title,
            "year": paper.year,
            "arxiv_id": paper.arxiv_id,
            "url": paper.url or f"https://arxiv.org/abs/{paper.arxiv_id}",
            "doi": paper.doi,
        }
    for base, ids in labels.items():
        for n, arxiv_id in enumerate(ids):
            refs[arxiv_id]["label"] = base + ("abcdefghijklmnopqrstuvwxyz"[min(n, 25)] if len(ids) > 1 else "")
    return refs


def _entry(paper: Paper, fit: str = "") -> PaperEntry:
    return PaperEntry(
        pk=paper.pk,
        arxiv_id=paper.arxiv_id,
        title=" ".join(paper.title.split()),
        authors=[a for a in paper.authors if isinstance(a, str)],
        year=paper.published.year if paper.published else None,
        url=paper.abs_link,
        doi=paper.doi or "",
        fit=fit,
    )


def _page_sentences(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[str]]:
    """The sentences of each (paper id, page) of the papers' current parses, in one query."""
    if not pairs:
        return {}
    rows = ParsedPage.objects.filter(
        document__paper_id__in={p for p, _ in pairs},
        number__in={n for _, n in pairs},
        document__status=DocumentStatus.PARSED,
        document__version=F("document__paper__version"),
    ).values_list("document__paper_id", "number", "text")
    return {
        (paper_id, number): [s.text for s in page_sentences([_Page(number, text)])]
        for paper_id, number, text in rows
        if (paper_id, number) in pairs
    }


def _deferred(queryset: QuerySet) -> QuerySet:
    return queryset.defer("paper__abstract", "paper__raw_entry")


def gather_evidence(review: Review) -> Evidence:
    """Read everything the draft cites (a fixed number of queries, each capped). Run by the task that
    writes the draft, never during a request."""
    approved_only = review.approved_only(None)
    papers, listed = _listed_papers(review)
    # The listed papers' claims: a paper past a cap over every included paper would say "no claim".
    claims = list(
        _deferred(Claim.objects.filter(paper__arxiv_id__in=listed).exclude(status=ClaimStatus.UNSUPPORTED))
        .select_related("paper")
        .order_by("paper__arxiv_id", "pk")[:MAX_RECEIPTS]
    )
    critiques = list(
        _deferred(CritiqueReceipt.objects.counted_in(review, approved_only=approved_only))
        .select_related("paper", "method")
        .order_by("paper__arxiv_id", "page", "pk")[:MAX_RECEIPTS]
    )
    beats = list(
        _deferred(BeatsReceipt.objects.counted_in(review, approved_only=approved_only))
        .select_related("paper", "method", "baseline", "benchmark")
        .order_by("paper__arxiv_id", "page", "pk")[:MAX_RECEIPTS]
    )
    pages = _page_sentences(
        {(c.paper_id, c.page) for c in critiques if c.page}
        | {(b.paper_id, b.page) for b in beats if b.page and b.evidence == BeatsEvidence.SENTENCE}
        | {(c.paper_id, c.page) for c in claims if c.page and not looks_whole(c.sentence)}
    )
    for receipt in (*claims, *critiques, *beats):
        papers.setdefault(receipt.paper.arxiv_id, _entry(receipt.paper))
    evidence = Evidence(
        review,
        approved_only,
        papers,
        listed,
        claims=claim_items(claims, pages),
        critiques=critique_items(critiques, pages),
        beats=beats_items(beats, pages),
        cells=cell_items(review, approved_only, papers),
    )
    evidence.limits = stated_limits([papers[a] for a in listed])
    assign_roles(evidence)
    evidence.refs = references(papers.values())
    evidence.included_total = ReviewPaper.objects.filter(review=review).included().count()
    evidence.compared_total = (
        LeaderboardEntry.objects.filter(of_basis(approved_only), review=review, compared__gte=2)
        .exclude(method__family=FULL_PRECISION)  # the reference line, never a compared result
        .count()
    )
    return evidence


def _listed_papers(review: Review) -> tuple[dict[str, PaperEntry], list[str]]:
    entries = (
        _deferred(ReviewPaper.objects.filter(review=review).included())
        .select_related("paper")
        .order_by("-paper__published", "paper__arxiv_id")[:MAX_PAPERS]  # a living review: the newest
    )
    papers = {e.paper.arxiv_id: _entry(e.paper, e.fit) for e in entries}
    return papers, list(papers)


# A sentence in which a paper states a limit of its own work.
LIMIT = re.compile(
    r"\b(limitations?|limited to|we leave|left for future|future work|(does|do|did) not (yet )?(support|evaluate|"
    r"study|consider|address)|remains? (an )?open|caveats?|not (yet )?(been )?(evaluated|explored|studied))\b",
    re.I,
)
LIMITS_PER_PAPER = 2
LIMIT_TAGS = "limitation limitations limits fails failure weakness caveat threat open"


def stated_limits(papers: list[PaperEntry]) -> list[Item]:
    """The limits papers state in their own full text (a "Limitations" section, "future work"), each a
    whole sentence on its page: read from the pages that name them, in one query."""
    pages = (
        ParsedPage.objects.filter(
            document__paper_id__in=[p.pk for p in papers],
            document__status=DocumentStatus.PARSED,
            document__version=F("document__paper__version"),
        )
        .filter(Q(text__icontains="limitation") | Q(text__icontains="future work") | Q(text__icontains="we leave"))
        .order_by("document__paper__arxiv_id", "number")
        .values_list("document__paper__arxiv_id", "number", "text")
    )
    found: dict[str, list[tuple[int, Item]]] = defaultdict(list)
    for arxiv_id, number, text in pages:
        for s in page_sentences([_Page(number, text)]):
            sentence = mended(s.text)
            strength = limit_strength(sentence, s.section)
            if strength >= 2 and looks_whole(sentence):
                item = Item(
                    f"limit:{arxiv_id}:{number}:{len(found[arxiv_id])}",
                    "limit",
                    "",
                    sentence,
                    [Cite(arxiv_id, number, s.section)],
                    verified=True,
                    tags=LIMIT_TAGS,
                )
                found[arxiv_id].append((strength, item))
    return [item for ranked in found.values() for _, item in sorted(ranked, key=lambda r: -r[0])[:LIMITS_PER_PAPER]]


_OWN = re.compile(r"\b(we|our)\b", re.I)
_OUTLINE = re.compile(r"\b(Section|Sec\.)\s*\d")
# "It is critical for every work to clearly state its limitations": about stating limits, not one.
_ABOUT_LIMITS = re.compile(r"\b(state|discuss|describe|outline|list|acknowledge)\w*\b[^.]{0,30}\blimitations?\b", re.I)


def limit_strength(sentence: str, section: str) -> int:
    """How surely a sentence states a limit of the paper's own work: 0 when it names none, more when
    it is in a Limitations section or says "we"/"our" (a limit of the work discussed, not its own, scores 0)."""
    if not LIMIT.search(sentence) or _OUTLINE.search(sentence) or _ABOUT_LIMITS.search(sentence):
        return 0
    in_limits = "limitation" in section.lower() or sentence.lower().startswith("limitation")
    return (
        3 * in_limits
        + 2 * bool(_OWN.search(sentence))
        + ("conclusion" in section.lower() or "discussion" in section.lower())
    )


def claim_items(claims: list[Claim], pages: dict[tuple[int, int], list[str]]) -> list[Item]:
    """Headline claims whose sentence reads whole; a claim found in the full text is located on its page."""
    items = []
    for claim in claims:
        sentence = quoted(claim.sentence, pages.get((claim.paper_id, claim.page or 0)))
        if not sentence:
            continue
        supported = claim.status == ClaimStatus.SUPPORTED
        items.append(
            Item(
                f"claim:{claim.pk}",
                "claim",
                "",
                sentence,
                [Cite(claim.paper.arxiv_id, claim.page if supported else None, claim.origin)],
                verified=supported,
                facts={
                    "status": claim.status,
                    "depth": claim.source_depth,
                    "numbers": claim.has_numbers,
                    "comparison": claim.is_comparison,
                },
            )
        )
    return items


CRITIQUE_TAGS = "weakness weaknesses fails failure limitation problem drawback criticised"
BEATS_TAGS = "beats outperforms better baseline baselines compared comparison"
CELL_TAGS = "agree agreement disagree disagreement consistent reproduce reproduced same reported numbers"


def critique_items(critiques: list[CritiqueReceipt], pages: dict[tuple[int, int], list[str]]) -> list[Item]:
    """Critiques, one item per quoted sentence (a sentence that faults three methods is one item)."""
    groups: dict[tuple[str, str], list[CritiqueReceipt]] = defaultdict(list)
    for critique in critiques:
        if critique.method.family == FULL_PRECISION:
            continue
        sentence = quoted(critique.quote, pages.get((critique.paper_id, critique.page or 0)))
        if sentence:
            groups[(critique.paper.arxiv_id, sentence)].append(critique)
    items = []
    for (arxiv_id, sentence), group in groups.items():
        first = group[0]
        methods = tuple(dict.fromkeys(c.method.name for c in group))
        items.append(
            Item(
                f"critique:{first.pk}",
                "critique",
                f"On {names(methods)}:",
                sentence,
                [Cite(arxiv_id, first.page, first.locator)],
                methods,
                verified=all(c.quote_status == QuoteStatus.VERIFIED for c in group),
                tags=CRITIQUE_TAGS,
            )
        )
    return items


def names(items: Iterable[str], most: int = 4) -> str:
    """ "A", "A and B", "A, B and C", "A, B, C, D and 2 more"."""
    items = list(items)
    if len(items) > most:
        return f"{', '.join(items[:most])} and {len(items) - most} more"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def benchmark_phrase(name: str, metric: str) -> str:
    """ "WikiText-2 perplexity", "ImageNet top-1" (a metric the name already says is not repeated)."""
    metric = metric.replace("_", " ").strip()
    return name if not metric or metric.lower() in name.lower() else f"{name} {metric}"


def beats_detail(receipt: BeatsReceipt) -> tuple[str, str]:
    """Where a "beats" receipt was measured and its two values: (" on WikiText-2 perplexity (OPT-66B,
    W4A16 g128)", "10.16 against 10.24"); either may be empty."""
    where = f" on {benchmark_phrase(receipt.benchmark.name, receipt.benchmark.metric)}" if receipt.benchmark else ""
    run = ", ".join(x for x in (receipt.model_name, receipt.setting) if x)
    where += f" ({run})" if run else ""
    values = ""
    if receipt.method_value is not None and receipt.baseline_value is not None:
        values = f"{_number(receipt.method_value)} against {_number(receipt.baseline_value)}"
    return where, values


def beats_statement(receipt: BeatsReceipt) -> str:
    """ "AWQ beats GPTQ on WikiText-2 perplexity (OPT-66B, W4A16 g128): 10.16 against 10.24." """
    where, values = beats_detail(receipt)
    return f"{receipt.method.name} beats {receipt.baseline.name}{where}" + (f": {values}." if values else ".")


def beats_items(beats: list[BeatsReceipt], pages: dict[tuple[int, int], list[str]]) -> list[Item]:
    """ "Beats" receipts between methods proper (a method "beating" its FP16 reference is no finding)."""
    items = []
    for receipt in beats:
        if FULL_PRECISION in (receipt.method.family, receipt.baseline.family):
            continue
        sentence = ""
        if receipt.evidence == BeatsEvidence.SENTENCE:
            sentence = quoted(receipt.quote, pages.get((receipt.paper_id, receipt.page or 0)))
        items.append(
            Item(
                f"beats:{receipt.pk}",
                "beats",
                beats_statement(receipt),
                sentence,
                [Cite(receipt.paper.arxiv_id, receipt.page, receipt.locator)],
                (receipt.method.name, receipt.baseline.name),
                verified=receipt.quote_status == QuoteStatus.VERIFIED,
                tags=BEATS_TAGS,
                facts=dict(zip(("where", "values"), beats_detail(receipt), strict=True))
                | {"winner": receipt.method.name, "loser": receipt.baseline.name, "setting": receipt.setting},
            )
        )
    return items


def _best_per_paper(results: list[BenchmarkResult], lower: bool) -> list[BenchmarkResult]:
    """Each paper's best value for the cell, as the leaderboard compares them."""
    best: dict[int, BenchmarkResult] = {}
    for r in results:
        kept = best.get(r.paper_id)
        if kept is None or (r.value < kept.value if lower else r.value > kept.value):
            best[r.paper_id] = r
    return sorted(best.values(), key=lambda r: (r.value, r.paper.arxiv_id))


def cell_items(review: Review, approved_only: bool, papers: dict[str, PaperEntry]) -> list[Item]:
    """Numbers two or more papers report for the same method, benchmark, model and setting (the
    leaderboard's cells: like with like), the flagged ones (spread at the threshold or more) first."""
    cells = list(
        LeaderboardEntry.objects.filter(review=review, approved_only=approved_only, compared__gte=2)
        .select_related("method", "benchmark")
        .order_by("-disagreement", "-spread", "pk")[:MAX_CELLS]
    )
    values = cell_values(review, cells)
    items = []
    for cell in cells:
        reporting = _best_per_paper(values.get(cell_key(cell), []), cell.benchmark.direction == "lower")
        if len(reporting) < 2:
            continue
        results = spread_sample(reporting, VALUES_PER_CELL)
        for r in results:
            papers.setdefault(r.paper.arxiv_id, _entry(r.paper))
        facts = {
            "method": cell.method.name,
            "benchmark": benchmark_phrase(cell.benchmark.name, cell.benchmark.metric),
            "model": cell.model_name,
            "setting": cell.setting,
            "spread": cell.spread,
            "flagged": cell.disagreement,
            "values": [shown_value(r.value, r.value_text) for r in results],
            "papers": len(reporting),
        }
        item = Item(
            f"cell:{cell.pk}",
            "cell",
            "",
            "",
            [Cite(r.paper.arxiv_id, r.page, r.locator) for r in results],
            (cell.method.name,),
            full_precision=cell.method.family == FULL_PRECISION,
            verified=all(r.quote_status == QuoteStatus.VERIFIED for r in results),
            tags=CELL_TAGS,
            facts=facts,
        )
        item.text = cell_statement(item)
        items.append(item)
    return items


def percent(spread: float) -> str:
    return f"{spread:.0%}"


def run_of(facts: dict[str, Any]) -> str:
    run = ", ".join(x for x in (facts["model"], facts["setting"]) if x)
    return f"{facts['benchmark']} ({run})" if run else facts["benchmark"]


def cell_statement(item: Item) -> str:
    """What a like-for-like number shows: papers agreeing within the threshold, or disagreeing beyond it."""
    f = item.facts
    values = names(f["values"], most=6)
    if f["flagged"]:
        return f"Papers disagree on {f['method']} for {run_of(f)}: {values}, {percent(f['spread'])} apart."
    if f["spread"] == 0:
        return f"{len(f['values'])} papers report the same value for {f['method']} on {run_of(f)}: {f['values'][0]}."
    return (
        f"{len(f['values'])} papers report {f['method']} on {run_of(f)} within {percent(f['spread'])} of each "
        f"other: {values}."
    )


def assign_roles(evidence: Evidence) -> None:
    """Each listed paper's role in the review: the methods it proposes, the comparisons it reports,
    the results it contributes, the methods it criticises."""
    listed = [evidence.papers[a] for a in evidence.listed]
    proposed: dict[str, list[str]] = defaultdict(list)
    introduced = (
        Method.objects.filter(introduced_by__in=[p.pk for p in listed])
        .exclude(family=FULL_PRECISION)
        .order_by("name")
        .values_list("introduced_by__arxiv_id", "name")
    )
    for arxiv_id, name in introduced:
        proposed[arxiv_id].append(name)
    results = dict(
        BenchmarkResult.objects.counted_in(evidence.review, approved_only=evidence.approved_only)
        .filter(paper__in=[p.pk for p in listed])
        .values_list("paper__arxiv_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    wins: dict[str, list[str]] = defaultdict(list)
    for item in evidence.beats:
        wins[item.papers[0]].append(item.facts["winner"])
    faulted: dict[str, list[str]] = defaultdict(list)
    for item in evidence.critiques:
        faulted[item.papers[0]].extend(item.methods)
    for paper in listed:
        a = paper.arxiv_id
        paper.results = results.get(a, 0)
        parts = [f"proposes {names(proposed[a], 3)}" if proposed[a] else ""]
        parts.append(f"compares {names(dict.fromkeys(wins[a]), 3)} with baselines" if wins[a] else "")
        parts.append(f"reports {results[a]} result{'s' if results[a] != 1 else ''}" if results.get(a) else "")
        parts.append(f"criticises {names(dict.fromkeys(faulted[a]), 3)}" if faulted[a] else "")
        role = "; ".join(p for p in parts if p) or "background (no receipt yet)"
        paper.role = role[0].upper() + role[1:]
