"""The pages whose tables matter most, on a phone (375 and 320 px wide): nothing scrolls
sideways, every target's status and every call-list action is on screen, and axe-core finds no
serious violation. The tables stack their rows as cards there (components/table.html)."""

import itertools

import pytest

from .conftest import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [375, 320]
STATUSES = [
    ("hors_trajectoire", "hors trajectoire"),
    ("a_surveiller", "à surveiller"),
    ("en_bonne_voie", "en bonne voie"),
    ("atteint", "atteint"),
    ("donnees_anciennes", "données anciennes"),
    ("donnees_insuffisantes", "données insuffisantes"),
]


@pytest.fixture
def site(live_server, geography, seeded_roadmaps, personas):
    """Targets with every status behind the Mayenne roadmap's key figures, and a zero-fax
    campaign in Sarthe with officines whose names are as long as FINESS writes them."""
    from capsante.campaigns import services as campaigns
    from capsante.campaigns.models import Campaign, Stage
    from capsante.establishments.models import Establishment
    from capsante.indicators import services as indicators
    from capsante.indicators.models import Target
    from capsante.indicators.templatetags.indicator_tags import live_figure
    from capsante.roadmaps.models import KeyFigure

    indicators.sync_catalogue()
    mayenne = seeded_roadmaps["53"]
    statuses = itertools.cycle(STATUSES)
    figured = set()
    for figure in KeyFigure.objects.filter(objective__roadmap=mayenne).exclude(indicator=""):
        found = live_figure(figure, mayenne)
        if found and (found["indicator"].pk, found["territory"].pk) not in figured:
            figured.add((found["indicator"].pk, found["territory"].pk))
            status, _ = next(statuses)
            Target.objects.update_or_create(
                indicator=found["indicator"],
                territory=found["territory"],
                defaults={"target_value": 80, "deadline": "2026-12", "status": status},
            )
    assert len(figured) >= 2, "the seed roadmap's key figures point to indicators"

    sarthe = seeded_roadmaps["72"].territory
    campaign = Campaign.objects.create(
        slug="zero-fax-72", name="Zéro fax", territory=sarthe, category_groups=["officine"]
    )
    for order, label in enumerate(["Sans MSSanté", "Boîte MSSanté", "Ligne de fax fermée"], 1):
        Stage.objects.create(campaign=campaign, order=order, code=f"e{order}", label=label)
    communes = list(geography["communes"].values())[:3]
    for i, commune in enumerate(communes):
        Establishment.objects.create(
            finess_et=f"72000010{i}",
            name=f"PHARMACIE DE LA PLACE DE LA RÉPUBLIQUE ET DU MARCHÉ COUVERT N° {i}",
            category_group="officine",
            commune=commune,
            address="12 AVENUE DU GÉNÉRAL LECLERC",
            postal_code="72000",
            phone=f"02 43 00 00 0{i}",
        )
    campaigns.enrol(campaign)
    return live_server.url, mayenne


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _on_screen(page, locator) -> bool:
    """Visible and wholly within the viewport's width (scrolling down is fine)."""
    if not locator.is_visible():
        return False
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


