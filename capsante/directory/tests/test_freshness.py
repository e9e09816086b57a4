"""Freshness: owners reminded through the outbox, flags for the partners, error reports that
reach the owner, are rate-limited, and forget the reporter's address once dealt with."""

import datetime as dt
import re

import pytest

from capsante.directory import easy_texts, services
from capsante.directory.models import ErrorReport
from capsante.outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db


def test_owners_of_stale_resources_are_reminded_once_a_month(directory_world, settings):
    run = services.send_reminders("https://cap.example")
    assert (run.mails, run.resources) == (1, 1)
    sent = OutgoingMail.objects.get(kind="directory_reminder")
    assert sent.recipients == ["cpam72.contributeur@demo.cap-esante.invalid"]
    assert "Permanence des ambassadeurs du Mans" in sent.body
    assert "https://cap.example/ressources/" in sent.body
    assert services.send_reminders("https://cap.example").mails == 0
    later = dt.date.today() + dt.timedelta(days=31)
    assert services.send_reminders("https://cap.example", today=later).mails == 1


def test_the_partners_home_page_counts_what_to_verify(client, directory_world, personas):
    client.force_login(personas["cpam72_contributor"])
    html = client.get("/").content.decode()
    assert re.search(
        r"1 fiche non vérifiée depuis plus de six mois, dont 1 dont vous êtes responsable", html
    )
    client.logout()
    assert "non vérifiée" not in client.get("/").content.decode()


def test_verifying_a_resource_dates_it_today(client, directory_world, personas):
    stale = directory_world["stale"]
    client.force_login(personas["cpam72_contributor"])
    assert client.post(f"/ressources/{stale.pk}/verifier/").status_code == 302
    stale.refresh_from_db()
    assert stale.verified_on == dt.date.today() and stale.reminded_on is None


def test_an_error_report_reaches_the_owner_and_is_rate_limited(client, directory_world):
    resource = directory_world["fs_mans"]
    url = f"/ressources/{resource.pk}/signaler/"
    message = {"message": "Fermé le vendredi désormais", "email": "usager@example.org"}
    response = client.post(url, message)
    assert response.status_code == 302
    report = ErrorReport.objects.get()
    assert report.reporter_email == "usager@example.org" and report.sender_key
    told = OutgoingMail.objects.get(kind="directory_error_report")
    assert told.recipients == ["cpam72.contributeur@demo.cap-esante.invalid"]
    assert "usager@example.org" not in told.body
    for _ in range(services.REPORTS_PER_SENDER_PER_HOUR - 1):
        client.post(url, message)
    refused = client.post(url, message)
    assert refused.status_code == 429 and "plus tard" in refused.content.decode()
    assert ErrorReport.objects.count() == services.REPORTS_PER_SENDER_PER_HOUR
    assert OutgoingMail.objects.filter(kind="directory_error_report").count() == 5


def test_dealing_with_a_report_erases_the_reporter_address(client, directory_world, personas):
    report = ErrorReport.objects.create(
        resource=directory_world["fs_mans"],
        message="Adresse fausse",
        reporter_email="a@b.fr",
        sender_key="k",
    )
    client.force_login(personas["dt53_editor"])
    assert client.post(f"/ressources/signalements/{report.pk}/traiter/").status_code == 404
    client.force_login(personas["cpam72_contributor"])
    assert client.post(f"/ressources/signalements/{report.pk}/traiter/").status_code == 302
    report.refresh_from_db()
    assert report.resolved_at is not None and report.reporter_email == ""


def test_old_reports_forget_their_address_whatever_happens(directory_world, settings):
    report = ErrorReport.objects.create(
        resource=directory_world["fs_mans"],
        message="x" * 10,
        reporter_email="a@b.fr",
        sender_key="k",
    )
    ErrorReport.objects.filter(pk=report.pk).update(
        created_at=report.created_at
        - dt.timedelta(days=settings.DIRECTORY_REPORT_RETENTION_DAYS + 1)
    )
    assert services.erase_old_reporter_emails() == 1
    report.refresh_from_db()
    assert (report.reporter_email, report.sender_key) == ("", "")


# The FALC rules a machine can check (docs/facile-a-lire.md).
AVOIDED = re.compile(
    r"\b(DMP|MSS|MSSanté|INS|CPAM|ARS|GRADeS|téléexpertise|numérique en santé|e-santé|"
    r"dématérialis\w*|cyber\w*|via|cf|etc)\b",
    re.IGNORECASE,
)


def _easy_lines():
    texts = easy_texts.texts()
    for section in texts.values():
        for key, value in section.items():
            if isinstance(value, list):
                yield from ((f"{key}", line) for line in value)


def test_easy_to_read_texts_follow_the_falc_rules():
    from capsante.ingest.connectors.directory import vocabulary
    from capsante.ui.pdf import DSFR_STATIC

    pictograms = DSFR_STATIC / "dsfr" / "dist" / "artwork" / "pictograms"
    lines = list(_easy_lines())
    assert len(lines) > 15
    terms = [*vocabulary.KINDS, *vocabulary.NEEDS]
    checked = [(line["text"], line["pictogram"]) for _, line in lines]
    checked += [(term.easy, term.pictogram) for term in terms]
    for text, pictogram in checked:
        assert len(text.split()) <= 15, text
        assert len(re.findall(r"[.!?](\s|$)", text)) <= 1, f"one idea per line: {text}"
        assert not AVOIDED.search(text), f"everyday words: {text}"
        assert (pictograms / f"{pictogram}.svg").exists(), f"a picture for each idea: {text}"
