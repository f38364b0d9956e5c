"""The synthetic FooQuant paper the summary tests share: its three pages (the text of
`test_summary_sentences`), parsed; and the same paper with receipts, summarised at extract time."""

from __future__ import annotations

import pytest

from papers.claude_summary import summarize_document
from papers.models import Paper, PaperDocument
from tests.factories import make_benchmark, make_critique, make_method, make_paper, make_parsed_document, make_result
from tests.papers.test_summary_sentences import ABSTRACT, PAGE_1, PAGE_2, PAGE_3


def parsed_foo_paper(settings: pytest.FixtureRequest) -> tuple[Paper, PaperDocument]:
    """The FooQuant paper and its parsed pages, with no Anthropic key: a summary stays extractive."""
    settings.ANTHROPIC_API_KEY = ""
    paper = make_paper(title="FooQuant", abstract=ABSTRACT)
    return paper, make_parsed_document(paper, 1, {1: PAGE_1, 2: PAGE_2, 3: PAGE_3})


def foo_paper(settings: pytest.FixtureRequest) -> Paper:
    """The FooQuant paper, parsed, with receipts, summarised by the extract-stage hook."""
    paper, document = parsed_foo_paper(settings)
    foo = make_method("FooQuant", introduced_by=paper)
    gptq, rtn, wiki = make_method("GPTQ"), make_method("RTN"), make_benchmark("WikiText-2")
    for method, value in ((foo, 5.9), (gptq, 6.1), (rtn, 6.4)):
        make_result(
            paper=paper, method=method, benchmark=wiki, value=value, value_text=f"{value}", locator="Table 2", page=2
        )
    make_result(
        paper=paper, method=foo, benchmark=wiki, value=6.9, value_text="6.9", setting="W3A16", page=3, locator="Table 4"
    )
    make_critique(
        paper=paper,
        method=gptq,
        quote="GPTQ fails at two bits because its error compensation overfits the calibration set.",
    )
    assert summarize_document(document.pk) == 0
    return paper
