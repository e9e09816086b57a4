"""Registration without an account: double opt-in by a signed link, 30 seats and a waiting list
promoted in order when someone cancels by the link of their mail."""

import datetime as dt

import pytest
from django.core import mail

from capsante.events import registrations
from capsante.events.models import EventStatus, PublicPost, Registration, RegistrationStatus
from capsante.newsletters import services as newsletters
from capsante.newsletters.models import MailingList, SubscriberStatus
from capsante.outbox.models import OutgoingMail

from .conftest import links

FORM = {
    "name": "Jeanne Martin",
    "email": "jeanne@example.org",
    "audience": "citoyens",
    "commune_name": "Le Mans",
    "organisation": "",
    "consent": "on",
}


def post_registration(client, event, address="10.0.0.1", **changes):
    data = {**FORM, **changes}
    return client.post(f"/evenements/{event.pk}/inscription/", data, REMOTE_ADDR=address)


def register_and_confirm(client, event, sent, n: int) -> Registration:
    email = f"personne{n}@example.org"
    response = post_registration(client, event, f"10.0.1.{n}", name=f"Personne {n}", email=email)
    assert response.status_code == 302, response.content.decode()[:2000]
    message = [m for m in sent() if m.to == [email]][-1]
    confirm = links(message)["confirmer"]
    assert (
        client.get(confirm).status_code == 200
    )  # a page with a button: a scanner confirms nothing
    assert Registration.objects.get(email=email).status == RegistrationStatus.PENDING
    assert client.post(confirm).status_code == 200
    return Registration.objects.get(email=email)


@pytest.mark.django_db
def test_a_visitor_registers_and_confirms_by_the_mail_link(client, workshop, sent):
    response = post_registration(client, workshop)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.PENDING
    assert registration.commune.code == "72181" and registration.consented_at is not None
    (message,) = sent()
    assert message.to == ["jeanne@example.org"]
    assert "Confirmez votre inscription" in message.subject
    assert "12 h 00" in message.body and "Le Mans" in message.body
    confirm = links(message)["confirmer"]
    client.post(confirm)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED and registration.seated_at
    seated = sent()[-1]
    assert "Inscription confirmée" in seated.subject
    assert "annuler" in links(seated)
    # A second click on the link changes nothing.
    assert client.post(confirm).status_code == 200
    assert len(sent()) == 2


@pytest.mark.django_db
def test_the_31st_registration_waits_and_is_promoted_when_someone_cancels(client, workshop, sent):
    people = [register_and_confirm(client, workshop, sent, n) for n in range(1, 33)]
    assert [p.status for p in people[:30]] == [RegistrationStatus.CONFIRMED] * 30
    assert [p.status for p in people[30:]] == [RegistrationStatus.WAITING] * 2
    workshop.refresh_from_db()
    assert workshop.status == EventStatus.FULL
    waiting_mail = [m for m in sent() if m.to == ["personne31@example.org"]][-1]
    assert "Liste d’attente" in waiting_mail.subject and "position 1" in waiting_mail.body
    assert "position 2" in [m for m in sent() if m.to == ["personne32@example.org"]][-1].body

    # Person 7 cancels by the link of their confirmation mail.
    confirmation = [m for m in sent() if m.to == ["personne7@example.org"]][-1]
    cancel = links(confirmation)["annuler"]
    assert client.get(cancel).status_code == 200
    assert Registration.objects.get(email="personne7@example.org").status == "confirmed"
    before = len(sent())
    client.post(cancel)
    assert Registration.objects.get(email="personne7@example.org").status == "cancelled"
    assert Registration.objects.get(email="personne31@example.org").status == "confirmed"
    assert Registration.objects.get(email="personne32@example.org").status == "waiting"
    promoted = sent()[before:]
    assert [m.to for m in promoted] == [["personne31@example.org"]]
    assert "Une place s’est libérée" in promoted[0].subject
    assert registrations.seats_left(workshop) == 0
    workshop.refresh_from_db()
    assert workshop.status == EventStatus.FULL

    # A waiting person who cancels frees no seat; two more seats promote the next one.
    client.post(cancel)  # the same link again: nothing more happens
    assert len(sent()) == before + 1
    workshop.capacity = 32
    from capsante.events import services

    services.save_event(workshop, base_url="http://testserver/")
    assert Registration.objects.get(email="personne32@example.org").status == "confirmed"
    workshop.refresh_from_db()
    assert workshop.status == EventStatus.PUBLISHED
    assert registrations.seats_left(workshop) == 1


@pytest.mark.django_db
def test_registering_twice_sends_the_link_again_and_says_nothing_more(client, workshop, sent):
    post_registration(client, workshop)
    post_registration(client, workshop, email="JEANNE@example.org")
    assert Registration.objects.count() == 1
    first, second = sent()
    assert links(first)["confirmer"] and links(second)["confirmer"]


@pytest.mark.django_db
def test_a_forged_altered_or_expired_link_is_refused(client, workshop, sent, settings):
    post_registration(client, workshop)
    confirm = links(sent()[0])["confirmer"]
    token = confirm.split("/")[-3]
    assert client.post(confirm.replace(token, token[:-2] + "xx")).status_code == 404
    # A cancellation link is not a confirmation link.
    registration = Registration.objects.get()
    cancel_token = registrations.token(registration, registrations.CANCEL)
    assert client.post(f"/evenements/inscription/{cancel_token}/confirmer/").status_code == 404
    settings.EVENTS_CONFIRMATION_HOURS = 0
    assert client.post(confirm).status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


