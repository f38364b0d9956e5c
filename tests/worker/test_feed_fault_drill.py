"""The feed half of `make faults`, smaller: hostile feeds through `ingest --from-feed` (issue 15, criterion 3)."""

import random

import pytest

from papers.models import Paper
from tests.conftest import corpus_path
from worker.models import IngestionRun
from worker.ops.feed_drill import fuzz_ingest_feeds


@pytest.mark.django_db
def test_fifty_hostile_feeds_lose_no_good_entry_record_every_bad_one_and_close_every_run():
    lines = []
    tally = fuzz_ingest_feeds(random.Random(1), 50, corpus_path(), lines.append)
    assert tally.feeds == tally.runs_closed == 50 and tally.bad > 0 and tally.good > 50
    assert "50 hostile feeds" in lines[0]
    assert not IngestionRun.objects.exists() and not Paper.objects.filter(arxiv_id__startswith="29").exists()
