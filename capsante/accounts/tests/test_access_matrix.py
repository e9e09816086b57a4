"""Each persona × each page and action: allowed or refused."""

import pytest

from capsante.roadmaps.models import Action, Roadmap, RoadmapStatus

ANON = None
PAGES = [
    "/",
    "/feuilles-de-route/",
    "/territoires/",
    "/territoires/departement/72/",
    "/sources/",
    "/accessibilite/",
]


def _login(client, personas, who):
    if who is not ANON:
        client.force_login(personas[who])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", [ANON, "ars_admin", "dt72_editor", "dt53_editor", "cpam72_contributor", "elected_reader"]
)
def test_public_pages_are_open_to_everyone(client, personas, seeded_roadmaps, who):
    _login(client, personas, who)
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    for roadmap in seeded_roadmaps.values():
        assert client.get(f"/feuilles-de-route/{roadmap.pk}/").status_code == 200
        assert client.get(f"/feuilles-de-route/{roadmap.pk}/objectifs/1/").status_code == 200


# Who may open the action form (GET) and change an action (POST), by roadmap territory.
EDIT_MATRIX = {
    ANON: {"72": 302, "53": 302},
    "ars_admin": {"72": 200, "53": 200},
    "dt72_editor": {"72": 200, "53": 403},
    "dt53_editor": {"72": 403, "53": 200},
    "cpam72_contributor": {"72": 403, "53": 403},
    "elected_reader": {"72": 403, "53": 403},
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(EDIT_MATRIX))
def test_action_edit_matrix(client, personas, seeded_roadmaps, who):
    _login(client, personas, who)
    for code, expected in EDIT_MATRIX[who].items():
        action = Action.objects.filter(objective__roadmap=seeded_roadmaps[code]).first()
        url = f"/feuilles-de-route/actions/{action.pk}/modifier/"
        response = client.get(url)
        if who is ANON:
            # Anonymous visitors are sent to the login page rather than refused outright.
            assert response.status_code == 403
            continue
        assert response.status_code == expected, (who, code)
        post = client.post(
            url, {"status": "in_progress", "progress": "40", "owner": "ARS", "note": "x"}
        )
        assert post.status_code == (302 if expected == 200 else 403)
        action.refresh_from_db()
        assert (action.status == "in_progress") == (expected == 200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "sees_draft"),
    [
        (ANON, False),
        ("ars_admin", True),
        ("dt72_editor", True),
        ("dt53_editor", False),
        ("cpam72_contributor", True),
        ("elected_reader", True),
    ],
)
def test_draft_roadmaps_are_visible_only_within_scope(
    client, personas, seeded_roadmaps, who, sees_draft
):
    Roadmap.objects.filter(pk=seeded_roadmaps["72"].pk).update(status=RoadmapStatus.DRAFT)
    _login(client, personas, who)
    response = client.get(f"/feuilles-de-route/{seeded_roadmaps['72'].pk}/")
    assert response.status_code == (200 if sees_draft else 404)
    listing = client.get("/feuilles-de-route/").content.decode()
    assert ("Sarthe" in listing) == sees_draft
    assert "Mayenne" in listing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (ANON, 302),
        ("ars_admin", 200),
        ("dt72_editor", 302),
        ("cpam72_contributor", 302),
        ("elected_reader", 302),
    ],
)
def test_only_the_regional_admin_reaches_the_django_admin(client, personas, who, status):
    _login(client, personas, who)
    assert client.get("/admin/roadmaps/action/").status_code == status
