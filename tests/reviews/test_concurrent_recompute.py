"""Two workers recomputing one review at the same moment (a decision landed while the first ran):
they take turns, and neither fails on the other's uncommitted rows."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from reviews.derived import recompute_review
from reviews.models import MethodStanding
from tests.factories import add_to_review, make_beats, make_paper, make_result, make_review


@pytest.mark.django_db(transaction=True)
def test_two_recomputes_of_one_review_at_once_both_succeed():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; the race needs PostgreSQL (CI runs on it)")
    review = make_review()
    for _ in range(3):
        paper = make_paper()
        add_to_review(review, paper)
        make_result(paper=paper)
        make_beats(paper=paper)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def recompute() -> None:
        barrier.wait()
        try:
            recompute_review(review.pk)
        except BaseException as exc:  # noqa: BLE001 - the assertion names whatever went wrong
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recompute) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert MethodStanding.objects.filter(review=review, approved_only=False).count() == 3
