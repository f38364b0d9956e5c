"""Only http(s) links of a paper are stored or rendered: a feed entry's javascript: or data: link never is."""

import pytest

from papers.models import Paper
from papers.services import upsert_papers
from tests.factories import make_paper, paper_record

HOSTILE = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x"]


@pytest.mark.django_db
@pytest.mark.parametrize("link", HOSTILE)
def test_a_feed_record_s_non_http_links_are_not_stored(link):
    record = paper_record(abs_url=link, pdf_url=link)
    upsert_papers([record])
    paper = Paper.objects.get(arxiv_id=record["arxiv_id"])
    assert (paper.abs_url, paper.pdf_url) == ("", "")


@pytest.mark.django_db
def test_http_and_https_links_are_kept():
    record = paper_record(abs_url="https://arxiv.org/abs/2401.1v1", pdf_url="http://arxiv.org/pdf/2401.1v1")
    upsert_papers([record])
    paper = Paper.objects.get(arxiv_id=record["arxiv_id"])
    assert (paper.abs_url, paper.pdf_url) == ("https://arxiv.org/abs/2401.1v1", "http://arxiv.org/pdf/2401.1v1")


@pytest.mark.django_db
@pytest.mark.parametrize("link", HOSTILE)
def test_a_stored_non_http_link_is_never_rendered_on_the_paper_page(client, link):
    paper = make_paper()
    Paper.objects.filter(pk=paper.pk).update(abs_url=link, pdf_url=link)  # a row stored before the fix
    content = client.get(paper.get_absolute_url()).content.decode()
    assert "script:" not in content.lower() and "data:text" not in content
    assert f'href="https://arxiv.org/abs/{paper.versioned_id}"' in content
