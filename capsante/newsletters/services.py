"""Newsletter logic: who reads and edits which list, double opt-in subscription, unsubscription
honoured at once and for ever, and an issue sent in batches by background jobs through the
outbox (one mail per subscriber, with their own unsubscribe link; a refused address is recorded
on its mail and never stops the others)."""

import hmac

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from capsante.accounts import access
from capsante.jobs import services as jobs
from capsante.outbox.models import OutgoingMail
from capsante.outbox.services import queue_mail
from capsante.territories.models import Level, Territory

from .models import Delivery, Issue, IssueStatus, MailingList, Subscriber, SubscriberStatus

_SALT = "capsante.newsletters"
CONFIRM, UNSUBSCRIBE = "confirmer", "desinscription"
BATCH_SIZE = 200


def digest(email: str) -> str:
    return salted_hmac(_SALT + ".address", email.strip().lower()).hexdigest()


# --- Who reads and edits what ---------------------------------------------------------------


def lists_for_partner(user) -> QuerySet[MailingList]:
    return MailingList.objects.filter(access.within_scope_q(user)).select_related("territory")


def list_for_editor(user, slug: str) -> MailingList:
    found = lists_for_partner(user).filter(slug=slug).first()
    if found is None:
        raise access.not_found("Liste introuvable")
    access.require(
        access.can_edit(user, found.territory),
        "Vous ne pouvez pas gérer les listes de ce territoire.",
    )
    return found


def issue_for_editor(user, pk: int) -> Issue:
    issue = Issue.objects.select_related("mailing_list__territory").filter(pk=pk).first()
    if issue is None:
        raise access.not_found("Lettre introuvable")
    list_for_editor(user, issue.mailing_list.slug)
    return issue


def editable_territories(user) -> QuerySet[Territory]:
    return access.territories_where(user, access.EDIT_ROLES, [Level.REGION, Level.DEPARTEMENT])


def with_counts(lists: QuerySet[MailingList]) -> QuerySet[MailingList]:
    return lists.annotate(
        subscribed=Count("subscribers", filter=Q(subscribers__status=SubscriberStatus.SUBSCRIBED))
    )


# --- Tokens ---------------------------------------------------------------------------------


def token(subscriber: Subscriber, purpose: str) -> str:
    return signing.dumps(
        {"s": subscriber.pk, "d": subscriber.email_digest[:16], "p": purpose}, salt=_SALT
    )


