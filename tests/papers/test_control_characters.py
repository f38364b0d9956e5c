"""Control characters (from a PDF's first line, a feed entry) are stripped before a paper is stored:
XML forbids them, so one of them in a title would make every Atom feed of the review fail."""

import pytest
from django.urls import reverse
from lxml import etree

from papers.models import Paper
from papers.services import fill_from_front_matter, upsert_papers
from tests.factories import add_to_review, make_paper, make_review, paper_record
from worker.reading.front_matter import FrontMatter

DIRTY = "Ex\x01treme\x1b[31m quantization\x00\x7f\x9b"
CLEAN = "Extreme[31m quantization"


@pytest.mark.django_db
def test_an_upserted_feed_record_is_stored_without_control_characters():
    record = paper_record(
        title=DIRTY, abstract=DIRTY, authors=[DIRTY], categories=["cs.\x01LG"], comment=DIRTY, journal_ref=DIRTY
    )
    upsert_papers([record])
    paper = Paper.objects.get(arxiv_id=record["arxiv_id"])
    assert (paper.title, paper.abstract, paper.authors, paper.categories) == (CLEAN, CLEAN, [CLEAN], ["cs.LG"])
    assert (paper.comment, paper.journal_ref) == (CLEAN, CLEAN)


@pytest.mark.django_db
def test_front_matter_read_from_a_pdf_is_stored_without_control_characters():
    paper = make_paper(is_stub=True, title="2401.99999", arxiv_id="2401.99999")
    fill_from_front_matter(paper.pk, FrontMatter(title=DIRTY, authors=[DIRTY], abstract=DIRTY))
    paper.refresh_from_db()
    assert (paper.title, paper.authors, paper.abstract) == (CLEAN, [CLEAN], CLEAN)


@pytest.mark.django_db
def test_a_paper_saved_with_a_pdf_title_is_stored_without_control_characters():
    paper, _ = Paper.objects.get_or_create(arxiv_id="2401.99998", defaults={"title": DIRTY, "is_stub": True})
    paper.refresh_from_db()
    assert paper.title == CLEAN


@pytest.mark.django_db
def test_the_papers_feed_stays_well_formed_when_a_stored_title_holds_control_characters(client):
    review = make_review()
    paper = make_paper()
    Paper.objects.filter(pk=paper.pk).update(title="Bad\x01 title\x1b", abstract="An\x0c abstract")
    add_to_review(review, paper)
    response = client.get(reverse("reviews:feed-papers", args=[review.slug]))
    assert response.status_code == 200
    entry = etree.fromstring(response.content).find("{http://www.w3.org/2005/Atom}entry")
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == "Bad title"
