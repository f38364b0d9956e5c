"""Login throttling keys on the real client: X-Forwarded-For is read only from a trusted proxy;
failures lock an account from one address, and one address across accounts (issue 15.2)."""

import pytest
from django.urls import reverse

from baselines.login import ADDRESS_MAX_FAILURES, MAX_FAILURES, client_address
from tests.test_settings import PROBE, run_with

PROXY = "10.0.0.2"
RIGHT = "pw-alice-123"


def post(client, username, password, peer, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=peer, headers=headers
    )


def logged_in(response):
    return response.status_code == 302


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY, "192.168.50.0/24"]


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(rf, behind_proxy):
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop(rf, behind_proxy):
    spoofed = "1.2.3.4, 198.51.100.7, 192.168.50.3"  # the client wrote the first entry itself
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=spoofed)
    assert client_address(request) == "198.51.100.7"


def test_without_trusted_proxies_the_connecting_address_counts(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == PROXY


def test_spoofed_forwarding_does_not_dodge_the_lock(client, alice, behind_proxy):
    for n in range(MAX_FAILURES):
        post(client, "alice", "wrong", "203.0.113.9", forwarded=f"198.51.100.{n}")
    assert not logged_in(post(client, "alice", RIGHT, "203.0.113.9", forwarded="198.51.100.99"))


def test_behind_the_proxy_two_clients_are_told_apart(client, alice, behind_proxy):
    for _ in range(MAX_FAILURES):
        post(client, "alice", "wrong", PROXY, forwarded="198.51.100.1")
    assert not logged_in(post(client, "alice", RIGHT, PROXY, forwarded="198.51.100.1"))
    assert logged_in(post(client, "alice", RIGHT, PROXY, forwarded="198.51.100.2"))


def test_another_clients_failures_do_not_lock_a_correct_login_from_elsewhere(client, alice, superuser):
    for _ in range(MAX_FAILURES):
        post(client, "root", "wrong", "203.0.113.9")
    assert logged_in(post(client, "root", "pw-root-123", "198.51.100.5"))


def test_a_success_clears_only_its_own_account_and_address(client, alice, bob):
    for n in range(ADDRESS_MAX_FAILURES - MAX_FAILURES):
        post(client, f"guess{n}", "wrong", "203.0.113.9")
    for _ in range(MAX_FAILURES - 1):
        post(client, "bob", "wrong", "203.0.113.9")
    assert logged_in(post(client, "alice", RIGHT, "203.0.113.9"))
    client.logout()
    # alice's success wiped neither the address's nor bob's failures: one more and the address is locked
    post(client, "bob", "wrong", "203.0.113.9")
    assert not logged_in(post(client, "bob", "pw-bob-123", "203.0.113.9"))
    assert not logged_in(post(client, "alice", RIGHT, "203.0.113.9"))
    assert logged_in(post(client, "bob", "pw-bob-123", "198.51.100.5"))


def test_a_success_clears_its_own_pairs_failures(client, alice):
    for _ in range(MAX_FAILURES - 1):
        post(client, "alice", "wrong", "203.0.113.9")
    assert logged_in(post(client, "alice", RIGHT, "203.0.113.9"))
    client.logout()
    post(client, "alice", "wrong", "203.0.113.9")
    assert logged_in(post(client, "alice", RIGHT, "203.0.113.9"))


def test_a_malformed_trusted_proxy_fails_loudly():
    done = run_with({"TRUSTED_PROXIES": "10.0.0.2, proxy.internal"}, "-c", PROBE)
    assert done.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network" in done.stderr
