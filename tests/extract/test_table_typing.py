"""worker.extract.tables through the rule-based extractor: every value's header path typed as method,
model, setting and benchmark, whatever the table's shape (pure: grids built by tests.factories)."""

from __future__ import annotations

import pytest

from tests.factories import TITLE_PAGE, make_document, make_grid
from worker.extract.receipts import Extraction, Registry
from worker.extract.rules import RuleExtractor


def extract(registry: Registry, caption: str, grid: object, *pages: str) -> Extraction:
    document = make_document(TITLE_PAGE, *pages, caption, tables={len(pages) + 2: [(caption, grid)]})
    return RuleExtractor().extract(document, registry)


def results(ex: Extraction) -> dict[tuple[str, str, str, str], float]:
    return {(r.method, r.model, r.setting, r.benchmark): r.value for r in ex.results}


def test_methods_in_rows_models_across_the_top_and_the_caption_task(registry: Registry) -> None:
    grid = make_grid(
        [["OPT / PPL↓", "125M", "1.3B"]],
        [["FP16", "27.65", "14.62"], ["RTN", "37.28", "48.17"], ["FastQ", "29.11", "15.01"]],
    )
    ex = extract(registry, "Table 2: WikiText-2 perplexity of OPT models at 4 bits (W4A16).", grid)
    got = results(ex)
    assert got[("FP16", "OPT-125M", "W16A16", "WikiText-2")] == 27.65
    assert got[("RTN", "OPT-1.3B", "W4A16", "WikiText-2")] == 48.17
    assert ("FastQ", "RTN") in {(b.method, b.baseline) for b in ex.beats}  # lower perplexity wins
    assert not any(b.baseline == "FP16" for b in ex.beats)


# Table shapes whose values must each come out typed by their header path: (header rows, body rows,
# caption) and some of the (method, model, setting, benchmark) -> value pairs it holds.
TYPED_SHAPES = [
    pytest.param(
        [["Model", "FP16", "RTN", "FastQ"]],
        [["LLaMA-7B", "5.68", "6.29", "5.85"], ["LLaMA-13B", "5.09", "5.53", "5.20"]],
        "Table 3: WikiText-2 perplexity at W4A16.",
        {
            ("RTN", "LLaMA-13B", "W4A16", "WikiText-2"): 5.53,
            ("FastQ", "LLaMA-7B", "W4A16", "WikiText-2"): 5.85,
            ("FP16", "LLaMA-7B", "W16A16", "WikiText-2"): 5.68,
        },
        id="methods across the top when rows are models",
    ),
    pytest.param(  # two halves of one table, each under its own method
        [["", ("RTN", 1, 2), ("FastQ", 3, 4)], ["Model", "Wiki2", "C4", "Wiki2", "C4"]],
        [["LLaMA-7B", "6.29", "7.93", "5.91", "7.33"]],
        "Table 4: Perplexity at W4A16.",
        {("RTN", "LLaMA-7B", "W4A16", "C4"): 7.93, ("FastQ", "LLaMA-7B", "W4A16", "Wiki2"): 5.91},
        id="a method named once over a block of columns",
    ),
    pytest.param(
        [["Setting", "Wiki2", "C4"]],
        [["— GPTQ"], ["W4A16", "6.13", "7.43"], ["W3A16", "8.07", "9.26"], ["— FastQ"], ["W4A16", "5.91", "7.12"]],
        "Table 7: Perplexity of LLaMA-7B.",
        {("GPTQ", "LLaMA-7B", "W3A16", "Wiki2"): 8.07, ("FastQ", "LLaMA-7B", "W4A16", "C4"): 7.12},
        id="inline section rows name the method",
    ),
    pytest.param(
        [["", ("LLaMA-7B – 5.68", 1, 2)], ["Method", "4bit", "3bit"]],
        [["RTN", "6.29", "25.6"], ["FastQ", "5.91", "6.70"]],
        "Table 7: WikiText-2 perplexity, weight-only.",
        {("FP16", "LLaMA-7B", "W16A16", "WikiText-2"): 5.68, ("FastQ", "LLaMA-7B", "W3A16", "WikiText-2"): 6.70},
        id="a model with its reference value in a group header",
    ),
]


