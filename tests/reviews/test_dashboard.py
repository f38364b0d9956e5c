"""The review home's three panels, recomputed from receipts, and what they link to."""

import datetime as dt

import pytest
from django.urls import reverse

from reviews.derived import recompute_review
from reviews.models import FrontierEntry, MethodStanding, Review, SubProblem, UnreviewedPolicy
from tests.factories import (
    NOW,
    add_to_review,
    approved,
    make_beats,
    make_benchmark,
    make_critique,
    make_method,
    make_paper,
    make_result,
    make_review,
)


@pytest.fixture
def field(db):
    """A small field: GPTQ is critiqued by two papers and beaten by three; AWQ is beaten once."""
    review = make_review(slug="field", frontier_window_days=180)
    gptq, awq, rtn = make_method("GPTQ"), make_method("AWQ"), make_method("RTN")
    papers = [make_paper(published=NOW - dt.timedelta(days=400 - i)) for i in range(4)]
    for paper in papers:
        add_to_review(review, paper)
    make_critique(paper=papers[0], method=gptq, **approved())
    make_critique(paper=papers[1], method=gptq, **approved())
    make_critique(paper=papers[1], method=gptq, quote="second quote, same paper", **approved())
    make_critique(paper=papers[2], method=rtn, **approved())
    for paper in papers[:3]:
        make_beats(paper=paper, method=awq, baseline=gptq, **approved())
    make_beats(paper=papers[3], method=make_method("NewQ"), baseline=awq, **approved())
    outsider = make_paper()  # not in the review: its receipts never count here
    make_critique(paper=outsider, method=awq, **approved())
    return review, {"gptq": gptq, "awq": awq, "rtn": rtn}, papers


def test_most_superseded_counts_distinct_papers_and_ranks_by_them(field):
    review, methods, _ = field
    recompute_review(review.pk)
    rows = list(MethodStanding.objects.filter(review=review, approved_only=False).select_related("method"))
    assert [(r.method.name, r.critique_papers, r.beaten_by_papers) for r in rows] == [
        ("GPTQ", 2, 3),
        ("AWQ", 0, 1),
        ("RTN", 1, 0),
    ]


def test_the_dashboard_shows_counts_and_links_each_number_to_its_receipts(client, field):
    review, methods, papers = field
    recompute_review(review.pk)
    page = client.get(review.get_absolute_url())
    critiques_url = reverse("reviews:receipts", args=[review.slug, "critiques", methods["gptq"].slug])
    beaten_url = reverse("reviews:receipts", args=[review.slug, "beaten-by", methods["gptq"].slug])
    assert critiques_url.encode() in page.content and beaten_url.encode() in page.content
    assert b"2 papers critique it" in page.content and b"3 beat it on benchmarks" in page.content
    assert page.context["counts"]["critiques"] == 4
    listing = client.get(beaten_url)
    assert listing.status_code == 200 and len(listing.context["page"]) == 3
    assert b"3 papers (the dashboard's number" in listing.content
    assert b"AWQ beats" in listing.content


def test_subproblems_group_methods_reported_on_the_same_benchmark_and_model(db):
    review = make_review()
    wiki, piqa = make_benchmark("Wiki"), make_benchmark("PIQA", direction="higher")
    a, b, c, x, y, z = (make_method(n) for n in ("A", "B", "C", "X", "Y", "Z"))
    for _ in range(3):
        paper = make_paper()
        add_to_review(review, paper)
        for method in (a, b, c):
            make_result(paper=paper, method=method, benchmark=wiki, model_name="LLaMA-7B", **approved())
    for _ in range(2):
        paper = make_paper()
        add_to_review(review, paper)
        for method in (x, y, z):
            make_result(paper=paper, method=method, benchmark=piqa, model_name="OPT-13B", **approved())
        make_result(paper=paper, method=x, benchmark=piqa, model_name="OPT-66B", **approved())  # alone: no edge
    recompute_review(review.pk)
    groups = [set(sp.member_ids) for sp in SubProblem.objects.filter(review=review, approved_only=False)]
    assert sorted(groups, key=len) == [{a.pk, b.pk, c.pk}, {x.pk, y.pk, z.pk}] or sorted(
        map(frozenset, groups)
    ) == sorted(map(frozenset, [{a.pk, b.pk, c.pk}, {x.pk, y.pk, z.pk}]))
    first = SubProblem.objects.filter(review=review, approved_only=False).first()
    assert first.size == 3 and first.benchmark_names in (["Wiki"], ["PIQA"])


