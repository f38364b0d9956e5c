"""The method hub as a citation hub: the canonical reference and its headline, role and polarity
summaries counted per citing paper, representative citing papers, and the citing-papers explorer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from baselines.hub import citing_papers, first_sentence, method_hub
from baselines.models import MethodAlias
from papers.models import Citation, CitationPolarity, CitationRole, Paper, PaperSummary
from tests.factories import make_method, make_paper

NOW = timezone.now()
HOSTILE = '<script>alert("x")</script>'
BACKGROUND, USES, COMPARES = CitationRole.BACKGROUND, CitationRole.USES, CitationRole.COMPARES
NEUTRAL, SUPPORTING, CONTRASTING = CitationPolarity.NEUTRAL, CitationPolarity.SUPPORTING, CitationPolarity.CONTRASTING
ROW = re.compile(rb"<tr><td><a href=\"/p/[^\"]+/\">([^<]*)</a>")


def cite(paper: Paper, cited: Paper, role: str, polarity: str = NEUTRAL, n: int = 1, **extra) -> None:
    fields = {"page": 2, "extractor": "rules", "extractor_version": "1", "status": "approved", "decided_at": NOW}
    fields.update(extra)
    for k in range(n):
        quote = fields.get("quote") or f"{paper.title} cites it ({role} {k}) [3]."
        Citation.objects.create(paper=paper, cited=cited, role=role, polarity=polarity, **{**fields, "quote": quote})


@pytest.fixture
def gptq(db):
    intro = make_paper(
        title="GPTQ: Accurate Post-Training Quantization",
        abstract="We propose GPTQ, a one-shot weight quantization method. It needs a few GPU hours.",
        authors=["Elias Frantar", "Saleh Ashkboos", "Torsten Hoefler", "Dan Alistarh"],
    )
    return make_method("GPTQ", introduced_by=intro)


def citing(title: str, days_ago: int = 30, **fields) -> Paper:
    return make_paper(title=title, published=NOW - dt.timedelta(days=days_ago), **fields)


def explorer_titles(content: bytes) -> list[str]:
    return [title.decode() for title in ROW.findall(content)]


def test_a_paper_citing_mostly_as_background_counts_once_as_background(gptq):
    paper = citing("Mostly background")
    cite(paper, gptq.introduced_by, BACKGROUND, n=3)
    cite(paper, gptq.introduced_by, COMPARES)

    hub = method_hub(gptq)

    assert [(s["key"], s["papers"], s["share"]) for s in hub["role_shares"]] == [("background", 1, 1.0)]
    assert [(r["paper_id"], r["role"], r["contexts"]) for r in citing_papers(gptq)] == [(paper.pk, "background", 4)]


def test_a_tie_between_roles_goes_to_the_more_specific_one(gptq):
    uses, compares = citing("Uses and background"), citing("Compares and uses")
    cite(uses, gptq.introduced_by, BACKGROUND)
    cite(uses, gptq.introduced_by, USES)
    cite(compares, gptq.introduced_by, USES)
    cite(compares, gptq.introduced_by, COMPARES)

    roles = {r["paper_id"]: r["role"] for r in citing_papers(gptq)}

    assert roles == {uses.pk: "uses", compares.pk: "compares"}


def test_a_papers_polarity_is_the_stance_of_its_non_neutral_sentences(gptq):
    praise, critic, tie, silent = (citing(t) for t in ("Praise", "Critic", "Tie", "Silent"))
    cite(praise, gptq.introduced_by, BACKGROUND, NEUTRAL, n=3)
    cite(praise, gptq.introduced_by, BACKGROUND, SUPPORTING)
    cite(critic, gptq.introduced_by, BACKGROUND, SUPPORTING)
    cite(critic, gptq.introduced_by, BACKGROUND, CONTRASTING, n=2)
    cite(tie, gptq.introduced_by, BACKGROUND, SUPPORTING)
    cite(tie, gptq.introduced_by, BACKGROUND, CONTRASTING)
    cite(silent, gptq.introduced_by, BACKGROUND, NEUTRAL, n=2)

    polarities = {r["paper_id"]: r["polarity"] for r in citing_papers(gptq)}

    assert polarities == {
        praise.pk: "supporting",
        critic.pk: "contrasting",
        tie.pk: "contrasting",
        silent.pk: "neutral",
    }


def test_the_headline_is_a_share_of_citing_papers_not_of_sentences(client, gptq):
    for n in range(4):
        cite(citing(f"Background paper {n}"), gptq.introduced_by, BACKGROUND)
    # Ten sentences comparing against it, but one paper: per sentence it would be "compares" 71%.
    cite(citing("One comparing paper"), gptq.introduced_by, COMPARES, n=10)

    response = client.get(gptq.get_absolute_url())

    assert response.context["headline"]["key"] == "background"
    assert response.context["headline"]["percent"] == 80
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    assert "80% of citing papers (4 of 5) cite this work as background." in text
    assert "Background: 80%" in text and "Compares against: 20%" in text
    assert "We propose GPTQ, a one-shot weight quantization method." in text  # the canonical abstract


def test_citations_of_the_introducing_paper_and_of_the_method_both_count_and_rejected_ones_do_not(client, gptq):
    other = make_paper(title="A paper that does not introduce GPTQ")
    cite(citing("Through the paper"), gptq.introduced_by, BACKGROUND)
    cite(citing("Through the method"), other, USES, method=gptq)
    cite(citing("Rejected"), gptq.introduced_by, COMPARES, status="rejected", reason="wrong paper")
    cite(citing("A pending citer"), gptq.introduced_by, COMPARES, status="pending", decided_at=None)

    everything = {s["key"]: s["papers"] for s in method_hub(gptq)["role_shares"]}
    approved = {s["key"]: s["papers"] for s in method_hub(gptq, approved_only=True)["role_shares"]}

    assert everything == {"background": 1, "uses": 1, "compares": 1}
    assert approved == {"background": 1, "uses": 1}
    assert b"A pending citer" not in client.get(gptq.get_absolute_url(), {"approved": "1"}).content


def test_representative_papers_show_a_summary_sentence_their_role_and_a_citing_sentence(client, gptq):
    summarised = citing("Summarised paper", abstract="The abstract's first sentence. Second.")
    PaperSummary.objects.create(
        paper=summarised,
        contribution="We propose a rotation, e.g. Hadamard, for outliers. It helps W4A4.",
        generator="receipts",
        generated_at=NOW,
    )
    cite(summarised, gptq.introduced_by, COMPARES, CONTRASTING, n=2, quote="GPTQ fails at 2 bits [3].")
    cite(summarised, gptq.introduced_by, BACKGROUND, quote="Quantization is popular [3].")
    abstract_only = citing("Abstract only", abstract="Large models are slow.\nWe fix that. More text.")
    cite(abstract_only, gptq.introduced_by, USES)

    response = client.get(gptq.get_absolute_url())

    first = response.context["representative"][0]
    assert (first.paper, first.role, first.polarity, first.contexts) == (summarised, "compares", "contrasting", 3)
    assert first.summary_line == "We propose a rotation, e.g. Hadamard, for outliers."
    assert first.citation.quote == "GPTQ fails at 2 bits [3]."
    assert response.context["representative"][1].summary_line == "Large models are slow."
    assert (
        b'<summary>Citing sentence (p. 2)</summary><blockquote class="quote">GPTQ fails at 2 bits [3].</blockquote>'
        in (response.content)
    )


def test_a_representative_citing_sentence_names_the_method_when_one_does(gptq):
    MethodAlias.objects.create(method=gptq, alias="OPTQ")
    paper = citing("Cites it in a list and by name")
    cite(paper, gptq.introduced_by, BACKGROUND, quote="Many methods exist [1, 2, 3].", confidence=0.9)
    cite(paper, gptq.introduced_by, BACKGROUND, quote="OPTQ [3] rounds weights one by one.", confidence=0.4)
    cite(paper, gptq.introduced_by, COMPARES, quote="We beat GPTQ [3].", confidence=0.95)

    (shown,) = method_hub(gptq)["representative"]

    assert shown.citation.quote == "OPTQ [3] rounds weights one by one."


def test_at_most_ten_representative_papers_those_citing_in_the_most_sentences(gptq):
    for n in range(12):
        cite(citing(f"Paper {n}"), gptq.introduced_by, BACKGROUND, n=1 + n % 3)

    shown = method_hub(gptq)["representative"]

    assert len(shown) == 10
    assert [c.contexts for c in shown] == sorted((c.contexts for c in shown), reverse=True)
    assert shown[0].contexts == 3


def test_a_summary_line_is_a_whole_first_sentence():
    assert first_sentence("We quantize to 4 bits, i.e. W4A16, with care. Then more.") == (
        "We quantize to 4 bits, i.e. W4A16, with care."
    )
    assert first_sentence("  A sentence   that\nwraps over lines without a full stop") == (
        "A sentence that wraps over lines without a full stop"
    )
    assert first_sentence("") == ""


def test_the_explorer_filters_by_role_and_polarity_with_htmx_and_without(client, gptq):
    cite(citing("Old critic", days_ago=300), gptq.introduced_by, COMPARES, CONTRASTING)
    cite(citing("New comparer", days_ago=10), gptq.introduced_by, COMPARES)
    cite(citing("A user", days_ago=20), gptq.introduced_by, USES, SUPPORTING)
    url = gptq.get_absolute_url()

    fragment = client.get(url, {"role": "compares"}, headers={"HX-Request": "true"})
    both = client.get(url, {"role": "compares", "polarity": "contrasting"}, headers={"HX-Request": "true"})
    plain = client.get(url, {"polarity": "supporting"})
    nonsense = client.get(url, {"role": "nonsense"}, headers={"HX-Request": "true"})

    assert b"<html" not in fragment.content and b"<form" not in fragment.content
    assert explorer_titles(fragment.content) == ["New comparer", "Old critic"]
    assert explorer_titles(both.content) == ["Old critic"]
    assert b"<html" in plain.content and explorer_titles(plain.content) == ["A user"]
    assert b'<option value="supporting" selected>' in plain.content
    assert explorer_titles(nonsense.content) == ["New comparer", "A user", "Old critic"]
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]


def test_the_explorer_pages_newest_first_and_its_links_keep_the_filters(client, gptq):
    for n in range(30):
        cite(citing(f"Comparer {n:02d}", days_ago=n + 1), gptq.introduced_by, COMPARES)
    cite(citing("Background only"), gptq.introduced_by, BACKGROUND)
    url = gptq.get_absolute_url()

    first = client.get(url, {"role": "compares"}, headers={"HX-Request": "true"})
    second = client.get(url, {"role": "compares", "page": "2"})

    assert explorer_titles(first.content) == [f"Comparer {n:02d}" for n in range(25)]
    assert b'href="?role=compares&amp;page=2#citing-papers" hx-get="?role=compares&amp;page=2"' in first.content
    assert explorer_titles(second.content) == [f"Comparer {n:02d}" for n in range(25, 30)]
    assert b"30 citing papers with these filters" in second.content
    assert b'href="?role=compares&amp;page=1#citing-papers"' in second.content


def test_paper_text_on_the_citation_sections_is_escaped(client, gptq):
    Paper.objects.filter(pk=gptq.introduced_by_id).update(abstract=HOSTILE)
    hostile = citing(HOSTILE, abstract=HOSTILE)
    PaperSummary.objects.create(paper=hostile, contribution=HOSTILE, generator="receipts", generated_at=NOW)
    cite(hostile, gptq.introduced_by, BACKGROUND, quote=HOSTILE)

    page = client.get(gptq.get_absolute_url())
    fragment = client.get(gptq.get_absolute_url(), headers={"HX-Request": "true"})

    for response in (page, fragment):
        assert HOSTILE.encode() not in response.content
        assert b"&lt;script&gt;" in response.content
    assert page.content.count(b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5


def _many_citing_papers(gptq, count: int) -> None:
    for n in range(count):
        paper = citing(f"Citing paper {n}", abstract=f"Paper {n} does things. More.")
        PaperSummary.objects.create(paper=paper, contribution=f"We do {n}.", generator="receipts", generated_at=NOW)
        cite(paper, gptq.introduced_by, BACKGROUND, n=2)
        cite(paper, gptq.introduced_by, (USES, COMPARES)[n % 2], CONTRASTING)


def test_the_hub_page_query_count_does_not_grow_with_citing_papers(client, gptq, django_assert_max_num_queries):
    _many_citing_papers(gptq, 1)
    with django_assert_max_num_queries(14) as before:
        client.get(gptq.get_absolute_url())
    _many_citing_papers(gptq, 40)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(gptq.get_absolute_url())
    assert len(response.context["representative"]) == 10 and len(response.context["citing_rows"]) == 25


def test_the_explorer_fragment_query_count_does_not_grow(client, gptq, django_assert_max_num_queries):
    _many_citing_papers(gptq, 1)
    url, hx = gptq.get_absolute_url(), {"HX-Request": "true"}
    with django_assert_max_num_queries(6) as before:
        client.get(url, {"polarity": "contrasting"}, headers=hx)
    _many_citing_papers(gptq, 40)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url, {"polarity": "contrasting", "page": "2"}, headers=hx)
    assert len(explorer_titles(response.content)) == 16
