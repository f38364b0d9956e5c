"""papers.citation_services: references stored and matched, citation receipts, and what they feed on method hubs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from baselines.hub import citing_papers, method_hub
from papers import citation_services
from papers.citation_services import EXTRACTOR, EXTRACTOR_VERSION, extract_citations, store_citations
from papers.models import Citation, CitationPolarity, CitationRole, Paper, PaperDocument, ParsedPage, Reference
from papers.provenance import ReceiptStatus
from tests.conftest import corpus_path
from tests.factories import make_method, make_paper
from worker.reading.parse import parse_pdf

BODY = """1 Introduction
Weight-only quantization is popular [1, 2]. We compare against GPTQ [1] and outperform it on
LLaMA models. SmoothQuant [2] fails at 4-bit activa-
tions. We use AWQ [3] to calibrate. Earlier studies [4, 5] looked at BERT.
"""
REFERENCES = """References
[1] Elias Frantar, Saleh Ashkboos, Torsten Hoefler, and Dan Alistarh. Gptq: Accurate post-training
quantization for generative pre-trained transformers. arXiv preprint arXiv:2210.17323, 2022.
[2] Guangxuan Xiao, Ji Lin, Mickael Seznec, Hao Wu, Julien Demouth, and Song Han. Smoothquant: Accurate
and efficient post-training quantization for large language models. In ICML, 2023.
[3] Ji Lin, Jiaming Tang, Haotian Tang, Shang Yang, Xingyu Dang, and Song Han. Awq: Activation-aware
weight quantization for llm compression and acceleration. arXiv preprint arXiv:2306.00978v2, 2023.
[4] Xiaoxia Wu, Cheng Li, Reza Yazdani Aminabadi, Zhewei Yao, and Yuxiong He. Understanding int8
quantization for transformer models: Latency speedup, composability, and failure cases. In ICML, 2023.
[5] Ada Lovelace. A paper nobody has heard of. In Workshop, 2020.
"""


@pytest.fixture
def known(db):
    """The citing paper, papers the references name, and GPTQ's method."""
    gptq = make_paper(
        arxiv_id="2210.17323", title="GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"
    )
    smoothquant = make_paper(
        arxiv_id="2211.10438",
        title="SmoothQuant: Accurate and Efficient Post-Training Quantization for Large Language Models",
    )
    int4 = make_paper(
        arxiv_id="2301.12017",
        title="Understanding INT4 Quantization for Transformer Models: Latency Speedup, Composability, and Failure Cases",
    )
    method = make_method("GPTQ", introduced_by=gptq)
    citing = make_paper(arxiv_id="2401.00001", title="Our quantization paper")
    return {"citing": citing, "gptq": gptq, "smoothquant": smoothquant, "int4": int4, "method": method}


def _rows(paper: Paper) -> set[tuple[str, str, str, str, str, str]]:
    return {
        (c.cited.arxiv_id, c.locator, c.role, c.polarity, c.method.name if c.method else "", c.status)
        for c in Citation.objects.filter(paper=paper).select_related("cited", "method")
    }


def test_references_are_stored_and_matched_by_id_title_or_stub(known):
    report = store_citations(known["citing"], [BODY, REFERENCES])

    assert (report.references, report.matched, report.stubs) == (5, 3, 1)
    refs = list(Reference.objects.filter(paper=known["citing"]).order_by("position"))
    assert [r.label for r in refs] == ["1", "2", "3", "4", "5"]
    assert refs[0].matched_paper == known["gptq"] and refs[0].match_score == 100.0
    assert refs[1].matched_paper == known["smoothquant"] and refs[1].match_score >= 88
    assert refs[2].arxiv_id == "2306.00978" and refs[2].matched_paper.is_stub
    assert (
        refs[2].matched_paper.title == "Awq: Activation-aware weight quantization for llm compression and acceleration"
    )
    # INT8 is not INT4: a near-duplicate title stays unmatched, as does a paper nobody knows.
    assert refs[3].matched_paper is None and refs[4].matched_paper is None


