"""The « Territoires » page's search, as a visitor types on a phone: no accents, no hyphens, in
any case. It once compared the words as they were typed: « chateau gontier » found nothing."""

import re

import pytest

from capsante.territories.models import Level, Territory
from capsante.territories.services import reset_search_index


@pytest.fixture(autouse=True)
def names_read_afresh():
    # A rolled-back test's territories may come back under the same numbers with other names.
    reset_search_index()


def _found(client, query: str) -> tuple[list[str], str]:
    page = client.get("/territoires/", {"q": query}).content.decode()
    results = page.split("Résultats pour", 1)[1].split("<h2>Départements", 1)[0]
    names = re.findall(r'<li><a href="/territoires/[^"]+">([^<]+)</a>', results)
    return names, results


@pytest.mark.django_db
def test_a_territory_is_found_whatever_the_accents_case_or_hyphens_typed(geography, client):
    mayenne = geography["mayenne"]
    for code, name, population in [
        ("53062", "Château-Gontier-sur-Mayenne", 17_000),
        ("53201", "Saint-Aubin-du-Désert", 200),
    ]:
        Territory.objects.create(
            level=Level.COMMUNE, code=code, name=name, parent=mayenne, population=population
        )
    Territory.objects.create(
        level=Level.EPCI, code="200083400", name="CC du Pays de Château-Gontier"
    )
    # The name that begins with the words typed before the larger territory that holds them.
    assert _found(client, "chateau gontier")[0] == [
        "Château-Gontier-sur-Mayenne",
        "CC du Pays de Château-Gontier",
    ]
    assert _found(client, "LA FLECHE")[0] == ["La Flèche"]
    assert _found(client, "st aubin")[0] == ["Saint-Aubin-du-Désert"]
    assert _found(client, "72")[0] == ["Sarthe"]
    # The name typed whole first, the larger territory before the commune of the same name,
    # then the other names that hold the word.
    names, text = _found(client, "mayenne")
    assert names == ["Mayenne", "Mayenne", "Château-Gontier-sur-Mayenne"]
    assert "3\xa0territoires trouvés." in text
    assert "Aucun territoire ne correspond." in _found(client, "Atlantide")[1]
    _, hostile = _found(client, "<script>alert(1)</script>")
    assert "<script>alert" not in hostile and "&lt;script&gt;" in hostile


@pytest.mark.django_db
def test_a_long_list_says_how_many_it_leaves_out(geography, client):
    Territory.objects.bulk_create(
        Territory(level=Level.COMMUNE, code=f"72{n:03d}", name=f"Saint-Martin {n}", population=n)
        for n in range(300, 360)
    )
    names, text = _found(client, "saint martin")
    assert len(names) == 50 and names[0] == "Saint-Martin 359"  # the most populated first
    assert "60\xa0territoires trouvés ; les 50 premiers ci-dessous" in text
