"""A curator's decision when PostgreSQL drops the connection mid-way: fully stored or clearly
refused, never half (the receipt's new status without its audit row, or the reverse)."""

import threading

import pytest
from django.db import OperationalError, connection, connections
from django.db.utils import InterfaceError

from baselines import curation
from baselines.models import CuratorDecision
from benchmarks.models import BenchmarkResult
from tests.factories import make_result


def _requires_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("terminating a server connection mid-transaction needs PostgreSQL (CI runs on it)")


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_decision_leaves_nothing_half_done(alice, monkeypatch):
    _requires_postgres()
    result = make_result()
    backend_pid = connection.cursor().connection.info.backend_pid
    audit = type(CuratorDecision.objects)  # the audit trail's one writer: CuratorDecision.objects.record
    original_record = audit.record

    def record_after_the_server_dies(*args, **kwargs):
        # The receipt row is updated inside the transaction; now the server drops this connection
        # (as a PostgreSQL restart does) before the audit row is written.
        killer = connections.create_connection("default")
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        killer.close()
        return original_record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", record_after_the_server_dies)
    with pytest.raises((OperationalError, InterfaceError)):
        curation.decide("result", result.pk, actor=alice, action="approve")
    connection.close()  # what Django does at the end of a request whose connection broke
    result.refresh_from_db()
    assert result.status == "pending" and result.decided_by is None
    assert CuratorDecision.objects.count() == 0
    monkeypatch.setattr(audit, "record", original_record)
    curation.decide("result", result.pk, actor=alice, action="approve")  # the retry succeeds whole
    assert BenchmarkResult.objects.get().status == "approved" and CuratorDecision.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_curators_racing_on_one_receipt_store_one_decision(alice, bob):
    _requires_postgres()
    result = make_result()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def decide(user, action, reason=""):
        barrier.wait()
        try:
            curation.decide("result", result.pk, actor=user, action=action, reason=reason)
            outcomes.append("stored")
        except curation.AlreadyDecided:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(alice, "approve")),
        threading.Thread(target=decide, args=(bob, "reject", "duplicate row")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "stored"]
    assert CuratorDecision.objects.count() == 1
