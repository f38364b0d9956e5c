"""The benchmark page in Chromium: charts draw from our plotly bundle, with no console error, on a log
axis when perplexities span decades, and with axis titles clear of tick labels on a phone."""

import pytest
from django.utils import timezone

from reviews.derived import recompute_review
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = timezone.now()
# (method, bits, perplexity): RTN at 2 bits blows up, as it does in real papers.
RESULTS = [("GPTQ", 4, 5.85), ("AWQ", 4, 5.81), ("GPTQ", 3, 6.9), ("RTN", 3, 25.4), ("RTN", 2, 25_000.0)]


@pytest.fixture
def review():
    review = factories.make_review(slug="chart-review", title="Chart review")
    wiki = factories.make_benchmark("WikiText-2")
    methods = {name: factories.make_method(name) for name in ("GPTQ", "AWQ", "RTN")}
    for i in range(2):
        paper = factories.make_paper(title=f"Perplexity paper {i}")
        factories.add_to_review(review, paper)
        for name, bits, value in RESULTS:
            factories.make_result(
                paper=paper,
                method=methods[name],
                benchmark=wiki,
                model_name="LLaMA-2-7B",
                setting=f"W{bits}A16",
                weight_bits=bits,
                value=value + i / 100,
                value_text=f"{value + i / 100:.2f}",
                status="approved",
                decided_at=NOW,
            )
    recompute_review(review.pk)
    return review


def open_board(page, live_server, review):
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/b/wikitext-2/?review={review.slug}&model=LLaMA-2-7B&setting=W4A16")
    page.wait_for_selector("#pareto-chart svg.main-svg", timeout=15_000)
    page.wait_for_selector("#disagreement-chart svg.main-svg", timeout=15_000)
    return console_errors


def test_the_benchmark_page_draws_its_charts_without_console_errors(live_server, page, review):
    console_errors = open_board(page, live_server, review)
    assert page.locator("#pareto-chart .scatterlayer .trace").count() == 2
    assert page.evaluate("document.getElementById('pareto-chart')._fullLayout.yaxis.type") == "log"
    assert page.evaluate("[...document.scripts].some(s => s.src.endsWith('/vendor/plotly-basic.min.js'))")
    screenshot(page, "benchmark-log-axis")
    assert console_errors == []


def test_axis_titles_clear_tick_labels_on_a_phone(live_server, page, review):
    page.set_viewport_size({"width": 390, "height": 844})
    open_board(page, live_server, review)
    title = page.locator("#pareto-chart .g-ytitle").bounding_box()
    ticks = [page.locator("#pareto-chart .ytick text").nth(i).bounding_box() for i in range(3)]
    assert title is not None and all(ticks)
    assert title["x"] + title["width"] <= min(t["x"] for t in ticks)
    x_title = page.locator("#pareto-chart .g-xtitle").bounding_box()
    x_tick = page.locator("#pareto-chart .xtick text").first.bounding_box()
    assert x_title is not None and x_tick is not None
    assert x_title["y"] >= x_tick["y"] + x_tick["height"]
    screenshot(page, "benchmark-phone")
