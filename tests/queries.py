"""A list page's query count does not grow with its rows (STYLE.md, "Reads go through queries")."""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext


def assert_same_queries_for_1_and_more(
    client, url: str, add_rows: Callable[[int], object], *, more: int = 3
) -> tuple[HttpResponse, HttpResponse]:
    """Render `url` with 1 row, add rows up to `more` with `add_rows(count)` and render it again:
    both renders ask the same number of queries. Returns both responses.

    Each render starts with an empty cache: what the first one cached (the catalogue's cards and
    lists, events.cards) would spare the second queries and could hide one asked per row."""
    add_rows(1)
    cache.clear()
    with CaptureQueriesContext(connection) as one:
        first = client.get(url)
    assert first.status_code == 200
    add_rows(more - 1)
    cache.clear()

    with CaptureQueriesContext(connection) as many:
        last = client.get(url)

    assert last.status_code == 200
    assert len(many) == len(one), "\n".join(
        ["queries with more rows:", *(query["sql"] for query in many.captured_queries)]
    )
    return first, last
