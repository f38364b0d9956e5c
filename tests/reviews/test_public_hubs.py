"""Method hubs, paper pages, search and feeds."""

import pytest
from django.urls import reverse

from papers.models import Citation, DocumentStatus, PaperDocument, ParsedPage
from papers.summary_services import build_summary
from reviews.models import ReviewPaper
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

HOSTILE = '<script>alert("x")</script>'


@pytest.mark.django_db
def test_the_method_hub_shows_who_beats_it_whom_it_beats_and_critiques(client):
    gptq, awq, rtn = make_method("GPTQ"), make_method("AWQ"), make_method("RTN")
    make_beats(method=awq, baseline=gptq, quote="AWQ outperforms GPTQ on every model.", **approved())
    make_beats(method=gptq, baseline=rtn, **approved())
    make_beats(method=rtn, baseline=gptq, status="rejected", decided_at=NOW, reason="wrong direction")
    make_critique(method=gptq, quote="GPTQ overfits the calibration set.")
    response = client.get(gptq.get_absolute_url())
    assert [b.method.name for b in response.context["beaten_by"]] == ["AWQ"]
    assert [b.baseline.name for b in response.context["beats"]] == ["RTN"]
    assert b"GPTQ overfits the calibration set." in response.content and b"unreviewed" in response.content


