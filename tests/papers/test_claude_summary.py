"""The Claude-written paper summary, on a recorded response through the SDK's HTTP layer."""

import json
from pathlib import Path

import anthropic
import httpx2
import pytest

from papers.claude_summary import summarize_document, write_summary
from papers.models import DocumentStatus, PaperDocument, PaperSummary
from tests.factories import make_beats, make_benchmark, make_method, make_paper, make_result

RECORDED = Path(__file__).resolve().parent.parent / "data" / "anthropic" / "summary.json"


def client_answering(requests: list[httpx2.Request]) -> anthropic.Anthropic:
    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        return httpx2.Response(200, json=json.loads(RECORDED.read_text()))

    return anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=httpx2.MockTransport(handler)), max_retries=0
    )


@pytest.mark.django_db
def test_claude_writes_the_summary_and_ungrounded_numbers_are_dropped():
    paper = make_paper(title="AWQ", abstract="We protect salient weights.")
    wiki = make_benchmark("WikiText-2")
    make_result(
        paper=paper,
        method=make_method("AWQ"),
        benchmark=wiki,
        model_name="LLaMA-2-7B",
        setting="W4A16",
        value=5.60,
        value_text="5.60",
    )
    make_result(
        paper=paper,
        method=make_method("GPTQ"),
        benchmark=wiki,
        model_name="LLaMA-2-7B",
        setting="W4A16",
        value=5.83,
        value_text="5.83",
    )
    make_beats(paper=paper, quote="AWQ outperforms GPTQ.")
    requests: list[httpx2.Request] = []
    summary = write_summary(paper, client_answering(requests), "claude-sonnet-4-6")
    # "9.9x faster" is in no receipt of this paper: that sentence is dropped, the grounded one kept.
    assert summary.key_results == [
        "AWQ reaches 5.60 WikiText-2 perplexity on LLaMA-2-7B at W4A16, against 5.83 for GPTQ."
    ]
    assert summary.limitations == ["The method needs a small calibration set."]
    assert summary.generator == "claude-sonnet-4-6" and PaperSummary.objects.count() == 1
    body = json.loads(requests[0].content)
    assert body["tool_choice"] == {"type": "tool", "name": "record_summary"}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "5.60" in body["messages"][0]["content"]


@pytest.mark.django_db
def test_without_a_key_the_hook_does_nothing_and_the_page_uses_receipts(settings, client):
    settings.ANTHROPIC_API_KEY = ""
    paper = make_paper(abstract="We propose X. X is 2x faster than Y.")
    document = PaperDocument.objects.create(paper=paper, version=1, status=DocumentStatus.PARSED, page_count=1)
    assert summarize_document(document.pk) == 0
    assert not PaperSummary.objects.exists()
    assert client.get(paper.get_absolute_url()).context["summary"]["generator"] == "receipts"
