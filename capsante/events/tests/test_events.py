"""Editors organise events for their territory; the public calendar filters them; the roadmap
objective page lists the events serving it; registrations are erased months after the event,
their counts staying."""

import datetime as dt

import pytest
from django.core.management import call_command

from capsante.events import counts, registrations
from capsante.events.models import (
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
    Tally,
)

from .conftest import in_days, paris


def event_form(geography, objective, **changes) -> dict:
    data = {
        "territory": str(geography["sarthe"].pk),
        "kind": EventKind.AWARENESS_MORNING,
        "title": "Matinée Mon espace santé à la France Services d’Allonnes",
        "description": "Découvrir Mon espace santé.",
        "audiences": ["citoyens", "mediateurs"],
        "format": EventFormat.IN_PERSON,
        "commune_name": "Allonnes",
        "venue": "Espace France Services",
        "address": "",
        "online_url": "",
        "starts_at": "2026-03-29T09:30",  # the morning of the change to summer time
        "ends_at": "2026-03-29T12:00",
        "capacity": "20",
        "registration_open": "on",
        "other_organisers": "CPAM de la Sarthe",
        "partners": "",
        "contact_email": "",
        "objectives": [str(objective.pk)],
        "status": EventStatus.PUBLISHED,
        "programme-TOTAL_FORMS": "3",
        "programme-INITIAL_FORMS": "0",
        "programme-MIN_NUM_FORMS": "0",
        "programme-MAX_NUM_FORMS": "1000",
        "programme-0-kind": "atelier",
        "programme-0-title": "Activer son profil",
        "programme-0-order": "1",
        # What a browser sends for the two empty parts (their initial order).
        "programme-1-order": "0",
        "programme-2-order": "0",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_an_editor_creates_an_event_for_their_territory_in_paris_time(
    client, personas, geography, seeded_roadmaps
):
    objective = seeded_roadmaps["72"].objectives.all()[1]
    client.force_login(personas["dt72_editor"])
    response = client.post("/evenements/nouveau/", event_form(geography, objective))
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context["parts"].errors,
    )
    event = Event.objects.get()
    assert event.commune.name == "Allonnes" and event.audiences == ["citoyens", "mediateurs"]
    # 9:30 in Paris on the day clocks go forward is 7:30 UTC (summer time, UTC+2).
    assert event.starts_at == dt.datetime(2026, 3, 29, 7, 30, tzinfo=dt.UTC)
    assert list(event.objectives.all()) == [objective]
    assert [p.title for p in event.parts.all()] == ["Activer son profil"]
    assert event.history.first().history_user == personas["dt72_editor"]
    page = client.get(f"/evenements/{event.pk}/").content.decode()
    assert "dimanche 29 mars 2026, de 9 h 30 à 12 h 00" in page

    # Mayenne's editor may not create one for Sarthe, nor change this one.
    client.force_login(personas["dt53_editor"])
    response = client.post("/evenements/nouveau/", event_form(geography, objective))
    assert response.status_code == 200 and Event.objects.count() == 1
    assert client.get(f"/evenements/{event.pk}/modifier/").status_code == 403
    client.force_login(personas["cpam72_contributor"])
    assert client.get("/evenements/nouveau/").status_code == 403