def test_citation_receipts_carry_role_polarity_method_and_provenance(known):
    report = store_citations(known["citing"], [BODY, REFERENCES])

    assert report.written == 5
    assert _rows(known["citing"]) == {
        ("2210.17323", "[1, 2]", "background", "supporting", "GPTQ", "pending"),
        ("2211.10438", "[1, 2]", "background", "supporting", "", "pending"),
        ("2210.17323", "[1]", "compares", "contrasting", "GPTQ", "pending"),
        ("2211.10438", "[2]", "background", "contrasting", "", "pending"),
        ("2306.00978", "[3]", "uses", "neutral", "", "pending"),
    }
    fails = Citation.objects.get(paper=known["citing"], locator="[2]")
    # The quote is the sentence with its line break and hyphenation undone.
    assert fails.quote == "SmoothQuant [2] fails at 4-bit activations."
    assert (fails.page, fails.extractor, fails.extractor_version) == (1, EXTRACTOR, EXTRACTOR_VERSION)
    assert fails.reference.position == 2 and 0 < fails.confidence <= 1


def test_rerunning_replaces_pending_receipts_and_keeps_reference_rows(known):
    store_citations(known["citing"], [BODY, REFERENCES])
    reference_ids = list(
        Reference.objects.filter(paper=known["citing"]).order_by("position").values_list("pk", flat=True)
    )
    before = _rows(known["citing"])

    report = store_citations(known["citing"], [BODY, REFERENCES])

    assert (report.replaced, report.written, report.stubs) == (5, 5, 0)
    assert _rows(known["citing"]) == before
    assert (
        list(Reference.objects.filter(paper=known["citing"]).order_by("position").values_list("pk", flat=True))
        == reference_ids
    )
    assert Paper.objects.filter(arxiv_id="2306.00978").count() == 1


def test_rerunning_never_touches_decided_or_other_extractor_receipts(known, alice):
    store_citations(known["citing"], [BODY, REFERENCES])
    approved = Citation.objects.get(paper=known["citing"], locator="[1]")
    Citation.objects.filter(pk=approved.pk).update(
        status=ReceiptStatus.APPROVED, decided_by=alice, decided_at=timezone.now(), role=CitationRole.USES
    )
    other = Citation.objects.create(
        paper=known["citing"], cited=known["int4"], quote="Older pass.", extractor=EXTRACTOR, extractor_version="0"
    )

    report = store_citations(known["citing"], [BODY, REFERENCES])

    assert (report.kept_decided, report.written) == (1, 4)
    approved.refresh_from_db()
    assert (approved.status, approved.role) == (ReceiptStatus.APPROVED, CitationRole.USES)
    assert Citation.objects.filter(paper=known["citing"], locator="[1]").count() == 1
    assert Citation.objects.filter(pk=other.pk).exists()


def test_a_shorter_list_drops_the_references_past_its_end(known):
    store_citations(known["citing"], [BODY, REFERENCES])
    shorter = REFERENCES.split("[4]")[0]

    report = store_citations(known["citing"], [BODY, shorter])

    assert report.references == 3
    assert list(Reference.objects.filter(paper=known["citing"]).values_list("position", flat=True)) == [1, 2, 3]


def test_a_paper_citing_its_own_arxiv_id_gets_no_self_citation(known):
    own = "[1] Our Selves. Our quantization paper. arXiv preprint arXiv:2401.00001, 2024.\n[2] A B. Another. 2020.\n[3] C D. More. 2021."

    report = store_citations(known["citing"], ["We extend our work [1].", f"References\n{own}"])

    assert (report.matched, report.stubs, report.written) == (0, 0, 0)


def test_title_candidates_come_from_the_database_when_it_is_large(known, monkeypatch):
    monkeypatch.setattr(citation_services, "TITLE_INDEX_LIMIT", 0)

    store_citations(known["citing"], [BODY, REFERENCES])

    assert Reference.objects.get(paper=known["citing"], position=2).matched_paper == known["smoothquant"]
    assert Reference.objects.get(paper=known["citing"], position=4).matched_paper is None


def test_extract_hook_reads_the_stored_pages_of_a_document(known):
    document = PaperDocument.objects.create(paper=known["citing"], version=1, status="parsed", page_count=2)
    ParsedPage.objects.bulk_create(
        [ParsedPage(document=document, number=1, text=BODY), ParsedPage(document=document, number=2, text=REFERENCES)]
    )

    assert extract_citations(document.pk) == 5
    assert extract_citations(document.pk) == 5
    assert Citation.objects.filter(paper=known["citing"]).count() == 5


