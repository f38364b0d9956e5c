"""Citation role and polarity by Claude, on a recorded response through the SDK's HTTP layer."""

import json
from pathlib import Path

import anthropic
import httpx2

from papers.citation_claude import ClaudeClassifier
from worker.reading.references import classify_citation

RECORDED = Path(__file__).resolve().parent.parent / "data" / "anthropic" / "citation_classes.json"
ITEMS = [
    ("Our method outperforms GPTQ [12] on every model.", "[12]"),
    ("We use the calibration set of [3].", "[3]"),
    ("Quantization has a long history [7].", "[7]"),
]


def classifier(sent: list[dict], status: int = 200) -> ClaudeClassifier:
    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.content))
        if status != 200:
            return httpx2.Response(
                status, json={"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}
            )
        return httpx2.Response(200, json=json.loads(RECORDED.read_text()))

    client = anthropic.Anthropic(
        api_key="test", http_client=httpx2.Client(transport=httpx2.MockTransport(handler)), max_retries=0
    )
    return ClaudeClassifier(client, "claude-sonnet-4-6")


def test_claude_classes_are_used_and_invalid_answers_keep_the_rules():
    """The recorded answer also classifies a ninth sentence nobody sent and one numbered "first":
    made-up citations, dropped without failing the batch."""
    sent: list[dict] = []
    results = classifier(sent)(ITEMS)
    assert len(results) == len(ITEMS)
    assert [(r.role, r.polarity) for r in results[:2]] == [("compares", "contrasting"), ("uses", "supporting")]
    rules = classify_citation(*ITEMS[2])
    assert (results[2].role, results[2].polarity) == (rules.role, rules.polarity)  # "praises" is not a role
    assert sent[0]["tool_choice"]["name"] == "record_citation_classes"
    assert "[marker [12]] Our method outperforms GPTQ" in sent[0]["messages"][0]["content"]


def test_an_api_error_falls_back_to_the_rules():
    results = classifier([], status=400)(ITEMS)
    assert [(r.role, r.polarity) for r in results] == [
        (c.role, c.polarity) for c in (classify_citation(s, m) for s, m in ITEMS)
    ]