@pytest.mark.django_db
def test_editing_keeps_the_history_and_checks_place_and_link(
    client, personas, geography, seeded_roadmaps, workshop
):
    objective = seeded_roadmaps["72"].objectives.all()[1]
    client.force_login(personas["dt72_editor"])
    url = f"/evenements/{workshop.pk}/modifier/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, event_form(geography, objective, format=EventFormat.ONLINE, commune_name="")
    )
    assert "Indiquez le lien de connexion" in response.content.decode()
    response = client.post(
        url,
        event_form(
            geography,
            objective,
            format=EventFormat.ONLINE,
            commune_name="",
            online_url="https://visio.example.org/matinee",
            title="Webinaire Mon espace santé",
        ),
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.title == "Webinaire Mon espace santé" and workshop.commune is None
    manage = client.get(f"/evenements/{workshop.pk}/suivi/").content.decode()
    assert "Webinaire Mon espace santé" in manage and "Historique" in manage


@pytest.mark.django_db
def test_drafts_are_read_by_the_editors_of_their_territory_only(client, personas, workshop):
    workshop.status = EventStatus.DRAFT
    workshop.save()
    url = f"/evenements/{workshop.pk}/"
    assert client.get(url).status_code == 404
    assert workshop.title not in client.get("/evenements/").content.decode()
    for who, status in [
        ("ars_admin", 200),
        ("dt72_editor", 200),
        ("dt53_editor", 404),
        ("cpam72_contributor", 404),
        ("elected_reader", 404),
    ]:
        client.force_login(personas[who])
        assert client.get(url).status_code == status, who


@pytest.mark.django_db
def test_the_calendar_filters_without_javascript(client, geography, workshop):
    webinar = Event.objects.create(
        territory=geography["mayenne"],
        kind=EventKind.WEBINAR,
        title="Webinaire MSSanté",
        audiences=["medecins"],
        format=EventFormat.ONLINE,
        online_url="https://visio.example.org/w",
        starts_at=in_days(10, 14),
        ends_at=in_days(10, 15),
        status=EventStatus.PUBLISHED,
    )
    Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.DEPARTMENTAL_DAY,
        title="Journée passée",
        starts_at=paris(2023, 10, 12, 9),
        ends_at=paris(2023, 10, 12, 17),
        status=EventStatus.HELD,
    )

    def titles(query: str = "") -> list[str]:
        page = client.get(f"/evenements/{query}")
        assert page.status_code == 200
        return [e.title for e in page.context["page"].object_list]

    assert titles() == [webinar.title, workshop.title]  # upcoming, soonest first
    assert titles("?territoire=departement-72") == [workshop.title]
    assert titles("?territoire=region-52") == [webinar.title, workshop.title]
    assert titles("?type=webinaire") == [webinar.title]
    assert titles("?public=medecins") == [webinar.title]
    assert titles("?public=citoyens") == [workshop.title]
    assert titles("?format=distanciel") == [webinar.title]
    assert titles("?format=presentiel") == [workshop.title]
    assert titles("?du=2023-10-01&au=2023-10-31") == ["Journée passée"]
    assert titles("?territoire=nulle-part") == [webinar.title, workshop.title]
    page = client.get("/evenements/?type=webinaire").content.decode()
    assert 'method="get"' in page and "<script" not in page.split("<main")[-1].split("</main>")[0]


@pytest.mark.django_db
def test_the_objective_page_lists_its_events_with_participants(
    client, geography, seeded_roadmaps, workshop
):
    roadmap = seeded_roadmaps["72"]
    objective = roadmap.objectives.all()[1]
    action = objective.actions.first()
    workshop.actions.add(action)  # through one of its actions
    day = Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.DEPARTMENTAL_DAY,
        title="Journée départementale de la e-santé",
        starts_at=paris(2023, 10, 12, 9),
        ends_at=paris(2023, 10, 12, 17),
        status=EventStatus.HELD,
        participants=110,
    )
    day.objectives.add(objective)
    draft = Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.WEBINAR,
        title="Brouillon de webinaire",
        starts_at=in_days(5),
        ends_at=in_days(5, 10),
    )
    draft.objectives.add(objective)
    page = client.get(f"/feuilles-de-route/{roadmap.pk}/objectifs/2/").content.decode()
    assert workshop.title in page and "Journée départementale de la e-santé" in page
    assert "Brouillon de webinaire" not in page
    assert "1 événement tenu pour cet objectif, 110 participants" in page
    other = client.get(f"/feuilles-de-route/{roadmap.pk}/objectifs/3/").content.decode()
    assert workshop.title not in other


@pytest.mark.django_db
def test_registrations_are_erased_months_after_the_event_and_their_counts_stay(
    geography, workshop, settings
):
    settings.EVENTS_REGISTRATION_RETENTION_MONTHS = 6
    communes = geography["communes"]
    for n, (audience, commune, status, attended) in enumerate(
        [
            ("citoyens", "72181", RegistrationStatus.CONFIRMED, True),
            ("citoyens", "72181", RegistrationStatus.CONFIRMED, False),
            ("elus", "72003", RegistrationStatus.CONFIRMED, True),
            ("citoyens", "72003", RegistrationStatus.CANCELLED, None),
        ]
    ):
        Registration.objects.create(
            event=workshop,
            name=f"P{n}",
            email=f"p{n}@example.org",
            audience=audience,
            commune=communes[commune],
            status=status,
            attended=attended,
            consented_at=workshop.starts_at,
        )
    before = registrations.counts_by(workshop, "audience")
    end = workshop.ends_at
    # Five months after: kept.
    assert registrations.purge_registrations(now=end + dt.timedelta(days=160))["events"] == 0
    assert Registration.objects.count() == 4
    call_command("purge_registrations", stdout=open("/dev/null", "w"))  # today: nothing yet
    assert Registration.objects.count() == 4
    done = registrations.purge_registrations(now=end + dt.timedelta(days=190))
    assert done == {"events": 1, "registrations": 4, "unconfirmed": 0}
    assert not Registration.objects.exists()
    workshop.refresh_from_db()
    assert workshop.registrations_purged_at is not None
    assert (
        registrations.counts_by(workshop, "audience")
        == before
        == [
            ("Citoyens, usagers", 2, 1),
            ("Élus locaux", 1, 1),
        ]
    )
    assert sorted(Tally.objects.values_list("registered", "attended")) == [(1, 1), (2, 1)]
    assert counts.participants(workshop) == 2
    # No copy stays in an audit history: registrations keep none.
    assert not hasattr(Registration, "history")
    # Run again: nothing more to do.
    assert registrations.purge_registrations(now=end + dt.timedelta(days=400))["events"] == 0


