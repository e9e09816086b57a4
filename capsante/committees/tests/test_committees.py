"""Committees: decisions become roadmap actions and are followed up at the next meeting."""

import datetime as dt

import pytest

from capsante.committees import services
from capsante.committees.models import Committee
from capsante.roadmaps.models import ActionStatus


@pytest.fixture
def committee(seeded_roadmaps, geography):
    return Committee.objects.create(
        name="Comité e-santé de la Sarthe", territory=geography["sarthe"]
    )


@pytest.mark.django_db
def test_a_decision_on_an_objective_becomes_an_action_that_it_follows(committee, seeded_roadmaps):
    objective = seeded_roadmaps["72"].objectives.all()[6]
    march = services.create_meeting(committee, date=dt.date(2026, 3, 12))
    decision = services.add_decision(
        march,
        "Relancer les 33 officines sans MSSanté",
        "CPAM de la Sarthe",
        dt.date(2026, 6, 30),
        objective,
    )
    action = decision.action
    assert (action.objective, action.text, action.owner, action.due_date, action.status) == (
        objective,
        decision.text,
        "CPAM de la Sarthe",
        dt.date(2026, 6, 30),
        ActionStatus.PLANNED,
    )
    assert action.group == "Décisions du comité" and "12/03/2026" in action.note

    june = services.create_meeting(committee, date=dt.date(2026, 6, 18))
    assert services.decisions_to_follow(june) == [decision]
    services.record_follow_up(decision, june, ActionStatus.IN_PROGRESS, "20 officines relancées")
    action.refresh_from_db()
    decision.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS and decision.followed_up_at == june
    # The action is what the team updates afterwards; the decision reads its status from it.
    action.status = ActionStatus.DONE
    action.save()
    decision.refresh_from_db()
    assert decision.current_status == ActionStatus.DONE and not decision.is_open
    september = services.create_meeting(committee, date=dt.date(2026, 9, 10))
    assert services.decisions_to_follow(september) == []


@pytest.mark.django_db
def test_a_decision_stays_on_its_own_when_it_concerns_no_objective(committee):
    meeting = services.create_meeting(committee, date=dt.date(2026, 3, 12))
    decision = services.add_decision(
        meeting, "Envoyer le compte rendu aux coordinateurs CLS", "DT 72"
    )
    assert decision.action is None and decision.is_open
    assert services.is_late(decision, dt.date(2026, 4, 1)) is False  # no due date, never late
    later = services.create_meeting(committee, date=dt.date(2026, 5, 1))
    services.record_follow_up(decision, later, ActionStatus.DONE, "Envoyé le 20 mars")
    assert services.last_meeting(committee.territory) == later
    assert services.last_meeting(committee.territory, dt.date(2026, 4, 1)) == meeting


@pytest.mark.django_db
def test_meeting_page_lets_an_editor_record_decisions(client, committee, personas, seeded_roadmaps):
    meeting = services.create_meeting(committee, date=dt.date(2026, 3, 12))
    objective = seeded_roadmaps["72"].objectives.first()
    client.force_login(personas["dt72_editor"])
    response = client.post(
        f"/comites/reunions/{meeting.pk}/decisions/",
        {
            "text": "Cartographier les conseillers numériques",
            "owner": "DT 72",
            "due_date": "2026-09-01",
            "objective": str(objective.pk),
        },
    )
    assert response.status_code == 302
    decision = meeting.decisions.get()
    assert decision.action.objective == objective
    page = client.get(f"/comites/reunions/{meeting.pk}/").content.decode()
    assert "Cartographier les conseillers numériques" in page and "Action de l’objectif" in page
    client.force_login(personas["cpam72_contributor"])  # reads, cannot decide
    assert (
        client.post(
            f"/comites/reunions/{meeting.pk}/decisions/", {"text": "x", "owner": "y"}
        ).status_code
        == 403
    )
