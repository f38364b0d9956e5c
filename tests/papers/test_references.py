"""worker.reading.references: reference lists, in-text citations, their sentences, role and polarity cues.

Pure module, no database. The corpus tests parse a few real PDFs once for the module.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import corpus_path
from worker.reading.parse import parse_pdf
from worker.reading.references import (
    TitleMatcher,
    citation_contexts,
    classify_citation,
    entry_arxiv_id,
    extract_references,
    find_markers,
    match_entry,
    parse_entry,
    score_labels,
    sentence_bounds,
)

INTENTS = Path(__file__).resolve().parents[1] / "data" / "citation_intents.json"

NUMBERED_PAGE = """6 Conclusion
We thank everyone.
References
[1] Ada Lovelace and Alan Turing. Notes on an engine that computes. In Proceedings of the
Royal Society, 1953.
[2] Elias Frantar, Saleh Ashkboos, Torsten Hoefler, and Dan Alistarh. Gptq: Accurate post-training quantiza-
tion for generative pre-trained transformers. arXiv preprint arXiv:2210.17323v2, 2022.
[3] Guangxuan Xiao, Ji Lin, Mickael Seznec, Hao Wu, Julien Demouth, and Song Han. Smoothquant: Accurate
and efficient post-training quantization for large language models. In ICML, 2023.
12"""

SURNAME_FIRST_PAGE = """References
Dettmers, T. and Zettlemoyer, L. The case for 4-bit precision: k-bit inference scaling
laws. arXiv preprint arXiv:2212.09720, 2022.
Frantar, E., Ashkboos, S., Hoefler, T., and Alistarh, D. Gptq: Accurate
post-training quantization for generative pre-trained transformers. In ICLR,
2023a.
Frantar, E., Ashkboos, S., and Alistarh, D. Optimal brain compression: A
framework for accurate post-training quantization and pruning. In NeurIPS, 2023b.
Xiao, G., Lin, J., Seznec, M., Wu, H., Demouth, J., and Han, S. Smoothquant:
Accurate and efficient post-training quantization for large language models. In
ICML, 2023.
Zoph, B. and Le, Q. V. Neural architecture search with reinforcement learning.
arXiv preprint arXiv:1611.01578, 2016.
A Appendix
Further results, as in (Frantar et al., 2023a)."""

ACL_PAGE = """References
Tim Dettmers, Mike Lewis, Younes Belkada, and Luke
Zettlemoyer. 2022. Llm.int8(): 8-bit matrix multi-
plication for transformers at scale. arXiv preprint
arXiv:2208.07339.
OpenAI. 2023. Gpt-4 technical report. arXiv preprint
arXiv:2303.08774.
Yonatan Bisk, Rowan Zellers, Ronan Le Bras, Jianfeng
Gao, and Yejin Choi. 2020. Piqa: Reasoning about
physical commonsense in natural language. In AAAI,
pages 7432–7439."""


def test_numbered_list_is_split_into_numbered_entries():
    refs = extract_references(["1 Introduction\nWe build on GPTQ [2].", NUMBERED_PAGE])

    assert refs is not None and refs.style == "numbered"
    assert [e.number for e in refs.entries] == [1, 2, 3]
    gptq = refs.entries[1]
    assert gptq.title == "Gptq: Accurate post-training quantization for generative pre-trained transformers"
    assert (gptq.arxiv_id, gptq.year, gptq.page, gptq.label) == ("2210.17323", 2022, 2, "2")
    assert refs.entries[2].surnames[0] == "Xiao"
    # The page number under the list is not part of the last entry.
    assert refs.entries[2].raw_text.endswith("In ICML, 2023.")


def test_dotted_numbered_list_is_split_too():
    page = "References\n1. A. Author and B. Writer. A first title of a paper. In NeurIPS, 2021.\n2. C. Person. A second title here. In ICML, 2022.\n3. D. Someone. The third title. 2023."

    refs = extract_references([page])

    assert refs is not None and refs.style == "numbered"
    assert [e.title for e in refs.entries] == ["A first title of a paper", "A second title here", "The third title"]


def test_author_year_list_with_surname_first_is_split_and_stops_at_the_appendix():
    refs = extract_references([SURNAME_FIRST_PAGE])

    assert refs is not None and refs.style == "author-year"
    assert [e.label for e in refs.entries] == [
        "Dettmers and Zettlemoyer, 2022",
        "Frantar et al., 2023a",
        "Frantar et al., 2023b",
        "Xiao et al., 2023",
        "Zoph and Le, 2016",
    ]
    assert refs.entries[1].title == "Gptq: Accurate post-training quantization for generative pre-trained transformers"
    assert refs.entries[4].arxiv_id == "1611.01578"


def test_author_year_list_with_given_names_first_and_an_organisation():
    refs = extract_references([ACL_PAGE])

    assert refs is not None
    assert [(e.label, e.year) for e in refs.entries] == [
        ("Dettmers et al., 2022", 2022),
        ("OpenAI, 2023", 2023),
        ("Bisk et al., 2020", 2020),
    ]
    assert refs.entries[0].title == "Llm.int8(): 8-bit matrix multiplication for transformers at scale"
    assert refs.entries[1].title == "Gpt-4 technical report"
    assert refs.entries[2].surnames[2] == "Le Bras"


def test_no_reference_section_gives_none():
    assert extract_references(["Just an abstract.", "And a body without any list."]) is None


@pytest.mark.parametrize(
    ("text", "arxiv_id"),
    [
        ("Gptq. arXiv preprint arXiv:2210.17323v2, 2022.", "2210.17323"),
        ("Binarynet. CoRR, abs/1602.02830, 2016. URL http://arxiv.org/abs/1602.02830.", "1602.02830"),
        ("Pythia. URL https://arxiv.org/pdf/2304.01373.pdf", "2304.01373"),
        ("Proceedings, 2013.1234 and a DOI 10.1007/s11356-022-19718-6.", ""),  # month 12 but 4 digits after 1501
        ("Vol 7, 2045.12345.", ""),  # month 45
    ],
)
def test_arxiv_id_printed_in_an_entry(text, arxiv_id):
    assert entry_arxiv_id(text) == arxiv_id


def test_entry_with_an_arxiv_id_parses_its_parts():
    entry = parse_entry(
        "Yao, Z., Aminabadi, R. Y., Zhang, M., Wu, X., Li, C., and He, Y. (2022). Zeroquant: Efficient and "
        "affordable post-training quantization for large-scale transformers. arXiv preprint arXiv:2206.01861.",
        position=1,
        page=9,
    )

    assert entry.surnames == ["Yao", "Aminabadi", "Zhang", "Wu", "Li", "He"]
    assert (entry.year, entry.arxiv_id) == (2022, "2206.01861")
    assert entry.title == "Zeroquant: Efficient and affordable post-training quantization for large-scale transformers"


def _numbered(n: int):
    lines = "\n".join(f"[{i}] Author Number{i}. Title number {i} of a paper. In Venue, 2020." for i in range(1, n + 1))
    refs = extract_references([f"References\n{lines}"])
    assert refs is not None
    return refs


def test_numbered_markers_expand_ranges_and_lists_and_skip_intervals():
    refs = _numbered(12)
    body = "Methods [3–7] and [2, 9–11] differ; [12] too. Values in [0, 1] and [4, 99] are intervals, [5-3] is odd."

    markers = find_markers(body, refs)

    assert [(m.text, m.positions) for m in markers] == [
        ("[3–7]", [3, 4, 5, 6, 7]),
        ("[2, 9–11]", [2, 9, 10, 11]),
        ("[12]", [12]),
    ]


def test_author_year_markers_resolve_to_their_entries():
    refs = extract_references([SURNAME_FIRST_PAGE])
    assert refs is not None
    body = (
        "Prior work (Frantar et al., 2023a; Xiao et al., 2023) quantizes weights. "
        "Dettmers and Zettlemoyer (2022) study scaling, as do (e.g., Zoph & Le, 2016) and Frantar et al. (2023a, 2023b). "
        "Nobody et al. (2022) is not in the list, and (Table 2, 2021) is no citation."
    )

    markers = find_markers(body, refs)

    assert [(m.text, m.positions) for m in markers] == [
        ("(Frantar et al., 2023a; Xiao et al., 2023)", [2, 4]),
        ("Dettmers and Zettlemoyer (2022)", [1]),
        ("(e.g., Zoph & Le, 2016)", [5]),
        ("Frantar et al. (2023a, 2023b)", [2, 3]),
    ]


def test_citation_without_its_year_suffix_is_ambiguous_and_left_out():
    refs = extract_references([SURNAME_FIRST_PAGE])
    assert refs is not None

    assert find_markers("Both (Frantar et al., 2023) papers.", refs) == []


def test_context_spanning_a_line_break_and_a_hyphen_is_one_sentence():
    body_page = (
        "2 Related work\n"
        "Quantization is old. Weight-only methods such as GPTQ (Frantar\n"
        "et al., 2023a) reduce memory traf-\n"
        "fic without retraining. Fig. 2 shows more."
    )

    pages = [body_page, SURNAME_FIRST_PAGE]
    contexts = citation_contexts(pages, extract_references(pages))

    first = contexts[0]
    assert first.marker == "(Frantar et al., 2023a)"
    assert first.sentence == (
        "Weight-only methods such as GPTQ (Frantar et al., 2023a) reduce memory traffic without retraining."
    )
    assert (first.page, first.positions) == (1, [2])


def test_context_keeps_the_page_of_its_marker_when_the_sentence_crosses_pages():
    pages = ["Intro text. A sentence that starts here and", "continues on the next page with [2] cited.", NUMBERED_PAGE]

    contexts = citation_contexts(pages, extract_references(pages))

    assert [(c.marker, c.page) for c in contexts] == [("[2]", 2)]
    assert contexts[0].sentence == "A sentence that starts here and continues on the next page with [2] cited."


def test_appendix_after_the_list_is_body_text():
    refs = extract_references([SURNAME_FIRST_PAGE])

    contexts = citation_contexts([SURNAME_FIRST_PAGE], refs)

    assert [(c.marker, c.positions) for c in contexts] == [("(Frantar et al., 2023a)", [2])]


def test_sentences_do_not_end_at_abbreviations():
    text = "As Frantar et al. (2022) show in Fig. 3, e.g. for OPT, it works. Next one."

    assert sentence_bounds(text, text.index("(2022)")) == (0, text.index(" Next"))


def test_near_duplicate_title_does_not_match():
    matcher = TitleMatcher(
        [
            (
                1,
                "Understanding INT4 Quantization for Transformer Models: Latency Speedup, Composability, and Failure Cases",
            ),
            (2, "QA-LoRA: Quantization-Aware Low-Rank Adaptation of Large Language Models"),
            (3, "Scaling Laws for Mixed quantization in Large Language Models"),
        ]
    )

    assert (
        matcher.match(
            "Understanding int8 quantization for transformer models: latency speedup, composability, and failure cases"
        )
        is None
    )
    assert matcher.match("Lora: Low-rank adaptation of large language models") is None
    assert matcher.match("Scaling laws for neural language models") is None
    hit = matcher.match(
        "Understanding int4 quantiza- tion for transformer models: Latency speedup, composability and failure cases"
    )
    assert hit is not None and hit[0] == 1


def test_printed_arxiv_id_naming_another_paper_is_not_trusted():
    entry = parse_entry(
        "Nagel, M., Fournarakis, M., and Blankevoort, T. A white paper on neural network quantization. "
        "arXiv preprint arXiv:1308.3432, 2021.",
        position=1,
        page=1,
    )
    known = {
        "1308.3432": (
            "1308.3432",
            "Estimating or propagating gradients through stochastic neurons for conditional computation",
        )
    }
    stub = {"1308.3432": ("1308.3432", "")}
    matcher: TitleMatcher[str] = TitleMatcher([])

    assert match_entry(entry, known, matcher) is None
    match = match_entry(entry, stub, matcher)
    assert match is not None and (match.key, match.how) == ("1308.3432", "arxiv")


@pytest.mark.parametrize(
    ("sentence", "marker", "role", "polarity"),
    [
        ("We compare against GPTQ [17] and outperform it by 2 points.", "[17]", "compares", "contrasting"),
        ("We use the Pile [18] as calibration data.", "[18]", "uses", "neutral"),
        ("Weight-update methods like OPTQ [4] fail on LLaMA models.", "[4]", "background", "contrasting"),
        ("Our results are consistent with [6], where activations dominate the error.", "[6]", "compares", "supporting"),
        ("GOBO [5] does not require fine-tuning.", "[5]", "background", "supporting"),
        ("Transformers [1] are a neural network architecture.", "[1]", "background", "neutral"),
    ],
)
def test_role_and_polarity_cues(sentence, marker, role, polarity):
    found = classify_citation(sentence, marker)

    assert (found.role, found.polarity) == (role, polarity)
    assert 0 < found.confidence <= 1


def _intents() -> list[dict[str, object]]:
    return json.loads(INTENTS.read_text(encoding="utf-8"))["contexts"]


def test_labeled_intents_are_few_short_and_well_formed():
    contexts = _intents()

    assert 40 <= len(contexts) <= 70
    for c in contexts:
        assert c["role"] in {"background", "uses", "compares"}
        assert c["polarity"] in {"supporting", "contrasting", "neutral"}
        assert c["split"] in {"tuning", "held-out"}
        assert c["marker"] in c["sentence"] and len(c["sentence"]) < 400
        assert str(c["file"]).endswith(".pdf") and int(c["page"]) >= 1 and c["cited_title"]


def test_rule_cues_reach_their_measured_accuracy_on_the_labeled_intents():
    contexts = _intents()
    predicted = [classify_citation(str(c["sentence"]), str(c["marker"])) for c in contexts]

    role = score_labels([(str(c["role"]), p.role) for c, p in zip(contexts, predicted, strict=True)])
    polarity = score_labels([(str(c["polarity"]), p.polarity) for c, p in zip(contexts, predicted, strict=True)])

    # Measured 0.90 / 0.90 (macro-F1 0.92 / 0.89); a drop means a cue change broke labeled cases.
    assert role.accuracy >= 0.85 and role.macro_f1 >= 0.85
    assert polarity.accuracy >= 0.85 and polarity.macro_f1 >= 0.85


def test_score_labels_macro_f1_counts_only_labels_that_occur():
    scores = score_labels([("a", "a"), ("a", "b"), ("b", "b")])

    assert scores.accuracy == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx({"a": 2 / 3, "b": 2 / 3})


CORPUS_FILES = ("awq.pdf", "aqas-slac.pdf", "int4-quantization.pdf", "physics-1111.2011v2.pdf")


@pytest.fixture(scope="module")
def corpus_pages() -> dict[str, list[str]]:
    return {name: [p.text for p in parse_pdf(corpus_path("pdfs", name)).pages] for name in CORPUS_FILES}


@pytest.fixture(scope="module")
def known_papers() -> dict[str, str]:
    with corpus_path("metadata", "papers.csv").open(newline="", encoding="utf-8") as f:
        return {row["arxiv_id"]: row["title"] for row in csv.DictReader(f)}


@pytest.mark.corpus
def test_corpus_numbered_list_has_every_number(corpus_pages):
    refs = extract_references(corpus_pages["awq.pdf"])

    assert refs is not None and refs.style == "numbered"
    assert [e.number for e in refs.entries] == list(range(1, 59))
    assert refs.entries[16].arxiv_id == "2210.17323"


@pytest.mark.corpus
def test_corpus_author_year_list_tells_two_frantar_papers_apart(corpus_pages):
    refs = extract_references(corpus_pages["aqas-slac.pdf"])

    assert refs is not None and refs.style == "author-year" and len(refs.entries) == 36
    labels = [e.label for e in refs.entries]
    assert "Frantar et al., 2022" in labels and "Frantar et al., 2023" in labels


@pytest.mark.corpus
def test_corpus_list_without_heading_is_found_but_superscripts_give_no_contexts(corpus_pages):
    pages = corpus_pages["physics-1111.2011v2.pdf"]
    refs = extract_references(pages)

    assert refs is not None and len(refs.entries) >= 15
    assert citation_contexts(pages, refs) == []


@pytest.mark.corpus
def test_corpus_matches_against_known_papers_are_the_ones_checked_by_hand(corpus_pages, known_papers):
    by_id = {arxiv_id: (arxiv_id, title) for arxiv_id, title in known_papers.items()}
    matcher = TitleMatcher(known_papers.items())
    refs = extract_references(corpus_pages["aqas-slac.pdf"])
    assert refs is not None

    matches = {e.label: m.key for e in refs.entries if (m := match_entry(e, by_id, matcher))}

    assert matches == {
        "Dettmers et al., 2022": "2208.07339",
        "Dettmers et al., 2023": "2306.03078",
        "Frantar et al., 2022": "2210.17323",
        "Frantar et al., 2023": "2210.17323",  # OPTQ, GPTQ's conference version
        "Lin et al., 2023": "2306.00978",
        "Liu et al., 2023": "2305.17888",
        "Park et al., 2023": "2206.09557",
        "Xiao et al., 2022": "2211.10438",
        "Yao et al., 2022": "2206.01861",
    }


@pytest.mark.corpus
def test_corpus_labeled_contexts_are_found_where_the_labels_say(corpus_pages):
    for name in CORPUS_FILES:
        refs = extract_references(corpus_pages[name])
        if refs is None:
            continue
        found = {(c.marker, c.page, c.sentence) for c in citation_contexts(corpus_pages[name], refs)}
        for labeled in (c for c in _intents() if c["file"] == name):
            assert (labeled["marker"], labeled["page"], labeled["sentence"]) in found
