"""A PDF page as a PNG with a passage outlined, for curators checking a receipt against its source."""

from __future__ import annotations

import io
import re

import pdfplumber
import pypdfium2 as pdfium
from PIL import Image, ImageDraw

SCALE = 1.5  # 108 dpi: a page stays readable on a laptop without a multi-megabyte image


class PageRenderError(Exception):
    """The page cannot be rendered (no such page, unreadable file)."""


def passage_boxes(pdf_path: str, page_number: int, needle: str) -> list[tuple[float, float, float, float]]:
    """Boxes (in PDF points, top-left origin) of the words that spell `needle` on the page."""
    words_wanted = [w for w in re.split(r"\s+", needle.strip()) if w][:60]
    if not words_wanted:
        return []
    with pdfplumber.open(pdf_path) as pdf:
        if not 1 <= page_number <= len(pdf.pages):
            raise PageRenderError(f"page {page_number} is outside the document")
        words = pdf.pages[page_number - 1].extract_words(x_tolerance=1.5)
    texts = [w["text"].lower() for w in words]
    first = words_wanted[0].lower()
    for start, text in enumerate(texts):
        if text != first:
            continue
        span = words[start : start + len(words_wanted)]
        if [w["text"].lower() for w in span] == [w.lower() for w in words_wanted]:
            return [(w["x0"], w["top"], w["x1"], w["bottom"]) for w in span]
    # Not spelled word for word (a number in a table): outline every word equal to the needle.
    return [(w["x0"], w["top"], w["x1"], w["bottom"]) for w in words if w["text"] == needle.strip()]


def render_page_png(pdf_path: str, page_number: int, needle: str = "") -> bytes:
    try:
        document = pdfium.PdfDocument(pdf_path)
    except pdfium.PdfiumError as exc:
        raise PageRenderError(f"cannot open the PDF: {exc}") from None
    try:
        if not 1 <= page_number <= len(document):
            raise PageRenderError(f"page {page_number} is outside the document")
        image: Image.Image = document[page_number - 1].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        document.close()
    boxes = passage_boxes(pdf_path, page_number, needle) if needle else []
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for x0, top, x1, bottom in boxes:
            draw.rectangle(
                [x0 * SCALE - 2, top * SCALE - 2, x1 * SCALE + 2, bottom * SCALE + 2],
                fill=(255, 214, 0, 90),
                outline=(220, 120, 0, 255),
                width=2,
            )
        image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