def from_token(value: str, purpose: str) -> Subscriber | None:
    max_age = settings.EVENTS_CONFIRMATION_HOURS * 3600 if purpose == CONFIRM else None
    try:
        data = signing.loads(value, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    subscriber = Subscriber.objects.select_related("mailing_list").filter(pk=data.get("s")).first()
    if subscriber is None or not hmac.compare_digest(
        subscriber.email_digest[:16], str(data.get("d"))
    ):
        return None
    return subscriber


def link(base_url: str, subscriber: Subscriber, purpose: str) -> str:
    base_url = base_url or settings.PUBLIC_URL  # outside a request: the public address
    name = "newsletters:confirm" if purpose == CONFIRM else "newsletters:unsubscribe"
    return base_url.rstrip("/") + reverse(name, args=[token(subscriber, purpose)])


# --- Subscription ---------------------------------------------------------------------------


@transaction.atomic
def subscribe(mailing_list: MailingList, email: str, name: str, base_url: str) -> Subscriber:
    """Someone subscribes themselves: a confirmation link by mail (double opt-in). Their own
    request may bring back an address that had unsubscribed; nothing is mailed to it but the
    link until they confirm."""
    email = email.strip()
    subscriber, _ = Subscriber.objects.get_or_create(
        mailing_list=mailing_list, email_digest=digest(email), defaults={"email": email}
    )
    if subscriber.status == SubscriberStatus.SUBSCRIBED:
        return subscriber  # already in: nothing to confirm, the page says the same
    subscriber.email, subscriber.name = email, name.strip()
    subscriber.status = SubscriberStatus.PENDING
    subscriber.save(update_fields=["email", "name", "status"])
    queue_mail(
        "newsletter_confirm",
        f"Confirmez votre abonnement : {mailing_list.name}",
        render_to_string(
            "newsletters/mail/confirm.txt",
            {
                "list": mailing_list,
                "subscriber": subscriber,
                "url": link(base_url, subscriber, CONFIRM),
                "hours": settings.EVENTS_CONFIRMATION_HOURS,
            },
        ),
        [email],
    )
    return subscriber


def confirm(subscriber: Subscriber) -> Subscriber:
    if subscriber.status == SubscriberStatus.PENDING:
        subscriber.status, subscriber.confirmed_at = SubscriberStatus.SUBSCRIBED, timezone.now()
        subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


@transaction.atomic
def unsubscribe(subscriber: Subscriber) -> Subscriber:
    """At once and for ever: the mails of this list not sent yet are withdrawn, and the row
    keeps only the address's digest (so that an import cannot bring it back)."""
    if subscriber.email:
        OutgoingMail.objects.filter(
            sent_at=None, kind="newsletter", recipients=[subscriber.email]
        ).filter(pk__in=Delivery.objects.filter(subscriber=subscriber).values("mail")).delete()
    subscriber.status, subscriber.unsubscribed_at = SubscriberStatus.UNSUBSCRIBED, timezone.now()
    subscriber.email = subscriber.name = ""
    subscriber.save(update_fields=["status", "unsubscribed_at", "email", "name"])
    return subscriber


def add_by_editor(mailing_list: MailingList, lines: str) -> tuple[int, int, list[str]]:
    """Addresses an editor adds (people who agreed elsewhere: a training's sign-in sheet), one
    per line, « adresse » or « Nom <adresse> ». Returns (added, refused as unsubscribed, invalid
    lines). An address that unsubscribed is never added back."""
    added = refused = 0
    invalid = []
    for line in lines.splitlines():
        text = line.strip()
        if not text:
            continue
        name, _, rest = text.partition("<")
        email = rest.rstrip(">").strip() if rest else text
        name = name.strip() if rest else ""
        try:
            validate_email(email)
        except ValidationError:
            invalid.append(text)
            continue
        existing = Subscriber.objects.filter(
            mailing_list=mailing_list, email_digest=digest(email)
        ).first()
        if existing is not None:
            refused += existing.status == SubscriberStatus.UNSUBSCRIBED
            continue
        try:
            with transaction.atomic():
                Subscriber.objects.create(
                    mailing_list=mailing_list,
                    email=email,
                    email_digest=digest(email),
                    name=name,
                    status=SubscriberStatus.SUBSCRIBED,
                    added_by_editor=True,
                    confirmed_at=timezone.now(),
                )
            added += 1
        except IntegrityError:
            continue
    return added, refused, invalid


# --- Sending --------------------------------------------------------------------------------


def send(issue: Issue, user=None, base_url: str = ""):
    """Start sending an issue: its first batch runs in the background."""
    if issue.status != IssueStatus.DRAFT:
        return None
    issue.status = IssueStatus.SENDING
    issue.save(update_fields=["status"])
    return enqueue_batch(issue, 0, base_url, user)


def enqueue_batch(issue: Issue, after: int, base_url: str, user=None):
    return jobs.submit(
        "capsante.newsletters.tasks.send_issue_batch",
        kind="newsletter",
        label=f"Envoi de la lettre « {issue.subject} »",
        user=user,
        territory=issue.mailing_list.territory,
        subject=f"issue:{issue.pk}",
        issue_id=issue.pk,
        after=after,
        base_url=base_url,
    )


@transaction.atomic
def send_batch(issue: Issue, after: int, base_url: str) -> int | None:
    """Queue the issue's mails to the next subscribers (by id, after `after`) who are subscribed
    now; returns the id to start the next batch from, or None when all are done."""
    subscribers = list(
        issue.mailing_list.subscribers.filter(status=SubscriberStatus.SUBSCRIBED, pk__gt=after)
        .exclude(deliveries__issue=issue)
        .order_by("pk")[:BATCH_SIZE]
    )
    for subscriber in subscribers:
        body = render_to_string(
            "newsletters/mail/issue.txt",
            {
                "issue": issue,
                "subscriber": subscriber,
                "unsubscribe_url": link(base_url, subscriber, UNSUBSCRIBE),
                "archive_url": (base_url or settings.PUBLIC_URL).rstrip("/")
                + reverse("newsletters:archive", args=[issue.mailing_list.slug]),
            },
        )
        mail = queue_mail("newsletter", issue.subject, body, [subscriber.email])
        Delivery.objects.create(issue=issue, subscriber=subscriber, mail=mail)
    jobs.progress("courriels mis en file", len(subscribers), BATCH_SIZE, force=True)
    if len(subscribers) < BATCH_SIZE:
        issue.status, issue.sent_at = IssueStatus.SENT, timezone.now()
        issue.save(update_fields=["status", "sent_at"])
        return None
    return subscribers[-1].pk


def report(issue: Issue) -> dict:
    """How the issue went: sent, waiting, failing (with the error, per address)."""
    deliveries = issue.deliveries.select_related("mail", "subscriber")
    sent = waiting = 0
    failures = []
    for delivery in deliveries:
        mail = delivery.mail
        if mail is None or mail.sent_at:
            sent += 1
        elif mail.last_error:
            failures.append((mail.recipients[0] if mail.recipients else "", mail.last_error))
        else:
            waiting += 1
    return {"sent": sent, "waiting": waiting, "failures": failures, "total": len(deliveries)}


# --- Event participants who asked for news -------------------------------------------------


def platform_list(slug: str, territory, name: str, description: str) -> MailingList:
    """A list the platform keeps from its own data (not open to self-subscription)."""
    mailing_list, _ = MailingList.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "territory": territory,
            "description": description,
            "open_to_public": False,
        },
    )
    return mailing_list


def participants_list(departement) -> MailingList:
    """The list of a département's event participants who asked for the organisers' news."""
    return platform_list(
        f"participants-evenements-{departement.code}",
        departement,
        f"Participants aux événements {departement.of_name}",
        "Les personnes inscrites à un événement qui ont demandé, en plus, à recevoir les "
        "prochaines informations (case facultative du formulaire d’inscription, adresse "
        "confirmée par son lien).",
    )


def take_participant(registration) -> Subscriber | None:
    """A registrant who ticked the news box and confirmed their address joins their event's
    département's list (their confirmation is the double opt-in). An address that unsubscribed
    from it stays out: ticking a box at a later registration does not bring it back."""
    if not registration.wants_news:
        return None
    event = registration.event
    territory = event.territory
    departement = territory if territory.level == "departement" else territory.parent
    if departement is None or departement.level != "departement":
        return None
    mailing_list = participants_list(departement)
    subscriber, created = Subscriber.objects.get_or_create(
        mailing_list=mailing_list,
        email_digest=digest(registration.email),
        defaults={
            "email": registration.email,
            "name": registration.name,
            "status": SubscriberStatus.SUBSCRIBED,
            "confirmed_at": timezone.now(),
        },
    )
    if not created and subscriber.status == SubscriberStatus.PENDING:
        confirm(subscriber)
    return subscriber
