"""A report reads back the status the last recompute stored when it would assess exactly the same
inputs (decision 0047): the night's recompute fitted the forecasts, the committee's report of the
morning after does not fit them again — half a second of NumPy and SciPy in a command — and
prints the same figures. Whatever changed since (a month's value, the target, the rule's code),
it assesses again."""

import datetime as dt
from dataclasses import replace

import pytest

from capsante.engine import status as engine_status
from capsante.indicators import services
from capsante.indicators.models import IndicatorValue, Target
from capsante.reports import committee_report

from .test_values_and_targets import _growth, stage_mes

# Laval and Mayenne (the town), 12 % → 22 % over six months each.
BOTH_TOWNS = {
    f"2025-{m:02d}": {town: (int((10 + 2.0 * m) * 10), 1000) for town in ("53130", "53147")}
    for m in range(1, 7)
}

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
    target = _assessed_on(geography, settings, tmp_path, _growth(10, 2.0, 6))
    assert target.status == "en_bonne_voie" and target.assessment_seal
    return target


def _assessed_on(geography, settings, tmp_path, months: dict) -> Target:
    """The Mayenne's activations target, 30 % by December, after a recompute of `months`
    (staged activations by month and commune)."""
    settings.STAGING_DIR = tmp_path / "staging"
    services.sync_catalogue()
    target, _ = Target.objects.update_or_create(
        indicator__code="MES_ACTIVATION",
        territory=geography["mayenne"],
        defaults={"target_value": 30, "deadline": "2025-12", "baseline_period": "2025-01"},
    )
    stage_mes(settings.STAGING_DIR, months)
    services.compute_and_store(codes=["MES_ACTIVATION"], as_of=AS_OF)
    target.refresh_from_db()
    return target


def _counted(monkeypatch, name: str) -> list:
    """The observations each call of the rule's `name` is given from now on."""
    calls: list = []
    function = getattr(engine_status, name)

    def counted(*args, **kwargs):
        calls.append(args[0])
        return function(*args, **kwargs)

    monkeypatch.setattr(engine_status, name, counted)
    return calls


@pytest.fixture
def assessments(monkeypatch):
    """The assessments the rule makes from now on (a status without a forecast fits nothing)."""
    return _counted(monkeypatch, "assess")


@pytest.fixture
def fits(monkeypatch):
    """The forecasts the rule fits from now on."""
    return _counted(monkeypatch, "best_fit")


def report_row(target: Target) -> dict:
    rows = committee_report.targets(target.territory, END)
    return next(r for r in rows if r["code"] == target.indicator.code)


def fresh_row(target: Target) -> dict:
    """The row as the rule gives it with nothing stored to read back."""
    Target.objects.filter(pk=target.pk).update(assessment_seal="")
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
    row = report_row(assessed)
    assert len(fits) == 1
    assert row["target_label"].startswith("50") and row["status"] == "hors_trajectoire"


@pytest.mark.django_db
def test_a_status_stored_by_another_rule_is_assessed_again(assessed, fits, monkeypatch):
    """Installed again with a rule of other code or other libraries, the platform does not read
    back what the previous one stored."""
    monkeypatch.setattr(engine_status, "_RULE_CODE", "a later rule")
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
    assert assessed.history.count() == records and assessed.assessment_seal
    fits.clear()
    report_row(assessed)
    assert fits == []


@pytest.mark.django_db
def test_a_status_written_by_anything_but_the_assessment_is_assessed_again(assessed, fits):
    """A script, a data migration or a partial restore writes a status without the recompute:
    the seal stored with the assessment no longer matches the row, the report assesses."""
    Target.objects.filter(pk=assessed.pk).update(
        status="hors_trajectoire",
        status_reason="écrit à la main",
        status_details={**assessed.status_details, "forecast_at_deadline": 1.0},
    )
    row = report_row(assessed)
    assert len(fits) == 1
    assert (row["status"], row["reason"]) == (
        "en_bonne_voie",
        "la prévision atteint la cible à l’échéance",
    )
    assert not row["forecast_label"].startswith("1,0")


