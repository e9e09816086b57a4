import pytest

from capsante.territories import services
from capsante.territories.models import GroupingKind, Level, Territory


@pytest.mark.django_db
def test_population_of_a_departement_is_the_sum_of_its_communes(geography):
    assert services.population(geography["sarthe"]) == 142_946 + 11_000 + 15_000
    assert services.population(geography["region"]) == 142_946 + 11_000 + 15_000 + 49_000 + 13_000


@pytest.mark.django_db
def test_ancestors_of_a_commune_go_up_to_the_region(geography):
    le_mans = geography["communes"]["72181"]
    assert [t.code for t in services.ancestors(le_mans)] == ["247200132", "72", "52"]


@pytest.mark.django_db
def test_descendants_of_a_region_by_level(geography):
    region = geography["region"]
    assert {t.code for t in services.descendants(region, Level.DEPARTEMENT)} == {"53", "72"}
    assert {t.code for t in services.descendants(region, Level.EPCI)} == {"247200132", "200083392"}
    assert services.descendants(region, Level.COMMUNE).count() == 5
    assert services.descendants(geography["communes"]["53130"]).count() == 0


@pytest.mark.django_db
def test_a_grouping_of_communes_works_like_any_territory(geography):
    communes = geography["communes"]
    cls = Territory.objects.create(
        level=Level.GROUPING,
        code="CLS-VAL-DE-SARTHE",
        name="CLS du Val de Sarthe",
        grouping_kind=GroupingKind.CLS,
    )
    cls.members.set([communes["72003"], communes["72154"]])
    assert services.population(cls) == 26_000
    assert {t.code for t in services.descendants(cls, Level.COMMUNE)} == {"72003", "72154"}
    assert services.covers(geography["sarthe"], cls)
    assert not services.covers(geography["mayenne"], cls)
    assert services.covers(cls, communes["72154"])
    assert not services.covers(cls, communes["72181"])


@pytest.mark.django_db
def test_scope_covers_only_what_lies_inside(geography):
    assert services.covers(geography["region"], geography["sarthe"])
    assert services.covers(geography["sarthe"], geography["communes"]["72181"])
    assert not services.covers(geography["sarthe"], geography["mayenne"])
    assert not services.covers(geography["sarthe"], geography["region"])
    assert services.covers(None, geography["region"])


@pytest.mark.django_db
def test_a_territory_is_found_by_its_code_a_region_by_r_and_its_code(geography):
    haute_marne = Territory.objects.create(level=Level.DEPARTEMENT, code="52", name="Haute-Marne")
    found = services.find("52")  # INSEE's usage: a two-digit code is a département's
    assert found.territory == haute_marne and found.also == [geography["region"]]
    assert found.note == "« 52 » désigne aussi : Pays de la Loire (région R52)."
    for asked in ("R52", "r52", " R52 "):
        assert services.find(asked) == services.Found(geography["region"], [], asked.strip()[1:])
    assert services.find("52", Level.REGION).territory == geography["region"]
    assert services.find("72181").territory == geography["communes"]["72181"]
    assert services.find("247200132").territory.name == "Le Mans Métropole"


@pytest.mark.django_db
def test_a_territory_is_found_by_its_name_whatever_its_accents_case_or_article(geography):
    for asked in ("Pays de la Loire", "pays de la loire", "PAYS DE LA LOIRE"):
        assert services.find(asked).territory == geography["region"]
    for asked in ("Sarthe", "la Sarthe", "sarthe"):
        assert services.find(asked).territory == geography["sarthe"]
    assert services.find("laval agglomeration").territory.code == "200083392"
    assert services.find("le mans").territory == geography["communes"]["72181"]
    assert services.find("La Fleche").territory == geography["communes"]["72154"]
    # The département and its chief town share a name: the larger territory, and the other said.
    mayenne = services.find("Mayenne")
    assert mayenne.territory == geography["mayenne"]
    assert mayenne.note == "« Mayenne » désigne aussi : Mayenne (commune 53147, Mayenne)."


