"""worker.extract.text through the rule-based extractor: the paper's own methods, "beats" claims with
their direction, and critiques that state a weakness of a named method (pure)."""

from __future__ import annotations

from tests.factories import TITLE_PAGE, make_document, make_grid
from worker.extract.receipts import Extraction, Registry
from worker.extract.rules import RuleExtractor


def extract(registry: Registry, *pages: str) -> Extraction:
    return RuleExtractor().extract(make_document(*pages), registry)


def pairs(ex: Extraction) -> set[tuple[str, str]]:
    return {(b.method, b.baseline) for b in ex.beats}


def test_proposed_method_from_title_abstract_and_naming(registry: Registry) -> None:
    assert extract(registry, TITLE_PAGE).proposed[:1] == ["FastQ"]
    page = "Making Quantization Great\nAnn Author\nAbstract\nIn this work we propose QuickSilver, a method.\n"
    assert extract(registry, page).proposed[:1] == ["QuickSilver"]
    named = (
        "A Framework for Compression\nAbstract\nWe study layer-wise compression.\n"
        "In a unified manner, we call the resulting framework the Optimal Layer Compressor (OLC).\n"
        "We introduce our efficient instantiation, which we call ExactLC, step by step.\n"
    )
    assert {"OLC", "ExactLC"} <= set(extract(registry, named).proposed)


def test_beats_from_sentences_only_for_our_method(registry: Registry) -> None:
    page = TITLE_PAGE + (
        "In all settings, FastQ consistently outperforms GPTQ and RTN on LLaMA models.\n"
        "Our method is better than SmoothQuant by 2 points.\n"
        "GPTQ outperforms RTN at 3 bits.\n"
        "However, OmniQuant outperforms our method on OPT-66B.\n"
    )
    ex = extract(registry, page)
    assert {("FastQ", "GPTQ"), ("FastQ", "RTN"), ("FastQ", "SmoothQuant")} <= pairs(ex)
    assert ("GPTQ", "RTN") not in pairs(ex)  # not the paper's method
    assert not any(b.baseline == "OmniQuant" or b.method == "OmniQuant" for b in ex.beats)  # "X outperforms ours"
    beat = next(b for b in ex.beats if b.baseline == "SmoothQuant")
    assert beat.evidence == "sentence" and "SmoothQuant" in beat.provenance.quote and beat.provenance.page == 1


def test_critiques_state_a_weakness_of_a_named_method(registry: Registry) -> None:
    page = TITLE_PAGE + (
        "2 Related Work\n"
        "SmoothQuant migrates the difficulty to weights. However, SmoothQuant fails at W4A4 on large models.\n"
        "The closest work is GPTQ, which uses second-order information.\n"
        "But it relies on a reordering trick that is hardware inefficient.\n"
        "OmniQuant learns clipping thresholds and works well.\n"
        "Unlike AdaRound, our method does not suffer from overfitting.\n"
        "Note that the RTN baseline is already quite strong (only a small accuracy drop).\n"
        "For AWQ models, the accuracy drop of 3-bit weights is significant in every method.\n"
        "We outperform QuIP by 2x since it relies on a slow kernel.\n"
        "FastQ cannot be applied to encoder models.\n"
        "Replacing BRECQ with SpQR results in a significant accuracy drop.\n"
        "As such our 4-bit QuIP results are slightly sub-optimal.\n"
    )
    ex = extract(registry, page)
    by_method = {c.method: c for c in ex.critiques}
    assert "SmoothQuant" in by_method and "fails" in by_method["SmoothQuant"].provenance.quote
    assert by_method["SmoothQuant"].section == "§2 Related Work"
    assert "relies on" in by_method["GPTQ"].provenance.quote  # "it" in the sentence after the one naming GPTQ
    assert "OmniQuant" not in by_method  # no weakness stated
    assert "AdaRound" not in by_method  # the weakness is denied, for our method
    assert "RTN" not in by_method  # praise
    assert "AWQ" not in by_method  # a frame of the sentence, not its subject
    assert "QuIP" not in by_method  # a comparison we win is a beats claim
    assert "FastQ" not in by_method  # the paper's own method
    assert "SpQR" in by_method and "BRECQ" not in by_method  # the drop is the replacement's
    assert "QuIP" not in by_method  # "our ... QuIP results": the paper's own runs


