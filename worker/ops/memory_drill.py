"""The memory half of `make faults` (issue 15, criterion 4): `ingest --from-dir` over the corpus's
hostile PDFs, a generated PDF bomb and a symlink to /dev/zero, with one good paper sorted last.
The command runs in its own process on a throwaway SQLite database; it must stay under
MEMORY_LIMIT_BYTES, record a reason for every bad file, and still ingest the good one.

Peak memory is read with getrusage in the ingesting process itself: its own peak, and the largest
peak among the parse children it forked and waited for. Those children run one at a time, so the
sum of the two bounds the whole command's peak."""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

from worker.models import IngestionFailure, ItemState, RunItem
from worker.ops.hostile import pdf_bomb

MEMORY_LIMIT_BYTES = 1 << 30
GOOD_PAPER = "awq.pdf"  # identified from the arXiv stamp on its page 1
GOOD_ARXIV_ID = "2306.00978"
Write = Callable[[str], None]
PROJECT = Path(__file__).resolve().parent.parent.parent


class MemoryDrillFailed(Exception):
    pass


@dataclass
class MemoryReport:
    files: int
    command_peak: int  # bytes
    largest_child_peak: int  # bytes
    reasons: dict[str, str]
    good_ingested: bool

    @property
    def bound(self) -> int:
        return self.command_peak + self.largest_child_peak


def hostile_folder(corpus: Path, folder: Path) -> list[str]:
    """Fill `folder` with the hostile inputs and the good paper (last by name); their names."""
    for pdf in sorted((corpus / "hostile-pdfs").glob("*.pdf")):
        shutil.copy(pdf, folder / pdf.name)
    (folder / "bomb.pdf").write_bytes(pdf_bomb())
    (folder / "dev-zero.pdf").symlink_to("/dev/zero")
    shutil.copy(corpus / "pdfs" / GOOD_PAPER, folder / f"zz-{GOOD_PAPER}")
    return sorted(p.name for p in folder.iterdir())


def run_memory_drill(corpus: Path, write: Write) -> MemoryReport:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pdfs"
        folder.mkdir()
        names = hostile_folder(corpus, folder)
        # Its own SQLite database, tasks in-process: the drill measures the command, not a worker.
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3"
        }
        probe = [sys.executable, "manage.py", "memory_probe", str(folder)]
        done = subprocess.run(probe, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise MemoryDrillFailed(f"the ingest probe exited {done.returncode}: {done.stderr[-2000:]}")
    report = MemoryReport(files=len(names), **json.loads(done.stdout.strip().splitlines()[-1]))
    unexplained = [n for n in names if not n.startswith("zz-") and n not in report.reasons]
    write(
        f"ingest --from-dir: {report.files} files (hostile corpus PDFs, a 2 GiB bomb, /dev/zero), peak RSS "
        f"{report.command_peak / 2**20:.0f} MB in the command + {report.largest_child_peak / 2**20:.0f} MB in its "
        f"largest parse child = {report.bound / 2**20:.0f} MB at most (limit {MEMORY_LIMIT_BYTES / 2**20:.0f} MB); "
        f"{len(report.reasons)} files failed with a reason; good paper ingested: {report.good_ingested}"
    )
    if report.bound >= MEMORY_LIMIT_BYTES or unexplained or not report.good_ingested:
        raise MemoryDrillFailed(f"memory drill: {report}; files without a reason: {unexplained}")
    return report


def probe(folder: str) -> dict[str, object]:
    """Inside the probe process (`manage.py memory_probe`, on the drill's own database): migrate,
    ingest the folder, and say what happened and what it cost."""
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    call_command("ingest", "--review", "llm-quantization", "--from-dir", folder, stdout=io.StringIO())
    reasons = {}
    for failure in IngestionFailure.objects.all():
        head = failure.reason.split(":", 1)[0]
        reasons[head if head.endswith(".pdf") else failure.arxiv_id] = failure.reason
    good = RunItem.objects.filter(paper__arxiv_id=GOOD_ARXIV_ID, state=ItemState.DONE).exists()
    kib = 1024  # Linux reports ru_maxrss in KiB
    return {
        "command_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib,
        "largest_child_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib,
        "reasons": reasons,
        "good_ingested": good,
    }
