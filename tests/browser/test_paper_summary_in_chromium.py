"""AWQ's paper page in a real browser, from its real PDF: every summary section with a sentence
located on its page, in the order a reader needs them, then the receipts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from papers.models import Paper
from tests.browser.conftest import screenshot
from tests.papers.test_paper_summary import SECTIONS as PAGE_SECTIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE_REF = re.compile(r"p\.\s?\d+")
# (anchor, heading, what carries a located sentence in it): the page's sections in the brief's order,
# but the quick facts and the next checks, which locate nothing and are checked on their own.
LOCATED_IN = {"confidence": "ul.confidence li"}
SECTIONS = [
    (anchor, heading, LOCATED_IN.get(anchor, "li.located"))
    for anchor, heading in PAGE_SECTIONS
    if anchor not in ("quick-facts", "next-checks")
]


def test_awqs_page_shows_its_summary_sections_each_with_a_located_sentence(live_server, page, corpus_review):
    awq = Paper.objects.get(arxiv_id="2306.00978")
    page.goto(f"{live_server.url}{awq.get_absolute_url()}")
    facts = page.locator("#quick-facts")
    expect(facts.locator("h2")).to_have_text("Quick facts")
    expect(facts).to_contain_text("2306.00978")
    expect(facts).to_contain_text("Primary result")
    expect(facts.locator("dd a.chip").first).to_have_text("AWQ")
    tops = []
    for anchor, heading, located in SECTIONS:
        section = page.locator(f"#{anchor}")
        expect(section.locator("h2")).to_have_text(heading)
        first = section.locator(located).first
        expect(first).to_be_visible()
        assert PAGE_REF.search(first.inner_text()), f"{heading}: {first.inner_text()!r} has no page"
        tops.append(section.bounding_box()["y"])
    assert tops == sorted(tops)
    limitations = page.locator("#limitations li.located").all_inner_texts()
    assert any("we only study low-bit integer quantization" in text for text in limitations)
    assert not any("mixed-precision data type" in text for text in limitations)  # a strawman's limit, §2.1
    checks = page.locator("#next-checks li")
    expect(checks.first).to_be_visible()
    assert page.locator("#next-checks").bounding_box()["y"] < page.locator("#receipts").bounding_box()["y"]
    # A key result's receipt link lands on its row in the receipts table.
    page.locator("#key-results a[href^='#result-']").first.click()
    expect(page.locator("tr:target")).to_have_count(1)
    screenshot(page, "paper-summary-awq-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{awq.get_absolute_url()}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways at 390px ({width}px)"
    screenshot(page, "paper-summary-awq-390")
