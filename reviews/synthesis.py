"""The synthesis draft: findings, agreement, tension, counter-evidence and gaps, every sentence
citing the arXiv ids it rests on. Composed deterministically from what the review counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from celery import current_app
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt
from benchmarks.disagreements import cell_key, cell_values, largest_disagreements
from benchmarks.models import BenchmarkResult, LeaderboardEntry
from config.page_cache import retire_cached_pages
from config.publishing import publish_on_commit
from config.text_safety import markdown_text
from reviews.models import Claim, ClaimStatus, DraftStatus, FrontierEntry, Review, SynthesisDraft
from worker.extract.claude import anthropic_client

SECTIONS = (
    "Key findings",
    "Points of agreement",
    "Points of tension",
    "Counter-evidence and failure cases",
    "Open gaps",
)
PER_SECTION = 8
RECEIPTS = "receipts"  # the generator name of drafts composed from receipts, without a model
WRITE_DRAFT_TASK = "worker.tasks.write_synthesis_draft"
NOT_QUEUED = "The task queue (Redis) did not answer, so this draft was never started; try again."


@dataclass
class Sentence:
    text: str
    papers: list[str]

    @property
    def cited(self) -> str:
        return "; ".join(f"arXiv:{p}" for p in self.papers)


@dataclass
class Draft:
    review: Review
    sections: dict[str, list[Sentence]] = field(default_factory=dict)


def _plural(n: int) -> str:
    return "s" if n != 1 else ""


def build_draft(review: Review) -> Draft:
    """Compose the five sections from what the review counts (its stored views and counted receipts)."""
    edges = _beats_edges(review)
    return Draft(
        review,
        {
            "Key findings": _key_findings(review, edges),
            "Points of agreement": _agreement(review),
            "Points of tension": _tension(review, edges),
            "Counter-evidence and failure cases": _counter_evidence(review),
            "Open gaps": _open_gaps(review),
        },
    )


def _beats_edges(review: Review) -> dict[tuple[str, str], set[str]]:
    """(winner, loser) -> the papers reporting it."""
    beats = BeatsReceipt.objects.counted_in(review).select_related("method", "baseline", "paper")
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for b in beats.order_by("pk")[:5000]:
        edges[(b.method.name, b.baseline.name)].add(b.paper.arxiv_id)
    return edges


def _key_findings(review: Review, edges: dict[tuple[str, str], set[str]]) -> list[Sentence]:
    found = [
        Sentence(
            f"{winner} is reported to beat {loser} in {len(papers)} paper{_plural(len(papers))}.", sorted(papers)[:6]
        )
        for (winner, loser), papers in sorted(edges.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:PER_SECTION]
    ]
    for entry in FrontierEntry.objects.filter(review=review, approved_only=False).select_related("method", "paper")[:3]:
        found.append(
            Sentence(f"{entry.method.name} is recent and no counted receipt beats it yet.", [entry.paper.arxiv_id])
        )
    return found


def _agreement(review: Review) -> list[Sentence]:
    agreeing = list(
        LeaderboardEntry.objects.filter(review=review, approved_only=False, compared__gte=2, disagreement=False)
        .select_related("method", "benchmark")
        .order_by("-compared", "pk")[:PER_SECTION]
    )
    behind = cell_values(review, agreeing)
    return [
        Sentence(
            f"{cell.compared} papers agree within {cell.spread:.0%} on {cell.method.name} for {cell.model_name} "
            f"{cell.setting} on {cell.benchmark.name} ({cell.low:g}–{cell.high:g}).",
            sorted({r.paper.arxiv_id for r in behind.get(cell_key(cell), [])})[:6],
        )
        for cell in agreeing
    ]


def _tension(review: Review, edges: dict[tuple[str, str], set[str]]) -> list[Sentence]:
    found = []
    for item in largest_disagreements(review, PER_SECTION):
        cell, results = item["cell"], item["results"]
        found.append(
            Sentence(
                f"Papers disagree on {cell.method.name} for {cell.model_name} {cell.setting} on {cell.benchmark.name}: "
                f"{cell.low:g} to {cell.high:g} ({cell.spread:.0%} apart).",
                sorted({r.paper.arxiv_id for r in results})[:6],
            )
        )
    for (winner, loser), papers in edges.items():
        if winner < loser and (loser, winner) in edges and len(found) < 2 * PER_SECTION:
            found.append(
                Sentence(
                    f"Some papers report {winner} beating {loser}, others the reverse.",
                    sorted(papers | edges[(loser, winner)])[:6],
                )
            )
    return found


def _counter_evidence(review: Review) -> list[Sentence]:
    critiques = CritiqueReceipt.objects.counted_in(review).select_related("method", "paper")
    by_method: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for c in critiques.order_by("pk")[:5000]:
        by_method[c.method.name].append((c.paper.arxiv_id, c.quote))
    found = []
    for method, items in sorted(by_method.items(), key=lambda kv: -len({p for p, _ in kv[1]}))[:PER_SECTION]:
        papers = sorted({p for p, _ in items})
        example = items[0][1][:160]
        verb = "criticises" if len(papers) == 1 else "criticise"
        found.append(
            Sentence(f"{len(papers)} paper{_plural(len(papers))} {verb} {method}, e.g. “{example}”", papers[:6])
        )
    return found


def _open_gaps(review: Review) -> list[Sentence]:
    single = (
        LeaderboardEntry.objects.filter(review=review, approved_only=False, reports=1)
        .values("benchmark__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:3]
    )
    found = [
        Sentence(
            f"{row['n']} results on {row['benchmark__name']} rest on a single paper each and are not yet reproduced.",
            [],
        )
        for row in single
    ]
    preliminary = Claim.objects.filter(
        paper__review_entries__review=review, status=ClaimStatus.PRELIMINARY, has_numbers=True
    )
    for claim in preliminary.select_related("paper")[:3]:
        found.append(Sentence(f"Not yet checked in the full text: “{claim.sentence[:160]}”", [claim.paper.arxiv_id]))
    return found


def compose_receipts_draft(review: Review) -> SynthesisDraft:
    """Store the draft composed from the review's receipts as its newest ready draft (one such row
    per review, rewritten by every recompute), so pages read a draft and never build one."""
    now = timezone.now()
    fields = {"status": DraftStatus.READY, "sections": as_json(build_draft(review)), "finished_at": now}
    draft = review.synthesis_drafts.filter(generator=RECEIPTS, requested_by=None).first()
    if draft is None:
        return SynthesisDraft.objects.create(review=review, generator=RECEIPTS, started_at=now, **fields)
    SynthesisDraft.objects.filter(pk=draft.pk).update(started_at=now, **fields)
    return draft


def latest_draft(review: Review) -> SynthesisDraft | None:
    return review.synthesis_drafts.filter(status=DraftStatus.READY).first()


def synthesis_markdown(review: Review) -> str:
    """The latest ready draft as Markdown (text a paper controls is escaped)."""
    draft = latest_draft(review)
    stored = draft.sections if draft else {}
    lines = [
        f"# Synthesis draft: {markdown_text(review.title)}",
        "",
        "Composed from the review's receipts; every sentence cites the papers it rests on.",
        "",
    ]
    for name in SECTIONS:
        lines += [f"## {name}", ""]
        lines += [_markdown_sentence(s) for s in stored.get(name, [])] or ["- Nothing yet."]
        lines.append("")
    return "\n".join(lines)


def _markdown_sentence(sentence: dict[str, Any]) -> str:
    cited = Sentence(sentence["text"], list(sentence.get("papers", []))).cited
    return f"- {markdown_text(sentence['text'])}" + (f" [{markdown_text(cited)}]" if cited else "")


def request_draft(review: Review, user: Any) -> SynthesisDraft:
    """A curator asks for a new draft: recorded as running, written by the worker once committed
    (the task is named: the worker sits above reviews). When the task cannot be queued the draft is
    marked failed at once, so it never stays "being written" and the curator can ask again."""
    draft = SynthesisDraft.objects.create(review=review, requested_by=user, started_at=timezone.now())
    publish_on_commit(current_app.tasks[WRITE_DRAFT_TASK], draft.pk, on_failure=lambda: _not_queued(draft.pk))
    return draft


def _not_queued(draft_id: int) -> None:
    SynthesisDraft.objects.filter(pk=draft_id, status=DraftStatus.RUNNING).update(
        status=DraftStatus.FAILED, error=NOT_QUEUED, finished_at=timezone.now()
    )


def as_json(draft: Draft) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [{"text": s.text, "papers": s.papers} for s in sentences] for name, sentences in draft.sections.items()
    }


def support_index(review: Review) -> dict[str, set[str]]:
    """For each paper of the review: the method and benchmark names its counted receipts mention."""
    names: dict[str, set[str]] = defaultdict(set)
    for arxiv_id, method in CritiqueReceipt.objects.counted_in(review).values_list("paper__arxiv_id", "method__name"):
        names[arxiv_id].add(method)
    for arxiv_id, method, baseline in BeatsReceipt.objects.counted_in(review).values_list(
        "paper__arxiv_id", "method__name", "baseline__name"
    ):
        names[arxiv_id] |= {method, baseline}
    for arxiv_id, method, bench in (
        BenchmarkResult.objects.counted_in(review)
        .values_list("paper__arxiv_id", "method__name", "benchmark__name")
        .distinct()[:100_000]
    ):
        names[arxiv_id] |= {method, bench}
    return names


def supported(text: str, papers: list[str], support: dict[str, set[str]]) -> bool:
    """A sentence stands when it cites papers and each one's receipts name something the sentence says."""
    lowered = text.lower()
    return bool(papers) and all(any(name.lower() in lowered for name in support.get(p, ())) for p in papers)