@pytest.mark.django_db
def test_what_designates_no_territory_or_several_says_what_to_type(geography):
    anjou = Territory.objects.create(
        level=Level.DEPARTEMENT, code="49", name="Maine-et-Loire", parent=geography["region"]
    )
    Territory.objects.create(level=Level.COMMUNE, code="49002", name="Allonnes", parent=anjou)
    with pytest.raises(services.UnknownTerritory) as twins:
        services.find("allonnes")
    assert str(twins.value) == (
        "« allonnes » désigne 2 territoires : Allonnes (commune 49002, Maine-et-Loire), "
        "Allonnes (commune 72003, Sarthe). Donner le code voulu."
    )
    with pytest.raises(services.UnknownTerritory, match=r"Vouliez-vous dire : Sarthe \?$"):
        services.find("Sarth")
    with pytest.raises(services.UnknownTerritory, match="Laval Agglomération"):
        services.find("Laval Agglo")
    with pytest.raises(services.UnknownTerritory, match="R52 pour une région"):
        services.find("99")
    with pytest.raises(services.UnknownTerritory, match=r"^Territoire inconnu : Paris\.$"):
        services.find("Paris")


@pytest.mark.django_db
def test_a_newer_population_file_replaces_the_figures_and_resums_parents(
    geography, tmp_path, capsys
):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "pop.csv"
    bad.write_text(
        "CODGEO;LIBGEO;PMUN\n72181;Le Mans;145 004\n99999;Nulle part;10\n72003;Allonnes;-3\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="aucune population modifiée"):
        call_command("load_populations", str(bad), "--vintage", "2022")
    err = capsys.readouterr().err
    assert "ligne 3, colonne « codgeo » : code commune inconnu : 99999" in err
    assert "ligne 4, colonne « pmun » : population invalide" in err
    assert services.population(geography["sarthe"]) == 142_946 + 11_000 + 15_000
    good = tmp_path / "pop-ok.csv"
    good.write_text("CODGEO,PMUN\n72181,145004\n72003,11100\n", encoding="latin-1")
    call_command("load_populations", str(good), "--vintage", "2022")
    sarthe = Territory.objects.get(pk=geography["sarthe"].pk)
    # La Flèche is not in the file: the département keeps the older vintage of one of its communes.
    assert (sarthe.population, sarthe.population_vintage) == (145_004 + 11_100 + 15_000, 2017)
    assert Territory.objects.get(code="247200132").population == 145_004 + 11_100


@pytest.mark.django_db
def test_within_lists_exactly_what_each_scope_covers(geography, django_assert_max_num_queries):
    """`within` (what partners' pages filter by) and `covers` (one territory at a time) agree
    for every scope, with an EPCI and a grouping straddling two départements, a grouping inside
    one and a second région whose communes are not the first's."""
    communes = geography["communes"]
    # Laval Agglomération also takes a Sarthe commune: it lies within the région, in neither
    # département.
    communes["72154"].epci = geography["epci"]["laval"]
    communes["72154"].save()
    inside = Territory.objects.create(
        level=Level.GROUPING, code="CLS-SARTHE", name="CLS sarthois", grouping_kind=GroupingKind.CLS
    )
    inside.members.set([communes["72181"], communes["72003"]])
    across = Territory.objects.create(
        level=Level.GROUPING, code="GHT-53-72", name="GHT", grouping_kind=GroupingKind.GHT
    )
    across.members.set([communes["72181"], communes["53130"]])
    other_region = Territory.objects.create(level=Level.REGION, code="53", name="Bretagne")
    finistere = Territory.objects.create(
        level=Level.DEPARTEMENT, code="29", name="Finistère", parent=other_region
    )
    Territory.objects.create(level=Level.COMMUNE, code="29019", name="Brest", parent=finistere)

    everything = list(Territory.objects.all())
    for scope in everything:
        with django_assert_max_num_queries(8):
            listed = set(services.within_ids(scope))
        assert listed == {t.pk for t in everything if services.covers(scope, t)}, scope.code
        assert set(services.within(scope).values_list("pk", flat=True)) == listed

    sarthe = set(services.within_ids(geography["sarthe"]))
    assert inside.pk in sarthe
    assert across.pk not in sarthe
    assert geography["epci"]["laval"].pk not in sarthe
    region = set(services.within_ids(geography["region"]))
    assert {across.pk, geography["epci"]["laval"].pk, geography["mayenne"].pk} <= region
    assert finistere.pk not in region
