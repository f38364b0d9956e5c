"""Tables of switches (worker.extract.switches): an ablation printed as check marks names no method
in any row; the row with every part on is the paper's method, the row with nothing quantized is full
precision, the rows in between are not reported. Grids are rebuilt from a synthetic word layout
(8 pt text, booktabs rules), the way worker.reading prints them."""

from __future__ import annotations

from tests.factories import TITLE_PAGE, make_document
from tests.reading.test_table_grid import line
from worker.extract.receipts import Extraction, Registry
from worker.extract.rules import RuleExtractor
from worker.reading.tables import HRule, build_grid


def switch_table(group: str, first: str, second: str) -> object:
    """ "<group>" over two switch columns, a "Decomp" knob column, then two tasks."""
    rows = [
        ("", "", "0%", "90.4", "94.9"),
        ("✓", "", "0%", "90.2", "94.7"),
        ("✓", "✓", "0%", "89.1", "93.2"),
        ("✓", "✓", "1%", "90.0", "94.6"),
        ("✓", "✓", "2%", "90.1", "94.5"),
    ]
    words = [*line(0, (10, group)), *line(12, (0, first), (40, second), (80, "Decomp"), (130, "MNLI"), (170, "QNLI"))]
    for k, (a, b, knob, mnli, qnli) in enumerate(rows):
        y = 26 + 10 * k
        cells = [(x, t) for x, t in ((4, a), (44, b), (84, knob), (130, mnli), (170, qnli)) if t]
        words += line(y, *cells)
    rules = [HRule(0, 200, -2), HRule(0, 200, 23), HRule(0, 200, 80)]
    grid = build_grid(words, rules)
    assert grid is not None and grid.stub == 2
    return grid


def extract(registry: Registry, caption: str, grid: object) -> Extraction:
    document = make_document(TITLE_PAGE, caption, tables={2: [(caption, grid)]})
    return RuleExtractor().extract(document, registry)


def test_the_row_with_every_part_on_is_the_papers_method_and_nothing_quantized_is_full_precision(
    registry: Registry,
) -> None:
    grid = switch_table("Is 8-bit", "FFN", "Linear")
    ex = extract(registry, "Table 4: Breakdown for 8-bit layers of RoBERTa-large on GLUE.", grid)
    got = {(r.method, r.setting, r.benchmark): r.value for r in ex.results}
    assert got == {
        ("FP16", "W16A16", "MNLI"): 90.4,
        ("FP16", "W16A16", "QNLI"): 94.9,
        ("FastQ", "W8A8 Decomp 1%", "MNLI"): 90.0,
        ("FastQ", "W8A8 Decomp 1%", "QNLI"): 94.6,
        ("FastQ", "W8A8 Decomp 2%", "MNLI"): 90.1,
        ("FastQ", "W8A8 Decomp 2%", "QNLI"): 94.5,
    }  # the knob is a setting of its row, not a task; the partial rows are no method
    assert {r.model for r in ex.results} == {"RoBERTa-large"}


def test_switches_that_are_techniques_leave_the_base_row_unnamed(registry: Registry) -> None:
    # Nothing says the switched parts are at a lower bit width: the row with every switch off is
    # the base the techniques are added to, which has no name.
    grid = switch_table("Components", "Scaling", "Clipping")
    ex = extract(registry, "Table 5: Ablation of RoBERTa-large on GLUE.", grid)
    assert {(r.method, r.setting) for r in ex.results} == {("FastQ", "Decomp 1%"), ("FastQ", "Decomp 2%")}


def test_a_table_that_names_its_methods_is_not_read_as_switches(registry: Registry) -> None:
    words = [
        *line(0, (0, "Method"), (40, "INT8"), (130, "MNLI")),
        *line(14, (0, "RTN"), (44, "✓"), (130, "85.1")),
        *line(24, (0, "GPTQ"), (44, ""), (130, "86.0")),
        *line(34, (0, "FP16"), (130, "90.4")),
    ]
    grid = build_grid(words, [HRule(0, 160, -2), HRule(0, 160, 11), HRule(0, 160, 45)])
    assert grid is not None
    ex = extract(registry, "Table 6: Results of RoBERTa-large on GLUE.", grid)
    assert {r.method for r in ex.results} == {"RTN", "GPTQ", "FP16"}  # as named, none becomes FastQ
