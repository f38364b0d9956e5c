"""The synthesis page and its Markdown export: read the stored document, every section, escaped,
a fixed number of queries; curators ask for a new draft, which the task writes."""

import pytest
from django.urls import reverse

from reviews.derived import recompute_review
from reviews.models import DraftStatus, SynthesisDraft
from reviews.synthesis import latest_draft
from reviews.synthesis_compose import SECTIONS, SYNTHESIS_PARTS
from tests.factories import add_to_review, make_beats, make_method, make_paper
from tests.reviews.conftest import LIN, RTN_SENTENCE
from worker.tasks import write_synthesis_draft

HOSTILE = '<script>alert("x")</script>'


def test_the_page_shows_every_section_with_located_sentences(client, synth):
    page = client.get(reverse("reviews:synthesis", args=[synth.slug])).content.decode()
    for _, title in (*SECTIONS, *SYNTHESIS_PARTS):
        assert f">{title}</h" in page, title
    assert 'data-paper="2401.00001" data-page="6"' in page and "p.&nbsp;6, Table 3" in page
    assert "Round-to-nearest rounds every weight to the closest level of a uniform grid" in page


def test_the_markdown_export_has_every_section(client, alice, synth):
    client.force_login(alice)
    markdown = client.get(reverse("reviews:export", args=[synth.slug, "synthesis.md"])).content.decode()
    for _, title in SECTIONS:
        assert f"\n## {title}\n" in markdown, title
    for _, title in SYNTHESIS_PARTS:
        assert f"\n### {title}\n" in markdown, title
    assert "### RQ1. Which methods beat GPTQ on WikiText-2 perplexity?" in markdown
    assert f"“{RTN_SENTENCE}” (Dettmers and Zettlemoyer, 2022 \\[arXiv:2401.00003\\], p. 4, §2 Method)" in markdown
    assert (
        "| GPTQ | WikiText-2 perplexity | LLaMA-7B | W4A16 | 6.50 (Lin et al., 2023, p. 6); 7.60 (Lee et al., 2023, p. 8) | 16% | disagree |"
        in markdown
    )
    assert (
        "- \\[lin2023awq\\] Ji Lin, Jiaming Tang, Song Han (2023). AWQ: Activation-aware Weight Quantization. arXiv:2401.00001. https://arxiv.org/abs/2401.00001"
        in markdown
    )


def test_the_page_and_export_read_the_stored_draft_and_compose_nothing(client, alice, synth, monkeypatch):
    def composing(*args, **kwargs):
        raise AssertionError("a draft was composed during a request")

    monkeypatch.setattr("reviews.synthesis.gather_evidence", composing)
    monkeypatch.setattr("reviews.synthesis.compose_document", composing)
    assert client.get(reverse("reviews:synthesis", args=[synth.slug])).status_code == 200
    client.force_login(alice)
    assert client.get(reverse("reviews:export", args=[synth.slug, "synthesis.md"])).status_code == 200
    assert client.get(reverse("reviews:synthesis", args=[synth.slug])).status_code == 200


def test_the_page_query_count_does_not_grow_with_the_document(client, synth, django_assert_max_num_queries):
    url = reverse("reviews:synthesis", args=[synth.slug])
    with django_assert_max_num_queries(3) as small:
        assert client.get(url).status_code == 200
    for n in range(12):
        paper = make_paper(authors=[f"Author {n}"])
        add_to_review(synth, paper)
        make_beats(paper=paper, method=make_method(f"New{n}"), baseline=make_method(f"Old{n}"))
    recompute_review(synth.pk)
    assert len(latest_draft(synth).document["evidence_base"]) == 16
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_paper_text_is_escaped_on_the_page_and_in_markdown(client, alice, synth):
    paper = make_paper(title=HOSTILE, authors=[HOSTILE])
    add_to_review(synth, paper)
    make_beats(paper=paper, method=make_method(HOSTILE), baseline=make_method("GPTQ-x"), page=2, locator=HOSTILE)
    recompute_review(synth.pk)
    client.force_login(alice)
    page = client.get(reverse("reviews:synthesis", args=[synth.slug])).content.decode()
    markdown = client.get(reverse("reviews:export", args=[synth.slug, "synthesis.md"])).content.decode()
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert HOSTILE not in markdown and "<script>" not in markdown


def test_a_curator_regenerates_the_draft_and_the_page_shows_it(
    client, alice, synth, settings, django_capture_on_commit_callbacks
):
    settings.ANTHROPIC_API_KEY = ""
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:synthesis-regenerate", args=[synth.slug]))
    assert response.status_code == 302
    draft = SynthesisDraft.objects.get(requested_by=alice)
    assert draft.status == DraftStatus.READY and draft.generator == "receipts" and draft.document["title"]
    page = client.get(reverse("reviews:synthesis", args=[synth.slug]))
    assert b"from the review's receipts and the papers' own sentences" in page.content
    progress = client.get(
        reverse("reviews:synthesis-progress", args=[synth.slug, draft.pk]), headers={"HX-Request": "true"}
    )
    assert progress["HX-Refresh"] == "true"


def test_every_recompute_rewrites_one_draft_from_the_receipts(synth):
    recompute_review(synth.pk)
    (draft,) = SynthesisDraft.objects.filter(review=synth)
    assert draft.status == DraftStatus.READY and draft.generator == "receipts" and draft.requested_by is None
    assert draft.document["generator"] == "receipts"


@pytest.mark.django_db
def test_a_draft_stored_in_an_older_shape_is_not_shown_as_a_document(client, synth):
    SynthesisDraft.objects.filter(review=synth).update(document={"Key findings": [{"text": "old", "papers": []}]})
    page = client.get(reverse("reviews:synthesis", args=[synth.slug])).content.decode()
    assert "No draft has been written yet" in page and "old" not in page.split("<main>")[1]


def test_the_task_writes_a_requested_draft_and_is_safe_to_run_twice(synth, alice, settings):
    settings.ANTHROPIC_API_KEY = ""
    draft = SynthesisDraft.objects.create(review=synth, requested_by=alice, started_at=synth.created_at)
    write_synthesis_draft(draft.pk)
    draft.refresh_from_db()
    finished = draft.finished_at
    write_synthesis_draft(draft.pk)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY and draft.finished_at == finished
    assert draft.document["synthesis"]["key_findings"][0]["cites"][0]["paper"] == LIN
