"""A dashboard groups its indicators by the objectives of the roadmap that steers the territory:
its own, else the nearest enclosing territory's. A draft roadmap steers the dashboards of the
partners whose scope holds its territory, and no one else's."""

import pytest
from django.contrib.auth.models import AnonymousUser

from capsante.roadmaps.models import RoadmapStatus
from capsante.roadmaps.targets import objective_groups, roadmap_of
from capsante.territories.models import Level, Territory


@pytest.mark.django_db
def test_a_draft_steers_the_dashboards_of_the_partners_of_its_scope_only(
    personas, seeded_roadmaps, django_assert_max_num_queries
):
    mayenne_roadmap = seeded_roadmaps["53"]
    mayenne_roadmap.status = RoadmapStatus.DRAFT
    mayenne_roadmap.save()
    mayenne = mayenne_roadmap.territory
    laval = Territory.objects.get(level=Level.COMMUNE, code="53130")
    region = mayenne.parent
    readers = {
        "dt53_editor": personas["dt53_editor"],  # the Mayenne's scope
        "ars_admin": personas["ars_admin"],  # the région's
        "dt72_editor": personas["dt72_editor"],  # the Sarthe's
        "anonymous": AnonymousUser(),
    }
    for territory in (mayenne, laval):  # Laval: its département's roadmap
        steered = {name: roadmap_of(user, territory) for name, user in readers.items()}
        assert steered == {
            "dt53_editor": mayenne_roadmap,
            "ars_admin": mayenne_roadmap,
            "dt72_editor": None,
            "anonymous": None,
        }, territory
    assert roadmap_of(personas["ars_admin"], region) is None  # no roadmap of the région's own
    groups = objective_groups(mayenne, personas["dt53_editor"])
    assert groups[0][0].startswith("Objectif 1 : ") and "MES_ACTIVATION" in groups[0][2]
    assert objective_groups(mayenne, AnonymousUser()) == []

    mayenne_roadmap.status = RoadmapStatus.PUBLISHED
    mayenne_roadmap.save()
    assert roadmap_of(AnonymousUser(), laval) == mayenne_roadmap
    assert roadmap_of(personas["dt72_editor"], mayenne) == mayenne_roadmap
    # The Sarthe's roadmap never steers the Mayenne, whoever reads.
    assert roadmap_of(personas["dt72_editor"], mayenne).territory == mayenne
    # Asked about the territory and those enclosing it only: not the région's every territory.
    with django_assert_max_num_queries(4):
        roadmap_of(personas["ars_admin"], laval)
