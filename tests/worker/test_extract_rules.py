"""worker.extract.rules (with extract_tables and extract_text): the rule-based extractor.

Pure: no Django database. Unit tests build small ParsedDocument objects shaped like what
worker.reading.parse returns for real LaTeX papers (one text line per table row, multirow labels on
lines of their own, captions above or below); the end-to-end test parses a real corpus PDF once.
"""

from __future__ import annotations

import pytest

from tests.conftest import corpus_path
from worker.extract.receipts import Extraction, Registry
from worker.extract.rules import RuleExtractor, interpret_label, parse_setting
from worker.extract.tables import (
    build_tables,
    grid_from_table,
    header_tokens,
    parse_number,
    split_row,
    split_values,
)
from worker.reading.parse import ParsedDocument, ParsedPage, ParsedTable, parse_pdf


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_reference()


def _doc(*pages: str, tables: dict[int, list[ParsedTable]] | None = None) -> ParsedDocument:
    tables = tables or {}
    parsed = [ParsedPage(i + 1, text, tables.get(i + 1, []), []) for i, text in enumerate(pages)]
    return ParsedDocument("0" * 64, len(parsed), parsed, 0.0, "test")


def _extract(registry: Registry, *pages: str, tables: dict[int, list[ParsedTable]] | None = None) -> Extraction:
    return RuleExtractor().extract(_doc(*pages, tables=tables), registry)


def _result(extraction: Extraction, **want: object) -> list:
    return [r for r in extraction.results if all(getattr(r, k) == v for k, v in want.items())]


def _pairs(extraction: Extraction) -> set[tuple[str, str]]:
    return {(b.method, b.baseline) for b in extraction.beats}


TITLE_PAGE = """FastQ: Accurate Post-Training Quantization for Large Language Models
Jane Doe1, John Roe2
Abstract
We propose FastQ, a post-training quantization method for large language models.
"""


# --------------------------------------------------------------------------------------------
# Numbers and cells as printed


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("31.12", 31.12),
        ("1.3e3", 1300.0),
        ("1.76e5", 176000.0),
        ("571.", 571.0),
        ("38.41%", 38.41),
        ("65.3±0.2", 65.3),
        ("1,596.83", 1596.83),
        ("−5.74", -5.74),
        ("12.3*", 12.3),
        ("88.7†", 88.7),
        ("44.57 (1.93×)", 44.57),
        ("-", None),
        ("–", None),
        ("—", None),
        ("N/A", None),
        ("OOM", None),
        ("abc", None),
        (None, None),
    ],
)
def test_parse_number_as_printed(text: str | None, value: float | None) -> None:
    assert parse_number(text) == value


def test_split_values_keeps_pairs_and_dashes() -> None:
    assert split_values("84.20/84.67") == ["84.20", "84.67"]
    assert split_values("—/90.9") == ["—", "90.9"]
    assert split_values("45.62/22.85/42.87") == ["45.62", "22.85", "42.87"]
    assert split_values("12.5") == ["12.5"]


def test_split_row_keeps_numbers_that_belong_to_the_label() -> None:
    assert split_row("Int8 absmax row-wise + decomposition 30.76 16.19 14.65") == (
        "Int8 absmax row-wise + decomposition",
        ["30.76", "16.19", "14.65"],
    )
    assert split_row("GPT-3 350M 10.5 11.2") == ("GPT-3 350M", ["10.5", "11.2"])
    # units and "(3.67x)" stay with their cell; a dash is a cell
    assert split_row("W8A8 (PTQ) 42.6 26.2 7 mins") == ("W8A8 (PTQ)", ["42.6", "26.2", "7 mins"])
    assert split_row("W8A8 20.97 7.94ms (3.67x)") == ("W8A8", ["20.97", "7.94ms (3.67x)"])
    assert split_row("FP16 - 39.17% 32.32%") == ("FP16", ["-", "39.17%", "32.32%"])
    assert split_row("perplexity gap from 4.7 to 0.2 with no calibration cost.")[1] == []


