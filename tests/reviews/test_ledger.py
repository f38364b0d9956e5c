"""The evidence ledger: quote re-verification, claims, the quality gate, disagreement, exports."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from benchmarks.leaderboards import build_cells
from reviews import exports, ledger
from reviews.derived import recompute_review
from reviews.models import Claim, ClaimStatus
from tests.conftest import corpus_path
from tests.factories import (
    add_to_review,
    make_beats,
    make_critique,
    make_method,
    make_paper,
    make_parsed_document,
    make_review,
)
from worker.reading.parse import parse_pdf
from worker.reading.quotes import find_quote

NOW = timezone.now()
HOSTILE = '=cmd|" /C calc"!A0 <script>alert(1)</script> [x](javascript:alert(1))'


@pytest.fixture(scope="module")
def awq_pages():
    document = parse_pdf(corpus_path("pdfs", "awq.pdf"))
    return [(page.number, page.text) for page in document.pages]


def test_true_quotes_from_a_real_paper_verify_and_altered_ones_do_not(awq_pages):
    page_number, text = awq_pages[3]
    sentence = next(s for s in text.replace("\n", " ").split(". ") if len(s) > 80)
    assert find_quote(sentence, awq_pages).found
    assert find_quote(sentence.upper(), awq_pages).page == page_number  # case and spacing do not matter
    words = sentence.split()
    altered = " ".join(words[: len(words) // 3] + ["fabricated", "claims", "about", "hardware", "kernels", "speed"] * 3)
    assert not find_quote(altered, awq_pages).found
    assert not find_quote("AWQ reaches 1.23 perplexity on every model at 1 bit.", awq_pages).found


@pytest.mark.django_db
def test_a_new_version_that_drops_a_quote_flags_it():
    paper = make_paper(abstract="")
    make_parsed_document(paper, 1, {3: "Round-to-nearest collapses at three bits because of outlier channels."})
    critique = make_critique(
        paper=paper, page=3, quote="Round-to-nearest collapses at three bits because of outlier channels."
    )
    assert ledger.verify_paper(paper).score == 1.0
    critique.refresh_from_db()
    assert (critique.quote_status, critique.quote_checked_version) == ("verified", 1)
    paper.version = 2
    paper.save()
    make_parsed_document(paper, 2, {3: "We rewrote this section entirely for the camera-ready version."})
    report = ledger.verify_paper(paper)
    critique.refresh_from_db()
    assert (critique.quote_status, critique.quote_checked_version) == ("missing", 2)
    assert report.failures[0]["id"] == critique.pk and report.failures[0]["page"] == 3


@pytest.mark.django_db
def test_claims_come_from_the_abstract_and_get_their_status_from_the_full_text():
    paper = make_paper(
        abstract="Quantization is popular. Our method outperforms GPTQ by 2.1 points on MMLU. "
        "It is also 3.2x faster than FP16 inference."
    )
    make_beats(paper=paper, method=make_method("Ours"), baseline=make_method("GPTQ"))
    ledger.extract_claims(paper, {})
    assert Claim.objects.filter(paper=paper).count() == 2
    assert all(c.status == ClaimStatus.PRELIMINARY for c in Claim.objects.all())
    claim = Claim.objects.get(sentence__contains="GPTQ")
    assert claim.beats.count() == 1
    make_parsed_document(paper, 1, {1: "Abstract. Our method outperforms GPTQ by 2.1 points on MMLU. More text."})
    ledger.verify_paper(paper)
    statuses = dict(Claim.objects.values_list("sentence", "status"))
    assert statuses["Our method outperforms GPTQ by 2.1 points on MMLU."] == ClaimStatus.SUPPORTED
    assert statuses["It is also 3.2x faster than FP16 inference."] == ClaimStatus.UNSUPPORTED


@pytest.mark.django_db
def test_the_quality_gate_blocks_on_unsupported_and_abstract_only_numbers():
    review = make_review()
    paper = make_paper(abstract="We beat SmoothQuant by 4.5 points at W4A4.")
    add_to_review(review, paper, fit="in_scope")
    ledger.extract_claims(paper, {})
    gate = ledger.quality_gate(review)
    assert not gate.ready and gate.preliminary_with_numbers == 1
    make_parsed_document(paper, 1, {1: "We beat SmoothQuant by 4.5 points at W4A4."})
    ledger.verify_paper(paper)
    gate = ledger.quality_gate(review)
    assert gate.ready and (gate.verified, gate.claims) == (1, 1)


@pytest.mark.django_db
def test_verify_quotes_exits_non_zero_below_the_threshold(capsys):
    review = make_review(slug="proof")
    paper = make_paper(abstract="")
    add_to_review(review, paper)
    make_parsed_document(paper, 1, {2: "GPTQ needs a calibration set of 128 samples."})
    make_critique(paper=paper, page=2, quote="GPTQ needs a calibration set of 128 samples.")
    make_critique(paper=paper, page=2, quote="A sentence no page of this paper contains at all, invented.")
    with pytest.raises(CommandError, match="proof score 0.500"):
        call_command("verify_quotes", "--review", "proof")
    out = capsys.readouterr().out
    assert "NOT FOUND" in out and "p.2" in out
    call_command("verify_quotes", "--review", "proof", "--min-score", "0.5")


@pytest.mark.parametrize(("values", "flagged"), [((1.0, 1.1625), True), ((1.0, 1.16), False)])
def test_the_disagreement_flag_fires_at_the_threshold_and_not_below(values, flagged):
    rows = [(i, i, 7, "LLaMA-2-7B", "W4A16", 3, v, 4, "approved", False) for i, v in enumerate(values, start=1)]
    cell = build_cells(rows, {7: True})[(7, "LLaMA-2-7B", "W4A16", 3)]
    assert (cell.spread >= 0.15) is flagged


@pytest.mark.django_db
def test_csv_and_markdown_exports_escape_hostile_text():
    review = make_review()
    paper = make_paper(title=HOSTILE, authors=[HOSTILE])
    add_to_review(review, paper)
    make_critique(paper=paper, method=make_method("GPTQ"), quote=HOSTILE, status="approved", decided_at=NOW)
    rows = list(csv.reader(io.StringIO(exports.evidence_matrix_csv(review))))
    assert rows[1][1].startswith("'=") and rows[1][11].startswith("'=")
    from reviews.synthesis import synthesis_markdown

    recompute_review(review.pk)
    markdown = synthesis_markdown(review) + exports.audit_report_md(review)
    assert "<script>" not in markdown and "](javascript:" not in markdown
    evil = make_paper(title="Evil} \\input{/etc/passwd}")
    add_to_review(review, evil)
    bib = exports.bibtex(review)
    assert "Evil\\} \\\\input\\{/etc/passwd\\}" in bib and "\\input{" not in bib


@pytest.mark.django_db
def test_ledger_is_public_but_exports_are_for_curators(client, charlie, alice):
    review = make_review()
    assert client.get(reverse("reviews:ledger", args=[review.slug])).status_code == 200
    assert client.get(reverse("reviews:synthesis", args=[review.slug])).status_code == 200
    url = reverse("reviews:export", args=[review.slug, "claims.csv"])
    assert client.get(url).status_code == 302
    client.force_login(charlie)
    assert client.get(url).status_code == 403
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('claims.csv"')
    assert client.get(reverse("reviews:export", args=[review.slug, "nope.txt"])).status_code == 404


@pytest.mark.django_db
def test_the_ledger_page_shows_the_gate_the_recompute_stored_and_counts_nothing(client, monkeypatch):
    review = make_review()
    paper = make_paper(abstract="We beat SmoothQuant by 4.5 points at W4A4.")
    add_to_review(review, paper, fit="in_scope")
    ledger.extract_claims(paper, {})
    assert b"not been recomputed yet" in client.get(reverse("reviews:ledger", args=[review.slug])).content
    recompute_review(review.pk)

    def counting(*args, **kwargs):
        raise AssertionError("the gate was computed during a request")

    monkeypatch.setattr(ledger, "quality_gate", counting)
    page = client.get(reverse("reviews:ledger", args=[review.slug]))
    assert b"1 preliminary claim(s) carry numbers" in page.content


@pytest.mark.django_db
def test_the_quality_gate_is_not_ready_while_included_papers_only_weakly_fit_the_scope():
    review = make_review()
    paper = make_paper(abstract="We beat SmoothQuant by 4.5 points at W4A4.")
    entry = add_to_review(review, paper, fit="weak")
    ledger.extract_claims(paper, {})
    make_parsed_document(paper, 1, {1: "We beat SmoothQuant by 4.5 points at W4A4."})
    ledger.verify_paper(paper)
    gate = ledger.quality_gate(review)
    assert not gate.ready and gate.reasons == ["1 included paper(s) only weakly fit the scope"]
    entry.fit = "in_scope"
    entry.save()
    assert ledger.quality_gate(review).ready


def test_bibtex_keys_read_like_a_readers_and_entries_carry_authors_and_year():
    assert exports.bibtex_key(["Ji Lin", "Jiaming Tang"], 2023, "AWQ: Activation-aware Weight Quantization") == (
        "lin2023awq"
    )
    assert exports.bibtex_key(["Dettmers, Tim"], 2022, "The case for 4-bit precision") == "dettmers2022case"
    assert exports.bibtex_key(["Élie Müller"], 2024, "On Über-Quantization") == "muller2024uber"
    assert exports.bibtex_key([], None, "") == "paper"


@pytest.mark.django_db
def test_the_bibtex_export_names_authors_and_keeps_keys_unique():
    review = make_review()
    published = dt.datetime(2023, 6, 1, tzinfo=dt.UTC)
    for arxiv_id in ("2306.00978", "2306.00979"):
        paper = make_paper(
            arxiv_id=arxiv_id, title="AWQ: Activation-aware", authors=["Ji Lin", "Song Han"], published=published
        )
        add_to_review(review, paper)
    bib = exports.bibtex(review)
    assert "@misc{lin2023awq," in bib and "@misc{lin2023awqb," in bib
    assert "author = {Ji Lin and Song Han}" in bib and "year = {2023}" in bib
