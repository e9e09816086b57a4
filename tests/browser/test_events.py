"""Events in a real browser: a visitor registers to a workshop without an account, confirms by
the link of the mail (captured by the test mail backend) and receives the iCalendar invitation;
the 31st registration to a 30-seat workshop waits and is promoted when someone cancels by the
link of their mail; the calendar, event and registration pages pass axe-core."""

import re

import icalendar
import pytest
from django.core import mail

from capsante.events import registrations
from capsante.events.models import Event, EventKind, EventStatus, Registration
from capsante.events.tests.conftest import in_days
from capsante.outbox.services import deliver_pending

from .conftest import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://\S+/evenements/inscription/\S+/(?:confirmer|annuler)/")


@pytest.fixture
def workshop(live_server, geography):
    event = Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.ACTIVATION_WORKSHOP,
        title="Atelier d’activation de Mon espace santé",
        description="Venez avec votre carte Vitale.",
        audiences=["citoyens"],
        commune=geography["communes"]["72181"],
        venue="Espace France Services",
        starts_at=in_days(20, 9),
        ends_at=in_days(20, 11),
        capacity=30,
        status=EventStatus.PUBLISHED,
    )
    base = live_server.url + "/"
    for n in range(1, 30):  # 29 seats taken already
        registration = registrations.register(
            event,
            name=f"Personne {n}",
            email=f"p{n}@example.org",
            audience="citoyens",
            commune=None,
            base_url=base,
        )
        registrations.confirm(registration, base)
    deliver_pending()
    mail.outbox.clear()
    return event


def _links(address: str) -> list[str]:
    deliver_pending()
    return [link for m in mail.outbox if m.to == [address] for link in LINK.findall(m.body)]


def _register(page, base: str, event: Event, name: str, email: str) -> None:
    page.goto(f"{base}/evenements/{event.pk}/")
    page.get_by_role("link", name=re.compile("^S’inscrire")).click()
    page.get_by_label("Nom et prénom").fill(name)
    page.get_by_role("textbox", name=re.compile("^Adresse électronique")).fill(email)
    page.get_by_label("Vous êtes", exact=True).select_option("citoyens")
    page.get_by_role("combobox", name=re.compile("^Votre commune")).fill("Le Mans")
    page.locator("label[for=id_consent]").click()  # the DSFR label covers its box
    page.get_by_role("button", name="Envoyer ma demande d’inscription").click()
    page.get_by_role("heading", name="Vérifiez votre messagerie").wait_for()


def test_a_visitor_registers_confirms_and_the_waiting_list_moves_up(live_server, workshop, page):
    base = live_server.url
    _register(page, base, workshop, "Jeanne Martin", "jeanne@example.org")
    (confirm,) = _links("jeanne@example.org")
    page.goto(confirm)
    page.get_by_role("button", name="Confirmer mon inscription").click()
    page.get_by_text("Votre inscription est confirmée").wait_for()
    assert Registration.objects.get(email="jeanne@example.org").status == "confirmed"
    # The confirmation mail carries the iCalendar invitation, which a calendar client reads.
    deliver_pending()
    (seated,) = [
        m for m in mail.outbox if m.to == ["jeanne@example.org"] and "confirmée" in m.subject
    ]
    (invitation,) = [p for p in seated.message().walk() if p.get_content_type() == "text/calendar"]
    cal = icalendar.Calendar.from_ical(invitation.get_payload(decode=True))
    (item,) = cal.walk("VEVENT")
    assert cal["method"] == "PUBLISH" and item["summary"] == workshop.title
    assert item.decoded("dtstart") == workshop.starts_at

    # The 31st waits.
    page.goto(f"{base}/evenements/{workshop.pk}/")
    assert "liste d’attente" in page.content()
    _register(page, base, workshop, "Paul Durand", "paul@example.org")
    page.goto(_links("paul@example.org")[0])
    page.get_by_role("button", name="Confirmer mon inscription").click()
    page.get_by_text("liste d’attente, en position 1").wait_for()

    # Jeanne cancels by the link of her confirmation mail: Paul gets her seat and a mail.
    cancel = [link for link in _links("jeanne@example.org") if link.endswith("/annuler/")][0]
    page.goto(cancel)
    page.get_by_role("button", name="Annuler mon inscription").click()
    page.get_by_text("Votre inscription est annulée").wait_for()
    assert Registration.objects.get(email="paul@example.org").status == "confirmed"
    deliver_pending()
    assert any(
        "Une place s’est libérée" in m.subject for m in mail.outbox if m.to == ["paul@example.org"]
    )


def test_event_pages_pass_axe(live_server, workshop, page):
    base = live_server.url
    failures = {}
    for path in (
        "/evenements/",
        "/evenements/?type=atelier_activation&format=presentiel",
        f"/evenements/{workshop.pk}/",
        f"/evenements/{workshop.pk}/inscription/",
    ):
        assert page.goto(base + path).status == 200, path
        violations = serious_violations(page)
        if violations:
            failures[path] = violations
    # The form with its errors shown.
    page.goto(f"{base}/evenements/{workshop.pk}/inscription/")
    page.get_by_role("button", name="Envoyer ma demande d’inscription").click()
    page.locator(".fr-error-text").first.wait_for()
    if violations := serious_violations(page):
        failures["inscription (erreurs)"] = violations
    assert failures == {}


def test_newsletter_pages_pass_axe(live_server, geography, page):
    from capsante.newsletters.demo import load_demo_lists

    mailing_list = load_demo_lists()
    failures = {}
    for path in (
        "/lettres/",
        f"/lettres/{mailing_list.slug}/inscription/",
        f"/lettres/{mailing_list.slug}/archives/",
    ):
        assert page.goto(live_server.url + path).status == 200, path
        if violations := serious_violations(page):
            failures[path] = violations
    assert failures == {}
