"""Backup and restore of one review: every row it needs (papers, parses, receipts, decisions, runs)
and the users behind the decisions, as JSON; restored into an empty database. Operator tooling."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, transaction

from baselines.models import BeatsReceipt, CritiqueReceipt, CuratorDecision, Method, MethodAlias, MethodCandidate
from benchmarks.models import Benchmark, BenchmarkAlias, BenchmarkResult
from papers.limits import field_problems
from papers.models import Citation, Paper, PaperDocument, PaperSummary, ParsedPage, Reference
from reviews.models import Claim, Review, ReviewPaper
from worker.models import IngestionFailure, IngestionRun, RunItem

DUMP_FORMAT = "living-review-dump/1"


def _dump_querysets(review: Review) -> list[Any]:
    paper_ids = set(ReviewPaper.objects.filter(review=review).values_list("paper_id", flat=True))
    methods = Method.objects.all()
    paper_ids |= set(methods.exclude(introduced_by=None).values_list("introduced_by_id", flat=True))
    paper_ids |= set(Citation.objects.filter(paper_id__in=paper_ids).values_list("cited_id", flat=True))
    paper_ids |= set(
        Reference.objects.filter(paper_id__in=paper_ids)
        .exclude(matched_paper=None)
        .values_list("matched_paper_id", flat=True)
    )
    paper_ids |= set(RunItem.objects.filter(run__review=review).values_list("paper_id", flat=True))
    papers = Paper.objects.filter(pk__in=paper_ids)
    receipts: dict[str, Any] = {
        m.__name__: m.objects.filter(paper_id__in=paper_ids)
        for m in (BenchmarkResult, BeatsReceipt, CritiqueReceipt, MethodCandidate, Citation)
    }
    decisions = CuratorDecision.objects.all()  # small; includes method merges, which have no paper
    runs = IngestionRun.objects.filter(review=review)
    return [
        Review.objects.filter(pk=review.pk),
        papers,
        ReviewPaper.objects.filter(review=review),
        Benchmark.objects.all(),
        BenchmarkAlias.objects.all(),
        methods,
        MethodAlias.objects.all(),
        PaperDocument.objects.filter(paper__in=papers),
        ParsedPage.objects.filter(document__paper__in=papers),
        Reference.objects.filter(paper__in=papers),
        PaperSummary.objects.filter(paper__in=papers),
        *receipts.values(),
        decisions,
        Claim.objects.filter(paper__in=papers),
        runs,
        IngestionFailure.objects.filter(run__in=runs),
        RunItem.objects.filter(run__in=runs),
    ]


def dump_review(review: Review) -> dict[str, Any]:
    """Everything needed to rebuild the review elsewhere: rows, decisions, and the users behind them
    (without passwords). Derived views are not dumped; they are recomputed after import."""
    User = get_user_model()
    user_ids = set(CuratorDecision.objects.values_list("actor_id", flat=True))
    for model in (BenchmarkResult, BeatsReceipt, CritiqueReceipt, MethodCandidate, Citation):
        user_ids |= set(model.objects.exclude(decided_by=None).values_list("decided_by_id", flat=True))
    users = [
        {
            "pk": u.pk,
            "username": u.get_username(),
            "email": u.email,
            "is_staff": u.is_staff,
            "is_active": u.is_active,
            "groups": sorted(u.groups.values_list("name", flat=True)),
        }
        for u in User.objects.filter(pk__in=user_ids).order_by("pk")
    ]
    objects = []
    for queryset in _dump_querysets(review):
        objects += json.loads(serializers.serialize("json", queryset.order_by("pk"), use_natural_foreign_keys=True))
    return {"format": DUMP_FORMAT, "review": review.slug, "users": users, "objects": objects}


class ImportError_(Exception):
    """The dump cannot be loaded (wrong format, or the database is not empty)."""


def _checked_objects(objects: list[dict[str, Any]]) -> list[Any]:
    """The dump's rows, deserialised and checked against the columns (`papers.limits`) before the
    first is saved: a dump from SQLite may hold what PostgreSQL refuses (an over-long DOI, a NUL),
    and the import then fails whole with every such value named, not on the first with a DataError."""
    rows = list(serializers.deserialize("json", json.dumps(objects), handle_forward_references=True))
    problems = [
        f"{row.object._meta.label} {row.object.pk}: {problem}" for row in rows for problem in field_problems(row.object)
    ]
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ImportError_(f"the dump holds values this database cannot store: {'; '.join(problems[:20])}{more}")
    return rows


def import_review(dump: dict[str, Any]) -> int:
    """Load a dump into an empty database, in one transaction; returns the rows loaded. Users come
    back without a usable password (they reset it)."""
    if dump.get("format") != DUMP_FORMAT:
        raise ImportError_(f"not a review dump (format {dump.get('format')!r}, expected {DUMP_FORMAT})")
    if Paper.objects.exists() or Method.objects.exists() or Review.objects.exists():
        raise ImportError_(
            "the database already holds reviews, papers or methods: import into an empty, migrated database"
        )
    User = get_user_model()
    with transaction.atomic():
        for data in dump["users"]:
            user = User(
                pk=data["pk"],
                username=data["username"],
                email=data["email"],
                is_staff=data["is_staff"],
                is_active=data["is_active"],
            )
            user.set_unusable_password()
            user.save()
            user.groups.set([Group.objects.get_or_create(name=name)[0] for name in data["groups"]])
        loaded = 0
        models = set()
        for obj in _checked_objects(dump["objects"]):
            obj.save()
            models.add(type(obj.object))
            loaded += 1
        # Rows came with their ids; PostgreSQL's sequences must move past them before the next insert.
        statements = connection.ops.sequence_reset_sql(no_style(), [User, *models])
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    return loaded
