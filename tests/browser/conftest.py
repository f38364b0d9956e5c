"""Real headless Chromium from Debian's package, driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from baselines.access import ensure_curators_group
from reviews.derived import recompute_review
from reviews.models import Review
from reviews.services import load_reference_data
from tests.conftest import corpus_path

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
# Without these, Chromium tries Google's services at start and this machine's closed network refuses them.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make between
    # page actions are plain synchronous code, so Django's async-safety guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A Content Security Policy violation shows as a console error; none may happen.
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def screenshot(page: object, name: str) -> Path:
    """Save a screenshot as a test artifact (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


# Papers with tables of results, critiques and "beats" claims, ingested as `make run` does offline.
CORPUS_PDFS = ("awq.pdf", "qlora.pdf", "zeroquant.pdf", "optimal-brain-compression.pdf")


@pytest.fixture
def corpus_review(tmp_path: Path) -> Review:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name in CORPUS_PDFS:
        shutil.copy(corpus_path("pdfs", name), folder / name)
    load_reference_data()
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder), stdout=io.StringIO())
    review = Review.objects.get(slug="llm-quantization")
    recompute_review(review.pk)
    user = User.objects.create_user("dana", password="pw-dana-12345")
    user.groups.add(ensure_curators_group())
    return review
