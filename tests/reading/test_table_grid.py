"""worker.reading.tables: tables rebuilt from word positions and ruling lines (pure, synthetic geometry).

Each test lays words out the way LaTeX prints a table (8 pt text, 12 pt column gaps, booktabs rules)
and checks the grid a reader would see: header spans, stub columns, row groups, section rows.
"""

from __future__ import annotations

from worker.reading.tables import BODY, HEADER, SECTION, Grid, GridCell, GridRow, HRule, VRule, Word, build_grid

SIZE = 8.0
PITCH = 10.0


def line(y: float, *cells: tuple[float, str]) -> list[Word]:
    """Words of one printed line: (x, text) pairs; a text with spaces is several words 3 pt apart."""
    words = []
    for x, text in cells:
        for part in text.split():
            width = 4.5 * len(part)
            words.append(Word(part, x, x + width, y, y + SIZE))
            x += width + 2.5
    return words


def texts(grid: Grid) -> list[list[str | None]]:
    return grid.text_rows()


def test_columns_header_and_stub_from_alignment() -> None:
    words = [
        *line(0, (0, "Method"), (80, "Wiki2"), (130, "C4")),
        *line(15, (0, "RTN"), (80, "6.29"), (130, "7.93")),
        *line(25, (0, "GPTQ"), (80, "6.13"), (130, "7.43")),
        *line(35, (0, "Our method"), (80, "5.91"), (130, "7.12")),
    ]
    grid = build_grid(words, [HRule(0, 150, -2), HRule(0, 150, 11), HRule(0, 150, 45)])
    assert grid is not None
    assert (grid.columns, grid.stub) == (3, 1)
    assert [r.kind for r in grid.rows] == [HEADER, BODY, BODY, BODY]
    assert texts(grid)[3] == ["Our method", "5.91", "7.12"]
    cells = grid.value_cells()
    assert len(cells) == 6
    first = cells[0]
    assert (first.text, [p.text for p in first.column_path], [p.text for p in first.row_path]) == (
        "6.29",
        ["Wiki2"],
        ["RTN"],
    )
    assert first.row_path[0].axis == "Method"  # the stub column's title


def test_cmidrule_gives_a_group_header_its_span() -> None:
    words = [
        *line(0, (90, "MMLU"), (210, "CSQA")),
        *line(12, (80, "Hums."), (120, "STEM"), (160, "Avg."), (200, "PIQA"), (240, "Avg.")),
        *line(25, (0, "RTN"), (80, "31.4"), (120, "31.1"), (160, "33.4"), (200, "75.8"), (240, "64.6")),
        *line(35, (0, "AWQ"), (80, "35.2"), (120, "31.6"), (160, "35.4"), (200, "76.7"), (240, "65.5")),
    ]
    rules = [HRule(0, 265, -2), HRule(78, 178, 10), HRule(198, 265, 10), HRule(0, 265, 22), HRule(0, 265, 45)]
    grid = build_grid(words, rules)
    assert grid is not None
    top = grid.rows[0]
    assert [(c.text, c.first, c.last) for c in top.cells] == [("MMLU", 1, 3), ("CSQA", 4, 5)]
    path = [p.text for p in grid.value_cells()[2].column_path]
    assert path == ["MMLU", "Avg."]


def test_centred_group_header_without_rules_spreads_over_its_columns() -> None:
    # "7B" and "13B" are printed centred over their two columns, as \multicolumn{2}{c} does.
    words = [
        *line(0, (0, "Size"), (104.5, "7B"), (182.25, "13B")),
        *line(12, (0, "Data"), (80, "Alpaca"), (120, "FLAN"), (160, "Alpaca"), (200, "FLAN")),
        *line(25, (0, "BF16"), (80, "38.4"), (120, "45.6"), (160, "47.2"), (200, "50.6")),
        *line(35, (0, "NF4"), (80, "39.0"), (120, "44.5"), (160, "47.5"), (200, "50.7")),
    ]
    grid = build_grid(words, [HRule(0, 230, -2), HRule(0, 230, 22), HRule(0, 230, 45)])
    assert grid is not None
    sizes = grid.rows[0]
    assert [(c.text, c.first, c.last) for c in sizes.cells if c.first >= grid.stub] == [("7B", 1, 2), ("13B", 3, 4)]
    # the header row's own title in the stub is the axis of its cells
    part = grid.value_cells()[2].column_path[0]
    assert (part.text, part.axis) == ("13B", "Size")


