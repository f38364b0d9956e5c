"""A benchmark page a reader can read: clean model names in the picker, printed precision, no chart
of one point, and our own small plotly bundle."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from reviews.derived import recompute_review
from tests.factories import add_to_review, make_benchmark, make_method, make_paper, make_result, make_review

NOW = timezone.now()
BUNDLE_LIMIT = 1_500_000


@pytest.fixture
def board(db):
    review = make_review(slug="reading")
    wiki = make_benchmark("WikiText-2", direction="lower")
    gptq = make_method("GPTQ")
    paper = make_paper()
    add_to_review(review, paper)
    done = {"status": "approved", "decided_at": NOW, "paper": paper, "benchmark": wiki}
    make_result(method=gptq, model_name="GPT-31.3B", setting="W4A16", value=18.53, value_text="18.53", **done)
    make_result(method=make_method("RTN"), model_name="GPT-3 1.3B", setting="W4A16", value=19.1, **done)
    make_result(method=gptq, model_name="", setting="W4A16", value=7.1, value_text="7.10", **done)
    make_result(method=gptq, model_name="2.7B", setting="W4A16", value=14.4, value_text="14.40", **done)
    recompute_review(review.pk)
    return review, wiki


def page(client, wiki, **params):
    return client.get(reverse("benchmarks:detail", args=[wiki.slug]), {"review": "reading", **params})


def test_glued_and_spaced_spellings_of_a_model_make_one_board(client, board):
    _, wiki = board
    response = page(client, wiki)
    models = [b["model_name"] for b in response.context["boards"]]
    assert models.count("GPT-3-1.3B") == 1 and "GPT-31.3B" not in models
    assert [e.method.name for e in response.context["entries"]] == ["GPTQ", "RTN"]


def test_the_picker_lists_no_blank_model(client, board):
    _, wiki = board
    assert "" not in [b["model_name"] for b in page(client, wiki).context["boards"]]


def test_the_picker_says_when_a_bare_size_has_no_family(client, board):
    _, wiki = board
    assert "2.7B (model family not named) · W4A16" in page(client, wiki).content.decode()


def test_the_leaderboard_prints_values_at_the_papers_precision(client, board):
    _, wiki = board
    html = page(client, wiki, model="GPT-3-1.3B", setting="W4A16").content.decode()
    assert "<td>18.53" in html and "18.5300" not in html
    assert "<td>19.1" in html and "19.1000" not in html


def test_a_one_paper_spread_is_a_number_not_a_chart(client, board):
    _, wiki = board
    response = page(client, wiki, model="GPT-3-1.3B", setting="W4A16")
    assert response.context["disagreement_chart"] is None
    assert b'id="disagreement-single"' in response.content and b'data-chart="disagreement-data"' not in response.content
    assert b"<strong>18.53</strong>" in response.content  # the board's most reported cell, GPTQ, ranks first


def test_the_page_references_our_own_plotly_bundle_under_the_limit(client, board):
    _, wiki = board
    html = page(client, wiki).content.decode()
    src = f"{settings.STATIC_URL}vendor/plotly-basic.min.js"
    assert f'data-plotly="{src}"' in html
    bundle = Path(finders.find("vendor/plotly-basic.min.js"))
    assert bundle.stat().st_size < BUNDLE_LIMIT
    assert bundle.read_text(encoding="utf-8", errors="replace")[:200].count("plotly.js (basic") == 1


def test_the_full_plotly_bundle_is_no_longer_served():
    assert finders.find("vendor/plotly.min.js") is None


def test_the_full_precision_number_is_a_marked_reference_line_not_a_ranked_method(client, board):
    from baselines.models import MethodFamily
    from benchmarks.boards import FULL_PRECISION_FAMILY

    review, wiki = board
    assert FULL_PRECISION_FAMILY == MethodFamily.FULL_PRECISION
    fp16 = make_method("FP16", family=MethodFamily.FULL_PRECISION)
    paper = make_paper()
    add_to_review(review, paper)
    make_result(
        method=fp16,
        paper=paper,
        benchmark=wiki,
        model_name="GPT-3-1.3B",
        setting="W16A16",
        value=17.9,
        value_text="17.90",
        status="approved",
        decided_at=NOW,
    )
    recompute_review(review.pk)
    response = page(client, wiki, model="GPT-3-1.3B", setting="W4A16")
    [reference] = response.context["references"]
    assert reference.method == fp16 and reference.shown == "17.90"
    assert [e.method.name for e in response.context["entries"]] == ["GPTQ", "RTN"]
    assert b'<tr class="reference">' in response.content
