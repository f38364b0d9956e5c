"""The summary's prose by Claude, on a recorded response through the SDK's HTTP layer (no network):
a sentence with a number not printed on its page, or a quote not on the page, is dropped."""

import json
from pathlib import Path

import anthropic
import httpx2
import pytest

from papers import claude_summary
from papers.claude_summary import summarize_document, write_summary
from papers.models import PaperSummary
from papers.summary_services import build_summary
from tests.papers.conftest import parsed_foo_paper

RECORDED = Path(__file__).resolve().parent / "data" / "claude_summary_response.json"


def client_answering(requests: list[httpx2.Request], status: int = 200) -> anthropic.Anthropic:
    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        if status != 200:
            return httpx2.Response(status, json={"type": "error", "error": {"type": "api_error", "message": "down"}})
        return httpx2.Response(200, json=json.loads(RECORDED.read_text()))

    return anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=httpx2.MockTransport(handler)), max_retries=0
    )


@pytest.mark.django_db
def test_claude_writes_the_prose_and_fabricated_numbers_and_quotes_are_dropped(settings):
    paper, _ = parsed_foo_paper(settings)
    extractive = build_summary(paper.pk)
    requests: list[httpx2.Request] = []
    summary = write_summary(extractive, client_answering(requests), "claude-sonnet-4-6")
    # "9.9x" is printed nowhere in the paper: that sentence is dropped, the others kept.
    assert [s["text"] for s in summary.executive] == [
        "Serving large language models costs memory, and FooQuant answers by rounding weights in small groups.",
        "FooQuant reaches a WikiText-2 perplexity of 5.9 and runs 2.1x faster than the baseline.",
    ]
    # The quote about phones is on no page: dropped; the true one is kept with its quote.
    assert summary.limitations == [
        {
            "text": "Only models up to 13B parameters were evaluated.",
            "page": 3,
            "section": "",
            "quote": "we only evaluate models with up to 13 billion parameters",
        }
    ]
    # A quote printed on the page next to the one stated is kept where it is printed.
    assert [(s["page"], s["quote"][:24]) for s in summary.mechanisms] == [(2, "FooQuant works well beca")]
    assert summary.method["sentences"] == [
        {"text": "FooQuant calibrates on 128 random sequences from C4.", "page": 2, "section": ""}
    ]
    assert summary.open_questions[0]["page"] == 3 and summary.generator == "claude-sonnet-4-6"
    stored = PaperSummary.objects.get(paper=paper)
    assert stored.generator == "claude-sonnet-4-6" and len(stored.executive) == 2
    body = json.loads(requests[0].content)
    assert body["tool_choice"] == {"type": "tool", "name": "record_summary"}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "[p. 3 | §5 Conclusion] A limitation of our work" in body["messages"][0]["content"]


@pytest.mark.django_db
def test_with_a_key_the_extract_hook_has_claude_write_over_the_extractive_summary(settings, monkeypatch):
    paper, document = parsed_foo_paper(settings)
    settings.ANTHROPIC_API_KEY = "test"
    requests: list[httpx2.Request] = []
    monkeypatch.setattr(claude_summary, "anthropic_client", lambda key: client_answering(requests))
    assert summarize_document(document.pk) == 0
    assert len(requests) == 1 and PaperSummary.objects.get(paper=paper).generator == settings.ANTHROPIC_MODEL


@pytest.mark.django_db
def test_when_claude_fails_the_extractive_summary_stays(settings, monkeypatch):
    paper, document = parsed_foo_paper(settings)
    settings.ANTHROPIC_API_KEY = "test"
    requests: list[httpx2.Request] = []
    monkeypatch.setattr(claude_summary, "anthropic_client", lambda key: client_answering(requests, status=500))
    summarize_document(document.pk)
    summary = PaperSummary.objects.get(paper=paper)
    assert len(requests) == 1 and summary.generator == "extractive"
    assert summary.limitations[0]["text"].startswith("A limitation of our work")


@pytest.mark.django_db
def test_without_a_key_the_hook_builds_the_extractive_summary_and_asks_no_one(settings, monkeypatch):
    paper, document = parsed_foo_paper(settings)
    monkeypatch.setattr(claude_summary, "anthropic_client", lambda key: pytest.fail("no client without a key"))
    assert summarize_document(document.pk) == 0
    summary = PaperSummary.objects.get(paper=paper)
    assert summary.generator == "extractive" and summary.executive and summary.limitations


def test_an_item_without_a_page_of_the_paper_is_dropped_and_a_malformed_page_fails_nothing():
    pages = {1: "We reach 5.6 perplexity.", 2: "Nothing else."}
    items = [
        {"text": "It reaches 5.6 perplexity.", "page": 1},
        {"text": "It reaches 5.6 perplexity.", "page": [1, 2]},  # not a page: unhashable, once a TypeError
        {"text": "It reaches 5.6 perplexity.", "page": 9},  # no such page
        {"text": "It reaches 5.6 perplexity."},  # no page at all
    ]
    kept, dropped = claude_summary.checked(items, pages, set(), quoted=False)
    assert kept == [{"text": "It reaches 5.6 perplexity.", "page": 1, "section": ""}] and dropped == 3


@pytest.mark.django_db
def test_whatever_goes_wrong_in_the_prose_the_extract_stage_goes_on(settings, monkeypatch):
    paper, document = parsed_foo_paper(settings)
    settings.ANTHROPIC_API_KEY = "test"

    def broken(*args, **kwargs):
        raise TypeError("a shape the parser did not expect")

    monkeypatch.setattr(claude_summary, "anthropic_client", lambda key: client_answering([]))
    monkeypatch.setattr(claude_summary, "write_summary", broken)
    assert summarize_document(document.pk) == 0
    assert PaperSummary.objects.get(paper=paper).generator == "extractive"
