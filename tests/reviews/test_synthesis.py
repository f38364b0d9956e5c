"""The synthesis draft as a document, composed offline from the review's receipts and the papers' own
sentences: every section, citations with pages, whole-sentence quotes, like-for-like numbers."""

import pytest
from django.urls import reverse

from reviews import synthesis_evidence
from reviews.derived import recompute_review
from reviews.models import Claim
from reviews.synthesis import compose_receipts_draft, latest_draft, readable, synthesis_markdown
from reviews.synthesis_compose import SECTIONS, SYNTHESIS_PARTS
from reviews.synthesis_evidence import VALUES_PER_CELL, looks_whole, quoted, whole_sentence
from tests.factories import add_to_review, make_critique, make_paper, make_parsed_document, make_review
from tests.reviews.conftest import DETTMERS, LEE, LIN, OUTSIDE, RTN_FRAGMENT, RTN_SENTENCE, WEAK, review_reporting


def document(review):
    return readable(latest_draft(review))


def prose(doc):
    """Every sentence of the findings and of the cross-paper synthesis."""
    sentences = [s for f in doc["findings"] for s in f["sentences"]]
    return sentences + [s for key, _ in SYNTHESIS_PARTS for s in doc["synthesis"][key]]


def test_the_recompute_stores_a_document_with_every_section(synth):
    doc = document(synth)
    assert doc["title"] == "LLM quantization: a living systematic review"
    assert {key for key, _ in SECTIONS} <= set(doc)
    assert doc["abstract"] and doc["questions"] == synth.research_questions
    assert doc["method"]["extractors"] == [{"name": "rules", "version": "1", "receipts": 16}]
    assert doc["gate"]["verified"] == 2 and doc["gate"]["preliminary"] == 1 and doc["gate"]["weak_scope"] == 1
    assert doc["gate"]["out_of_scope"] == 1 and doc["gate"]["ready"] is False
    assert all(doc["synthesis"][key] for key, _ in SYNTHESIS_PARTS)
    assert doc["comparison"]["rows"] and doc["limitations"] and doc["references"]
    assert doc["audit"]["claims"]["Supported: found in the full text"] == 2


def test_every_finding_and_synthesis_sentence_cites_a_paper_of_the_review(synth):
    doc = document(synth)
    for s in prose(doc):
        assert s["cites"], s["text"]
        assert {c["paper"] for c in s["cites"]} <= {LIN, LEE, DETTMERS, WEAK}, s
        assert s["refs"], s  # grounded in a receipt or a claim row
    assert OUTSIDE not in str(doc)  # the out-of-scope paper's receipts feed nothing
    key = doc["synthesis"]["key_findings"][0]
    assert key["text"] == "AWQ beats GPTQ on WikiText-2 perplexity (LLaMA-7B, W4A16): 6 against 6.5."
    assert key["cites"] == [{"paper": LIN, "label": "Lin et al., 2023", "page": 6, "locator": "Table 3"}]


def test_agreement_is_never_made_of_full_precision_rows(synth):
    doc = document(synth)
    agreement = " ".join(s["text"] for s in doc["synthesis"]["agreement"])
    assert "2 papers report AWQ on WikiText-2 perplexity (LLaMA-7B, W4A16) within 2% of each other" in agreement
    assert "FP16" not in agreement and "5.68" not in agreement
    # The two papers' identical FP16 numbers are in the table, as reference rows only.
    (reference,) = [r for r in doc["comparison"]["rows"] if r["model"] == "LLaMA-7B" and r["method"] == "FP16"]
    assert reference["reference"] and not reference["flagged"]
    assert all("FP16" not in s["text"] for s in doc["synthesis"]["key_findings"])  # nor "beats FP16"