@pytest.mark.parametrize("width", WIDTHS)
def test_targets_and_their_status_fit_a_phone(site, browser, width):
    base, mayenne = site
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 740})
    page = context.new_page()
    failures = {}
    for path, caption in [
        ("/indicateurs/territoire/departement/53/", "Les mêmes indicateurs en tableau"),
        (f"/feuilles-de-route/{mayenne.pk}/", "Objectifs chiffrés de la feuille de route"),
    ]:
        assert page.goto(base + path).status == 200, path
        assert _no_sideways_scroll(page), f"{path} scrolls sideways at {width} px"
        table = page.locator("table", has=page.locator("caption", has_text=caption))
        statuses = table.locator('tbody td[data-label="Statut"]')
        assert statuses.count() >= 2, path
        shown = []
        for i in range(statuses.count()):
            cell = statuses.nth(i)
            assert _on_screen(page, cell), f"{path}: status of row {i + 1} off screen"
            shown.append(cell.inner_text().strip())
        # Badges are written in capitals by the DSFR's stylesheet.
        with_status = [text.lower() for text in shown if text != "—"]
        assert len(with_status) >= 2 and set(with_status) <= {s for _, s in STATUSES}, shown
        violations = serious_violations(page)
        if violations:
            failures[path] = violations
    context.close()
    assert failures == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_call_list_and_its_actions_fit_a_phone(site, browser, width):
    base, _ = site
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 740})
    page = context.new_page()
    sign_in(page, base, "cpam72.contributeur")
    failures = {}
    for path in ["/campagnes/zero-fax-72/appels/", "/campagnes/zero-fax-72/"]:
        assert page.goto(base + path).status == 200, path
        assert _no_sideways_scroll(page), f"{path} scrolls sideways at {width} px"
        violations = serious_violations(page)
        if violations:
            failures[path] = violations
    page.goto(base + "/campagnes/zero-fax-72/appels/")
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    for i in range(rows.count()):
        row = rows.nth(i)
        for control in [
            row.get_by_role("checkbox"),  # chooses the row for a bulk stage update
            row.locator("td a").first,  # the structure's sheet
            row.get_by_role("link", name="02 43"),
            row.get_by_role("button", name="Appel sans réponse"),
            row.get_by_role("link", name="Noter un contact"),
        ]:
            assert _on_screen(page, control), f"row {i + 1}: {control} off screen"
    # A stacked cell says which column it belongs to.
    label = page.evaluate(
        """() => getComputedStyle(
            document.querySelector('tbody td[data-label="Étape"]'), '::before').content"""
    )
    assert "Étape" in label
    context.close()
    assert failures == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_other_pages_with_components_fit_a_phone_and_pass_axe(site, browser, width):
    """Every page whose tables, cards or buttons now come from the components, seen by the
    ARS administrator (who sees them all): nothing scrolls sideways, axe finds nothing serious."""
    import datetime

    from capsante.committees.models import Committee, Decision, Meeting

    base, mayenne = site
    committee = Committee.objects.create(
        name="Comité e-santé de la Mayenne", territory=mayenne.territory
    )
    meeting = Meeting.objects.create(
        committee=committee, date=datetime.date(2026, 3, 2), place="Laval", agenda="Bilan"
    )
    Decision.objects.create(
        meeting=meeting, text="Relancer les officines sans MSSanté", owner="CPAM 53"
    )
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 740})
    page = context.new_page()
    page.goto(base + "/comptes/connexion/")
    page.get_by_label("Identifiant").fill("ars.admin")
    page.get_by_label("Mot de passe").fill("demo-cap-esante")
    page.get_by_role("button", name="Se connecter").click()
    failures = {}
    for path in [
        "/",
        "/feuilles-de-route/",
        f"/feuilles-de-route/{mayenne.pk}/objectifs/1/",
        "/indicateurs/",
        "/indicateurs/MES_ACTIVATION/departement/53/",
        "/indicateurs/saisies/",
        f"/rapports/feuilles-de-route/{mayenne.pk}/tableau-de-bord/",
        "/rapports/",
        "/rapports/comites/departement/53/",
        "/territoires/region/52/",
        "/campagnes/",
        "/etablissements/720000100/",
        "/imports/",
        "/comites/",
        f"/comites/{committee.pk}/",
        f"/comites/reunions/{meeting.pk}/",
    ]:
        response = page.goto(base + path)
        assert response.status == 200, path
        if not _no_sideways_scroll(page):
            failures[path] = f"scrolls sideways at {width} px"
        elif violations := serious_violations(page):
            failures[path] = violations
    context.close()
    assert failures == {}


