"""The curator's keyboard in a real browser: typing never fires a shortcut, a decision moves on to the
next receipt, a bad value is refused where the curator can see it."""

import pytest
from playwright.sync_api import expect

from baselines.models import CuratorDecision
from benchmarks.models import BenchmarkResult, Direction
from tests.browser import test_curator_in_chromium as curator_queue
from tests.browser.conftest import screenshot
from tests.factories import make_benchmark, make_method, make_paper, make_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
queue_data = curator_queue.queue_data  # three pending results on one page of a paper
log_in = curator_queue.log_in


def statuses(results):
    return [BenchmarkResult.objects.get(pk=r.pk).status for r in results]


def active(page, prop):
    return page.evaluate(f"document.activeElement.{prop}")


def test_typing_in_the_editor_fires_no_shortcut(live_server, page, queue_data):
    _, results = queue_data
    first = results[0]
    log_in(page, live_server)
    page.keyboard.press("e")
    assert active(page, "name") == "method"  # `e` moved the focus into the editor's first field
    page.keyboard.press("Tab")
    assert active(page, "name") == "model_name"
    page.keyboard.type("LLaMA")
    page.keyboard.press("Control+a")  # select all in the field, not "approve"
    page.keyboard.type("LLaMA jaxer")
    page.keyboard.press("Control+a")
    page.keyboard.type("LLaMA")
    model = page.locator(f"#item-result-{first.pk} input[name=model_name]")
    assert model.input_value() == "LLaMA"
    screenshot(page, "curate-editor-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "curate-editor-390")
    page.wait_for_timeout(300)  # a stray request would have been sent by now
    assert statuses(results) == ["pending"] * 3 and not CuratorDecision.objects.exists()
    assert page.locator(".queue input[type=checkbox]:checked").count() == 0
    # Escape closes the editor, forgets the abandoned typing and gives the focus back to the item.
    page.keyboard.press("Escape")
    assert active(page, "id") == f"item-result-{first.pk}"
    assert not page.locator(f"#item-result-{first.pk} details.edit").evaluate("d => d.open")
    assert model.input_value() == first.model_name
    # A filter field is a field too.
    page.locator("input[name=extractor]").focus()
    page.keyboard.type("ajex")
    assert statuses(results) == ["pending"] * 3


def test_after_a_decision_the_keys_act_on_the_next_item(live_server, page, queue_data):
    _, (first, second, third) = queue_data
    log_in(page, live_server)
    page.keyboard.press("a")
    page.wait_for_selector(f"#item-result-{first.pk}.decided")
    expect(page.locator(f"#item-result-{second.pk}")).to_be_focused()
    page.keyboard.press("r")
    page.keyboard.type("the 3-bit column")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-result-{second.pk}.decided")
    expect(page.locator(f"#item-result-{third.pk}")).to_be_focused()
    page.keyboard.press("a")
    page.wait_for_selector(f"#item-result-{third.pk}.decided")
    assert statuses([first, second, third]) == ["approved", "rejected", "approved"]
    # The decided item offers an undo: reopen it, and it is pending and focused again.
    page.locator(f"#item-result-{first.pk}").get_by_role("button", name="Reopen").click()
    page.wait_for_selector(f"#item-result-{first.pk} button.approve")
    expect(page.locator(f"#item-result-{first.pk}")).to_be_focused()
    assert statuses([first]) == ["pending"]
    assert CuratorDecision.objects.filter(action="reopen", object_id=first.pk).count() == 1


@pytest.fixture
def mmlu_data(queue_data):
    mmlu = make_benchmark("MMLU", direction=Direction.HIGHER)
    result = make_result(
        paper=make_paper(), method=make_method("OmniQuant"), benchmark=mmlu, model_name="LLaMA-2-7B", value=45.3
    )
    return result


def test_a_bad_value_is_refused_with_a_visible_error(live_server, page, mmlu_data):
    result = mmlu_data
    log_in(page, live_server)
    item = page.locator(f"#item-result-{result.pk}")
    item.focus()
    page.keyboard.press("e")
    item.locator("input[name=value]").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("-1")
    page.keyboard.press("Enter")
    error = item.locator(".errors")
    error.wait_for()
    assert "between 0 and 100" in error.inner_text() and error.is_visible()
    expect(item.locator("input[name=value]")).to_be_focused()  # back in the refused field
    assert item.locator("input[name=value]").get_attribute("aria-invalid") == "true"
    screenshot(page, "curate-refused-1280")
    stored = BenchmarkResult.objects.get(pk=result.pk)
    assert (stored.status, stored.value) == ("pending", 45.3) and not CuratorDecision.objects.exists()
    # Fix it and save: now it counts.
    page.keyboard.press("Control+a")
    page.keyboard.type("46.1")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-result-{result.pk}.decided")
    stored.refresh_from_db()
    assert (stored.status, stored.value) == ("approved", 46.1)