@pytest.mark.django_db
def test_requests_never_confirmed_are_forgotten_when_their_link_expires(workshop, settings):
    Registration.objects.create(
        event=workshop,
        name="Oublié",
        email="o@example.org",
        audience="citoyens",
        consented_at=workshop.starts_at,
    )
    Registration.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert registrations.purge_registrations()["unconfirmed"] == 1


def test_retention_counts_whole_months():
    cutoff = registrations.retention_cutoff(paris(2026, 8, 31, 10), 6)
    assert cutoff == paris(2026, 2, 28, 10)
    assert registrations.retention_cutoff(paris(2026, 3, 15), 12) == paris(2025, 3, 15)


@pytest.mark.django_db
def test_organisers_record_attendance_and_export_registrations_without_formulas(
    client, personas, workshop
):
    people = [
        Registration.objects.create(
            event=workshop,
            name=name,
            email=f"{n}@example.org",
            audience="citoyens",
            status=RegistrationStatus.CONFIRMED,
            consented_at=workshop.starts_at,
            organisation=organisation,
        )
        for n, (name, organisation) in enumerate(
            [('=HYPERLINK("http://x")', "@SUM(A1)"), ("Paul", "+33 2 43")]
        )
    ]
    client.force_login(personas["dt72_editor"])
    response = client.post(
        f"/evenements/{workshop.pk}/suivi/presences/",
        {"present": [str(people[0].pk)], "participants": "25", "note": "15 sans inscription"},
    )
    assert response.status_code == 302
    people[0].refresh_from_db()
    people[1].refresh_from_db()
    assert (people[0].attended, people[1].attended) == (True, False)
    workshop.refresh_from_db()
    assert workshop.participants == 25
    csv = client.get(f"/evenements/{workshop.pk}/suivi/export/?format=csv")
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and "'+33 2 43" in text
    assert "\n=" not in text and ";=" not in text
    xlsx = client.get(f"/evenements/{workshop.pk}/suivi/export/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    for who in ("cpam72_contributor", "elected_reader", "dt53_editor"):
        client.force_login(personas[who])
        assert client.get(f"/evenements/{workshop.pk}/suivi/export/").status_code == 403


@pytest.mark.django_db
def test_activity_counts_events_held_and_participants_per_month_departement_and_kind(
    geography, workshop
):
    day = Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.DEPARTMENTAL_DAY,
        title="Journée départementale",
        commune=geography["communes"]["72181"],
        starts_at=paris(2023, 10, 12, 9),
        ends_at=paris(2023, 10, 12, 17),
        status=EventStatus.HELD,
        participants=110,
    )
    Event.objects.create(
        territory=geography["mayenne"],
        kind=EventKind.WEBINAR,
        title="Webinaire",
        format=EventFormat.ONLINE,
        starts_at=paris(2023, 10, 31, 23, 30),  # Paris time: still October
        ends_at=paris(2023, 11, 1, 0, 30),
        status=EventStatus.HELD,
    )
    rows = counts.activity()
    assert [
        (r.period, r.departement_code, r.commune_code, r.kind, r.events_held, r.participants)
        for r in rows
    ] == [
        ("2023-10", "53", "", "webinaire", 1, 0),
        ("2023-10", "72", "72181", "journee_departementale", 1, 110),
    ]
    table = counts.activity_table()
    assert table.num_rows == 2 and table.column("participants").to_pylist() == [110, 0]
    assert table.column("commune_code").to_pylist() == ["72181", ""]
    assert day.pk


@pytest.mark.django_db
def test_the_demo_events_come_from_the_seeds(client, geography, seeded_roadmaps):
    from capsante.events.demo import load_demo_events

    created = load_demo_events(today=dt.date(2026, 5, 4))
    assert len(created) == 4 and load_demo_events() == []  # idempotent
    day = Event.objects.get(kind=EventKind.DEPARTMENTAL_DAY)
    kinds = [p.kind for p in day.parts.all()]
    assert (kinds.count("atelier"), kinds.count("retour_experience"), kinds.count("stand")) == (
        8,
        14,
        12,
    )
    assert counts.participants(day) == 110 and day.starts_at.date() == dt.date(2023, 10, 12)
    page = client.get(f"/evenements/{day.pk}/").content.decode()
    assert "8 ateliers, 14 retours d’expérience, 12 stands" in page and "110 participants" in page
    morning = Event.objects.get(kind=EventKind.AWARENESS_MORNING)
    assert morning.starts_at.date() == dt.date(2026, 5, 26) and morning.status == "published"
    objective = seeded_roadmaps["72"].objectives.all()[4]
    page = client.get(f"/feuilles-de-route/{seeded_roadmaps['72'].pk}/objectifs/5/").content
    assert day in objective.events.all() and "Journée départementale de la e-santé" in page.decode()


