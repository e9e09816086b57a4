"""Scheduled reports are mailed once per period, with their attachments."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

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