@pytest.mark.parametrize(("header", "body", "caption", "expected"), TYPED_SHAPES)
def test_each_value_is_typed_by_its_header_path(
    registry: Registry, header: list, body: list, caption: str, expected: dict
) -> None:
    got = results(extract(registry, caption, make_grid(header, body)))
    assert {key: got.get(key) for key in expected} == expected


def test_model_as_a_row_group_label_and_a_bits_column(registry: Registry) -> None:
    grid = make_grid(
        [["Model", "Method", "WBits", "Wiki2", "PIQA"]],
        [
            ["LLaMA-7B", "RTN", "4", "6.29", "77.3"],
            ["", "FastQ", "4", "5.91", "78.0"],
            ["", "FastQ", "3", "6.70", "76.1"],
            ["LLaMA-13B", "RTN", "4", "5.53", "78.9"],
        ],
        stub=2,
    )
    got = results(extract(registry, "Table 5: Weight-only quantization results.", grid))
    assert got[("FastQ", "LLaMA-7B", "W3A16", "Wiki2")] == 6.70  # the bits column is a setting, not a task
    assert got[("RTN", "LLaMA-13B", "W4A16", "PIQA")] == 78.9
    assert not any(r.benchmark == "WBits" for r in extract(registry, "Table 5: results.", grid).results)


def test_activation_and_weight_bits_columns_in_either_order(registry: Registry) -> None:
    grid = make_grid(
        [["Method", "A-bits", "W-bits", "Wiki2"]],
        [["RTN", "INT8", "INT4", "7.10"], ["FastQ", "INT8", "INT4", "6.02"]],
        stub=3,
    )
    ex = extract(registry, "Table 6: Perplexity of LLaMA-7B.", grid)
    assert {r.setting for r in ex.results} == {"W4A8"}  # not W8A4


def test_ablation_rows_are_variants_of_the_papers_method(registry: Registry) -> None:
    grid = make_grid(
        [["Ablation", "Wiki2"]],
        [["FastQ", "5.91"], ["w/o scaling", "6.40"], ["+ clipping", "5.88"]],
    )
    ex = extract(registry, "Table 8: Ablation study of FastQ components on LLaMA-7B at W4A16.", grid)
    assert {r.method for r in ex.results} == {"FastQ"}  # "scaling" and "clipping" are not methods
    assert {r.setting for r in ex.results} == {"W4A16", "W4A16 w/o scaling", "W4A16 + clipping"}
    assert not {c.name for c in ex.candidates} & {"w/o scaling", "scaling", "+ clipping"}


def test_unknown_methods_and_tasks_are_kept_as_candidates(registry: Registry) -> None:
    grid = make_grid(
        [["Method", "Wiki2", "SciQ"]],
        [["RTN", "6.29", "88.1"], ["ZipQuant", "6.01", "89.0"], ["FastQ", "5.91", "89.4"]],
    )
    ex = extract(registry, "Table 9: Results on LLaMA-7B at W4A16.", grid)
    got = results(ex)
    assert got[("ZipQuant", "LLaMA-7B", "W4A16", "Wiki2")] == 6.01  # kept, not dropped
    assert got[("ZipQuant", "LLaMA-7B", "W4A16", "SciQ")] == 89.0  # an unknown task too
    assert "ZipQuant" in {c.name for c in ex.candidates}


