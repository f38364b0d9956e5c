"""The synthesis draft composed offline: every section of the document from the review's receipts,
its headline claims and the papers' own sentences. Each sentence of the findings and of the cross-paper
synthesis cites the receipts it rests on (paper, page, table or section); agreement is never made of
full-precision reference rows, and numbers are compared like with like only."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q

from baselines.models import BeatsReceipt, CritiqueReceipt, MethodCandidate
from benchmarks.models import BenchmarkResult, LeaderboardEntry
from papers.models import Citation, DocumentStatus, PaperDocument
from papers.provenance import QuoteStatus, ReceiptStatus
from reviews.ledger import quality_gate
from reviews.models import Claim, ClaimStatus, Review, ReviewPaper, Screening, SourceDepth, TaxonomyFit
from reviews.synthesis_evidence import Cite, Evidence, Item, joined, looks_whole, mended, names, percent, run_of

DOCUMENT_VERSION = 2
SECTIONS = (
    ("abstract", "Abstract"),
    ("questions", "Research questions"),
    ("method", "Method"),
    ("gate", "Evidence quality gate"),
    ("evidence_base", "Evidence base"),
    ("findings", "Findings"),
    ("synthesis", "Cross-paper synthesis"),
    ("comparison", "Numeric-claim comparison"),
    ("limitations", "Limitations and threats to validity"),
    ("references", "References"),
    ("audit", "Claim audit status"),
)
SYNTHESIS_PARTS = (
    ("key_findings", "Key findings"),
    ("agreement", "Points of agreement"),
    ("tension", "Points of tension"),
    ("counter_evidence", "Counter-evidence and failure cases"),
)
PER_PART = 8
PER_QUESTION = 5
PER_PAPER_IN_ANSWER = 2
COMPARISON_ROWS = 40
UNMATCHED_SHOWN = 6
OWN_LIMITS_SHOWN = 5
CITED_AT_MOST = 5  # papers one sentence cites when many say the same; the count names the rest
WEAK_NAMED = 10
MISSING_SHOWN = 8  # places where quotes were not found again, listed in the audit
MISSING_READ = 200
COUNTED = (BenchmarkResult, BeatsReceipt, CritiqueReceipt)
QUOTED = (BenchmarkResult, BeatsReceipt, CritiqueReceipt, MethodCandidate, Citation)  # as verify_quotes reads
STATUS_SHOWN = {ClaimStatus.SUPPORTED: "verified", ClaimStatus.PRELIMINARY: "preliminary"}
DEPTH_SHOWN = {SourceDepth.FULL_TEXT: "full text", SourceDepth.ABSTRACT: "abstract only"}
FAILURE = re.compile(
    r"\b(fail(s|ed|ure|ures)?|collaps\w*|struggl\w*|breaks? down|degrad\w*|accuracy (drop|loss)\w*|"
    r"(cannot|unable to|does not|do not) (achieve|preserve|recover|maintain|match|scale|work|resolve))\b",
    re.I,
)
# "without degrading", "minimal accuracy degradation": a success stated against a failure, not one.
SUCCESS_AGAINST_FAILURE = re.compile(
    r"\b(without|minimal|negligible|no|little|less than|at most|marginal|small)\b[^;]{0,40}(degrad|drop|loss)",
    re.I,
)
OWN_LIMITS = re.compile(r"\b(limitation\w*|future (work|research)|we leave|remains? (an )?open|not yet)\b", re.I)


def counted(n: int, noun: str) -> str:
    """ "1 paper", "3 papers"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def cite_json(evidence: Evidence, cite: Cite) -> dict[str, Any]:
    ref = evidence.refs.get(cite.paper, {})
    label = ref.get("label", f"arXiv:{cite.paper}")
    return {"paper": cite.paper, "label": label, "page": cite.page, "locator": cite.locator}


def sentence(evidence: Evidence, text: str, items: Iterable[Item], quote: str = "") -> dict[str, Any]:
    """A sentence of the document: what we say, the paper's own sentence when one is quoted, and
    the receipts it rests on (each cited once, in order)."""
    items = list(items)
    cites = list(dict.fromkeys(c for item in items for c in item.cites))
    return {
        "text": text,
        "quote": quote,
        "cites": [cite_json(evidence, c) for c in cites],
        "refs": list(dict.fromkeys(ref for item in items for ref in item.refs)),
    }


