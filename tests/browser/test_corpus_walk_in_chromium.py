"""A reader and a curator on real papers, in a real browser: the review ingested from corpus PDFs,
walked from the dashboard to a superseded baseline, its receipt, the paper and a benchmark page;
then ten curator decisions, after which the review is as full as before."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from baselines.models import CuratorDecision
from reviews.derived import recompute_review
from reviews.models import SubProblem
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PRECISIONS = re.compile(r"^(FP|BF|INT|W)\d+", re.IGNORECASE)


def results_shown(page) -> int:
    text = page.locator("p.counts").inner_text()
    return int(re.search(r"([\d,]+) benchmark results", text).group(1).replace(",", ""))


def test_a_reader_walks_the_review_and_ten_decisions_leave_it_full(live_server, page, corpus_review):
    review = corpus_review
    page.goto(f"{live_server.url}/r/{review.slug}/")
    before = results_shown(page)
    assert before > 100
    assert page.locator("#frontier li").count() > 0
    screenshot(page, "walk-dashboard-1280")
    # dashboard → the most-superseded baseline's receipts → a receipt's paper → a benchmark page
    page.locator("#most-superseded li .figures a").first.click()
    page.wait_for_selector(".receipt")
    screenshot(page, "walk-receipts-1280")
    page.locator(".receipt a").first.click()
    page.wait_for_selector("#receipts")
    screenshot(page, "walk-paper-1280")
    page.locator("a[href^='/b/']").first.click()
    page.wait_for_selector("table.leaderboard")
    screenshot(page, "walk-benchmark-1280")

    page.goto(f"{live_server.url}/accounts/login/?next=/curate/")
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", "pw-dana-12345")
    page.click("button[type=submit]")
    page.wait_for_selector(".queue-item")
    for _ in range(10):
        focused = page.locator(".queue-item:focus")
        expect(focused).to_have_count(1)
        item_id = focused.get_attribute("id")
        page.keyboard.press("a")  # focus moves on by itself: ten presses, ten receipts
        page.wait_for_selector(f"#{item_id}.decided")
    assert CuratorDecision.objects.count() == 10
    screenshot(page, "walk-curated-1280")

    recompute_review(review.pk)  # what the worker does after a decision
    page.goto(f"{live_server.url}/r/{review.slug}/")
    assert results_shown(page) >= before  # approving never hides what was pending
    assert page.locator("#frontier li").count() > 0
    assert b"approved" in page.content().encode()
    named = [sp.anchor.name for sp in SubProblem.objects.filter(review=review).select_related("anchor")]
    assert named and not [name for name in named if PRECISIONS.match(name)]
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "walk-dashboard-390")
