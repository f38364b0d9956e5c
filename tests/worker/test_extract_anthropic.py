"""The Anthropic extractor against recorded Messages API responses (tests/data/anthropic/*.json).

The SDK's HTTP layer is replaced by an httpx2 MockTransport (this SDK release is built on httpx2,
and refuses plain httpx clients): no request leaves the process and no test sleeps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from django.core.exceptions import ImproperlyConfigured

from worker.extract.claude import (
    INSTRUCTIONS,
    TOOL_NAME,
    AnthropicExtractionError,
    AnthropicExtractor,
    PaperText,
    best_window,
    estimate_cost_usd,
    parse_setting,
)
from worker.extract.receipts import Registry
from worker.extraction import anthropic_extractor, reference_registry
from worker.reading.document import ParsedDocument, ParsedPage, ParsedTable
from worker.reading.tables import Grid

DATA = Path(__file__).resolve().parent.parent / "data" / "anthropic"
MODEL = "claude-sonnet-4-6"

# A short paper about a made-up method, RotaQ, written like the quantization papers in the corpus:
# two-column text as PDFium reads it (lines broken mid-sentence, a word hyphenated across a line
# break, "fi" ligatures), and a results table that pdfplumber found on page 3.
PAGE_1 = """RotaQ: Rotation-Aware Quantization for Large Language Models
Anonymous Authors
Abstract
We propose RotaQ, a post-training quantization method that rotates weights and activations
before rounding. On LLaMA-2-7B, RotaQ reaches 5.62 WikiText-2 perplexity at W4A16 with
group size 128, and it outperforms GPTQ and AWQ at every bit width we test.
1 Introduction
Post-training quantization (PTQ) compresses large language models without retraining. Round-to-
nearest (RTN) is the simplest baseline. SmoothQuant migrates the difficulty of activation quanti-
zation to the weights, but it fails to keep accuracy when activations are quantized to 4 bits."""

PAGE_2 = """2 Related Work
GPTQ uses approximate second-order information to quantize weights one column at a time, but we
\ufb01nd that its error compensation over\ufb01ts the calibration set at 3 bits. AWQ protects salient
weight channels by scaling them before rounding. QuaRot removes outliers with Hadamard
rotations and quantizes weights, activations and the KV cache to 4 bits.
3 Method
RotaQ learns a rotation per transformer block and applies it before round-to-nearest. The
rotation is merged into the weights after calibration, so inference costs nothing extra."""

TABLE_2_CAPTION = "Table 2: WikiText-2 perplexity (lower is better) of LLaMA-2-7B."
TABLE_2_ROWS: list[list[str | None]] = [
    ["Method", "W4A16 g128", "W4A4KV4"],
    ["FP16", "5.47", "5.47"],
    ["RTN", "6.12", "2382.10"],
    ["GPTQ", "5.83", "9.57"],
    ["AWQ", "5.78", "\u2013"],
    ["QuaRot", "5.70", "6.34"],
    ["RotaQ (ours)", "5.62", "6.21"],
]
PAGE_3 = (
    "4 Experiments\n"
    + TABLE_2_CAPTION
    + "\n"
    + "\n".join(" ".join(c or "" for c in row) for row in TABLE_2_ROWS)
    + """
Table 2 shows that RotaQ lowers perplexity relative to QuaRot at W4A4KV4 (6.21 versus 6.34).
At 4-bit weights with group size 128, all rotation methods stay within 0.25 of FP16."""
)

PAGE_4 = """5 Conclusion
We presented RotaQ, which rotates weights and activations before rounding. RotaQ keeps
LLaMA-2-7B within 0.15 perplexity of FP16 at W4A16 g128. Like QuaRot, it needs a calibration
set of 128 sequences; we leave calibration-free rotations to future work.
References
[1] Frantar et al. GPTQ: Accurate post-training quantization for generative pre-trained
transformers. ICLR 2023."""

TABLE_5_CAPTION = "Table 5: Zero-shot accuracy (%) of LLaMA-2-7B at W4A16 g128."
# As printed on page 5; the table pdfplumber finds there is the same cells, one row a line.
TABLE_5_TEXT = """Method PIQA WinoGrande
FP16 79.1 69.1
RTN 76.8 64.9
QuaRot 78.4 68.0
RotaQ 78.6 68.3"""
PAGE_5 = (
    """A Zero-shot Accuracy
