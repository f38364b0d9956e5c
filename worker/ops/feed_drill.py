"""Hostile feeds through `ingest --from-feed` (`make faults`): entries with over-long fields, wrong
types, duplicates, missing fields, and documents with NUL, control characters or broken XML. Every
bad entry must be recorded with a reason, every good entry beside it stored (in a damaged document,
every entry the damage did not touch), every run closed, and the command must exit 0."""

from __future__ import annotations

import copy
import io
import random
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from lxml import etree

from papers.models import Paper
from reviews.models import Review
from worker.models import IngestionFailure, IngestionRun, RunStatus

NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
A, X = "{http://www.w3.org/2005/Atom}", "{http://arxiv.org/schemas/atom}"
ENTRY_DAMAGE = ["long_doi", "long_category", "huge_version", "long_link", "word_version", "no_id", "no_date", "twice"]
DOCUMENT_DAMAGE = ["nul", "control", "cut"]
Write = Callable[[str], None]


class FeedDrillFailed(Exception):
    """A hostile feed was not handled: an entry lost or unrecorded, or a run left open."""


@dataclass
class Tally:
    feeds: int = 0
    good: int = 0
    bad: int = 0
    runs_closed: int = 0
    exits: Counter[int] = field(default_factory=Counter)


def _damage_entry(entry: etree._Element, kind: str) -> None:
    if kind == "long_doi":
        doi = entry.find("arxiv:doi", NS)
        (doi if doi is not None else etree.SubElement(entry, f"{X}doi")).text = "10.1/" + "x" * 300
    elif kind == "long_category":
        entry.find("arxiv:primary_category", NS).set("term", "cs." + "L" * 60)
    elif kind in ("huge_version", "word_version"):
        node = entry.find("atom:id", NS)
        node.text = node.text.rsplit("v", 1)[0] + ("v40000" if kind == "huge_version" else "vtwo")
    elif kind == "long_link":
        for link in entry.findall("atom:link", NS):
            entry.remove(link)
        etree.SubElement(entry, f"{A}link", href="https://arxiv.org/pdf/" + "9" * 600, rel="related", title="pdf")
    elif kind == "no_id":
        entry.remove(entry.find("atom:id", NS))
    elif kind == "no_date":
        entry.remove(entry.find("atom:published", NS))


def _feed(base: etree._Element, rng: random.Random, number: int) -> tuple[bytes, list[str], int]:
    """A feed of 3 fresh entries (ids unique to this feed), some damaged: (bytes, the ids that must be
    stored, how many failures the run must record at least)."""
    root = copy.deepcopy(base)
    templates = root.findall("atom:entry", NS)
    for entry in templates:
        root.remove(entry)
    good, bad = [], 0
    for slot in range(3):
        entry = copy.deepcopy(rng.choice(templates))
        arxiv_id = f"29{number // 1000 % 10:01d}{number // 100 % 10}.{number % 100:02d}{slot}00"
        entry.find("atom:id", NS).text = f"http://arxiv.org/abs/{arxiv_id}v1"
        kind = rng.choice([*ENTRY_DAMAGE, None, None, None]) if slot else None
        if kind == "twice":
            root.append(copy.deepcopy(entry))  # a duplicate is the same paper, stored once
        elif kind:
            _damage_entry(entry, kind)
            bad += 1
        root.append(entry)
        if not kind or kind == "twice":
            good.append(arxiv_id)
    data = etree.tostring(root)
    damage = rng.choice([*DOCUMENT_DAMAGE, *[None] * 9])
    if damage == "cut":
        cut = rng.randrange(len(data) // 2, len(data))
        whole = [i for i in good if _entry_end(data, i) <= cut]  # entries that end before the cut survive
        return data[:cut], whole, 1  # at least the document's own note; entries after the cut are gone
    if damage:
        # The first entry (always a good one) is damaged: it alone is lost.
        at = data.index(b"<title>", data.index(b"<entry>")) + 7
        return data[:at] + (b"\x00" if damage == "nul" else b"\x01\x1b") + data[at:], good[1:], bad + 1
    return data, good, bad


def _entry_end(data: bytes, arxiv_id: str) -> int:
    """Where the first entry carrying `arxiv_id` ends in the document."""
    return data.index(b"</entry>", data.index(arxiv_id.encode())) + len(b"</entry>")


def _ingest(path: Path, review: Review) -> int:
    try:
        call_command(
            "ingest", "--review", review.slug, "--from-feed", str(path), stdout=io.StringIO(), stderr=io.StringIO()
        )
    except CommandError:
        return 1
    return 0


def _check(run: IngestionRun, good: list[str], bad: int, code: int, tally: Tally) -> None:
    failures = IngestionFailure.objects.filter(run=run, stage="feed").count()
    stored = Paper.objects.filter(arxiv_id__in=good).count()
    if run.status == RunStatus.RUNNING or failures < bad or stored != len(good):
        raise FeedDrillFailed(
            f"run {run.pk}: {run.status}, {failures} failures for {bad} bad, {stored}/{len(good)} stored"
        )
    if code != 0:
        raise FeedDrillFailed(f"run {run.pk}: exit code {code} for a feed with {len(good)} good entries")
    tally.runs_closed += 1


def fuzz_ingest_feeds(rng: random.Random, cases: int, corpus: Path, write: Write) -> Tally:
    """Feed `cases` hostile feeds through `ingest --from-feed`, in one transaction rolled back at the
    end (the drill leaves nothing behind). Raises FeedDrillFailed at the first feed mishandled."""
    base = etree.parse(str(corpus / "feeds" / "arxivpy_recorded_q_testing_s0_m10_bc5a6c384fe9.xml")).getroot()
    tally = Tally()
    with (
        tempfile.TemporaryDirectory() as folder,
        override_settings(ARXIV_PDF_HOSTS=["nowhere.invalid"]),
        transaction.atomic(),
    ):
        review = Review.objects.create(slug="fault-drill-feeds", title="Fault drill", arxiv_categories=["cs.SE"])
        for number in range(cases):
            data, good, bad = _feed(base, rng, number)
            path = Path(folder) / f"feed-{number}.xml"
            path.write_bytes(data)
            code = _ingest(path, review)
            run = IngestionRun.objects.filter(review=review).latest("pk")
            _check(run, good, bad, code, tally)
            tally.feeds, tally.good, tally.bad = tally.feeds + 1, tally.good + len(good), tally.bad + bad
            tally.exits[code] += 1
        transaction.set_rollback(True)
    write(
        f"ingest --from-feed: {tally.feeds} hostile feeds, entries good {tally.good} (all stored) / bad {tally.bad} "
        f"(all recorded, at least), runs closed {tally.runs_closed}/{tally.feeds}, "
        f"exit codes {dict(sorted(tally.exits.items()))}"
    )
    return tally