def said(evidence: Evidence, item: Item) -> dict[str, Any]:
    return sentence(evidence, item.text, [item], item.quote)


def narrative(evidence: Evidence, arxiv_id: str) -> str:
    """ "Lin et al. (2023)" for running text."""
    label = evidence.refs.get(arxiv_id, {}).get("label", f"arXiv:{arxiv_id}")
    author, _, year = label.rpartition(", ")
    return f"{author} ({year})" if author else label


def default_questions(review: Review) -> list[str]:
    """The question a review's scope asks when curators have written none."""
    scope = (review.tagline or review.title).strip().rstrip(".")
    return [f"What do the included papers show about {scope[:1].lower()}{scope[1:]}?"]


def questions(review: Review) -> list[str]:
    return [q for q in review.research_questions if isinstance(q, str) and q.strip()] or default_questions(review)


# A sentence in which the paper states its own contribution or result.
CONTRIBUTION = re.compile(
    r"\b(we (propose|present|introduce|show|demonstrate|find|achieve|develop)|our (method|approach|results?|"
    r"framework|pipeline|experiments?)|(this|our) (paper|work) (proposes|presents|introduces|shows)|in this "
    r"(paper|work),? we)\b",
    re.I,
)


def core_claims(evidence: Evidence) -> dict[str, Item]:
    """Each paper's headline claim: verified in the full text first, then one stating the paper's own
    contribution with numbers and a comparison, then the abstract's before the conclusion's."""
    best: dict[str, tuple[tuple[bool, int, bool], Item]] = {}
    for item in evidence.claims:
        strength = 2 * bool(CONTRIBUTION.search(item.quote)) + _compares(item)
        rank = (not item.verified, -strength, item.cites[0].locator != "abstract")
        paper = item.papers[0]
        if paper not in best or rank < best[paper][0]:
            best[paper] = (rank, item)
    return {paper: item for paper, (_, item) in best.items()}


def evidence_base(evidence: Evidence) -> list[dict[str, Any]]:
    core = core_claims(evidence)
    rows = []
    for arxiv_id in evidence.listed:
        paper, claim = evidence.papers[arxiv_id], core.get(arxiv_id)
        rows.append(
            {
                "paper": arxiv_id,
                "label": evidence.refs[arxiv_id]["label"],
                "title": paper.title,
                "role": paper.role,
                "claim": said(evidence, claim) if claim else None,
                "depth": DEPTH_SHOWN.get(claim.facts["depth"], "") if claim else "no claim extracted",
                "status": STATUS_SHOWN.get(claim.facts["status"], "") if claim else "no claim extracted",
                "fit": TaxonomyFit(paper.fit).label if paper.fit else "",
            }
        )
    return rows


_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "do", "does", "did", "for", "from", "has",
    "have", "how", "in", "into", "is", "it", "its", "of", "on", "or", "our", "than", "that", "the", "their",
    "them", "these", "they", "this", "those", "to", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "why", "with", "within", "without", "between", "across", "each", "other", "more", "most",
    # Words any research question and any paper use: they say nothing about which evidence answers which.
    "method", "methods", "model", "models", "language", "languages", "paper", "papers", "report", "reports",
    "reported", "keep", "keeps", "close", "differ", "different", "propose", "proposes", "proposed", "study",
    "studies", "show", "shows", "shown", "use", "uses", "used", "using", "approach", "approaches", "result",
    "results", "work", "works", "large", "new", "also", "there", "here", "any", "all", "some", "such",
})  # fmt: skip


def _stem(word: str) -> str:
    word = word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
    return word[:6]


def stems(text: str) -> set[str]:
    """Content words, crudely stemmed ("quantized" and "quantization" alike); "4-bit" also as "4" and "bit"."""
    found = set()
    for word in _WORD.findall(text.lower()):
        for part in {word, *re.split(r"[-.]", word)}:
            if part and part not in _STOPWORDS and (len(part) > 1 or part.isdigit()):
                found.add(_stem(part))
    return found


