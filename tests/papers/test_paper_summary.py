"""The paper page's structured summary: built at extract time, stored, read by the page in a
constant number of queries; confidence and next checks added at render time."""

import io
import shutil

import pytest
from django.core.management import call_command

from papers.claude_summary import summarize_document
from papers.models import Paper, PaperSummary
from papers.summaries import LIMITATION_HEAD, is_closing, located_sentences
from papers.summary_services import build_summary, page_texts, parsed_document
from reviews.services import load_reference_data
from tests.conftest import corpus_path
from tests.factories import approved, make_method, make_paper, make_parsed_document, make_result
from tests.papers.conftest import foo_paper, parsed_foo_paper

HOSTILE = '<script>alert("x")</script>'
SECTIONS = (
    ("quick-facts", "Quick facts"),
    ("executive-summary", "Executive summary"),
    ("method-summary", "Method summary"),
    ("key-results", "Key results"),
    ("mechanisms", "Why it works (mechanisms)"),
    ("concepts", "Foundational concepts"),
    ("open-questions", "Open questions"),
    ("limitations", "Limitations"),
    ("confidence", "Confidence"),
    ("next-checks", "Next checks"),
)


@pytest.mark.django_db
def test_the_summary_is_stored_at_extract_time_and_the_page_shows_every_section(client, settings):
    paper = foo_paper(settings)
    summary = PaperSummary.objects.get(paper=paper)
    assert summary.generator == "extractive"
    assert summary.limitations[0] == {
        "text": "A limitation of our work is that we only evaluate models with up to 13 billion parameters.",
        "page": 3,
        "section": "§5 Conclusion",
    }
    assert summary.key_results[0]["baseline"] == "GPTQ" and summary.facts["primary"]["value"] == "5.9"
    assert [m["name"] for m in summary.facts["methods"]] == ["FooQuant"]
    html = client.get(paper.get_absolute_url()).content.decode()
    positions = [html.index(f'id="{anchor}"') for anchor, _ in SECTIONS]
    assert positions == sorted(positions), "sections in the order of the brief"
    for _, heading in SECTIONS:
        assert f"<h2>{heading}</h2>" in html
    assert html.index('id="next-checks"') < html.index('id="receipts"')
    assert "Our kernels do not support older GPUs without tensor cores at all." in html and "p.&nbsp;3" in html
    assert "Run GPTQ on LLaMA-2-7B at W3A16" in html  # FooQuant ran there, GPTQ did not


@pytest.mark.django_db
def test_the_page_never_builds_a_summary(client, settings):
    paper, _ = parsed_foo_paper(settings)
    response = client.get(paper.get_absolute_url())
    assert response.context["summary"] is None and not PaperSummary.objects.exists()
    assert b'id="quick-facts"' in response.content and b"summary is written when" in response.content
    assert b'id="executive-summary"' not in response.content


@pytest.mark.django_db
def test_a_section_the_paper_has_nothing_for_is_hidden(client, settings):
    settings.ANTHROPIC_API_KEY = ""
    paper = make_paper(abstract="We propose BarQuant, a quantizer.")
    document = make_parsed_document(
        paper, 1, {1: "1 Introduction\nWe propose BarQuant, which rounds weights to four bits.\n"}
    )
    summarize_document(document.pk)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'id="executive-summary"' in html
    for anchor in ("limitations", "open-questions", "mechanisms", "key-results", "confidence"):
        assert f'id="{anchor}"' not in html