def test_the_frontier_lists_recent_unbeaten_methods_newest_first(db):
    review = make_review(frontier_window_days=90)

    def introduced(name, days_ago):
        paper = make_paper(published=NOW - dt.timedelta(days=days_ago))
        add_to_review(review, paper)
        return make_method(name, introduced_by=paper), paper

    fresh, fresh_paper = introduced("Fresh", 10)
    newer, _ = introduced("Newer", 2)
    beaten, _ = introduced("Beaten", 5)
    introduced("Old", 400)
    make_beats(paper=fresh_paper, method=fresh, baseline=beaten, **approved())
    recompute_review(review.pk)
    assert [
        e.method.name for e in FrontierEntry.objects.filter(review=review, approved_only=False).select_related("method")
    ] == [
        "Newer",
        "Fresh",
    ]


def test_pending_receipts_keep_counting_beside_approved_ones_and_a_reader_can_drop_them(db):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper)
    gptq = make_method("GPTQ")
    make_critique(paper=paper, method=gptq)  # pending
    make_result(paper=paper, **approved())  # a curator decision elsewhere must not empty the panel
    recompute_review(review.pk)
    assert MethodStanding.objects.get(review=review, approved_only=False).critique_papers == 1
    assert not MethodStanding.objects.filter(review=review, approved_only=True).exists()
    review.refresh_from_db()
    assert review.derived_counts["critiques"] == 1 and review.derived_counts["approved_critiques"] == 0
    Review.objects.filter(pk=review.pk).update(unreviewed_policy=UnreviewedPolicy.HIDE)
    assert Review.objects.get(pk=review.pk).approved_only(None) and not review.approved_only("0")


def test_rejected_receipts_never_count(db):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper)
    make_critique(paper=paper, status="rejected", decided_at=NOW, reason="not a critique")
    recompute_review(review.pk)
    assert not MethodStanding.objects.filter(review=review).exists()


def test_out_of_scope_papers_are_background_never_support(db):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper, fit="out_of_scope")
    make_critique(paper=paper, **approved())
    recompute_review(review.pk)
    assert not MethodStanding.objects.filter(review=review).exists()


def _grow(review, n):
    for _ in range(n):
        paper = make_paper()
        add_to_review(review, paper)
        method = make_method(introduced_by=paper)
        make_critique(paper=paper, method=method, **approved())
        make_beats(paper=paper, method=method, **approved())
        make_result(paper=paper, method=method, **approved())
        make_result(paper=paper, **approved())