@pytest.mark.django_db
def test_citation_shares_on_the_hub_come_from_citation_receipts(client):
    intro = make_paper(title="GPTQ paper")
    gptq = make_method("GPTQ", introduced_by=intro)
    roles = ["background", "background", "background", "compares"]
    for n, role in enumerate(roles):
        Citation.objects.create(
            paper=make_paper(title=f"{role} paper {n}"),
            cited=intro,
            role=role,
            polarity="neutral",
            extractor="rules",
            extractor_version="1",
            quote="as in [12]",
            **approved(),
        )
    response = client.get(gptq.get_absolute_url())
    shares = {s["key"]: (s["papers"], s["share"]) for s in response.context["role_shares"]}
    assert shares == {"background": (3, 0.75), "compares": (1, 0.25)}
    assert b"Background: 75%" in response.content
    fragment = client.get(gptq.get_absolute_url(), {"role": "compares"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"compares paper 3" in fragment.content
    assert b"background paper" not in fragment.content


@pytest.mark.django_db
def test_the_method_hub_query_count_does_not_grow(client, django_assert_max_num_queries):
    gptq = make_method("GPTQ")
    make_beats(baseline=gptq)
    with django_assert_max_num_queries(14) as before:
        client.get(gptq.get_absolute_url())
    for _ in range(12):
        make_beats(baseline=gptq)
        make_beats(method=gptq)
        make_critique(method=gptq)
        make_result(method=gptq)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(gptq.get_absolute_url())


@pytest.mark.django_db
def test_the_paper_page_shows_the_summary_stored_at_extract_time_and_extracted_tables(client):
    paper = make_paper(
        abstract="Quantization is hard. We propose AWQ, which keeps 1% salient weights. It runs 3.2x faster."
    )
    awq = make_method("AWQ", introduced_by=paper)
    make_beats(
        paper=paper, method=awq, baseline=make_method("GPTQ"), method_value=5.6, baseline_value=5.8, **approved()
    )
    make_result(paper=paper, method=awq, **approved())
    document = PaperDocument.objects.create(paper=paper, version=1, status=DocumentStatus.PARSED, page_count=2)
    ParsedPage.objects.create(
        document=document,
        number=1,
        text="1 Introduction\nWe study the quantization of large language models here.",
        tables=[{"rows": [["Method", "Wiki2"], ["AWQ", "5.60"]], "caption": "Table 1: results"}],
    )
    ParsedPage.objects.create(
        document=document, number=2, text="5 Conclusion\nA limitation of our method is that it needs calibration data."
    )
    build_summary(paper.pk)  # the extract stage's last step; the page only reads it
    response = client.get(paper.get_absolute_url())
    summary = response.context["summary"]
    assert summary.contribution.startswith("We propose AWQ")
    assert summary.key_results[0]["method"] == "AWQ" and summary.key_results[0]["locator"] == ""
    assert summary.limitations == [
        {"text": "A limitation of our method is that it needs calibration data.", "page": 2, "section": "§5 Conclusion"}
    ]
    assert b"Table 1: results" in response.content and b"<td>5.60</td>" in response.content


@pytest.mark.django_db
def test_hostile_text_is_escaped_on_hub_paper_and_receipt_pages(client):
    review = make_review()
    paper = make_paper(title=HOSTILE, authors=[HOSTILE], abstract=HOSTILE)
    add_to_review(review, paper)
    method = make_method(HOSTILE)
    make_critique(paper=paper, method=method, quote=HOSTILE, **approved())
    from reviews.derived import recompute_review

    recompute_review(review.pk)
    for url in (
        paper.get_absolute_url(),
        method.get_absolute_url(),
        review.get_absolute_url(),
        reverse("reviews:receipts", args=[review.slug, "critiques", method.slug]),
        reverse("reviews:search") + "?q=script",
    ):
        content = client.get(url).content
        assert HOSTILE.encode() not in content, url


@pytest.mark.django_db
def test_search_finds_papers_methods_and_benchmarks(client):
    make_paper(title="Rotation makes outliers vanish", abstract="Hadamard rotations for 4-bit inference.")
    make_paper(title="Unrelated work on vision", abstract="Images.")
    make_method("QuaRot")
    response = client.get(reverse("reviews:search"), {"q": "rotations"})
    assert [p.title for p in response.context["results"].papers] == ["Rotation makes outliers vanish"]
    methods = client.get(reverse("reviews:search"), {"q": "quarot"}).context["results"].methods
    assert [m.name for m in methods] == ["QuaRot"]
    fragment = client.get(reverse("reviews:search"), {"q": "hadamard"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"Rotation makes outliers vanish" in fragment.content
    assert client.get(reverse("reviews:search"), {"q": "x"}).context["results"].empty


@pytest.mark.django_db
def test_feeds_list_new_papers_and_approved_receipts_escaped(client):
    review = make_review()
    paper = make_paper(title=HOSTILE)
    add_to_review(review, paper)
    make_critique(paper=paper, quote="RTN fails at 3 bits.", **approved())
    make_critique(paper=paper, quote="pending ones are not announced")
    papers_feed = client.get(reverse("reviews:feed-papers", args=[review.slug]))
    assert papers_feed["Content-Type"].startswith("application/atom+xml")
    assert b"&lt;script&gt;" in papers_feed.content and HOSTILE.encode() not in papers_feed.content
    receipts_feed = client.get(reverse("reviews:feed-receipts", args=[review.slug])).content
    assert b"RTN fails at 3 bits." in receipts_feed and b"pending ones" not in receipts_feed
    assert ReviewPaper.objects.count() == 1


@pytest.mark.django_db
def test_paper_receipts_and_search_pages_query_counts_do_not_grow(client, django_assert_max_num_queries):
    from reviews.derived import recompute_review

    review = make_review()
    paper = make_paper(title="Scaling quantization")
    add_to_review(review, paper)
    gptq = make_method("GPTQ")
    make_critique(paper=paper, method=gptq, **approved())
    recompute_review(review.pk)
    urls = [
        paper.get_absolute_url(),
        reverse("reviews:receipts", args=[review.slug, "critiques", gptq.slug]),
        reverse("reviews:search") + "?q=quantization",
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(12) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries.captured_queries)
    for _ in range(15):
        other = make_paper(title="More quantization")
        add_to_review(review, other)
        make_critique(paper=other, method=gptq, **approved())
        make_result(paper=paper, **approved())
        make_beats(paper=paper, **approved())
    recompute_review(review.pk)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_hub_lists_each_result_and_critique_once_and_nothing_from_out_of_scope_papers(client):
    gptq = make_method("GPTQ")
    review = make_review()
    paper, outsider = make_paper(), make_paper(title="M2Cache, out of scope")
    add_to_review(review, paper)
    add_to_review(review, outsider, fit="out_of_scope")
    mmlu = make_benchmark("MMLU")
    for table, model in (("Table 3", "LLaMA-7B"), ("Table 4", "LLaMA 7B")):  # one number printed twice
        make_result(
            paper=paper, method=gptq, benchmark=mmlu, model_name=model, value=30.53, value_text="30.53", locator=table
        )
    for page in (9, 10):
        make_critique(paper=paper, method=gptq, quote="GPTQ has 2.3-4.9 worse perplexity.", page=page)
    make_critique(paper=outsider, method=gptq, quote="GPTQ is slow on our cache.")
    make_result(paper=outsider, method=gptq, value=99.0)
    response = client.get(gptq.get_absolute_url())
    [result] = response.context["results"]
    assert {result.locator, *result.also} == {"Table 3", "Table 4"}
    assert len(response.context["critiques"]) == 1
    assert b"(also Table " in response.content and b"our cache" not in response.content
    assert response.content.count(b"2.3-4.9 worse perplexity") == 1
