import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from there are
# safe because the live server runs in its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits live in the cache: each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_until_asked():
    """A request leaves its language active in the thread; each test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _economies_after_a_flush(request):
    """Transactional tests empty every table when they end, the migration-loaded economies and
    default survey too: such tests put them back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if not transactional and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from outreach.economies import read_economy_rows
    from outreach.models import Economy

    if not Economy.objects.exists():
        Economy.objects.bulk_create(Economy(**row) for row in read_economy_rows())
    from registrations.default_survey import create_default_survey
    from registrations.models import Choice, Question, Survey
    from registrations.outcome_survey import create_outcome_survey

    if not Survey.objects.filter(is_default=True).exists():
        create_default_survey(Survey, Question, Choice)
        create_outcome_survey(Survey, Question, Choice)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run the tasks queued so far (and those they queue), as a worker would; returns them."""
    from contextlib import ExitStack

    from django.tasks import default_task_backend

    backend = default_task_backend
    backend.clear()
    # Tests run inside a transaction that never commits: a capture stays open from the start of
    # the test, and each flush closes it, which plays what would have run on commit (and what
    # those callbacks queue), then opens the next one.
    capture = ExitStack()

    def open_capture():
        capture.enter_context(django_capture_on_commit_callbacks(execute=True))

    def commit_callbacks():
        capture.close()
        open_capture()

    def run(*, include_deferred: bool = True) -> list:
        ran = []
        commit_callbacks()
        while backend.results:
            pending = list(backend.results)
            backend.clear()
            for result in pending:
                if result.task.run_after is not None and not include_deferred:
                    backend.results.append(result)
                    continue
                ran.append((result.task.name, result.args))
                result.task.call(*result.args, **result.kwargs)
                commit_callbacks()
            if not include_deferred and all(r.task.run_after for r in backend.results):
                break
        return ran

    open_capture()
    yield run
    # The capture's callbacks run when it closes, whatever happens: what the test left queued only
    # enqueues tasks (cleared next) or drops cached copies, so it is played here while the
    # database is still there.
    capture.close()
    backend.clear()


def pytest_collection_modifyitems(config, items):
    """Refuse a test that takes a Playwright fixture but is not transactional (a parameter named
    `page`, say): pytest groups every test of that session-scoped browser together, so the
    browser tests, which empty the database as they end, would run before the others."""

    def transactional(item) -> bool:
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("transaction")) or bool(
            {"live_server", "transactional_db"} & set(item.fixturenames)
        )

    def uses_a_browser(item) -> bool:
        params = getattr(getattr(item, "callspec", None), "params", {})
        return "browser_name" in params or "browser_name" in getattr(item, "fixturenames", ())

    stray = [item.nodeid for item in items if uses_a_browser(item) and not transactional(item)]
    if stray:
        raise pytest.UsageError(
            "These tests take a Playwright fixture without a live server (rename the "
            "parameter?): " + ", ".join(stray)
        )
