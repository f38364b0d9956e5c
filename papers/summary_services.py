"""Building a paper's structured summary at extract time, and reading how well its key results are
backed when its page is shown.

`build_summary` reads the paper's stored parse and its receipts (through the paper's reverse
relations: their models live in the apps above) and stores one `PaperSummary`; it runs in the
extract stage (`papers.claude_summary.summarize_document`), never during a request. `backing`
is what the page adds at render time, in two queries whatever the paper: the key results' receipts
(status, quote re-verified) come with the page's receipts, and one query finds other papers'
values for the same numbers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from papers.concepts import find_concepts
from papers.headlines import OwnMethods, coverage_checks, key_results, method_facts, own_method_names, shown
from papers.models import DocumentStatus, Paper, PaperDocument, PaperSummary
from papers.provenance import QuoteStatus, ReceiptStatus
from papers.summaries import (
    CONTRIBUTION_CUES,
    Located,
    abstract_sentences,
    calibration_sentences,
    executive_summary,
    limitations,
    located_sentences,
    mechanisms,
    method_sentences,
    open_questions,
)
from worker.extract.names import normalize_model_name

EXTRACTIVE = "extractive"


def _json(items: list[Located]) -> list[dict[str, Any]]:
    return [s.as_json() for s in items]


def parsed_document(paper: Paper) -> PaperDocument | None:
    """The parse a summary reads: the paper's current version, else its newest parsed version (a
    local PDF stamped with a version arXiv's record has not reached yet)."""
    parsed = paper.documents.filter(status=DocumentStatus.PARSED)
    return parsed.filter(version=paper.version).first() or parsed.order_by("-version").first()


def page_texts(document: PaperDocument | None) -> dict[int, str]:
    return dict(document.pages.values_list("number", "text")) if document is not None else {}


def summary_inputs(paper: Paper) -> dict[str, Any]:
    """What a summary is built from: the parsed pages and the paper's receipts."""
    document = parsed_document(paper)
    results = list(
        paper.benchmarkresults.exclude(status=ReceiptStatus.REJECTED)
        .select_related("method", "benchmark")
        .order_by("page", "pk")
    )
    beats = list(paper.beatsreceipts.exclude(status=ReceiptStatus.REJECTED).select_related("method"))
    critiques = list(paper.critiquereceipts.exclude(status=ReceiptStatus.REJECTED).select_related("method"))
    return {
        "pages": page_texts(document),
        "page_count": document.page_count if document else None,
        "reference_count": paper.references.count(),
        "introduced": list(paper.introduced_methods.all()),
        "results": results,
        "beats": beats,
        "critiques": critiques,
    }


def compose(paper: Paper, inputs: dict[str, Any]) -> dict[str, Any]:
    """Every section of the summary, extractive: the paper's own sentences and its receipts."""
    pages, results = inputs["pages"], inputs["results"]
    own_names = own_method_names([m.name for m in inputs["introduced"]], [b.method.name for b in inputs["beats"]])
    own = OwnMethods(own_names)
    located = located_sentences(pages.items())
    abstract = abstract_sentences(paper.abstract, pages.items()) if paper.abstract else []
    critiques = [c.quote for c in inputs["critiques"]]
    foreign = {r.method.name for r in results if not own(r.method.name)} | {c.method.name for c in inputs["critiques"]}
    opens = open_questions(located, exclude=critiques)
    limits = limitations(located, exclude=[*critiques, *(s.text for s in opens)])
    reasons = mechanisms(located, own_names, foreign_names=foreign, exclude=[*critiques, *(s.text for s in limits)])
    executive = executive_summary(abstract, located, own_names)
    facts = method_facts(results, own_names)
    keys = key_results(results, own_names)
    return {
        "contribution": next((s.text for s in executive if CONTRIBUTION_CUES.search(s.text)), ""),
        "facts": {
            "page_count": inputs["page_count"] or (max(pages) if pages else None),
            "reference_count": inputs["reference_count"],
            "methods": _own_links(own_names, inputs),
            "primary": keys[0] if keys else None,
        },
        "executive": _json(executive),
        "method": {
            **facts,
            "sentences": _json(method_sentences(located, own_names)),
            "calibration": _json(calibration_sentences(located, exclude=critiques)),
        },
        "key_results": keys,
        "mechanisms": _json(reasons),
        "concepts": find_concepts(located, *_links(results, own)),
        "limitations": _json(limits),
        "open_questions": _json(opens),
        "checks": coverage_checks(results, own_names, [b["name"] for b in facts["baselines"]]),
    }


def _own_links(own_names: list[str], inputs: dict[str, Any]) -> list[dict[str, str]]:
    known = {m.name: m for m in inputs["introduced"]} | {b.method.name: b.method for b in inputs["beats"]}
    return [{"name": name, "url": known[name].get_absolute_url()} for name in own_names if name in known]


def _links(results: list[Any], own: OwnMethods) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The review's methods (not the paper's own: the page is about it) and benchmarks its receipts name."""
    methods = {
        r.method.name: r.method.get_absolute_url()
        for r in results
        if not r.method.provisional and not r.method.is_reference_point and not own(r.method.name)
    }
    benchmarks = {
        r.benchmark.name: (r.benchmark.metric, r.benchmark.get_absolute_url())
        for r in results
        if not r.benchmark.provisional and not r.benchmark_inferred
    }
    return list(methods.items()), [(name, metric, url) for name, (metric, url) in benchmarks.items()]


def build_summary(paper_id: int) -> PaperSummary:
    """(Re)build and store the paper's extractive summary; idempotent."""
    paper = Paper.objects.get(pk=paper_id)
    sections = compose(paper, summary_inputs(paper))
    summary, _ = PaperSummary.objects.update_or_create(
        paper=paper, defaults={**sections, "generator": EXTRACTIVE, "generated_at": timezone.now()}
    )
    return summary