SYNTHESIS_TOOL: dict[str, Any] = {
    "name": "record_synthesis",
    "description": "Record the synthesis draft.",
    "input_schema": {
        "type": "object",
        "properties": {
            name.lower().replace(" ", "_").replace("-", "_"): {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "papers": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["text", "papers"],
                },
            }
            for name in SECTIONS
        },
        "required": [name.lower().replace(" ", "_").replace("-", "_") for name in SECTIONS],
    },
}
SYNTHESIS_INSTRUCTIONS = (
    "You draft the synthesis of a living systematic review from its receipts only. Sections: key findings, "
    "points of agreement, points of tension, counter-evidence and failure cases, open gaps. Each sentence "
    "cites, in `papers`, the arXiv ids (like 2306.00978) of the papers it rests on, and names the methods "
    "those papers' receipts are about. Never cite a paper for something its receipts do not say."
)


def claude_sections(review: Review, client: Any, model: str) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """Claude's draft with every sentence checked against the cited papers' receipts."""
    material = synthesis_markdown(review)
    response = client.messages.create(
        model=model,
        max_tokens=3000,
        system=[{"type": "text", "text": SYNTHESIS_INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
        tools=[SYNTHESIS_TOOL],
        tool_choice={"type": "tool", "name": "record_synthesis"},
        messages=[{"role": "user", "content": "The review's receipts, summarised:\n\n" + material}],
    )
    block = next((b for b in response.content if getattr(b, "type", "") == "tool_use"), None)
    if block is None:
        raise ValueError(f"the model answered without the synthesis tool (stop reason {response.stop_reason})")
    support = support_index(review)
    sections: dict[str, list[dict[str, Any]]] = {}
    dropped = 0
    for name in SECTIONS:
        key = name.lower().replace(" ", "_").replace("-", "_")
        kept = []
        for item in block.input.get(key, []):
            papers = [str(p).removeprefix("arXiv:") for p in item.get("papers", [])]
            if supported(str(item.get("text", "")), papers, support):
                kept.append({"text": str(item["text"]), "papers": papers})
            else:
                dropped += 1
        sections[name] = kept
    return sections, dropped


def write_draft(draft_id: int, client: Any = None) -> None:
    """Fill a requested draft: Claude's when a key is set (or a client is given), else the
    deterministic one. Safe to run twice: a finished draft is left alone."""
    draft = SynthesisDraft.objects.select_related("review").get(pk=draft_id)
    if draft.status != DraftStatus.RUNNING:
        return
    try:
        if client is not None or settings.ANTHROPIC_API_KEY:
            client = client or anthropic_client(settings.ANTHROPIC_API_KEY)
            sections, dropped = claude_sections(draft.review, client, settings.ANTHROPIC_MODEL)
            generator = settings.ANTHROPIC_MODEL
        else:
            sections, dropped, generator = as_json(build_draft(draft.review)), 0, RECEIPTS
        SynthesisDraft.objects.filter(pk=draft_id).update(
            status=DraftStatus.READY,
            sections=sections,
            dropped=dropped,
            generator=generator,
            finished_at=timezone.now(),
        )
        retire_cached_pages()
    except Exception as exc:  # recorded on the draft, shown to the curator; the task does not retry
        SynthesisDraft.objects.filter(pk=draft_id).update(
            status=DraftStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
