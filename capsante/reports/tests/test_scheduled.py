"""Scheduled reports are mailed once per period, with their attachments."""

import datetime as dt
import io
import subprocess

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from docx import Document

from capsante.reports import committee_render, committee_report
from capsante.reports.models import Frequency, ReportKind, ReportSnapshot, ScheduledReport
from capsante.reports.services import last_complete_period


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


def test_periods_are_the_last_complete_month_or_week():
    july = last_complete_period(Frequency.MONTHLY, dt.date(2026, 7, 3))
    assert (july.key, july.start, july.end, july.label) == (
        "2026-06",
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 30),
        "juin 2026",
    )
    week = last_complete_period(Frequency.WEEKLY, dt.date(2026, 7, 8))  # a Wednesday
    assert (week.key, week.start, week.end) == (
        "2026-W27",
        dt.date(2026, 6, 29),
        dt.date(2026, 7, 5),
    )


@pytest.mark.django_db
def test_committee_report_is_mailed_once_per_period(mailbox, seeded_roadmaps, geography):
    schedule = ScheduledReport.objects.create(
        kind=ReportKind.COMMITTEE,
        territory=geography["mayenne"],
        frequency=Frequency.MONTHLY,
        recipients="comite53@example.org\ndt53@example.org",
    )
    ScheduledReport.objects.create(
        kind=ReportKind.DIGEST,
        territory=geography["sarthe"],
        frequency=Frequency.WEEKLY,
        recipients="dt72@example.org",
        active=False,
    )
    call_command("send_scheduled_reports", "--date", "2026-07-03")
    assert len(mailbox) == 1
    message = mailbox[0]
    assert message.to == ["comite53@example.org", "dt53@example.org"]
    assert message.subject == "[Cap e-santé] Rapport de comité — Mayenne — juin 2026"
    names = [name for name, _, _ in message.attachments]
    assert names[0].endswith(".pdf") and names[1].endswith(".docx")
    assert message.attachments[0][1].startswith(b"%PDF")
    schedule.refresh_from_db()
    assert schedule.last_period == "2026-06" and schedule.last_snapshot.end == dt.date(2026, 6, 30)

    call_command("send_scheduled_reports", "--date", "2026-07-20")  # same period: nothing
    assert len(mailbox) == 1 and ReportSnapshot.objects.count() == 1
    call_command("send_scheduled_reports", "--date", "2026-08-01")
    assert len(mailbox) == 2 and mailbox[1].subject.endswith("juillet 2026")


@pytest.mark.django_db
def test_weekly_digest_has_a_pdf_and_no_decisions(mailbox, seeded_roadmaps, geography):
    ScheduledReport.objects.create(
        kind=ReportKind.DIGEST,
        territory=geography["sarthe"],
        frequency=Frequency.WEEKLY,
        recipients="dt72@example.org, elu@example.org",
    )
    call_command("send_scheduled_reports", "--date", "2026-07-08")
    (message,) = mailbox
    assert message.to == ["dt72@example.org", "elu@example.org"]
    assert "Synthèse périodique — Sarthe — semaine 27 de 2026" in message.subject
    assert [name[-4:] for name, _, _ in message.attachments] == [".pdf"]
    assert ReportSnapshot.objects.get().data["meetings"] is None


def _mayenne_committee_with(decision_text: str, follow_up: str, geography):
    from capsante.committees import services as committee_services
    from capsante.committees.models import Committee, Decision

    committee = Committee.objects.create(
        name="Comité e-santé de la Mayenne", territory=geography["mayenne"]
    )
    meeting = committee_services.create_meeting(committee, date=dt.date(2026, 6, 10))
    decision = committee_services.add_decision(meeting, decision_text, "CPAM", dt.date(2026, 9, 1))
    Decision.objects.filter(pk=decision.pk).update(follow_up=follow_up)


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(content)
    run = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(run.stdout.split())


@pytest.mark.django_db
def test_control_characters_in_a_decision_do_not_break_the_mailed_report(
    mailbox, seeded_roadmaps, geography, tmp_path
):
    """Pasted from a spreadsheet, a decision may carry a vertical tab or a unit separator:
    DOCX refuses such characters; the report still goes, with the text readable."""
    _mayenne_committee_with("Relancer\x0bles EHPAD\x1f de Laval", "Courrier\x08 envoyé", geography)
    ScheduledReport.objects.create(
        kind=ReportKind.COMMITTEE,
        territory=geography["mayenne"],
        frequency=Frequency.MONTHLY,
        recipients="comite53@example.org",
    )
    call_command("send_scheduled_reports", "--date", "2026-07-03")
    (message,) = mailbox
    (_, pdf, _), (_, docx, _) = message.attachments
    cells = [c.text for t in Document(io.BytesIO(docx)).tables for r in t.rows for c in r.cells]
    assert "Relancer\nles EHPAD de Laval" in cells and "Courrier envoyé" in cells
    text = _pdf_text(pdf, tmp_path)
    assert "Relancer les EHPAD de Laval" in text and "Courrier envoyé" in text


@pytest.mark.django_db
def test_a_nul_character_in_frozen_data_does_not_break_the_documents(
    seeded_roadmaps, geography, tmp_path
):
    """NUL cannot even be stored by PostgreSQL; a snapshot read from elsewhere may hold one."""
    _mayenne_committee_with("Relancer les EHPAD", "", geography)
    data = committee_report.build(geography["mayenne"], dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    data["meetings"]["last"]["decisions"][0]["text"] = "Relancer\x00 les EHPAD"
    docx = committee_render.to_docx(data)
    cells = [c.text for t in Document(io.BytesIO(docx)).tables for r in t.rows for c in r.cells]
    assert "Relancer les EHPAD" in cells
    assert "Relancer les EHPAD" in _pdf_text(committee_render.to_pdf(data), tmp_path)


@pytest.mark.django_db
def test_one_failing_report_is_logged_and_the_others_still_go(
    mailbox, seeded_roadmaps, geography, caplog
):
    mayenne = ScheduledReport.objects.create(
        kind=ReportKind.COMMITTEE,
        territory=geography["mayenne"],
        frequency=Frequency.MONTHLY,
        recipients="comite53@example.org",
    )
    ScheduledReport.objects.create(
        kind=ReportKind.DIGEST,
        territory=geography["sarthe"],
        frequency=Frequency.MONTHLY,
        recipients="dt72@example.org",
    )
    # June's Mayenne report was frozen by an earlier version of the platform, without the
    # sections this one renders: that report cannot be made.
    ReportSnapshot.objects.create(
        kind=ReportKind.COMMITTEE,
        territory=geography["mayenne"],
        start=dt.date(2026, 6, 1),
        end=dt.date(2026, 6, 30),
        as_of=dt.date(2026, 6, 30),
        data={"kind": "committee", "territory": {"name": "Mayenne"}},
    )
    errors = io.StringIO()
    with pytest.raises(CommandError, match="1\u00a0rapport programmé non envoyé"):
        call_command("send_scheduled_reports", "--date", "2026-07-03", stderr=errors)
    assert [m.subject for m in mailbox] == [
        "[Cap e-santé] Synthèse périodique — Sarthe — juin 2026"
    ]
    assert "Rapport de comité — Mayenne (Chaque mois) : échec" in errors.getvalue()
    assert any(
        r.levelname == "ERROR" and "Mayenne" in r.getMessage() and r.exc_info
        for r in caplog.records
    )
    mayenne.refresh_from_db()
    assert mayenne.last_period == ""  # not marked as sent: the next run tries again
