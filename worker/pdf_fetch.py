"""Downloading PDFs: streamed, size-capped, only from allowed hosts, redirects checked hop by hop."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

from worker.arxiv_client import TRANSIENT_STATUSES, TransientFetchError, raise_for_transport

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024


class PdfRefused(Exception):
    """A PDF we will not store: host not allowed, not a PDF, too large, HTTP 4xx. Not retried."""


@dataclass
class DownloadedPdf:
    data: bytes
    sha256: str
    final_url: str


def host_allowed(url: str, allowed_hosts: list[str]) -> bool:
    """Whether `url` is http(s) on one of `allowed_hosts` or a subdomain of one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in {"http", "https"} or not host:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in allowed_hosts)


def download_pdf(
    url: str, *, session: requests.Session, allowed_hosts: list[str], max_bytes: int, timeout: float
) -> DownloadedPdf:
    """Fetch a PDF. Raises PdfRefused (permanent) or TransientFetchError (try again later)."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if not host_allowed(current, allowed_hosts):
            raise PdfRefused(f"refused to fetch from a host outside ARXIV_PDF_HOSTS: {current}")
        try:
            # Redirects are followed by hand so each hop's host is checked (no SSRF through a redirect).
            response = session.get(current, stream=True, timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise_for_transport(exc, current)
        with response:
            if response.is_redirect:
                current = urljoin(current, response.headers.get("Location", ""))
                continue
            return _read_pdf_body(response, current, max_bytes)
    raise PdfRefused(f"more than {MAX_REDIRECTS} redirects from {url}")


def _read_pdf_body(response: requests.Response, url: str, max_bytes: int) -> DownloadedPdf:
    if response.status_code in TRANSIENT_STATUSES:
        raise TransientFetchError(f"HTTP {response.status_code} fetching {url}")
    if response.status_code != 200:
        raise PdfRefused(f"HTTP {response.status_code} fetching {url}")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PdfRefused(f"PDF is {int(declared):,} bytes, over the {max_bytes:,}-byte limit")
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise PdfRefused(f"PDF is over the {max_bytes:,}-byte limit (stopped reading at {size:,})")
            digest.update(chunk)
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise_for_transport(exc, url)
    data = b"".join(chunks)
    check_pdf_bytes(data)
    return DownloadedPdf(data=data, sha256=digest.hexdigest(), final_url=url)


def check_pdf_bytes(data: bytes) -> None:
    """Raise PdfRefused unless the bytes start like a PDF (an HTML error page often comes with 200)."""
    if not data:
        raise PdfRefused("empty file (0 bytes)")
    head = data[:1024].lstrip()
    if not head.startswith(b"%PDF-"):
        preview = head[:40].decode("latin-1", "replace").replace("\n", " ")
        raise PdfRefused(f"not a PDF: starts with {preview!r}")
