"""The territory tree the engine reads: which territories each commune counts in, and how many
inhabitants each territory has (its communes', summed)."""

import pytest

from capsante.indicators.services import membership_tables
from capsante.territories.models import Level, Territory


def rows(table) -> set[tuple]:
    return set(zip(*(column.to_pylist() for column in table.columns), strict=True))


@pytest.mark.django_db
def test_each_commune_counts_in_every_territory_above_it_and_in_its_groupings(geography):
    communes = geography["communes"]
    communes["53147"].population = None  # not known: counts in its territories, no inhabitant
    communes["53147"].save()
    grouping = Territory.objects.create(level=Level.GROUPING, code="GHT53", name="GHT Mayenne")
    grouping.members.add(communes["53130"], communes["53147"])

    membership, population = membership_tables()

    links = rows(membership)
    assert ("72181", "247200132", "epci") in links
    assert ("72154", "72", "departement") in links and ("72154", "52", "region") in links
    assert ("53147", "GHT53", "groupement") in links
    # La Flèche and Mayenne belong to no EPCI: no empty link for them.
    assert not [link for link in links if not link[1]]
    assert len(links) == len(communes) * 4 - 2 + 2  # four levels, two without EPCI, the GHT
    inhabitants = {(level, code): people for code, level, people in rows(population)}
    assert inhabitants[("commune", "53147")] == 0
    assert inhabitants[("epci", "247200132")] == 142_946 + 11_000
    assert inhabitants[("departement", "53")] == 49_000
    assert inhabitants[("region", "52")] == 142_946 + 11_000 + 15_000 + 49_000
    assert inhabitants[("groupement", "GHT53")] == 49_000
