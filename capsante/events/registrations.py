"""Registration without an account: double opt-in by a signed link, seats and the waiting list,
cancellation by a link in every mail, attendance, and erasure some months after the event.

Every mail goes through the outbox (sent after commit by a background job). A registration
holds a seat only once its address is confirmed; the waiting list is served in the order people
confirmed, and a freed seat goes to the first of them at once, with a mail.
"""

import datetime as dt
import hashlib
import hmac
from collections import Counter

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from capsante.jobs import services as jobs
from capsante.jobs.models import Job, JobStatus
from capsante.outbox.services import queue_mail
from capsante.territories.models import Level, Territory
from capsante.ui import formats

from . import calendars
from .models import (
    OPEN_STATUSES,
    Event,
    EventStatus,
    MailCalendar,
    PublicPost,
    Registration,
    RegistrationStatus,
    Tally,
)
from .signals import address_confirmed  # sent here; its home keeps start-up light

ACTIVE = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
CONFIRM, CANCEL = "confirmer", "annuler"
_SALT = "capsante.events.registration"
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class RegistrationClosed(Exception):
    """The event takes no registration (draft, cancelled, held, started, or closed)."""


# --- Tokens ---------------------------------------------------------------------------------


def _email_mark(email: str) -> str:
    """A short keyed digest of the address: a token names its registration and its address."""
    return salted_hmac(_SALT, email.strip().lower()).hexdigest()[:12]


def token(registration: Registration, purpose: str) -> str:
    return signing.dumps(
        {"r": registration.pk, "e": _email_mark(registration.email), "p": purpose}, salt=_SALT
    )


