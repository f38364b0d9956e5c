"""Curator decisions: approve, reject, correct, re-point, merge, reopen. Every write here records a
CuratorDecision with the values before and after, and announces the papers whose receipts changed and
what that touched (reviews subscribe and refresh those rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from baselines.models import (
    BeatsReceipt,
    CritiqueReceipt,
    CuratorDecision,
    DecisionAction,
    Method,
    MethodAlias,
    MethodCandidate,
)
from baselines.signals import EVERYTHING, Touched, receipts_decided
from baselines.validation import receipt_problems
from benchmarks.models import Benchmark, BenchmarkAlias, BenchmarkCandidate, BenchmarkResult
from papers.models import Citation
from papers.provenance import Receipt, ReceiptStatus
from worker.extract.vocab import parse_setting

# The kinds a curator works on, by the slug used in URLs and filters.
KINDS: dict[str, type[Receipt]] = {
    "result": BenchmarkResult,
    "beats": BeatsReceipt,
    "critique": CritiqueReceipt,
    "candidate": MethodCandidate,
    "benchmark-candidate": BenchmarkCandidate,
    "citation": Citation,
}
# Every (receipt model, field) that points at a method: what moves when a method is merged.
METHOD_REFERENCES: tuple[tuple[type[Receipt], str], ...] = (
    (BenchmarkResult, "method"),
    (CritiqueReceipt, "method"),
    (BeatsReceipt, "method"),
    (BeatsReceipt, "baseline"),
    (Citation, "method"),
    (MethodCandidate, "resolved_method"),
)
# Fields a curator may correct, per kind (everything else is provenance and stays as extracted).
EDITABLE: dict[str, tuple[str, ...]] = {
    "result": ("method", "model_name", "setting", "benchmark", "value"),
    "beats": ("method", "baseline", "benchmark", "model_name", "setting"),
    "critique": ("method",),
    "candidate": ("name",),
    "benchmark-candidate": ("name",),
    "citation": ("role", "polarity", "method"),
}


class AlreadyDecided(Exception):
    """Someone decided on the receipt first; `decision` says who and how. Nothing was changed."""

    def __init__(self, receipt: Receipt, decision: CuratorDecision | None) -> None:
        self.receipt = receipt
        self.decision = decision
        who = decision.actor.get_username() if decision else "someone"
        when = f" at {decision.decided_at:%Y-%m-%d %H:%M} UTC" if decision else ""
        super().__init__(f"Already {receipt.status} by {who}{when}.")


class InvalidReceipt(ValueError):
    """The receipt's values cannot count (baselines.validation): field -> why. Nothing was changed."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems.values()))


class NotDecided(ValueError):
    """Only an approved or rejected receipt can be reopened."""

    def __init__(self, receipt: Receipt) -> None:
        self.receipt = receipt
        super().__init__("This receipt is pending already: there is no decision to reopen.")


def _value(value: Any) -> Any:
    if isinstance(value, Method):
        return value.name
    if hasattr(value, "pk") and hasattr(value, "_meta"):
        return str(value)
    return value


def snapshot(kind: str, receipt: Receipt) -> dict[str, Any]:
    """The receipt's decidable state as JSON-safe values, for the audit trail."""
    state = {field: _value(getattr(receipt, field)) for field in EDITABLE[kind]}
    state["status"] = receipt.status
    return state


def last_decision(receipt: Receipt) -> CuratorDecision | None:
    return CuratorDecision.objects.for_receipt(receipt).select_related("actor").first()


def touched_by(receipt: Receipt) -> Touched:
    """What the receipt's values move in the derived views as they stand now (see Touched)."""
    if isinstance(receipt, BenchmarkResult):
        cell = (receipt.benchmark_id, receipt.model_name, receipt.setting, receipt.method_id)
        return Touched(reported=frozenset({receipt.method_id}), cells=frozenset({cell}))
    if isinstance(receipt, BeatsReceipt):
        return Touched(compared=frozenset({receipt.method_id, receipt.baseline_id}), frontier=True)
    if isinstance(receipt, CritiqueReceipt):
        return Touched(compared=frozenset({receipt.method_id}))
    if isinstance(receipt, Citation):  # shown on the hubs of its method and of what the cited paper introduced
        cited = Method.objects.filter(introduced_by_id=receipt.cited_id).values_list("pk", flat=True)
        return Touched(hubs=frozenset({*cited, *([receipt.method_id] if receipt.method_id else [])}))
    return Touched()  # candidates feed the views once adopted (EVERYTHING)


def _announce(paper_ids: set[int], touched: Touched) -> None:
    """Tell subscribers (the reviews holding these papers) that receipts changed, and what they move."""
    receipts_decided.send(sender=CuratorDecision, paper_ids=paper_ids, touched=touched)


@dataclass
class Outcome:
    receipt: Receipt
    decision: CuratorDecision


