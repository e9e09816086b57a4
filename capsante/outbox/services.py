"""Queue a mail with the change that causes it; send it after commit, from a background job
(never inside the request); retry what failed."""

import datetime as dt
import logging
from collections.abc import Callable
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from capsante.jobs import services as jobs
from capsante.jobs.models import Job, JobStatus
from capsante.ui.hooks import Hooks

from .models import OutgoingMail

log = logging.getLogger(__name__)
# Waits between attempts: a few minutes, then hours; after the last, the mail stays unsent and
# visible in the admin with its error.
RETRY_DELAYS = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)


BATCH_TASK = "capsante.outbox.tasks.send_mail_batch"

# Parts a domain adds to its mails when they are sent (the events' iCalendar invitations):
# functions (mail) -> list of MIME parts, registered by the domain's AppConfig.ready() by
# dotted path and imported when a mail is first sent (start-up imports none of the domain's
# services). The outbox stores no attachment itself; the domain keeps it beside the mail,
# deleted with it.
Attachments = Callable[[OutgoingMail], list[MIMEBase]]
_attachments = Hooks("attachments of mails")


def register_attachments(provider: str) -> None:
    """`provider`: the dotted path of an `Attachments` function."""
    _attachments.register(provider)


def attachment_providers() -> list[Attachments]:
    """The registered providers of attachments, imported."""
    return _attachments.functions()


def queue_mail(kind: str, subject: str, body: str, recipients: list[str]) -> OutgoingMail:
    """Record the mail now; a mail batch job sends it once the surrounding transaction has
    committed (or `capsante send_pending_mail`, whichever comes first)."""
    mail = OutgoingMail.objects.create(
        kind=kind,
        subject=subject[:300],
        body=body,
        recipients=sorted(set(recipients)),
        next_attempt_at=timezone.now(),
    )
    enqueue_batch()
    return mail


def enqueue_batch(run_after: dt.datetime | None = None) -> Job | None:
    """One mail batch waiting is enough: it sends every mail due when it runs."""
    waiting = Job.objects.filter(kind="mail", status=JobStatus.QUEUED)
    if run_after is None and waiting.exclude(arguments__has_key="run_after").exists():
        return None
    if run_after is not None and waiting.exists():
        return None
    return jobs.submit(
        BATCH_TASK,
        kind="mail",
        label="Envoi des courriels en attente",
        run_after=run_after,
    )


def next_retry() -> dt.datetime | None:
    return (
        OutgoingMail.objects.filter(sent_at=None, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def deliver(pk: int) -> bool:
    """Try to send one mail; record the outcome. Never raises for a mail server's failure."""
    mail = OutgoingMail.objects.filter(pk=pk, sent_at=None).first()
    if mail is None:
        return False
    message = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=mail.recipients,
    )
    for provider in attachment_providers():
        for part in provider(mail):
            message.attach(part)
    mail.attempts += 1
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server is recorded
        delay = RETRY_DELAYS[min(mail.attempts, len(RETRY_DELAYS)) - 1]
        mail.last_error = f"{type(exc).__name__} : {exc}"[:500]
        mail.next_attempt_at = (
            timezone.now() + delay if mail.attempts <= len(RETRY_DELAYS) else None
        )
        mail.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        log.warning("courriel n° %s non envoyé (tentative %s) : %s", pk, mail.attempts, exc)
        return False
    mail.sent_at, mail.next_attempt_at, mail.last_error = timezone.now(), None, ""
    mail.save(update_fields=["attempts", "sent_at", "next_attempt_at", "last_error"])
    return True


def deliver_pending(now: dt.datetime | None = None) -> tuple[int, int]:
    """Send the mails whose retry time has come; forget sent ones past their retention.

    Returns (sent, still failing).
    """
    now = now or timezone.now()
    due = OutgoingMail.objects.filter(sent_at=None, next_attempt_at__lte=now).values_list(
        "pk", flat=True
    )
    sent = failed = 0
    for pk in list(due):
        if deliver(pk):
            sent += 1
        else:
            failed += 1
    # Addresses are personal data: a sent mail is kept only as long as it may be asked about.
    retention = dt.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    OutgoingMail.objects.filter(sent_at__lt=now - retention).delete()
    return sent, failed
