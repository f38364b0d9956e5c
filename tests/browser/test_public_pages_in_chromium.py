"""Each public page type in a real browser: it loads, charts draw, links lead to the receipts."""

import datetime as dt

import pytest
from django.utils import timezone

from reviews.derived import recompute_review
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = timezone.now()
QUOTE = "GPTQ relies on a reordering trick that is slow on real hardware."


@pytest.fixture
def review():
    review = factories.make_review(slug="browser-review", title="Browser review", frontier_window_days=365)
    wiki = factories.make_benchmark("WikiText-2")
    gptq, rtn = factories.make_method("GPTQ"), factories.make_method("RTN")
    for i, bits in enumerate((4, 3, 4)):
        paper = factories.make_paper(title=f"Quantization paper {i}", published=NOW - dt.timedelta(days=30 * i + 1))
        factories.add_to_review(review, paper)
        ours = factories.make_method(f"Ours{i}", introduced_by=paper)
        for method, value in ((ours, 5.6 + i / 10), (gptq, 5.9 + i / 5), (rtn, 6.5)):
            factories.make_result(
                paper=paper,
                method=method,
                benchmark=wiki,
                model_name="LLaMA-2-7B",
                setting=f"W{bits}A16",
                weight_bits=bits,
                value=value,
                status="approved",
                decided_at=NOW,
            )
        factories.make_beats(paper=paper, method=ours, baseline=gptq, status="approved", decided_at=NOW)
    factories.make_critique(paper=paper, method=gptq, quote=QUOTE, page=4, status="approved", decided_at=NOW)
    recompute_review(review.pk)
    return review


def test_every_public_page_type_loads(live_server, page, review):
    for path, expect in [
        ("/", "Browser review"),
        (f"/r/{review.slug}/", "Most-superseded baselines"),
        ("/m/gptq/", "Who beats it"),
        ("/p/" + review.entries.first().paper.arxiv_id + "/", "Receipts"),
        ("/search/?q=quantization", "Quantization paper"),
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert expect in page.content(), path
    screenshot(page, "search")


def test_benchmark_charts_draw(live_server, page, review):
    page.goto(f"{live_server.url}/b/wikitext-2/?review={review.slug}&model=LLaMA-2-7B&setting=W4A16")
    page.wait_for_selector("#pareto-chart svg.main-svg", timeout=15_000)
    page.wait_for_selector("#disagreement-chart svg.main-svg", timeout=15_000)
    assert page.locator("#pareto-chart .scatterlayer .trace").count() == 2  # the points and the Pareto front
    screenshot(page, "benchmark")


def test_a_reader_follows_a_baseline_from_the_dashboard_to_a_quote(live_server, page, review):
    page.goto(f"{live_server.url}/r/{review.slug}/")
    screenshot(page, "dashboard")
    page.locator("#most-superseded li", has_text="GPTQ").get_by_role("link", name="1 paper critique it").click()
    page.wait_for_selector(".receipt .quote")
    assert QUOTE in page.locator(".receipt .quote").first.inner_text()
    page.locator(".receipt").first.get_by_role("link").first.click()
    page.wait_for_selector("#receipts")
    assert QUOTE in page.locator("#receipts").inner_text()


def test_search_answers_as_you_type(live_server, page, review):
    page.goto(f"{live_server.url}/search/")
    page.fill(".search-form input[name=q]", "GPTQ")
    page.wait_for_selector("#search-results a.chip", timeout=10_000)
    assert page.locator("#search-results").inner_text().count("GPTQ") >= 1
    assert "q=GPTQ" in page.url  # the URL follows, so the result can be shared


def test_the_dashboard_reads_at_phone_width(live_server, chromium, review):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{review.slug}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "dashboard-phone")
    context.close()
    assert width <= 390  # no sideways scrolling