def test_number_formats_as_rows_full_precision_as_fp16(registry: Registry) -> None:
    grid = make_grid(
        [["Data type", "Mean PPL"]],
        [["BFloat16", "26.1"], ["Int4", "34.34"], ["Float4 (E2M1)", "31.07"], ["NFloat4 + DQ", "27.41"]],
    )
    ex = extract(registry, "Table 2: Pile Common Crawl mean perplexity for different data types.", grid)
    got = {(r.method, r.benchmark): r.value for r in ex.results}
    assert got[("FP16", "Pile Common Crawl")] == 26.1
    assert got[("Float4 (E2M1)", "Pile Common Crawl")] == 31.07
    assert got[("NFloat4 + DQ", "Pile Common Crawl")] == 27.41


def test_values_as_printed(registry: Registry) -> None:
    grid = make_grid(
        [["Method", "Wiki2", "C4", "Acc"]],
        [["RTN", "1.3e3", "4,817", "65.3±0.2"], ["FastQ", "571.", "12.3*", "38.41%"]],
    )
    ex = extract(registry, "Table 3: Results of LLaMA-7B at W3A16.", grid)
    values = {(r.method, r.benchmark): (r.value, r.value_text) for r in ex.results}
    assert values[("RTN", "Wiki2")] == (1300.0, "1.3e3")
    assert values[("RTN", "C4")] == (4817.0, "4,817")
    assert values[("FastQ", "Wiki2")] == (571.0, "571.")
    assert values[("FastQ", "C4")][0] == 12.3


def test_cost_tables_and_values_with_units_are_not_results(registry: Registry) -> None:
    grid = make_grid([["Model", "FP16", "FastQ"]], [["LLaMA-7B", "31.2ms", "22.9ms"]])
    assert extract(registry, "Table 4: Latency of next-token generation.", grid).results == []
    grid = make_grid([["Method", "Wiki2", "Time"]], [["RTN", "6.29", "7 mins"], ["FastQ", "5.91", "1.1 hours"]])
    ex = extract(registry, "Table 5: Results on LLaMA-7B at W4A16.", grid)
    assert {r.benchmark for r in ex.results} == {"Wiki2"}


def test_impossible_values_are_dropped_and_counted(registry: Registry) -> None:
    grid = make_grid([["Method", "PIQA", "Wiki2"]], [["RTN", "-12.0", "6.3"], ["FastQ", "140.2", "-1"]])
    ex = extract(registry, "Table 6: Results on LLaMA-7B at W4A16.", grid)
    assert {(r.method, r.benchmark) for r in ex.results} == {("RTN", "Wiki2")}
    assert sum(ex.stats["invalid"].values()) == 3


def test_rows_that_switch_techniques_on_name_their_combination(registry: Registry) -> None:
    grid = make_grid(
        [["Scaling", "OPTQ", "A-bits", "W-bits", "LLaMA-7B"]],
        [
            ["Baseline", "", "", "", "5.68"],
            ["-", "-", "INT8", "INT4", "6.87"],  # plain rounding: no method named
            ["-", "✓", "INT8", "INT4", "7.57"],
            ["SQ", "✓", "INT8", "INT4", "8.26"],
        ],
        stub=4,
    )
    ex = extract(registry, "Table 3: PPL results on WikiText-2.", grid)
    got = {(r.method, r.setting): r.value for r in ex.results}
    assert got == {("FP16", "W16A16"): 5.68, ("GPTQ", "W4A8"): 7.57, ("SQ + OPTQ", "W4A8"): 8.26}


def test_a_sub_table_title_over_its_header_names_the_task(registry: Registry) -> None:
    grid = make_grid(
        [["", ("(a) SST-2", 1, 2)], ["Method", "w-bits", "Acc"]],
        [["Baseline", "32", "93.00"], ["FastQ", "2/4 MP", "92.55"], ["— (c) CoNLL-03"]],
    )
    grid.rows.extend(make_grid([["Method", "w-bits", "F 1"]], [["FastQ", "4", "94.90"]]).rows)
    ex = extract(registry, "Table 1: Quantization results on four tasks, 8-bit activations.", grid)
    got = {(r.method, r.benchmark, r.setting): r.value for r in ex.results}
    assert got[("FP16", "SST-2", "W32A32")] == 93.0
    assert got[("FastQ", "SST-2", "W2A8 MP")] == 92.55  # mixed 2/4-bit weights, not W2A4
    assert got[("FastQ", "CoNLL-03", "W4A8")] == 94.90