def test_numbers_are_compared_like_with_like_and_flagged_at_the_threshold(synth):
    rows = {(r["method"], r["model"], r["setting"]): r for r in document(synth)["comparison"]["rows"]}
    assert rows[("GPTQ", "LLaMA-7B", "W4A16")]["flagged"] and rows[("GPTQ", "LLaMA-7B", "W4A16")]["spread"] >= 0.15
    assert not rows[("AWQ", "LLaMA-7B", "W4A16")]["flagged"]
    # SmoothQuant is reported at W4A8 and W8A8, and on another model: never set against each other.
    assert not [key for key in rows if key[0] == "SmoothQuant"]
    values = rows[("GPTQ", "LLaMA-7B", "W4A16")]["values"]
    assert [(v["value"], v["paper"], v["page"]) for v in values] == [("6.50", LIN, 6), ("7.60", LEE, 8)]
    tension = document(synth)["synthesis"]["tension"][0]
    assert (
        tension["text"]
        == "Papers disagree on GPTQ for WikiText-2 perplexity (LLaMA-7B, W4A16): 6.50 and 7.60, 16% apart."
    )


@pytest.mark.parametrize(("values", "flagged"), [((1.0, 1.1625), True), ((1.0, 1.16), False)])
def test_the_comparison_flags_a_spread_of_fifteen_percent_and_not_below(db, values, flagged):
    (row,) = document(review_reporting(values))["comparison"]["rows"]
    assert row["flagged"] is flagged


def test_a_number_many_papers_report_lists_both_ends_and_counts_the_rest(db):
    """At scale one number is reported by thousands of papers: the document lists ten of them (the
    lowest, the highest, evenly between) and says how many there are, instead of listing them all."""
    review = review_reporting([6 + n / 10 for n in range(25)])
    (row,) = document(review)["comparison"]["rows"]
    shown = [float(v["value"]) for v in row["values"]]
    assert len(shown) == VALUES_PER_CELL and row["papers"] == 25
    assert shown[0] == 6.0 and shown[-1] == 8.4 and shown == sorted(shown)
    assert "10 of 25 papers shown" in synthesis_markdown(review)


def test_quotes_are_whole_sentences_never_cut(synth):
    doc = document(synth)
    quotes = [s["quote"] for s in prose(doc) + doc["limitations"] if s["quote"]]
    assert RTN_SENTENCE in quotes  # the page's whole sentence, where the extractor kept a fragment
    assert all(looks_whole(q) for q in quotes)
    assert RTN_FRAGMENT not in quotes


def test_a_quote_is_widened_to_its_sentences_or_not_shown():
    page = ["AWQ keeps salient weights.", "It scales them per channel before rounding.", "Then it rounds."]
    assert whole_sentence("scales them per channel", page) == "It scales them per channel before rounding."
    assert (
        whole_sentence("salient weights. It scales", page)
        == "AWQ keeps salient weights. It scales them per channel before rounding."
    )
    assert whole_sentence("not on this page", page) == ""
    assert quoted("them per channel before roun", page) == "It scales them per channel before rounding."
    assert quoted("them per channel before roun", None) == ""  # a fragment with no page to widen it: not quoted
    assert quoted("The quantiza- tion error grows at 3 bits.", None) == "The quantization error grows at 3 bits."


def test_the_evidence_base_gives_each_papers_role_claim_depth_status_and_fit(synth):
    rows = {r["paper"]: r for r in document(synth)["evidence_base"]}
    assert set(rows) == {LIN, LEE, DETTMERS, WEAK}
    lin = rows[LIN]
    assert lin["role"] == "Proposes AWQ; compares AWQ with baselines; reports 5 results"
    assert lin["claim"]["quote"] == "AWQ outperforms GPTQ by 0.5 perplexity on LLaMA-7B at 4 bits."
    assert lin["claim"]["cites"][0]["page"] == 1
    assert (lin["depth"], lin["status"], lin["fit"]) == ("full text", "verified", "In scope")
    assert (rows[DETTMERS]["depth"], rows[DETTMERS]["status"]) == ("abstract only", "preliminary")
    assert rows[WEAK]["fit"] == "Weak fit" and rows[WEAK]["claim"] is None


def test_findings_answer_each_research_question_from_the_evidence_bearing_on_it(synth):
    beat_gptq, collapse = document(synth)["findings"]
    assert beat_gptq["question"] == "Which methods beat GPTQ on WikiText-2 perplexity?"
    assert "AWQ beats GPTQ on WikiText-2 perplexity" in beat_gptq["sentences"][0]["text"]
    assert RTN_SENTENCE in [s["quote"] for s in collapse["sentences"]]


