"""Security: every non-public URL is protected (the URLconf is enumerated), headers, health, logs,
hostile text everywhere, and pages that survive a dead cache."""

import json
import logging
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reviews.derived import recompute_review
from tests.factories import add_to_review, make_beats, make_critique, make_method, make_paper, make_result, make_review

# Everything a reader or a load balancer may reach without logging in. A URL added to the project
# and not named here must refuse anonymous users and non-curators, or this file fails.
PUBLIC = {
    "reviews:home",
    "reviews:detail",
    "reviews:search",
    "reviews:panels-json",
    "reviews:panel-json",
    "reviews:receipts",
    "reviews:feed-papers",
    "reviews:feed-receipts",
    "reviews:ledger",
    "reviews:synthesis",
    "papers:detail",
    "baselines:method",
    "benchmarks:detail",
    "benchmarks:leaderboard-json",
    "benchmarks:leaderboard-csv",
    "health",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# Protected, but by another rule than the curator permission: staff (operators) for ingestion.
STAFF_ONLY = {"worker:runs", "worker:run", "worker:start"}
# Any logged-in user, for their own account only.
OWN_ACCOUNT = {"password_change", "password_change_done"}
SAMPLE = {
    "slug": "llm-quantization",
    "draft_id": "1",
    "method_slug": "gptq",
    "kind": "critiques",
    "pk": "1",
    "receipt_id": "1",
    "action": "approve",
    "name": "claims.csv",
    "arxiv_id": "2401.00001",
    "uidb64": "MQ",
    "token": "x-y",
}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns == "admin":
                continue  # Django's admin guards itself (checked in test_admin.py)
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), prefix + str(entry.pattern)


def concrete(route: str, name: str) -> str:
    if name.startswith("curate:") and "<slug:kind>" in route:
        route = route.replace("<slug:kind>", "result")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE.get(m.group(1), "x"), route)


ROUTES = sorted(set(walk(get_resolver().url_patterns)))


@pytest.fixture
def data(db):
    review = make_review(slug="llm-quantization")
    paper = make_paper(arxiv_id="2401.00001")
    add_to_review(review, paper)
    make_result(paper=paper, method=make_method("GPTQ"))
    return review


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n for n, _ in ROUTES])
def test_every_non_public_url_refuses_anonymous_users_and_non_curators(client, charlie, data, name, route):
    if name in PUBLIC:
        return
    url = concrete(route, name)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 405), (name, method, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name
    if name in OWN_ACCOUNT:
        return
    client.force_login(charlie)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (403, 405), (name, method, response.status_code)


def test_the_public_list_names_only_urls_that_exist():
    names = {name for name, _ in ROUTES}
    assert PUBLIC - names <= {
        "password_reset_confirm",
        "password_reset_complete",
        "password_reset_done",
        "password_reset",
    }
    assert names >= STAFF_ONLY


def test_pages_carry_a_content_security_policy_without_inline_script(client, data):
    response = client.get(data.get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert not re.search(rb"<script(?![^>]*(src=|type=\"application/json\"))", response.content)
    assert not re.search(rb"\son(click|change|load|submit)=", response.content)


def test_health_reports_database_redis_and_ingestion_age(client, data, settings):
    response = client.get(reverse("health"))
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok" and body["database"]["ok"]
    assert body["hours_since_last_ingestion"] == {"llm-quantization": None}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get(reverse("health"))
    assert response.status_code == 503 and response.json()["redis"]["ok"] is False


def test_each_request_logs_one_json_line_with_its_id(client, data, caplog):
    from config.logging import JsonFormatter

    with caplog.at_level(logging.INFO, logger="review.access"):
        response = client.get(data.get_absolute_url(), headers={"X-Request-ID": "abc123"})
    assert response["X-Request-ID"] == "abc123"
    [record] = [r for r in caplog.records if r.name == "review.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == data.get_absolute_url() and line["status"] == 200 and "duration_ms" in line


def test_pages_are_served_when_the_cache_is_down(client, data, settings, monkeypatch):
    from django.core.cache import cache

    settings.PUBLIC_PAGE_CACHE_SECONDS = 600

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    monkeypatch.setattr(cache, "add", broken)
    assert client.get(data.get_absolute_url()).status_code == 200
    assert client.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 200


HOSTILE = '<script>alert("x")</script>'
FORMULA = '=cmd|" /C calc"!A0'


@pytest.mark.django_db
def test_hostile_text_is_escaped_on_every_page_feed_and_export(client, alice):
    review = make_review(slug="hostile")
    paper = make_paper(title=HOSTILE + FORMULA, authors=[HOSTILE], abstract=HOSTILE + " javascript:alert(1)")
    add_to_review(review, paper)
    method = make_method(HOSTILE)
    make_critique(paper=paper, method=method, quote=HOSTILE + FORMULA, status="approved", decided_at=paper.created_at)
    make_beats(paper=paper, method=method, quote=HOSTILE)
    make_result(paper=paper, method=method, quote=HOSTILE, status="approved", decided_at=paper.created_at)
    recompute_review(review.pk)
    client.force_login(alice)
    urls = [
        reverse("reviews:home"),
        review.get_absolute_url(),
        paper.get_absolute_url(),
        method.get_absolute_url(),
        reverse("reviews:ledger", args=[review.slug]),
        reverse("reviews:synthesis", args=[review.slug]),
        reverse("reviews:receipts", args=[review.slug, "critiques", method.slug]),
        reverse("reviews:feed-papers", args=[review.slug]),
        reverse("reviews:feed-receipts", args=[review.slug]),
        reverse("reviews:search") + "?q=script",
        reverse("curate:queue") + "?kind=beats",
    ]
    from reviews.views import EXPORTS

    urls += [reverse("reviews:export", args=[review.slug, name]) for name in EXPORTS]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        # Data downloads (JSON, CSV, BibTeX) carry the text as data and are served as attachments, never
        # rendered; pages, feeds and Markdown must escape it.
        if not url.endswith((".json", ".csv", ".bib")):
            assert HOSTILE not in content, url
        else:
            assert response["Content-Disposition"].startswith("attachment"), url
        assert 'href="javascript:' not in content, url
        if url.endswith(".csv"):
            assert "\n=cmd" not in content and ",=cmd" not in content, url
