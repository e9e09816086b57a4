"""A target the catalogue sets for a roadmap's objective serves that objective, whichever of the
target and the roadmap comes first: the Sarthe's « every signed CLS with its e-health part » is
its objective 3's priority, and its document said « Objectif servi : — » (review of 7 December)."""

import pytest

from capsante.engine import DEFAULT_DIR as DEFINITIONS
from capsante.engine.definitions import DefinitionError, load_definitions
from capsante.indicators import services as indicator_services
from capsante.indicators.models import Target
from capsante.roadmaps.services import load_seed_roadmaps
from capsante.roadmaps.targets import roadmap_targets

pytestmark = pytest.mark.django_db
OBJECTIVE_3 = "Renforcer la représentation des élus locaux dans la gouvernance e-santé"


def _cls_row(roadmap):
    (row,) = [r for r in roadmap_targets(roadmap) if r.indicator.code == "CLS_EHEALTH_SHARE"]
    return row


def test_a_target_created_after_its_roadmap_serves_the_objective_it_names(geography):
    # The demo's order: the roadmaps are imported, then the catalogue's sync creates the target
    # once the Sarthe exists.
    sarthe = {r.territory.code: r for r, _ in load_seed_roadmaps()}["72"]
    assert sarthe.slug == "sarthe-2025-2026"
    indicator_services.sync_catalogue()
    row = _cls_row(sarthe)
    assert [o.title for o in row.objectives] == [OBJECTIVE_3]
    assert row.target.target_value == 100 and row.target.deadline == "2026-12"


def test_a_roadmap_imported_after_the_target_serves_it_too(geography):
    indicator_services.sync_catalogue()
    assert Target.objects.filter(indicator__code="CLS_EHEALTH_SHARE").exists()
    sarthe = {r.territory.code: r for r, _ in load_seed_roadmaps()}["72"]
    assert [o.title for o in _cls_row(sarthe).objectives] == [OBJECTIVE_3]
    # The Mayenne's roadmap is not named by the reference: none of its objectives serves it.
    mayenne = sarthe.__class__.objects.get(territory__code="53")
    assert not any(
        o.targets.filter(indicator__code="CLS_EHEALTH_SHARE") for o in mayenne.objectives.all()
    )


def test_an_editor_s_choice_stands_when_the_catalogue_is_synced_again(geography):
    sarthe = {r.territory.code: r for r, _ in load_seed_roadmaps()}["72"]
    indicator_services.sync_catalogue()
    target = Target.objects.get(indicator__code="CLS_EHEALTH_SHARE", territory__code="72")
    objective_3 = sarthe.objectives.get(title=OBJECTIVE_3)
    objective_3.targets.remove(target)  # an editor unlinks it on the target's page
    objective_1 = sarthe.objectives.order_by("order").first()
    objective_1.targets.add(target)
    indicator_services.sync_catalogue()
    assert [o.pk for o in _cls_row(sarthe).objectives] == [objective_1.pk]


def test_an_objective_number_must_be_a_target_s_and_a_whole_number(tmp_path):
    real = (DEFINITIONS / "CLS_EHEALTH_SHARE.yaml").read_text(encoding="utf-8")
    assert "    objective: 3\n" in real
    for number, (before, after, message) in enumerate(
        [
            (
                "    type: target\n",
                '    type: key_figure\n    period: "2024-10"\n',
                "only a target",
            ),
            ("    objective: 3\n", "    objective: 0\n", "objective's number"),
            ("    objective: 3\n", '    objective: "3"\n', "objective's number"),
        ]
    ):
        folder = tmp_path / str(number)
        folder.mkdir()
        (folder / "CLS_EHEALTH_SHARE.yaml").write_text(
            real.replace(before, after), encoding="utf-8"
        )
        with pytest.raises(DefinitionError, match=message):
            load_definitions(folder)
