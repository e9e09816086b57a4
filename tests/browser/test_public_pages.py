"""Public pages in a real browser: they render with the DSFR and pass axe-core."""

import pytest
from playwright.sync_api import expect

from .conftest import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, geography, seeded_roadmaps, personas):
    return live_server.url, seeded_roadmaps


def _pages(roadmaps):
    sarthe, mayenne = roadmaps["72"].pk, roadmaps["53"].pk
    return [
        ("/", "Les feuilles de route du numérique en santé"),
        ("/feuilles-de-route/", "Feuilles de route"),
        (f"/feuilles-de-route/{sarthe}/", "Sarthe"),
        (f"/feuilles-de-route/{sarthe}/objectifs/7/", "messageries sécurisées"),
        (f"/feuilles-de-route/{mayenne}/", "Mayenne"),
        ("/territoires/departement/72/", "Sarthe"),
        ("/territoires/", "Territoires"),
        ("/comptes/connexion/", "Se connecter"),
        ("/accessibilite/", "accessibilité"),
        ("/indicateurs/", "Indicateurs"),
        ("/indicateurs/territoire/departement/53/", "Mayenne"),
        ("/indicateurs/MES_ACTIVATION/departement/53/", "Mon espace santé"),
        (f"/rapports/feuilles-de-route/{mayenne}/tableau-de-bord/", "Mayenne"),
        ("/rapports/", "Rapports"),
    ]


def test_public_pages_render_styled_and_without_serious_accessibility_violations(site, page):
    base, roadmaps = site
    failures = {}
    for path, heading in _pages(roadmaps):
        response = page.goto(base + path)
        assert response.status == 200, path
        assert (
            heading.lower() in page.locator("h1").first.inner_text().lower() + page.title().lower()
        ), path
        # The DSFR stylesheet really applied (served by us, not blocked by an integrity check).
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.fr-header')).display")
            != "inline"
        ), path
        assert page.evaluate("document.documentElement.lang") == "fr"
        violations = serious_violations(page)
        if violations:
            failures[path] = violations
    assert failures == {}


def test_home_map_links_to_roadmaps_by_keyboard(site, page):
    base, roadmaps = site
    page.goto(base + "/")
    links = page.locator("svg.cap-map a")
    assert links.count() == 2
    labels = sorted(links.nth(i).get_attribute("aria-label") for i in range(2))
    assert "Mayenne" in labels[0] and "Sarthe" in labels[1]
    links.filter(has=page.locator("title", has_text="Sarthe")).first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/feuilles-de-route/{roadmaps['72'].pk}/")
    assert page.locator(".fr-card__title").count() == 8


def test_editor_logs_in_and_updates_an_action(site, page):
    base, roadmaps = site
    page.goto(base + "/comptes/connexion/")
    page.get_by_label("Identifiant").fill("dt72.editeur")
    page.get_by_label("Mot de passe").fill("demo-cap-esante")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(base + f"/feuilles-de-route/{roadmaps['72'].pk}/objectifs/2/")
    page.get_by_role("link", name="Mettre à jour").first.click()
    page.get_by_label("Avancement (%)").fill("60")
    page.get_by_label("Statut").select_option("in_progress")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("body")).to_contain_text("L’action a été mise à jour.")
    assert "Bruno Sarthe" in page.locator("table").inner_text()
    assert not serious_violations(page)


def test_partner_pages_pass_axe_too(site, page):
    """The pages advisers and editors work in: campaigns, call list, imports, committees."""
    from capsante.campaigns import services
    from capsante.campaigns.models import Campaign, Stage
    from capsante.establishments.models import Establishment

    base, roadmaps = site
    sarthe = roadmaps["72"].territory
    campaign = Campaign.objects.create(
        slug="zero-fax-72", name="Zéro fax", territory=sarthe, category_groups=["officine"]
    )
    for order, label in enumerate(
        ["Sans MSSanté", "Boîte MSSanté", "Ligne de fax fermée"], start=1
    ):
        Stage.objects.create(campaign=campaign, order=order, code=f"e{order}", label=label)
    from capsante.territories.models import Territory

    commune = Territory.objects.filter(level="commune", parent=sarthe).first()
    Establishment.objects.create(
        finess_et="720000099",
        name="PHARMACIE DU TEST",
        category_group="officine",
        commune=commune,
        latitude=47.9,
        longitude=0.2,
    )
    services.enrol(campaign)
    page.goto(base + "/comptes/connexion/")
    page.get_by_label("Identifiant").fill("cpam72.contributeur")
    page.get_by_label("Mot de passe").fill("demo-cap-esante")
    page.get_by_role("button", name="Se connecter").click()
    failures = {}
    for path in [
        "/campagnes/",
        "/campagnes/zero-fax-72/",
        "/campagnes/zero-fax-72/appels/",
        "/campagnes/zero-fax-72/structures/720000099/",
        "/etablissements/720000099/",
        "/imports/",
        "/comites/",
    ]:
        response = page.goto(base + path)
        assert response.status == 200, path
        violations = serious_violations(page)
        if violations:
            failures[path] = violations
    assert failures == {}


def test_repeated_failed_sign_ins_lead_to_the_french_lockout_page(site, page):
    base, _ = site
    page.goto(base + "/comptes/connexion/")
    for _ in range(5):
        page.get_by_label("Identifiant").fill("dt72.editeur")
        page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Connexion bloquée")
    assert "bloquée pendant 15 minutes" in page.locator(".fr-alert").inner_text()
    assert not serious_violations(page)
    # The right password changes nothing until the wait is over.
    page.goto(base + "/comptes/connexion/")
    page.get_by_label("Identifiant").fill("dt72.editeur")
    page.get_by_label("Mot de passe").fill("demo-cap-esante")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Connexion bloquée")


def test_the_404_page_is_french_styled_and_accessible(site, page):
    base, _ = site
    response = page.goto(base + "/feuilles-de-route/999999/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page non trouvée"
    assert not serious_violations(page)
