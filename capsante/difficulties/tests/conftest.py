import time

import pytest
from django.core import mail

from capsante.difficulties import services
from capsante.difficulties.demo import load_vendors
from capsante.difficulties.models import Product
from capsante.directory.models import CommunePostcode
from capsante.directory.search import reset_index
from capsante.outbox.services import deliver_pending
from capsante.territories.models import Level, Territory


@pytest.fixture
def world(geography, personas):
    """The fixture's communes with postcodes (Le Mans has two, Allonnes one), a homonym of
    Mayenne's "Laval" in another département, and the example list of software."""
    communes = {t.code: t for t in Territory.objects.filter(level=Level.COMMUNE)}
    isere = Territory.objects.create(level=Level.DEPARTEMENT, code="38", name="Isère")
    communes["38206"] = Territory.objects.create(
        level=Level.COMMUNE, code="38206", name="Laval", population=900, parent=isere
    )
    for code, postcode in (("72181", "72000"), ("72181", "72100"), ("72003", "72700"),
                           ("53130", "53000"), ("38206", "38190")):  # fmt: skip
        CommunePostcode.objects.create(code=postcode, commune=communes[code])
    reset_index()
    load_vendors()
    yield {"communes": communes, "weda": Product.objects.get(name="Weda"), **personas}
    reset_index()


def stamp(seconds_ago: float = 60) -> str:
    """The form's stamp as if it had been shown some time ago (a person takes a while)."""
    return services.form_stamp(time.time() - seconds_ago)


def report_data(product: Product | None, **changes) -> dict:
    data = {
        "profession": "medecin_generaliste",
        "service": "dmp",
        "software": str(product.pk) if product else "autre",
        "other_software": "",
        "description": "Le document envoyé au DMP n’apparaît pas dans Mon espace santé.",
        "commune": "Le Mans",
        "email": "docteur@example.org",
        "consent": "on",
        "site_web": "",
        "debut": stamp(),
    }
    data.update(changes)
    return data


@pytest.fixture
def sent(db):
    """The mails sent so far (the outbox delivered first, as its batch job does)."""

    def read() -> list:
        deliver_pending()
        return list(mail.outbox)

    return read
