"""The curator workspace over HTTP: who may enter, what each action does, in place and without JS."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from baselines.login import ADDRESS_MAX_FAILURES
from baselines.models import CuratorDecision, Method
from benchmarks.models import BenchmarkResult
from papers.models import DocumentStatus, PaperDocument, ParsedPage
from tests.factories import make_critique, make_method, make_paper, make_result


@pytest.fixture
def result(db):
    paper = make_paper()
    document = PaperDocument.objects.create(paper=paper, version=1, status=DocumentStatus.PARSED, page_count=3)
    ParsedPage.objects.create(
        document=document, number=3, text="Table 2: perplexity.\nGPTQ 4 5.83 6.12\nAWQ 4 5.60 6.01"
    )
    return make_result(
        paper=paper, method=make_method("GPTQ"), value=5.83, value_text="5.83", page=3, quote="GPTQ 4 5.83 6.12"
    )


def curator_urls(result):
    return [
        ("get", reverse("curate:queue")),
        ("get", reverse("curate:history")),
        ("get", reverse("curate:pdf-page", args=["result", result.pk])),
        ("post", reverse("curate:decide", args=["result", result.pk, "approve"])),
        ("post", reverse("curate:decide", args=["result", result.pk, "reject"])),
        ("post", reverse("curate:decide", args=["result", result.pk, "correct"])),
        ("post", reverse("curate:decide", args=["result", result.pk, "repoint"])),
        ("post", reverse("curate:bulk-approve", args=["result"])),
        ("post", reverse("curate:merge")),
    ]


def test_anonymous_users_are_sent_to_log_in_from_every_curator_url(client, result):
    for method, url in curator_urls(result):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    assert BenchmarkResult.objects.get().status == "pending"


def test_logged_in_non_curators_are_refused_everywhere(client, charlie, result):
    client.force_login(charlie)
    for method, url in curator_urls(result):
        assert getattr(client, method)(url).status_code == 403, url
    assert BenchmarkResult.objects.get().status == "pending"


def test_curators_see_the_queue_with_the_quote_highlighted_in_its_page(client, alice, result):
    client.force_login(alice)
    response = client.get(reverse("curate:queue"))
    assert response.status_code == 200
    assert b"<mark>GPTQ 4 5.83 6.12</mark>" in response.content
    assert b"Approve" in response.content and b"<kbd>j</kbd>" in response.content


def test_approve_with_htmx_swaps_the_item_in_place(client, alice, result):
    client.force_login(alice)
    response = client.post(
        reverse("curate:decide", args=["result", result.pk, "approve"]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert b"Approved" in response.content and b"by alice" in response.content
    assert "receipt-decided" in response["HX-Trigger"]
    assert BenchmarkResult.objects.get().status == "approved"


def test_reject_without_javascript_redirects_back_to_the_queue(client, alice, result):
    client.force_login(alice)
    response = client.post(reverse("curate:decide", args=["result", result.pk, "reject"]), {"reason": "wrong row"})
    assert response.status_code == 302 and response["Location"] == reverse("curate:queue")
    assert BenchmarkResult.objects.get().reason == "wrong row"
    empty = client.post(reverse("curate:decide", args=["result", make_result().pk, "reject"]), {"reason": ""})
    assert empty.status_code == 302
    assert BenchmarkResult.objects.filter(status="pending").count() == 1


def test_correcting_a_value_and_a_bad_edit(client, alice, result):
    client.force_login(alice)
    url = reverse("curate:decide", args=["result", result.pk, "correct"])
    bad = client.post(
        url,
        {
            "method": "NoSuchMethod",
            "model_name": "LLaMA-2-7B",
            "setting": "W4A16",
            "benchmark": result.benchmark.name,
            "value": "abc",
        },
        headers={"HX-Request": "true"},
    )
    assert b"No method is called" in bad.content and b"Enter a number" in bad.content
    assert BenchmarkResult.objects.get().status == "pending"
    good = client.post(
        url,
        {
            "method": "GPTQ",
            "model_name": "LLaMA-2-7B",
            "setting": "W4A16",
            "benchmark": result.benchmark.name,
            "value": "5.38",
        },
        headers={"HX-Request": "true"},
    )
    assert good.status_code == 200
    assert BenchmarkResult.objects.get().value == 5.38 and CuratorDecision.objects.get().action == "correct"


def test_a_second_curator_sees_the_conflict_in_place(client, alice, bob, result):
    client.force_login(alice)
    client.post(reverse("curate:decide", args=["result", result.pk, "approve"]))
    other = Client()
    other.force_login(bob)
    response = other.post(
        reverse("curate:decide", args=["result", result.pk, "reject"]), {"reason": "no"}, headers={"HX-Request": "true"}
    )
    assert b"Already approved by alice" in response.content
    assert BenchmarkResult.objects.get().status == "approved"


def test_bulk_approve_and_merge(client, alice, result):
    client.force_login(alice)
    other = make_result()
    client.post(reverse("curate:bulk-approve", args=["result"]), {"ids": [result.pk, other.pk]})
    assert set(BenchmarkResult.objects.values_list("status", flat=True)) == {"approved"}
    make_method("SQ")
    smooth = make_method("SmoothQuant")
    make_critique(method=make_method("Smooth-Quant v1"))
    client.post(reverse("curate:merge"), {"source": "Smooth-Quant v1", "target": "SmoothQuant"})
    assert smooth.critiques.count() == 1 and Method.objects.by_name("Smooth-Quant v1") == smooth


def test_the_history_page_lists_my_decisions_only(client, alice, bob, result):
    client.force_login(alice)
    client.post(reverse("curate:decide", args=["result", result.pk, "approve"]))
    page = client.get(reverse("curate:history"))
    assert page.status_code == 200 and page.context["page"].paginator.count == 1
    client.force_login(bob)
    assert client.get(reverse("curate:history")).context["page"].paginator.count == 0


def test_the_queue_query_count_does_not_grow_with_items(client, alice, django_assert_max_num_queries):
    client.force_login(alice)
    for _ in range(10):
        make_result()
    with django_assert_max_num_queries(20) as ten:
        client.get(reverse("curate:queue"))
    for _ in range(90):
        make_result()
    with django_assert_max_num_queries(len(ten.captured_queries)):
        response = client.get(reverse("curate:queue"))
    assert response.context["page"].paginator.count == 100


def test_queue_filters_and_order(client, alice):
    client.force_login(alice)
    low = make_result(confidence=0.2)
    make_result(confidence=0.9)
    response = client.get(reverse("curate:queue"), {"kind": "result", "order": "confidence", "max_confidence": "0.5"})
    assert [item.pk for item in response.context["items"]] == [low.pk]
    critiques = client.get(reverse("curate:queue"), {"kind": "critique"})
    assert critiques.context["filters"].kind == "critique"


def test_the_pdf_page_renders_with_the_passage_outlined(client, alice, settings, tmp_path):
    from tests.conftest import corpus_path

    pdf = corpus_path("pdfs", "q-bert.pdf")
    paper = make_paper()
    document = PaperDocument.objects.create(paper=paper, version=1, status=DocumentStatus.PARSED, page_count=15)
    from django.core.files.base import ContentFile

    document.file.save("q.pdf", ContentFile(pdf.read_bytes()), save=True)
    critique = make_critique(paper=paper, page=1, quote="Hessian")
    client.force_login(alice)
    response = client.get(reverse("curate:pdf-page", args=["critique", critique.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_create_curator_command(db):
    call_command("create_curator", "dora", "--password", "a-long-Passphrase-42")
    from django.contrib.auth.models import User

    from baselines.access import is_curator

    assert is_curator(User.objects.get(username="dora"))
    with pytest.raises(Exception, match="too short"):
        call_command("create_curator", "eve", "--password", "x1")
    assert not User.objects.filter(username="eve").exists()


def test_failed_logins_are_throttled_per_account(client, alice):
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": "alice", "password": "wrong"})
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    blocked = client.post(url, {"username": "alice", "password": "pw-alice-123"})
    assert b"Too many failed attempts" in blocked.content
    assert not blocked.wsgi_request.user.is_authenticated


def test_failed_logins_are_throttled_per_address_across_accounts(client, alice):
    url = reverse("login")
    for n in range(ADDRESS_MAX_FAILURES):
        client.post(url, {"username": f"guess{n}", "password": "wrong"})
    assert b"Too many failed attempts" in client.post(url, {"username": "alice", "password": "pw-alice-123"}).content


def test_a_successful_login_clears_earlier_failures(client, alice):
    url = reverse("login")
    for _ in range(3):
        client.post(url, {"username": "alice", "password": "wrong"})
    assert client.post(url, {"username": "alice", "password": "pw-alice-123"}).status_code == 302
