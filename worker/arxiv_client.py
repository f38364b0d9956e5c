"""All arXiv API access lives here: query building, polite paging, feed parsing into paper records."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import arxiv
import requests
from arxiv import _feed
from lxml import etree

from papers.services import PaperRecord
from worker.reading.arxiv_ids import InvalidArxivId, split_arxiv_id

logger = logging.getLogger(__name__)

USER_AGENT = "living-review/0.1 (systematic review server; polite: 1 request / 3 s)"
API_URL = "https://export.arxiv.org/api/query?{}"
# Statuses worth trying again later: rate limiting and server trouble. Everything else 4xx is our fault.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
WITHDRAWN_MARKERS = ("this paper has been withdrawn", "this article has been withdrawn", "withdrawn by the author")


class FeedError(Exception):
    """A feed that will not get better by asking again: malformed XML, an API error entry, a 4xx."""


class TransientFetchError(Exception):
    """A fetch that may succeed later: timeout, connection error, HTTP 429 or 5xx."""


@dataclass
class FeedPage:
    """One page of an arXiv API response, as paper records."""

    total_results: int
    start_index: int
    records: list[PaperRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # entries without a usable id, with why


def build_search_query(
    categories: list[str], terms: list[str], start: dt.datetime | None = None, end: dt.datetime | None = None
) -> str:
    """The arXiv query of a review's scope: any category, any term in title or abstract, a submission window."""
    parts = []
    if categories:
        parts.append("(" + " OR ".join(f"cat:{category}" for category in categories) + ")")
    if terms:
        quoted = [f'"{term}"' if " " in term else term for term in (t.replace('"', "") for t in terms)]
        parts.append("(" + " OR ".join(f"ti:{q} OR abs:{q}" for q in quoted) + ")")
    if start or end:
        low = (start or dt.datetime(1991, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%d%H%M")
        high = (end or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%d%H%M")
        parts.append(f"submittedDate:[{low} TO {high}]")
    if not parts:
        raise ValueError("a review scope needs categories, terms or a window")
    return " AND ".join(parts)


def _is_withdrawn(result: arxiv.Result) -> bool:
    text = f"{result.comment or ''} {result.summary[:300]}".lower()
    return any(marker in text for marker in WITHDRAWN_MARKERS)


def result_to_record(result: arxiv.Result) -> PaperRecord:
    """A paper record from one parsed feed entry; raises InvalidArxivId for entries without an arXiv id."""
    arxiv_id, version = split_arxiv_id(result.entry_id)
    raw: dict[str, Any] = {
        "id": result.entry_id,
        "updated": result.updated.isoformat(),
        "published": result.published.isoformat(),
        "title": result.title,
        "summary": result.summary,
        "authors": [{"name": a.name, "affiliation": list(a.affiliation)} for a in result.authors],
        "comment": result.comment,
        "journal_ref": result.journal_ref,
        "doi": result.doi,
        "primary_category": result.primary_category,
        "categories": list(result.categories),
        "links": [{"href": link.href, "rel": link.rel, "title": link.title} for link in result.links],
    }
    return {
        "arxiv_id": arxiv_id,
        "version": version or 1,
        "title": result.title.strip(),
        "authors": [a.name for a in result.authors if a.name],
        "abstract": " ".join(result.summary.split()),
        "categories": list(result.categories),
        "primary_category": result.primary_category or (result.categories[0] if result.categories else ""),
        "published": result.published,
        "updated": result.updated,
        "doi": (result.doi or "").strip() or None,
        "journal_ref": result.journal_ref or "",
        "comment": result.comment or "",
        "abs_url": next((link.href for link in result.links if link.rel == "alternate"), result.entry_id),
        "pdf_url": result.pdf_url or "",
        "withdrawn": _is_withdrawn(result),
        "raw_entry": raw,
    }


ATOM_NS = {"atom": "http://www.w3.org/2005/Atom"}
_STRICT_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_feed(content: bytes) -> FeedPage:
    """Parse an arXiv API Atom response. Raises FeedError for anything that is not a good feed."""
    if not content.strip():
        raise FeedError("empty response instead of an Atom feed")
    try:
        # The arxiv package parses leniently (recover=True); we want to know when a page was damaged.
        root = etree.fromstring(content, parser=_STRICT_XML)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed XML: {exc}") from None
    if etree.QName(root).localname != "feed":
        raise FeedError(f"not an Atom feed: the document's root is <{etree.QName(root).localname}>")
    for entry in root.iterfind("atom:entry", ATOM_NS):
        entry_id = entry.findtext("atom:id", default="", namespaces=ATOM_NS)
        if "/api/errors" in entry_id:
            summary = entry.findtext("atom:summary", default="", namespaces=ATOM_NS).strip()
            raise FeedError(f"arXiv API error: {summary or entry_id}")
    try:
        parsed = _feed.parse(content)
    except (ValueError, TypeError, AttributeError) as exc:
        # The arxiv package trusts field formats (dates above all); a damaged one ends the page, with why.
        raise FeedError(f"malformed entry field: {exc}") from None
    page = FeedPage(total_results=parsed.header.total_results, start_index=parsed.header.start_index)
    for result in parsed.results:
        try:
            page.records.append(result_to_record(result))
        except InvalidArxivId:
            page.skipped.append(f"entry without an arXiv id: {result.entry_id}")
    return page


class TimeoutSession(requests.Session):
    """A requests session that never waits forever: every request gets a timeout unless one is given."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def raise_for_transport(exc: requests.RequestException, url: str) -> None:
    """Classify a requests exception: timeouts and connection errors are transient."""
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        raise TransientFetchError(f"{type(exc).__name__} fetching {url}: {exc}") from exc
    raise FeedError(f"request to {url} failed: {exc}") from exc


class ArxivClient:
    """Pages through arXiv search results politely: at most `page_size` per request, at least
    `delay_seconds` (plus jitter) between requests, and a hard cap per run."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        page_size: int = 100,
        delay_seconds: float = 3.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session or TimeoutSession(timeout)
        self.page_size = min(page_size, 100)
        self.delay_seconds = delay_seconds
        self.sleep = sleep
        self._last_request: float | None = None
        self._arxiv = arxiv.Client(page_size=self.page_size, delay_seconds=delay_seconds, num_retries=0)

    def _wait_turn(self) -> None:
        if self._last_request is None:
            return
        # Jitter keeps several deployments from hitting arXiv in lockstep.
        wait = self.delay_seconds + random.uniform(0, self.delay_seconds / 3) - (time.monotonic() - self._last_request)
        if wait > 0:
            self.sleep(wait)

    def fetch_page(self, query: str, start: int, max_results: int | None = None) -> FeedPage:
        """One page of results for `query` from `start`. Raises TransientFetchError or FeedError."""
        search = arxiv.Search(
            query=query,
            max_results=None,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Ascending,
        )
        url = self._arxiv._format_url(search, start, min(max_results or self.page_size, self.page_size))
        self._wait_turn()
        try:
            response = self.session.get(url)
        except requests.RequestException as exc:
            raise_for_transport(exc, url)
        finally:
            self._last_request = time.monotonic()
        if response.status_code in TRANSIENT_STATUSES:
            raise TransientFetchError(f"arXiv answered HTTP {response.status_code} for {url}")
        if response.status_code != 200:
            try:
                detail = parse_feed(response.content)
            except FeedError as exc:
                raise FeedError(f"arXiv answered HTTP {response.status_code} for {url}") from exc
            raise FeedError(f"arXiv answered HTTP {response.status_code} for {url} ({len(detail.records)} entries)")
        return parse_feed(response.content)

    def iter_pages(self, query: str, *, max_results: int, start: int = 0) -> Iterator[FeedPage]:
        """Pages of `query` until the results, or `max_results`, run out. The caller may stop early."""
        fetched = 0
        while fetched < max_results:
            page = self.fetch_page(query, start + fetched, max_results - fetched)
            yield page
            got = len(page.records) + len(page.skipped)
            fetched += got
            if got == 0 or start + fetched >= page.total_results:
                return


def read_feed_files(paths: list[str]) -> Iterator[FeedPage]:
    """Saved arXiv API responses, page by page, for offline ingestion (`ingest --from-feed`)."""
    for path in paths:
        with open(path, "rb") as handle:
            yield parse_feed(handle.read())