Table 5 reports zero-shot accuracy on PIQA and WinoGrande with the lm-evaluation-harness. The
gap to FP16 is below one point for RotaQ at W4A16 g128, while RTN loses more than four points
on WinoGrande. QuaRot and RotaQ are within noise of each other on PIQA.
"""
    + TABLE_5_CAPTION
    + "\n"
    + TABLE_5_TEXT
)

TITLE = "RotaQ: Rotation-Aware Quantization for Large Language Models"
ABSTRACT = (
    "We propose RotaQ, a post-training quantization method that rotates weights and activations before "
    "rounding. It outperforms GPTQ and AWQ at every bit width we test."
)


def page_with_table(
    number: int, text: str, box: tuple[float, float, float, float], rows: list[list[str | None]], caption: str
) -> ParsedPage:
    """A page of the paper with the one table pdfplumber found on it (in `box`), under its caption."""
    return ParsedPage(number, text, [ParsedTable(number, box, Grid.from_text_rows(rows), caption)], [caption])


def appendix_page() -> ParsedPage:
    rows: list[list[str | None]] = [line.split() for line in TABLE_5_TEXT.splitlines()]
    return page_with_table(5, PAGE_5, (72.0, 400.0, 540.0, 480.0), rows, TABLE_5_CAPTION)


def paper(extra: list[ParsedPage] | None = None) -> ParsedDocument:
    pages = [
        ParsedPage(1, PAGE_1),
        ParsedPage(2, PAGE_2),
        page_with_table(3, PAGE_3, (72.0, 96.0, 540.0, 210.0), TABLE_2_ROWS, TABLE_2_CAPTION),
        ParsedPage(4, PAGE_4),
        *(extra or []),
    ]
    return ParsedDocument(sha256="0" * 64, page_count=len(pages), pages=pages, seconds=0.1, parser_version="test")


def recorded(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


class FakeMessagesAPI:
    """Stands in for api.anthropic.com: serves recorded replies in order, keeps every request.

    A reply is (status, recorded file name) or (status, file, headers), or an exception to raise
    as the transport would (a refused connection, a timeout)."""

    def __init__(self, *replies: tuple[int, str] | tuple[int, str, dict[str, str]] | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request #{len(self.requests)} to {request.url}")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, name, *rest = reply
        headers = {"request-id": f"req_test_{len(self.requests)}", **(rest[0] if rest else {})}
        return httpx2.Response(status, json=recorded(name), headers=headers)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def user_texts(self) -> list[str]:
        return [body["messages"][0]["content"][0]["text"] for body in self.bodies]


@pytest.fixture
def registry() -> Registry:
    return reference_registry()


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the extractor asked for, instead of sleeping."""
    return []


def http_client(api: FakeMessagesAPI) -> httpx2.Client:
    return httpx2.Client(transport=httpx2.MockTransport(api))


def extractor_for(api: FakeMessagesAPI, sleeps: list[float], **options: Any) -> AnthropicExtractor:
    client = anthropic.Anthropic(api_key="test", http_client=http_client(api))
    return AnthropicExtractor(client, MODEL, sleep=sleeps.append, **options)


