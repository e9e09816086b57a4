"""Who gets which report, and the public dashboard of a published roadmap."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from capsante.committees.models import Committee, Meeting
from capsante.indicators import services as indicator_services
from capsante.reports.models import ReportSnapshot
from capsante.roadmaps.models import RoadmapStatus

from .conftest import stage_mes

MONTHS = {
    f"2025-{m:02d}": {
        "72181": (500, 400 + 10 * m, 1000),
        "53130": (50, 20 + m, 200),
        "53147": (10, 5, 100),
    }
    for m in range(1, 13)
}


@pytest.fixture
def draft_sarthe(seeded_roadmaps):
    roadmap = seeded_roadmaps["72"]
    roadmap.status = RoadmapStatus.DRAFT
    roadmap.save()
    return roadmap


@pytest.mark.django_db
def test_anonymous_cannot_get_a_draft_roadmap_pdf_or_dashboard(
    client, draft_sarthe, seeded_roadmaps
):
    assert client.get(f"/rapports/feuilles-de-route/{draft_sarthe.pk}/document/").status_code == 404
    assert (
        client.get(f"/rapports/feuilles-de-route/{draft_sarthe.pk}/tableau-de-bord/").status_code
        == 404
    )
    assert (
        client.get(
            f"/rapports/feuilles-de-route/{draft_sarthe.pk}/tableau-de-bord/?format=csv"
        ).status_code
        == 404
    )
    mayenne = seeded_roadmaps["53"]  # published
    response = client.get(f"/rapports/feuilles-de-route/{mayenne.pk}/document/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_territorys_reader_gets_its_draft(client, draft_sarthe, personas):
    client.force_login(personas["elected_reader"])
    assert (
        client.get(f"/rapports/feuilles-de-route/{draft_sarthe.pk}/tableau-de-bord/").status_code
        == 200
    )


@pytest.mark.django_db
def test_dt53_editor_cannot_create_a_sarthe_meeting(client, personas, geography):
    sarthe = Committee.objects.create(
        name="Comité e-santé de la Sarthe", territory=geography["sarthe"]
    )
    form = {
        "date": "2026-03-12",
        "place": "Le Mans",
        "agenda": "Point d’étape",
        "attendees": "",
        "minutes": "",
    }
    client.force_login(personas["dt53_editor"])
    # Committees follow scope: Mayenne's team neither reads nor writes Sarthe's.
    assert client.get(f"/comites/{sarthe.pk}/").status_code == 404
    assert client.post(f"/comites/{sarthe.pk}/reunions/nouvelle/", form).status_code == 404
    client.force_login(personas["cpam72_contributor"])  # reads Sarthe's committee, cannot write
    assert client.get(f"/comites/{sarthe.pk}/").status_code == 200
    assert client.post(f"/comites/{sarthe.pk}/reunions/nouvelle/", form).status_code == 403
    assert not Meeting.objects.exists()
    client.force_login(personas["dt72_editor"])
    response = client.post(f"/comites/{sarthe.pk}/reunions/nouvelle/", form)
    meeting = Meeting.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/comites/reunions/{meeting.pk}/"
    )
    assert meeting.history.get().history_user == personas["dt72_editor"]


@pytest.mark.django_db
def test_committee_reports_are_for_partners_only(client, personas, geography):
    client.logout()
    assert client.get("/comites/").status_code == 302  # to the login page
    response = client.get("/rapports/comites/departement/53/")
    assert response.status_code == 302
    client.force_login(personas["dt72_editor"])
    response = client.post(
        "/rapports/comites/departement/53/",
        {"kind": "committee", "start": "2026-01-01", "end": "2026-06-30"},
    )
    assert response.status_code == 404 and not ReportSnapshot.objects.exists()
    client.force_login(personas["dt53_editor"])
    response = client.post(
        "/rapports/comites/departement/53/",
        {"kind": "committee", "start": "2026-01-01", "end": "2026-06-30"},
    )
    snapshot = ReportSnapshot.objects.get()
    assert response.status_code == 302 and (snapshot.start, snapshot.end) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 6, 30),
    )
    pdf = client.get(f"/rapports/instantanes/{snapshot.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Sarthe's partners neither list nor download Mayenne's committee reports.
    client.force_login(personas["cpam72_contributor"])
    assert client.get("/rapports/comites/departement/53/").status_code == 404
    assert client.get(f"/rapports/instantanes/{snapshot.pk}.pdf").status_code == 404
    client.force_login(personas["ars_admin"])  # the région's team reads its départements'
    assert client.get(f"/rapports/instantanes/{snapshot.pk}.pdf").status_code == 200
    client.logout()
    assert client.get(f"/rapports/instantanes/{snapshot.pk}.pdf").status_code == 302


@pytest.mark.django_db
def test_public_dashboard_shows_value_target_status_trend_and_map(client, seeded_roadmaps, staging):
    stage_mes(staging, MONTHS)
    indicator_services.compute_and_store(codes=["MES_ACTIVATION"], as_of="2025-12")
    mayenne = seeded_roadmaps["53"]
    page = client.get(f"/rapports/feuilles-de-route/{mayenne.pk}/tableau-de-bord/")
    assert page.status_code == 200
    html = page.content.decode()
    # Mayenne, December: 50 + 10 = 60 activations of 300 = 20,0 %; a year before is January, also 20,0 %.
    assert "Activation de Mon espace santé" in html and "20,0\xa0%" in html
    assert "Cible : <strong>30,0\xa0% en décembre 2026</strong>" in html
    assert (
        'class="cap-map"' in html and "Sarthe" in html
    )  # the map and its table list the neighbours
    assert "@media print" in html
    download = client.get(f"/rapports/feuilles-de-route/{mayenne.pk}/tableau-de-bord/?format=xlsx")
    workbook = load_workbook(filename=__import__("io").BytesIO(download.content))
    rows = list(workbook["Données"].iter_rows(values_only=True))
    mes = next(r for r in rows[1:] if r[0] == "MES_ACTIVATION")
    assert (mes[2], mes[4], round(mes[5], 1), mes[8], mes[9]) == (
        "Mayenne",
        "2025-12",
        20.0,
        30.0,
        "2026-12",
    )
    assert "À propos" in workbook.sheetnames