def test_header_tokens_keep_notes_with_their_word() -> None:
    assert header_tokens("Precision (Method) Lambada (↑) PIQA (↑) Wikitext-2 (↓)") == [
        "Precision (Method)",
        "Lambada (↑)",
        "PIQA (↑)",
        "Wikitext-2 (↓)",
    ]
    assert header_tokens("OPT / PPL↓ 125M 1.3B") == ["OPT / PPL↓", "125M", "1.3B"]


def test_parse_setting_patterns() -> None:
    s, rest = parse_setting("W4A16 g128 RTN")
    assert (s.w, s.a, s.g, rest) == (4, 16, 128, "RTN")
    s, _ = parse_setting("W4A8KV4")
    assert (s.w, s.a, s.kv) == (4, 8, 4)
    s, rest = parse_setting("W4/8A16 (ZeroQuant)")
    assert (s.w, s.a, rest) == (4, 16, "(ZeroQuant)")
    s, _ = parse_setting("INT3-g128")
    assert (s.w, s.g) == (3, 128)
    s, _ = parse_setting("4-bit, group size of 64")
    assert (s.w, s.g) == (4, 64)
    assert parse_setting("FP16")[0].full_precision


# --------------------------------------------------------------------------------------------
# Row labels through the registry


def test_labels_resolve_through_aliases(registry: Registry) -> None:
    assert interpret_label("OPTQ", registry, []).method == "GPTQ"
    assert interpret_label("round-to-nearest", registry, []).method == "RTN"
    assert interpret_label("Q-BERT (Shen et al., 2020)", registry, []).method == "Q-BERT"
    assert interpret_label("Absmax LLM.int8() (vector-wise + decomp)", registry, []).method == "LLM.int8()"
    ours = interpret_label("Ours", registry, ["FastQ"])
    assert (ours.method, ours.ours) == ("FastQ", True)
    # full precision in any spelling is the registry's reference row
    for label in ("FP32 (teacher)", "W16A16 (Baseline)", "32-bit Float", "FP16 -", "Full precision"):
        info = interpret_label(label, registry, [])
        assert info.method == "FP16" and info.full_precision, label
    # a number format alone is not LLM.int8(), although "int8" is one of its aliases
    assert interpret_label("INT8", registry, []).method == ""
    # unknown names are kept as printed; the setting printed with them is split off
    info = interpret_label("W4A4 (symmetric)", registry, [])
    assert (info.method, info.setting.w, info.setting.a) == ("symmetric", 4, 4)
    assert interpret_label("Mean", registry, []).method == ""


# --------------------------------------------------------------------------------------------
# Table shapes seen in real papers


GPTQ_STYLE = """Table 1: OPT perplexity results on WikiText2.
OPT Bits 125M 350M 1.3B
full 16 27.65 22.00 14.63
RTN 4 37.28 25.94 48.17
OPTQ 4 31.12 24.24 15.47
Ours 4 30.10 23.90 15.01
RTN 3 1.3e3 64.57 1.3e4
Ours 3 45.20 30.01 19.80
Weight-only quantization keeps activations in 16 bits, which is why these results are shown here.
"""


def test_bits_column_models_across_and_caption_benchmark(registry: Registry) -> None:
    ex = _extract(registry, TITLE_PAGE, GPTQ_STYLE)
    (cell,) = _result(ex, method="GPTQ", model="OPT-125M")
    assert (cell.benchmark, cell.value, cell.value_text, cell.weight_bits) == ("WikiText2", 31.12, "31.12", 4)
    assert (cell.provenance.page, cell.provenance.locator) == (2, "Table 1")
    assert cell.provenance.quote.startswith("OPTQ 4 31.12")
    (big,) = _result(ex, method="RTN", model="OPT-125M", weight_bits=3)
    assert (big.value, big.value_text) == (1300.0, "1.3e3")
    assert {r.method for r in ex.results} == {"FP16", "RTN", "GPTQ", "FastQ"}  # "Ours" is the paper's method
    assert all(r.weight_bits == 16 for r in _result(ex, method="FP16"))
    # the bits column is a setting, never a result
    assert not [r for r in ex.results if r.value == 16.0]