def test_vertical_rules_bound_a_group_header() -> None:
    words = [
        *line(0, (90, "BERT"), (190, "GPT2")),
        *line(12, (80, "MNLI"), (120, "QQP"), (180, "PTB"), (220, "WIKI")),
        *line(25, (0, "FP32"), (80, "84.2"), (120, "87.8"), (180, "19.3"), (220, "21.0")),
    ]
    vrules = [VRule(70, -2, 35), VRule(160, -2, 35)]
    grid = build_grid(words, [HRule(0, 250, -2), HRule(0, 250, 22), HRule(0, 250, 35)], vrules)
    assert grid is not None
    assert [(c.text, c.first, c.last) for c in grid.rows[0].cells] == [("BERT", 1, 2), ("GPT2", 3, 4)]


def test_multirow_labels_cover_their_group_of_rows() -> None:
    # "INT3" / "g128" printed in two lines centred on four rows, as \multirow does; a rule ends the group.
    words = [
        *line(0, (0, "Bits"), (40, "Method"), (100, "PPL")),
        *line(15, (0, "FP16"), (40, "-"), (100, "5.68")),
        *line(30, (40, "RTN"), (100, "7.01")),
        *line(40, (0, "INT3"), (40, "GPTQ"), (100, "6.55")),
        *line(50, (0, "g128"), (40, "GPTQ-R"), (100, "6.29")),
        *line(60, (40, "AWQ"), (100, "6.24")),
    ]
    rules = [HRule(0, 130, -2), HRule(0, 130, 11), HRule(0, 130, 26), HRule(0, 130, 70)]
    grid = build_grid(words, rules)
    assert grid is not None
    assert grid.stub == 2
    labels = [r.labels for r in grid.rows if r.kind == BODY]
    assert labels[0] == ["FP16", "-"]
    assert all(
        label == ["INT3 g128", method]
        for label, method in zip(labels[1:], ["RTN", "GPTQ", "GPTQ-R", "AWQ"], strict=True)
    )


def test_top_aligned_group_labels_fill_down() -> None:
    words = [
        *line(0, (0, "Model"), (60, "Method"), (120, "Acc")),
        *line(15, (0, "OPT-6.7B"), (60, "RTN"), (120, "61.2")),
        *line(25, (60, "AWQ"), (120, "63.0")),
        *line(35, (0, "LLaMA-7B"), (60, "RTN"), (120, "64.1")),
        *line(45, (60, "AWQ"), (120, "66.3")),
    ]
    grid = build_grid(words, [HRule(0, 140, -2), HRule(0, 140, 11), HRule(0, 140, 55)])
    assert grid is not None
    assert [r.labels[0] for r in grid.rows if r.kind == BODY] == ["OPT-6.7B", "OPT-6.7B", "LLaMA-7B", "LLaMA-7B"]


def test_section_rows_and_a_repeated_header() -> None:
    words = [
        *line(0, (0, "Method"), (80, "Wiki2"), (130, "C4")),
        *line(15, (0, "Baselines")),
        *line(25, (0, "RTN"), (80, "6.29"), (130, "7.93")),
        *line(40, (0, "Ours")),
        *line(50, (0, "FastQ"), (80, "5.91"), (130, "7.12")),
        *line(65, (0, "Method"), (80, "PTB"), (130, "LAMBADA")),
        *line(75, (0, "RTN"), (80, "11.2"), (130, "62.0")),
    ]
    grid = build_grid(words, [HRule(0, 170, -2), HRule(0, 170, 11), HRule(0, 170, 85)])
    assert grid is not None
    assert [r.kind for r in grid.rows] == [HEADER, SECTION, BODY, SECTION, BODY, HEADER, BODY]
    paths = {
        (v.text, tuple(p.text for p in v.column_path), tuple(p.text for p in v.row_path)) for v in grid.value_cells()
    }
    assert ("5.91", ("Wiki2",), ("FastQ", "Ours")) in paths
    assert ("62.0", ("LAMBADA",), ("RTN",)) in paths