def answering(question: str, items: list[Item], bags: list[set[str]] | None = None) -> list[Item]:
    """The items that bear most on a question: the question's content words weighted by how rare they
    are among the items (a word every item has says nothing), at most two per paper. `bags` are the
    items' stems when the caller has them already."""
    wanted = stems(question)
    bags = bags if bags is not None else [stems(item.wording) for item in items]
    frequency: dict[str, int] = defaultdict(int)
    for bag in bags:
        for word in bag & wanted:
            frequency[word] += 1
    weight = {w: math.log((len(items) + 1) / (n + 0.5)) for w, n in frequency.items()}
    scored = sorted(
        (
            (
                sum(weight[w] for w in bag & wanted) * (1.0 if item.verified else PRELIMINARY_WEIGHT),
                not item.verified,
                i,
            )
            for i, (item, bag) in enumerate(zip(items, bags, strict=True))
        ),
        key=lambda s: (-s[0], s[1], s[2]),
    )
    chosen: list[Item] = []
    per_paper: dict[str, int] = defaultdict(int)
    for score, _, i in scored:
        item = items[i]
        if score < MIN_RELEVANCE or len(chosen) >= PER_QUESTION:
            break
        if per_paper[item.papers[0]] < PER_PAPER_IN_ANSWER:
            per_paper[item.papers[0]] += 1
            chosen.append(item)
    return chosen


PRELIMINARY_WEIGHT = 0.75  # an abstract-only sentence bears less than one found in the full text
# A match worth showing: one rare word of the question (in about a tenth of the items) or a few common ones.
MIN_RELEVANCE = 2.0
NO_ANSWER = (
    "No receipt or located sentence of the review's papers bears on this question yet; curators may reword it, "
    "or the review needs papers that address it."
)


def findings(evidence: Evidence, asked: list[str], across: list[Item]) -> list[dict[str, Any]]:
    """Each research question with the evidence that bears most on it: the papers' own sentences,
    receipts, and the statements across papers (agreement and tension) composed from them."""
    pool = [*evidence.claims, *evidence.critiques, *evidence.beats, *across]
    bags = [stems(item.wording) for item in pool]
    answers = []
    for question in asked:
        chosen = answering(question, pool, bags)
        papers = {p for item in chosen for p in item.papers}
        answers.append(
            {
                "question": question,
                "papers": len(papers),
                "sentences": [said(evidence, item) for item in chosen],
                "empty": "" if chosen else NO_ANSWER,
            }
        )
    return answers


def beats_edges(evidence: Evidence) -> dict[tuple[str, str], list[Item]]:
    """(winner, loser) -> the receipts reporting it, the best-evidenced first (verified, with values)."""
    edges: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in sorted(evidence.beats, key=lambda i: (not i.verified, not i.facts["values"], i.ref)):
        edges[(item.facts["winner"], item.facts["loser"])].append(item)
    return edges


def _first_per_paper(items: Iterable[Item]) -> list[Item]:
    return list({item.papers[0]: item for item in reversed(list(items))}.values())[::-1]


def key_findings(evidence: Evidence) -> list[dict[str, Any]]:
    """Comparisons between methods the papers report (most-reported first, at most three per paper),
    then verified headline claims that compare with numbers, from papers not cited yet."""
    edges = sorted(
        beats_edges(evidence).values(), key=lambda group: (-len(_first_per_paper(group)), not group[0].verified)
    )
    found: list[dict[str, Any]] = []
    per_paper: dict[str, int] = defaultdict(int)
    for group in edges:
        reports = _first_per_paper(group)
        paper = reports[0].papers[0]
        if len(found) >= PER_PART or per_paper[paper] >= 3:
            continue
        per_paper[paper] += 1
        if len(reports) > 1:
            who = names((narrative(evidence, r.papers[0]) for r in reports), most=CITED_AT_MOST)
            text = f"{who} each report {group[0].facts['winner']} beating {group[0].facts['loser']}."
            found.append(sentence(evidence, text, reports[:CITED_AT_MOST]))
        else:
            found.append(said(evidence, group[0]))
    cited = {c["paper"] for s in found for c in s["cites"]}
    claims = [c for p, c in core_claims(evidence).items() if p not in cited and c.verified and _compares(c)]
    claims.sort(key=lambda c: -evidence.papers[c.papers[0]].results)  # papers carrying most evidence first
    for claim in claims[: max(0, PER_PART - len(found))]:
        found.append(said(evidence, claim) | {"text": f"{narrative(evidence, claim.papers[0])} report:"})
    return found