# --------------------------------------------------------------------------------------------
# Render time: how well each key result is backed, and what to check next


OTHER_REPORTS_READ = 500  # other papers' values read for a page's key results
OTHER_REPORTS_SHOWN = 10  # per key result; the rest are counted


def _other_reports(paper: Paper, keys: list[dict[str, Any]]) -> list[Any]:
    """Other papers' values for the key results' methods and benchmarks (one query)."""
    wanted = {
        (k["method_id"], k["benchmark_id"], k.get("setting", ""))
        for k in keys
        if k.get("method_id") and k.get("benchmark_id")
    }
    if not wanted:
        return []
    condition = Q()
    for method_id, benchmark_id, setting in wanted:  # the (method, benchmark, setting) index
        condition |= Q(method_id=method_id, benchmark_id=benchmark_id, setting=setting)
    model = paper.benchmarkresults.model
    # What public pages may show (never a paper every review screened out), and a bounded read: a
    # common number (GPTQ, WikiText-2, W4A16) is reported by thousands of papers at scale.
    return list(
        model.objects.filter(condition, benchmark_inferred=False)
        .exclude(paper=paper)
        .public()
        .select_related("paper")
        .only(
            "paper__arxiv_id",
            "paper__title",
            "method_id",
            "benchmark_id",
            "model_name",
            "setting",
            "value",
            "value_text",
            "page",
            "status",
        )
        .order_by("paper__arxiv_id", "pk")[:OTHER_REPORTS_READ]
    )


def _spread(a: float, b: float) -> float:
    mean = abs((a + b) / 2)
    return abs(a - b) / mean if mean else 0.0


def backing(paper: Paper, summary: PaperSummary | None, results: list[Any]) -> list[dict[str, Any]]:
    """Per key result: its receipt's decision, whether its quote was found again in the current
    text, and the other papers that report the same number (agreeing, or disagreeing by more than
    the review's disagreement threshold)."""
    keys = [k for k in (summary.key_results if summary else []) if isinstance(k, dict) and k.get("result_id")]
    receipts = {r.pk: r for r in results}
    others = _other_reports(paper, keys)
    rows = []
    for key in keys:
        receipt = receipts.get(key["result_id"])
        same = [
            o
            for o in others
            if (o.method_id, o.benchmark_id, o.setting) == (key["method_id"], key["benchmark_id"], key["setting"])
            and normalize_model_name(o.model_name) == normalize_model_name(key["model"])
        ]
        rows.append(_backing_row(key, receipt, same))
    return rows


def _backing_row(key: dict[str, Any], receipt: Any, same: list[Any]) -> dict[str, Any]:
    threshold = settings.DISAGREEMENT_THRESHOLD
    value = receipt.value if receipt is not None else None
    judged = [
        {
            "paper": o.paper,
            "value": shown(o),
            "page": o.page,
            "disagrees": value is not None and _spread(value, o.value) >= threshold,
        }
        for o in same
    ]
    # In arXiv order; past the ones shown, disagreeing papers are kept first and the rest counted.
    shown_first = judged if len(judged) <= OTHER_REPORTS_SHOWN else sorted(judged, key=lambda r: not r["disagrees"])
    reports, more = shown_first[:OTHER_REPORTS_SHOWN], max(0, len(judged) - OTHER_REPORTS_SHOWN)
    status = receipt.status if receipt is not None else ""
    quote = receipt.quote_status if receipt is not None else ""
    disputed = any(r["disagrees"] for r in judged)
    if receipt is None or status == ReceiptStatus.REJECTED or quote == QuoteStatus.MISSING or disputed:
        level = "low"
    elif status == ReceiptStatus.APPROVED and quote == QuoteStatus.VERIFIED:
        level = "high"
    else:
        level = "medium"
    return {
        "key": key,
        "receipt": receipt,
        "status": status,
        "quote_status": quote,
        "reports": reports,
        "more_reports": more,
        "disputed": disputed,
        "level": level,
    }


def next_checks(summary: PaperSummary | None, rows: list[dict[str, Any]]) -> list[str]:
    """What a careful reader would verify next: disagreements to resolve first, then key results
    resting on quotes not found again or on receipts no curator decided, then the comparisons the
    paper left out (stored with the summary)."""
    checks: list[str] = []
    for row in rows:
        key = row["key"]
        for report in (r for r in row["reports"] if r["disagrees"]):
            page = f" (p. {report['page']})" if report["page"] else ""
            checks.append(
                f"Resolve a disagreement: this paper reports {key['value']} for {key['method']} on {key['benchmark']} "
                f"({key['model']} {key['setting']}, {_where(key)}); {report['paper'].arxiv_id} reports "
                f"{report['value']}{page}. Check that both ran the same setting and data."
            )
    missing = [_where(row["key"]) for row in rows if row["quote_status"] == QuoteStatus.MISSING]
    if missing:
        checks.append(f"Re-read {'; '.join(missing)}: the receipt's quote was not found again in the current text.")
    pending = [_where(row["key"]) for row in rows if row["status"] == ReceiptStatus.PENDING]
    if pending:
        checks.append(
            f"{len(pending)} of {len(rows)} key results rest on receipts no curator has approved yet: check them "
            f"against {'; '.join(dict.fromkeys(pending))}."
        )
    return checks + (list(summary.checks) if summary else [])


def _where(key: dict[str, Any]) -> str:
    return (
        ", ".join(p for p in (key.get("locator") or "", f"p. {key['page']}" if key.get("page") else "") if p)
        or "the paper"
    )
