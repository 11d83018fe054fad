"""A list page's query count does not grow with its rows (STYLE.md, "Reads go through queries")."""

from collections.abc import Callable

from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext


def assert_same_queries_for_1_and_more(
    client, url: str, add_rows: Callable[[int], object], *, more: int = 3
) -> tuple[HttpResponse, HttpResponse]:
    """Render `url` with 1 row, add rows up to `more` with `add_rows(count)` and render it again:
    both renders ask the same number of queries. Returns both responses."""
    add_rows(1)
    with CaptureQueriesContext(connection) as one:
        first = client.get(url)
    assert first.status_code == 200
    add_rows(more - 1)

    with CaptureQueriesContext(connection) as many:
        last = client.get(url)

    assert last.status_code == 200
    assert len(many) == len(one), "\n".join(
        ["queries with more rows:", *(query["sql"] for query in many.captured_queries)]
    )
    return first, last
