"""The evidence ledger: headline claims, quote re-verification, the quality gate, disagreements.

Everything here reads stored parses; nothing fetches. `refresh_evidence` is an extract-stage hook,
so a paper's claims and quotes are (re)checked whenever one of its versions is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, MethodCandidate
from benchmarks.models import BenchmarkResult
from papers.models import Citation, DocumentStatus, Paper
from papers.provenance import QuoteStatus, ReceiptStatus
from papers.summaries import conclusion_text, sentences
from reviews.models import Claim, ClaimStatus, Review, ReviewPaper, SourceDepth, TaxonomyFit
from worker.reading.quotes import QuoteMatch, find_quote, pages_near

RECEIPT_MODELS = (BenchmarkResult, BeatsReceipt, CritiqueReceipt, MethodCandidate, Citation)
COMPARISON = re.compile(
    r"\b(outperform\w*|surpass\w*|better than|superior to|beats?|exceed\w*|improv\w+|reduc\w+|"
    r"within [0-9.]+|compared (to|with)|than|speed-?ups?|faster|lower|higher|matches|on par)\b",
    re.IGNORECASE,
)
QUANTITY = re.compile(r"\d+(\.\d+)?\s*(%|×|x\b|points?|bits?|-bit|perplexity|ppl|gb|ms)?", re.IGNORECASE)


def claim_candidates(text: str) -> list[tuple[str, bool, bool]]:
    """Sentences that compare or quantify: (sentence, has numbers, is a comparison)."""
    found = []
    for sentence in sentences(text):
        numbers = bool(re.search(r"\d", sentence)) and bool(QUANTITY.search(sentence))
        comparison = bool(COMPARISON.search(sentence))
        if (
            30 <= len(sentence) <= 600
            and (numbers or comparison)
            and (comparison or "%" in sentence or "×" in sentence)
        ):
            found.append((sentence, numbers, comparison))
    return found


def extract_claims(paper: Paper, pages: dict[int, str]) -> list[Claim]:
    """The paper's headline claims (abstract, then conclusion), linked to the receipts backing them."""
    wanted: list[tuple[str, str, bool, bool]] = [(s, "abstract", n, c) for s, n, c in claim_candidates(paper.abstract)]
    wanted += [(s, "conclusion", n, c) for s, n, c in claim_candidates(conclusion_text(sorted(pages.items())))]
    claims = []
    beats = list(
        BeatsReceipt.objects.filter(paper=paper).exclude(status=ReceiptStatus.REJECTED).select_related("baseline")
    )
    results = list(
        BenchmarkResult.objects.filter(paper=paper)
        .exclude(status=ReceiptStatus.REJECTED)
        .only("id", "value_text", "value")
    )
    for sentence, origin, numbers, comparison in wanted:
        claim, _ = Claim.objects.update_or_create(
            paper=paper,
            sentence=sentence[:2000],
            defaults={"origin": origin, "has_numbers": numbers, "is_comparison": comparison},
        )
        lowered = sentence.lower()
        claim.beats.set([b for b in beats if b.baseline.name.lower() in lowered])
        claim.results.set(
            [
                r
                for r in results
                if r.value_text and re.search(rf"(?<![\d.]){re.escape(r.value_text)}(?![\d])", sentence)
            ]
        )
        claims.append(claim)
    return claims


@dataclass
class VerifyReport:
    checked: int = 0
    verified: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.verified / self.checked if self.checked else 1.0


def _find_receipt_quote(quote: str, page: int | None, pages: dict[int, str], threshold: float) -> QuoteMatch:
    """A table-derived quote joins rows with " | " (the winner's row and the baseline's): each must be there."""
    parts = [part for part in quote.split(" | ") if part.strip()] or [quote]
    matches = []
    for part in parts:
        match = find_quote(part, pages_near(pages, page), threshold)
        if not match.found and page is not None:
            match = find_quote(part, sorted(pages.items()), threshold)
        matches.append(match)
    worst = min(matches, key=lambda m: (m.found, m.score))
    return QuoteMatch(all(m.found for m in matches), matches[0].page, worst.score)