MULTIROW_GROUPS = """Table 2: Perplexity (↓) of LLaMA-7B under weight-only quantization.
Method WikiText2 C4
FP16 5.68 7.08
W4A16
g128
RTN 5.96 7.37
FastQ 5.78 7.21
g64
RTN 5.85 7.28
FastQ 5.73 7.16
W3A16 g128 RTN 7.01 8.62
FastQ 6.24 7.84
This sentence is ordinary running text after the table and it closes the block.
"""


def test_multirow_settings_and_group_size_variants(registry: Registry) -> None:
    ex = _extract(registry, TITLE_PAGE, MULTIROW_GROUPS)
    settings = {(r.method, r.setting, r.benchmark): r.value for r in ex.results}
    assert settings[("RTN", "W4A16 g128", "WikiText2")] == 5.96
    assert settings[("RTN", "W4A16 g64", "WikiText2")] == 5.85
    assert settings[("FastQ", "W4A16 g64", "C4")] == 7.16
    # a setting printed in a row with a method also covers the rows under it (\\multirow)
    assert settings[("FastQ", "W3A16 g128", "WikiText2")] == 6.24
    assert all(r.model == "LLaMA-7B" for r in ex.results)
    assert ("FastQ", "RTN") in _pairs(ex)


GROUPED_HEADER = """Table 3: Results of LLaMA-2 models.
Method WikiText-2 C4
7B 13B 7B 13B
FP16 5.47 4.88 7.26 6.73
GPTQ 6.29 5.42 7.89 7.00
FastQ 5.91 5.20 7.60 6.91
This sentence is ordinary running text after the table and it closes the block.
"""


def test_grouped_header_rows_spread_over_their_columns(registry: Registry) -> None:
    ex = _extract(registry, TITLE_PAGE, GROUPED_HEADER)
    got = {(r.method, r.model, r.benchmark): r.value for r in ex.results}
    assert got[("GPTQ", "LLaMA-2-7B", "WikiText-2")] == 6.29
    assert got[("GPTQ", "LLaMA-2-13B", "C4")] == 7.00
    assert got[("FastQ", "LLaMA-2-13B", "WikiText-2")] == 5.20
    assert len(ex.results) == 12


def test_model_family_groups_over_size_columns(registry: Registry) -> None:
    page = """Table 4: WikiText2 perplexity.
Method LLaMA-1 LLaMA-2
7B 13B 7B 13B
GPTQ 6.13 5.40 6.29 5.42
FastQ 5.99 5.31 6.01 5.35
This sentence is ordinary running text after the table and it closes the block.
"""
    ex = _extract(registry, TITLE_PAGE, page)
    got = {(r.method, r.model): r.value for r in ex.results}
    assert got[("GPTQ", "LLaMA-1-7B")] == 6.13
    assert got[("FastQ", "LLaMA-2-13B")] == 5.35
    assert {r.benchmark for r in ex.results} == {"WikiText2"}


SIDE_BY_SIDE = """Table 4: WikiText-2 perplexity of OPT-6.7B.
Method PPL
FP16 10.86
RTN 12.10
SlowQuant 10.90
FastQ 11.02
Table 5: Zero-shot accuracy of OPT-6.7B.
Method PIQA ARC-e
FP16 76.3 65.6
RTN 74.1 60.2
SlowQuant 73.0 59.1
FastQ 75.9 64.8
This sentence is ordinary running text after both tables and it closes the block.
"""


def _side_by_side_grids() -> list[ParsedTable]:
    left = ParsedTable(
        2,
        (70.0, 100.0, 300.0, 180.0),
        [["Method", "PPL"], ["FP16", "10.86"], ["RTN", "12.10"], ["SlowQuant", "10.90"], ["FastQ", "11.02"]],
        "Table 4: WikiText-2 perplexity of OPT-6.7B.",
    )
    right = ParsedTable(
        2,
        (310.0, 100.0, 540.0, 180.0),
        [
            ["Method", "PIQA", "ARC-e"],
            ["FP16", "76.3", "65.6"],
            ["RTN", "74.1", "60.2"],
            ["SlowQuant", "73.0", "59.1"],
            ["FastQ", "75.9", "64.8"],
        ],
        "Table 5: Zero-shot accuracy of OPT-6.7B.",
    )
    return [left, right]


