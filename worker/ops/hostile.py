"""Hostile local files for drills and tests: a PDF bomb, and a folder ingest of them measured for
memory (`make faults`)."""

from __future__ import annotations

import struct
import zlib

# Inflating 2 GiB of zeros took 3.16 GB in the ingest command before identification was limited.
BOMB_INFLATED_BYTES = 2 << 30
_CHUNK = 1 << 20


def deflate_zeros(inflated_bytes: int = BOMB_INFLATED_BYTES) -> bytes:
    """A zlib stream that inflates to ``inflated_bytes`` zeros, built in milliseconds.

    After a full flush the compressor starts afresh, so every 1 MiB chunk of zeros compresses to
    the same bytes: one chunk is compressed and repeated. The Adler-32 of n zeros is (n mod 65521,
    1), so the trailer is written without reading the data.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(_CHUNK)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush(zlib.Z_FINISH)
    chunks, rest = divmod(inflated_bytes, _CHUNK)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = tail.compress(bytes(rest)) + tail.flush(zlib.Z_FULL_FLUSH) if rest else b""
    adler = ((inflated_bytes % 65521) << 16) | 1
    return b"\x78\xda" + block * chunks + last + final + struct.pack(">I", adler)


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (numbered from 1; object 1 is the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, *, flate: bool) -> bytes:
    head = b"<< /Length %d%s >>\nstream\n" % (len(data), b" /Filter /FlateDecode" if flate else b"")
    return head + data + b"\nendstream"


_FONT = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] %s /Contents %d 0 R >>"


def _text(lines: list[str]) -> bytes:
    shown = b" ".join(b"(%s) Tj 0 -14 Td" % line.encode("ascii") for line in lines)
    return b"BT /F1 10 Tf 72 720 Td " + shown + b" ET"


def stamped_pdf(stamp: str, *lines: str) -> bytes:
    """A one-page PDF printing ``stamp`` (e.g. "arXiv:2306.00978v9") and ``lines`` (ASCII)."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _PAGE % (_FONT, 4),
            _stream(_text([stamp, *lines]), flate=False),
        ]
    )


def pdf_bomb(inflated_bytes: int = BOMB_INFLATED_BYTES, *, stamp: str = "") -> bytes:
    """A small PDF (about 2 MB for 2 GiB) whose page content inflates to ``inflated_bytes``.

    Without ``stamp`` page 1 is the bomb. With it (e.g. "arXiv:2306.00978v1"), page 1 prints the
    stamp and page 2 is the bomb: identification passes and the parse meets it.
    """
    bomb = _stream(deflate_zeros(inflated_bytes), flate=True)
    if not stamp:
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        return pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>", pages, _PAGE % (b"", 4), bomb])
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
            _PAGE % (_FONT, 5),
            _PAGE % (b"", 6),
            _stream(_text([stamp]), flate=False),
            bomb,
        ]
    )
