"""With a key, Claude writes the synthesis prose (a recorded response here, no network) and every
sentence it cannot ground is dropped: a fabricated number, a fabricated citation, a paper it names but
does not cite, agreement made of full-precision rows, a sentence citing nothing."""

import json
from pathlib import Path

import httpx2
import pytest

from reviews.models import DraftStatus, SynthesisDraft
from reviews.synthesis_claude import ungrounded
from reviews.synthesis_evidence import Cite, Item
from tests.reviews.conftest import DETTMERS, LEE, LIN
from worker.extract.claude import anthropic_client
from worker.tasks import write_synthesis_draft

RECORDED = Path(__file__).resolve().parent / "data" / "synthesis_document.json"
MODEL = "claude-sonnet-4-6"


@pytest.fixture
def recorded(settings, monkeypatch):
    """The client the task makes when a key is set, answering from the recorded response."""
    settings.ANTHROPIC_API_KEY = "test-key"
    settings.ANTHROPIC_MODEL = MODEL
    sent = []

    def handler(request):
        sent.append(json.loads(request.content))
        return httpx2.Response(200, json=json.loads(RECORDED.read_text()))

    client = anthropic_client(
        "test-key", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler))
    )
    monkeypatch.setattr("reviews.synthesis.anthropic_client", lambda key: client)
    return sent


def written(synth, alice):
    draft = SynthesisDraft.objects.create(review=synth, requested_by=alice, started_at=synth.created_at)
    write_synthesis_draft(draft.pk)
    draft.refresh_from_db()
    return draft


def test_the_model_sees_the_questions_and_numbered_evidence_with_pages(synth, alice, recorded):
    written(synth, alice)
    (request,) = recorded
    assert request["model"] == MODEL and request["tool_choice"] == {"type": "tool", "name": "record_synthesis"}
    material = request["messages"][0]["content"]
    assert "1. Which methods beat GPTQ on WikiText-2 perplexity?" in material
    assert (
        "E4 [beats] Lin et al., 2023 (arXiv:2401.00001), p. 6, Table 3: AWQ beats GPTQ on WikiText-2 perplexity "
        "(LLaMA-7B, W4A16): 6 against 6.5." in material
    )
    assert "E9 [cell, full-precision reference]" in material and "E12 " not in material


def test_grounded_sentences_are_kept_with_their_papers_and_pages(synth, alice, recorded):
    draft = written(synth, alice)
    assert draft.status == DraftStatus.READY and draft.generator == MODEL
    doc = draft.document
    (claude_abstract,) = doc["abstract"][1:-1]  # the scope and readiness sentences stay as composed
    assert claude_abstract["text"] == "AWQ beats GPTQ on WikiText-2 perplexity for LLaMA-7B at W4A16, 6.0 against 6.5."
    assert claude_abstract["cites"] == [{"paper": LIN, "label": "Lin et al., 2023", "page": 6, "locator": "Table 3"}]
    first, second = doc["findings"]
    assert [s["text"] for s in first["sentences"]] == [
        "AWQ beats GPTQ by half a point of perplexity on LLaMA-7B at four bits."
    ]
    assert [c["page"] for c in first["sentences"][0]["cites"]] == [1, 6]
    assert second["sentences"][0]["cites"][0]["paper"] == DETTMERS
    assert [s["text"] for s in doc["synthesis"]["agreement"]] == [
        "Two papers report AWQ within two percent of each other on LLaMA-7B at W4A16."
    ]
    assert doc["synthesis"]["counter_evidence"][0]["cites"][0] == {
        "paper": LEE,
        "label": "Lee et al., 2023",
        "page": 2,
        "locator": "§1 Introduction",
    }


def test_fabricated_numbers_and_citations_are_dropped_and_recorded(synth, alice, recorded):
    draft = written(synth, alice)
    reasons = {d["text"]: d["reason"] for d in draft.document["dropped"]}
    assert reasons == {
        "AWQ cuts the perplexity of GPTQ by 40 percent.": "states a number no cited item states (40)",
        "SmoothQuant beats GPTQ at W4A4 on every model.": "cites evidence that does not exist (E12)",
        "A study of OPT (arXiv 2210.17323) shows the same collapse.": "names a paper it does not cite (2210.17323)",
        "Two papers report the same full-precision perplexity for LLaMA-7B.": "makes agreement of full-precision reference rows",
        "Everything works everywhere.": "cites no evidence item",
    }
    assert draft.dropped == 5
    kept = json.dumps(draft.document["abstract"] + draft.document["synthesis"]["agreement"])
    assert "40 percent" not in kept and "full-precision perplexity" not in kept


def test_a_number_must_be_stated_by_a_cited_item():
    table = Item("beats:1", "beats", "AWQ beats GPTQ (LLaMA-7B, W4A16): 6 against 6.5.", "", [Cite(LIN, 6, "Table 3")])
    assert ungrounded("key_findings", "AWQ scores 6.00 against 6.50 on LLaMA-7B.", [table]) == ""
    assert (
        ungrounded("key_findings", "AWQ scores 6.0 against 6.4.", [table])
        == "states a number no cited item states (6.4)"
    )
    assert ungrounded("key_findings", "AWQ beats GPTQ at W4A16.", []) == "cites no evidence item"


def test_a_model_answer_without_the_tool_fails_the_draft_with_its_reason(synth, alice, settings, monkeypatch):
    settings.ANTHROPIC_API_KEY = "test-key"
    answer = json.loads(RECORDED.read_text()) | {
        "content": [{"type": "text", "text": "Sorry."}],
        "stop_reason": "end_turn",
    }
    client = anthropic_client(
        "test-key",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(lambda r: httpx2.Response(200, json=answer))),
    )
    monkeypatch.setattr("reviews.synthesis.anthropic_client", lambda key: client)
    draft = written(synth, alice)
    assert draft.status == DraftStatus.FAILED and "without the synthesis tool (stop reason end_turn)" in draft.error
