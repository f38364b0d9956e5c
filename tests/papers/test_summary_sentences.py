"""Sentence selection for the paper page's summary, on small synthetic papers (pure, no database)."""

from types import SimpleNamespace

from papers import summaries
from papers.concepts import find_concepts
from papers.headlines import coverage_checks, key_results, method_facts, own_method_names

ABSTRACT = (
    "Large language models are expensive to serve because their weights are large. "
    "We propose FooQuant, a method that rounds weights in small groups. "
    "FooQuant reaches a perplexity of 5.9 on WikiText-2 and runs 2.1x faster than the baseline."
)
PAGE_1 = """FooQuant: Fast Quantization for Language Models
Jane Doe, John Roe
Abstract
Large language models are expensive to serve because their weights are large.
We propose FooQuant, a method that rounds weights in small groups.
FooQuant reaches a perplexity of 5.9 on WikiText-2 and runs 2.1x faster than the baseline.
1 Introduction
Serving large language models is hard because memory bandwidth limits decoding.
In this paper, we propose FooQuant, which keeps the outlier channels in higher precision.
Moreover the method of this paper groups the weights of each row and rounds every group
∗ Equal contribution.
Preprint. Under review.
1"""
PAGE_2 = """Figure 1. Accuracy of the methods on the test set.
separately with its own scale and zero point for the whole group. The rest of this page is
about the method itself and how it is used.
2 Method
Limitations: Rounding every weight to the nearest value loses accuracy, so we need a better rule.
FooQuant works well because the groups isolate the outlier channels from the other weights.
We focus on the LLaMA family since it is the most popular open model family.
GPTQ fails at two bits because its error compensation overfits the calibration set.
3 Related Work
Prior methods are slow because they rely on second-order updates of every weight.
4 Experiments
We use a calibration set of 128 random sequences from the C4 dataset for every model.
*This footnote explains something about the setup of the experiments.
2"""
PAGE_3 = """5 Conclusion
We presented FooQuant, a simple method for quantizing large language models.
A limitation of our work is that we only evaluate models with up to 13 billion parameters.
We leave the study of activation quantization to future work.
We leave the embeddings in full precision for all of the models.
References
[1] A. Author. A paper about quantization of models. 2020.
A Broader Impacts and Limitations
Broader impacts. Quantization makes models cheaper to serve for everyone who uses them.
Limitations. Our kernels do not support older GPUs without tensor cores at all.
3"""
PAGES = [(1, PAGE_1), (2, PAGE_2), (3, PAGE_3)]
CRITIQUE = "GPTQ fails at two bits because its error compensation overfits the calibration set."
LOCATED = summaries.located_sentences(PAGES)  # pure: read once, every test below only reads it


def texts(items):
    return [s.text for s in items]


def test_limitations_are_the_papers_own_statements_with_their_pages():
    found = summaries.limitations(LOCATED, exclude=[CRITIQUE])
    assert [(s.page, s.text) for s in found] == [
        (3, "A limitation of our work is that we only evaluate models with up to 13 billion parameters."),
        (3, "Our kernels do not support older GPUs without tensor cores at all."),
    ]
    # The run-in "Limitations:" of the method section is a strawman's limit, not the paper's.
    assert all("Rounding every weight" not in s.text for s in found)
    assert found[1].where == "A Broader Impacts and Limitations · Limitations"


def test_open_questions_are_what_the_paper_leaves_to_future_work():
    found = summaries.open_questions(LOCATED)
    assert texts(found) == ["We leave the study of activation quantization to future work."]
    assert found[0].page == 3 and found[0].section == "§5 Conclusion"


def test_mechanisms_are_causal_sentences_about_the_papers_own_method():
    found = summaries.mechanisms(LOCATED, ["FooQuant"], foreign_names=["GPTQ"], exclude=[CRITIQUE])
    assert [(s.page, s.text) for s in found] == [
        (2, "FooQuant works well because the groups isolate the outlier channels from the other weights.")
    ]


def test_a_reason_for_a_choice_or_another_methods_behaviour_is_no_mechanism():
    found = texts(summaries.mechanisms(LOCATED, ["FooQuant"], foreign_names=["GPTQ"]))
    assert not any(t.startswith(("We focus", "GPTQ fails", "Prior methods", "Serving")) for t in found)


def test_a_sentence_cut_by_a_page_break_is_joined_and_located_where_it_starts():
    joined = next(s for s in LOCATED if s.text.startswith("Moreover the method"))
    assert joined.page == 1
    assert joined.text.endswith("rounds every group separately with its own scale and zero point for the whole group.")
    assert not any("footnote" in s.text or "Equal contribution" in s.text or "Preprint" in s.text for s in LOCATED)


def test_the_executive_summary_gives_problem_method_and_result_from_the_abstract():
    abstract = summaries.abstract_sentences(ABSTRACT, PAGES)
    found = summaries.executive_summary(abstract, LOCATED, ["FooQuant"])
    assert texts(found) == [
        "Large language models are expensive to serve because their weights are large.",
        "We propose FooQuant, a method that rounds weights in small groups.",
        "FooQuant reaches a perplexity of 5.9 on WikiText-2 and runs 2.1x faster than the baseline.",
    ]
    assert {s.page for s in found} == {1}


def test_calibration_data_is_the_sentence_naming_it():
    found = summaries.calibration_sentences(LOCATED)
    assert [(s.page, s.text) for s in found] == [
        (2, "We use a calibration set of 128 random sequences from the C4 dataset for every model.")
    ]