@pytest.mark.django_db
def test_a_script_in_the_form_is_stored_as_text_and_shown_escaped(client, workshop, sent, personas):
    script = "<script>alert('x')</script>"
    post_registration(client, workshop, name=f"Jean {script}", organisation=script)
    registration = Registration.objects.get()
    assert registration.name == f"Jean {script}"
    client.post(links(sent()[0])["confirmer"])
    client.force_login(personas["dt72_editor"])
    page = client.get(f"/evenements/{workshop.pk}/suivi/").content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_consent_is_required_and_says_purpose_and_retention(client, workshop, settings):
    settings.EVENTS_REGISTRATION_RETENTION_MONTHS = 6
    form = client.get(f"/evenements/{workshop.pk}/inscription/").content.decode()
    assert "effacés 6 mois après l’événement" in form and "organiser cet événement" in form
    response = post_registration(client, workshop, consent="")
    assert response.status_code == 200
    assert "Votre accord est nécessaire" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_an_unknown_commune_is_refused_and_a_common_name_needs_its_departement(
    client, workshop, geography
):
    from capsante.territories.models import Level, Territory

    response = post_registration(client, workshop, commune_name="Atlantide")
    assert "Commune introuvable" in response.content.decode()
    for code, dep in (("93066", None), ("97411", None)):
        Territory.objects.create(level=Level.COMMUNE, code=code, name="Saint-Denis", parent=dep)
    response = post_registration(client, workshop, commune_name="Saint-Denis")
    assert "Plusieurs communes portent ce nom" in response.content.decode()
    assert post_registration(client, workshop, commune_name="72003").status_code == 302
    assert Registration.objects.get().commune.name == "Allonnes"


@pytest.mark.django_db
def test_a_burst_of_posts_from_one_address_is_refused(client, workshop, settings):
    settings.EVENTS_PUBLIC_POSTS_PER_HOUR = 3
    answers = [
        post_registration(client, workshop, email=f"p{n}@example.org").status_code for n in range(5)
    ]
    assert answers == [302, 302, 302, 429, 429]
    assert Registration.objects.count() == 3
    # Another address is not held back; the posts are forgotten after an hour.
    other = client.post(
        f"/evenements/{workshop.pk}/inscription/",
        {**FORM, "email": "autre@example.org"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert other.status_code == 302
    PublicPost.objects.update(posted_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert post_registration(client, workshop, email="p9@example.org").status_code == 302


@pytest.mark.django_db
def test_a_robot_filling_the_hidden_field_is_told_the_same_and_nothing_is_stored(
    client, workshop, sent
):
    response = post_registration(client, workshop, site_web="http://spam.example")
    assert response.status_code == 302
    assert not Registration.objects.exists() and sent() == []


@pytest.mark.django_db
def test_an_oversized_body_is_refused(client, workshop, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post_registration(client, workshop, name="x" * 20_000)
    assert response.status_code == 400
    response = post_registration(client, workshop, name="x" * 5_000)
    assert response.status_code == 200 and "150 caractères" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_no_registration_to_a_draft_a_cancelled_or_a_past_event(client, workshop):
    for status in (EventStatus.CANCELLED, EventStatus.HELD):
        workshop.status = status
        workshop.save()
        assert post_registration(client, workshop).status_code == 200
    workshop.status = EventStatus.DRAFT
    workshop.save()
    assert post_registration(client, workshop).status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_cancelling_the_event_tells_everyone_registered(client, workshop, sent, personas):
    register_and_confirm(client, workshop, sent, 1)
    from capsante.events import services

    before = len(sent())
    services.save_event(
        _with_status(workshop, EventStatus.CANCELLED), previous_status=EventStatus.PUBLISHED
    )
    (message,) = sent()[before:]
    assert "Événement annulé" in message.subject and message.to == ["personne1@example.org"]


def _with_status(event, status):
    event.status = status
    return event


@pytest.mark.django_db
def test_mails_leave_from_the_outbox_in_a_background_job(
    client, workshop, run_jobs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_registration(client, workshop)
    assert OutgoingMail.objects.filter(sent_at=None).count() == 1 and mail.outbox == []
    jobs = run_jobs()
    assert [j.kind for j in jobs] == ["mail"] and jobs[0].status == "succeeded"
    assert [m.to for m in mail.outbox] == [["jeanne@example.org"]]


@pytest.mark.django_db
def test_mails_made_outside_a_request_link_to_the_public_address(workshop, sent, settings):
    settings.PUBLIC_URL = "https://cap-esante.example.fr"
    registrations.register(
        workshop, name="A", email="a@example.org", audience="citoyens", commune=None, base_url=""
    )
    assert "https://cap-esante.example.fr/evenements/inscription/" in sent()[0].body


@pytest.mark.django_db
def test_who_asks_for_news_joins_the_departements_list_once_their_address_is_confirmed(
    client, workshop, sent
):
    def subscribed() -> set[str]:
        found = MailingList.objects.filter(slug="participants-evenements-72").first()
        if found is None:
            return set()
        rows = found.subscribers.filter(status=SubscriberStatus.SUBSCRIBED)
        return set(rows.values_list("email", flat=True))

    # Jeanne ticks the box, Paul does not; neither is on the list before confirming.
    post_registration(client, workshop, news="on")
    post_registration(client, workshop, "10.0.0.2", name="Paul", email="paul@example.org")
    assert subscribed() == set()
    for message in sent():
        client.post(links(message)["confirmer"])
    assert subscribed() == {"jeanne@example.org"}
    assert Registration.objects.get(email="jeanne@example.org").wants_news
    # Once unsubscribed, a later registration with the box ticked does not bring her back.
    mailing_list = MailingList.objects.get(slug="participants-evenements-72")
    newsletters.unsubscribe(mailing_list.subscribers.get(email="jeanne@example.org"))
    later = Registration.objects.get(email="jeanne@example.org")
    registrations.address_confirmed.send(sender=Registration, registration=later)
    assert subscribed() == set()
