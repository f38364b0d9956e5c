"""The arXiv feed parser and client on real recorded responses; the HTTP layer is replaced."""

import contextlib
import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import corpus_path
from tests.worker.fakes import FakeSession, response
from worker.arxiv_client import ArxivClient, FeedError, TransientFetchError, build_search_query, parse_feed


def feed_files():
    return sorted(corpus_path("feeds").glob("*.xml"))


def test_every_real_feed_parses_with_ids_versions_authors_and_categories():
    parsed_entries = 0
    for path in feed_files():
        content = path.read_bytes()
        if b"api/errors" in content:
            with pytest.raises(FeedError, match="arXiv API error"):
                parse_feed(content)
            continue
        page = parse_feed(content)
        for record in page.records:
            assert "v" not in record["arxiv_id"].split("/")[-1], record["arxiv_id"]
            assert record["version"] >= 1
            assert record["title"] and record["authors"] and record["categories"]
            assert record["published"].tzinfo is not None
            assert record["raw_entry"]["id"].endswith(f"{record['arxiv_id']}v{record['version']}")
            parsed_entries += 1
    assert parsed_entries > 100


def test_a_single_id_feed_gives_the_exact_record():
    page = parse_feed(corpus_path("feeds", "arxivpy_id_list_1111.2011v2.xml").read_bytes())
    (record,) = page.records
    assert (record["arxiv_id"], record["version"]) == ("1111.2011", 2)
    assert record["pdf_url"].startswith("http") and "1111.2011v2" in record["pdf_url"]
    assert record["primary_category"] in record["categories"]


def test_old_style_ids_keep_their_archive_prefix():
    page = parse_feed(
        corpus_path("feeds", "arxivpy_recorded_id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml").read_bytes()
    )
    assert [(r["arxiv_id"], r["version"]) for r in page.records] == [("quant-ph/0201082", 1)]


def test_an_empty_result_set_is_an_empty_page_not_an_error():
    page = parse_feed(corpus_path("feeds", "arxivpy_recorded_id_0000.0000_s0_m100_8b51d9633a68.xml").read_bytes())
    assert page.records == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty response"),
        (b"<feed><entry>", "not well-formed"),
        (b"<html><body>Service unavailable</body></html>", "not an Atom feed"),
        (b"\x00\x01binary", "malformed XML"),
    ],
)
def test_bad_feeds_raise_a_clear_feed_error(content, reason):
    with pytest.raises(FeedError, match=reason):
        parse_feed(content)


