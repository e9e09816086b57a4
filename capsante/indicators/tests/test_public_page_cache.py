"""Public pages kept for visitors (capsante/ui/page_cache.py): the same page without the work of
making it, a new one as soon as what it shows changes, never for a signed-in partner."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capsante.indicators import services
from capsante.indicators.models import Indicator
from capsante.indicators.tests.test_values_and_targets import MAYENNE, SARTHE, stage_mes
from capsante.ui import page_cache

DASHBOARD = "/indicateurs/territoire/departement/72/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_pages(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    settings.PUBLIC_PAGE_VERSION_SECONDS = 0  # every change seen at once in a test
    page_cache.forget_version()
    from django.core.cache import cache

    cache.clear()
    stage_mes(settings.STAGING_DIR, {"2025-01": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    yield
    cache.clear()


def get(client, url):
    """The page, and whether it was made for this request or taken as kept."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    # A kept page reads the content's version alone; a page made finds its territory first.
    made = any('"territories_territory"' in q["sql"] for q in captured.captured_queries)
    return response, made


def test_a_visitor_gets_the_kept_page_without_it_being_made_again(client, geography, kept_pages):
    first, made = get(client, DASHBOARD)
    again, made_again = get(client, DASHBOARD)
    assert made and not made_again  # the second visitor's page read no value
    assert again.content == first.content
    assert "Activation de Mon espace santé" in again.content.decode()


def test_a_new_target_shows_at_once_to_visitors(client, geography, personas, kept_pages):
    before = get(client, DASHBOARD)[0].content.decode()
    assert "97,5" not in before
    services.set_target(
        personas["dt72_editor"],
        Indicator.objects.get(code="MES_ACTIVATION"),
        geography["sarthe"],
        target_value=97.5,
        deadline="2026-12",
        source="feuille de route",
    )
    after = get(client, DASHBOARD)[0].content.decode()
    assert "97,5" in after and after != before


def test_a_new_computation_shows_at_once_to_visitors(client, geography, kept_pages, settings):
    assert "80,0\xa0%" in get(client, DASHBOARD)[0].content.decode()
    stage_mes(settings.STAGING_DIR, {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {
        "72181": (990, 1000), "72003": (90, 100), "72154": (90, 100)}})  # fmt: skip
    services.compute_and_store(codes=["MES_ACTIVATION"])
    assert "97,5\xa0%" in get(client, DASHBOARD)[0].content.decode()


def test_partners_and_visitors_with_a_session_get_their_own_page(
    client, geography, personas, kept_pages
):
    visitor_page = get(client, DASHBOARD)[0].content.decode()
    client.force_login(personas["dt72_editor"])
    partner_page, made = get(client, DASHBOARD)
    assert made and partner_page.content.decode() != visitor_page
    assert "Se déconnecter" in partner_page.content.decode()
    client.logout()
    client.cookies["sessionid"] = "a-session-of-their-own"
    assert get(client, DASHBOARD)[1]  # made for them, not taken from the cache


def test_a_download_keeps_its_file_name(client, geography, kept_pages):
    url = "/indicateurs/MES_ACTIVATION/departement/72/?format=csv&table=children"
    first = client.get(url)
    again = client.get(url)
    assert again.content == first.content
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert again["Content-Type"] == first["Content-Type"]


def cards_of(territory, user):
    """The cards, and whether they were made for this call (values read) or taken as kept."""
    from capsante.indicators import dashboards

    with CaptureQueriesContext(connection) as captured:
        cards = dashboards.territory_cards(territory, user, compare=True)
    made = any(
        '"indicators_indicatorvalue"' in q["sql"] and "MAX(" not in q["sql"].upper()
        for q in captured.captured_queries
    )  # the content's version reads the highest value's id
    return cards, made


def test_partners_share_a_territorys_cards_by_what_they_may_see(
    client, geography, personas, kept_pages
):
    le_mans = geography["epci"]["le_mans"]
    sarthe_cards, made = cards_of(le_mans, personas["dt72_editor"])
    assert made and not any(c.withheld for c in sarthe_cards)
    # Another partner of Sarthe reads the same cards without their being made again…
    assert cards_of(le_mans, personas["cpam72_contributor"])[1] is False
    # …a partner of Mayenne gets cards made for what they may see: the figures counted by
    # establishment withheld, the others shown.
    mayenne_cards, made = cards_of(le_mans, personas["dt53_editor"])
    assert made
    withheld = {c.indicator.code for c in mayenne_cards if c.withheld}
    protected = {
        c.indicator.code
        for c in sarthe_cards
        if c.indicator.grain == "structure" and not c.indicator.detail_public
    }
    assert protected and withheld == protected
    # A new target shows at once on the partners' page too.
    client.force_login(personas["dt72_editor"])
    url = f"/indicateurs/territoire/epci/{le_mans.code}/"
    assert "97,5" not in client.get(url).content.decode()
    services.set_target(
        personas["dt72_editor"],
        Indicator.objects.get(code="MES_ACTIVATION"),
        le_mans,
        target_value=97.5,
        deadline="2026-12",
        source="feuille de route",
    )
    assert "97,5" in client.get(url).content.decode()
