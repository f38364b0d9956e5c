"""A curator works the queue in a real browser; the public paper page follows their decisions."""

import pytest
from django.contrib.auth.models import User

from baselines.access import ensure_curators_group
from benchmarks.models import BenchmarkResult
from papers.models import DocumentStatus, PaperDocument, ParsedPage
from tests.browser.conftest import screenshot
from tests.factories import make_benchmark, make_critique, make_method, make_paper, make_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue_data():
    user = User.objects.create_user("carol", password="pw-carol-12345")
    user.groups.add(ensure_curators_group())
    paper = make_paper(title="A paper under review")
    document = PaperDocument.objects.create(paper=paper, version=1, status=DocumentStatus.PARSED, page_count=5)
    ParsedPage.objects.create(document=document, number=5, text="Table 3. GPTQ 4 5.83 and AWQ 4 5.60 on WikiText-2.")
    wiki = make_benchmark("WikiText-2")
    gptq, awq = make_method("GPTQ"), make_method("AWQ")
    first = make_result(
        paper=paper, method=gptq, benchmark=wiki, value=5.83, value_text="5.83", page=5, quote="GPTQ 4 5.83"
    )
    second = make_result(
        paper=paper, method=awq, benchmark=wiki, value=5.60, value_text="5.60", page=5, quote="AWQ 4 5.60"
    )
    third = make_result(
        paper=paper, method=awq, benchmark=wiki, value=9.99, value_text="9.99", page=5, quote="AWQ 4 9.99"
    )
    make_critique(paper=paper, method=gptq, page=5)
    return paper, [first, second, third]


def log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/?next=/curate/%3Forder%3Dconfidence")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", "pw-carol-12345")
    page.click("button[type=submit]")
    page.wait_for_selector(".queue-item")


def test_a_curator_approves_rejects_and_corrects_and_the_paper_page_follows(live_server, page, queue_data):
    paper, (first, second, third) = queue_data
    log_in(page, live_server)
    screenshot(page, "curator-queue")
    # The first item is focused on load: approve it with the keyboard.
    page.keyboard.press("a")
    page.wait_for_selector(f"#item-result-{first.pk}.decided")
    assert BenchmarkResult.objects.get(pk=first.pk).status == "approved"
    # The focus moved on to the next item by itself: reject it with a reason.
    page.keyboard.press("r")
    page.keyboard.type("Wrong row: this is the 3-bit column")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-result-{second.pk}.decided")
    assert BenchmarkResult.objects.get(pk=second.pk).reason == "Wrong row: this is the 3-bit column"
    # Correct a value: edit, change it, save.
    item = page.locator(f"#item-result-{third.pk}")
    item.locator("summary", has_text="Edit").click()
    item.locator("input[name=value]").fill("5.99")
    item.get_by_role("button", name="Save and approve").click()
    page.wait_for_selector(f"#item-result-{third.pk}.decided")
    assert BenchmarkResult.objects.get(pk=third.pk).value == 5.99
    screenshot(page, "curator-queue-decided")

    page.goto(f"{live_server.url}{paper.get_absolute_url()}")
    receipts = page.locator("#receipts").inner_text()
    assert "5.99" in receipts and "9.99" not in receipts
    assert receipts.count("Approved") == 2 and "Rejected" in receipts


def test_an_anonymous_visitor_cannot_reach_the_queue(live_server, page, queue_data):
    page.goto(f"{live_server.url}/curate/")
    assert "/accounts/login/" in page.url
    assert page.locator(".queue-item").count() == 0
