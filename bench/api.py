"""`make bench` (api part): the public sessions endpoint against the catalogue page it mirrors.

On the catalogue part's data (its 300 upcoming sessions, made here too when missing; the impact
part's past programme when it is there), one gunicorn serves both, and the same clients
(BENCH_API_CLIENTS coroutines of bench/load.py) ask for BENCH_API_SECONDS each, one after the
other with a warm-up each: first the catalogue page, then /api/v1/sessions/, with the same
filters (none, a second page, language, economy, region, topic, format), twenty sessions a page
on both, in English, French and Spanish (the API by Accept-Language, anonymous as a partner's
site calls it). Appends both rates, their ratio (API / catalogue), latencies, errors, the CPU
used and SQL queries per request to bench/results.jsonl.

The anonymous rate limit of the API (API_RATE_ANONYMOUS) is lifted for the run: every request
comes from one address here.
"""

import asyncio
import importlib.util
import json
import os
import random
from urllib.parse import urlsplit

import common
import load

SECONDS = float(os.environ.get("BENCH_API_SECONDS", "10"))
WARM_UP = float(os.environ.get("BENCH_API_WARM_UP", "2"))
CLIENTS = int(os.environ.get("BENCH_API_CLIENTS", "8"))
LANGUAGES = ("en", "fr", "es")
PAGE = 20  # the catalogue's page (events.views.PAGE_SIZE): the API is asked for as many

common.ENV["API_RATE_ANONYMOUS"] = "100000000/minute"


def _catalogue_module():
    """bench/catalogue.py, whose upcoming sessions this part measures too."""
    spec = importlib.util.spec_from_file_location(
        "bench_catalogue", common.ROOT / "bench/catalogue.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _filters() -> list[str]:
    """The same filters for both: none, language, a national session's economy and region, a
    topic, a format."""
    from django.db.models import Count

    from events.models import Session

    national = (
        Session.objects.filter(status="published")
        .annotate(targets=Count("target_economies"))
        .filter(targets=1)
        .values_list("target_economies__code", "target_economies__region")
        .first()
    ) or ("KE", "002")
    return [
        "",
        "language=fr",
        f"economy={national[0]}",
        f"region={national[1]}",
        "topic=e-commerce",
        "format=hybrid",
    ]


def _second_api_page(client, language: str) -> str:
    """The API's second page, by the cursor its first page gives."""
    first = client.get(f"/api/v1/sessions/?page_size={PAGE}", HTTP_ACCEPT_LANGUAGE=language)
    following = first.json().get("next")
    if not following:
        raise SystemExit("api: the first page of /api/v1/sessions/ has no next page")
    parts = urlsplit(following)
    return f"{parts.path}?{parts.query}"


def requests_to_make() -> dict[str, list[tuple[str, dict]]]:
    """Each side's requests as (path, headers): the catalogue's pages and the API's calls."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", headers=common.HEADERS)
    filters = _filters()
    sides = {"catalogue": [], "api": []}
    for language in LANGUAGES:
        page_headers = {**common.HEADERS}
        api_headers = {**common.HEADERS, "Accept-Language": language, "Accept": "application/json"}
        base = f"/{language}/sessions/"
        for query in filters:
            sides["catalogue"].append((f"{base}?{query}" if query else base, page_headers))
            api = f"/api/v1/sessions/?page_size={PAGE}" + (f"&{query}" if query else "")
            sides["api"].append((api, api_headers))
        sides["catalogue"].append((f"{base}?page=2", page_headers))
        sides["api"].append((_second_api_page(client, language), api_headers))
    return sides


def count_queries(sides: dict[str, list[tuple[str, dict]]]) -> dict[str, int]:
    """SQL queries of each side's first request (in English, answered in-process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for side, requests in sides.items():
        path, headers = requests[0]
        client = Client(HTTP_HOST="127.0.0.1", headers=headers)
        client.get(path)  # fills the per-process caches
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"api: {path} answered {status}")
        counts[side] = len(queries)
    return counts


def load_of(requests: list[tuple[str, dict]], server_pid: int) -> dict:
    """CLIENTS clients (bench/load.py), each asking for one of `requests` at a time until the
    window closes; the figures of the measured part, with the CPU used meanwhile."""

    async def client(n: int, window: load.Window) -> None:
        draw = random.Random(n)  # noqa: S311 (an order of requests)
        connection = load.Connection()
        while window.is_open():
            path, headers = draw.choice(requests)
            await window.timed("get", connection.request("GET", path, headers))
        connection.close()

    window = load.Window(SECONDS, WARM_UP)
    cpu = common.CpuMeter(server_pid)
    asyncio.run(window.run(CLIENTS, client, meter=cpu))
    figures = window.figures()
    figures["cpu"] = cpu.figures()
    return figures


def main() -> None:
    common.prepare_database()
    common.setup_django()
    from django.db import connections

    print("api: preparing the catalogue's upcoming sessions", flush=True)
    _catalogue_module().ensure_upcoming_sessions()
    sides = requests_to_make()
    queries = count_queries(sides)
    connections.close_all()
    print("api: measuring the catalogue page, then the public sessions endpoint", flush=True)
    before = common.machine_before("api")
    with common.serving("api") as server:
        catalogue = load_of(sides["catalogue"], server.pid)
        api = load_of(sides["api"], server.pid)
    ratio = round(api["per_second"] / catalogue["per_second"], 2) if catalogue["per_second"] else 0
    common.record(
        "api",
        {
            "gunicorn_workers": common.GUNICORN_WORKERS,
            "gunicorn_threads": common.GUNICORN_THREADS,
            "clients": CLIENTS,
            **before,
            "page_size": PAGE,
            "catalogue": catalogue,
            "api": api,
            "api_to_catalogue": ratio,
            "queries": queries,
        },
    )
    print(
        f"api: /api/v1/sessions/ {api['per_second']} requests/s (p50 {api['p50_ms']} ms, "
        f"p99 {api['p99_ms']} ms, {queries['api']} queries) against the catalogue page's "
        f"{catalogue['per_second']} requests/s (p50 {catalogue['p50_ms']} ms, "
        f"{queries['catalogue']} queries): {ratio}× ; "
        f"errors {api['errors']} and {catalogue['errors']}; load generator "
        f"{api['cpu']['share'].get('generator', 0):.0%} of the CPU, gunicorn "
        f"{api['cpu']['share'].get('server', 0):.0%}",
        flush=True,
    )
    if api["errors"] or catalogue["errors"]:
        raise SystemExit(
            "api: answers other than 200: "
            + json.dumps({"api": api["statuses"], "catalogue": catalogue["statuses"]})
        )


if __name__ == "__main__":
    main()