def test_fully_ruled_rows_keep_wrapped_cells_together() -> None:
    words = [
        *line(0, (0, "model"), (100, "LLM Runtime")),
        *line(9, (100, "(g=32)")),
        *line(22, (0, "gpt-j-6B"), (100, "22.99")),
        *line(36, (0, "llama-7b"), (100, "23.4")),
    ]
    rules = [HRule(0, 160, y) for y in (-2, 19, 33, 46)]
    grid = build_grid(words, rules, [VRule(0, -2, 46), VRule(90, -2, 46), VRule(160, -2, 46)])
    assert grid is not None
    assert [r.kind for r in grid.rows] == [HEADER, BODY, BODY]
    assert texts(grid)[0] == ["model", "LLM Runtime (g=32)"]


def test_words_that_are_not_a_table() -> None:
    assert build_grid([]) is None
    assert build_grid(line(0, (0, "Just one line of running text here"))) is None


def test_json_round_trip_and_plain_rows() -> None:
    grid = Grid(
        columns=3,
        stub=1,
        rows=[
            GridRow(HEADER, [GridCell("Method", 0, 0), GridCell("Wiki2", 1, 2)]),
            GridRow(BODY, [GridCell("RTN", 0, 0), GridCell("6.29", 1, 1, bold=True), GridCell("7.9", 2, 2)], ["RTN"]),
        ],
    )
    again = Grid.from_json(grid.to_json())
    assert again.to_json() == grid.to_json()
    assert again.text_rows() == [["Method", "Wiki2", None], ["RTN", "6.29", "7.9"]]
    assert again.rows[1].cells[1].bold
    plain = Grid.from_text_rows([["Method", "Wiki2"], ["RTN", "6.29"], ["", "6.31"]])
    assert (plain.stub, [r.kind for r in plain.rows]) == (1, [HEADER, BODY, BODY])
    assert [r.labels for r in plain.rows[1:]] == [["RTN"], ["RTN"]]  # a label printed once covers the rows below


def test_a_row_header_broken_at_a_hyphen_under_the_header_is_one_label() -> None:
    # "MNLI-" ends the header's last line, "m/mm" starts the row under it: one task, "MNLI-m/mm".
    words = [
        *line(0, (0, "Tasks"), (60, "Teacher"), (110, "Student")),
        *line(10, (0, "MNLI-"), (60, "FP32"), (110, "INT4")),
        *line(25, (0, "m/mm"), (60, "84.9/85.6"), (110, "84.8/85.2")),
    ]
    grid = build_grid(words, [HRule(0, 160, -2), HRule(0, 160, 21), HRule(0, 160, 36)])
    assert grid is not None
    assert texts(grid) == [
        ["Tasks", "Teacher", "Student"],
        ["", "FP32", "INT4"],
        ["MNLI-m/mm", "84.9/85.6", "84.8/85.2"],
    ]
    assert [p.text for p in grid.value_cells()[0].row_path] == ["MNLI-m/mm"]
    # A header line that held only the broken word goes.
    words = [
        *line(0, (0, "Tasks"), (60, "FP32"), (110, "INT4")),
        *line(10, (0, "MNLI-")),
        *line(25, (0, "m/mm"), (60, "84.9/85.6"), (110, "84.8/85.2")),
    ]
    grid = build_grid(words, [HRule(0, 160, -2), HRule(0, 160, 21), HRule(0, 160, 36)])
    assert grid is not None
    assert texts(grid) == [["Tasks", "FP32", "INT4"], ["MNLI-m/mm", "84.9/85.6", "84.8/85.2"]]
    assert [r.kind for r in grid.rows] == [HEADER, BODY]


def test_a_hyphenated_word_that_ends_a_value_header_stays_where_it_is() -> None:
    words = [
        *line(0, (0, "Method"), (60, "Pre-")),
        *line(15, (0, "RTN"), (60, "84.9")),
    ]
    grid = build_grid(words, [HRule(0, 100, -2), HRule(0, 100, 11), HRule(0, 100, 26)])
    assert grid is not None
    assert texts(grid) == [["Method", "Pre-"], ["RTN", "84.9"]]
