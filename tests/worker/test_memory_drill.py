"""The memory drill of `make faults` (issue 15, criterion 4): hostile PDFs, a 2 GiB bomb and a
/dev/zero symlink through `ingest --from-dir` in its own process stay under 1 GB, every bad file
ends with a reason, and the good paper after them is still ingested."""

from tests.conftest import corpus_path
from worker.ops import memory_drill


def test_hostile_files_cost_under_a_gigabyte_each_fails_with_a_reason_and_the_next_paper_is_ingested():
    corpus = corpus_path("hostile-pdfs").parent
    lines: list[str] = []
    report = memory_drill.run_memory_drill(corpus, lines.append)
    assert report.bound < memory_drill.MEMORY_LIMIT_BYTES
    assert report.good_ingested
    assert {"bomb.pdf", "dev-zero.pdf"} <= set(report.reasons)
    assert "too large" in report.reasons["bomb.pdf"]
    assert len(report.reasons) == report.files - 1
    assert "peak RSS" in lines[0]