@pytest.mark.django_db
def test_events_held_feed_their_indicators_per_territory_and_month(
    geography, settings, tmp_path, client, personas, run_jobs, django_capture_on_commit_callbacks
):
    from capsante.events.models import Registration
    from capsante.indicators.models import IndicatorValue
    from capsante.indicators.services import sync_catalogue

    settings.STAGING_DIR = tmp_path / "staging"
    sync_catalogue()
    communes = geography["communes"]
    Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.DEPARTMENTAL_DAY,
        title="Journée départementale",
        commune=communes["72181"],
        starts_at=paris(2023, 10, 12, 9),
        ends_at=paris(2023, 10, 12, 17),
        status=EventStatus.HELD,
        participants=110,
    )
    webinar = Event.objects.create(
        territory=geography["mayenne"],
        kind=EventKind.WEBINAR,
        title="Webinaire",
        format=EventFormat.ONLINE,
        online_url="https://visio.example.org/w",
        starts_at=paris(2023, 10, 20, 12),
        ends_at=paris(2023, 10, 20, 13),
        status=EventStatus.PUBLISHED,
    )
    for n, code in enumerate(["53130", "53130", "72003"]):
        Registration.objects.create(
            event=webinar,
            name=f"P{n}",
            email=f"p{n}@example.org",
            audience="medecins",
            commune=communes[code],
            status="confirmed",
            consented_at=webinar.starts_at,
        )
    assert counts.export_activity() == ["2023-10"]

    def value(code, level, territory):
        found = IndicatorValue.objects.filter(
            indicator__code=code,
            territory__level=level,
            territory__code=territory,
            period="2023-10",
            is_current=True,
        ).first()
        return found.value if found else None

    assert value("EVENTS_HELD", "departement", "72") == 1
    assert value("EVENT_PARTICIPANTS", "departement", "72") == 110
    assert value("EVENT_PARTICIPANTS", "commune", "72181") == 110
    assert value("EVENTS_HELD", "departement", "53") is None

    # The organiser marks the webinar held and two registrants present (Laval, Allonnes): a
    # background job restages the month and recomputes.
    client.force_login(personas["dt53_editor"])
    Event.objects.filter(pk=webinar.pk).update(status=EventStatus.HELD)
    present = list(webinar.registrations.order_by("pk").values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/evenements/{webinar.pk}/suivi/presences/",
            {"present": [str(present[0]), str(present[2])], "participants": "5"},
        )
    assert response.status_code == 302
    jobs = run_jobs()
    assert [j.kind for j in jobs] == ["events"] and jobs[0].status == "succeeded", jobs[0].message
    assert value("EVENTS_HELD", "departement", "53") == 1
    assert value("EVENTS_HELD", "region", "52") == 2
    assert value("EVENT_PARTICIPANTS", "commune", "53130") == 1
    assert value("EVENT_PARTICIPANTS", "commune", "72003") == 1
    # 110 in Le Mans, 1 in Allonnes; the 3 who came without a registration count nowhere.
    assert value("EVENT_PARTICIPANTS", "departement", "72") == 111
    assert value("EVENT_PARTICIPANTS", "region", "52") == 112

    # Like any indicator, they take a target, which the committee report then follows.
    import datetime as dt

    from capsante.indicators.models import Indicator
    from capsante.indicators.services import set_target
    from capsante.reports import committee_report

    set_target(
        personas["dt72_editor"],
        Indicator.objects.get(code="EVENT_PARTICIPANTS"),
        geography["sarthe"],
        target_value=150,
        deadline="2023-12",
        source="Comité e-santé de la Sarthe",
    )
    followed = committee_report.targets(geography["sarthe"], dt.date(2023, 10, 31))
    row = next(row for row in followed if row["code"] == "EVENT_PARTICIPANTS")
    assert row["name"] == "Participants aux événements d’animation" and row["status"]


@pytest.mark.parametrize("code", counts.INDICATORS)
def test_the_events_indicators_document_themselves(code):
    """As the catalogue's own indicators do (engine/tests/test_catalogue.py)."""
    from capsante.engine import load_definitions
    from capsante.engine.tests.test_catalogue import normalise

    definition = {d.code: d for d in load_definitions()}[code]
    page = definition.doc_path.read_text(encoding="utf-8")
    for heading in ("## Ce que mesure", "## Formule", "## Source", "## Limites connues"):
        assert heading in page
    assert normalise(definition.numerator_sql) in normalise(page)
    assert definition.name in page
    assert definition.tables & {"event_activity", "event_audiences", "ambassador_activity"}
