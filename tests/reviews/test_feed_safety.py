"""Atom feeds carry a paper's words as text: no markup a feed reader would render, no character XML forbids."""

import pytest
from django.urls import reverse
from lxml import etree

from tests.factories import add_to_review, make_paper, make_review

ATOM = "{http://www.w3.org/2005/Atom}"
IMG = '<img src=x onerror="alert(1)">'


@pytest.mark.django_db
def test_the_papers_feed_publishes_the_abstract_as_text_not_html(client):
    review = make_review()
    add_to_review(review, make_paper(abstract=f"We quantize. {IMG}"))
    response = client.get(reverse("reviews:feed-papers", args=[review.slug]))
    summary = etree.fromstring(response.content).find(f"{ATOM}entry/{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text == f"We quantize. {IMG}"
