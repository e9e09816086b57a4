"""Under the content security policy, in a real browser: no page meets a violation (a script,
handler, style, image or font the policy refuses), and the behaviours moved out of inline
handlers (print, filter on change) still work."""

import warnings

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .test_public_pages import _pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every violation the browser reports, from the first byte of each page on.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
window.print = () => { window.__printed = true; };
"""


@pytest.fixture
def site(live_server, geography, seeded_roadmaps, personas):
    return live_server.url, seeded_roadmaps


@pytest.fixture
def csp_page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.console_csp = console
    yield page
    context.close()


def _wait_for_requests_after_load(page, path: str) -> None:
    """What a page fetches after its load (the API documentation's description, a map's
    shapes) is checked by the policy too: wait until the network is quiet. Once, in CI's busiest
    minutes, the sign-in page (which fetches nothing after its load) did not look quiet to
    Chromium within 30 s and failed the test with no violation: a page that stays busy is said
    in the warnings and its violations so far are still checked, rather than failing a test
    about the policy."""
    try:
        page.wait_for_load_state("networkidle", timeout=15_000)
    except PlaywrightTimeout:
        warnings.warn(f"{path}: network not quiet after 15 s", stacklevel=2)


def test_no_page_meets_a_policy_violation(site, csp_page):
    base, roadmaps = site
    page = csp_page
    violations = {}
    for path, _ in [*_pages(roadmaps), ("/api/v1/docs", "")]:
        response = page.goto(base + path)
        assert response.status == 200, path
        assert "script-src 'self';" in response.headers["content-security-policy"] + ";"
        _wait_for_requests_after_load(page, path)
        found = page.evaluate("window.__violations")
        if found:
            violations[path] = found
    assert violations == {}
    assert page.console_csp == []
    # The API's documentation still renders under the policy.
    assert page.locator(".swagger-ui .opblock").count() >= 10
    # And the check can fail: an inline script is refused, and seen.
    page.goto(base + "/")
    page.evaluate(
        "const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        "document.body.appendChild(s);"
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran") is None


def test_the_print_button_prints_without_an_inline_handler(site, csp_page):
    base, roadmaps = site
    page = csp_page
    page.goto(f"{base}/rapports/feuilles-de-route/{roadmaps['53'].pk}/tableau-de-bord/")
    page.get_by_role("button", name="Imprimer").click()
    assert page.evaluate("window.__printed === true")
    assert page.evaluate("window.__violations") == []


def test_choosing_a_source_filters_the_imports_without_an_inline_handler(site, csp_page):
    base, _ = site
    page = csp_page
    page.goto(base + "/comptes/connexion/")
    page.get_by_label("Identifiant").fill("ars.admin")
    page.get_by_label("Mot de passe").fill("demo-cap-esante")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(base + "/imports/")
    with page.expect_navigation():
        page.get_by_label("Source").select_option("finess")
    assert page.url.endswith("/imports/?source=finess")
    assert page.evaluate("window.__violations") == []