def test_the_dashboard_query_count_does_not_grow_with_the_data(client, db, django_assert_max_num_queries):
    review = make_review()
    _grow(review, 2)
    recompute_review(review.pk)
    with django_assert_max_num_queries(8) as small:
        assert client.get(review.get_absolute_url()).status_code == 200
    _grow(review, 25)
    recompute_review(review.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(review.get_absolute_url()).status_code == 200


def test_panels_are_served_as_json(client, field):
    review, _, _ = field
    recompute_review(review.pk)
    data = client.get(reverse("reviews:panels-json", args=[review.slug])).json()
    assert data["most_superseded"][0] == {
        "method": "GPTQ",
        "slug": "gptq",
        "critique_papers": 2,
        "beaten_by_papers": 3,
        "rank": 1,
    }
    assert data["counts"]["papers"] == 4


def test_a_recompute_is_claimed_once_per_dirty_flag(db, django_capture_on_commit_callbacks):
    from reviews import derived

    review = make_review()
    assert derived.claim_dirty(review.pk)
    assert not derived.claim_dirty(review.pk)
    with django_capture_on_commit_callbacks(execute=True):
        derived.mark_dirty([review.pk])  # the task runs in-process once the change commits
    assert Review.objects.get(pk=review.pk).derived_dirty is False
    assert Review.objects.get(pk=review.pk).derived_at is not None


def test_each_panel_has_its_own_json_endpoint(client, field):
    review, _, _ = field
    recompute_review(review.pk)
    frontier = client.get(reverse("reviews:panel-json", args=[review.slug, "frontier"])).json()
    assert set(frontier) == {"review", "counts", "approved_only", "updated", "frontier"}
    superseded = client.get(reverse("reviews:panel-json", args=[review.slug, "most-superseded"])).json()
    assert superseded["most_superseded"][0]["method"] == "GPTQ" and "frontier" not in superseded
    assert client.get(reverse("reviews:panel-json", args=[review.slug, "nope"])).status_code == 404


def test_ten_curator_decisions_never_empty_the_dashboard_and_approved_only_is_a_link_away(client, db, alice):
    from baselines import curation

    review = make_review(slug="busy")
    wiki, gptq = make_benchmark("WikiText-2"), make_method("GPTQ")
    papers = [make_paper() for _ in range(3)]
    for paper in papers:
        add_to_review(review, paper)
    results = [make_result(paper=papers[i % 3], benchmark=wiki, value=5.0 + i) for i in range(30)]
    for paper in papers:
        make_critique(paper=paper, method=gptq)
    recompute_review(review.pk)
    before = client.get(reverse("reviews:detail", args=[review.slug])).context["counts"]
    for result in results[:9]:
        curation.decide("result", result.pk, actor=alice, action="approve")
    curation.decide("result", results[9].pk, actor=alice, action="reject", reason="misread cell")
    recompute_review(review.pk)

    page = client.get(reverse("reviews:detail", args=[review.slug]))
    after = page.context["counts"]
    assert (before["results"], after["results"]) == (30, 29)  # the rejected one goes, nothing else
    assert after["approved_results"] == 9 and after["critiques"] == 3
    assert MethodStanding.objects.get(review=review, approved_only=False).critique_papers == 3
    assert b"<strong>29</strong> benchmark results" in page.content and b"(9 approved)" in page.content
    assert b'href="?approved=1"' in page.content

    strict = client.get(reverse("reviews:detail", args=[review.slug]), {"approved": "1"})
    assert strict.context["approved_only"] is True
    assert b"Approved receipts only" in strict.content and b"show pending receipts too" in strict.content
    assert b"<strong>9</strong> approved benchmark results" in strict.content
    assert not strict.context["standings"]  # no critique of GPTQ is approved yet
    # The page cache keys on the query: the approved-only page is not served as the default page.
    assert b"Approved receipts only" not in client.get(reverse("reviews:detail", args=[review.slug])).content


def test_the_frontier_window_ends_at_the_reviews_newest_paper_not_today(db):
    review = make_review(frontier_window_days=90)
    long_ago = NOW - dt.timedelta(days=900)

    def introduced(name, days_before_newest):
        paper = make_paper(published=long_ago - dt.timedelta(days=days_before_newest))
        add_to_review(review, paper)
        return make_method(name, introduced_by=paper)

    introduced("Newest", 0)
    introduced("Recent", 30)
    introduced("Stale", 400)
    recompute_review(review.pk)
    names = [e.method.name for e in FrontierEntry.objects.filter(review=review, approved_only=False)]
    assert names == ["Newest", "Recent"]  # a review of papers from years ago still has a frontier


def test_reference_rows_are_never_ranked_grouped_or_promoted(db):
    from baselines.models import MethodFamily

    review = make_review()
    fp16 = make_method("FP16", family=MethodFamily.FULL_PRECISION)
    gptq, awq = make_method("GPTQ"), make_method("AWQ")
    wiki = make_benchmark("WikiText-2")
    paper = make_paper()
    add_to_review(review, paper)
    fp16.introduced_by = paper
    fp16.save()
    for method, value in ((fp16, 5.68), (gptq, 6.1), (awq, 5.9)):
        make_result(paper=paper, method=method, benchmark=wiki, model_name="LLaMA-7B", value=value)
    make_beats(paper=paper, method=awq, baseline=fp16)
    recompute_review(review.pk)
    assert not MethodStanding.objects.filter(method=fp16).exists()
    assert not FrontierEntry.objects.filter(method=fp16).exists()
    for sp in SubProblem.objects.filter(review=review):
        assert fp16.pk not in sp.member_ids and sp.anchor_id != fp16.pk


def test_weak_fit_papers_count_and_their_receipts_are_marked(client, db):
    review = make_review()
    gptq = make_method("GPTQ")
    strong, weak = make_paper(), make_paper()
    add_to_review(review, strong, fit="in_scope")
    add_to_review(review, weak, fit="weak")
    make_critique(paper=strong, method=gptq, quote="GPTQ overfits its calibration set.")
    make_critique(paper=weak, method=gptq, quote="GPTQ is slow to run.")
    recompute_review(review.pk)
    assert MethodStanding.objects.get(review=review, approved_only=False).critique_papers == 2
    page = client.get(reverse("reviews:receipts", args=[review.slug, "critiques", gptq.slug]))
    assert page.content.count(b">weak fit</span>") == 1
