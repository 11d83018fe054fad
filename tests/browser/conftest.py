import json
from pathlib import Path

import pytest
from django.tasks.signals import task_enqueued

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a browser downloaded by Playwright."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


def serious_accessibility_violations(page) -> list[dict]:
    """Run axe-core on the page and return the serious and critical violations."""
    # Evaluated through the browser's debugging protocol, which the site's strict
    # Content-Security-Policy (no inline script) rightly does not allow a <script> tag for.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def describe(violations) -> str:
    return json.dumps(violations, indent=2)


def assert_accessible(page) -> None:
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)


@pytest.fixture
def queued_tasks():
    """The tasks enqueued from any thread, the live server's included.

    The in-memory DummyBackend keeps one list of results per thread, so the test thread cannot
    read what the live server queued; the task_enqueued signal reaches every thread's receiver.
    """
    queued = []

    def record(sender, task_result, **kwargs):
        queued.append(task_result)

    task_enqueued.connect(record, weak=False)
    yield queued
    task_enqueued.disconnect(record)


def run_due_tasks(queued: list) -> list[str]:
    """Run the queued tasks that are due now (not reminders, which wait), as a worker would."""
    due = [result for result in queued if result.task.run_after is None]
    for result in due:
        queued.remove(result)
        result.task.call(*result.args, **result.kwargs)
    return [result.task.name for result in due]


# Impacts axe gives a violation, from the least to the most severe.
IMPACTS = ("minor", "moderate", "serious", "critical")


def accessibility_violations(page, *, at_least: str = "serious") -> list[dict]:
    """Run axe-core on the page, WCAG 2.2's target-size rule included (axe leaves it off by
    default), and return the violations of impact `at_least` or more severe."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}})"
    )
    wanted = set(IMPACTS[IMPACTS.index(at_least) :])
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in wanted
    ]


def fill_in_the_registration_form(page, *, email: str) -> None:
    """What a Chilean small firm types into the public registration form."""
    page.locator("#id_full_name").fill("Ana Pérez")
    page.locator("#id_email").fill(email)
    page.locator("#id_economy").select_option("CL")
    page.locator("#id_organisation_name").fill("Frutas del Sur SpA")
    page.locator("input[name=kind][value=firm]").check()
    page.locator("#id_size_band").select_option("small")
    page.locator("#id_sector").select_option("food")
    page.locator("#id_exporting_status").select_option("ready")
    page.locator("#id_time_zone").select_option("America/Santiago")
    page.locator("#id_consent").check()