def _compares(claim: Item) -> bool:
    return bool(claim.facts["numbers"] and claim.facts["comparison"])


def _against(evidence: Evidence) -> dict[str, dict[str, Item]]:
    """method -> paper -> the first receipt of that paper against it (beaten by another method, or criticised)."""
    against: dict[str, dict[str, Item]] = defaultdict(dict)
    for item in sorted(evidence.beats, key=lambda i: (not i.verified, i.ref)):
        against[item.facts["loser"]].setdefault(item.papers[0], item)
    for item in evidence.critiques:
        for method in item.methods:
            against[method].setdefault(item.papers[0], item)
    return against


def _against_phrase(evidence: Evidence, item: Item, subject: str = "it") -> str:
    who = narrative(evidence, item.papers[0])
    if item.kind == "beats":
        values = f", {item.facts['values']}" if item.facts["values"] else ""
        return f"{who} show {item.facts['winner']} beating {subject}{item.facts['where']}{values}"
    return f"{who} criticise {subject}"


def _against_phrases(evidence: Evidence, items: Iterable[Item]) -> str:
    """ "Lin et al. (2023) show AWQ beating it on …; Frantar et al. (2022) and Lee et al. (2023) criticise it"."""
    items = list(items)
    phrases = [_against_phrase(evidence, i) for i in items if i.kind == "beats"]
    critics = [narrative(evidence, i.papers[0]) for i in items if i.kind != "beats"]
    if critics:
        phrases.append(f"{names(critics)} criticise it")
    return "; ".join(phrases)


AGREEING = "agree agreement consistent same reproduced replicated independently confirm"
PULLING_APART = "disagree disagreement tension contradict conflicting differ reverse however yet"