def test_two_tables_side_by_side_stay_apart(registry: Registry) -> None:
    ex = _extract(registry, TITLE_PAGE, SIDE_BY_SIDE, tables={2: _side_by_side_grids()})
    by_table = {(r.provenance.locator, r.method, r.benchmark): r.value for r in ex.results}
    assert by_table[("Table 4", "RTN", "WikiText-2")] == 12.10
    assert by_table[("Table 5", "RTN", "PIQA")] == 74.1
    assert by_table[("Table 5", "SlowQuant", "ARC-e")] == 59.1
    assert {r.provenance.locator for r in ex.results if r.benchmark == "WikiText-2"} == {"Table 4"}
    assert all(r.model == "OPT-6.7B" for r in ex.results)


def test_beats_follow_the_metric_direction(registry: Registry) -> None:
    ex = _extract(registry, TITLE_PAGE, SIDE_BY_SIDE, tables={2: _side_by_side_grids()})
    pairs = _pairs(ex)
    # lower perplexity and higher accuracy than RTN everywhere
    assert ("FastQ", "RTN") in pairs
    # SlowQuant has the lower perplexity (1 comparison) but FastQ the higher accuracy (2 of 3)
    assert ("FastQ", "SlowQuant") in pairs
    # never "beats" the full-precision reference
    assert not any(b.baseline == "FP16" for b in ex.beats)
    beat = next(b for b in ex.beats if b.baseline == "RTN")
    assert beat.evidence == "table" and beat.provenance.page == 2 and beat.provenance.locator.startswith("Table")


def test_majority_of_comparisons_decides(registry: Registry) -> None:
    page = """Table 6: Perplexity of LLaMA-7B.
Method WikiText2 C4 PTB
FP16 5.68 7.08 8.80
GPTQ 6.00 7.40 9.10
FastQ 6.10 7.50 9.00
This sentence is ordinary running text after the table and it closes the block.
"""
    ex = _extract(registry, TITLE_PAGE, page)
    assert ("FastQ", "GPTQ") not in _pairs(ex)  # better on one of three, worse on two


def test_cost_columns_are_not_results(registry: Registry) -> None:
    page = """Table 7: Post-training quantization of OPT-1.3B.
Method WikiText2 Latency (ms) Memory (GB)
FP16 14.62 40.1 2.6
FastQ 14.90 20.3 0.9
This sentence is ordinary running text after the table and it closes the block.
"""
    ex = _extract(registry, TITLE_PAGE, page)
    assert {r.benchmark for r in ex.results} == {"WikiText2"}


def test_unknown_method_row_becomes_a_candidate(registry: Registry) -> None:
    ex = _extract(registry, TITLE_PAGE, SIDE_BY_SIDE)
    names = {c.name for c in ex.candidates}
    assert "SlowQuant" in names
    cand = next(c for c in ex.candidates if c.name == "SlowQuant")
    assert cand.provenance.page == 2 and "SlowQuant" in cand.provenance.quote
    assert not names & {"RTN", "FP16", "Mean"}


