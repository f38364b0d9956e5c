"""Login with throttling, keyed on the real client's address.

The client's address is the connecting address (REMOTE_ADDR), unless that is one of
`settings.TRUSTED_PROXIES` (addresses or networks, from the environment; empty by default): then
X-Forwarded-For is read from the right, skipping our own proxies, and the first address no proxy
of ours wrote is the client. What a client writes into X-Forwarded-For itself is never believed,
and from an untrusted peer the header is ignored altogether.

Two counters, each over a 15-minute window:

- per account *and* address: `MAX_FAILURES` wrong passwords for one account from one address
  lock that account from that address only. A curator elsewhere still logs in: one client's
  guessing never locks a curator out everywhere (that would let anyone lock out any account).
- per address: `ADDRESS_MAX_FAILURES` failures from one address, whatever the accounts, lock
  that address (password spraying). It is higher than the first so that a few curators behind one
  office NAT who mistype do not lock each other out.

A successful login clears only its own account+address counter: a success proves nothing about
the other accounts tried from that address, so the address counter stays until it expires.
Guessing one account from many addresses is slowed by each address's limits only; the password
validators are what stand against that.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)
# Five wrong passwords per account and address within 15 minutes, then wait: slow enough to stop
# guessing, short enough that a curator who mistyped is not locked out for long.
MAX_FAILURES = 5
ADDRESS_MAX_FAILURES = 20
WINDOW_SECONDS = 15 * 60

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted_networks() -> list[IPNetwork]:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]


def _is_trusted(address: str, networks: list[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address the request came from: see the module's docstring for when a proxy is believed."""
    peer = request.META.get("REMOTE_ADDR", "unknown")
    networks = _trusted_networks()
    if not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:  # garbage in the header: the last proxy we trust is all we know
            return client
        client = hop
        if not _is_trusted(hop, networks):
            return hop
    return client


def _limits(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    address = client_address(request)
    account = username.strip().lower()
    return [
        (f"login-failures:pair:{account}:{address}", MAX_FAILURES),
        (f"login-failures:addr:{address}", ADDRESS_MAX_FAILURES),
    ]


def is_throttled(request: HttpRequest, username: str) -> bool:
    try:
        return any((cache.get(key) or 0) >= limit for key, limit in _limits(request, username))
    except Exception as exc:
        # With the cache (Redis) down we cannot count; logging in still works, and we say so.
        logger.warning("login throttling unavailable: the cache does not answer (%s)", exc)
        return False


def record_failure(request: HttpRequest, username: str) -> None:
    try:
        _count_failure(request, username)
    except Exception as exc:
        logger.warning("login throttling unavailable: the cache does not answer (%s)", exc)


def _count_failure(request: HttpRequest, username: str) -> None:
    for key, _limit in _limits(request, username):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, WINDOW_SECONDS)


def clear_failures(request: HttpRequest, username: str) -> None:
    """After a success: this account's failures from this address, and nothing else."""
    pair, _limit = _limits(request, username)[0]
    try:
        cache.delete(pair)
    except Exception as exc:
        logger.warning("login throttling unavailable: the cache does not answer (%s)", exc)


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        if self.request is not None and is_throttled(self.request, username):
            raise forms.ValidationError(
                "Too many failed attempts for this account from your address, or from your address. "
                "Try again in 15 minutes.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.request is not None:
                record_failure(self.request, username)
            raise
        if self.request is not None:
            clear_failures(self.request, username)
        return cleaned


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
