"""An EPCI straddling the région's edge (the Communauté urbaine d'Alençon: communes of the Sarthe
and of the Orne, in Normandie), and a figure counted establishment by establishment.

The ARS of the Pays de la Loire read « réservé aux partenaires » there and took it for a fault
(review of 7 December): they are partners, and no establishment of the Orne was loaded, so the
figure counted only establishments they read one by one. Such a figure is now theirs to read.
Where the territory does hold an establishment beyond their scope, it stays withheld, and they are
told that the territory reaches beyond their scope; visitors and partners of elsewhere read, as
before, that it is for partners. Its comparisons are with the Sarthe and the Pays de la Loire,
where the platform's figures are, not with the Orne."""

import pytest
from django.contrib.auth.models import AnonymousUser

from capsante.establishments.models import Establishment
from capsante.indicators import dashboards, disclosure, services
from capsante.indicators.models import Indicator, IndicatorValue
from capsante.territories.models import Level, Territory
from capsante.ui.testing import table_rows

CODE = "CYBER_EXERCISES_DONE"  # counted establishment by establishment, detail not public
CHILDREN = "Valeur au dernier mois connu, territoire par territoire"


@pytest.fixture
def straddling(geography):
    services.sync_catalogue()
    normandie = Territory.objects.create(level=Level.REGION, code="28", name="Normandie")
    orne = Territory.objects.create(
        level=Level.DEPARTEMENT, code="61", name="Orne", parent=normandie
    )
    alencon = Territory.objects.create(
        level=Level.EPCI, code="200068930", name="Communauté urbaine d'Alençon"
    )
    # Two communes of the Orne, one of the Sarthe: by number, the Orne's EPCI.
    for code, name in [("61001", "Alençon"), ("61002", "Arçonnay-Orne")]:
        Territory.objects.create(
            level=Level.COMMUNE, code=code, name=name, parent=orne, epci=alencon
        )
    la_fleche = geography["communes"]["72154"]
    la_fleche.epci = alencon
    la_fleche.save()
    Establishment.objects.create(
        finess_et="720000001",
        name="CENTRE HOSPITALIER DE LA FLECHE",
        category_group="sanitaire",
        commune=la_fleche,
    )
    indicator = Indicator.objects.get(code=CODE)
    for territory, value in [
        (geography["sarthe"], 50.0),
        (geography["epci"]["le_mans"], 60.0),
        (alencon, 40.0),
    ]:
        IndicatorValue.objects.create(
            indicator=indicator,
            territory=territory,
            period="2026-05",
            value=value,
            numerator=value / 10,
            denominator=10,
        )
    return alencon


def _children(client) -> dict[str, str]:
    page = client.get(f"/indicateurs/{CODE}/departement/72/").content.decode()
    return {row[0]: row[1] for row in table_rows(page, CHILDREN)}


def _an_establishment_of_the_orne() -> None:
    Establishment.objects.create(
        finess_et="610000001",
        name="CENTRE HOSPITALIER INTERCOMMUNAL ALENÇON-MAMERS",
        category_group="sanitaire",
        commune=Territory.objects.get(level=Level.COMMUNE, code="61001"),
    )


@pytest.mark.django_db
def test_its_figure_is_read_by_the_partners_who_read_every_establishment_it_counts(
    client, personas, straddling
):
    client.force_login(personas["ars_admin"])
    rows = _children(client)
    # The Orne has no figure: the EPCI's is its Sarthe communes' (decision 0049, later).
    assert rows[straddling.name] == "40,0 % (communes de la Sarthe seules)"
    assert rows["Le Mans Métropole"] == "60,0 %"
    page = client.get(f"/indicateurs/{CODE}/epci/{straddling.code}/").content.decode()
    assert "40,0" in page and disclosure.WITHHELD_REASON not in page
    values = disclosure.disclosed(personas["ars_admin"], IndicatorValue.objects.all())
    assert values.filter(territory=straddling).exists()  # so does the API's list

    # The Sarthe's editor too: every establishment it counts is in the Sarthe.
    client.force_login(personas["dt72_editor"])
    assert _children(client)[straddling.name] == "40,0 % (communes de la Sarthe seules)"


@pytest.mark.django_db
def test_an_establishment_beyond_the_scope_keeps_it_withheld_and_the_partner_is_told_why(
    client, personas, straddling
):
    _an_establishment_of_the_orne()
    client.force_login(personas["ars_admin"])
    rows = _children(client)
    assert rows["Le Mans Métropole"] == "60,0 %"
    assert rows[straddling.name] == disclosure.OUTSIDE_SCOPE == "en partie hors périmètre"
    csv_text = client.get(
        f"/indicateurs/{CODE}/departement/72/?format=csv&table=children"
    ).content.decode("utf-8-sig")
    line = next(line for line in csv_text.splitlines() if line.startswith(straddling.code))
    assert line.endswith(";en partie hors périmètre") and ";40" not in line
    values = disclosure.disclosed(personas["ars_admin"], IndicatorValue.objects.all())
    assert not values.filter(territory=straddling).exists()

    page = client.get(f"/indicateurs/{CODE}/epci/{straddling.code}/").content.decode()
    assert "Ce territoire s’étend au-delà de votre périmètre" in page
    assert "40,0" not in page and "ALENÇON-MAMERS" not in page
    cards = client.get(f"/indicateurs/territoire/epci/{straddling.code}/").content.decode()
    assert "Territoire en partie hors de votre périmètre" in cards
    assert "réservé aux partenaires" not in cards


@pytest.mark.django_db
def test_visitors_and_partners_of_elsewhere_still_read_that_it_is_for_partners(
    client, personas, straddling
):
    rows = _children(client)
    assert rows[straddling.name] == rows["Le Mans Métropole"] == disclosure.WITHHELD
    page = client.get(f"/indicateurs/{CODE}/epci/{straddling.code}/").content.decode()
    assert disclosure.WITHHELD_REASON in page and "au-delà de votre périmètre" not in page
    assert not disclosure.disclosed(AnonymousUser(), IndicatorValue.objects.all()).filter(
        territory=straddling
    )

    client.force_login(personas["dt53_editor"])  # the Mayenne: none of the EPCI's communes
    rows = _children(client)
    assert rows[straddling.name] == rows["Le Mans Métropole"] == disclosure.WITHHELD
    cards = client.get(f"/indicateurs/territoire/epci/{straddling.code}/").content.decode()
    assert "Détail réservé aux partenaires du territoire" in cards
    assert "hors de votre périmètre" not in cards


@pytest.mark.django_db
def test_it_is_compared_with_the_departement_and_region_of_the_platform(geography, straddling):
    """Two of its three communes are in the Orne: compared with the Orne and Normandie, where
    the platform has no figure, it read « Orne : — » on every card. Its département of the
    région the platform serves comes first; among several, the one holding most of its
    communes."""
    parents = dashboards.comparison_parents(straddling)
    assert [p.name for p in parents] == ["Sarthe", "Pays de la Loire"]
