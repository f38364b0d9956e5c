import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from baselines.access import ensure_curators_group
from baselines.models import CuratorDecision, MethodCandidate
from benchmarks.models import BenchmarkCandidate
from papers.models import Citation, PaperDocument, PaperSummary, ParsedPage, Reference
from reviews.services import load_reference_data
from tests.factories import add_to_review, make_beats, make_critique, make_paper, make_result, make_review
from worker.models import ExtractionEvaluation, IngestionFailure, IngestionRun, RunItem

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def populated(db, superuser):
    """At least one row of every registered model, some of them hostile."""
    load_reference_data()
    paper = make_paper(title="<script>alert('x')</script>")
    review = make_review()
    add_to_review(review, paper)
    result = make_result(paper=paper, quote="<script>alert('x')</script>")
    make_critique(paper=paper)
    make_beats(paper=paper)
    MethodCandidate.objects.create(paper=paper, name="FooQuant", extractor="rules", extractor_version="1")
    BenchmarkCandidate.objects.create(paper=paper, name="FooBench", extractor="rules", extractor_version="1")
    document = PaperDocument.objects.create(paper=paper, version=1, status="parsed", page_count=1)
    ParsedPage.objects.create(document=document, number=1, text="Table 1: results", captions=["Table 1: results"])
    reference = Reference.objects.create(paper=paper, position=1, raw_text="Frantar et al. GPTQ. 2022.")
    Citation.objects.create(
        paper=paper, cited=make_paper(), reference=reference, extractor="rules", extractor_version="1"
    )
    PaperSummary.objects.create(
        paper=paper, contribution="A method.", generator="receipts", generated_at=timezone.now()
    )
    run = IngestionRun.objects.create(review=review, started_at=timezone.now())
    IngestionFailure.objects.create(run=run, arxiv_id=paper.arxiv_id, stage="parse", reason="encrypted")
    RunItem.objects.create(run=run, paper=paper, document=document, state="failed")
    ExtractionEvaluation.objects.create(
        ran_at=timezone.now(),
        extractor="rules",
        version="1",
        papers=4,
        results_f1=0.8,
        attributes=0.9,
        beats_f1=0.7,
        critiques_f1=0.5,
        report="papers=4",
    )
    CuratorDecision.objects.record(result, "approve", superuser)
    ensure_curators_group()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_admin_changelist_renders_for_a_superuser(client, superuser, populated, model):
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    assert b"<script>alert" not in response.content


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_admin_change_page_renders_for_a_superuser(client, superuser, populated, model):
    instance = model.objects.first()
    assert instance is not None, f"the populated fixture has no {model._meta.label} row"
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[instance.pk])
    assert client.get(url).status_code == 200


def test_the_audit_trail_is_read_only_in_the_admin(rf, superuser):
    from baselines.models import CuratorDecision

    model_admin = admin.site._registry[CuratorDecision]
    request = rf.get("/")
    request.user = superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_anonymous_users_are_sent_to_the_admin_login(client, db):
    response = client.get(reverse("admin:papers_paper_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