@pytest.mark.parametrize("width", [375, 1280])
def test_the_roadmap_document_s_assessment_reads_on_a_phone_and_on_a_desk(site, browser, width):
    """The HTML roadmap document, as anyone downloads it: its « Bilan de l’existant » in two
    columns side by side on a desk, one under the other on a phone, which never scrolls sideways."""
    from capsante.roadmaps.models import Roadmap

    base, _ = site
    sarthe = Roadmap.objects.get(territory__code="72")
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 740})
    page = context.new_page()
    path = f"/rapports/feuilles-de-route/{sarthe.pk}/document/?format=html"
    assert page.goto(base + path).status == 200
    assert _no_sideways_scroll(page), f"the roadmap document scrolls sideways at {width} px"
    blocks = page.locator(".columns")
    assert blocks.count() >= 5
    for i in range(blocks.count()):
        first, second = (blocks.nth(i).locator(".column").nth(n).bounding_box() for n in (0, 1))
        if width < 600:
            assert second["y"] >= first["y"] + first["height"] - 0.5, f"block {i + 1}"
        else:
            assert abs(second["y"] - first["y"]) < 1
            assert second["x"] >= first["x"] + first["width"] - 0.5  # side by side
    # A group cut between the columns: its heading again, « (suite) », where there are two.
    assert page.locator(".columns h4.continued").first.is_visible() == (width >= 600)
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_committee_report_in_html_reads_on_a_phone_and_on_a_desk(site, browser, width):
    """The committee report as `capsante report committee --output rapport.html` writes it,
    opened in a browser: the page never scrolls sideways on a phone — its wide tables scroll
    inside their own labelled regions, the summary is two columns — and axe finds nothing
    serious at either width."""
    import datetime as dt

    from capsante.reports import services
    from capsante.territories.models import Territory

    mayenne = Territory.objects.get(level="departement", code="53")
    snapshot, _ = services.snapshot_for(mayenne, dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    html = services.render_snapshot(snapshot, "html").decode()
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 740})
    page = context.new_page()
    page.set_content(html)
    assert _no_sideways_scroll(page), f"the committee report scrolls sideways at {width} px"
    regions = page.locator(".wide-table")
    assert regions.count() >= 1  # the targets' table at least
    for i in range(regions.count()):
        assert regions.nth(i).get_attribute("aria-label")
    summary = [page.locator(".summary > div").nth(n).bounding_box() for n in range(4)]
    beside = sum(1 for box in summary[1:] if abs(box["y"] - summary[0]["y"]) < 1)
    assert beside == (1 if width < 600 else 3)  # two by two on a phone, four in a row on a desk
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_chart_s_axis_labels_read_at_a_usable_size_on_a_phone(
    live_server, geography, personas, seeded_roadmaps, browser, width
):
    """The series chart is drawn 720 units wide and shrunk to the screen: on a 375-px phone its
    axis labels read at about 5 px (review of 7 December). They are drawn larger there (their
    box 12 px high at least, 8 px before), and stay inside the drawing; on a desk they keep
    their size."""
    from tests import worlds

    worlds.build(geography, personas, seeded_roadmaps)
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 740})
    page = context.new_page()
    path = "/indicateurs/MES_ACTIVATION/departement/72/"
    assert page.goto(live_server.url + path).status == 200
    assert _no_sideways_scroll(page)
    chart = page.locator("svg.cap-chart").first
    frame = chart.bounding_box()
    labels = chart.locator("text.cap-chart-tick")
    assert labels.count() >= 3
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    for i, box in enumerate(boxes):
        assert 12 <= box["height"] <= 20, (i, box, width)  # the glyphs' box: 8 px before
        assert (
            frame["x"] - 0.5 <= box["x"]
            and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5
        )
    # None overlaps another (the first year sat on the value axis's « 0 »).
    for a, b in itertools.combinations(boxes, 2):
        apart = (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )
        assert apart, (a, b, width)
    context.close()