def decide(
    kind: str,
    receipt_id: int,
    *,
    actor: AbstractBaseUser,
    action: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> Outcome:
    """Approve, reject (reason required) or correct-and-approve one pending receipt.

    Takes a row lock, so of two curators deciding at once exactly one wins; the other gets
    AlreadyDecided naming who decided. `changes` holds cleaned field values (see forms).
    Effects reach public pages through a refresh queued on commit, never in the request.
    """
    if action == DecisionAction.REJECT and not reason.strip():
        raise ValueError("A rejection needs a reason.")
    model = KINDS[kind]
    with transaction.atomic():
        receipt = model.objects.select_for_update().get(pk=receipt_id)
        if receipt.status != ReceiptStatus.PENDING:
            raise AlreadyDecided(receipt, last_decision(receipt))
        before, touched = snapshot(kind, receipt), touched_by(receipt)
        _apply_changes(kind, receipt, changes or {}, check=action != DecisionAction.REJECT)
        if kind == "candidate" and action != DecisionAction.REJECT:
            _adopt_candidate(receipt)  # type: ignore[arg-type]
            touched = EVERYTHING
        if kind == "benchmark-candidate" and action != DecisionAction.REJECT:
            _adopt_benchmark_candidate(receipt)  # type: ignore[arg-type]
            touched = EVERYTHING
        receipt.status = ReceiptStatus.REJECTED if action == DecisionAction.REJECT else ReceiptStatus.APPROVED
        receipt.decided_by, receipt.decided_at, receipt.reason = actor, timezone.now(), reason
        receipt.save()
        decision = CuratorDecision.objects.record(
            receipt, action, actor, before=before, after=snapshot(kind, receipt), reason=reason
        )
        _announce({receipt.paper_id}, touched | touched_by(receipt))
    return Outcome(receipt, decision)


def _apply_changes(kind: str, receipt: Receipt, changes: dict[str, Any], *, check: bool) -> None:
    """Set the corrected fields; when the receipt is to count (`check`), refuse what validation
    refuses (InvalidReceipt) before anything is saved: the caller's transaction then writes nothing."""
    for field in changes:
        if field not in EDITABLE[kind]:
            raise ValueError(f"{field} cannot be corrected on a {kind} receipt")
    values = {field: changes[field] if field in changes else getattr(receipt, field) for field in EDITABLE[kind]}
    typed = {field for field, value in changes.items() if getattr(receipt, field, None) != value}
    if check and (problems := receipt_problems(kind, values, typed)):
        raise InvalidReceipt(problems)
    for field, value in changes.items():
        setattr(receipt, field, value)
    if kind == "result" and "value" in changes:
        receipt.value_text = f"{receipt.value:g}"  # type: ignore[attr-defined]  # as the curator typed it, not as extracted
    if kind == "result" and "setting" in typed:  # the bit widths the leaderboard reads follow the setting
        setting, _ = parse_setting(receipt.setting)  # type: ignore[attr-defined]
        receipt.weight_bits, receipt.activation_bits = setting.w, setting.a  # type: ignore[attr-defined]
        receipt.kv_bits, receipt.group_size = setting.kv, setting.g  # type: ignore[attr-defined]


def reopen(kind: str, receipt_id: int, *, actor: AbstractBaseUser, reason: str = "") -> Outcome:
    """Send an approved or rejected receipt back to the queue, pending, with the values it has now.

    Recorded as its own decision ("reopen", before and after) and announced like any other, so the
    derived views drop (or regain) it on the next refresh. Takes the row lock; a receipt that is
    pending already raises NotDecided. An approved candidate's registry entry stays: it may be
    named by receipts approved since, and merging it away is a decision of its own.
    """
    model = KINDS[kind]
    with transaction.atomic():
        receipt = model.objects.select_for_update().get(pk=receipt_id)
        if receipt.status == ReceiptStatus.PENDING:
            raise NotDecided(receipt)
        before = snapshot(kind, receipt)
        receipt.status, receipt.decided_by, receipt.decided_at, receipt.reason = ReceiptStatus.PENDING, None, None, ""
        receipt.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        decision = CuratorDecision.objects.record(
            receipt, DecisionAction.REOPEN, actor, before=before, after=snapshot(kind, receipt), reason=reason
        )
        _announce({receipt.paper_id}, touched_by(receipt))
    return Outcome(receipt, decision)


def _adopt_candidate(candidate: MethodCandidate) -> None:
    """An approved candidate becomes a method: the provisional method its receipts wait on (or the
    method its corrected name already names, which then takes them over) stops being provisional."""
    waiting = candidate.resolved_method
    method = Method.objects.by_name(candidate.name)
    if method is None:
        if waiting is not None and waiting.provisional:
            method = waiting
            if method.name != candidate.name:  # corrected by the curator
                method.name = candidate.name
                MethodAlias.objects.get_or_create(method=method, alias=candidate.name)
        else:
            method, _ = Method.objects.get_or_create(name=candidate.name, defaults={"introduced_by": candidate.paper})
            MethodAlias.objects.get_or_create(method=method, alias=candidate.name)
    elif waiting is not None and waiting.provisional and waiting.pk != method.pk:
        _move_receipts(waiting, method)
    if method.provisional or method.introduced_by_id is None:
        method.provisional = False
        method.introduced_by_id = method.introduced_by_id or candidate.paper_id
        method.save()
    candidate.resolved_method = method


def _move_receipts(source: Method, target: Method) -> None:
    """Every receipt of a provisional method moves to the method it turned out to be."""
    for model, field in METHOD_REFERENCES:
        model.objects.filter(**{field: source}).update(**{field: target})
    BeatsReceipt.objects.filter(method=target, baseline=target).delete()
    MethodAlias.objects.filter(method=source).update(method=target)
    source.delete()


def _adopt_benchmark_candidate(candidate: BenchmarkCandidate) -> None:
    """An approved benchmark candidate: its provisional benchmark counts from now on (or, when the
    corrected name is a known benchmark, its results move there)."""
    waiting = candidate.resolved_benchmark
    known = Benchmark.objects.by_name(candidate.name)
    if known is not None and waiting is not None and known.pk != waiting.pk and waiting.provisional:
        BenchmarkResult.objects.filter(benchmark=waiting).update(benchmark=known)
        BeatsReceipt.objects.filter(benchmark=waiting).update(benchmark=known)
        BenchmarkCandidate.objects.filter(resolved_benchmark=waiting).update(resolved_benchmark=known)
        BenchmarkAlias.objects.filter(benchmark=waiting).update(benchmark=known)
        waiting.delete()
        waiting = known
    target = known or waiting
    if target is None:
        return
    if target.provisional:
        target.provisional = False
        target.save(update_fields=["provisional"])
    candidate.resolved_benchmark = target


def repoint(kind: str, receipt_id: int, *, actor: AbstractBaseUser, method: Method, reason: str = "") -> Outcome:
    """Point a receipt at another method (it stays pending until someone approves it)."""
    if kind not in ("result", "beats", "critique", "citation"):
        raise ValueError(f"a {kind} receipt has no method to re-point")
    model = KINDS[kind]
    with transaction.atomic():
        receipt = model.objects.select_for_update().get(pk=receipt_id)
        if receipt.status != ReceiptStatus.PENDING:
            raise AlreadyDecided(receipt, last_decision(receipt))
        if kind == "beats" and method.pk == receipt.baseline_id:  # type: ignore[attr-defined]
            raise ValueError("a method cannot beat itself")
        before, touched = snapshot(kind, receipt), touched_by(receipt)
        receipt.method = method  # type: ignore[attr-defined]
        receipt.save(update_fields=["method"])
        decision = CuratorDecision.objects.record(
            receipt, DecisionAction.REPOINT, actor, before=before, after=snapshot(kind, receipt), reason=reason
        )
        _announce({receipt.paper_id}, touched | touched_by(receipt))
    return Outcome(receipt, decision)


def bulk_approve(kind: str, receipt_ids: list[int], *, actor: AbstractBaseUser) -> tuple[int, list[AlreadyDecided]]:
    """Approve each still-pending receipt; returns how many, and the ones someone else decided first."""
    approved, conflicts = 0, []
    for receipt_id in receipt_ids:
        try:
            decide(kind, receipt_id, actor=actor, action=DecisionAction.APPROVE)
            approved += 1
        except AlreadyDecided as exc:
            conflicts.append(exc)
        except KINDS[kind].DoesNotExist:
            continue
    return approved, conflicts


def merge_methods(source: Method, target: Method, *, actor: AbstractBaseUser, reason: str = "") -> dict[str, int]:
    """Merge `source` into `target`: its aliases (and its name) become target's, every receipt
    follows, and the source row goes. A "beats" receipt that would have target beat itself is
    dropped (it compared two names of one method). Returns counts of what moved."""
    if source.pk == target.pk:
        raise ValueError("a method cannot be merged into itself")
    with transaction.atomic():
        source = Method.objects.select_for_update().get(pk=source.pk)
        papers: set[int] = set()
        moved: dict[str, int] = {}
        self_beats = BeatsReceipt.objects.filter(method=source, baseline=target) | BeatsReceipt.objects.filter(
            method=target, baseline=source
        )
        papers |= set(self_beats.values_list("paper_id", flat=True))
        moved["self_beats_dropped"], _ = self_beats.delete()
        for model, field in METHOD_REFERENCES:
            rows = model.objects.filter(**{field: source})
            papers |= set(rows.values_list("paper_id", flat=True))
            moved[f"{model.__name__}.{field}"] = rows.update(**{field: target})
        moved["aliases"] = MethodAlias.objects.filter(method=source).update(method=target)
        if Method.objects.by_name(source.name) is None:  # a method made without an alias row for its name
            MethodAlias.objects.create(method=target, alias=source.name)
        if target.introduced_by_id is None and source.introduced_by_id:
            target.introduced_by_id = source.introduced_by_id
            target.save(update_fields=["introduced_by"])
        if target.provisional and not source.provisional:  # a known method merged into a new name
            target.provisional = False
            target.save(update_fields=["provisional"])
        CuratorDecision.objects.record(
            target,
            DecisionAction.MERGE,
            actor,
            reason=reason,
            before={"merged": source.name, "into": target.name},
            after={"method": target.name, **moved},
        )
        source.delete()
        _announce(papers, EVERYTHING)
    return moved
