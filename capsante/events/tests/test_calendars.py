"""iCalendar: the invitation attached to the confirmation and reminder mails, and the public feeds
per event and per territory, read back with the `icalendar` library as a calendar client would;
an event on each side of a daylight-saving change keeps its local hour."""

import datetime as dt
import zoneinfo

import icalendar
import pytest
from django.test import override_settings

from capsante.events import registrations
from capsante.events.models import Event, EventFormat, EventKind, EventStatus, Registration

from .conftest import in_days, links, paris

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def calendar_parts(message) -> list:
    """The text/calendar parts of a sent mail, as a mail client finds them."""
    return [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]


def events_of(content: bytes) -> list:
    return list(icalendar.Calendar.from_ical(content).walk("VEVENT"))


def local(component, name: str) -> dt.datetime:
    return component.decoded(name).astimezone(PARIS)


def event(geography, title: str, start: dt.datetime, hours: int = 2, **fields) -> Event:
    defaults = {
        "territory": geography["sarthe"],
        "kind": EventKind.ACTIVATION_WORKSHOP,
        "commune": geography["communes"]["72181"],
        "venue": "Espace France Services",
        "status": EventStatus.PUBLISHED,
    }
    return Event.objects.create(
        title=title, starts_at=start, ends_at=start + dt.timedelta(hours=hours), **defaults | fields
    )


def test_the_confirmation_mail_carries_an_invitation_that_parses(client, workshop, sent):
    registration = registrations.register(
        workshop,
        name="Jeanne Martin",
        email="jeanne@example.org",
        audience="citoyens",
        commune=None,
        base_url="http://testserver/",
    )
    (asked,) = sent()
    assert calendar_parts(asked) == []  # nothing to add to a calendar before confirming
    registrations.confirm(registration, "http://testserver/")
    (seated,) = [m for m in sent() if "Inscription confirmée" in m.subject]
    assert "L’invitation jointe (evenement.ics)" in seated.body
    (part,) = calendar_parts(seated)
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "evenement.ics"
    content = part.get_payload(decode=True)
    cal = icalendar.Calendar.from_ical(content)
    assert cal["method"] == "PUBLISH" and cal["version"] == "2.0" and "Cap e-santé" in cal["prodid"]
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    (item,) = events_of(content)
    assert item["summary"] == workshop.title
    assert local(item, "dtstart") == workshop.starts_at
    assert local(item, "dtend").hour == 12
    assert item["dtstart"].params["TZID"] == "Europe/Paris"
    assert "dtstamp" in item and item["uid"] == f"evenement-{workshop.pk}@127.0.0.1"
    assert "Le Mans" in item["location"] and "Espace France Services" in item["location"]
    # The cancellation link of the mail is in the invitation too, and works.
    assert links(seated)["annuler"] in item["description"].replace("http://testserver", "")
    assert item["url"].endswith(f"/evenements/{workshop.pk}/")