def test_a_method_named_by_its_citation(registry: Registry) -> None:
    page = TITLE_PAGE + (
        "Tang et al. (2022) apply W4A4 to BERT with distillation.\n"
        "However, their method fails to quantize all layers to 4 bits.\n"
        "Recent methods [1, 2, 3] break down during training.\n"
    )
    refs = (
        "References\n"
        "Tang, H., Zhang, X., Liu, K., Zhu, J., and Kang, Z. (2022). MKQ-BERT: Quantized BERT with 4-bits weights\n"
        "and activations. arXiv preprint arXiv:2203.13483.\n"
    )
    ex = extract(registry, page, refs)
    (critique,) = [c for c in ex.critiques if c.method == "MKQ-BERT"]
    assert critique.provenance.page == 1 and "fails" in critique.provenance.quote


def test_references_are_not_sentences(registry: Registry) -> None:
    page = TITLE_PAGE + "References\nFrantar, E. GPTQ fails to scale: a made-up title. arXiv preprint, 2022.\n"
    assert extract(registry, page).critiques == []


def test_caption_claim_against_the_baselines(registry: Registry) -> None:
    grid = make_grid(
        [["Method", "MNLI", "QNLI", "Mean"]],
        [
            ["32-bit Baseline", "90.4", "94.9", "88.61"],
            ["Q-BERT (Shen et al., 2020)", "87.8", "93.0", "86.91"],
            ["PSQ (Chen et al., 2020)", "89.9", "94.5", "88.65"],
            ["Vector-wise", "90.2", "94.7", "88.81"],
        ],
    )
    caption = "Table 9: GLUE results. We can see that vector-wise quantization improve upon the baselines."
    ex = RuleExtractor().extract(make_document(TITLE_PAGE, caption, tables={2: [(caption, grid)]}), registry)
    assert {("Vector-wise", "Q-BERT"), ("Vector-wise", "PSQ")} <= pairs(ex)
    assert "Vector-wise" in ex.proposed
    assert not any(b.baseline == "FP16" for b in ex.beats)


def test_documents_without_tables_or_text(registry: Registry) -> None:
    assert extract(registry, "").results == []
    ex = extract(registry, "0 5 10 15 20\n83.0\n83.5\nFigure 3: Accuracy over iterations.\n")
    assert (ex.results, ex.beats, ex.critiques) == ([], [], [])
    assert ex.to_score_json()["results"] == []


def test_a_critique_the_paper_prints_twice_is_one_critique(registry: Registry) -> None:
    weakness = "However, SmoothQuant fails at W4A4 on large models.\n"
    ex = extract(registry, TITLE_PAGE + weakness, "4 Related Work\n" + weakness)
    assert [c.method for c in ex.critiques].count("SmoothQuant") == 1


def test_a_name_the_paper_gives_its_work_however_plainly_spelled(registry: Registry) -> None:
    page = TITLE_PAGE.replace(
        "large language models.\n", "large language models. Our best model family, which we name Condor, wins.\n"
    )
    assert "Condor" in extract(registry, page).proposed
    # A model family or a task is never the paper's own name.
    page = TITLE_PAGE.replace("large language models.\n", "large language models, which we call Llama here.\n")
    assert "Llama" not in extract(registry, page).proposed


def test_beats_over_systems_the_tables_print(registry: Registry) -> None:
    grid = make_grid(
        [["Model", "Params", "Score"]],
        [
            ["Bard", "-", "93.2"],
            ["Condor", "13B", "90.4"],
            ["Alpaca", "13B", "63.8"],
            ["Stanford", "13B", "50.0"],
            ["Parrot", "-", "99.0"],
        ],
    )
    caption = "Table 6: Zero-shot scores relative to a reference system."
    page = TITLE_PAGE.replace(
        "large language models.\n", "large language models. Our best model family, which we name Condor, wins.\n"
    ) + (
        "Condor 13B scores better than Bard.\n"
        "Our smallest Condor model outperforms a 26 GB Alpaca model by 20 points on the Stanford benchmark.\n"
        "Condor outperforms all open models on the Vicuna benchmark, reaching 99.3% of Parrot.\n"
        "We improve on the Stanford Alpaca default hyperparameters.\n"
    )
    document = make_document(page, caption, tables={2: [(caption, grid)]})
    ex = RuleExtractor().extract(document, registry)
    assert {("Condor", "Bard"), ("Condor", "Alpaca")} <= pairs(ex)
    # Not after a preposition ("on the Stanford benchmark", "reaching ... of Parrot"), and not when
    # "we" is all that names the winner.
    assert not {("Condor", "Stanford"), ("Condor", "Parrot")} & pairs(ex)
    assert not {("FastQ", "Stanford"), ("FastQ", "Alpaca")} & pairs(ex)