def test_a_truncated_real_feed_keeps_its_whole_entries_and_says_what_was_cut():
    content = corpus_path("feeds", "arxivpy_recorded_q_testing_s0_m10_bc5a6c384fe9.xml").read_bytes()
    whole = parse_feed(content)
    page = parse_feed(content[: len(content) // 2])
    assert 0 < len(page.records) < len(whole.records)
    assert [r["arxiv_id"] for r in page.records] == [r["arxiv_id"] for r in whole.records[: len(page.records)]]
    assert page.skipped[0].startswith("the document is not well-formed") and "1 entry cut off" in page.skipped[-1]


def test_a_control_character_in_one_entry_loses_only_that_entry():
    content = corpus_path("feeds", "arxivpy_recorded_q_testing_s0_m10_bc5a6c384fe9.xml").read_bytes()
    whole = parse_feed(content)
    second = content.index(b"<entry", content.index(b"<entry") + 1)
    damaged = content[: second + 10] + b"\x01" + content[second + 10 :]
    page = parse_feed(damaged)
    assert len(page.records) == len(whole.records) - 1
    assert any(note.startswith("damaged entry") for note in page.skipped)


def test_scope_becomes_an_arxiv_query_with_a_submission_window():
    query = build_search_query(
        ["cs.LG", "cs.CL"],
        ["quantization", "KV cache quantization"],
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 8, 12, 30, tzinfo=dt.UTC),
    )
    assert query.startswith("(cat:cs.LG OR cat:cs.CL) AND (")
    assert 'ti:"KV cache quantization" OR abs:"KV cache quantization"' in query
    assert query.endswith("submittedDate:[202401010000 TO 202401081230]")


def paged_client(answers):
    slept = []
    session = FakeSession(answers)
    return ArxivClient(session=session, page_size=10, delay_seconds=3.0, sleep=slept.append), session, slept


def test_paging_is_polite_and_follows_consecutive_pages():
    pages = [
        corpus_path("feeds", f"arxivpy_recorded_q_testing_s{start}_m10_{suffix}.xml").read_bytes()
        for start, suffix in [(0, "bc5a6c384fe9"), (10, "34e56e15aaac"), (20, "348a237fecab")]
    ]
    client, session, slept = paged_client([response(200, body) for body in pages])
    got = list(client.iter_pages("all:testing", max_results=30))
    assert [len(page.records) for page in got] == [10, 10, 10]
    starts = [url.split("start=")[1].split("&")[0] for url, _ in session.requests]
    assert starts == ["0", "10", "20"]
    assert all("max_results=10" in url for url, _ in session.requests)
    assert len(slept) == 2 and all(wait >= 2.9 for wait in slept)


def test_the_client_never_asks_for_more_than_100_per_request():
    client = ArxivClient(session=FakeSession([]), page_size=500)
    assert client.page_size == 100


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_transient(status):
    client, _, _ = paged_client([response(status, b"busy")])
    with pytest.raises(TransientFetchError, match=str(status)):
        client.fetch_page("all:x", 0)


@pytest.mark.parametrize("error", [requests.Timeout("read timed out"), requests.ConnectionError("refused")])
def test_timeouts_and_connection_errors_are_transient(error):
    client, _, _ = paged_client([error])
    with pytest.raises(TransientFetchError):
        client.fetch_page("all:x", 0)


def test_a_400_error_feed_is_permanent_and_says_why():
    body = corpus_path("feeds", "arxivpy_recorded_id_abc_s0_m100_b79c8dcf6bc3.xml").read_bytes()
    client, _, _ = paged_client([response(400, body)])
    with pytest.raises(FeedError, match="HTTP 400 .*: arXiv API error: incorrect id format for abc"):
        client.fetch_page("id:abc", 0)


def test_a_404_is_permanent():
    client, _, _ = paged_client([response(404, b"<html>not found</html>")])
    with pytest.raises(FeedError, match="HTTP 404"):
        client.fetch_page("all:x", 0)


def test_every_request_carries_a_timeout():
    from worker.arxiv_client import TimeoutSession

    session = TimeoutSession(7.5)
    captured = {}

    def fake_send(request, **kwargs):
        captured.update(kwargs)
        return response(200, b"")

    session.send = fake_send  # type: ignore[method-assign]
    session.get("https://export.arxiv.org/api/query?x")
    assert captured["timeout"] == 7.5


def test_a_damaged_date_in_an_entry_is_a_feed_error_not_a_crash():
    content = corpus_path("feeds", "arxivpy_id_list_1111.2011v2.xml").read_bytes()
    damaged = content.replace(b"<published>20", b"<published>20endobj", 1)
    with pytest.raises(FeedError, match="malformed entry field"):
        parse_feed(damaged)


def test_mutated_real_feeds_never_raise_anything_but_feed_error():
    """A slice of `make faults` (which runs 10,000 cases): the parser refuses damage with a reason."""
    import random

    from worker.ops.drills import mutate

    rng = random.Random(7)
    seeds = [path.read_bytes() for path in feed_files()]
    for _ in range(500):
        with contextlib.suppress(FeedError):
            parse_feed(mutate(rng.choice(seeds), rng))


# A page of 10 of the 214,881 results for "testing", from start 10.
TESTING_S10 = "arxivpy_recorded_q_testing_s10_m10_34e56e15aaac.xml"


def real_feed(name):
    return corpus_path("feeds", name).read_bytes()


def entries_of(content):
    return re.findall(rb"<entry>.*?</entry>", content, flags=re.S)


def without_entries(content):
    return re.sub(rb"<entry>.*?</entry>\s*", b"", content, flags=re.S)


def test_the_page_header_gives_the_total_and_the_start():
    page = parse_feed(real_feed(TESTING_S10))
    assert (page.total_results, page.start_index, len(page.records)) == (214881, 10, 10)


def test_authors_keep_their_affiliations_in_the_stored_entry():
    (record,) = parse_feed(real_feed("arxivpy_recorded_id_astro-ph_0601001_s0_m100_3150dca9dc76.xml")).records
    assert record["raw_entry"]["authors"][0]["affiliation"] == ["Ohio State"]
    assert {link["rel"] for link in record["raw_entry"]["links"]} >= {"alternate", "related"}


def test_a_damaged_entry_beside_valid_ones_is_skipped_with_why_and_the_others_are_kept():
    content = real_feed(TESTING_S10)
    first = entries_of(content)[0]
    intact = parse_feed(content)
    page = parse_feed(content.replace(first, first.replace(b"<published>20", b"<published>20endobj", 1), 1))
    assert [r["arxiv_id"] for r in page.records] == [r["arxiv_id"] for r in intact.records[1:]]
    (reason,) = page.skipped
    assert reason.startswith(
        f"malformed entry field in {intact.records[0]['raw_entry']['id']}: <published> is not a date"
    )


@pytest.mark.parametrize(
    ("field", "reason"),
    [(rb"<id>[^<]*</id>", "missing <id>"), (rb"<updated>[^<]*</updated>", "missing <updated>")],
)
def test_an_entry_missing_a_required_field_is_reported_not_silently_dropped(field, reason):
    content = real_feed(TESTING_S10)
    third = entries_of(content)[2]
    page = parse_feed(content.replace(third, re.sub(field, b"", third, count=1), 1))
    assert len(page.records) == 9
    assert len(page.skipped) == 1 and page.skipped[0].endswith(reason)


def test_an_entry_without_an_arxiv_id_beside_valid_ones_is_skipped_with_why():
    content = real_feed(TESTING_S10)
    second = entries_of(content)[1]
    foreign = re.sub(rb"<id>[^<]*</id>", b"<id>http://example.org/not-arxiv</id>", second, count=1)
    page = parse_feed(content.replace(second, foreign, 1))
    assert len(page.records) == 9
    assert page.skipped == ["entry without an arXiv id: http://example.org/not-arxiv"]


def test_a_page_whose_every_entry_is_damaged_is_a_feed_error():
    damaged = real_feed(TESTING_S10).replace(b"<published>20", b"<published>xx")
    with pytest.raises(FeedError, match=r"no entry of the page could be read: malformed entry field .*\(and 9 more\)"):
        parse_feed(damaged)


def test_a_page_asks_for_the_query_oldest_first_within_the_page_size():
    client, session, _ = paged_client([response(200, real_feed(TESTING_S10))])
    client.fetch_page('cat:cs.LG AND ti:"KV cache"', 10, max_results=500)
    ((url, _),) = session.requests
    assert url.startswith("https://export.arxiv.org/api/query?")
    assert parse_qs(urlsplit(url).query) == {
        "search_query": ['cat:cs.LG AND ti:"KV cache"'],
        "sortBy": ["submittedDate"],
        "sortOrder": ["ascending"],
        "start": ["10"],
        "max_results": ["10"],
    }


def test_the_default_session_has_the_client_timeout():
    assert ArxivClient(timeout=7.5).session.timeout == 7.5


def test_a_503_after_the_first_page_is_transient_and_the_pages_before_it_stand():
    first = real_feed("arxivpy_recorded_q_testing_s0_m10_bc5a6c384fe9.xml")
    client, session, _ = paged_client([response(200, first), response(503, b"Service Unavailable")])
    got = []
    with pytest.raises(TransientFetchError, match=r"HTTP 503 for .*start=10.*busy or down"):
        got.extend(client.iter_pages("all:testing", max_results=30))
    assert [len(page.records) for page in got] == [10]
    assert len(session.requests) == 2  # the client does not retry HTTP errors: the Celery task does, with backoff


def test_an_empty_page_inside_the_results_is_asked_again_politely():
    content = real_feed(TESTING_S10)
    client, session, slept = paged_client([response(200, without_entries(content)), response(200, content)])
    page = client.fetch_page("all:testing", 10)
    assert len(page.records) == 10
    assert len(session.requests) == 2 and session.requests[0][0] == session.requests[1][0]
    assert len(slept) == 1 and slept[0] >= 2.9


def test_an_empty_page_that_stays_empty_is_a_transient_error():
    client, session, _ = paged_client([response(200, without_entries(real_feed(TESTING_S10)))] * 3)
    with pytest.raises(TransientFetchError, match="empty page at 10 of 214881 results 3 times"):
        client.fetch_page("all:testing", 10)
    assert len(session.requests) == 3


def test_an_empty_page_past_the_end_of_the_results_is_the_end():
    client, session, _ = paged_client([response(200, without_entries(real_feed(TESTING_S10)))])
    assert client.fetch_page("all:testing", 214881).records == []
    assert len(session.requests) == 1


def test_an_empty_result_set_is_one_request_and_one_empty_page():
    empty = real_feed("arxivpy_recorded_id_0000.0000_s0_m100_8b51d9633a68.xml")
    client, session, _ = paged_client([response(200, empty)])
    assert [page.records for page in client.iter_pages("id:0000.0000", max_results=100)] == [[]]
    assert len(session.requests) == 1
