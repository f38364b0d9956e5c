"""GPTQ's hub as a citation hub, in Chromium, on the review ingested from corpus PDFs: the canonical
reference and its headline, the role and polarity bars, representative citing papers with their
sentence on demand, and the explorer filtered from the keyboard (htmx swaps the rows, no reload)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from baselines import hub
from baselines.models import Method
from papers.models import CitationRole
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADINGS = [
    "Canonical reference",
    "Citation roles",
    "Citation polarity",
    "Representative citing papers",
    "Citing papers",
]


def section(page, heading: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def explorer_titles(page) -> list[str]:
    return page.locator("#citing-explorer tbody tr td:first-child a").all_inner_texts()


def expected_titles(method: Method, role: str = "") -> list[str]:
    return [c.paper.title for c in hub.with_papers(hub.citing_papers(method, role=role)[:25])]


def test_gptqs_hub_shows_how_papers_cite_it_and_filters_citing_papers_from_the_keyboard(
    live_server, page, corpus_review
):
    gptq = Method.objects.select_related("introduced_by").get(slug="gptq")
    everyone = expected_titles(gptq)
    assert len(everyone) >= 2  # AWQ and QLoRA cite GPTQ
    page.goto(f"{live_server.url}{gptq.get_absolute_url()}")

    for heading in HEADINGS:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(section(page, "Canonical reference").get_by_role("link", name=gptq.introduced_by.title)).to_be_visible()
    expect(section(page, "Canonical reference").locator(".headline")).to_have_text(
        re.compile(r"^\d+% of citing papers \(\d+ of \d+\) cite this work (as background|because|to compare)")
    )
    expect(section(page, "Citation roles").locator(".bar-row").first).to_have_text(re.compile(r": \d+%\s+\d+ papers?"))
    expect(section(page, "Citation polarity").locator(".bar-row").first).to_have_text(re.compile(r": \d+%"))
    awq = section(page, "Representative citing papers").locator(".citing-card").filter(has_text="AWQ").first
    sentence = awq.locator("details blockquote")
    expect(sentence).to_be_hidden()
    awq.locator("details summary").click()
    expect(sentence).to_contain_text("GPTQ")  # the sentence where AWQ cites GPTQ, shown on demand
    assert explorer_titles(page) == everyone
    screenshot(page, "method-hub-1280")

    page.evaluate("window.notReloaded = true")
    compares = expected_titles(gptq, CitationRole.COMPARES)
    page.focus("#citing-role")
    page.keyboard.type("Compares")  # a closed select picks the option typed, and says it changed
    expect(page.locator("#citing-role")).to_have_value("compares")
    expect(page.locator("#citing-count")).to_contain_text("with these filters")
    assert explorer_titles(page) == compares != everyone
    assert page.evaluate("window.notReloaded") is True and page.url.endswith(gptq.get_absolute_url())
    expect(page.locator("#citing-role")).to_be_focused()

    page.locator("#citing-role").select_option("")  # and back to every citing paper, by a click
    expect(page.locator("#citing-count")).not_to_contain_text("with these filters")
    assert explorer_titles(page) == everyone
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "method-hub-390")
