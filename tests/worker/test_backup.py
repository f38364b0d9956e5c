"""Backup and restore of one review (operator tooling): a dump loads into an empty database unchanged."""

import json

import pytest
from django.core.management import call_command

from reviews import ledger
from tests.factories import (
    add_to_review,
    make_beats,
    make_critique,
    make_paper,
    make_parsed_document,
    make_result,
    make_review,
)
from worker.ops import backup


@pytest.mark.django_db(transaction=True)
def test_export_then_import_into_an_empty_database_is_identical(alice):
    from baselines import curation

    review = make_review(slug="roundtrip")
    paper = make_paper()
    add_to_review(review, paper)
    make_parsed_document(paper, 1, {1: "GPTQ fails at 2 bits."})
    result = make_result(paper=paper)
    curation.decide("result", result.pk, actor=alice, action="correct", changes={"value": 6.01}, reason="typo")
    critique = make_critique(paper=paper, quote="GPTQ fails at 2 bits.", page=1)
    curation.decide("critique", critique.pk, actor=alice, action="reject", reason="not a critique")
    make_beats(paper=paper)
    ledger.refresh_evidence(paper.documents.get().pk)
    first = backup.dump_review(review)
    call_command("flush", interactive=False, verbosity=0)
    loaded = backup.import_review(json.loads(json.dumps(first, default=str)))
    assert loaded == len(first["objects"])
    second = backup.dump_review(review.__class__.objects.get(slug="roundtrip"))
    assert json.loads(json.dumps(second, default=str)) == json.loads(json.dumps(first, default=str))
    with pytest.raises(backup.ImportError_, match="empty"):
        backup.import_review(first)
