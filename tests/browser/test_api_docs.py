"""The API's documentation in a real browser: Swagger UI renders the live schema from assets
the platform serves itself; the page asks nothing of any other address (no CDN, no
validator badge)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_load_from_the_platform_alone(live_server, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Cap e-santé" in page.locator(".swagger-ui .info .title").inner_text()
    # The operations of the schema are listed, by their French tags.
    page.wait_for_selector(".opblock-tag", timeout=15_000)
    tags = page.locator(".opblock-tag").all_inner_texts()
    assert any("Indicateurs" in t for t in tags) and any("Campagnes" in t for t in tags)
    assert page.locator(".opblock").count() >= 18
    assert page.evaluate("document.documentElement.lang") == "fr"
    page.wait_for_load_state("networkidle")
    outside = [
        url
        for url in requested
        if not url.startswith(live_server.url) and not url.startswith(("data:", "blob:"))
    ]
    assert outside == []
    assert f"{live_server.url}/static/ninja/swagger-ui-bundle.js" in requested
    assert f"{live_server.url}/api/v1/openapi.json" in requested
    assert failed == []
