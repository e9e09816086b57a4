"""A report reads back the status the last recompute stored when it would assess exactly the same
inputs (decision 0047): the night's recompute fitted the forecasts, the committee's report of the
morning after does not fit them again — half a second of NumPy and SciPy in a command — and
prints the same figures. Whatever changed since (a month's value, the target, the rule's code),
it assesses again."""

import datetime as dt

import pytest

from capsante.engine import status as engine_status
from capsante.indicators import services
from capsante.indicators.models import IndicatorValue, Target
from capsante.reports import committee_report

from .test_values_and_targets import _growth, stage_mes

AS_OF = "2025-06"
END = dt.date(2025, 6, 30)  # a committee's report whose last month is the one assessed
PRINTED = [
    "status",
    "status_label",
    "reason",
    "last_month",
    "last_label",
    "reference_label",
    "target_label",
    "forecast_label",
    "band_label",
    "estimated_date",
]


@pytest.fixture
def assessed(geography, settings, tmp_path):
    """Activations in the Mayenne, 12 % → 22 % over six months, against 30 % by December: the
    recompute assesses the target with a forecast (an adoption curve, fitted by SciPy)."""
    settings.STAGING_DIR = tmp_path / "staging"
    services.sync_catalogue()
    target, _ = Target.objects.update_or_create(
        indicator__code="MES_ACTIVATION",
        territory=geography["mayenne"],
        defaults={"target_value": 30, "deadline": "2025-12", "baseline_period": "2025-01"},
    )
    stage_mes(settings.STAGING_DIR, _growth(10, 2.0, 6))
    services.compute_and_store(codes=["MES_ACTIVATION"], as_of=AS_OF)
    target.refresh_from_db()
    assert target.status == "en_bonne_voie" and target.assessed_inputs
    return target


@pytest.fixture
def fits(monkeypatch):
    """The forecasts the rule fits from now on."""
    fitted = []

    def counted(*args, **kwargs):
        fitted.append(args[0])
        return best_fit(*args, **kwargs)

    best_fit = engine_status.best_fit
    monkeypatch.setattr(engine_status, "best_fit", counted)
    return fitted


def report_row(target: Target) -> dict:
    rows = committee_report.targets(target.territory, END)
    return next(r for r in rows if r["code"] == target.indicator.code)


def fresh_row(target: Target) -> dict:
    """The row as the rule gives it with nothing stored to read back."""
    Target.objects.filter(pk=target.pk).update(assessed_inputs="")
    return report_row(target)


@pytest.mark.django_db
def test_the_report_after_the_recompute_prints_the_stored_status_without_fitting(assessed, fits):
    row = report_row(assessed)
    assert fits == []
    assert row["status"] == "en_bonne_voie" and row["forecast_label"] and row["band_label"]
    fresh = fresh_row(assessed)
    assert len(fits) == 1  # without the stored assessment, the rule fits its forecast
    assert {k: row[k] for k in PRINTED} == {k: fresh[k] for k in PRINTED}


@pytest.mark.django_db
def test_a_value_changed_after_the_recompute_is_assessed_again(assessed, fits):
    """June's figure corrected without a recompute's assessment (as a script would): the report
    reads it, the stored status of the month before does not stand for it."""
    IndicatorValue.objects.filter(
        indicator=assessed.indicator, territory=assessed.territory, period=AS_OF
    ).update(value=12.5)
    row = report_row(assessed)
    assert len(fits) == 1
    assert row["last_label"].startswith("12,5")
    assert row["status"] != assessed.status


@pytest.mark.django_db
def test_a_target_changed_after_the_recompute_is_assessed_again(assessed, fits):
    assessed.target_value = 50
    assessed.save()
    assessed.refresh_from_db()
    assert assessed.assessed_inputs == ""  # a save other than the assessment's forgets it
    row = report_row(assessed)
    assert len(fits) == 1
    assert row["target_label"].startswith("50") and row["status"] == "hors_trajectoire"


@pytest.mark.django_db
def test_a_status_stored_by_another_rule_is_assessed_again(assessed, fits, monkeypatch):
    """Installed again with a rule of other code or other libraries, the platform does not read
    back what the previous one stored."""
    monkeypatch.setattr(engine_status, "_rule_code", lambda: "a later rule")
    row = report_row(assessed)
    assert len(fits) == 1
    assert row["status"] == "en_bonne_voie"


@pytest.mark.django_db
def test_a_recompute_that_finds_the_same_assessment_keeps_its_fingerprint(assessed, fits):
    """The night's recompute finds the same status and stores no history record, but the
    fingerprint of what it assessed: the report that follows reads it back."""
    records = assessed.history.count()
    services.assess_targets(indicators=[assessed.indicator], as_of=AS_OF)
    assessed.refresh_from_db()
    assert assessed.history.count() == records and assessed.assessed_inputs
    fits.clear()
    report_row(assessed)
    assert fits == []
