"""`ingest --from-feed` with over-long fields: each such entry fails with its reason before the
database sees it, the valid entries beside it are stored, and the run closes (issue 15.5)."""

import json

import pytest
from django.core.management import call_command
from lxml import etree

from papers.models import Paper
from reviews.services import load_reference_data
from tests.conftest import corpus_path
from worker.models import IngestionFailure, IngestionRun, RunStatus

NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
FEED = "arxivpy_recorded_q_testing_s0_m10_bc5a6c384fe9.xml"


def hostile_feed(tmp_path):
    root = etree.parse(str(corpus_path("feeds", FEED))).getroot()
    entries = root.findall("atom:entry", NS)
    doi = entries[0].find("arxiv:doi", NS)
    doi.text = "10.1/" + "x" * 300
    entries[1].find("arxiv:primary_category", NS).set("term", "cs." + "L" * 60)
    entry_id = entries[2].find("atom:id", NS)
    entry_id.text = entry_id.text.rsplit("v", 1)[0] + "v40000"
    pdf = next(link for link in entries[3].findall("atom:link", NS) if link.get("title") == "pdf")
    pdf.set("href", "https://arxiv.org/pdf/" + "9" * 600)
    path = tmp_path / "hostile.xml"
    path.write_bytes(etree.tostring(root))
    return path, [e.find("atom:id", NS).text.rsplit("/", 1)[1].split("v")[0] for e in entries]


@pytest.mark.django_db
def test_over_long_fields_fail_their_entries_and_the_rest_is_stored(tmp_path, settings):
    load_reference_data()
    settings.ARXIV_PDF_HOSTS = ["nowhere.invalid"]  # refuse downloads: no network in tests
    path, ids = hostile_feed(tmp_path)
    call_command("ingest", "--review", "llm-quantization", "--from-feed", str(path))
    run = IngestionRun.objects.get()
    assert run.status != RunStatus.RUNNING
    assert set(Paper.objects.filter(arxiv_id__in=ids).values_list("arxiv_id", flat=True)) == set(ids[4:])
    reasons = {f.arxiv_id: f.reason for f in IngestionFailure.objects.filter(stage="feed")}
    assert set(reasons) == set(ids[:4])
    assert "doi" in reasons[ids[0]] and "255" in reasons[ids[0]]
    assert "primary_category" in reasons[ids[1]] and "40" in reasons[ids[1]]
    assert "version" in reasons[ids[2]] and "40000" in reasons[ids[2]]
    assert "pdf_url" in reasons[ids[3]] and "500" in reasons[ids[3]]


@pytest.mark.django_db
def test_a_dump_with_over_long_values_is_refused_whole_with_every_reason_before_the_database_sees_it():
    from reviews.models import Review
    from tests.factories import add_to_review, make_paper, make_review
    from worker.ops import backup

    review = make_review(slug="from-sqlite")
    add_to_review(review, make_paper(arxiv_id="2401.00011"))
    add_to_review(review, make_paper(arxiv_id="2401.00012"))
    dump = json.loads(json.dumps(backup.dump_review(review), default=str))
    papers = [obj for obj in dump["objects"] if obj["model"] == "papers.paper"]
    papers[0]["fields"]["doi"] = "10.1/" + "x" * 300
    papers[1]["fields"]["version"] = 40000
    papers[1]["fields"]["title"] = "NUL\x00 title"
    Review.objects.all().delete()
    Paper.objects.all().delete()
    with pytest.raises(backup.ImportError_) as refused:
        backup.import_review(dump)
    message = str(refused.value)
    assert "doi is 305 characters, more than its 255" in message
    assert "version 40000 is out of range" in message and "title holds a NUL character" in message
    assert not Review.objects.exists()
