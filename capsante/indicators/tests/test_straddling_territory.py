"""An EPCI straddling the région's edge (the Communauté urbaine d'Alençon: communes of the Sarthe
and of the Orne, in Normandie). Its figure counted establishment by establishment is withheld from
everyone but partners whose scope holds all of it: it also counts named establishments of the
Orne. The ARS of the Pays de la Loire read « réservé aux partenaires » there and took it for a
fault (review of 7 December): they are partners. A partner whose scope holds part of the
territory is told that it reaches beyond their scope; everyone else, as before."""

import pytest

from capsante.indicators import disclosure, services
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
    Territory.objects.create(
        level=Level.COMMUNE, code="61001", name="Alençon", parent=orne, epci=alencon
    )
    la_fleche = geography["communes"]["72154"]
    la_fleche.epci = alencon
    la_fleche.save()
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


@pytest.mark.django_db
def test_a_partner_whose_scope_holds_part_of_the_epci_is_told_it_reaches_beyond_it(
    client, personas, straddling
):
    client.force_login(personas["ars_admin"])
    rows = _children(client)
    assert rows["Le Mans Métropole"] == "60,0 %"  # the table reads with ordinary spaces
    assert rows[straddling.name] == disclosure.OUTSIDE_SCOPE
    csv_text = client.get(
        f"/indicateurs/{CODE}/departement/72/?format=csv&table=children"
    ).content.decode("utf-8-sig")
    line = next(line for line in csv_text.splitlines() if line.startswith(straddling.code))
    assert line.endswith(";en partie hors de votre périmètre") and ";40" not in line

    page = client.get(f"/indicateurs/{CODE}/epci/{straddling.code}/").content.decode()
    assert "Ce territoire s’étend au-delà de votre périmètre" in page
    assert "40,0" not in page  # still withheld: it counts establishments of the Orne
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
    assert disclosure.WITHHELD_REASON in page
    assert "au-delà de votre périmètre" not in page

    client.force_login(personas["dt53_editor"])  # the Mayenne: none of the EPCI's communes
    rows = _children(client)
    assert rows[straddling.name] == rows["Le Mans Métropole"] == disclosure.WITHHELD
    cards = client.get(f"/indicateurs/territoire/epci/{straddling.code}/").content.decode()
    assert "Détail réservé aux partenaires du territoire" in cards
    assert "hors de votre périmètre" not in cards
