"""The synthesis draft on real papers, in a real browser: a curator asks for a new draft as the app
does (the task runs in-process: Celery is eager in tests), and the document shows every section, with
sentences located in the papers (citation and page) under each section that carries evidence."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviews.models import DraftStatus, SynthesisDraft
from reviews.synthesis_compose import SECTIONS, SYNTHESIS_PARTS
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CORPUS_PAPERS = {"2306.00978", "2305.14314", "2206.01861", "2208.11580"}  # awq, qlora, zeroquant, obc
SECTION_IDS = {
    "abstract": "abstract",
    "questions": "research-questions",
    "method": "method",
    "gate": "quality-gate",
    "evidence_base": "evidence-base",
    "findings": "findings",
    "synthesis": "cross-paper-synthesis",
    "comparison": "numeric-comparison",
    "limitations": "limitations",
    "references": "references",
    "audit": "claim-audit",
}
# Sections made of sentences or rows drawn from the papers: each shows at least one located in its paper.
LOCATED = ("abstract", "gate", "evidence_base", "findings", "synthesis", "comparison", "limitations")


def located(page, selector: str) -> list[tuple[str, str]]:
    """(paper, page) of every citation under `selector` that names a page."""
    cites = page.locator(f"{selector} a.cite[data-page]")
    return [
        (cites.nth(i).get_attribute("data-paper"), cites.nth(i).get_attribute("data-page"))
        for i in range(cites.count())
    ]


def test_a_curator_writes_the_draft_and_every_section_cites_its_papers(live_server, page, corpus_review, settings):
    settings.ANTHROPIC_API_KEY = ""  # offline: composed from receipts and the papers' own sentences
    review = corpus_review
    page.goto(f"{live_server.url}/accounts/login/?next=/r/{review.slug}/synthesis/")
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", "pw-dana-12345")
    page.click("button[type=submit]")
    page.click("text=Write a new draft")
    page.wait_for_selector("#references")
    draft = SynthesisDraft.objects.get(review=review, requested_by__username="dana")
    assert draft.status == DraftStatus.READY and draft.generator == "receipts"
    expect(page.locator("h1")).to_have_text("LLM quantization: a living systematic review")

    titles = dict(SECTIONS)
    for key, section_id in SECTION_IDS.items():
        expect(page.locator(f"#{section_id} > h2")).to_have_text(titles[key])
    for key in LOCATED:
        found = located(page, f"#{SECTION_IDS[key]}")
        assert found, f"no sentence located in a paper under {titles[key]}"
        assert {paper for paper, _ in found} <= CORPUS_PAPERS, key
    for key, title in SYNTHESIS_PARTS:
        expect(page.locator(f"#{key.replace('_', '-')} > h3")).to_have_text(title)
    assert located(page, "#key-findings") and located(page, "#counter-evidence")
    # Agreement is never made of full-precision rows; the four papers are the references.
    assert "FP16" not in page.locator("#agreement").inner_text()
    references = page.locator("#references li")
    expect(references).to_have_count(4)
    assert "arXiv:2306.00978" in page.locator("#references").inner_text()
    screenshot(page, "synthesis-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#claim-audit > h2")).to_be_visible()
    screenshot(page, "synthesis-390")
