"""Pages per second of :func:`worker.reading.parse.parse_pdf` against bare pdfplumber.

Run from the project root::

    python -m worker.ops.bench_parse [DIR]

DIR defaults to ``../shared/corpus/pdfs`` beside the project. The bare side is what a naive
pipeline would do: ``pdfplumber.open`` and ``page.extract_text()`` on every page (no tables, and
glued words). The parse side is the full :func:`parse_pdf`: text, captions, tables, the process
fork that bounds its time, and reading the file. Pure module: no Django imports.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pdfplumber

from worker.reading.parse import PARSER_VERSION, parse_pdf

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "pdfs"


def _bare_pdfplumber(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            # Release the page's parsed objects as a long-running caller would.
            page.close()
        return len(pdf.pages)


def measure_against_bare_pdfplumber(paths: Iterable[str | Path]) -> dict[str, Any]:
    """Time both ways on each file, one after the other, and return the totals.

    Returns a dict with ``files``, ``pages``, ``tables``, ``bare_seconds``, ``parse_seconds``,
    ``bare_pages_per_second``, ``parse_pages_per_second``, ``ratio`` (parse pages/s divided by
    bare pages/s; above 1 means parse_pdf is faster), ``parser_version`` and ``per_file`` (a list
    of dicts with ``name``, ``pages``, ``tables``, ``bare_seconds`` and ``parse_seconds``).
    """
    per_file: list[dict[str, Any]] = []
    for raw in paths:
        path = Path(raw)
        started = time.perf_counter()
        bare_pages = _bare_pdfplumber(path)
        bare_seconds = time.perf_counter() - started

        started = time.perf_counter()
        parsed = parse_pdf(path)
        parse_seconds = time.perf_counter() - started
        if parsed.page_count != bare_pages:
            raise RuntimeError(
                f"{path.name}: page counts differ: parse_pdf {parsed.page_count}, pdfplumber {bare_pages}"
            )
        per_file.append(
            {
                "name": path.name,
                "pages": bare_pages,
                "tables": sum(len(page.tables) for page in parsed.pages),
                "bare_seconds": bare_seconds,
                "parse_seconds": parse_seconds,
            }
        )
    pages = sum(f["pages"] for f in per_file)
    bare = sum(f["bare_seconds"] for f in per_file)
    parse = sum(f["parse_seconds"] for f in per_file)
    bare_rate = pages / bare if bare else 0.0
    parse_rate = pages / parse if parse else 0.0
    return {
        "files": len(per_file),
        "pages": pages,
        "tables": sum(f["tables"] for f in per_file),
        "bare_seconds": bare,
        "parse_seconds": parse,
        "bare_pages_per_second": bare_rate,
        "parse_pages_per_second": parse_rate,
        "ratio": parse_rate / bare_rate if bare_rate else 0.0,
        "parser_version": PARSER_VERSION,
        "per_file": per_file,
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT_DIR
    paths = sorted(folder.glob("*.pdf"))
    if not paths:
        print(f"no PDFs in {folder}", file=sys.stderr)
        return 2
    result = measure_against_bare_pdfplumber(paths)
    print(f"{'file':<42} {'pages':>5} {'tables':>6} {'bare p/s':>9} {'parse p/s':>9}")
    for f in result["per_file"]:
        print(
            f"{f['name']:<42} {f['pages']:>5} {f['tables']:>6} {f['pages'] / f['bare_seconds']:>9.1f} {f['pages'] / f['parse_seconds']:>9.1f}"
        )
    print(
        f"\n{result['files']} files, {result['pages']} pages, {result['tables']} tables ({result['parser_version']})\n"
        f"bare pdfplumber extract_text: {result['bare_pages_per_second']:.1f} pages/s ({result['bare_seconds']:.1f} s)\n"
        f"parse_pdf (text+tables):      {result['parse_pages_per_second']:.1f} pages/s ({result['parse_seconds']:.1f} s)\n"
        f"ratio parse_pdf / bare:       {result['ratio']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
