"""The directory's public pages in a real browser: axe-core finds nothing serious in the normal
and easy-to-read modes, nothing scrolls sideways at 320 px, the search works by keyboard alone
and with JavaScript disabled."""

import pytest
from playwright.sync_api import expect

from capsante.directory.tests.conftest import directory_world  # noqa: F401 - a fixture used here

from .conftest import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, request):
    return live_server.url, request.getfixturevalue("directory_world")


def _pages(world):
    resource = world["fs_mans"].pk
    return [
        "/ressources/",
        "/ressources/?q=Le+Mans",
        "/ressources/?q=Le+Mans&need=teleconsulter",
        "/ressources/?q=Atlantide",
        f"/ressources/{resource}/",
        f"/ressources/{world['platform'].pk}/",
        f"/ressources/{resource}/signaler/",
        "/ressources/integrer/?commune=72181",
    ]


@pytest.mark.parametrize("mode", ["normale", "facile"])
@pytest.mark.parametrize("width", [1280, 320])
def test_public_directory_pages_pass_axe_and_fit_a_phone(browser, site, mode, width):
    base, world = site
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    failures = {}
    for path in _pages(world):
        separator = "&" if "?" in path else "?"
        response = page.goto(f"{base}{path}{separator}lecture={mode}")
        assert response.status == 200, path
        if mode == "facile":
            assert page.locator(".cap-easy").count() == 1, path
        problems = serious_violations(page)
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            problems.append("scrolls sideways")
        if problems:
            failures[path] = problems
    context.close()
    assert failures == {}


def test_the_search_by_keyboard_alone(page, site):
    base, _ = site
    page.goto(base + "/ressources/")
    page.locator("#id_q").focus()
    page.keyboard.type("Le Mnas")
    page.keyboard.press("Tab")  # the need
    page.keyboard.press("Enter")  # opens nothing harmful; the select keeps its value
    page.locator("#id_q").press("Enter")
    page.wait_for_url("**/ressources/?q=Le+Mnas*")
    first = page.locator(".cap-resource h3 a").first
    assert "France Services du Mans" in first.inner_text()
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ressources/*/")
    assert page.locator("h1").inner_text() == "France Services du Mans"


def test_the_search_works_with_javascript_disabled(browser, site):
    base, _ = site
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/ressources/")
    assert page.locator("[data-around-me]").is_hidden()
    page.locator("#id_q").fill("72000")
    page.locator("#id_need").select_option("teleconsulter")
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_load_state()
    titles = page.locator(".cap-resource h3").all_inner_texts()
    assert titles and all("téléconsultation" in t for t in titles)
    page.get_by_role("link", name="Facile à lire et à comprendre").click()
    expect(page.locator(".cap-easy")).to_have_count(1)
    context.close()
