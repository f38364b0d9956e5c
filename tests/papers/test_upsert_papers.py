import datetime as dt

import pytest

from papers.models import Paper
from papers.services import ensure_stub_paper, upsert_papers
from tests.factories import paper_record

JAN = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
MAR = dt.datetime(2024, 3, 5, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_new_papers_are_created_with_their_metadata():
    record = paper_record(arxiv_id="2306.00978", title="AWQ", authors=["Ji Lin", "Song Han"])
    result = upsert_papers([record])
    assert result.created == ["2306.00978"]
    paper = Paper.objects.get(arxiv_id="2306.00978")
    assert (paper.title, paper.authors, paper.version) == ("AWQ", ["Ji Lin", "Song Han"], 1)
    assert paper.raw_entry == record["raw_entry"]


@pytest.mark.django_db
def test_newer_version_replaces_the_older_one():
    upsert_papers([paper_record(arxiv_id="2306.00978", title="Old title", updated=JAN)])
    result = upsert_papers(
        [paper_record(arxiv_id="2306.00978", version=2, title="New title", abstract="Revised.", updated=MAR)]
    )
    assert result.new_version == ["2306.00978"]
    assert result.needs_pdf == ["2306.00978"]
    paper = Paper.objects.get(arxiv_id="2306.00978")
    assert (paper.version, paper.title, paper.abstract) == (2, "New title", "Revised.")
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_older_version_never_overwrites_a_newer_one():
    upsert_papers([paper_record(arxiv_id="2306.00978", version=3, title="v3 title", updated=MAR)])
    result = upsert_papers([paper_record(arxiv_id="2306.00978", version=2, title="v2 title", updated=JAN)])
    assert result.unchanged == ["2306.00978"]
    paper = Paper.objects.get(arxiv_id="2306.00978")
    assert (paper.version, paper.title) == (3, "v3 title")


@pytest.mark.django_db
def test_same_version_with_newer_timestamp_refreshes_metadata_without_new_pdf():
    upsert_papers([paper_record(arxiv_id="2306.00978", title="Typo", updated=JAN)])
    result = upsert_papers([paper_record(arxiv_id="2306.00978", title="Fixed", updated=MAR)])
    assert result.refreshed == ["2306.00978"]
    assert result.needs_pdf == []
    assert Paper.objects.get(arxiv_id="2306.00978").title == "Fixed"


@pytest.mark.django_db
def test_the_same_window_twice_creates_no_duplicate_and_changes_nothing():
    records = [paper_record() for _ in range(5)]
    first = upsert_papers(records)
    second = upsert_papers(records)
    assert len(first.created) == 5
    assert (second.created, second.new_version, second.refreshed) == ([], [], [])
    assert len(second.unchanged) == 5
    assert Paper.objects.count() == 5


@pytest.mark.django_db
def test_a_batch_holding_two_versions_keeps_the_newest():
    result = upsert_papers(
        [
            paper_record(arxiv_id="2401.00001", version=2, title="second", updated=MAR),
            paper_record(arxiv_id="2401.00001", version=1, title="first", updated=JAN),
        ]
    )
    assert result.created == ["2401.00001"]
    assert Paper.objects.get().title == "second"


@pytest.mark.django_db
def test_a_stub_paper_is_filled_in_when_its_feed_entry_arrives():
    ensure_stub_paper("2210.17323", "GPTQ", 2022)
    result = upsert_papers([paper_record(arxiv_id="2210.17323", title="GPTQ: Accurate Post-Training Quantization")])
    assert result.new_version == ["2210.17323"]
    paper = Paper.objects.get(arxiv_id="2210.17323")
    assert not paper.is_stub
    assert paper.title.startswith("GPTQ: Accurate")


@pytest.mark.django_db
def test_ensure_stub_paper_never_touches_a_fetched_paper():
    upsert_papers([paper_record(arxiv_id="2210.17323", title="Real title")])
    paper = ensure_stub_paper("2210.17323", "Registry title", 2022)
    assert (paper.title, paper.is_stub) == ("Real title", False)


@pytest.mark.django_db
def test_a_doi_already_held_by_another_paper_is_not_stored_twice():
    upsert_papers([paper_record(arxiv_id="2401.00001", doi="10.1000/shared")])
    result = upsert_papers(
        [
            paper_record(arxiv_id="2401.00002", doi="10.1000/shared"),
            paper_record(arxiv_id="2401.00003", doi="10.1000/other"),
            paper_record(arxiv_id="2401.00004", doi="10.1000/other"),
        ]
    )
    assert sorted(result.created) == ["2401.00002", "2401.00003", "2401.00004"]
    assert Paper.objects.get(arxiv_id="2401.00001").doi == "10.1000/shared"
    assert Paper.objects.get(arxiv_id="2401.00002").doi is None
    assert Paper.objects.filter(doi="10.1000/other").count() == 1