def agreement(evidence: Evidence) -> list[Item]:
    """Where two or more papers say the same: like-for-like numbers within the threshold (never a
    full-precision reference row: those agree by construction and say nothing about a method), the
    same comparison reported twice, and weaknesses of one method reported independently."""
    found = [c for c in evidence.cells if not c.full_precision and not c.facts["flagged"]]
    for (winner, loser), group in beats_edges(evidence).items():
        reports = _first_per_paper(group)
        if len(reports) > 1:
            who = names((narrative(evidence, r.papers[0]) for r in reports), most=CITED_AT_MOST)
            found.append(joined(f"{who} each report {winner} beating {loser}.", reports[:CITED_AT_MOST], AGREEING))
    for method, by_paper in sorted(_against(evidence).items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(by_paper) < 2:
            break
        shown = list(by_paper.values())[:CITED_AT_MOST]
        more = len(by_paper) - len(shown)
        phrases = _against_phrases(evidence, shown) + (f"; and {counted(more, 'more paper')}" if more else "")
        text = f"{len(by_paper)} papers independently report weaknesses of {method}: {phrases}."
        found.append(joined(text, shown, AGREEING))
    return found[:PER_PART]


def tension(evidence: Evidence) -> list[Item]:
    """Where papers pull apart: like-for-like numbers beyond the threshold, comparisons reported both
    ways, and a method one paper shows winning that another beats or criticises."""
    found = [c for c in evidence.cells if not c.full_precision and c.facts["flagged"]]
    edges = beats_edges(evidence)
    for (winner, loser), group in edges.items():
        reverse = edges.get((loser, winner))
        if reverse and winner < loser:
            text = (
                f"{narrative(evidence, group[0].papers[0])} report {winner} beating {loser}, while "
                f"{narrative(evidence, reverse[0].papers[0])} report the reverse."
            )
            found.append(joined(text, [group[0], reverse[0]], PULLING_APART))
    against, contested = _against(evidence), set()
    for (winner, loser), group in edges.items():
        win = group[0]
        counter = next((i for p, i in against.get(winner, {}).items() if p != win.papers[0]), None)
        if counter is None or winner in contested:
            continue
        contested.add(winner)
        values = f", {win.facts['values']}" if win.facts["values"] else ""
        text = (
            f"{narrative(evidence, win.papers[0])} show {winner} beating {loser}{win.facts['where']}{values}, "
            f"yet {_against_phrase(evidence, counter, winner)}{_elsewhere(win, counter)}."
        )
        found.append(joined(text, [win, counter], PULLING_APART))
    return found[:PER_PART]


def _elsewhere(win: Item, counter: Item) -> str:
    """Says when the two receipts were measured in different settings (the tension may be the setting's)."""
    ours, theirs = win.facts.get("setting", ""), counter.facts.get("setting", "")
    return f" (at {theirs}, where the first was at {ours})" if ours and theirs and ours != theirs else ""


def counter_evidence(evidence: Evidence) -> list[dict[str, Any]]:
    """Criticisms of methods in the papers' own words (methods criticised by most papers first), then
    failure cases the papers' headline claims state."""
    papers_against: dict[str, set[str]] = defaultdict(set)
    for item in evidence.critiques:
        for method in item.methods:
            papers_against[method].add(item.papers[0])
    ranked = sorted(
        evidence.critiques,
        key=lambda i: (
            -max(len(papers_against[m]) for m in i.methods),
            not i.verified,
            i.papers[0],
            i.cites[0].page or 0,
        ),
    )
    found, per_paper = [], defaultdict(int)
    for item in ranked:
        if len(found) < PER_PART and per_paper[item.papers[0]] < 3:
            per_paper[item.papers[0]] += 1
            found.append(said(evidence, item))
    failures = sorted(
        (c for c in evidence.claims if FAILURE.search(c.quote) and not SUCCESS_AGAINST_FAILURE.search(c.quote)),
        key=lambda c: not c.verified,
    )
    found += [said(evidence, c) | {"text": "A failure case:"} for c in _first_per_paper(failures)[:3]]
    return found


def comparison(evidence: Evidence) -> dict[str, Any]:
    """The like-for-like table: each number two or more papers report for the same method, benchmark,
    model and setting, with each paper's value and page, flagged at the disagreement threshold."""
    rows = []
    for item in evidence.cells[:COMPARISON_ROWS]:
        f = item.facts
        rows.append(
            {
                "method": f["method"],
                "reference": item.full_precision,
                "benchmark": f["benchmark"],
                "model": f["model"],
                "setting": f["setting"],
                "spread": round(f["spread"], 4),
                "flagged": f["flagged"],
                "papers": f.get("papers", len(f["values"])),
                "values": [
                    {"value": v, **cite_json(evidence, c)} for v, c in zip(f["values"], item.cites, strict=True)
                ],
            }
        )
    compared = {v["paper"] for r in rows if not r["reference"] for v in r["values"]}
    alone = [c for p, c in core_claims(evidence).items() if p not in compared and c.verified and c.facts["numbers"]]
    alone.sort(key=lambda c: -evidence.papers[c.papers[0]].results)  # papers carrying most evidence first
    return {
        "threshold": settings.DISAGREEMENT_THRESHOLD,
        "compared": max(evidence.compared_total, len(rows)),  # all like-for-like numbers, rows the first
        "rows": rows,
        "flagged": sum(1 for r in rows if r["flagged"] and not r["reference"]),
        # Numeric claims no other paper measures like for like yet: shown where they are, never compared.
        "unmatched": [said(evidence, c) for c in alone[:UNMATCHED_SHOWN]],
    }


def _counts(queryset: Any, field: str) -> dict[str, int]:
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


def method_section(evidence: Evidence) -> dict[str, Any]:
    """The production protocol: what was searched and when, what counts, which extractors and parser
    versions read the papers, and how far curators have got."""
    review = evidence.review
    entries = ReviewPaper.objects.filter(review=review)
    included = review.included_paper_ids()
    extractors: dict[tuple[str, str], int] = defaultdict(int)
    for model in COUNTED:
        for name, version, n in (
            model.objects.filter(paper__in=included)
            .values_list("extractor", "extractor_version")
            .annotate(n=Count("id"))
            .order_by()
        ):
            extractors[(name, version)] += n
    curation: dict[str, int] = defaultdict(int)
    for model in COUNTED:
        for status, n in _counts(model.objects.filter(paper__in=included), "status").items():
            curation[status] += n
    published = entries.included().aggregate(first=Min("paper__published"), last=Max("paper__published"))
    return {
        "since": review.ingest_since.isoformat() if review.ingest_since else "",
        "until": review.last_ingested_at.date().isoformat() if review.last_ingested_at else "",
        "first_published": published["first"].date().isoformat() if published["first"] else "",
        "last_published": published["last"].date().isoformat() if published["last"] else "",
        "categories": list(review.arxiv_categories),
        "query_terms": list(review.query_terms),
        "exclude_terms": list(review.exclude_terms),
        "criteria": review.inclusion_criteria,
        "basis": "approved receipts only" if evidence.approved_only else "approved and pending receipts",
        "extractors": [
            {"name": name, "version": version, "receipts": n} for (name, version), n in sorted(extractors.items())
        ],
        "parsers": [
            {"version": version or "unknown", "papers": n}
            for version, n in sorted(
                _counts(
                    PaperDocument.objects.filter(paper__in=included, status=DocumentStatus.PARSED), "parser_version"
                ).items()
            )
        ],
        "papers": {
            "found": entries.count(),
            "included": entries.included().count(),
            "fit": {TaxonomyFit(k).label: v for k, v in _counts(entries, "fit").items()},
            "screening": {Screening(k).label: v for k, v in _counts(entries, "screening").items()},
            "fit_by_curators": entries.filter(fit_decided_by__isnull=False).count(),
        },
        "curation": {ReceiptStatus(k).label: curation[k] for k in ReceiptStatus.values},
    }


def gate_section(evidence: Evidence) -> dict[str, Any]:
    """The quality gate as the ledger computes it, with one verified and one preliminary row as examples."""
    gate = asdict(quality_gate(evidence.review))
    verified = next((c for c in evidence.claims if c.verified and c.cites[0].page), None)
    preliminary = next((c for c in evidence.claims if not c.verified and c.facts["numbers"]), None)
    gate["verified_example"] = said(evidence, verified) if verified else None
    gate["preliminary_example"] = said(evidence, preliminary) if preliminary else None
    return gate


def audit_section(evidence: Evidence) -> dict[str, Any]:
    """Claim and quote re-verification as stored, over the included papers (the proof score is what
    `verify_quotes` reports: quotes found again in the paper's text over quotes checked), and where
    the quotes that were not found again are."""
    in_review = Q(paper__in=evidence.review.included_paper_ids())
    claims = _counts(Claim.objects.filter(in_review), "status")
    quotes: dict[str, int] = defaultdict(int)
    lost: dict[tuple[str, str, int | None, str, str], int] = defaultdict(int)
    for model in QUOTED:
        quoted_receipts = model.objects.filter(in_review).exclude(quote="")
        for status, n in _counts(quoted_receipts, "quote_status").items():
            quotes[status] += n
        missing = quoted_receipts.filter(quote_status=QuoteStatus.MISSING).select_related("paper")
        for r in missing.only("paper__arxiv_id", "page", "locator", "quote").order_by("pk")[:MISSING_READ]:
            quote = mended(r.quote)
            kind = str(model._meta.verbose_name)
            lost[(kind, r.paper.arxiv_id, r.page, r.locator, quote if looks_whole(quote) else "")] += 1
    rechecked = _counts(Claim.objects.filter(in_review, checked_at__isnull=False), "status")
    found = quotes[QuoteStatus.VERIFIED] + rechecked.get(ClaimStatus.SUPPORTED, 0)
    checked = quotes[QuoteStatus.VERIFIED] + quotes[QuoteStatus.MISSING] + sum(rechecked.values())
    return {
        "claims": {ClaimStatus(k).label: claims.get(k, 0) for k in ClaimStatus.values},
        "quotes": {QuoteStatus(k).label: quotes[k] for k in QuoteStatus.values},
        "found": found,
        "checked": checked,
        "proof_score": round(found / checked, 3) if checked else None,
        "threshold": settings.QUOTE_PROOF_THRESHOLD,
        "missing": [
            sentence(evidence, counted(n, kind) + (", quoting:" if quote else ""), [], quote)
            | {"cites": [cite_json(evidence, Cite(paper, page, locator))]}
            for (kind, paper, page, locator, quote), n in list(lost.items())[:MISSING_SHOWN]
        ],
    }


def limitations(evidence: Evidence, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Threats to the validity of what the draft says, from the review's own state and the papers' words."""
    gate, curation = doc["gate"], doc["method"]["curation"]
    found = [
        sentence(
            evidence,
            f"Every receipt was extracted by machine; {curation['Approved']} of "
            f"{sum(curation.values())} have been approved by a curator, {curation['Pending']} await review "
            f"and {curation['Rejected']} were rejected.",
            [],
        )
    ]
    n = gate["preliminary"]
    if n:
        example = gate["preliminary_example"] or {"quote": "", "cites": [], "refs": []}
        text = (
            f"{counted(n, 'headline claim')} {_verb(n, 'rests', 'rest')} on the abstract only and "
            f"{_verb(n, 'was', 'were')} not found in a full text; for example:"
        )
        found.append(example | {"text": text})
    weak = [a for a in evidence.listed if evidence.papers[a].fit in (TaxonomyFit.WEAK, TaxonomyFit.UNASSESSED)]
    if weak:
        n = len(weak)
        text = (
            f"{counted(n, 'included paper')} only weakly {_verb(n, 'fits', 'fit')} the scope or "
            f"{_verb(n, 'is', 'are')} not assessed yet" + (f"; the first {WEAK_NAMED}:" if n > WEAK_NAMED else ".")
        )
        found.append(sentence(evidence, text, [_scope_item(a) for a in weak[:WEAK_NAMED]]))
    for item in (c for c in evidence.cells if c.full_precision and c.facts["flagged"]):
        f = item.facts
        text = (
            f"The papers' full-precision reference numbers differ for {run_of(f)}: {names(f['values'])}, "
            f"{percent(f['spread'])} apart; their evaluation setups differ, so their quantized numbers are not "
            "directly comparable."
        )
        found.append(sentence(evidence, text, [item]))
        break
    found += _reach(evidence, doc)
    own = evidence.limits + [c for c in evidence.claims if c.verified and OWN_LIMITS.search(c.quote)]
    found += [
        said(evidence, c) | {"text": "A limitation the paper states:"} for c in _first_per_paper(own)[:OWN_LIMITS_SHOWN]
    ]
    return found


def _scope_item(arxiv_id: str) -> Item:
    return Item(f"scope:{arxiv_id}", "scope", "", "", [Cite(arxiv_id, None, "scope")])


def _reach(evidence: Evidence, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """How far the numbers reach: reported once only, benchmarks the tables did not name, quotes lost."""
    cells = LeaderboardEntry.objects.filter(review=evidence.review, approved_only=evidence.approved_only)
    counts = cells.aggregate(total=Count("id"), single=Count("id", filter=Q(compared__lt=2)))
    inferred = (
        BenchmarkResult.objects.counted_in(evidence.review, approved_only=evidence.approved_only)
        .filter(benchmark_inferred=True)
        .count()
    )
    found = []
    if counts["total"]:
        found.append(
            f"{counts['single']} of the {counted(counts['total'], 'reported number')} {_verb(counts['single'], 'comes', 'come')} from a single paper; "
            "nothing in the review measures them a second time."
        )
    if inferred:
        found.append(
            f"{counted(inferred, 'result')} {_verb(inferred, 'comes', 'come')} from tables that do not name their benchmark; shown on the "
            "leaderboards but never compared across papers."
        )
    missing = doc["audit"]["quotes"][QuoteStatus.MISSING.label]
    if missing:
        found.append(
            f"{counted(missing, 'quote')} {_verb(missing, 'was', 'were')} not found again in the paper's current text "
            "(see the claim audit)."
        )
    if len(evidence.listed) < doc["method"]["papers"]["included"]:
        found.append(f"The evidence base lists the first {len(evidence.listed)} papers by date; counts cover all.")
    return [sentence(evidence, text, []) for text in found]


def cited_papers(node: Any) -> set[str]:
    """Every paper a citation anywhere in the document names."""
    if isinstance(node, list):
        return set().union(*(cited_papers(n) for n in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["paper"]} if isinstance(node.get("paper"), str) and "label" in node else set()
    return found.union(*(cited_papers(v) for v in node.values() if isinstance(v, list | dict)))


def reference_list(evidence: Evidence, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The papers the evidence base lists and every paper a sentence of the document cites."""
    cited = set(evidence.listed) | cited_papers(doc)
    refs = [ref for arxiv_id, ref in evidence.refs.items() if arxiv_id in cited]
    return sorted(refs, key=lambda r: (r["label"].lower(), r["arxiv_id"]))


def abstract(evidence: Evidence, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """A summary in a few sentences: scope and size, the leading finding of each part, the numbers
    compared, and whether the evidence is ready to cite."""
    papers, gate, method = doc["method"]["papers"], doc["gate"], doc["method"]
    fit = papers["fit"]
    window = f" from {method['since']} to {method['until']}" if method["since"] and method["until"] else ""
    asked = len(doc["questions"])
    found = [
        sentence(
            evidence,
            f"This draft synthesises the {papers['included']} papers the {evidence.review.title} review includes "
            f"({fit.get(TaxonomyFit.IN_SCOPE.label, 0)} in scope, {fit.get(TaxonomyFit.WEAK.label, 0)} a weak fit), "
            f"found on arXiv{window}, to answer {counted(asked, 'research question')}.",
            [],
        )
    ]
    for key in ("key_findings", "tension"):
        found += doc["synthesis"][key][:1]
    found += _most_criticised(evidence)
    table = doc["comparison"]
    flagged = next((i for i in evidence.cells if i.facts["flagged"] and not i.full_precision), None)
    rows = [r for r in table["rows"] if not r["reference"]]
    total = table.get("compared", len(rows))
    shown = f" (the {len(rows)} with the widest spread are compared below)" if total > len(table["rows"]) else ""
    text = (
        f"{counted(total, 'result')} {_verb(total, 'is', 'are')} reported by two or more papers for the same method, "
        f"benchmark, model and setting{shown}; {table['flagged']} of those compared "
        f"{_verb(table['flagged'], 'differs', 'differ')} by {table['threshold']:.0%} or more."
        if rows
        else "No method's result is reported by two papers for the same benchmark, model and setting yet, so no "
        "number of a method can be checked against a second paper."
    )
    found.append(sentence(evidence, text, [flagged] if flagged else []))
    verdict = "ready to cite" if gate["ready"] else "not yet ready to cite"
    text = (
        f"{gate['verified']} of {gate['claims']} headline claims are verified in the full text and "
        f"{gate['preliminary']} rest on abstracts only, so the evidence is {verdict}."
    )
    found.append(sentence(evidence, text, []))
    return found


def _most_criticised(evidence: Evidence) -> list[dict[str, Any]]:
    """The method most papers report weaknesses of, as one sentence citing each of them."""
    against = _against(evidence)
    if not against:
        return []
    method, by_paper = min(against.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    count = f"{len(by_paper)} papers report" if len(by_paper) > 1 else "one paper reports"
    return [
        sentence(
            evidence,
            f"The method the papers fault most often is {method}: {count} its weaknesses.",
            list(by_paper.values())[:CITED_AT_MOST],
        )
    ]


def compose_document(evidence: Evidence, title: str = "") -> dict[str, Any]:
    """Every section of the draft, offline. The abstract comes last: it summarises the others."""
    review = evidence.review
    doc: dict[str, Any] = {
        "version": DOCUMENT_VERSION,
        "title": title or f"{review.title}: a living systematic review",
        "questions": questions(review),
        "method": method_section(evidence),
        "gate": gate_section(evidence),
        "evidence_base": evidence_base(evidence),
        "included_papers": evidence.included_total,
        "audit": audit_section(evidence),
        "comparison": comparison(evidence),
        "dropped": [],
    }
    agreeing, pulling_apart = agreement(evidence), tension(evidence)
    doc["findings"] = findings(evidence, doc["questions"], [*agreeing, *pulling_apart])
    doc["synthesis"] = {
        "key_findings": key_findings(evidence),
        "agreement": [said(evidence, item) for item in agreeing],
        "tension": [said(evidence, item) for item in pulling_apart],
        "counter_evidence": counter_evidence(evidence),
    }
    doc["limitations"] = limitations(evidence, doc)
    doc["abstract"] = abstract(evidence, doc)
    doc["references"] = reference_list(evidence, doc)
    return doc
