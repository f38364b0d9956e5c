"""Writes for citations: a parsed paper's reference list, matched to known papers, and its citation receipts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from papers.citation_claude import ClaudeClassifier
from papers.models import Citation, Paper, PaperDocument, ParsedPage, Reference
from papers.services import ensure_stub_paper
from worker.reading.references import (
    Classification,
    EntryMatch,
    ReferenceEntry,
    TitleMatcher,
    citation_contexts,
    classify_citation,
    extract_references,
    match_entry,
    normalize_title,
    significant_words,
)

logger = logging.getLogger(__name__)

EXTRACTOR = "citations-rules"
EXTRACTOR_VERSION = "1"
# Up to this many papers, one query loads every (pk, title) per call and the matcher indexes them in
# memory: indexing 20,000 titles took 0.18 s and 60 lookups 0.11 s (measured on this machine), once
# per paper, which is small next to parsing its PDF.
# Above it, candidates come from the database: titles containing one of the two longest significant
# words of some reference title (a LIKE scan per chunk of words, no full load into memory).
TITLE_INDEX_LIMIT = 20_000
_CANDIDATE_CHUNK = 40  # words per candidate query; keeps the OR of LIKEs short


@dataclass
class CitationReport:
    """What extracting one paper's citations did.

    ``references`` entries were found, ``matched`` of them name a known paper (``stubs`` of those were
    created from a printed arXiv id), ``contexts`` in-text citations were resolved, ``written`` citation
    receipts were stored, ``replaced`` pending ones of this extractor version were dropped first and
    ``kept_decided`` were skipped because a curator already decided on the same citation.
    """

    references: int = 0
    matched: int = 0
    stubs: int = 0
    contexts: int = 0
    written: int = 0
    replaced: int = 0
    kept_decided: int = 0


def extract_citations(document_id: int) -> int:
    """The extract-stage hook: references and citation receipts of a parsed document; receipts written.

    Idempotent; see :func:`store_citations`.
    """
    document = PaperDocument.objects.select_related("paper").get(pk=document_id)
    pages = dict(ParsedPage.objects.filter(document=document).values_list("number", "text"))
    texts = [pages.get(number, "") for number in range(1, max(pages, default=0) + 1)]
    if settings.ANTHROPIC_API_KEY:
        claude = ClaudeClassifier.from_settings()
        report = store_citations(
            document.paper, texts, classifier=claude, extractor=claude.name, version=claude.version
        )
    else:
        report = store_citations(document.paper, texts)
    logger.info(
        "citations of %s: %d references, %d matched (%d new stubs), %d contexts, %d receipts written",
        document.paper.arxiv_id,
        report.references,
        report.matched,
        report.stubs,
        report.contexts,
        report.written,
    )
    return report.written


Classifier = Callable[[list[tuple[str, str]]], list[Classification]]


def rule_classifier(items: list[tuple[str, str]]) -> list[Classification]:
    """Role and polarity of (sentence, marker) pairs from cue phrases (offline)."""
    return [classify_citation(sentence, marker) for sentence, marker in items]


def store_citations(
    paper: Paper,
    pages: list[str],
    *,
    classifier: Classifier = rule_classifier,
    extractor: str = EXTRACTOR,
    version: str = EXTRACTOR_VERSION,
) -> CitationReport:
    """Replace the paper's references and its pending citation receipts from ``pages`` (page 1 first).

    Idempotent. References are upserted by position (rows past the new list's end are deleted), so a
    re-run on the same parse keeps their ids. Pending citations of this extractor version are
    replaced; approved and rejected ones are never touched, and a new receipt repeating a decided one
    (same cited paper, same sentence) is not created again. Entries printing an arXiv id that no paper
    has yet become stub papers to fetch. Each receipt's ``method`` is the method the cited paper
    introduces, when the registry has one.
    """
    report = CitationReport()
    references = extract_references(pages)
    entries = references.entries if references else []
    contexts = citation_contexts(pages, references) if references else []
    report.references, report.contexts = len(entries), len(contexts)
    # Matching reads the database but writes only stubs; it runs before the transaction so the
    # paper's row lock is held only for the rewrite.
    matches = _match_entries(paper, entries, report)
    methods = _introduced_methods({m.key for m in matches.values()})
    classifications = classifier([(c.sentence, c.marker) for c in contexts])
    with transaction.atomic():
        Paper.objects.select_for_update().filter(pk=paper.pk).first()
        by_position = _replace_references(paper, entries, matches)
        decided = set(Citation.objects.filter(paper=paper).decided().values_list("cited_id", "quote"))
        rows: list[Citation] = []
        seen: set[tuple[int, str]] = set()
        for context, classification in zip(contexts, classifications, strict=True):
            for position in context.positions:
                match = matches.get(position)
                if match is None or match.key == paper.pk or (match.key, context.sentence) in seen:
                    continue
                seen.add((match.key, context.sentence))
                if (match.key, context.sentence) in decided:
                    report.kept_decided += 1
                    continue
                row = Citation(
                    paper=paper,
                    cited_id=match.key,
                    reference=by_position.get(position),
                    method_id=methods.get(match.key),
                    role=classification.role,
                    polarity=classification.polarity,
                    page=context.page,
                    locator=context.marker[:200],
                    quote=context.sentence,
                    confidence=classification.confidence,
                    extractor=extractor,
                    extractor_version=version,
                )
                rows.append(row)
        report.replaced, report.written = Citation.objects.replace_pending(paper.pk, extractor, version, rows)
    return report


def _match_entries(paper: Paper, entries: list[ReferenceEntry], report: CitationReport) -> dict[int, EntryMatch[int]]:
    """Reference position -> matched paper pk; creates stubs for printed arXiv ids not known yet."""
    printed = {e.arxiv_id for e in entries if e.arxiv_id and e.arxiv_id != paper.arxiv_id}
    by_arxiv_id: dict[str, tuple[int, str]] = {
        arxiv_id: (pk, "" if is_stub else title)
        for pk, arxiv_id, title, is_stub in Paper.objects.filter(arxiv_id__in=printed).values_list(
            "pk", "arxiv_id", "title", "is_stub"
        )
    }
    for entry in entries:
        if entry.arxiv_id in printed and entry.arxiv_id not in by_arxiv_id:
            stub = ensure_stub_paper(entry.arxiv_id, entry.title[:500], entry.year)
            by_arxiv_id[entry.arxiv_id] = (stub.pk, "")
            report.stubs += 1
    matcher = TitleMatcher(_candidate_titles(paper, entries))
    matches = {}
    for entry in entries:
        match = match_entry(entry, by_arxiv_id, matcher)
        if match is not None and match.key != paper.pk:
            matches[entry.position] = match
    report.matched = len(matches)
    return matches


def _candidate_titles(paper: Paper, entries: list[ReferenceEntry]) -> list[tuple[int, str]]:
    """(pk, title) of the papers a title match may pick from (see TITLE_INDEX_LIMIT)."""
    papers = Paper.objects.exclude(pk=paper.pk)
    if not entries:
        return []
    if papers.count() <= TITLE_INDEX_LIMIT:
        return list(papers.values_list("pk", "title"))
    words: list[str] = []
    for entry in entries:
        significant = sorted(significant_words(normalize_title(entry.title)), key=len, reverse=True)
        words += significant[:2]
    words = list(dict.fromkeys(w for w in words if len(w) >= 5))
    found: dict[int, str] = {}
    for start in range(0, len(words), _CANDIDATE_CHUNK):
        chunk = words[start : start + _CANDIDATE_CHUNK]
        query = reduce(or_, (Q(title__icontains=word) for word in chunk))
        found.update(papers.filter(query).values_list("pk", "title"))
    return list(found.items())


def _introduced_methods(paper_ids: set[int]) -> dict[int, int]:
    """The id of the method each paper introduces (the first by name when a paper introduces several)."""
    methods: dict[int, int] = {}
    rows = (
        Paper.objects.filter(pk__in=paper_ids, introduced_methods__isnull=False)
        .order_by("introduced_methods__name")
        .values_list("pk", "introduced_methods")
    )
    for paper_id, method_id in rows:
        methods.setdefault(paper_id, method_id)
    return methods


def _replace_references(
    paper: Paper, entries: list[ReferenceEntry], matches: dict[int, EntryMatch[int]]
) -> dict[int, Reference]:
    """Upsert the paper's Reference rows by position and drop the ones past the list's end."""
    rows = []
    for entry in entries:
        match = matches.get(entry.position)
        rows.append(
            Reference(
                paper=paper,
                position=entry.position,
                label=entry.label[:120],
                raw_text=entry.raw_text,
                title=entry.title,
                year=entry.year,
                arxiv_id=entry.arxiv_id[:40],
                matched_paper_id=match.key if match else None,
                match_score=match.score if match else None,
            )
        )
    if rows:
        Reference.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["paper", "position"],
            update_fields=["label", "raw_text", "title", "year", "arxiv_id", "matched_paper", "match_score"],
        )
    Reference.objects.filter(paper=paper, position__gt=len(entries)).delete()
    return {ref.position: ref for ref in Reference.objects.filter(paper=paper)}
