"""All arXiv API access lives here: query building, polite paging, feed parsing into paper records.

What we take from the `arxiv` package, and what we do ourselves: from the package only its public API.
`arxiv.Search`, `arxiv.SortCriterion` and `arxiv.SortOrder` describe what we ask for, and `arxiv.Result`
(with `Result.Author` and `Result.Link`) carries each feed entry to `result_to_record`. We do not call
`arxiv.Client.results`, because it cannot give what ingestion needs: it fetches through its own session
(no timeout, nothing a test can replace), retries and sleeps on its own, hides the page header
(opensearch totalResults, which paging and progress need), and a single entry with a damaged field
fails its whole page. So two things are ours: the HTTP request, in `ArxivClient` (with `requests` and a
`TimeoutSession`), and the reading of the raw Atom, in the "Raw Atom" section below and nowhere else
(`parse_feed`, with lxml: the parser the arxiv package itself uses, so no new dependency).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import arxiv
import requests
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
    """A feed that will not get better by asking again: malformed XML, an API error entry, a 4xx.
    `reasons` lists every entry's own reason when the page held entries and none could be read."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or [message]


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


# --- Raw Atom ----------------------------------------------------------------------------------------
# The one place that reads arXiv's XML itself (see the module docstring for why not arxiv.Client.results).
# The document must be well-formed: a damaged or cut-off transfer is refused whole, where the arxiv
# package's lenient parser (recover=True) would quietly return what it could. Inside a good document
# each entry stands alone, so one damaged entry never costs the entries beside it.

ATOM_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_STRICT_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
AtomElement = Any  # an lxml element of the feed


def _text(element: AtomElement, path: str) -> str | None:
    found = element.find(path, ATOM_NS)
    return None if found is None else found.text


def _header_int(root: AtomElement, name: str) -> int:
    """An opensearch count of the page header; 0 when absent or not a number, as the arxiv package reads it."""
    text = _text(root, f"opensearch:{name}")
    try:
        return int(text.strip()) if text else 0
    except ValueError:
        return 0


def _timestamp(entry: AtomElement, name: str) -> dt.datetime:
    """An entry's RFC 3339 time as an aware UTC datetime; ValueError when it is absent or damaged."""
    text = _text(entry, f"atom:{name}")
    if text is None:
        raise ValueError(f"missing <{name}>")
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"<{name}> is not a date: {text.strip()[:40]!r}") from None


def _entry_result(entry: AtomElement) -> arxiv.Result:
    """One <entry> as the arxiv package's public Result; ValueError names the field that cannot be read."""
    entry_id = _text(entry, "atom:id")
    if not entry_id:
        raise ValueError("missing <id>")
    updated, published = _timestamp(entry, "updated"), _timestamp(entry, "published")
    authors = [
        arxiv.Result.Author(
            name=_text(author, "atom:name") or "",
            affiliation=[a.text for a in author.iterfind("arxiv:affiliation", ATOM_NS) if a.text is not None],
        )
        for author in entry.iterfind("atom:author", ATOM_NS)
    ]
    links = [
        arxiv.Result.Link(
            link.get("href"), title=link.get("title"), rel=link.get("rel") or "", content_type=link.get("type")
        )
        for link in entry.iterfind("atom:link", ATOM_NS)
        if link.get("href") is not None
    ]
    primary = entry.find("arxiv:primary_category", ATOM_NS)
    return arxiv.Result(
        entry_id=entry_id,
        updated=updated,
        published=published,
        title=re.sub(r"\s+", " ", _text(entry, "atom:title") or ""),
        authors=authors,
        summary=_text(entry, "atom:summary") or "",
        comment=_text(entry, "arxiv:comment"),  # None when absent, as Result's attributes are documented
        journal_ref=_text(entry, "arxiv:journal_ref"),
        doi=_text(entry, "arxiv:doi"),
        primary_category=(primary.get("term") if primary is not None else "") or "",
        categories=[c.get("term") for c in entry.iterfind("atom:category", ATOM_NS) if c.get("term") is not None],
        links=links,
    )


def _feed_root(content: bytes) -> AtomElement:
    """The <feed> of a well-formed document that is not an arXiv API error; FeedError otherwise.
    A document that is not well-formed raises lxml's XMLSyntaxError for `parse_feed` to salvage."""
    if not content.strip():
        raise FeedError("empty response instead of an Atom feed")
    root = etree.fromstring(content, parser=_STRICT_XML)
    if etree.QName(root).localname != "feed":
        raise FeedError(f"not an Atom feed: the document's root is <{etree.QName(root).localname}>")
    for entry in root.iterfind("atom:entry", ATOM_NS):
        entry_id = _text(entry, "atom:id") or ""
        if "/api/errors" in entry_id:
            summary = (_text(entry, "atom:summary") or "").strip()
            raise FeedError(f"arXiv API error: {summary or entry_id}")
    return root


