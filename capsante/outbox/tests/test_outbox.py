"""A mail server that fails never undoes a change, never stops the others, and is retried."""

import socket

import pytest
from django.core import mail

from capsante.indicators import services
from capsante.indicators.models import Indicator, IndicatorValue, ManualStatus, Target
from capsante.outbox.models import OutgoingMail
from capsante.outbox.services import deliver_pending


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def _months_before(period: str, count: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:]) - 1 - count
    return f"{index // 12}-{index % 12 + 1:02d}"


@pytest.fixture
def failing_smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    return settings


@pytest.mark.django_db
def test_a_validation_stands_when_the_mail_server_is_down_and_its_alert_goes_later(
    geography, personas, failing_smtp, django_capture_on_commit_callbacks, run_jobs
):
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    sarthe, mayenne = geography["sarthe"], geography["mayenne"]
    month = services.current_month()
    earlier = [_months_before(month, n) for n in (3, 2, 1)]
    for territory in (sarthe, mayenne):
        for period in earlier:
            IndicatorValue.objects.create(
                indicator=indicator, territory=territory, period=period, value=2.0
            )
        Target.objects.update_or_create(
            indicator=indicator,
            territory=territory,
            defaults={
                "target_value": 30,
                "deadline": earlier[-1],  # passed, and far from reached: off track
                "baseline_period": earlier[0],
                "status": "en_bonne_voie",  # the validated figure below will worsen it
            },
        )
    entries = [
        services.propose_manual_value(
            personas["ars_admin"], indicator, territory, month, 2.0, "Courrier CPAM"
        )
        for territory in (sarthe, mayenne)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for entry, reviewer in zip(
            entries, (personas["dt72_editor"], personas["dt53_editor"]), strict=True
        ):
            services.review_manual_value(reviewer, entry, accept=True)
    # Nothing was sent inside the validations: a mail batch job was queued, and now runs.
    assert OutgoingMail.objects.filter(attempts=0).count() >= 2
    batches = run_jobs()
    assert [j.kind for j in batches] == ["mail"] and batches[0].status == "succeeded"
    # Both validations stand, both targets were assessed, although no mail could leave.
    for entry in entries:
        entry.refresh_from_db()
        assert entry.status == ManualStatus.VALIDATED
        assert IndicatorValue.objects.get(manual_entry=entry, is_current=True).value == 2.0
    statuses = Target.objects.filter(indicator=indicator, territory__in=[sarthe, mayenne])
    assert set(statuses.values_list("status", flat=True)) == {"hors_trajectoire"}
    waiting = OutgoingMail.objects.filter(sent_at=None)
    assert waiting.count() >= 2
    assert all(m.attempts == 1 and "Connection" in m.last_error for m in waiting)
    assert mail.outbox == []

    # The server is back: the retry sends them, once.
    failing_smtp.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    count = waiting.count()
    OutgoingMail.objects.filter(sent_at=None).update(next_attempt_at="2000-01-01T00:00Z")
    assert deliver_pending() == (count, 0)
    assert {r for m in mail.outbox for r in m.to} >= {
        personas["dt72_editor"].email,
        personas["dt53_editor"].email,
    }
    assert deliver_pending() == (0, 0)
