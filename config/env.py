"""Typed readers for environment variables that fail loudly, naming the variable, on bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class Env:
    """Reads settings from a mapping (os.environ by default) so tests can pass their own."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self.source = os.environ if source is None else source

    def str(self, name: str, default: str = "") -> str:
        return self.source.get(name, default).strip()

    def bool(self, name: str, default: bool) -> bool:
        raw = self.source.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")

    def int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        raw = self.source.get(name)
        if raw is None or not raw.strip():
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
        if minimum is not None and value < minimum:
            raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
        return value

    def float(self, name: str, default: float) -> float:
        raw = self.source.get(name)
        if raw is None or not raw.strip():
            return default
        try:
            return float(raw.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None

    def list(self, name: str, default: list[str] | None = None) -> list[str]:
        raw = self.source.get(name)
        if raw is None:
            return list(default or [])
        return [item.strip() for item in raw.split(",") if item.strip()]

    def database(self, name: str, default: dict[str, Any]) -> dict[str, Any]:
        """A Django DATABASES entry from a URL such as postgres://user@host:5432/db."""
        raw = self.str(name)
        if not raw:
            return default
        scheme = urlsplit(raw).scheme
        if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
            raise ImproperlyConfigured(
                f"{name} must be a postgres:// or sqlite:// URL, got scheme {scheme or '(none)'!r} in {raw!r}."
            )
        import dj_database_url

        try:
            config: dict[str, Any] = dict(dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True))
        except (ValueError, KeyError) as exc:
            raise ImproperlyConfigured(f"{name} is malformed ({exc}): {raw!r}") from None
        if scheme != "sqlite" and not config.get("NAME"):
            raise ImproperlyConfigured(f"{name} names no database: add /dbname to {raw!r}.")
        return config

    def redis_url(self, name: str) -> str:
        raw = self.str(name)
        if raw and urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
            raise ImproperlyConfigured(f"{name} must be a redis:// or rediss:// URL, got {raw!r}.")
        return raw
