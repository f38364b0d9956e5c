"""The synthesis draft: deterministic from receipts, or by Claude with every citation checked."""

import json
from pathlib import Path

import anthropic
import httpx2
import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.derived import recompute_review
from reviews.models import SynthesisDraft
from reviews.synthesis import build_draft, write_draft
from tests.factories import add_to_review, make_beats, make_critique, make_method, make_paper, make_review

RECORDED = Path(__file__).resolve().parent.parent / "data" / "anthropic" / "synthesis.json"
NOW = timezone.now()


@pytest.fixture
def review(db):
    review = make_review(slug="synth")
    first, second = make_paper(arxiv_id="2401.00001"), make_paper(arxiv_id="2401.00002")
    for paper in (first, second):
        add_to_review(review, paper)
    make_beats(paper=first, method=make_method("AWQ"), baseline=make_method("GPTQ"), status="approved", decided_at=NOW)
    make_critique(
        paper=second, method=make_method("RTN"), quote="RTN collapses at 3 bits.", status="approved", decided_at=NOW
    )
    recompute_review(review.pk)
    return review


def test_the_deterministic_draft_cites_the_papers_behind_each_sentence(review):
    draft = build_draft(review)
    finding = draft.sections["Key findings"][0]
    assert finding.text == "AWQ is reported to beat GPTQ in 1 paper." and finding.papers == ["2401.00001"]
    critique = draft.sections["Counter-evidence and failure cases"][0]
    assert critique.papers == ["2401.00002"] and "RTN" in critique.text


def test_a_claude_sentence_citing_a_paper_that_does_not_support_it_is_dropped(review, settings):
    settings.ANTHROPIC_MODEL = "claude-sonnet-4-6"
    sent = []

    def handler(request):
        sent.append(json.loads(request.content))
        return httpx2.Response(200, json=json.loads(RECORDED.read_text()))

    client = anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=httpx2.MockTransport(handler)), max_retries=0
    )
    draft = SynthesisDraft.objects.create(review=review, started_at=NOW)
    write_draft(draft.pk, client=client)
    draft.refresh_from_db()
    assert draft.status == "ready" and draft.generator == "claude-sonnet-4-6"
    assert draft.sections["Key findings"] == [
        {"text": "AWQ is reported to beat GPTQ at 4 bits.", "papers": ["2401.00001"]}
    ]
    assert draft.sections["Counter-evidence and failure cases"] == [
        {"text": "RTN is criticised for collapsing at 3 bits.", "papers": ["2401.00002"]}
    ]
    # SmoothQuant is in no receipt of 2401.00001, and a sentence citing nothing cannot stand.
    assert draft.dropped == 2
    assert sent[0]["tool_choice"]["name"] == "record_synthesis" and "AWQ" in sent[0]["messages"][0]["content"]


def test_a_curator_regenerates_the_draft_and_the_page_shows_it(
    client, alice, review, settings, django_capture_on_commit_callbacks
):
    settings.ANTHROPIC_API_KEY = ""
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:synthesis-regenerate", args=[review.slug]))
    assert response.status_code == 302
    draft = SynthesisDraft.objects.get(requested_by=alice)
    assert draft.status == "ready" and draft.generator == "receipts"
    page = client.get(reverse("reviews:synthesis", args=[review.slug]))
    assert b"Written by receipts" in page.content and b"arXiv:2401.00001" in page.content
    progress = client.get(
        reverse("reviews:synthesis-progress", args=[review.slug, draft.pk]), headers={"HX-Request": "true"}
    )
    assert progress["HX-Refresh"] == "true"


def test_every_recompute_stores_one_draft_from_the_receipts(review):
    recompute_review(review.pk)
    (draft,) = SynthesisDraft.objects.filter(review=review)
    assert draft.status == "ready" and draft.generator == "receipts" and draft.requested_by is None
    assert draft.sections["Key findings"] == [
        {"text": "AWQ is reported to beat GPTQ in 1 paper.", "papers": ["2401.00001"]}
    ]


def test_the_synthesis_page_and_export_read_the_stored_draft_and_compose_nothing(client, alice, review, monkeypatch):
    def composing(*args, **kwargs):
        raise AssertionError("a draft was composed during a request")

    monkeypatch.setattr("reviews.synthesis.build_draft", composing)
    page = client.get(reverse("reviews:synthesis", args=[review.slug]))
    assert page.status_code == 200 and b"AWQ is reported to beat GPTQ in 1 paper." in page.content
    client.force_login(alice)
    export = client.get(reverse("reviews:export", args=[review.slug, "synthesis.md"]))
    assert "AWQ is reported to beat GPTQ in 1 paper. [arXiv:2401.00001]" in export.content.decode()
