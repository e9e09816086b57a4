import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail

from capsante.events.models import Event, EventFormat, EventKind, EventStatus
from capsante.outbox.services import deliver_pending

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def in_days(days: int, hour: int = 9) -> dt.datetime:
    today = dt.datetime.now(PARIS).date() + dt.timedelta(days=days)
    return dt.datetime(today.year, today.month, today.day, hour, tzinfo=PARIS)


@pytest.fixture
def workshop(geography):
    """A 30-seat activation workshop in Le Mans, next month, open to registration."""
    return Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.ACTIVATION_WORKSHOP,
        title="Atelier d’activation de Mon espace santé",
        description="Venez activer votre profil.",
        audiences=["citoyens", "mediateurs"],
        format=EventFormat.IN_PERSON,
        commune=geography["communes"]["72181"],
        venue="Espace France Services",
        address="12 rue de la Paix",
        starts_at=in_days(30, 9),
        ends_at=in_days(30, 12),
        capacity=30,
        status=EventStatus.PUBLISHED,
    )


LINK = re.compile(r"https?://\S+/evenements/inscription/(\S+)/(confirmer|annuler)/")


def links(message) -> dict[str, str]:
    """{'confirmer': url path, 'annuler': url path} found in a sent mail's body."""
    return {m.group(2): m.group(0).split("testserver", 1)[-1] for m in LINK.finditer(message.body)}


@pytest.fixture
def sent(db):
    """The mails sent so far: what the outbox holds is delivered first (as its batch job does;
    one test runs the real job)."""

    def read() -> list:
        deliver_pending()
        return list(mail.outbox)

    return read