def test_the_feeds_keep_the_local_hour_on_both_sides_of_daylight_saving_changes(client, geography):
    # 25 October 2026: Paris leaves summer time at 3 h. 29 March 2026: it enters it at 2 h.
    autumn_before = event(geography, "Samedi d’automne", paris(2026, 10, 24, 9))
    autumn_after = event(geography, "Dimanche d’automne", paris(2026, 10, 25, 9))
    spring_before = event(geography, "Samedi de printemps", paris(2026, 3, 28, 9))
    spring_after = event(geography, "Lundi de printemps", paris(2026, 3, 30, 9))
    evening = event(geography, "Soirée au changement d’heure", paris(2026, 10, 24, 20), hours=10)
    items = {}
    for e in (autumn_before, autumn_after, spring_before, spring_after, evening):
        # The event's own feed has no time window: these dates stay readable in years to come.
        response = client.get(f"/evenements/{e.pk}/agenda.ics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        (item,) = events_of(response.content)
        assert local(item, "dtstart") == e.starts_at
        items[e.title] = item
    # Same local hour, one hour apart in UTC: the offset changed, the hour did not.
    assert local(items["Samedi d’automne"], "dtstart").hour == 9
    assert local(items["Dimanche d’automne"], "dtstart").hour == 9
    assert items["Samedi d’automne"].decoded("dtstart").utcoffset() == dt.timedelta(hours=2)
    assert items["Dimanche d’automne"].decoded("dtstart").utcoffset() == dt.timedelta(hours=1)
    assert local(items["Samedi de printemps"], "dtstart").hour == 9
    assert local(items["Lundi de printemps"], "dtstart").hour == 9
    assert items["Lundi de printemps"].decoded("dtstart").utcoffset() == dt.timedelta(hours=2)
    # A night across the change lasts ten hours, not nine nor eleven.
    night = items["Soirée au changement d’heure"]
    assert night.decoded("dtend") - night.decoded("dtstart") == dt.timedelta(hours=10)
    assert local(night, "dtend").hour == 6


def test_territory_feeds_hold_public_events_only_and_the_departement_its_communes(
    client, geography
):
    sarthe, mayenne = geography["sarthe"], geography["mayenne"]
    soon = in_days(10)
    region_day = event(geography, "Journée régionale au Mans", soon, territory=geography["region"])
    in_le_mans = event(geography, "Atelier au Mans", soon)
    draft = event(geography, "Brouillon", soon, status=EventStatus.DRAFT)
    cancelled = event(geography, "Atelier annulé", soon, status=EventStatus.CANCELLED)
    laval = event(
        geography,
        "Atelier à Laval",
        soon,
        territory=mayenne,
        commune=geography["communes"]["53130"],
    )
    webinar = event(
        geography,
        "Webinaire sarthois",
        soon,
        commune=None,
        format=EventFormat.ONLINE,
        online_url="https://visio.example.org/x",
    )

    def summaries(path: str) -> dict[str, str]:
        response = client.get(path)
        assert response.status_code == 200, path
        return {str(i["summary"]): str(i["status"]) for i in events_of(response.content)}

    sarthe_feed = summaries("/evenements/agenda/departement/72.ics")
    # Organised by the région but held in Le Mans: in Sarthe's feed, as a commune's event.
    assert set(sarthe_feed) == {region_day.title, in_le_mans.title, cancelled.title, webinar.title}
    assert sarthe_feed[cancelled.title] == "CANCELLED"
    assert set(summaries("/evenements/agenda/departement/53.ics")) == {laval.title}
    assert set(summaries("/evenements/agenda/region/52.ics")) == {
        region_day.title,
        in_le_mans.title,
        cancelled.title,
        webinar.title,
        laval.title,
    }
    assert set(summaries("/evenements/agenda/commune/72181.ics")) >= {in_le_mans.title}
    assert draft.title not in summaries("/evenements/agenda/commune/72181.ics")
    # A draft has no feed, even for its editors; nor has an unknown territory.
    assert client.get(f"/evenements/{draft.pk}/agenda.ics").status_code == 404
    assert client.get("/evenements/agenda/departement/99.ics").status_code == 404
    assert client.get("/evenements/agenda/epci/247200132.ics").status_code == 404
    # UIDs are the same in every feed, and across fetches.
    uid_72 = {
        str(i["uid"])
        for i in events_of(client.get("/evenements/agenda/departement/72.ics").content)
    }
    uid_52 = {
        str(i["uid"]) for i in events_of(client.get("/evenements/agenda/region/52.ics").content)
    }
    assert uid_72 < uid_52
    assert sarthe.name == "Sarthe"


def test_the_calendar_and_the_event_page_link_their_feeds(client, workshop):
    page = client.get(f"/evenements/{workshop.pk}/").content.decode()
    assert "Ajouter à votre agenda" in page
    assert f'href="/evenements/{workshop.pk}/agenda.ics"' in page
    assert 'href="/evenements/agenda/departement/72.ics"' in page
    assert 'href="/evenements/agenda/region/52.ics"' in page
    calendar = client.get("/evenements/").content.decode()
    assert 'href="/evenements/agenda/departement/72.ics"' in calendar
    filtered = client.get("/evenements/?territoire=departement-72").content.decode()
    assert filtered.count('.ics"') >= 1


@override_settings(EVENTS_REMINDER_DAYS=2)
def test_reminders_go_once_to_confirmed_registrants_with_the_invitation(
    workshop, geography, sent, run_jobs, django_capture_on_commit_callbacks
):
    base = "http://testserver/"
    tomorrow = event(geography, "Atelier de demain", in_days(1, 14), capacity=30)
    later = event(geography, "Atelier dans dix jours", in_days(10, 14))
    people = {}
    for n, target in enumerate([tomorrow, tomorrow, tomorrow, later], 1):
        r = registrations.register(
            target,
            name=f"Personne {n}",
            email=f"p{n}@example.org",
            audience="citoyens",
            commune=None,
            base_url=base,
        )
        people[n] = r
    for n in (1, 2, 4):
        registrations.confirm(people[n], base)
    registrations.cancel(people[2], base)  # 3 never confirmed, 2 cancelled
    sent()
    before = len(sent())

    with django_capture_on_commit_callbacks(execute=True):
        job = registrations.enqueue_reminders()
    assert registrations.enqueue_reminders() is None  # one waiting is enough
    (done,) = [j for j in run_jobs() if j.kind == "event_reminders"]
    assert done.pk == job.pk and done.status == "succeeded", done.message
    assert "1\u00a0courriel mis en file" in done.message
    reminders = sent()[before:]
    assert [m.to for m in reminders] == [["p1@example.org"]]
    (reminder,) = reminders
    assert reminder.subject.startswith("Rappel : Atelier de demain")
    assert "c’est dans 2 jours" in reminder.body
    assert "annuler" in links(reminder)
    (part,) = calendar_parts(reminder)
    (item,) = events_of(part.get_payload(decode=True))
    assert item["summary"] == "Atelier de demain"
    assert local(item, "dtstart").hour == 14
    assert Registration.objects.get(pk=people[1].pk).reminded_at is not None

    # Once only: a second run mails no one.
    assert registrations.send_reminders() == 0
    assert len(sent()) == before + 1


def test_the_reminder_command_sends_now_or_queues(workshop, geography, sent):
    from io import StringIO

    from django.core.management import call_command

    # Tomorrow at 8: within the two days of the reminder whatever the hour the test runs at.
    soon = event(geography, "Atelier de demain", in_days(1, 8))
    r = registrations.register(
        soon,
        name="A",
        email="a@example.org",
        audience="citoyens",
        commune=None,
        base_url="http://testserver/",
    )
    registrations.confirm(r, "http://testserver/")
    out = StringIO()
    call_command("send_event_reminders", "--maintenant", stdout=out)
    assert "1\u00a0rappel mis en file" in out.getvalue()
    assert any(m.subject.startswith("Rappel :") for m in sent())
    out = StringIO()
    call_command("send_event_reminders", stdout=out)
    assert "en file" in out.getvalue()


def test_a_cancelled_event_sends_a_cancelling_invitation(workshop, sent):
    from capsante.events.services import save_event

    r = registrations.register(
        workshop,
        name="A",
        email="a@example.org",
        audience="citoyens",
        commune=None,
        base_url="http://testserver/",
    )
    registrations.confirm(r, "http://testserver/")
    workshop.status = EventStatus.CANCELLED
    save_event(workshop, previous_status=EventStatus.PUBLISHED)
    (message,) = [m for m in sent() if "Événement annulé" in m.subject]
    (part,) = calendar_parts(message)
    assert part.get_param("method") == "CANCEL"
    (item,) = events_of(part.get_payload(decode=True))
    assert item["status"] == "CANCELLED"
    assert str(item["uid"]).startswith(f"evenement-{workshop.pk}@")
