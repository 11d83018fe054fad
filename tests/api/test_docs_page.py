"""The API's documentation page works under the site's strict Content-Security-Policy."""

import pytest

from tests.browser.conftest import browser_type_launch_args  # noqa: F401 (Debian's Chromium)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_docs_page_loads_swagger_ui_from_this_site_with_no_csp_violation(live_server, page):
    violations, scripts = [], []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if "CSP" in m.text or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)

    response = page.goto(f"{live_server.url}/api/v1/docs/")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI draws the operations from the schema.
    page.get_by_text("/api/v1/sessions/", exact=False).first.wait_for()
    assert scripts
    assert all(url.startswith(live_server.url) for url in scripts), scripts
    assert violations == []
