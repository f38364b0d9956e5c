"""Where a curator's plain form POST goes back to: only our own pages (issue 15.4)."""

import pytest
from django.urls import reverse

from tests.factories import make_method, make_paper, make_result

HOSTILE = [
    "https://evil.example/x",
    "//evil.example/x",
    "javascript:alert(1)",
    "http:///evil.example",
    "\\\\evil.example",
]


@pytest.fixture
def result(db):
    return make_result(paper=make_paper(), method=make_method("GPTQ"), value=5.83, value_text="5.83")


@pytest.mark.parametrize("target", HOSTILE)
def test_a_decision_never_redirects_off_site(client, alice, result, target):
    client.force_login(alice)
    response = client.post(reverse("curate:decide", args=["result", result.pk, "approve"]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("curate:queue")


@pytest.mark.parametrize("target", HOSTILE)
def test_bulk_approve_and_merge_never_redirect_off_site(client, alice, result, target):
    client.force_login(alice)
    bulk = client.post(reverse("curate:bulk-approve", args=["result"]), {"ids": [result.pk], "next": target})
    assert bulk["Location"] == f"{reverse('curate:queue')}?kind=result"
    source, target_method = make_method("AWQ-old"), make_method("AWQ")
    merged = client.post(
        reverse("curate:merge"),
        {"source": source.pk, "target": target_method.pk, "reason": "same", "next": target},
    )
    assert merged["Location"] == reverse("curate:queue")


def test_a_decision_goes_back_to_the_queue_page_it_came_from(client, alice, result):
    client.force_login(alice)
    back = f"{reverse('curate:queue')}?kind=result&page=2"
    response = client.post(reverse("curate:decide", args=["result", result.pk, "approve"]), {"next": back})
    assert response["Location"] == back
