"""A région's figure made from some of its départements says so; so does an EPCI's that
straddles départements when only some of them have a figure (the CU d'Alençon's, its Sarthe
communes', review of 7 December).

The review of 7 December read « Pays de la Loire : 91,0 % (écart ±0,0 pt) » beside the Sarthe's
share of pharmacies with a fax: the survey was the Sarthe's, so the région's figure was the
Sarthe's own, 142 of 156, under the région's name. Wherever the région's figure is shown — its
page, its card, the comparisons of its départements' pages and their synthèse — it now says
which départements it comes from, and no gap is worked out from it."""

import pytest

from capsante.engine.periods import shift
from capsante.indicators import services
from capsante.indicators.models import Indicator, IndicatorValue

pytestmark = pytest.mark.django_db
MONTH = "2024-06"
VALUE_CELL = '<td data-label="Valeur" class="cap-num">'


def _value(indicator, territory, value, numerator, denominator, period=MONTH):
    IndicatorValue.objects.create(
        indicator=indicator,
        territory=territory,
        period=period,
        value=value,
        numerator=numerator,
        denominator=denominator,
    )


@pytest.fixture
def sarthe_only(geography):
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    for territory in (geography["sarthe"], geography["region"]):
        _value(indicator, territory, 91.03, 142, 156)
    return indicator


def test_the_regions_page_says_its_figure_is_one_departements(client, sarthe_only):
    page = client.get("/indicateurs/MES_ACTIVATION/region/52/").content.decode()
    assert (
        "Chiffre régional établi à partir du seul département Sarthe : les autres départements"
        " de la région n’ont pas de chiffre ce mois-là." in page
    )
    dashboard = client.get("/indicateurs/territoire/region/52/").content.decode()
    assert "91,0\u00a0% (Sarthe seule)" in dashboard


def test_a_departement_compared_with_it_is_told_and_gets_no_gap(client, sarthe_only):
    page = client.get("/indicateurs/MES_ACTIVATION/departement/72/").content.decode()
    assert "Pays de la Loire : <strong>91,0\u00a0% (Sarthe seule)</strong>" in page
    assert "écart ±0,0" not in page
    assert "Parmi 1 territoire comparable :" in page  # was « 1 territoires comparables »
    dashboard = client.get("/indicateurs/territoire/departement/72/").content.decode()
    assert "Pays de la Loire : <strong>91,0\u00a0% (Sarthe seule)</strong>" in dashboard
    assert "sans objet : chiffre régional partiel" in dashboard
    summary = client.get("/rapports/synthese/departement/72/").content.decode()
    assert "91,0\u00a0% (Sarthe seule)" in summary


def test_nothing_is_said_once_every_departement_has_its_figure(client, geography, sarthe_only):
    _value(sarthe_only, geography["mayenne"], 50.0, 50, 100)
    for url in (
        "/indicateurs/MES_ACTIVATION/region/52/",
        "/indicateurs/MES_ACTIVATION/departement/72/",
        "/indicateurs/territoire/departement/72/",
    ):
        page = client.get(url).content.decode()
        assert "seule)" not in page and "Chiffre régional établi" not in page, url
    page = client.get("/indicateurs/MES_ACTIVATION/departement/72/").content.decode()
    assert "écart ±0,0" in page


def test_a_figure_kept_for_partners_is_said_so_in_the_download_not_left_empty(
    client, admin_client, geography
):
    # The anonymous download of the EPCI of the Sarthe had empty cells where the page said
    # « réservé aux partenaires » (review of 7 December).
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="OFFICINES_FAX")
    epci = geography["epci"]["le_mans"]
    for territory in (epci, geography["sarthe"]):
        _value(indicator, territory, 90.0, 9, 10)
    url = "/indicateurs/OFFICINES_FAX/departement/72/?format=csv&table=children"
    header, *rows = client.get(url).content.decode("utf-8-sig").strip().splitlines()
    assert header.endswith(";valeur;remarque")
    (row,) = [r for r in rows if r.startswith("247200132;")]
    assert row.endswith(";;;;réservé aux partenaires")
    header, *rows = admin_client.get(url).content.decode("utf-8-sig").strip().splitlines()
    (row,) = [r for r in rows if r.startswith("247200132;")]
    assert ";9;10;90" in row and row.endswith(";")


def test_a_gap_is_the_difference_of_the_figures_shown(client, geography):
    # 7,051 % against 4,603 % read « +2,4 pt » beside « 7,1 % » and « 4,6 % » (review of
    # 7 December): a reader subtracting what is shown finds 2,5.
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    for territory, value in ((geography["sarthe"], 7.051), (geography["region"], 4.603)):
        _value(indicator, territory, value, value, 100)
    _value(indicator, geography["mayenne"], 1.0, 1, 100)
    page = client.get("/indicateurs/MES_ACTIVATION/departement/72/").content.decode()
    assert "7,1\u00a0%" in page and "4,6\u00a0%" in page
    assert "écart +2,5\u202fpt" in page


def test_an_old_figure_is_said_old_wherever_it_is_shown(client, geography):
    # The roadmap document said « donnée ancienne » of a June 2024 figure that the indicator
    # page, the dashboard and the synthèse showed as any other (review of 7 December).
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")  # renewed monthly: old after 6 months
    now = services.current_month()
    old = shift(now, -(indicator.stale_after_months + 2))
    _value(indicator, geography["sarthe"], 40.0, 40, 100, period=old)
    pages = {
        "indicator": "/indicateurs/MES_ACTIVATION/departement/72/",
        "dashboard": "/indicateurs/territoire/departement/72/",
        "summary": "/rapports/synthese/departement/72/",
    }
    for name, url in pages.items():
        assert "donnée ancienne" in client.get(url).content.decode(), name
    _value(indicator, geography["sarthe"], 45.0, 45, 100, period=now)
    for name, url in pages.items():
        page = client.get(url).content.decode()
        figure = page[page.index("Activation de Mon espace santé") :][:3000]
        assert "donnée ancienne" not in figure, name


