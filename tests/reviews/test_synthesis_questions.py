"""Research questions: seeded from the review's scope, edited by curators (login, permission, CSRF),
escaped wherever they are shown."""

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Review, SynthesisDraft
from reviews.reference import LLM_QUANTIZATION
from reviews.services import upsert_review
from reviews.synthesis import synthesis_markdown
from reviews.synthesis_compose import questions
from tests.factories import make_review

HOSTILE = '<script>alert("x")</script>'


def url(review: Review) -> str:
    return reverse("reviews:synthesis-questions", args=[review.slug])


def test_anonymous_readers_are_sent_to_log_in(client, synth):
    for response in (client.get(url(synth)), client.post(url(synth), {"questions": "Why?"})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    synth.refresh_from_db()
    assert "Why?" not in synth.research_questions


def test_logged_in_users_without_the_curator_permission_are_refused(client, charlie, synth):
    client.force_login(charlie)
    assert client.get(url(synth)).status_code == 403
    assert client.post(url(synth), {"questions": "Why?"}).status_code == 403
    synth.refresh_from_db()
    assert "Why?" not in synth.research_questions


def test_a_post_without_the_csrf_token_is_refused(alice, synth):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    assert csrf_client.post(url(synth), {"questions": "Why?"}).status_code == 403
    synth.refresh_from_db()
    assert "Why?" not in synth.research_questions


def test_a_curator_rewrites_the_questions_and_a_new_draft_answers_them(
    alice, synth, settings, django_capture_on_commit_callbacks
):
    settings.ANTHROPIC_API_KEY = ""
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    form = csrf_client.get(url(synth))
    assert form.status_code == 200 and "Which methods beat GPTQ on WikiText-2 perplexity?" in form.content.decode()
    token = form.cookies["csrftoken"].value
    asked = "  Which methods beat GPTQ?  \n\nWhere does RTN collapse?\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post(url(synth), {"questions": asked, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == reverse("reviews:synthesis", args=[synth.slug])
    synth.refresh_from_db()
    assert synth.research_questions == ["Which methods beat GPTQ?", "Where does RTN collapse?"]
    draft = SynthesisDraft.objects.get(review=synth, requested_by=alice)
    assert [f["question"] for f in draft.document["findings"]] == synth.research_questions


@pytest.mark.parametrize("asked", ["", "   \n  ", "\n".join(f"Question {n}?" for n in range(13)), "Why " * 120])
def test_an_empty_or_oversized_list_of_questions_is_refused(client, alice, synth, asked):
    client.force_login(alice)
    response = client.post(url(synth), {"questions": asked})
    assert response.status_code == 400 and b'class="errors"' in response.content
    assert synth.research_questions == Review.objects.get(pk=synth.pk).research_questions


def test_a_question_is_escaped_on_the_page_and_in_markdown(client, alice, synth, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(synth), {"questions": f"Does {HOSTILE} quantize [well](javascript:alert(1))?"})
    page = client.get(reverse("reviews:synthesis", args=[synth.slug])).content.decode()
    assert HOSTILE not in page and "Does &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; quantize" in page
    assert "&lt;script&gt;" in client.get(url(synth)).content.decode()
    markdown = synthesis_markdown(synth)
    assert "<script>" not in markdown and "](javascript:" not in markdown


@pytest.mark.django_db
def test_a_review_without_questions_asks_one_from_its_scope():
    review = make_review(tagline="Methods that run language models at low precision.")
    assert questions(review) == [
        "What do the included papers show about methods that run language models at low precision?"
    ]


@pytest.mark.django_db
def test_the_shipped_review_gets_its_spec_questions_and_keeps_a_curators():
    review = make_review(slug=LLM_QUANTIZATION["slug"])
    upsert_review(LLM_QUANTIZATION)
    review.refresh_from_db()
    assert review.research_questions == LLM_QUANTIZATION["research_questions"]
    Review.objects.filter(pk=review.pk).update(research_questions=["Our own question?"])
    upsert_review(LLM_QUANTIZATION)
    review.refresh_from_db()
    assert review.research_questions == ["Our own question?"]