def test_grid_with_merged_columns_is_exploded() -> None:
    # pdfplumber merges columns without rules between them: three values in one cell under
    # three header words; the group header sits over one column of its span.
    table = ParsedTable(
        5,
        (100.0, 70.0, 500.0, 200.0),
        [
            ["LLaMA-7B", "", "MMLU (5-shot) ↑", "", "Common Sense QA (0-shot) ↑"],
            ["", "Hums.", "STEM Social Other", "Avg.", "PIQA Hella. Avg."],
            ["FP16 -", "39.17%", "32.32% 42.72% 42.56%", "38.41%", "78.35% 56.44% 67.30%"],
            ["AWQ", "35.15%", "31.61% 39.27% 37.75%", "35.43%", "76.66% 53.63% 65.53%"],
        ],
        "Table 3. Results.",
    )
    grid = grid_from_table(table)
    assert grid is not None
    assert [col[-1] for col in grid.columns] == ["Hums.", "STEM", "Social", "Other", "Avg.", "PIQA", "Hella.", "Avg."]
    assert grid.columns[0][0] == grid.columns[4][0] == "MMLU (5-shot) ↑"
    assert grid.columns[5][0] == "Common Sense QA (0-shot) ↑"
    assert grid.rows[1][1][4] == "35.43%"


def test_average_under_a_named_group_is_that_benchmark(registry: Registry) -> None:
    page = """Table 3. Accuracy of LLaMA-7B.
LLaMA-7B MMLU (5-shot) ↑ Common Sense QA (0-shot) ↑
Hums. STEM Avg. PIQA Hella. Avg.
FP16 39.17% 32.32% 38.41% 78.35% 56.44% 67.30%
FastQ 35.15% 31.61% 35.43% 76.66% 53.63% 65.53%
This sentence is ordinary running text after the table and it closes the block.
"""
    ex = _extract(registry, TITLE_PAGE, page)
    got = {(r.method, r.benchmark): r.value_text for r in ex.results}
    assert got[("FastQ", "MMLU")] == "35.43%"
    assert got[("FastQ", "MMLU Hums.")] == "35.15%"
    assert got[("FastQ", "Avg.")] == "65.53%"  # the zero-shot average, as printed


def test_caption_below_tables(registry: Registry) -> None:
    page = """Weight-only quantization needs online dequantization of weights in every layer.
OPT / PPL↓ 1.3B 6.7B
FP16 16.41 12.29
RTN 206.54 43.16
FastQ 18.53 12.99
Table 5. FastQ improves over round-to-nearest quantization (RTN) for all model sizes and different bit-precisions. It
achieves better WikiText-2 perplexity than RTN on OPT models.
The next paragraph of the paper starts here and is ordinary running text about something else.
"""
    ex = _extract(registry, TITLE_PAGE, page)
    (cell,) = _result(ex, method="RTN", model="OPT-1.3B")
    assert (cell.benchmark, cell.value, cell.provenance.locator) == ("WikiText-2", 206.54, "Table 5")


def test_build_tables_reads_context_lines() -> None:
    page = ParsedPage(1, MULTIROW_GROUPS, [], [])
    (table,) = build_tables(page, None)
    rtn = [row for row in table.rows if row.label == "RTN"]
    assert rtn[0].context == ["W4A16", "g128"]
    assert rtn[1].context == ["g64"]


# --------------------------------------------------------------------------------------------
# Sentences: the paper's own method, beats, critiques


def test_proposed_method_from_title_and_abstract(registry: Registry) -> None:
    assert _extract(registry, TITLE_PAGE).proposed == ["FastQ"]
    page = """Making Quantization Great
Ann Author
Abstract
In this work we propose QuickSilver, a quantization method that keeps outliers in 16 bits.
"""
    assert _extract(registry, page).proposed == ["QuickSilver"]
    known = """A Study of Quantization
Abstract
We propose activation-aware weight quantization for LLMs.
"""
    assert _extract(registry, known).proposed == ["AWQ"]


def test_beats_from_sentences(registry: Registry) -> None:
    page = TITLE_PAGE + (
        "In all settings, FastQ consistently outperforms GPTQ and RTN on LLaMA models.\n"
        "Our method is better than SmoothQuant by 2 points.\n"
        "GPTQ outperforms RTN at 3 bits.\n"
    )
    ex = _extract(registry, page)
    pairs = _pairs(ex)
    assert {("FastQ", "GPTQ"), ("FastQ", "RTN"), ("FastQ", "SmoothQuant")} <= pairs
    assert ("GPTQ", "RTN") not in pairs  # not the paper's method
    beat = next(b for b in ex.beats if b.baseline == "SmoothQuant")
    assert beat.evidence == "sentence" and "SmoothQuant" in beat.provenance.quote and beat.provenance.page == 1


