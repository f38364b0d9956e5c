"""The hub's lists stop at a page and say when more exist, rather than cutting silently."""

from __future__ import annotations

import pytest
from django.urls import reverse

from baselines.hub import ROWS
from tests.factories import add_to_review, approved, make_beats, make_method, make_paper, make_review

pytestmark = pytest.mark.django_db
MORE = b"older ones exist and are not listed here"


@pytest.mark.parametrize(("receipts", "says_more"), [(ROWS, False), (ROWS + 1, True)])
def test_who_beats_it_says_when_older_receipts_are_not_listed(client, receipts, says_more):
    review, gptq = make_review(), make_method("GPTQ")
    for _ in range(receipts):
        paper = make_paper()
        add_to_review(review, paper)
        make_beats(paper=paper, baseline=gptq, **approved())
    page = client.get(reverse("baselines:method", args=[gptq.slug]))
    assert len(page.context["beaten_by"]) == min(receipts, ROWS)
    assert (MORE in page.content) is says_more
