"""The organisers' side of events in a real browser: the Sarthe editor uploads a sign-in sheet
(dry run, then recorded), reads the closing report; the report, the sign-in sheet's answer and
the ambassadors' pages pass axe-core."""

import pytest

from capsante.events import registrations
from capsante.events.models import Event, EventKind, EventStatus
from capsante.events.tests.conftest import in_days

from .conftest import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held(live_server, geography, personas):
    from capsante.events.demo import load_demo_ambassadors

    event = Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.ACTIVATION_WORKSHOP,
        title="Atelier d’activation au Mans",
        commune=geography["communes"]["72181"],
        venue="Espace France Services",
        starts_at=in_days(3, 9),
        ends_at=in_days(3, 11),
        capacity=12,
        status=EventStatus.PUBLISHED,
    )
    base = live_server.url + "/"
    for name in ("Jeanne Martin", "Paul Durand", "Élise Lefèvre"):
        email = name.split()[0].lower() + "@example.org"
        r = registrations.register(
            event, name=name, email=email, audience="citoyens", commune=None, base_url=base
        )
        registrations.confirm(r, base)
    Event.objects.filter(pk=event.pk).update(status=EventStatus.HELD)
    load_demo_ambassadors()
    return event


def test_the_editor_uploads_a_sign_in_sheet_and_reads_the_report(
    live_server, held, personas, page, tmp_path
):
    base = live_server.url
    sign_in(page, base, personas["dt72_editor"].username)
    sheet = tmp_path / "emargement.csv"
    sheet.write_text("Nom et prénom;Satisfaction\nJeanne Martin;5\nÉlise Lefèvre;4\n", "utf-8")
    failures = {}
    page.goto(f"{base}/evenements/{held.pk}/suivi/")
    page.get_by_label("Feuille d’émargement").set_input_files(str(sheet))
    page.get_by_role("button", name="Lire la feuille").click()
    page.get_by_text("rien n’a encore été enregistré").wait_for()
    if violations := serious_violations(page):
        failures["vérification"] = violations
    page.get_by_label("Feuille d’émargement").set_input_files(str(sheet))
    page.locator("label[for=id_dry_run]").click()  # uncheck: record this time
    page.get_by_role("button", name="Lire la feuille").click()
    page.get_by_text("enregistrée : 2 présents").wait_for()
    assert sorted(held.registrations.filter(attended=True).values_list("name", flat=True)) == [
        "Jeanne Martin",
        "Élise Lefèvre",
    ]
    page.get_by_role("link", name="Bilan").first.click()
    page.get_by_role("heading", name="Bilan : Atelier d’activation au Mans").wait_for()
    assert "Satisfaction : 4,5 sur 5" in page.content()
    if violations := serious_violations(page):
        failures["bilan"] = violations
    for path in ("/evenements/ambassadeurs/",):
        page.goto(base + path)
        if violations := serious_violations(page):
            failures[path] = violations
    page.get_by_role("link", name="Camille", exact=False).first.click()
    page.get_by_role("heading", name="Activité", exact=True).wait_for()
    if violations := serious_violations(page):
        failures["ambassadeur"] = violations
    assert failures == {}