def test_critiques_need_a_cue_and_a_named_method(registry: Registry) -> None:
    page = TITLE_PAGE + (
        "2 Related Work\n"
        "SmoothQuant migrates the difficulty to weights. However, SmoothQuant fails at W4A4 on large models.\n"
        "The closest work is GPTQ, which uses second-order information.\n"
        "But it relies on a reordering trick that is hardware inefficient.\n"
        "OmniQuant learns clipping thresholds and works well.\n"
        "Unlike AdaRound, our method does not suffer from overfitting.\n"
        "FastQ cannot be applied to encoder models.\n"
    )
    ex = _extract(registry, page)
    by_method = {c.method: c for c in ex.critiques}
    assert "SmoothQuant" in by_method and "fails" in by_method["SmoothQuant"].provenance.quote
    assert by_method["SmoothQuant"].provenance.page == 1
    assert by_method["SmoothQuant"].section == "§2 Related Work"
    assert "GPTQ" in by_method  # "it" in the sentence after the one naming GPTQ
    assert "relies on" in by_method["GPTQ"].provenance.quote
    assert "OmniQuant" not in by_method  # no weakness stated
    assert "AdaRound" not in by_method  # negated: the weakness is denied for our method
    assert "FastQ" not in by_method  # the paper's own method is not a critique target


def test_references_are_not_sentences(registry: Registry) -> None:
    page = TITLE_PAGE + ("References\nFrantar, E. GPTQ fails to scale: a made-up title. arXiv preprint, 2022.\n")
    assert _extract(registry, page).critiques == []


def test_caption_claim_against_the_baselines(registry: Registry) -> None:
    page = """Table 9: GLUE results with 8-bit feed-forward layers. We can see that vector-wise quantization improve upon the baselines.
Method MNLI QNLI Mean
32-bit Baseline 90.4 94.9 88.61
Q-BERT (Shen et al., 2020) 87.8 93.0 86.91
PSQ (Chen et al., 2020) 89.9 94.5 88.65
Vector-wise 90.2 94.7 88.81
This sentence is ordinary running text after the table and it closes the block.
"""
    ex = _extract(registry, TITLE_PAGE, page)
    assert {("Vector-wise", "Q-BERT"), ("Vector-wise", "PSQ")} <= _pairs(ex)
    assert "Vector-wise" in ex.proposed  # a row the paper's caption credits with beating the baselines
    assert not any(b.baseline == "FP16" for b in ex.beats)


def test_methods_across_the_top(registry: Registry) -> None:
    page = """Table 2: Zero-shot accuracy of OPT-6.7B.
Task FP16 RTN GPTQ FastQ
PIQA 76.3 74.1 75.0 76.0
HellaSwag 67.2 60.1 64.9 66.8
ARC-e 65.6 60.2 62.0 64.8
This sentence is ordinary running text after the table and it closes the block.
"""
    ex = _extract(registry, TITLE_PAGE, page)
    got = {(r.method, r.benchmark): r.value for r in ex.results}
    assert got[("RTN", "HellaSwag")] == 60.1
    assert got[("FastQ", "ARC-e")] == 64.8
    assert ("FastQ", "RTN") in _pairs(ex) and ("FastQ", "GPTQ") in _pairs(ex)


def test_author_year_citation_counts_as_a_mention(registry: Registry) -> None:
    page = TITLE_PAGE + (
        "Tang et al. (2022) apply W4A4 to BERT with distillation.\n"
        "However, their method fails to quantize all layers to 4 bits.\n"
    )
    refs = (
        "References\n"
        "Tang, H., Zhang, X., Liu, K., Zhu, J., and Kang, Z. (2022). MKQ-BERT: Quantized BERT with 4-bits weights\n"
        "and activations. arXiv preprint arXiv:2203.13483.\n"
    )
    ex = _extract(registry, page, refs)
    (critique,) = [c for c in ex.critiques if c.method == "MKQ-BERT"]
    assert critique.provenance.page == 1 and "fails" in critique.provenance.quote


