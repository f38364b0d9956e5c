"""The curator's page image when the stored PDF file has gone from disk (issue 15.5)."""

from django.urls import reverse

from papers.models import DocumentStatus, PaperDocument
from tests.factories import make_critique, make_paper


def test_a_missing_pdf_file_is_a_404_that_says_so(client, alice):
    paper = make_paper()
    PaperDocument.objects.create(
        paper=paper, version=1, status=DocumentStatus.PARSED, page_count=3, file="pdfs/gone-from-disk.pdf"
    )
    critique = make_critique(paper=paper, page=1, quote="Hessian")
    client.force_login(alice)
    response = client.get(reverse("curate:pdf-page", args=["critique", critique.pk]))
    assert response.status_code == 404
    assert b"stored PDF file is missing" in response.content
