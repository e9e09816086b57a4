from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from capsante.roadmaps.models import Action, Objective, Roadmap
from capsante.roadmaps.services import SEEDS_DIR, export_roadmap, import_roadmap_file
from capsante.roadmaps.yaml_schema import RoadmapFileError, parse_roadmap

SARTHE = SEEDS_DIR / "sarthe-2025-2026.yaml"
MAYENNE = SEEDS_DIR / "mayenne-2025-2026.yaml"


@pytest.mark.django_db
def test_sarthe_seed_has_eight_objectives_with_every_section(seeded_roadmaps):
    sarthe = seeded_roadmaps["72"]
    objectives = list(sarthe.objectives.all())
    assert len(objectives) == 8
    assert all(o.priority for o in objectives)
    assert objectives[0].priority == "Inclure tous les citoyens dans le numérique en santé"
    values = set(sarthe.objectives.values_list("key_figures__value", flat=True))
    assert {"69", "3.87", "93", "103", "20", "6", "126", "123", "156", "91", "26"} <= values
    assert sum(o.testimonies.count() for o in objectives) >= 3
    assert sum(o.useful_links.count() for o in objectives) >= 3
    assert sum(o.assessment.count() for o in objectives) >= 20
    event = sarthe.objectives.get(
        event_highlights__name__icontains="journée"
    ).event_highlights.get()
    assert str(event.date) == "2023-10-12"
    assert {f["value"] for f in event.figures} >= {"110", "8", "14", "12"}
    acronyms = set(sarthe.glossary.values_list("acronym", flat=True))
    assert acronyms == {
        "ANS",
        "API LPS",
        "CERT",
        "CLS",
        "CNAM",
        "CPAM",
        "DNS",
        "EHPAD",
        "ES",
        "ESSMS",
        "MES",
        "GRADeS",
        "PDL",
        "ROR",
    }


@pytest.mark.django_db
def test_mayenne_seed_has_four_axes_seven_targets_and_three_priorities(seeded_roadmaps):
    mayenne = seeded_roadmaps["53"]
    assert mayenne.objectives.count() == 4
    targets = list(
        # In the document's order: the objectives', then each objective's figures' (PostgreSQL
        # returns a join's rows in any order unless told).
        mayenne.objectives.order_by("order", "key_figures__order", "key_figures__pk").values_list(
            "key_figures__value", "key_figures__kind"
        )
    )
    assert [v for v, k in targets if k == "target"] == ["30", "80", "40", "80", "70", "80", "70"]
    priorities = list(mayenne.priorities.all())
    assert len(priorities) == 3
    assert str(priorities[0].due_date) == "2026-01-26"
    assert "Laval" in priorities[1].text and "Nord-Mayenne" in priorities[1].text


@pytest.mark.django_db
def test_export_import_export_round_trips_exactly(seeded_roadmaps, tmp_path):
    for roadmap in seeded_roadmaps.values():
        first = export_roadmap(roadmap)
        path = tmp_path / f"{roadmap.territory.code}.yaml"
        path.write_text(first, encoding="utf-8")
        Roadmap.objects.filter(pk=roadmap.pk).delete()
        assert not Objective.objects.filter(roadmap__territory=roadmap.territory).exists()
        reimported, written = import_roadmap_file(path)
        assert written
        assert export_roadmap(reimported) == first


@pytest.mark.django_db
def test_roadmap_command_round_trip(seeded_roadmaps, tmp_path):
    out1, out2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    call_command("roadmap", "export", "--territory", "72", "--output", str(out1))
    Roadmap.objects.all().delete()
    call_command("roadmap", "import", str(out1))
    call_command("roadmap", "export", "--territory", "72", "--output", str(out2))
    assert out1.read_text() == out2.read_text()


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SARTHE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "sarthe-casse.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ("status: published", "status: publiee", "status", "inconnue"),
        ("period_start: 2025", "period_start: deux-mille", "period_start", "entier"),
        (
            "date: 2023-10-12",
            "date: 2023-13-45",
            "objectives[5].event_highlights[1].date",
            "date invalide",
        ),
        (
            'value: "69"',
            "value: soixante-neuf",
            "objectives[2].key_figures[1].value",
            "nombre attendu",
        ),
    ],
)
def test_malformed_file_names_file_line_and_field_and_imports_nothing(
    geography, tmp_path, old, new, field, reason
):
    path = _broken(tmp_path, old, new)
    with pytest.raises(RoadmapFileError) as info:
        import_roadmap_file(path)
    error = info.value.errors[0]
    assert error.file == str(path)
    assert error.line == _line_of(path, new)
    assert error.field == field
    assert reason in error.message
    assert f"ligne {error.line}" in str(error)
    assert Roadmap.objects.count() == 0 and Action.objects.count() == 0


@pytest.mark.django_db
def test_unknown_territory_is_refused_before_anything_is_written(geography, tmp_path):
    path = _broken(tmp_path, 'territory: "72"', 'territory: "99"')
    with pytest.raises(RoadmapFileError, match="territoire inconnu"):
        import_roadmap_file(path)
    assert Roadmap.objects.count() == 0


def test_unreadable_yaml_and_missing_field_are_reported_with_lines():
    with pytest.raises(RoadmapFileError) as info:
        parse_roadmap("territory: '72'\ntitle: [unclosed\n", "f.yaml")
    assert info.value.errors[0].line >= 2
    with pytest.raises(RoadmapFileError) as info:
        parse_roadmap(
            "territory: '72'\nperiod_start: 2025\nperiod_end: 2026\nstatus: draft\nobjectives: []\n",
            "f.yaml",
        )
    assert [(e.field, e.message) for e in info.value.errors] == [
        ("title", "champ obligatoire manquant")
    ]


@pytest.mark.django_db
def test_import_command_exits_non_zero_with_errors_on_stderr(geography, tmp_path, capsys):
    path = _broken(tmp_path, "status: published", "status: publiee")
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("roadmap", "import", str(path))
    assert "champ « status »" in capsys.readouterr().err


@pytest.mark.django_db
def test_script_tags_in_a_file_are_stored_as_text_and_escaped_on_pages(geography, tmp_path, client):
    path = _broken(
        tmp_path,
        "title: \"Favoriser l'inclusion",
        "title: \"<script>alert(1)</script> Favoriser l'inclusion",
    )
    roadmap, _ = import_roadmap_file(path)
    page = client.get(f"/feuilles-de-route/{roadmap.pk}/objectifs/1/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
