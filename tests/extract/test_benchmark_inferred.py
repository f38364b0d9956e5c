"""A result records whether its table named the benchmark or the extractor assumed the paper's usual
task for the metric ("PPL↓" with no dataset read as WikiText-2)."""

from __future__ import annotations

from tests.factories import TITLE_PAGE, make_document, make_grid
from worker.extract.receipts import Extraction, Registry
from worker.extract.rules import RuleExtractor

PAGE = (
    "We evaluate perplexity on WikiText-2 throughout. Our WikiText-2 numbers follow GPTQ. "
    "Lower WikiText-2 perplexity is better."
)


def extract(registry: Registry, header: str) -> Extraction:
    grid = make_grid([["Method", header]], [["FP16", "5.68"], ["RTN", "6.29"]])
    caption = "Table 8: Results of LLaMA-7B at W4A16."
    document = make_document(TITLE_PAGE, PAGE, caption, tables={3: [(caption, grid)]})
    return RuleExtractor().extract(document, registry)


def inferred(ex: Extraction) -> dict[tuple[str, str], bool]:
    return {(r.method, r.benchmark): r.benchmark_inferred for r in ex.results}


def test_ppl_with_no_dataset_is_read_as_the_papers_usual_task_and_says_so(registry: Registry) -> None:
    got = inferred(extract(registry, "PPL↓"))
    assert got == {("FP16", "WikiText-2"): True, ("RTN", "WikiText-2"): True}


def test_a_header_that_names_wikitext2_is_stated(registry: Registry) -> None:
    got = inferred(extract(registry, "WikiText-2 ↓"))
    assert got == {("FP16", "WikiText-2"): False, ("RTN", "WikiText-2"): False}
