import pytest
from django.db import IntegrityError, transaction

from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def test_duplicate_arxiv_id_is_rejected_by_the_database():
    make_paper(arxiv_id="2210.17323")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_paper(arxiv_id="2210.17323")


@pytest.mark.parametrize("bad_id", ["2210.17323v2", "hep-th/9901001v1", ""])
def test_versioned_or_empty_arxiv_id_is_rejected_by_the_database(bad_id):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_paper(arxiv_id=bad_id)


def test_version_zero_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_paper(version=0)


def test_doi_is_unique_but_many_papers_may_have_none():
    make_paper(doi=None)
    make_paper(doi=None)
    make_paper(doi="10.1000/xyz")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_paper(doi="10.1000/xyz")
