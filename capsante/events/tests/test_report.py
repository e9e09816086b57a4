"""The closing report of an event, as a page and a PDF: the demo's 2023 departmental e-health day
comes out with the figures the Sarthe roadmap's seed states (its participants, workshops,
experience talks and stands), through the whole chain — demo registrations and attendance,
the purge to anonymous counts, the report. The expected figures are read from the seed file."""

import datetime as dt
import subprocess

import pytest
import yaml

from capsante.events import registrations
from capsante.events.models import Event, EventKind, EventStatus, RegistrationStatus
from capsante.roadmaps.services import SEEDS_DIR

pytestmark = pytest.mark.django_db


def seed_figures() -> dict[str, int]:
    """The "focus événement" of 12 October 2023 in the Sarthe roadmap's seed, keyed by the
    first word of each figure's label (participants, ateliers, retours, stands)."""
    seed = yaml.safe_load((SEEDS_DIR / "sarthe-2025-2026.yaml").read_text(encoding="utf-8"))
    (day,) = [
        h
        for objective in seed["objectives"]
        for h in objective.get("event_highlights") or []
        if str(h.get("date")) == "2023-10-12"
    ]
    return {f["label"].split(" ", 1)[0]: int(f["value"]) for f in day["figures"]}


def words(text: str) -> str:
    """Text with every run of spaces (non-breaking ones included) made one space."""
    return " ".join(text.split())


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "bilan.pdf"
    path.write_bytes(content)
    result = subprocess.run(  # noqa: S603 - a fixed program on our own file
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return words(result.stdout)


@pytest.fixture
def departmental_day(seeded_roadmaps):
    from capsante.events.demo import load_demo_events

    load_demo_events(today=dt.date(2026, 5, 4))
    return Event.objects.get(kind=EventKind.DEPARTMENTAL_DAY)


def test_the_demo_departmental_day_closing_report_shows_the_seed_figures(
    client, personas, departmental_day, tmp_path
):
    figures = seed_figures()
    assert set(figures) == {"participants", "ateliers", "retours", "stands"}
    day = departmental_day
    # The demo's registrations are gone (the purge ran), their counts stay.
    assert day.registrations_purged_at is not None and not day.registrations.exists()
    assert day.participants is None  # counted from the attendance, not typed in

    client.force_login(personas["cpam72_contributor"])
    page = words(client.get(f"/evenements/{day.pk}/bilan/").content.decode())
    expected = [
        f"{figures['participants']} participants",
        f"dont {figures['participants']} présents",
        f"{figures['ateliers']} ateliers",
        f"{figures['retours']} retours d’expérience",
        f"{figures['stands']} stands",
    ]
    for text in expected:
        assert text in page, text
    assert "Élus locaux" in page and "Citoyens, usagers" in page and "Médecins" in page
    assert "Inscrits et présents par commune" in page and "Le Mans" in page
    assert "Satisfaction :" in page and "sur 5" in page

    response = client.get(f"/evenements/{day.pk}/bilan.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for line in expected:
        assert line in text, line
    assert "Journée départementale de la e-santé en Sarthe" in text
    assert "Jeudi 12 octobre 2023" in text
    assert "Élus locaux" in text and "Réponses de satisfaction" in text


def test_the_report_counts_registrants_audiences_communes_and_satisfaction(
    client, personas, geography, workshop, tmp_path
):
    base = "http://testserver/"
    people = []
    for n, (audience, commune) in enumerate(
        [("citoyens", "72181"), ("citoyens", "72003"), ("elus", "72181"), ("medecins", None)], 1
    ):
        r = registrations.register(
            workshop,
            name=f"Personne {n}",
            email=f"p{n}@example.org",
            audience=audience,
            commune=geography["communes"][commune] if commune else None,
            base_url=base,
        )
        people.append(registrations.confirm(r, base))
    workshop.status = EventStatus.HELD
    workshop.save()
    client.force_login(personas["dt72_editor"])
    form = {"participants": "", "note": "", "present": [people[0].pk, people[2].pk]}
    form |= {f"satisfaction-{people[0].pk}": "5", f"satisfaction-{people[2].pk}": "4"}
    form |= {f"satisfaction-{people[1].pk}": ""}
    assert client.post(f"/evenements/{workshop.pk}/suivi/presences/", form).status_code == 302
    assert [p.satisfaction for p in workshop.registrations.order_by("pk")] == [5, None, 4, None]

    page = words(client.get(f"/evenements/{workshop.pk}/bilan/").content.decode())
    assert "2 participants" in page and "4 inscrits, dont 2 présents" in page
    assert "Satisfaction : 4,5 sur 5 (2 réponses)" in page
    assert "Commune non renseignée" in page and "Allonnes" in page
    # The same after the purge: the report reads the tallies.
    registrations.purge_registrations(now=workshop.ends_at + dt.timedelta(days=400))
    workshop.refresh_from_db()
    assert not workshop.registrations.filter(status=RegistrationStatus.CONFIRMED).exists()
    again = words(client.get(f"/evenements/{workshop.pk}/bilan/").content.decode())
    assert "4 inscrits, dont 2 présents" in again
    assert "Satisfaction : 4,5 sur 5 (2 réponses)" in again
    assert "effacées après l’événement" in again
    text = pdf_text(client.get(f"/evenements/{workshop.pk}/bilan.pdf").content, tmp_path)
    assert "Satisfaction : 4,5 sur 5 (2 réponses)" in text


def test_the_report_is_for_partners_in_scope(client, personas, workshop):
    url = f"/evenements/{workshop.pk}/bilan/"
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(personas["dt53_editor"])
    assert client.get(url).status_code == 403
    assert client.get(url.replace("bilan/", "bilan.pdf")).status_code == 403
    client.force_login(personas["elected_reader"])
    assert client.get(url).status_code == 200
    assert "Bilan de l’événement" in client.get(f"/evenements/{workshop.pk}/").content.decode()
