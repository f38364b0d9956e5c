"""A decision's `next` that is not a path of ours (a bare word, a number, another host) sends the
curator to the queue; it is never looked up as a view name (which answered 500, found by the web
fuzzer)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_method, make_paper, make_result


@pytest.mark.parametrize("target", ["-1", "[]", "99999999999999999999999999", "curate:queue", "https://evil.example/"])
def test_a_next_that_is_not_our_path_goes_to_the_queue(client, alice, target):
    result = make_result(paper=make_paper(), method=make_method("GPTQ"), value=5.83, value_text="5.83")
    client.force_login(alice)
    response = client.post(reverse("curate:decide", args=["result", result.pk, "approve"]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("curate:queue")


def test_a_next_that_is_our_path_is_followed(client, alice):
    result = make_result(paper=make_paper(), method=make_method("GPTQ"), value=5.83, value_text="5.83")
    client.force_login(alice)
    response = client.post(reverse("curate:decide", args=["result", result.pk, "approve"]), {"next": "/curate/?page=2"})
    assert response["Location"] == "/curate/?page=2"
