"""Queue a mail with the change that causes it; send it after commit; retry what failed."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

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


def queue_mail(kind: str, subject: str, body: str, recipients: list[str]) -> OutgoingMail:
    """Record the mail now; send it once the surrounding transaction has committed."""
    mail = OutgoingMail.objects.create(
        kind=kind, subject=subject[:300], body=body, recipients=sorted(set(recipients))
    )
    transaction.on_commit(lambda: deliver(mail.pk), robust=True)
    return mail


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
