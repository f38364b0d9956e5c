"""A stand-in for the HTTP layer: answers queued one by one, and every request remembered."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import requests


def response(
    status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None, url: str = ""
) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.raw = io.BytesIO(body)
    answer.headers.update(headers or {})
    answer.url = url
    return answer


class FakeSession(requests.Session):
    """Replays `answers` in order: a Response, or an exception to raise."""

    def __init__(self, answers: Iterable[requests.Response | Exception]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def get(self, url: str | bytes, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.requests.append((str(url), kwargs))
        if not self.answers:
            raise AssertionError(f"unexpected request to {url}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        answer.url = str(url)
        return answer