def test_activation_bits_follow_the_paper(registry: Registry) -> None:
    weight_only = (
        TITLE_PAGE + "We study weight-only quantization. Weight-only methods keep activations. Weight-only is simple.\n"
    )
    table = """Table 1: Perplexity of LLaMA-7B on WikiText2.
Method Precision Wiki
RTN INT4 6.29
FastQ INT4 5.91
This sentence is ordinary running text after the table and it closes the block.
"""
    ex = _extract(registry, weight_only, table)
    assert {r.setting for r in ex.results} == {"W4A16"}
    activations = TITLE_PAGE + "We quantize W4A4 and W4A4KV4 models; W4A4 is hard, unlike W4A16.\n"
    ex = _extract(registry, activations, table)
    assert {r.setting for r in ex.results} == {"W4A4"}


def test_documents_without_tables_or_text(registry: Registry) -> None:
    assert _extract(registry, "").results == []
    ex = _extract(registry, "0 5 10 15 20\n83.0\n83.5\nFigure 3: Accuracy over iterations.\n")
    assert (ex.results, ex.beats, ex.critiques) == ([], [], [])
    assert ex.to_score_json()["results"] == []


# --------------------------------------------------------------------------------------------
# A real paper, end to end


@pytest.fixture(scope="module")
def awq() -> Extraction:
    document = parse_pdf(corpus_path("pdfs", "awq.pdf"))
    return RuleExtractor().extract(document, Registry.from_reference())


@pytest.mark.corpus
def test_awq_end_to_end_results(awq: Extraction) -> None:
    assert awq.proposed == ["AWQ"]
    # Table 3, page 5: AWQ, INT3-g128, LLaMA-7B, MMLU average 35.43%
    cells = _result(awq, method="AWQ", model="LLaMA-7B", benchmark="MMLU", setting="W3A16 g128", value=35.43)
    (cell,) = [c for c in cells if c.provenance.locator == "Table 3"]  # Table 4 repeats it for the 7B model
    assert (cell.provenance.page, cell.provenance.locator, cell.value_text) == (5, "Table 3", "35.43%")
    assert cell.provenance.quote.startswith("AWQ 35.15%")
    # Table 5, page 6: RTN INT3-g128 blows up on OPT-2.7B (WikiText-2 perplexity 595.28)
    (rtn,) = _result(awq, method="RTN", model="OPT-2.7B", value=595.28)
    assert (rtn.benchmark, rtn.setting, rtn.provenance.page, rtn.provenance.locator) == (
        "WikiText-2",
        "W3A16 g128",
        6,
        "Table 5",
    )
    # the FP16 row of Table 5 is the full-precision reference, with a 16-bit setting
    (fp16,) = [r for r in _result(awq, method="FP16", model="OPT-66B") if r.provenance.locator == "Table 5"]
    assert (fp16.value, fp16.weight_bits) == (10.09, 16)


@pytest.mark.corpus
def test_awq_end_to_end_beats_critiques_candidates(awq: Extraction) -> None:
    pairs = _pairs(awq)
    assert {("AWQ", "RTN"), ("AWQ", "GPTQ"), ("AWQ", "GPTQ-R")} <= pairs
    assert not any(b.baseline == "FP16" for b in awq.beats)
    critiques = {(c.method, c.provenance.page) for c in awq.critiques}
    assert ("SmoothQuant", 9) in critiques  # "... where the SmoothQuant formula cannot achieve decent performance."
    assert ("RTN", 7) in critiques  # "RTN is not good enough even for 4 bits."
    assert {"ZeroQuant", "AdaRound", "BRECQ"} <= {c.method for c in awq.critiques if c.provenance.page == 5}
    assert "GPTQ-R" in {c.name for c in awq.candidates}
    assert all(r.provenance.quote and r.provenance.locator for r in awq.results)
