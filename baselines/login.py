"""Login with throttling: too many failures for one account, or from one address, lock it for a while."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)
# Five wrong passwords per account or address within 15 minutes, then wait: slow enough to stop
# guessing, short enough that a curator who mistyped is not locked out for long.
MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def client_address(request: HttpRequest) -> str:
    # Behind the proxy in docker-compose, REMOTE_ADDR is the proxy; gunicorn is configured with
    # forwarded_allow_ips so REMOTE_ADDR is already the client's (see the deployment notes).
    return request.META.get("REMOTE_ADDR", "unknown")


def _keys(request: HttpRequest, username: str) -> list[str]:
    return [f"login-failures:user:{username.strip().lower()}", f"login-failures:addr:{client_address(request)}"]


def is_throttled(request: HttpRequest, username: str) -> bool:
    try:
        return any((cache.get(key) or 0) >= MAX_FAILURES for key in _keys(request, username))
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
    for key in _keys(request, username):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, WINDOW_SECONDS)


def clear_failures(request: HttpRequest, username: str) -> None:
    try:
        cache.delete_many(_keys(request, username))
    except Exception as exc:
        logger.warning("login throttling unavailable: the cache does not answer (%s)", exc)


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        if self.request is not None and is_throttled(self.request, username):
            raise forms.ValidationError(
                "Too many failed attempts for this account or address. Try again in 15 minutes.", code="throttled"
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