@pytest.mark.django_db
def test_code_that_shapes_what_is_stored_changed_since_is_assessed_again(
    assessed, fits, monkeypatch
):
    """The code that words the reason's note and stores the details is part of the seal: stored
    by other code (before an upgrade), the assessment is made again."""
    monkeypatch.setattr(services, "_THIS_CODE", "the code of a later release")
    report_row(assessed)
    assert len(fits) == 1


def _with_a_month_short_of_a_town(geography, settings, tmp_path, stored_months: list[str]):
    """The Mayenne's activations target, assessed on `stored_months` of BOTH_TOWNS where June
    lacks Mayenne (the town): June is then left out of the status, and its reason says so."""
    months = {p: dict(towns) for p, towns in BOTH_TOWNS.items() if p in stored_months}
    months.get("2025-06", {}).pop("53147", None)
    return _assessed_on(geography, settings, tmp_path, months)


@pytest.mark.django_db
def test_a_month_left_out_is_read_back_with_its_note(geography, settings, tmp_path, fits):
    target = _with_a_month_short_of_a_town(geography, settings, tmp_path, list(BOTH_TOWNS))
    assert "juin 2025 laissé de côté" in target.status_reason and target.assessment_seal
    fits.clear()  # the recompute's own
    row = report_row(target)
    assert fits == []
    assert "juin 2025 laissé de côté" in row["reason"]
    fresh = fresh_row(target)
    assert {k: row[k] for k in PRINTED} == {k: fresh[k] for k in PRINTED}


@pytest.mark.django_db
def test_a_month_left_out_after_the_assessment_is_assessed_again_with_its_note(
    geography, settings, tmp_path, fits, monkeypatch
):
    """Assessed on January to May; June then stored short of a commune with no assessment after
    it (a recompute stopped after storing). The months the rule reads are the same (June is left
    out), only the note differs: the report assesses again and says which month it left out."""
    months = list(BOTH_TOWNS)
    target = _with_a_month_short_of_a_town(geography, settings, tmp_path, months[:-1])
    monkeypatch.setattr(services, "assess_targets", lambda *args, **kwargs: [])
    stage_mes(
        settings.STAGING_DIR, {**BOTH_TOWNS, "2025-06": {"53130": BOTH_TOWNS["2025-06"]["53130"]}}
    )
    services.compute_and_store(codes=["MES_ACTIVATION"], as_of=AS_OF)
    target.refresh_from_db()
    assert "laissé de côté" not in target.status_reason and target.assessment_seal
    fits.clear()
    row = report_row(target)
    assert len(fits) == 1 and "juin 2025 laissé de côté" in row["reason"]


@pytest.mark.django_db
def test_a_status_without_a_forecast_is_read_back_too(assessed, assessments):
    """A target met (no forecast to fit) is read back as well: the rule is not applied again."""
    assessed.target_value = 20
    assessed.save()
    services.assess_targets(indicators=[assessed.indicator], as_of=AS_OF)
    assessed.refresh_from_db()
    assert assessed.status == "atteint"
    assessments.clear()
    row = report_row(assessed)
    assert [a for a in assessments if a] == [] and row["status"] == "atteint"
    assert row["reason"] == "la dernière valeur atteint la cible"


@pytest.mark.django_db
def test_a_reason_cut_to_fit_its_column_is_never_read_back(assessed, fits, monkeypatch):
    """A reason longer than its column (300 characters) is stored cut: it is not what the rule
    said, so the assessment stored with it is not read back."""
    assess = engine_status.assess

    def long_winded(*args, **kwargs):
        found = assess(*args, **kwargs)
        return replace(found, reason=found.reason + " ; " + "précision " * 40)

    monkeypatch.setattr(engine_status, "assess", long_winded)
    services.assess_targets(indicators=[assessed.indicator], as_of=AS_OF)
    assessed.refresh_from_db()
    assert len(assessed.status_reason) == 300 and assessed.assessment_seal == ""
    fits.clear()
    report_row(assessed)
    assert len(fits) == 1
