"""How long a curator decision, and one new paper's receipts, take to reach the public pages of the
large synthetic review (`make bench`, `make loadtest`): real POSTs through the curation view, real
GETs of the page that shows the change, the state put back afterwards (the decision reopened, the
paper deleted) so the benchmark database stays as seeded."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from baselines.access import ensure_curators_group
from baselines.models import BeatsReceipt
from baselines.signals import Touched
from benchmarks.models import BenchmarkResult, Board, LeaderboardEntry
from papers.models import Paper
from reviews.incremental import queue_refresh, queue_review_refresh, touched_by_papers
from reviews.models import Review, ReviewPaper
from worker.extract.names import normalize_model_name

BENCH_CURATOR = "bench-curator"
# A board this small lists every method on the benchmark page, so the approved one shows.
SMALL_BOARD = 20
GIVE_UP_SECONDS = 60.0
POLL_SECONDS = 0.05


@dataclass
class Latency:
    post_seconds: float  # the POST (with its refresh, when tasks run in-process)
    visible_seconds: float  # from the POST to the first page that shows the change


def bench_curator(password: str | None = None) -> AbstractBaseUser:
    """The curator the benchmarks decide as (in the curators group); `password` sets its password."""
    user, _ = get_user_model().objects.get_or_create(username=BENCH_CURATOR)
    user.groups.add(ensure_curators_group())
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def sole_results(review: Review, count: int) -> list[BenchmarkResult]:
    """Approved results that alone put their method on a board of the approved-only leaderboard (one
    paper reports it there), on boards small enough for the page to list every method: reopening one
    takes its method off that board."""
    crowded = set(
        Board.objects.filter(review=review, approved_only=True, methods__gte=SMALL_BOARD).values_list(
            "benchmark_id", "model_name", "setting"
        )
    )
    sole = LeaderboardEntry.objects.filter(review=review, approved_only=True, reports=1, unreviewed=False)
    rows = sole.values_list("result_id", "benchmark_id", "model_name", "setting").order_by("-pk")[: count * 50]
    result_ids = [result_id for result_id, *board in rows if tuple(board) not in crowded]
    found = BenchmarkResult.objects.filter(pk__in=result_ids).select_related("method", "benchmark").order_by("-pk")
    return [result for result in found if _alone(result)][:count]


def _alone(result: BenchmarkResult) -> bool:
    """Whether no other result of its paper gives its method a value on its benchmark and setting
    (one paper can print a method twice in a cell: then reopening one leaves the other listed)."""
    same = BenchmarkResult.objects.filter(
        paper_id=result.paper_id, method_id=result.method_id, benchmark_id=result.benchmark_id, setting=result.setting
    )
    return not same.exclude(pk=result.pk).exists()


def board_url(review: Review, result: BenchmarkResult) -> str:
    query = {
        "review": review.slug,
        "approved": "1",
        "model": normalize_model_name(result.model_name),
        "setting": result.setting,
    }
    return f"{reverse('benchmarks:leaderboard-json', args=[result.benchmark.slug])}?{urlencode(query)}"


def wait_until(shows: Callable[[], bool], started: float) -> float:
    """Seconds from `started` until `shows()` is true, polling as a reader reloading would."""
    while not shows():
        if time.perf_counter() - started > GIVE_UP_SECONDS:
            raise CommandError(f"the change was not public after {GIVE_UP_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def time_decision(client: Client, action: str, result: BenchmarkResult, shown: Callable[[], bool]) -> Latency:
    """POST the action on the result as the curation page does (htmx), then read the public page
    until `shown()`: seconds to each."""
    started = time.perf_counter()
    response = client.post(
        reverse("curate:decide", args=["result", result.pk, action]),
        {"reason": "bench: a decision timed to the public page"},
        headers={"HX-Request": "true"},
    )
    posted = time.perf_counter() - started
    if response.status_code != 200 or b"errorlist" in response.content:
        raise CommandError(f"{action} of result {result.pk} answered HTTP {response.status_code}")
    return Latency(posted, wait_until(shown, started))


def reopen_and_approve(client: Client, review: Review, result: BenchmarkResult) -> list[Latency]:
    """Two decisions on an approved result that alone puts its method on its board: reopened, the
    method leaves the approved-only leaderboard; approved again, it is back (as seeded)."""
    url = board_url(review, result)

    def listed() -> bool:
        return any(row["method"] == result.method.name for row in client.get(url).json()["entries"])

    return [
        time_decision(client, "reopen", result, lambda: not listed()),
        time_decision(client, "approve", result, listed),
    ]


def time_decisions(review: Review, count: int) -> list[Latency]:
    """`count` decisions, one after another (reopen and approve again, in pairs). The sub-problems' catch-up a decision queues runs later
    in a worker; here tasks run in-process, so its flag is raised first and it is not run inside the POST."""
    Review.objects.filter(pk=review.pk).update(subproblems_stale=True)
    client = Client()
    client.force_login(bench_curator())
    results = sole_results(review, (count + 1) // 2)
    if len(results) < (count + 1) // 2:
        raise CommandError(f"only {len(results)} results alone on a small board")
    return [latency for result in results for latency in reopen_and_approve(client, review, result)][:count]


def time_new_paper(review: Review) -> Latency:
    """A new paper with the receipts of the review's newest paper (its results and beats, copied),
    refreshed as ingestion refreshes it, until the dashboard's count of papers includes it; then
    deleted and refreshed again."""
    newest = ReviewPaper.objects.filter(review=review).included().order_by("-pk").first()
    if newest is None:
        raise CommandError("the review has no paper to copy")
    expected = _counted_papers(review) + 1
    paper = _copy_paper(review, newest.paper)
    try:
        started = time.perf_counter()
        queue_refresh({paper.pk}, touched_by_papers({paper.pk}))  # in-process tasks refresh here
        queued = time.perf_counter() - started
        return Latency(queued, wait_until(lambda: _counted_papers(review) == expected, started))
    finally:
        # Its receipts go first and are refreshed as a removal (the tallies move back), then the paper.
        touched = touched_by_papers({paper.pk})
        for model in (BenchmarkResult, BeatsReceipt):
            model.objects.filter(paper=paper).delete()
        queue_refresh({paper.pk}, touched)
        paper.delete()
        queue_review_refresh([review.pk], set(), Touched())  # the count of papers


def _counted_papers(review: Review) -> int:
    return Client().get(reverse("reviews:panels-json", args=[review.slug])).json()["counts"]["papers"]


# Copies get identifiers no arXiv paper has (December 1999 had no arXiv ids of five digits).
COPY_PREFIX = "9912."


def _copy_paper(review: Review, source: Paper) -> Paper:
    taken = Paper.objects.filter(arxiv_id__startswith=COPY_PREFIX).count()
    with transaction.atomic():
        paper = Paper.objects.create(
            arxiv_id=f"{COPY_PREFIX}{taken + 1:05d}",
            version=1,
            title=f"Bench copy of {source.title}"[:300],
            authors=source.authors,
            categories=source.categories,
            primary_category=source.primary_category,
            published=source.published,
            updated=source.updated,
        )
        ReviewPaper.objects.create(review=review, paper=paper)
        receipts = [*BenchmarkResult.objects.filter(paper=source), *BeatsReceipt.objects.filter(paper=source)]
        for receipt in receipts:
            receipt.pk, receipt.paper = None, paper
            receipt.save()
    return paper


class HttpCurator:
    """A curator at a browser: logged in to a running server over HTTP, deciding as the curation
    page does (htmx POSTs with the CSRF token), and a reader reloading the public page that shows it."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        login = self.session.get(f"{base_url}/accounts/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        if token is None:
            raise CommandError("the login page carries no CSRF token")
        self.cookies = dict(login.cookies)  # sent by hand: the server marks them Secure, we speak HTTP
        answer = self.session.post(
            f"{base_url}/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
            cookies=self.cookies,
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302:
            raise CommandError(f"the bench curator could not log in (HTTP {answer.status_code})")
        self.cookies.update(answer.cookies)

    def decide(self, result: BenchmarkResult, action: str) -> float:
        """POST the action on the result; returns seconds the POST took."""
        started = time.perf_counter()
        answer = self.session.post(
            f"{self.base_url}{reverse('curate:decide', args=['result', result.pk, action])}",
            data={"reason": "bench: a decision during the load test"},
            headers={"HX-Request": "true", "X-CSRFToken": self.cookies.get("csrftoken", "")},
            cookies=self.cookies,
            timeout=30,
        )
        if answer.status_code != 200:
            raise CommandError(f"{action} of result {result.pk} answered HTTP {answer.status_code}")
        return time.perf_counter() - started

    def listed(self, review: Review, result: BenchmarkResult) -> bool:
        """Whether the public approved-only leaderboard, read anonymously, lists the result's method."""
        page = requests.get(f"{self.base_url}{board_url(review, result)}", timeout=30).json()
        return any(row["method"] == result.method.name for row in page["entries"])


def decide_every_second(curator: HttpCurator, review: Review, seconds: float) -> list[Latency]:
    """For `seconds`, a decision a second (reopen, then approve again, on results that alone put
    their method on a small board), each timed from its POST until an anonymous reader sees it."""
    results = sole_results(review, int(seconds) // 2 + 1)
    if not results:
        raise CommandError("no result alone on a small board to decide on")
    plan = itertools.cycle((result, action) for result in results for action in ("reopen", "approve"))
    latencies: list[Latency] = []
    ends = time.perf_counter() + seconds
    while (started := time.perf_counter()) < ends:
        result, action = next(plan)
        posted = curator.decide(result, action)
        approved = action == "approve"
        shown = wait_until(lambda result=result, approved=approved: curator.listed(review, result) == approved, started)
        latencies.append(Latency(posted, shown))
        time.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))
    return latencies