def from_token(value: str, purpose: str) -> Registration | None:
    """The registration a link names, or None: a forged, altered, expired (for confirmation)
    or erased one."""
    max_age = dt.timedelta(hours=settings.EVENTS_CONFIRMATION_HOURS) if purpose == CONFIRM else None
    try:
        data = signing.loads(value, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    registration = (
        Registration.objects.select_related("event__commune", "event__territory")
        .filter(pk=data.get("r"))
        .first()
    )
    if registration is None or not hmac.compare_digest(
        _email_mark(registration.email), str(data.get("e"))
    ):
        return None
    return registration


def link(base_url: str, registration: Registration, purpose: str) -> str:
    name = "events:confirm" if purpose == CONFIRM else "events:cancel"
    return base_url.rstrip("/") + reverse(name, args=[token(registration, purpose)])


# --- A burst of posts from one address ------------------------------------------------------


def client_hash(address: str) -> str:
    """The sender's address, keyed and hashed: enough to count its posts, not to read it."""
    return hashlib.sha256(salted_hmac(_SALT + ".client", address or "").digest()).hexdigest()


def too_many_posts(form: str, client: str, now: dt.datetime | None = None) -> bool:
    """Record a post to a public form; True when the address posted more than the hourly limit
    (what is older than an hour is forgotten)."""
    now = now or timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    PublicPost.objects.filter(posted_at__lt=hour_ago).delete()
    recent = PublicPost.objects.filter(form=form, client_hash=client, posted_at__gte=hour_ago)
    if recent.count() >= settings.EVENTS_PUBLIC_POSTS_PER_HOUR:
        return True
    PublicPost.objects.create(form=form, client_hash=client)
    return False


# --- Seats ----------------------------------------------------------------------------------


def seats_taken(event: Event) -> int:
    return event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()


def seats_left(event: Event) -> int | None:
    """Free seats (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - seats_taken(event), 0)


def waiting_list(event: Event) -> QuerySet[Registration]:
    return event.registrations.filter(status=RegistrationStatus.WAITING).order_by(
        "confirmed_at", "pk"
    )


def waiting_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = waiting_list(registration.event).values_list("pk", flat=True)
    return list(ahead).index(registration.pk) + 1


def accepts_registrations(event: Event, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return event.status in OPEN_STATUSES and event.registration_open and now < event.starts_at


def _locked(event: Event) -> Event:
    """The event, its row locked until the transaction ends (PostgreSQL; SQLite's immediate
    transactions serialise writers already): two confirmations never take the last seat twice."""
    return Event.objects.select_for_update().get(pk=event.pk)


def _sync_full(event: Event) -> None:
    """An open event is "full" while every seat is taken, "published" again when one frees."""
    if event.status not in OPEN_STATUSES:
        return
    full = event.capacity is not None and seats_taken(event) >= event.capacity
    status = EventStatus.FULL if full else EventStatus.PUBLISHED
    if status != event.status:
        event.status = status
        event.save(update_fields=["status"])


# --- The steps of a registration ------------------------------------------------------------


@transaction.atomic
def register(
    event: Event,
    *,
    name: str,
    email: str,
    audience: str,
    commune: Territory | None,
    organisation: str = "",
    client: str = "",
    base_url: str,
    wants_news: bool = False,
) -> Registration:
    """Record a request and mail its confirmation link. The same address asking again gets
    the mail again (its link, or its cancellation link), never a second registration; the page
    says the same in every case, so that it tells no one who registered."""
    if not accepts_registrations(event):
        raise RegistrationClosed(event.pk)
    email = email.strip()
    existing = (
        event.registrations.filter(email__iexact=email, status__in=ACTIVE).order_by("pk").first()
    )
    if existing is not None:
        _mail(
            existing,
            "again" if existing.status != RegistrationStatus.PENDING else "confirm",
            base_url,
        )
        return existing
    registration = Registration.objects.create(
        event=event,
        name=name.strip(),
        email=email,
        audience=audience,
        commune=commune,
        organisation=organisation.strip(),
        consented_at=timezone.now(),
        client_hash=client,
        wants_news=wants_news,
    )
    _mail(registration, "confirm", base_url)
    return registration


@transaction.atomic
def confirm(registration: Registration, base_url: str) -> Registration:
    """The address is confirmed: a seat if one is free, else the waiting list."""
    event = _locked(registration.event)
    registration.refresh_from_db()
    if registration.status != RegistrationStatus.PENDING:
        return registration  # a second click changes nothing
    if not accepts_registrations(event):
        raise RegistrationClosed(event.pk)
    now = timezone.now()
    registration.confirmed_at = now
    left = seats_left(event)
    if left is None or left > 0:
        registration.status, registration.seated_at = RegistrationStatus.CONFIRMED, now
    else:
        registration.status = RegistrationStatus.WAITING
    registration.save(update_fields=["status", "confirmed_at", "seated_at"])
    registration.event = event
    # The address is now confirmed: the newsletters may take it (if its owner asked).
    address_confirmed.send(sender=Registration, registration=registration)
    _mail(registration, "seated" if registration.seated_at else "waiting", base_url)
    _sync_full(event)
    return registration


@transaction.atomic
def cancel(registration: Registration, base_url: str) -> Registration:
    """Cancelled by its link: a freed seat goes to the first on the waiting list."""
    event = _locked(registration.event)
    registration.refresh_from_db()
    if registration.status not in ACTIVE:
        return registration
    held_a_seat = registration.status == RegistrationStatus.CONFIRMED
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    if held_a_seat:
        _promote(event, base_url)
    _sync_full(event)
    return registration


@transaction.atomic
def refresh_seats(event: Event, base_url: str = "") -> None:
    """After an editor's change (more seats, reopened): the waiting list moves up, and the
    event is full or open as its seats say."""
    event = _locked(event)
    if event.status in OPEN_STATUSES:
        _promote(event, base_url)
    _sync_full(event)


def _promote(event: Event, base_url: str) -> list[Registration]:
    promoted = []
    left = seats_left(event)
    for registration in waiting_list(event):
        if left is not None and left <= 0:
            break
        registration.status, registration.seated_at = (
            RegistrationStatus.CONFIRMED,
            timezone.now(),
        )
        registration.save(update_fields=["status", "seated_at"])
        registration.event = event
        _mail(registration, "promoted", base_url)
        promoted.append(registration)
        left = None if left is None else left - 1
    return promoted


def announce_cancellation(event: Event, base_url: str = "") -> int:
    """The event is cancelled: everyone holding a seat or waiting is told."""
    people = event.registrations.filter(
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
    )
    for registration in people:
        registration.event = event
        _mail(registration, "event_cancelled", base_url)
    return len(people)


# --- Mails ----------------------------------------------------------------------------------

SUBJECTS = {
    "confirm": "Confirmez votre inscription : {title}",
    "again": "Votre inscription : {title}",
    "seated": "Inscription confirmée : {title}",
    "waiting": "Liste d’attente : {title}",
    "promoted": "Une place s’est libérée : {title}",
    "event_cancelled": "Événement annulé : {title}",
    "reminder": "Rappel : {title}, {when}",
}
# The mails that carry the event as an iCalendar invitation (to add it to one's calendar).
WITH_INVITATION = ("seated", "promoted", "reminder", "event_cancelled")


def when(event: Event) -> str:
    """« jeudi 12 octobre 2023, de 9 h 00 à 17 h 30 » in Paris time, over several days if so."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)

    def day(moment: dt.datetime) -> str:
        return f"{WEEKDAYS[moment.weekday()]} {formats.day(moment.date())}"

    def hour(moment: dt.datetime) -> str:
        return f"{moment.hour} h {moment.minute:02d}"

    if start.date() == end.date():
        return f"{day(start)}, de {hour(start)} à {hour(end)}"
    return f"du {day(start)}, {hour(start)}, au {day(end)}, {hour(end)}"


def where(event: Event) -> str:
    parts = [p for p in (event.venue, event.address) if p]
    if event.commune_id:
        parts.append(event.commune.name)
    place = ", ".join(parts)
    if event.is_online and event.is_in_person:
        return f"{place} et en ligne" if place else "en ligne"
    if event.is_online:
        return "en ligne"
    return place or "lieu à préciser"


def _mail(registration: Registration, kind: str, base_url: str) -> None:
    event = registration.event
    # Outside a request (a change in the admin, a command): the platform's public address.
    base_url = base_url or settings.PUBLIC_URL
    cancel_url = link(base_url, registration, CANCEL)
    context = {
        "registration": registration,
        "event": event,
        "kind": kind,
        "when": when(event),
        "where": where(event),
        "confirm_url": link(base_url, registration, CONFIRM) if kind == "confirm" else "",
        "cancel_url": cancel_url,
        "event_url": base_url.rstrip("/") + reverse("events:detail", args=[event.pk]),
        "confirmation_hours": settings.EVENTS_CONFIRMATION_HOURS,
        "position": waiting_position(registration) or "",
        "online_url": event.online_url if event.is_online else "",
        "retention_months": settings.EVENTS_REGISTRATION_RETENTION_MONTHS,
        "invitation": kind in WITH_INVITATION,
        "reminder_days": settings.EVENTS_REMINDER_DAYS,
    }
    mail = queue_mail(
        f"event_{kind}",
        SUBJECTS[kind].format(title=event.title, when=when(event)),
        render_to_string("events/mail/registration.txt", context),
        [registration.email],
    )
    if kind in WITH_INVITATION:
        MailCalendar.objects.create(
            mail=mail, content=calendars.invitation(event, base_url, cancel_url)
        )


def mail_attachments(mail) -> list:
    """The outbox's hook: the invitation kept beside a mail, as its text/calendar part."""
    if not mail.kind.startswith("event_"):
        return []
    stored = MailCalendar.objects.filter(mail=mail).first()
    if stored is None:
        return []
    content = bytes(stored.content)
    return [calendars.attachment(content, calendars.method_of(content))]


# --- After the event ------------------------------------------------------------------------


@transaction.atomic
def record_attendance(
    event: Event,
    present: set[int],
    participants: int | None,
    note: str = "",
    scores: dict[int, int | None] | None = None,
) -> Event:
    """Who of the registrants came, and how many people in all (walk-ins included); with
    `scores`, the satisfaction (1 to 5, or None) each registrant gave."""
    if event.registrations_purged_at is None:
        for registration in event.registrations.filter(
            status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
        ):
            attended = registration.pk in present
            score = registration.satisfaction
            if scores is not None:
                score = scores.get(registration.pk)
            if registration.attended != attended or registration.satisfaction != score:
                registration.attended, registration.satisfaction = attended, score
                registration.save(update_fields=["attended", "satisfaction"])
    event.participants = participants
    event.attendance_note = note
    event.save(update_fields=["participants", "attendance_note"])
    return event


def retention_cutoff(now: dt.datetime, months: int) -> dt.datetime:
    """`now` moved back by whole months (the last day of a shorter month if need be)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in range(now.day, 0, -1):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def purge_registrations(now: dt.datetime | None = None, months: int | None = None) -> dict:
    """Erase the registrations of the events ended more than `months` months ago (the setting
    by default), keeping their counts by audience and commune; forget the requests never
    confirmed once their link has expired. Returns what was done, for the command to say."""
    now = now or timezone.now()
    months = settings.EVENTS_REGISTRATION_RETENTION_MONTHS if months is None else months
    cutoff = retention_cutoff(now, months)
    events = list(Event.objects.filter(ends_at__lt=cutoff, registrations_purged_at=None))
    erased = 0
    for event in events:
        counts: Counter = Counter()
        present: Counter = Counter()
        scores: dict[tuple, Counter] = {}
        for audience, commune_id, status, attended, score in event.registrations.values_list(
            "audience", "commune_id", "status", "attended", "satisfaction"
        ):
            if status == RegistrationStatus.CONFIRMED or attended:
                counts[(audience, commune_id)] += 1
            if attended:
                present[(audience, commune_id)] += 1
            if score and (status == RegistrationStatus.CONFIRMED or attended):
                scores.setdefault((audience, commune_id), Counter())[str(score)] += 1
        Tally.objects.bulk_create(
            [
                Tally(
                    event=event,
                    audience=audience,
                    commune_id=commune_id,
                    registered=number,
                    attended=present[(audience, commune_id)],
                    satisfaction=dict(sorted(scores.get((audience, commune_id), {}).items())),
                )
                for (audience, commune_id), number in sorted(counts.items(), key=str)
            ]
        )
        erased += event.registrations.all().delete()[0]
        event.registrations_purged_at = now
        event.save(update_fields=["registrations_purged_at"])
    expired = now - dt.timedelta(hours=settings.EVENTS_CONFIRMATION_HOURS)
    unconfirmed = Registration.objects.filter(
        status=RegistrationStatus.PENDING, created_at__lt=expired
    ).delete()[0]
    return {"events": len(events), "registrations": erased, "unconfirmed": unconfirmed}


def find_commune(text: str, near: Territory | None = None) -> tuple[Territory | None, str]:
    """The commune a visitor typed: its name (with its département code when the name is
    common, « Saint-Denis (93) »), or its INSEE code; among same-named communes, the one in the
    event's département. Returns (commune, error message)."""
    text = " ".join(text.split())
    if not text:
        return None, ""
    communes = Territory.objects.filter(level=Level.COMMUNE)
    if text.isdigit() and len(text) == 5:
        found = list(communes.filter(code=text)[:2])
    else:
        name, _, rest = text.partition("(")
        code = rest.rstrip(")").strip()
        found = list(communes.filter(name__iexact=name.strip()).select_related("parent")[:50])
        if code:
            found = [c for c in found if c.parent and c.parent.code == code]
        if len(found) > 1 and near is not None:
            nearby = [c for c in found if c.parent_id in (near.pk, near.parent_id)]
            found = nearby or found
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, "Commune introuvable : écrivez son nom, ou son code INSEE."
    return (
        None,
        "Plusieurs communes portent ce nom : ajoutez le numéro du département, par exemple « Saint-Denis (93) ».",
    )


def counts_by(event: Event, field: str) -> list[tuple[str, int, int]]:
    """(audience or commune, registered, present) for an event, from its registrations or,
    once they are erased, from their tallies."""
    registered: Counter = Counter()
    present: Counter = Counter()
    if event.registrations_purged_at is not None:
        for tally in event.tallies.select_related("commune"):
            key = _key(tally, field)
            registered[key] += tally.registered
            present[key] += tally.attended
    else:
        for registration in event.registrations.select_related("commune").exclude(
            status__in=[RegistrationStatus.PENDING, RegistrationStatus.CANCELLED]
        ):
            key = _key(registration, field)
            if registration.status == RegistrationStatus.CONFIRMED or registration.attended:
                registered[key] += 1
            if registration.attended:
                present[key] += 1
    return [(key, registered[key], present[key]) for key in sorted(registered)]


def _key(row, field: str) -> str:
    if field == "audience":
        return str(row.get_audience_display())
    return row.commune.name if row.commune_id else "Commune non renseignée"


# --- Reminders ------------------------------------------------------------------------------


def send_reminders(now: dt.datetime | None = None, base_url: str = "") -> int:
    """Remind every confirmed registrant of the events starting within the next
    `CAPSANTE_EVENTS_REMINDER_DAYS` days, once (the reminder is dated on the registration, in
    the same transaction as its mail). Returns the number of reminders queued."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=settings.EVENTS_REMINDER_DAYS)
    due = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        reminded_at=None,
        event__status__in=OPEN_STATUSES,
        event__starts_at__gt=now,
        event__starts_at__lte=horizon,
    ).select_related("event__commune", "event__territory")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            registration = (
                due.select_for_update(of=("self",)).filter(pk=pk, reminded_at=None).first()
            )
            if registration is None:
                continue  # reminded by another run meanwhile
            registration.reminded_at = now
            registration.save(update_fields=["reminded_at"])
            _mail(registration, "reminder", base_url)
            sent += 1
    return sent


REMINDERS_TASK = "capsante.events.tasks.send_event_reminders"


def enqueue_reminders():
    """The daily reminders as a background job (one waiting is enough); None if one waits."""
    if Job.objects.filter(kind="event_reminders", status=JobStatus.QUEUED).exists():
        return None
    return jobs.submit(
        REMINDERS_TASK,
        kind="event_reminders",
        label="Rappels des événements",
        base_url=settings.PUBLIC_URL,
    )
