"""The users' daily work in a real browser: the Sarthe editor signs in, sets a target on an
indicator of the Sarthe, and an anonymous visitor then reads its value, target and computed
status on the roadmap's public dashboard."""

import re

import pytest
from playwright.sync_api import expect

from capsante.indicators.models import Target
from tests import worlds

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, geography, personas, seeded_roadmaps):
    worlds.build(geography, personas, seeded_roadmaps)
    return live_server.url, seeded_roadmaps["72"]


def test_the_sarthe_editor_sets_a_target_that_the_public_dashboard_shows(site, browser, personas):
    base, roadmap = site
    editor = browser.new_context(locale="fr-FR")
    page = editor.new_page()
    sign_in(page, base, personas["dt72_editor"].username)
    page.goto(f"{base}/feuilles-de-route/cibles/DMP_ALIMENTATION/departement/72/")
    page.locator("#id_target_value").fill("85,5")
    page.locator("#id_deadline").fill("12/2026")
    page.locator("#id_note").fill("Votée au comité du 14 novembre")
    objective = page.locator("#id_objective")
    served = objective.locator("option").nth(1).inner_text()
    objective.select_option(label=served)
    page.get_by_role("button", name=re.compile("Enregistrer")).click()
    expect(page.locator(".fr-alert--success, .fr-notice")).to_contain_text("Cible enregistrée")
    editor.close()

    target = Target.objects.get(indicator__code="DMP_ALIMENTATION", territory__code="72")
    assert float(target.target_value) == 85.5 and target.deadline == "2026-12"
    assert target.status  # computed at once, not typed

    visitor = browser.new_context(locale="fr-FR")
    page = visitor.new_page()
    page.goto(f"{base}/rapports/feuilles-de-route/{roadmap.pk}/tableau-de-bord/")
    table = page.locator("table", has=page.locator("caption", has_text="Synthèse des indicateurs"))
    row = table.locator("tbody tr", has_text="Alimentation du DMP").filter(has_text="Sarthe")
    expect(row).to_have_count(1)
    cells = row.first.locator("td")
    texts = [cells.nth(i).inner_text().strip() for i in range(cells.count())]
    # Value, then the target as set (French decimal comma), then its computed status.
    # The value and its sign joined by a no-break space: « 82,2 % » never breaks before « % ».
    assert re.match(r"^\d+,\d\xa0%$", texts[3]), texts
    assert texts[5].startswith("85,5\xa0%"), texts
    assert texts[6].lower() not in ("", "—", "non évalué"), texts
    # The objective it serves, as the editor chose it.
    assert served.strip()[-30:] in texts[1], (served, texts)
    visitor.close()


def test_the_partners_home_page_names_its_buttons_on_a_phone(site, browser, personas):
    """The buttons of the partner's home page keep their labels beside their icons at 375 px
    (a DSFR group of buttons with icons otherwise shows the icons alone)."""
    base, _ = site
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, base, personas["cpam72_contributor"].username)
    page.goto(base + "/")
    for name in ("Tableau de bord complet", "Synthèse sur une page (PDF)", "Mes tâches"):
        link = page.get_by_role("link", name=re.compile("^" + re.escape(name)))
        box = link.first.bounding_box()
        text_width = link.first.evaluate(
            "el => { const r = document.createRange(); r.selectNodeContents(el);"
            " return r.getBoundingClientRect().width; }"
        )
        assert box and box["width"] >= text_width > 60, (name, box, text_width)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