@pytest.fixture
def alencon(geography):
    """The Communauté urbaine d'Alençon: Alençon in the Orne (Normandie), Arçonnay in the
    Sarthe; the Assurance Maladie's tables loaded for the Pays de la Loire only, so that the
    EPCI's figure is its Sarthe commune's."""
    from capsante.territories.models import Level, Territory

    normandie = Territory.objects.create(
        level=Level.REGION, code="28", name="Normandie", name_type="0"
    )
    orne = Territory.objects.create(
        level=Level.DEPARTEMENT, code="61", name="Orne", name_type="2", parent=normandie
    )
    epci = Territory.objects.create(
        level=Level.EPCI, code="246100663", name="Communauté urbaine d'Alençon"
    )
    arconnay = Territory.objects.create(
        level=Level.COMMUNE,
        code="72009",
        name="Arçonnay",
        population=2_400,
        parent=geography["sarthe"],
        epci=epci,
    )
    Territory.objects.create(
        level=Level.COMMUNE, code="61001", name="Alençon", population=25_800, parent=orne, epci=epci
    )
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    for territory in (arconnay, epci, geography["sarthe"], geography["region"]):
        _value(indicator, territory, 45.0, 900, 2000)
    _value(indicator, geography["epci"]["le_mans"], 50.0, 50, 100)
    return {"epci": epci, "orne": orne, "indicator": indicator}


SENTENCE = (
    "Chiffre établi à partir des seules communes de la Sarthe : ses communes des autres"
    " départements n’ont pas de chiffre ce mois-là."
)


def test_an_epci_straddling_departements_says_its_figure_is_some_of_its_communes(client, alencon):
    page = client.get("/indicateurs/MES_ACTIVATION/epci/246100663/").content.decode()
    scope = '<span class="cap-figure-scope">(communes de la Sarthe seules)</span>'
    assert f"45,0\u00a0% {scope}" in page
    assert SENTENCE in page
    # One path above it: the Sarthe and its région, not the Orne and Normandie as well.
    crumbs = page[page.index('class="fr-breadcrumb__list"') :].split("</ol>")[0]
    assert "Sarthe" in crumbs and "Pays de la Loire" in crumbs
    assert "Orne" not in crumbs and "Normandie" not in crumbs
    dashboard = client.get("/indicateurs/territoire/epci/246100663/").content.decode()
    assert scope in dashboard and SENTENCE in dashboard
    # Its table of figures writes it on one line.
    assert "45,0\u00a0% (communes de la Sarthe seules)</td>" in dashboard


def test_the_departement_s_table_of_its_epci_marks_the_straddling_one(client, alencon):
    page = client.get("/indicateurs/MES_ACTIVATION/departement/72/").content.decode()
    assert 'class="cap-num">45,0\u00a0% (communes de la Sarthe seules)</td>' in page
    assert 'class="cap-num">50,0\u00a0%</td>' in page  # Le Mans Métropole, all in the Sarthe
    url = "/indicateurs/MES_ACTIVATION/departement/72/?format=csv&table=children"
    _header, *rows = client.get(url).content.decode("utf-8-sig").strip().splitlines()
    (alencon_row,) = [r for r in rows if r.startswith("246100663;")]
    assert alencon_row.endswith(f";{SENTENCE}")
    (le_mans_row,) = [r for r in rows if r.startswith("247200132;")]
    assert le_mans_row.endswith(";50;")


def test_nothing_is_said_of_the_epci_once_the_orne_has_its_figure(client, alencon):
    _value(alencon["indicator"], alencon["orne"], 60.0, 600, 1000)
    for url in (
        "/indicateurs/MES_ACTIVATION/epci/246100663/",
        "/indicateurs/territoire/epci/246100663/",
        "/indicateurs/MES_ACTIVATION/departement/72/",
    ):
        page = client.get(url).content.decode()
        assert "seules)" not in page and "Chiffre établi" not in page, url


def test_the_ranking_of_the_regions_marks_the_one_made_of_some_departements(
    client, geography, sarthe_only
):
    """A région's ranking among the régions put the Pays de la Loire's figure, the Sarthe's
    alone, beside whole régions' with no mark (note of the twenty-seventh session)."""
    from capsante.territories.models import Level, Territory

    brittany = Territory.objects.create(level=Level.REGION, code="53", name="Bretagne")
    _value(sarthe_only, brittany, 80.0, 80, 100)
    page = client.get("/indicateurs/MES_ACTIVATION/region/53/").content.decode()
    assert "Parmi 2 territoires comparables" in page
    assert f"{VALUE_CELL}91,0\u00a0% (Sarthe seule)</td>" in page
    assert f"{VALUE_CELL}80,0\u00a0%</td>" in page, "Bretagne's figure is whole: nothing beside it"
    assert (
        "Pays de la Loire : chiffre régional établi à partir du seul département Sarthe : les"
        " autres départements de la région n’ont pas de chiffre ce mois-là." in page
    )
    own = client.get("/indicateurs/MES_ACTIVATION/region/52/").content.decode()
    assert f"{VALUE_CELL}91,0\u00a0% (Sarthe seule)</td>" in own
    assert "Pays de la Loire : chiffre régional" not in own, "said once, above its figure"