def test_a_document_without_a_reference_list_writes_nothing(known):
    document = PaperDocument.objects.create(paper=known["citing"], version=1, status="parsed", page_count=1)
    ParsedPage.objects.create(document=document, number=1, text="Only a body [1] here.")

    assert extract_citations(document.pk) == 0


def test_receipts_written_here_feed_the_method_hub(known):
    store_citations(known["citing"], [BODY, REFERENCES])

    hub = method_hub(known["method"])

    # One citing paper, citing GPTQ once as background and once to compare against it (unreviewed):
    # it counts once, and a tie goes to the more specific role.
    assert {(s["key"], s["papers"], s["share"]) for s in hub["role_shares"]} == {("compares", 1, 1.0)}
    assert [(c.paper, c.contexts, c.citation.locator) for c in hub["representative"]] == [(known["citing"], 2, "[1]")]


def _citation(
    paper: Paper, cited: Paper, role: str, polarity: str, status: str = ReceiptStatus.APPROVED, **extra
) -> Citation:
    decided = {} if status == ReceiptStatus.PENDING else {"decided_at": timezone.now()}
    return Citation.objects.create(
        paper=paper,
        cited=cited,
        role=role,
        polarity=polarity,
        status=status,
        quote=f"{paper.arxiv_id} cites {cited.arxiv_id}.",
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
        **decided,
        **extra,
    )


@pytest.mark.django_db
def test_hub_shares_from_a_known_set_of_receipts():
    introducing = make_paper(title="The method's paper")
    method = make_method("Rounder", introduced_by=introducing)
    a, b, c, d = (make_paper(title=f"Citing {n}") for n in "abcd")
    _citation(a, introducing, CitationRole.COMPARES, CitationPolarity.CONTRASTING, method=method, confidence=0.9)
    _citation(a, introducing, CitationRole.BACKGROUND, CitationPolarity.NEUTRAL)
    _citation(b, introducing, CitationRole.USES, CitationPolarity.SUPPORTING)  # linked through introduced_by only
    _citation(
        c, introducing, CitationRole.COMPARES, CitationPolarity.NEUTRAL, status=ReceiptStatus.PENDING, confidence=0.6
    )
    _citation(d, introducing, CitationRole.BACKGROUND, CitationPolarity.CONTRASTING, status=ReceiptStatus.REJECTED)

    hub = method_hub(method)

    roles = {s["key"]: (s["papers"], s["share"]) for s in hub["role_shares"]}
    polarities = {s["key"]: (s["papers"], s["share"]) for s in hub["polarity_shares"]}
    # Each citing paper once (d's only receipt was rejected): a compares and uses a tie; its one
    # non-neutral sentence makes it contrasting.
    assert roles == {"compares": (2, 2 / 3), "uses": (1, 1 / 3)}
    assert polarities == {"contrasting": (1, 1 / 3), "supporting": (1, 1 / 3), "neutral": (1, 1 / 3)}
    assert [r.paper for r in hub["representative"]][:1] == [a]
    assert {r.paper for r in hub["representative"]} == {a, b, c}
    assert {r["paper_id"] for r in citing_papers(method, role=CitationRole.COMPARES)} == {a.pk, c.pk}
    assert {r["paper_id"] for r in citing_papers(method, polarity=CitationPolarity.SUPPORTING)} == {b.pk}


@pytest.fixture(scope="module")
def awq_pages() -> list[str]:
    return [page.text for page in parse_pdf(corpus_path("pdfs", "awq.pdf")).pages]


@pytest.mark.corpus
@pytest.mark.django_db
def test_corpus_paper_cites_the_methods_it_compares_against(awq_pages):
    awq = make_paper(
        arxiv_id="2306.00978", title="AWQ: Activation-aware Weight Quantization for LLM Compression and Acceleration"
    )
    gptq = make_paper(
        arxiv_id="2210.17323", title="GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"
    )
    method = make_method("GPTQ", introduced_by=gptq)

    report = store_citations(awq, awq_pages)

    assert report.references == 58 and report.stubs > 20
    gptq_citations = Citation.objects.filter(paper=awq, cited=gptq)
    assert gptq_citations.count() >= 10 and all(c.method == method for c in gptq_citations)
    assert gptq_citations.filter(role=CitationRole.COMPARES).exists()
    assert all(c.locator in c.quote and c.page for c in Citation.objects.filter(paper=awq))