def test_concepts_come_with_the_papers_definition_and_linked_methods():
    page = """1 Introduction
Group size is the number of consecutive weights that share one scale in the quantizer.
We quantize every layer with a group size of 128 for all of the models we study here.
2 Method
GPTQ needs a calibration set to estimate the second-order information of every layer.
GPTQ can overfit the calibration set when that set is small or from another domain.
With a larger calibration set GPTQ recovers most of the accuracy it had lost before.
RTN rounds every weight to its nearest grid point without looking at any data at all.
RTN is fast to run and works well for eight-bit weights in all of the models we tried.
3 Experiments
We run every model on one GPU with the same batch size and the same prompts.
Larger models lose less accuracy than smaller ones at every bit width we tried.
The latency of decoding falls with the size of the weights that are read.
"""
    found = find_concepts(
        summaries.located_sentences([(4, page)]),
        methods=[("GPTQ", "/m/gptq/"), ("RTN", "/m/rtn/")],
        benchmarks=[("WikiText-2", "perplexity", "/b/wikitext-2/")],
    )
    by_key = {c["key"]: c for c in found}
    assert by_key["group-size"]["sentence"] == {
        "text": "Group size is the number of consecutive weights that share one scale in the quantizer.",
        "page": 4,
        "section": "§1 Introduction",
    }
    # GPTQ is named with "calibration" in three sentences and nowhere else; RTN never with it.
    assert by_key["calibration"]["methods"] == [{"name": "GPTQ", "url": "/m/gptq/"}]
    # The paper never says what a calibration set is: the page shows how it uses the term instead.
    assert by_key["calibration"]["defines"] is False and by_key["group-size"]["defines"] is True
    assert by_key["calibration"]["sentence"]["text"].startswith("GPTQ needs a calibration set")
    assert by_key["calibration"]["pages"] == [4]


# --------------------------------------------------------------------------------------------
# Key results from receipts (rows shaped like BenchmarkResult)


def method(pk, name, reference=False):
    return SimpleNamespace(pk=pk, name=name, is_reference_point=reference, get_absolute_url=lambda: f"/m/{name}/")


WIKI = SimpleNamespace(pk=1, name="WikiText-2", direction="lower", metric="perplexity")
MMLU = SimpleNamespace(pk=2, name="MMLU", direction="higher", metric="accuracy")
FOO, GPTQ, RTN, FP16 = method(1, "FooQuant"), method(2, "GPTQ"), method(3, "RTN"), method(4, "FP16", reference=True)
_pk = iter(range(1, 1000))


def result(m, bench, value, model="LLaMA-7B", setting="W4A16 g128", page=5, locator="Table 2", **extra):
    fields = {
        "pk": next(_pk),
        "method": m,
        "method_id": m.pk,
        "benchmark": bench,
        "benchmark_id": bench.pk,
        "model_name": model,
        "setting": setting,
        "value": value,
        "value_text": f"{value}",
        "page": page,
        "locator": locator,
        "status": "pending",
        "benchmark_inferred": False,
        "weight_bits": 4,
        "activation_bits": 16,
        "group_size": 128,
    }
    return SimpleNamespace(**(fields | extra))


def test_key_results_compare_the_papers_method_with_the_best_other_method_of_its_table():
    rows = [
        result(FOO, WIKI, 5.9),
        result(GPTQ, WIKI, 6.1),
        result(RTN, WIKI, 6.4),
        result(FP16, WIKI, 5.5),  # a reference line, never the competitor
        result(FOO, WIKI, 7.0, model="LLaMA-13B", status="rejected"),
        result(FOO, MMLU, 40.1, locator="Table 3", page=6),
        result(GPTQ, MMLU, 38.0, locator="Table 3", page=6),
    ]
    found = key_results(rows, ["FooQuant"])
    assert [k["text"] for k in found] == [
        "FooQuant reaches 5.9 on WikiText-2 with LLaMA-7B at W4A16 g128 (lower is better); "
        "the best other method in the same table, GPTQ, reaches 6.1.",
        "FooQuant reaches 40.1 on MMLU with LLaMA-7B at W4A16 g128; the best other method in the same table, "
        "GPTQ, reaches 38.0.",
    ]
    assert (found[0]["locator"], found[0]["page"], found[0]["competitors"]) == ("Table 2", 5, 2)


def test_method_facts_and_the_comparisons_the_paper_left_out():
    rows = [
        result(FOO, WIKI, 5.9),
        result(GPTQ, WIKI, 6.1),
        result(RTN, WIKI, 6.4),
        result(FOO, WIKI, 6.9, setting="W3A16 g128", locator="Table 4", page=7, weight_bits=3),
        result(RTN, WIKI, 9.4, setting="W3A16 g128", locator="Table 4", page=7, weight_bits=3),
    ]
    facts = method_facts(rows, ["FooQuant"])
    assert facts["models"] == ["LLaMA-7B"] and facts["weight_bits"] == [3, 4] and facts["group_sizes"] == [128]
    assert [(b["name"], b["cells"]) for b in facts["baselines"]] == [("RTN", 2), ("GPTQ", 1)]
    assert coverage_checks(rows, ["FooQuant"], ["RTN", "GPTQ"]) == [
        "Run GPTQ on LLaMA-7B at W3A16 g128: the paper reports FooQuant there (Table 4, p. 7) but no GPTQ number "
        "to compare."
    ]


def test_the_papers_own_methods_are_its_introduced_methods_then_its_beats_winners():
    assert own_method_names(["FooQuant"], ["FooQuant-2", "FooQuant", "FooQuant-2"]) == ["FooQuant", "FooQuant-2"]
