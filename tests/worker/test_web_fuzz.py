"""The web fuzzer, reduced: every URL pattern with a few hostile values in every path and query
parameter, anonymously and as a curator, answers without a single server error."""

from __future__ import annotations

import pytest

from worker.ops import fuzz


def test_every_route_is_fuzzed_with_its_path_parameters_filled() -> None:
    urls = list(fuzz.requests_for("reviews/<slug:slug>/", fuzz.SAMPLE, ["-1"]))
    assert urls[0] == "/reviews/-1/"
    assert f"/reviews/{fuzz.SAMPLE['slug']}/?page=-1" in urls


@pytest.mark.django_db
def test_hostile_parameters_never_give_a_server_error() -> None:
    samples = fuzz.seed_review()
    lines: list[str] = []
    report = fuzz.fuzz_site(samples, ["\x01\x1f", "x" * 10_000, "-1"], lines.append)
    assert report.requests > 1000
    assert report.server_errors == [], "\n".join(lines)