def test_limitations_name_the_curation_state_and_the_full_precision_disagreement(synth):
    texts = [s["text"] for s in document(synth)["limitations"]]
    assert (
        texts[0]
        == "Every receipt was extracted by machine; 0 of 16 have been approved by a curator, 16 await review and 0 were rejected."
    )
    setups = next(s for s in document(synth)["limitations"] if "full-precision reference numbers differ" in s["text"])
    assert "LLaMA-13B" in setups["text"] and {c["paper"] for c in setups["cites"]} == {LIN, LEE}
    assert "1 included paper only weakly fits the scope or is not assessed yet." in texts


def test_references_carry_authors_title_year_and_arxiv_link(synth):
    refs = {r["arxiv_id"]: r for r in document(synth)["references"]}
    assert refs[LIN] | {"label": "Lin et al., 2023"} == {
        "key": "lin2023awq",
        "label": "Lin et al., 2023",
        "authors": ["Ji Lin", "Jiaming Tang", "Song Han"],
        "title": "AWQ: Activation-aware Weight Quantization",
        "year": 2023,
        "arxiv_id": LIN,
        "url": refs[LIN]["url"],
        "doi": "",
    }
    assert refs[DETTMERS]["label"] == "Dettmers and Zettlemoyer, 2022"


def test_the_claim_audit_scores_quote_re_verification(synth):
    Claim.objects.filter(paper__arxiv_id=LIN).update(checked_at=synth.created_at)
    make_critique(paper=synth.entries.get(paper__arxiv_id=LEE).paper, quote="Gone.", quote_status="missing")
    compose_receipts_draft(synth)
    audit = document(synth)["audit"]
    assert audit["found"] == 1 and audit["checked"] == 2 and audit["proof_score"] == 0.5


def test_limitations_quote_what_a_paper_says_of_its_own_limits_on_its_page(synth):
    lin = synth.entries.get(paper__arxiv_id=LIN).paper
    make_parsed_document(
        lin,
        1,
        {
            3: "Related work\nOther methods have limitations on hardware that does not support mixed types.\n",
            9: (
                "6 Limitations\nWe believe every work should clearly state its limitations.\n"
                "We leave the evaluation of AWQ on encoder models to future work.\n"
            ),
        },
    )
    compose_receipts_draft(synth)
    own = [s for s in document(synth)["limitations"] if s["text"] == "A limitation the paper states:"]
    assert [(s["quote"], s["cites"][0]["page"]) for s in own] == [
        ("We leave the evaluation of AWQ on encoder models to future work.", 9)
    ]  # the related-work sentence names others' limits, and the first on page 9 only talks of stating them


def test_numeric_claims_no_other_paper_measures_are_listed_apart(synth):
    unmatched = document(synth)["comparison"]["unmatched"]
    assert unmatched == []  # both papers with verified numbers have like-for-like rows
    review = make_review()
    paper = make_paper(arxiv_id="2402.99999")
    add_to_review(review, paper)
    Claim.objects.create(
        paper=paper,
        sentence="Our kernels run 2.4× faster than FP16 kernels.",
        origin="conclusion",
        has_numbers=True,
        is_comparison=True,
        status="supported",
        page=7,
    )
    recompute_review(review.pk)
    (alone,) = document(review)["comparison"]["unmatched"]
    assert alone["quote"] == "Our kernels run 2.4× faster than FP16 kernels." and alone["cites"][0]["page"] == 7


def test_the_evidence_base_lists_the_newest_papers_and_says_of_how_many(synth, monkeypatch, client):
    monkeypatch.setattr(synthesis_evidence, "MAX_PAPERS", 2)
    compose_receipts_draft(synth)
    doc = document(synth)
    listed = [r["paper"] for r in doc["evidence_base"]]
    assert len(listed) == 2 and doc["included_papers"] > 2
    assert WEAK in listed and DETTMERS not in listed  # 2024 kept, 2022 (the oldest) cut
    page = client.get(reverse("reviews:synthesis", args=[synth.slug]))
    assert f"The newest 2 of {doc['included_papers']} included papers".encode() in page.content
