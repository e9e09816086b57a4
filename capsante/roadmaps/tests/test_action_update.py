import re

import pytest

from capsante.roadmaps.models import Action


def _sarthe_action(roadmaps):
    return (
        Action.objects.filter(objective__roadmap=roadmaps["72"])
        .order_by("objective__order", "order")
        .first()
    )


@pytest.mark.django_db
def test_dt72_editor_updates_a_sarthe_action_and_it_shows_in_its_history(
    client, personas, seeded_roadmaps
):
    editor = personas["dt72_editor"]
    client.force_login(editor)
    action = _sarthe_action(seeded_roadmaps)
    response = client.post(
        f"/feuilles-de-route/actions/{action.pk}/modifier/",
        {
            "status": "in_progress",
            "progress": "35",
            "start_date": "2025-03-01",
            "due_date": "2026-06-30",
            "owner": "CPAM de la Sarthe",
            "note": "Trois ateliers tenus en mars.",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.progress, str(action.due_date)) == (
        "in_progress",
        35,
        "2026-06-30",
    )
    page = client.get(f"/feuilles-de-route/actions/{action.pk}/historique/").content.decode()
    assert "Bruno Sarthe" in page
    assert "Prévue → <strong>En cours</strong>" in page
    assert "0 → <strong>35</strong>" in page
    latest = action.history.latest()
    assert latest.history_user == editor
    assert page.count(latest.history_date.astimezone().strftime("%d/%m/%Y")) >= 1


@pytest.mark.django_db
def test_invalid_dates_and_progress_are_refused_with_a_message(client, personas, seeded_roadmaps):
    client.force_login(personas["dt72_editor"])
    action = _sarthe_action(seeded_roadmaps)
    response = client.post(
        f"/feuilles-de-route/actions/{action.pk}/modifier/",
        {
            "status": "done",
            "progress": "140",
            "start_date": "2025-06-01",
            "due_date": "2025-01-01",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "L’échéance ne peut pas précéder le début." in page
    assert "L’avancement s’exprime de 0 à 100\u00a0%." in page
    negative = client.post(
        f"/feuilles-de-route/actions/{action.pk}/modifier/",
        {"status": "in_progress", "progress": "-5"},
    )
    assert negative.status_code == 200
    assert "L’avancement s’exprime de 0 à 100\u00a0%." in negative.content.decode()
    action.refresh_from_db()
    assert action.status == "planned"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "progress", "message"),
    [
        ("done", "60", "Une action réalisée est avancée à 100\u00a0% : corrigez l’avancement."),
        ("in_progress", "100", "L’action est avancée à 100\u00a0% : choisissez « Réalisée »."),
        ("planned", "20", "ramenez l’avancement à 0\u00a0%."),
    ],
)
def test_a_status_that_contradicts_the_progress_is_refused_and_says_which_to_change(
    client, personas, seeded_roadmaps, status, progress, message
):
    client.force_login(personas["dt72_editor"])
    action = _sarthe_action(seeded_roadmaps)
    before = (action.status, action.progress)
    response = client.post(
        f"/feuilles-de-route/actions/{action.pk}/modifier/",
        {"status": status, "progress": progress, "owner": "CPAM de la Sarthe"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.progress) == before


@pytest.mark.django_db
def test_acronyms_are_marked_up_with_their_glossary_expansion(client, seeded_roadmaps):
    roadmap = seeded_roadmaps["72"]
    page = client.get(f"/feuilles-de-route/{roadmap.pk}/objectifs/3/").content.decode()
    assert '<abbr title="Contrat Local de Santé">CLS</abbr>' in page


@pytest.mark.django_db
def test_roadmap_page_shows_objectives_as_cards_and_mayenne_targets(client, seeded_roadmaps):
    sarthe = client.get(f"/feuilles-de-route/{seeded_roadmaps['72'].pk}/").content.decode()
    assert sarthe.count('class="fr-card__title"') == 8
    mayenne = client.get(f"/feuilles-de-route/{seeded_roadmaps['53'].pk}/").content.decode()
    for value in ("30,0\xa0%", "80,0\xa0%", "40,0\xa0%", "70,0\xa0%"):
        assert f"<strong>{value} en décembre 2026</strong>" in mayenne
    assert "26 janvier 2026" in mayenne


@pytest.mark.django_db
def test_objective_page_shows_the_audit_trail_of_its_items_to_partners_only(
    client, personas, seeded_roadmaps
):
    action = _sarthe_action(seeded_roadmaps)
    client.force_login(personas["dt72_editor"])
    client.post(
        f"/feuilles-de-route/actions/{action.pk}/modifier/", {"status": "done", "progress": "100"}
    )
    url = f"/feuilles-de-route/{seeded_roadmaps['72'].pk}/objectifs/1/"
    client.force_login(personas["elected_reader"])
    page = client.get(url).content.decode()
    assert "Historique des modifications" in page
    assert "Bruno Sarthe" in page and "Prévue → <strong>Réalisée</strong>" in page
    client.logout()
    assert "Historique des modifications" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_an_assessment_item_of_several_lines_keeps_them_on_the_objective_page(
    client, seeded_roadmaps
):
    """The Sarthe's pharmacy survey, three sentences on three lines in the seed: the page breaks
    them as the PDF does, instead of running them together."""
    from capsante.roadmaps.models import AssessmentItem

    item = AssessmentItem.objects.filter(
        objective__roadmap=seeded_roadmaps["72"], text__contains="\n"
    ).first()
    assert item is not None, "the seed has an assessment item of several lines"
    number = list(item.objective.roadmap.objectives.all()).index(item.objective) + 1
    page = client.get(f"/feuilles-de-route/{seeded_roadmaps['72'].pk}/objectifs/{number}/")
    html = page.content.decode()
    first, second, *_ = [line for line in item.text.splitlines() if line]
    assert re.search(re.escape(first[-20:]) + r"\s*<br>\s*" + re.escape(second[:12]), html), first