@pytest.mark.django_db
def test_the_paper_page_query_count_does_not_grow(client, settings, django_assert_max_num_queries):
    paper = foo_paper(settings)
    with django_assert_max_num_queries(20) as queries:
        assert client.get(paper.get_absolute_url()).status_code == 200
    baseline = len(queries.captured_queries)
    foo = paper.introduced_methods.get()
    wiki = foo.results.first().benchmark
    for n in range(12):  # other papers reporting the key results' numbers, and more receipts
        other = make_paper()
        make_result(paper=other, method=foo, benchmark=wiki, value=5.9 + n, value_text=f"{5.9 + n}", locator="Table 1")
        make_result(paper=paper, method=make_method(), benchmark=wiki, value=7.0 + n, locator="Table 2", page=2)
    build_summary(paper.pk)
    with django_assert_max_num_queries(baseline):
        assert client.get(paper.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_confidence_shows_the_receipt_quote_check_and_disagreeing_papers(client, settings):
    paper = foo_paper(settings)
    foo = paper.introduced_methods.get()
    key = PaperSummary.objects.get(paper=paper).key_results[0]
    foo.results.filter(pk=key["result_id"]).update(**approved(quote_status="verified"))
    agreeing, disagreeing = make_paper(), make_paper()
    make_result(paper=agreeing, method=foo, benchmark_id=key["benchmark_id"], value=5.95, value_text="5.95")
    make_result(paper=disagreeing, method=foo, benchmark_id=key["benchmark_id"], value=8.4, value_text="8.4", page=7)
    response = client.get(paper.get_absolute_url())
    row = response.context["confidence"][0]
    assert (row["status"], row["quote_status"], row["level"], row["disputed"]) == ("approved", "verified", "low", True)
    assert [(r["paper"].pk, r["disagrees"]) for r in row["reports"]] == [(agreeing.pk, False), (disagreeing.pk, True)]
    checks = response.context["checks"]
    assert checks[0].startswith("Resolve a disagreement: this paper reports 5.9 for FooQuant on WikiText-2")
    assert f"{disagreeing.arxiv_id} reports 8.4 (p. 7)" in checks[0]


@pytest.mark.django_db
def test_the_papers_words_are_escaped_in_every_section(client, settings):
    settings.ANTHROPIC_API_KEY = ""
    paper = make_paper(abstract=f"We propose FooQuant {HOSTILE}, a method that rounds weights in small groups.")
    page = f"5 Conclusion\nA limitation of our work is that we only test {HOSTILE} on small models today.\n"
    document = make_parsed_document(paper, 1, {1: page})
    summarize_document(document.pk)
    summary = PaperSummary.objects.get(paper=paper)
    assert HOSTILE in summary.limitations[0]["text"] and HOSTILE in summary.executive[0]["text"]
    html = client.get(paper.get_absolute_url()).content.decode()
    assert HOSTILE not in html and "&lt;script&gt;" in html


# --------------------------------------------------------------------------------------------
# The real corpus


@pytest.mark.django_db(transaction=True)
def test_awq_summary_from_the_real_pdf_has_every_section_located_on_its_pages(tmp_path, settings):
    settings.ANTHROPIC_API_KEY = ""
    pdf = corpus_path("pdfs", "awq.pdf")  # skips, saying why, when the corpus is absent
    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(pdf, folder / "awq.pdf")
    load_reference_data()
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder), stdout=io.StringIO())
    paper = Paper.objects.get(arxiv_id="2306.00978")
    summary = PaperSummary.objects.get(paper=paper)
    pages = page_texts(parsed_document(paper))
    for name in ("executive", "mechanisms", "limitations", "open_questions"):
        items = getattr(summary, name)
        assert items and all(isinstance(s["page"], int) and s["page"] in pages for s in items), name
    assert (
        summary.method["sentences"]
        and summary.method["calibration"]
        and all(s["page"] for s in summary.method["sentences"])
    )
    assert summary.key_results and all(k["page"] and k["locator"].startswith("Table") for k in summary.key_results)
    assert summary.concepts and any(c["sentence"] and c["sentence"]["page"] for c in summary.concepts)
    assert summary.facts["page_count"] == 15 and summary.facts["methods"][0]["name"] == "AWQ"
    # Limitations come from the paper's own limitations or closing text, never from the method
    # section's "Limitations:" paragraph (a strawman's limit), nor from critiques of other methods.
    located = {s.text: s for s in located_sentences(pages.items())}
    critiques = set(paper.critiquereceipts.values_list("quote", flat=True))
    for item in summary.limitations:
        where = located[item["text"]]
        assert LIMITATION_HEAD.search(f"{where.section} {where.topic}") or is_closing(where), item
        assert item["text"] not in critiques
    assert not any(
        "mixed-precision data type will make the system implementation difficult" in s["text"]
        for s in summary.limitations
    )
    assert any("we only study low-bit integer quantization" in s["text"] for s in summary.limitations)
    assert any("future work" in s["text"] for s in summary.open_questions)


@pytest.mark.django_db
def test_a_number_many_papers_report_lists_ten_and_counts_the_rest(client, settings):
    paper = foo_paper(settings)
    foo = paper.introduced_methods.get()
    key = PaperSummary.objects.get(paper=paper).key_results[0]
    for _ in range(13):
        make_result(paper=make_paper(), method=foo, benchmark_id=key["benchmark_id"], value=5.95, value_text="5.95")
    response = client.get(paper.get_absolute_url())
    row = response.context["confidence"][0]
    assert len(row["reports"]) == 10 and row["more_reports"] == 3
    assert b"and 3 more" in response.content
