"""A small review the synthesis tests share: three papers that compare, criticise and report the same
numbers (full-precision rows among them), a weak-fit paper and an out-of-scope one; and a review whose
papers all report the same cell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest

from baselines.models import BeatsEvidence, MethodFamily
from reviews.derived import recompute_review
from reviews.models import Claim, ClaimStatus, Review, SourceDepth, TaxonomyFit
from tests.factories import (
    add_to_review,
    make_beats,
    make_benchmark,
    make_critique,
    make_method,
    make_paper,
    make_parsed_document,
    make_result,
    make_review,
)

LIN, LEE, DETTMERS, WEAK, OUTSIDE = "2401.00001", "2401.00002", "2401.00003", "2401.00004", "2401.00005"
# The extractor kept only part of this sentence (from mid-sentence to mid-word); page 4 prints it whole.
RTN_FRAGMENT = "rounds every weight to the closest level of a uniform grid, which collapses at three bi"
RTN_SENTENCE = (
    "Round-to-nearest rounds every weight to the closest level of a uniform grid, which collapses at three "
    "bits on LLaMA-7B."
)
PAGE_4 = (
    "2 Method\n"
    "Round-to-nearest keeps one scale for each group of weights.\n"
    "Round-to-nearest rounds every weight to the closest level of a uniform grid, which collapses at three\n"
    "bits on LLaMA-7B. We fix this with a scale learned per channel.\n"
)


def _paper(arxiv_id: str, title: str, authors: list[str], year: int) -> object:
    return make_paper(arxiv_id=arxiv_id, title=title, authors=authors, published=dt.datetime(year, 6, 1, tzinfo=dt.UTC))


def _claim(paper: object, sentence: str, *, verified: bool, page: int | None = 1) -> Claim:
    return Claim.objects.create(
        paper=paper,
        sentence=sentence,
        origin="abstract",
        has_numbers=True,
        is_comparison=True,
        status=ClaimStatus.SUPPORTED if verified else ClaimStatus.PRELIMINARY,
        source_depth=SourceDepth.FULL_TEXT if verified else SourceDepth.ABSTRACT,
        page=page if verified else None,
    )


def _numbers(wiki: object, lin: object, lee: object, methods: dict[str, object]) -> None:
    """Numbers two papers report for the same cells, and some that only look alike."""
    for paper, page, table, fp7, fp13, awq, gptq in (
        (lin, 6, "Table 3", 5.68, 5.09, 6.00, 6.50),
        (lee, 8, "Table 4", 5.68, 6.50, 6.10, 7.60),
    ):
        printed_in = {"paper": paper, "benchmark": wiki, "page": page, "locator": table}
        for method, model, setting, value in (
            (methods["FP16"], "LLaMA-7B", "W16A16", fp7),  # agree, but a reference row: never agreement
            (methods["FP16"], "LLaMA-13B", "W16A16", fp13),  # 24% apart: the setups differ
            (methods["AWQ"], "LLaMA-7B", "W4A16", awq),  # 1.6% apart: agree
            (methods["GPTQ"], "LLaMA-7B", "W4A16", gptq),  # 15.6% apart: flagged
        ):
            make_result(
                method=method, model_name=model, setting=setting, value=value, value_text=f"{value:.2f}", **printed_in
            )
    # The same method on the same benchmark, but another setting or model: never compared.
    make_result(
        paper=lin, method=methods["SmoothQuant"], benchmark=wiki, model_name="LLaMA-7B", setting="W4A8", value=6.0
    )
    make_result(
        paper=lee, method=methods["SmoothQuant"], benchmark=wiki, model_name="LLaMA-7B", setting="W8A8", value=9.0
    )
    make_result(
        paper=lee, method=methods["SmoothQuant"], benchmark=wiki, model_name="OPT-6.7B", setting="W4A8", value=20.0
    )


def _receipts(wiki: object, papers: dict[str, object], methods: dict[str, object]) -> None:
    """Comparisons and criticisms: from tables, and one from a sentence the extractor cut short."""
    table = {"benchmark": wiki, "model_name": "LLaMA-7B", "evidence": BeatsEvidence.TABLE}
    for paper, winner, loser, setting, values, page, locator in (
        ("lin", "AWQ", "GPTQ", "W4A16", (6.0, 6.5), 6, "Table 3"),
        ("lee", "AQAS", "AWQ", "W4A8", (5.9, 6.4), 8, "Table 4"),
        ("lin", "AWQ", "FP16", "W4A16", (6.0, 5.68), 6, "Table 3"),  # "beating" its reference: no finding
    ):
        make_beats(
            paper=papers[paper],
            method=methods[winner],
            baseline=methods[loser],
            setting=setting,
            method_value=values[0],
            baseline_value=values[1],
            page=page,
            locator=locator,
            quote=f"{winner} {values[0]:.2f} | {loser} {values[1]:.2f}",
            **table,
        )
    make_parsed_document(papers["dettmers"], 1, {1: "The case for 4-bit precision", 4: PAGE_4})
    make_critique(paper=papers["dettmers"], method=methods["RTN"], quote=RTN_FRAGMENT, page=4, locator="§2 Method")
    make_critique(
        paper=papers["lee"],
        method=methods["GPTQ"],
        page=2,
        locator="§1 Introduction",
        quote="OPTQ's weight calibration struggles with varying activation ranges on LLaMA models.",
    )
    make_critique(paper=papers["outside"], method=methods["GPTQ"], quote="GPTQ is wrong about quantum spins.")


def build_synthesis_review() -> Review:
    review = make_review(
        slug="synth",
        title="LLM quantization",
        tagline="Methods that run language models at low precision.",
        research_questions=[
            "Which methods beat GPTQ on WikiText-2 perplexity?",
            "Where does round-to-nearest quantization collapse?",
        ],
    )
    lin = _paper(LIN, "AWQ: Activation-aware Weight Quantization", ["Ji Lin", "Jiaming Tang", "Song Han"], 2023)
    lee = _paper(LEE, "Enhancing computation efficiency", ["Janghwan Lee", "Minsoo Kim", "Jungwook Choi"], 2023)
    dettmers = _paper(DETTMERS, "The case for 4-bit precision", ["Tim Dettmers", "Luke Zettlemoyer"], 2022)
    weak = _paper(WEAK, "Kernels for quantized inference", ["Grace Hopper"], 2024)
    outside = _paper(OUTSIDE, "Quantum criticality", ["Ada Lovelace"], 2011)
    for paper in (lin, lee, dettmers):
        add_to_review(review, paper, fit=TaxonomyFit.IN_SCOPE)
    add_to_review(review, weak, fit=TaxonomyFit.WEAK)
    add_to_review(review, outside, fit=TaxonomyFit.OUT_OF_SCOPE)
    methods = {
        "AWQ": make_method("AWQ", family=MethodFamily.WEIGHT_ONLY, introduced_by=lin),
        "GPTQ": make_method("GPTQ", family=MethodFamily.WEIGHT_ONLY),
        "RTN": make_method("RTN", family=MethodFamily.REFERENCE),
        "SmoothQuant": make_method("SmoothQuant", family=MethodFamily.WEIGHT_ACTIVATION),
        "AQAS": make_method("AQAS", family=MethodFamily.WEIGHT_ACTIVATION, introduced_by=lee),
        "FP16": make_method("FP16", family=MethodFamily.FULL_PRECISION),
    }
    wiki = make_benchmark("WikiText-2")
    _receipts(wiki, {"lin": lin, "lee": lee, "dettmers": dettmers, "outside": outside}, methods)
    _numbers(wiki, lin, lee, methods)
    _claim(lin, "AWQ outperforms GPTQ by 0.5 perplexity on LLaMA-7B at 4 bits.", verified=True)
    _claim(lee, "We propose AQAS, which keeps W4A8 accuracy within 1% of FP16.", verified=True)
    _claim(dettmers, "Round-to-nearest quantization fails below 4 bits for most models.", verified=False)
    recompute_review(review.pk)
    review.refresh_from_db()
    return review


@pytest.fixture
def synth(db: None) -> Review:
    return build_synthesis_review()


def review_reporting(values: Iterable[float]) -> Review:
    """A review whose papers each report one of `values` for the same cell (GPTQ, WikiText-2,
    LLaMA-7B, W4A16), recomputed: the comparison has exactly one row."""
    review, method, benchmark = make_review(), make_method("GPTQ"), make_benchmark("WikiText-2")
    for value in values:
        paper = make_paper()
        add_to_review(review, paper)
        make_result(
            paper=paper, method=method, benchmark=benchmark, model_name="LLaMA-7B", setting="W4A16", value=value
        )
    recompute_review(review.pk)
    return review