def test_a_table_of_perplexities_without_its_task_takes_the_papers(registry: Registry) -> None:
    grid = make_grid([["Method", "OPT-1.3B"]], [["RTN", "48.17"], ["FastQ", "15.01"]])
    text = "We evaluate perplexity on WikiText-2 throughout. WikiText-2 is standard. We run W4A8 and W4A8 again.\n"
    ex = extract(registry, "Table 2: PPL of OPT models at 4 bits.", grid, text)
    assert {(r.method, r.benchmark, r.setting) for r in ex.results} == {
        ("RTN", "WikiText-2", "W4A8"),
        ("FastQ", "WikiText-2", "W4A8"),
    }


def test_methods_at_bit_widths_across_the_top_and_a_block_size_column(registry: Registry) -> None:
    # The caption names GPTQ, but GPTQ heads one column only: the other column is "Float"'s.
    grid = make_grid(
        [[("WikiText-2 Perplexity", 0, 2)], ["Blocksize", "2-bit GPTQ", "3-bit Float"]],
        [["1024", "11.84", "13.26"], ["64", "9.18", "9.99"]],
        stub=0,
    )
    ex = extract(registry, "Table 1. WikiText-2 perplexity for 2-bit GPTQ and 3-bit Float.", grid)
    got = {(r.method, r.setting): r.value for r in ex.results}
    assert got == {
        ("GPTQ", "W2A16 g1024"): 11.84,
        ("GPTQ", "W2A16 g64"): 9.18,
        ("Float", "W3A16 g1024"): 13.26,
        ("Float", "W3A16 g64"): 9.99,
    }
    assert {r.benchmark for r in ex.results} == {"WikiText-2 Perplexity"}
    assert "Float" in {c.name for c in ex.candidates}  # a data type nobody registered: a candidate


def test_a_row_the_table_marks_as_ours_is_the_papers_method(registry: Registry) -> None:
    grid = make_grid(
        [["Method", "MNLI", "SST-2"]],
        [["Baseline", "87.8", "95.2"], ["h-GELU", "86.8", "94.1"], ["i-GELU (Ours)", "87.6", "95.3"]],
    )
    ex = extract(registry, "Table 4: Accuracy of models that use h-GELU and i-GELU.", grid)
    assert "i-GELU" in ex.proposed
    assert {r.method for r in ex.results} == {"FP16", "h-GELU", "i-GELU"}  # not the paper's first method
    assert ("i-GELU", "h-GELU") in {(b.method, b.baseline) for b in ex.beats}


def test_a_matrix_of_systems_against_each_other_is_not_results(registry: Registry) -> None:
    grid = make_grid(
        [["Model", "FastQ 7B", "RTN", "GPTQ"]],
        [["FastQ 7B", "-", "0.21", "0.19"], ["RTN", "-0.21", "-", "0.17"], ["GPTQ", "-0.19", "-0.17", "-"]],
    )
    ex = extract(registry, "Table 12: Pairwise judgments between systems on WikiText-2.", grid)
    assert ex.results == [] and ex.beats == []


def test_the_papers_method_at_a_model_size(registry: Registry) -> None:
    grid = make_grid([["Method", "Wiki2"]], [["RTN", "6.29"], ["FastQ-7B", "5.91"]])
    got = results(extract(registry, "Table 3: Results of LLaMA models at W4A16.", grid))
    assert got[("FastQ", "LLaMA-7B", "W4A16", "Wiki2")] == 5.91  # the size, in the caption's family
