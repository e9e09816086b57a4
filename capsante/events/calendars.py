"""iCalendar (RFC 5545) for events, written with the `icalendar` library: the invitation
attached to the confirmation and reminder mails, and the public feeds per event and per
territory that calendar clients subscribe to.

Times are written in Paris time with their VTIMEZONE (the European rules, as Google Calendar and
Outlook write them), so that an event at 9 h stays at 9 h on either side of a daylight-saving
change. An event's UID is the same in every feed and attachment (`evenement-<id>@<host>`): a
client that received both keeps one entry, and updates it (SEQUENCE follows the event's
history).
"""

import datetime as dt
from email.mime.text import MIMEText
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from capsante.territories.models import Territory
from capsante.territories.services import within

from .models import PUBLIC_STATUSES, Event, EventStatus

PRODID = "-//Cap e-santé//Événements//FR"
TZID = "Europe/Paris"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# A territory's feed: the events of the past year and every one to come.
FEED_PAST_DAYS = 365


def uid(event: Event) -> str:
    host = urlsplit(settings.PUBLIC_URL).hostname or "capsante"
    return f"evenement-{event.pk}@{host}"


def _paris_timezone() -> icalendar.Timezone:
    """Europe/Paris since 1996: summer time from the last Sunday of March at 2 h to the last
    Sunday of October at 3 h."""
    zone = icalendar.Timezone()
    zone.add("tzid", TZID)
    for name, kind, offsets, start, month in (
        ("CEST", icalendar.TimezoneDaylight, (1, 2), (1996, 3, 31, 2), 3),
        ("CET", icalendar.TimezoneStandard, (2, 1), (1996, 10, 27, 3), 10),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("tzoffsetfrom", dt.timedelta(hours=offsets[0]))
        part.add("tzoffsetto", dt.timedelta(hours=offsets[1]))
        part.add("dtstart", dt.datetime(*start))
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


def _calendar(name: str, method: str = "PUBLISH") -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add_component(_paris_timezone())
    return cal


def _local(moment: dt.datetime) -> dt.datetime:
    """The moment in Paris time, its tzinfo named Europe/Paris (written with TZID)."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def _component(event: Event, base_url: str, extra_lines: list[str] | None = None):
    # lazy: registrations imports this module for its mails' invitations.
    from .registrations import where

    base = (base_url or settings.PUBLIC_URL).rstrip("/")
    page = base + reverse("events:detail", args=[event.pk])
    item = icalendar.Event()
    item.add("uid", uid(event))
    item.add("dtstamp", timezone.now().astimezone(dt.UTC))
    item.add("dtstart", _local(event.starts_at))
    item.add("dtend", _local(event.ends_at))
    item.add("summary", event.title)
    lines = [event.description.strip()] if event.description.strip() else []
    if event.is_online and event.online_url:
        lines.append(f"Lien de connexion : {event.online_url}")
    lines.append(f"Le détail de l’événement : {page}")
    lines.extend(extra_lines or [])
    item.add("description", "\n\n".join(lines))
    item.add("location", where(event))
    item.add("url", page)
    item.add("categories", [event.get_kind_display()])
    item.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    item.add("sequence", max(event.history.count() - 1, 0))
    item.add("transp", "OPAQUE")
    if event.contact_email:
        item.add("organizer", f"mailto:{event.contact_email}")
    return item


def invitation(event: Event, base_url: str, cancel_url: str = "") -> bytes:
    """The .ics attached to a registrant's mail: the event, with the cancellation link. A
    cancelled event is sent with METHOD:CANCEL, so that clients remove it."""
    cancelled = event.status == EventStatus.CANCELLED
    cal = _calendar(event.title, "CANCEL" if cancelled else "PUBLISH")
    extra = [] if cancelled or not cancel_url else [f"Annuler votre inscription : {cancel_url}"]
    cal.add_component(_component(event, base_url, extra))
    return cal.to_ical()


def attachment(content: bytes, method: str) -> MIMEText:
    """The mail part: text/calendar with its method, shown by mail clients as an invitation."""
    part = MIMEText(content.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="evenement.ics")
    return part


def method_of(content: bytes) -> str:
    return str(icalendar.Calendar.from_ical(content).get("method", "PUBLISH"))


def public_events() -> QuerySet[Event]:
    """What a feed shows: public events only (never a draft, whoever asks)."""
    return Event.objects.filter(status__in=PUBLIC_STATUSES).select_related("commune", "territory")


def event_feed(event: Event, base_url: str) -> bytes:
    cal = _calendar(event.title)
    cal.add_component(_component(event, base_url))
    return cal.to_ical()


def territory_events(territory: Territory, now: dt.datetime | None = None) -> QuerySet[Event]:
    """The public events organised in the territory or held in one of its communes (a
    département's feed has its communes' events), of the past year and to come."""
    now = now or timezone.now()
    inside = within(territory).values("pk")
    return (
        public_events()
        .filter(Q(territory__in=inside) | Q(commune__in=inside))
        .filter(ends_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS))
        .order_by("starts_at", "pk")
    )


def territory_feed(territory: Territory, base_url: str) -> bytes:
    cal = _calendar(f"Événements e-santé — {territory.name}")
    for event in territory_events(territory):
        cal.add_component(_component(event, base_url))
    return cal.to_ical()