def test_normal_extraction_maps_names_to_canonical_ones(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI((200, "normal.json"))
    extraction = extractor_for(api, sleeps).extract(paper(), registry, title=TITLE, abstract=ABSTRACT)

    assert len(api.requests) == 1
    assert (extraction.extractor, extraction.version) == ("anthropic", "claude-sonnet-4-6/prompt-1")
    assert extraction.proposed == ["RotaQ"]

    results = {(r.method, r.setting, r.benchmark): r for r in extraction.results}
    assert set(results) == {
        ("RTN", "W4A16 g128", "WikiText-2"),  # the model wrote "WikiText2"
        ("GPTQ", "W4A4KV4", "WikiText-2"),
        ("QuaRot", "W4A4KV4", "WikiText-2"),
        ("RotaQ", "W4A4KV4", "WikiText-2"),  # the table row reads "RotaQ (ours)"
        ("FP16", "W16A16", "WikiText-2"),
    }
    rtn = results[("RTN", "W4A16 g128", "WikiText-2")]
    assert (rtn.value, rtn.value_text, rtn.model, rtn.metric) == (6.12, "6.12", "LLaMA-2-7B", "perplexity")
    assert (rtn.weight_bits, rtn.activation_bits, rtn.kv_bits, rtn.group_size) == (4, 16, None, 128)
    assert (rtn.provenance.page, rtn.provenance.locator, rtn.provenance.quote) == (3, "Table 2", TABLE_2_CAPTION)
    rotaq = results[("RotaQ", "W4A4KV4", "WikiText-2")]
    assert (rotaq.weight_bits, rotaq.activation_bits, rotaq.kv_bits) == (4, 4, 4)

    beats = {(b.method, b.baseline): b for b in extraction.beats}
    assert set(beats) == {("RotaQ", "QuaRot"), ("RotaQ", "GPTQ"), ("RotaQ", "AWQ"), ("RotaQ", "RTN")}
    table = beats[("RotaQ", "QuaRot")]
    assert (table.evidence, table.benchmark, table.setting, table.method_value, table.baseline_value) == (
        "table",
        "WikiText-2",
        "W4A4KV4",
        6.21,
        6.34,
    )
    assert (table.provenance.page, table.provenance.locator) == (3, "Table 2")
    assert beats[("RotaQ", "RTN")].provenance.quote == TABLE_2_CAPTION  # "round-to-nearest" -> RTN
    assert beats[("RotaQ", "GPTQ")].evidence == "sentence"
    assert beats[("RotaQ", "GPTQ")].provenance.page == 1

    critiques = {c.method: c for c in extraction.critiques}
    assert set(critiques) == {"SmoothQuant", "GPTQ"}
    # Found although the page hyphenates "quanti-/zation" across lines and prints "fi" ligatures.
    assert (critiques["SmoothQuant"].provenance.page, critiques["SmoothQuant"].section) == (1, "1 Introduction")
    assert critiques["GPTQ"].provenance.page == 2
    assert critiques["GPTQ"].provenance.confidence == pytest.approx(0.8)

    # The paper's own method is in no registry: one candidate, where the paper introduces it.
    assert [(c.name, c.provenance.page) for c in extraction.candidates] == [("RotaQ", 1)]
    assert extraction.stats["dropped_unverified"] == 0
    assert extraction.stats["dropped_malformed"] == 0
    score = extraction.to_score_json()
    assert {"method": "GPTQ", "baseline": "RTN"} not in score["beats"]
    assert score["results"][0]["table"] == "Table 2"


def test_fabricated_quotes_and_values_are_dropped_and_counted(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI((200, "fabricated.json"))
    extraction = extractor_for(api, sleeps).extract(paper(), registry, title=TITLE, abstract=ABSTRACT)

    assert extraction.stats["dropped_unverified"] == 5
    assert extraction.stats["dropped_unverified_by_kind"] == {"beats": 1, "candidates": 1, "critiques": 2, "results": 1}
    # Nothing fabricated comes back: no AWQ result of 5.51, no AWQ or QuaRot critique, no
    # HadaQuant, no table comparison with a 5.40 the paper never prints.
    assert [(r.method, r.value) for r in extraction.results] == [("QuaRot", 5.70)]
    assert [c.method for c in extraction.critiques] == ["SmoothQuant"]
    assert [c.name for c in extraction.candidates] == ["RotaQ"]
    assert [(b.baseline, b.evidence) for b in extraction.beats] == [("AWQ", "sentence")]
    text = PaperText(paper())
    for receipt in [*extraction.results, *extraction.beats, *extraction.critiques, *extraction.candidates]:
        if receipt.provenance.quote:
            assert text.find_quote(receipt.provenance.quote, receipt.provenance.page, 0.99) is not None

    # A quote cited one page off is found on the neighbour page, and its page corrected.
    assert extraction.critiques[0].provenance.page == 1
    # A paraphrase close enough to the paper is kept, with the paper's own words as the quote.
    paraphrase = extraction.beats[0].provenance
    assert paraphrase.quote != "RotaQ outperforms GPTQ and AWQ at every bit width we tested"
    assert "outperforms GPTQ and AWQ at every bit width we" in paraphrase.quote
    assert paraphrase.confidence < 0.8


def test_overloaded_529_is_retried_then_succeeds(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI((529, "error_529_overloaded.json"), (200, "normal.json"))
    extraction = extractor_for(api, sleeps).extract(paper(), registry, title=TITLE)

    assert len(api.requests) == 2
    assert api.bodies[0] == api.bodies[1]  # the same request, sent again
    assert len(sleeps) == 1 and 1.5 <= sleeps[0] <= 2.0  # first backoff: 2 s minus up to 25% jitter
    assert extraction.stats["retries"] == 1
    assert extraction.stats["requests"] == 1  # only the answered request is billed
    assert len(extraction.results) == 5


def test_rate_limit_waits_as_long_as_the_server_asks(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI((429, "error_429_rate_limit.json", {"retry-after": "7"}), (200, "normal.json"))
    extraction = extractor_for(api, sleeps).extract(paper(), registry)

    assert sleeps == [7.0]
    assert len(extraction.results) == 5


def test_connection_errors_are_retried(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI(httpx2.ConnectError("connection refused"), (200, "normal.json"))
    extraction = extractor_for(api, sleeps).extract(paper(), registry)

    assert len(api.requests) == 2
    assert extraction.stats["retries"] == 1


def test_transient_failures_are_retried_a_bounded_number_of_times(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI(*[(500, "error_500_api_error.json")] * 3)
    with pytest.raises(AnthropicExtractionError, match="after 3 attempts: HTTP 500 api_error") as failure:
        extractor_for(api, sleeps, max_retries=2).extract(paper(), registry)

    assert len(api.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff
    assert failure.value.status_code == 500
    assert isinstance(failure.value.__cause__, anthropic.InternalServerError)


def test_bad_request_is_not_retried_and_explains_itself(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI((400, "error_400_invalid_request.json"))
    with pytest.raises(AnthropicExtractionError) as failure:
        extractor_for(api, sleeps).extract(paper(), registry)

    assert len(api.requests) == 1
    assert sleeps == []
    message = str(failure.value)
    assert "HTTP 400 invalid_request_error" in message
    assert "prompt is too long" in message
    assert "Not retried" in message
    assert "req_test_1" in message
    assert failure.value.status_code == 400
    assert isinstance(failure.value.__cause__, anthropic.BadRequestError)


def test_chunks_carry_only_their_pages_and_the_cached_prefix(registry: Registry, sleeps: list[float]) -> None:
    document = paper(extra=[appendix_page()])
    api = FakeMessagesAPI((200, "chunk_1.json"), (200, "chunk_2.json"), (200, "chunk_3.json"))
    extraction = extractor_for(api, sleeps, max_chunk_chars=1_500).extract(
        document, registry, title=TITLE, abstract=ABSTRACT
    )

    assert len(api.requests) == 3
    expected_pages = [{1, 2}, {3, 4}, {5}]
    for text, pages in zip(api.user_texts(), expected_pages, strict=True):
        for number in range(1, 6):
            assert (f"=== Page {number} ===" in text) == (number in pages)
        assert f"Paper title: {TITLE}" in text
    assert (
        "--- Table on page 3: " + TABLE_2_CAPTION + " ---\nMethod\tW4A16 g128\tW4A4KV4\nFP16\t5.47\t5.47"
        in api.user_texts()[1]
    )

    # Every request starts with the same tool, instructions and registry, marked for caching.
    first = api.bodies[0]
    for body in api.bodies:
        assert body["system"] == first["system"] and body["tools"] == first["tools"]
    assert [block["cache_control"] for block in first["system"]] == [{"type": "ephemeral"}] * 2
    assert first["system"][0]["text"] == INSTRUCTIONS
    assert "GPTQ" in first["system"][1]["text"] and "WikiText-2" in first["system"][1]["text"]

    # Receipts from every chunk, and usage summed over the chunks.
    assert {c.method for c in extraction.critiques} == {"SmoothQuant", "GPTQ"}
    assert {(r.method, r.benchmark) for r in extraction.results} == {
        ("QuaRot", "WikiText-2"),
        ("RotaQ", "WikiText-2"),
        ("RotaQ", "PIQA"),
        ("RTN", "WinoGrande"),
    }
    stats = extraction.stats
    assert (stats["chunks"], stats["pages"], stats["requests"], stats["retries"]) == (3, 5, 3, 0)
    assert stats["input_tokens"] == 1450 + 1720 + 980
    assert stats["output_tokens"] == 620 + 910 + 450
    assert stats["cache_creation_input_tokens"] == 2950
    assert stats["cache_read_input_tokens"] == 2950 * 2
    # Sonnet list prices (USD per million tokens): 3 input, 15 output, 3.75 cache write, 0.30 cache read.
    expected = (4150 * 3 + 1980 * 15 + 2950 * 3.75 + 5900 * 0.30) / 1_000_000
    assert stats["cost_usd"] == pytest.approx(expected, abs=1e-6)
    assert stats["price_basis"] == "Sonnet 3.7 - 4.6 list prices as of 2026-11-22 (assumed)"


def test_a_document_without_text_costs_nothing(registry: Registry, sleeps: list[float]) -> None:
    api = FakeMessagesAPI()
    document = ParsedDocument("0" * 64, 2, [ParsedPage(1, ""), ParsedPage(2, "  ")], 0.1, "test")
    extraction = extractor_for(api, sleeps).extract(document, registry)

    assert api.requests == []
    assert (extraction.results, extraction.candidates) == ([], [])
    assert (extraction.stats["requests"], extraction.stats["cost_usd"]) == (0, 0.0)


def test_a_deprecated_model_is_logged(caplog: pytest.LogCaptureFixture, sleeps: list[float]) -> None:
    client = anthropic.Anthropic(api_key="test", http_client=http_client(FakeMessagesAPI()))
    with caplog.at_level("WARNING", logger="worker.extract.claude"):
        AnthropicExtractor(client, "claude-sonnet-4-5", sleep=sleeps.append)
    assert "claude-sonnet-4-5 is deprecated: end of life on November 30th, 2026" in caplog.text


def test_a_page_longer_than_a_chunk_is_sent_in_labelled_parts(registry: Registry, sleeps: list[float]) -> None:
    long_text = "\n".join([PAGE_2] * 5)  # about 2,800 characters
    document = ParsedDocument("0" * 64, 1, [ParsedPage(1, long_text)], 0.1, "test")
    api = FakeMessagesAPI(*[(200, "empty.json")] * 3)
    extraction = extractor_for(api, sleeps, max_chunk_chars=1_000).extract(document, registry)

    texts = api.user_texts()
    assert len(texts) == 3
    sent = ""
    for i, text in enumerate(texts, start=1):
        header, _, content = text.partition("\n\n=== Page")
        assert "Excerpt: page 1 of 1" in header
        assert content.startswith(f" 1 (part {i} of 3) ===\n")
        assert len("=== Page" + content) <= 1_000
        sent += content.split("===\n", 1)[1] + "\n"
    assert sent == long_text + "\n"  # cut at line ends, nothing lost
    assert extraction.stats["chunks"] == 3
    assert extraction.results == []


def test_a_chunk_cut_off_at_max_tokens_is_asked_again_in_halves(registry: Registry, sleeps: list[float]) -> None:
    first_two = paper().pages[:2]
    document = ParsedDocument("0" * 64, 2, first_two, 0.1, "test")
    api = FakeMessagesAPI((200, "max_tokens.json"), *[(200, "empty.json")] * 2)
    extraction = extractor_for(api, sleeps).extract(document, registry)

    texts = api.user_texts()
    assert len(texts) == 3
    assert "=== Page 1 ===" in texts[0] and "=== Page 2 ===" in texts[0]
    assert "=== Page 1 ===" in texts[1] and "=== Page 2 ===" not in texts[1]
    assert "=== Page 2 ===" in texts[2] and "=== Page 1 ===" not in texts[2]
    assert extraction.stats["split_after_max_tokens"] == 1
    assert extraction.stats["requests"] == 3  # the cut-off answer was billed too
    assert extraction.stats["output_tokens"] == 16_000 + 2 * 35


def test_from_settings_sends_the_configured_model_and_the_tool(
    registry: Registry, settings: pytest.FixtureRequest
) -> None:
    settings.ANTHROPIC_API_KEY = "sk-ant-test-key"  # type: ignore[attr-defined]
    settings.ANTHROPIC_MODEL = "claude-haiku-4-5"  # type: ignore[attr-defined]
    api = FakeMessagesAPI((200, "normal.json"))
    extractor = anthropic_extractor(http_client=http_client(api))
    extraction = extractor.extract(paper(), registry, title=TITLE, abstract=ABSTRACT)

    (request,) = api.requests
    assert (request.method, request.url.path) == ("POST", "/v1/messages")
    assert request.headers["authorization"] == "Bearer sk-ant-test-key"  # this SDK sends keys as bearer tokens
    body = json.loads(request.content)
    assert body["model"] == "claude-haiku-4-5"
    assert body["max_tokens"] == 16_000
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True}
    (tool,) = body["tools"]
    assert (tool["name"], tool["strict"]) == (TOOL_NAME, True)
    schema = tool["input_schema"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["required"] == ["proposed", "results", "beats", "critiques", "candidates"]
    result_item = schema["properties"]["results"]["items"]
    assert result_item["additionalProperties"] is False
    assert set(result_item["required"]) == set(result_item["properties"]) >= {"method", "benchmark", "value", "page"}
    assert schema["properties"]["beats"]["items"]["properties"]["evidence"]["enum"] == ["table", "sentence"]
    assert body["messages"][0]["role"] == "user"
    assert "=== Page 1 ===" in body["messages"][0]["content"][0]["text"]

    assert extraction.version == "claude-haiku-4-5/prompt-1"
    assert extraction.stats["model"] == "claude-haiku-4-5"
    # Haiku 4.5 list prices: 1 input, 5 output, 1.25 cache write, 0.10 cache read (per million).
    assert extraction.stats["cost_usd"] == pytest.approx((2210 * 1 + 1184 * 5 + 2950 * 1.25) / 1_000_000, abs=1e-6)


def test_from_settings_without_a_key_says_what_to_set(settings: pytest.FixtureRequest) -> None:
    settings.ANTHROPIC_API_KEY = ""  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="ANTHROPIC_API_KEY is not set"):
        anthropic_extractor()


# --- the checks, on their own -----------------------------------------------------------------


def test_quotes_match_across_case_ligatures_and_hyphenation() -> None:
    text = PaperText(paper())
    found = text.find_quote("WE FIND that its error compensation overfits the calibration set", 2, 0.6)
    assert found is not None and (found.page, found.score) == (2, 1.0)
    found = text.find_quote("the difficulty of activation quantization to the weights", 1, 0.6)
    assert found is not None and found.score == 1.0
    # The page before or after the cited one counts; two pages away does not.
    assert text.find_quote("Like QuaRot, it needs a calibration set of 128 sequences", 3, 0.6).page == 4  # type: ignore[union-attr]
    assert text.find_quote("Like QuaRot, it needs a calibration set of 128 sequences", 2, 0.6) is None
    # Too short to prove anything, or not on the page at all.
    assert text.find_quote("GPTQ uses", 2, 0.6) is None
    assert text.find_quote("AWQ collapses completely below 4 bits", 2, 0.6) is None


def test_fuzzy_quotes_are_held_to_the_threshold() -> None:
    text = PaperText(paper())
    paraphrase = "RotaQ outperforms GPTQ and AWQ at every bit width we tested"
    loose = text.find_quote(paraphrase, 1, 0.6)
    assert loose is not None and 0.6 <= loose.score < 1.0
    assert text.find_quote(paraphrase, 1, 0.9) is None


def test_best_window_scores_the_closest_run_of_words() -> None:
    words = [(w, i * 10, i * 10 + len(w)) for i, w in enumerate(["a", "b", "c", "d", "e", "f"])]
    assert best_window(["c", "d", "e"], words) == (1.0, 20, 41)
    assert best_window(["c", "d", "x"], words)[0] == pytest.approx(2 / 4)
    assert best_window(["x"], words) == (0.0, 0, 0)


def test_values_must_be_printed_on_their_page() -> None:
    text = PaperText(paper())
    assert text.find_value(3, 6.34, "6.34") == ("6.34", True)
    assert text.find_value(3, 2382.1, "2382.10") == ("2382.10", True)
    assert text.find_value(3, 5.51, "5.51") is None  # not in the table
    assert text.find_value(2, 6.34, "6.34") is None  # another page
    assert text.find_value(3, 6.35, "6.34") is None  # the printed text is not the value
    assert text.find_value(1, 5.62, "") == ("5.62", False)  # in a sentence, not a table
    assert text.find_value(1, 5.6, "") is None  # the paper prints 5.62: no rounding to fit


def test_settings_are_parsed_into_bits() -> None:
    assert parse_setting("W4A16 g128") == (4, 16, None, 128)
    assert parse_setting("W4A4KV4") == (4, 4, 4, None)
    assert parse_setting("W3A16 group size 64") == (3, 16, None, 64)
    assert parse_setting("4-bit") == (4, None, None, None)
    assert parse_setting("") == (None, None, None, None)


def test_costs_are_estimated_by_model_family() -> None:
    tokens = {
        "input_tokens": 1_000_000,
        "output_tokens": 0,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    assert estimate_cost_usd("claude-sonnet-4-5-20250929", **tokens) == 3.0
    assert estimate_cost_usd("claude-opus-4-1-20250805", **tokens) == 15.0
    assert estimate_cost_usd("claude-opus-4-5", **tokens) == 5.0
    assert estimate_cost_usd("claude-haiku-4-5", **tokens) == 1.0
    assert estimate_cost_usd("some-other-model", **tokens) is None