def verify_paper(paper: Paper, pages: dict[int, str] | None = None) -> VerifyReport:
    """Check every quote of the paper's receipts and claims against its current version's text.

    A quote found before and not found now (a new version moved or dropped it) is flagged missing.
    Idempotent; returns what was checked and what failed, with locators.
    """
    pages = paper.page_texts() if pages is None else pages
    report = VerifyReport()
    if not pages:
        return report
    threshold = settings.QUOTE_MATCH_THRESHOLD
    now = timezone.now()
    with transaction.atomic():
        for model in RECEIPT_MODELS:
            for receipt in model.objects.filter(paper=paper).exclude(quote=""):
                match = _find_receipt_quote(receipt.quote, receipt.page, pages, threshold)
                report.checked += 1
                report.verified += match.found
                if not match.found:
                    report.failures.append(
                        {
                            "paper": paper.arxiv_id,
                            "kind": model._meta.model_name,
                            "id": receipt.pk,
                            "page": receipt.page,
                            "locator": receipt.locator,
                            "quote": receipt.quote[:200],
                            "score": round(match.score, 2),
                        }
                    )
                model.objects.filter(pk=receipt.pk).update(
                    quote_status=QuoteStatus.VERIFIED if match.found else QuoteStatus.MISSING,
                    quote_checked_at=now,
                    quote_checked_version=paper.version,
                )
        for claim in Claim.objects.filter(paper=paper):
            match = find_quote(claim.sentence, sorted(pages.items()), threshold)
            report.checked += 1
            report.verified += match.found
            if not match.found:
                report.failures.append(
                    {
                        "paper": paper.arxiv_id,
                        "kind": "claim",
                        "id": claim.pk,
                        "page": None,
                        "locator": claim.origin,
                        "quote": claim.sentence[:200],
                        "score": round(match.score, 2),
                    }
                )
            Claim.objects.filter(pk=claim.pk).update(
                status=ClaimStatus.SUPPORTED if match.found else ClaimStatus.UNSUPPORTED,
                source_depth=SourceDepth.FULL_TEXT if match.found else SourceDepth.ABSTRACT,
                page=match.page if match.found else None,
                match_score=match.score,
                checked_at=now,
                checked_version=paper.version,
            )
    return report


def refresh_evidence(document_id: int) -> int:
    """Extract-stage hook: claims of the document's paper, then every quote re-verified. Returns 0
    (it writes no receipts; claims are ledger rows)."""
    paper = Paper.objects.get(documents__pk=document_id)
    pages = paper.page_texts()
    extract_claims(paper, pages)
    verify_paper(paper, pages)
    return 0


def verify_review(review: Review) -> VerifyReport:
    """Re-verify every included paper of the review that has a parsed text."""
    total = VerifyReport()
    papers = Paper.objects.filter(review_entries__review=review, documents__status=DocumentStatus.PARSED).distinct()
    for paper in papers.iterator():
        report = verify_paper(paper)
        total.checked += report.checked
        total.verified += report.verified
        total.failures += report.failures
    return total


@dataclass
class QualityGate:
    claims: int
    verified: int
    preliminary: int
    unsupported: int
    preliminary_with_numbers: int
    out_of_scope: int
    weak_scope: int
    ready: bool
    reasons: list[str]


def quality_gate(review: Review) -> QualityGate:
    """Whether the review's evidence is ready to be cited, and if not, why. Computed by the recompute
    (one aggregate query) and stored with the derived counts; pages read `stored_quality_gate`."""
    scope = dict(ReviewPaper.objects.filter(review=review).values_list("fit").annotate(n=Count("id")).order_by())
    numbers = Claim.objects.filter(paper__in=review.included_paper_ids()).aggregate(
        claims=Count("id"),
        verified=Count("id", filter=Q(status=ClaimStatus.SUPPORTED)),
        preliminary=Count("id", filter=Q(status=ClaimStatus.PRELIMINARY)),
        unsupported=Count("id", filter=Q(status=ClaimStatus.UNSUPPORTED)),
        preliminary_with_numbers=Count(
            "id", filter=Q(status=ClaimStatus.PRELIMINARY) & (Q(has_numbers=True) | Q(is_comparison=True))
        ),
    )
    included = dict(
        ReviewPaper.objects.filter(review=review).included().values_list("fit").annotate(n=Count("id")).order_by()
    )
    reasons = []
    if included.get(TaxonomyFit.WEAK):
        reasons.append(f"{included[TaxonomyFit.WEAK]} included paper(s) only weakly fit the scope")
    if included.get(TaxonomyFit.UNASSESSED):
        reasons.append(f"{included[TaxonomyFit.UNASSESSED]} included paper(s) not assessed for scope yet")
    if numbers["claims"] == 0:
        reasons.append("no claims extracted yet")
    if numbers["unsupported"]:
        reasons.append(f"{numbers['unsupported']} claim(s) not found in their paper's text")
    if numbers["preliminary_with_numbers"]:
        reasons.append(
            f"{numbers['preliminary_with_numbers']} preliminary claim(s) carry numbers or comparisons (abstract only)"
        )
    return QualityGate(
        **numbers,
        out_of_scope=scope.get(TaxonomyFit.OUT_OF_SCOPE, 0),
        weak_scope=scope.get(TaxonomyFit.WEAK, 0),
        ready=not reasons,
        reasons=reasons,
    )


def stored_quality_gate(review: Review) -> QualityGate:
    """The gate as the last recompute stored it (never computed during a request)."""
    stored = review.derived_gate
    if not stored:
        return QualityGate(0, 0, 0, 0, 0, 0, 0, ready=False, reasons=["the review has not been recomputed yet"])
    return QualityGate(**stored)