def parse_feed(content: bytes) -> FeedPage:
    """Parse an arXiv API Atom response. Raises FeedError for anything that is not a good feed.

    An entry with a damaged field, or without an arXiv id, is listed in `skipped` with why, and the
    entries beside it are kept. A document that is not well-formed (a NUL, a control character, a
    cut) is read entry by entry, so one damaged entry does not lose the others. A page on which no
    entry at all can be read is a FeedError.
    """
    try:
        root = _feed_root(content)
    except etree.XMLSyntaxError as exc:
        entries, notes = _salvaged_entries(content, exc)
        page = FeedPage(total_results=0, start_index=0, skipped=notes)
    else:
        entries = list(root.iterfind("atom:entry", ATOM_NS))
        page = FeedPage(total_results=_header_int(root, "totalResults"), start_index=_header_int(root, "startIndex"))
    damaged: list[str] = []
    for entry in entries:
        try:
            result = _entry_result(entry)
        except ValueError as exc:
            damaged.append(f"malformed entry field in {_text(entry, 'atom:id') or 'an entry'}: {exc}")
            continue
        try:
            page.records.append(result_to_record(result))
        except InvalidArxivId:
            page.skipped.append(f"entry without an arXiv id: {result.entry_id}")
    if not page.records and (damaged or page.skipped and not entries):
        first = (damaged or page.skipped)[0]
        reasons = page.skipped + damaged
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        raise FeedError(f"no entry of the page could be read: {first}{more}", reasons)
    page.skipped += damaged
    return page


_FEED_OPENING_RE = re.compile(rb"<feed\b[^>]*>")
_ENTRY_RE = re.compile(rb"<entry\b.*?</entry>", re.DOTALL)


def _salvaged_entries(content: bytes, error: etree.XMLSyntaxError) -> tuple[list[AtomElement], list[str]]:
    """The well-formed entries of a damaged document, each parsed on its own inside the document's
    own <feed> opening (for its namespaces), and a note for the damage and for every entry lost."""
    opening = _FEED_OPENING_RE.search(content)
    if opening is None:
        raise FeedError(f"malformed XML: {error}")
    notes = [f"the document is not well-formed ({error}); its entries were read one by one"]
    entries = []
    chunks = _ENTRY_RE.findall(content, opening.end())
    for chunk in chunks:
        try:
            entries.extend(etree.fromstring(opening.group(0) + chunk + b"</feed>", parser=_STRICT_XML))
        except etree.XMLSyntaxError as exc:
            notes.append(f"damaged entry {_entry_id_of(chunk)}: {exc}")
    cut = len(re.findall(rb"<entry\b", content)) - len(chunks)
    if cut > 0:
        notes.append(f"{cut} entry cut off before its end")
    return [e for e in entries if etree.QName(e).localname == "entry"], notes


def _entry_id_of(chunk: bytes) -> str:
    found = re.search(rb"<id>([^<]{1,200})</id>", chunk)
    return found.group(1).decode("utf-8", "replace") if found else "(no id)"


def _page_url(query: str, start: int, max_results: int) -> str:
    """The API URL of one page of `query`, oldest submissions first so that pages stay put as papers arrive."""
    search = arxiv.Search(
        query=query, max_results=None, sort_by=arxiv.SortCriterion.SubmittedDate, sort_order=arxiv.SortOrder.Ascending
    )
    arguments = {
        "search_query": search.query,
        "id_list": ",".join(search.id_list),
        "sortBy": search.sort_by.value,
        "sortOrder": search.sort_order.value,
        "start": str(start),
        "max_results": str(max_results),
    }
    return API_URL.format(urlencode(arguments))


def _api_error_detail(content: bytes) -> str:
    """Why arXiv refused, when the refusal is an API error feed (it says what was wrong with the query)."""
    try:
        parse_feed(content)
    except FeedError as exc:
        return f": {exc}" if str(exc).startswith("arXiv API error") else ""
    return ""


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

    # arXiv now and then answers a page inside the results with no entries; asking again mends it.
    EMPTY_PAGE_TRIES = 3

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

    def _wait_turn(self) -> None:
        if self._last_request is None:
            return
        # Jitter keeps several deployments from hitting arXiv in lockstep.
        wait = self.delay_seconds + random.uniform(0, self.delay_seconds / 3) - (time.monotonic() - self._last_request)
        if wait > 0:
            self.sleep(wait)

    def _get(self, url: str) -> bytes:
        """The body of a 200 answer, in our turn. Raises TransientFetchError or FeedError."""
        self._wait_turn()
        try:
            response = self.session.get(url)
        except requests.RequestException as exc:
            raise_for_transport(exc, url)
        finally:
            self._last_request = time.monotonic()
        if response.status_code in TRANSIENT_STATUSES:
            raise TransientFetchError(f"arXiv answered HTTP {response.status_code} for {url} (busy or down: try later)")
        if response.status_code != 200:
            raise FeedError(
                f"arXiv answered HTTP {response.status_code} for {url}{_api_error_detail(response.content)}"
            )
        return response.content

    def fetch_page(self, query: str, start: int, max_results: int | None = None) -> FeedPage:
        """One page of results for `query` from `start`. Raises TransientFetchError or FeedError."""
        url = _page_url(query, start, min(max_results or self.page_size, self.page_size))
        for _ in range(self.EMPTY_PAGE_TRIES):
            page = parse_feed(self._get(url))
            if page.records or page.skipped or start >= page.total_results:
                return page
            logger.info(
                "arXiv sent an empty page at %d of %d results; asking again: %s", start, page.total_results, url
            )
        raise TransientFetchError(
            f"arXiv sent an empty page at {start} of {page.total_results} results {self.EMPTY_PAGE_TRIES} times for {url}"
        )

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
            content = handle.read()
        try:
            yield parse_feed(content)
        except FeedError as exc:  # one unreadable file is recorded; the files after it are still read
            yield FeedPage(total_results=0, start_index=0, skipped=[f"{path}: {reason}" for reason in exc.reasons])
