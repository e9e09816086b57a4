"""An indicator with no value stored yet skips the comparison: its figures go straight into the
value table in their first version (COPY on PostgreSQL). What is stored must be exactly what the
comparison would have stored, and the comparison must still be taken wherever a value exists."""

import datetime as dt

import pyarrow as pa
import pytest
from django.utils import timezone

from capsante.engine import RESULT_SCHEMA
from capsante.indicators import services, storage
from capsante.indicators.models import ComputationRun, Indicator, IndicatorValue, StoredBlock
from capsante.indicators.tests.test_values_and_targets import (
    MAYENNE,
    MONTHS,
    SARTHE,
    stage_mes,
    validated_figure,
)


def stored(code: str) -> list[tuple]:
    return sorted(
        IndicatorValue.objects.filter(indicator__code=code).values_list(
            "territory__level",
            "territory__code",
            "period",
            "numerator",
            "denominator",
            "value",
            "version",
            "is_current",
            "manual_entry_id",
        )
    )


def first_versions_taken(monkeypatch) -> list[dict]:
    """Records the indicators each store sent the first-version way."""
    taken: list[dict] = []
    original = storage._indicators_without_values

    def recording(result, blocks=None):
        found = original(result, blocks)
        taken.append(found)
        return found

    monkeypatch.setattr(storage, "_indicators_without_values", recording)
    return taken


@pytest.mark.django_db
def test_first_versions_are_the_figures_the_comparison_would_have_stored(
    geography, staged, monkeypatch
):
    taken = first_versions_taken(monkeypatch)
    run = services.compute_and_store(codes=["MES_ACTIVATION", "DMP_ALIMENTATION"])
    assert set(taken[-1]) == {"MES_ACTIVATION", "DMP_ALIMENTATION"}
    straight = {code: stored(code) for code in ("MES_ACTIVATION", "DMP_ALIMENTATION")}
    assert run.new_versions == sum(len(rows) for rows in straight.values()) == run.rows
    assert ("departement", "72", "2025-02", 960, 1200, 80.0, 1, True, None) in straight[
        "MES_ACTIVATION"
    ]
    assert IndicatorValue.objects.filter(run=run).count() == run.rows
    value = IndicatorValue.objects.filter(run=run).first()
    assert value.provenance.startswith(f"calcul n° {run.pk} du ")
    assert abs(value.created_at - timezone.now()) < dt.timedelta(minutes=5)  # stored in UTC

    IndicatorValue.objects.all().delete()
    StoredBlock.objects.all().delete()
    monkeypatch.setattr(storage, "_indicators_without_values", lambda result, blocks=None: {})
    compared = services.compute_and_store(codes=["MES_ACTIVATION", "DMP_ALIMENTATION"])

    assert compared.new_versions == run.new_versions
    assert {code: stored(code) for code in straight} == straight


@pytest.mark.django_db
def test_an_indicator_added_beside_stored_ones_is_stored_straight_and_the_others_compared(
    geography, staged, monkeypatch
):
    services.compute_and_store(codes=["MES_ACTIVATION"])
    before = stored("MES_ACTIVATION")
    taken = first_versions_taken(monkeypatch)
    stage_mes(staged, {**MONTHS, "2025-02": dict(SARTHE, **{"72003": (40, 100)}, **MAYENNE)})

    run = services.compute_and_store(codes=["MES_ACTIVATION", "DMP_ALIMENTATION"])

    assert set(taken[-1]) == {"DMP_ALIMENTATION"}
    after = stored("MES_ACTIVATION")
    # The changed figures of February get a second version, the earlier one kept readable.
    assert ("departement", "72", "2025-02", 990, 1200, 82.5, 2, True, None) in after
    assert ("departement", "72", "2025-02", 960, 1200, 80.0, 1, False, None) in after
    assert ("departement", "72", "2025-01", 960, 1200, 80.0, 1, True, None) in after
    assert len(after) > len(before)
    assert {row[6] for row in stored("DMP_ALIMENTATION")} == {1}
    assert run.new_versions == IndicatorValue.objects.filter(run=run).count()


@pytest.mark.django_db
def test_an_indicator_with_only_a_validated_manual_figure_is_compared(geography, staged, personas):
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    entry = validated_figure(personas, indicator, geography["sarthe"])

    run = services.compute_and_store(codes=["MES_ACTIVATION"])

    assert run.held_by_manual == 1
    in_force = IndicatorValue.objects.get(
        indicator=indicator, territory=geography["sarthe"], period="2025-01", is_current=True
    )
    assert in_force.manual_entry == entry and in_force.value == 81.5
    computed = IndicatorValue.objects.get(
        indicator=indicator, territory=geography["sarthe"], period="2025-01", run=run
    )
    assert (computed.version, computed.is_current, computed.numerator) == (2, False, 960)


@pytest.mark.django_db
def test_values_deleted_by_hand_are_stored_again_by_the_next_full_compute(geography, staged):
    first = services.compute_and_store(codes=["MES_ACTIVATION"])
    # The fingerprints of the blocks stored stay behind: they must not hide the missing values.
    IndicatorValue.objects.all().delete()
    assert StoredBlock.objects.exists()

    again = services.compute_and_store(codes=["MES_ACTIVATION"])

    assert again.new_versions == first.new_versions > 0
    assert IndicatorValue.objects.filter(is_current=True).count() == first.rows
    assert ComputationRun.objects.count() == 2


@pytest.mark.django_db
def test_a_month_recomputed_alone_after_values_were_deleted_leaves_no_stale_fingerprint(
    geography, staged
):
    """The other months' fingerprints must not survive: the next full compute stores them."""
    first = services.compute_and_store(codes=["MES_ACTIVATION"])
    IndicatorValue.objects.all().delete()
    services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-02"])

    services.compute_and_store(codes=["MES_ACTIVATION"])

    current = IndicatorValue.objects.filter(is_current=True)
    assert current.count() == first.rows
    assert {"2025-01", "2025-02"} == set(current.values_list("period", flat=True))


@pytest.mark.django_db
def test_a_month_recomputed_for_several_indicators_keeps_each_ones_fingerprint_of_it(
    geography, staged
):
    """After an import, the month is recomputed for every indicator reading the source, for
    every territory: the fingerprint of that month of each is the recompute's, the other
    months' are kept. A recompute of one département gives part of each month: it forgets
    them (the result's chunks have dictionaries of their own, which that lookup unifies)."""
    codes = ["MES_ACTIVATION", "DMP_ALIMENTATION"]
    services.compute_and_store(codes=codes)
    fingerprints = {
        (code, period): fingerprint
        for code, period, fingerprint in StoredBlock.objects.values_list(
            "indicator__code", "period", "fingerprint"
        )
    }
    assert set(fingerprints) == {(c, p) for c in codes for p in ("2025-01", "2025-02")}
    StoredBlock.objects.filter(period="2025-02").update(fingerprint="before the import")

    services.compute_and_store(codes=codes, periods=["2025-02"])
    again = StoredBlock.objects.values_list("indicator__code", "period", "fingerprint")
    assert {(code, period): fingerprint for code, period, fingerprint in again} == fingerprints

    services.compute_and_store(codes=codes, territories=[("departement", "72")])
    assert not StoredBlock.objects.exists()


@pytest.mark.django_db
def test_a_first_version_keeps_empty_figures_and_every_digit(geography, monkeypatch):
    """What goes straight into the table (PostgreSQL's binary COPY) is what the comparison
    stores: no numerator, no value, a value whose decimals no short text holds, the largest
    double, the smallest (denormal) one, infinities; a territory the database does not know is
    left out either way."""
    services.sync_catalogue()
    rows = [
        ("departement", "72", "2025-01", None, 1200.0, None),
        ("departement", "53", "2025-01", 1.0, 3.0, 1 / 3),
        ("departement", "72", "2025-02", 2.0**-60, 7.0, 0.1 + 0.2),
        ("region", "52", "2025-01", 1.7976931348623157e308, 5e-324, 123456789.12345679),
        ("epci", "247200132", "2025-01", float("inf"), -0.0, float("-inf")),
        ("departement", "99", "2025-01", 1.0, 2.0, 50.0),  # not in the database
    ]
    result = pa.table(
        {
            "indicator_code": ["MES_ACTIVATION"] * len(rows),
            "territory_code": [row[1] for row in rows],
            "territory_level": [row[0] for row in rows],
            "period": [row[2] for row in rows],
            "numerator": pa.array([row[3] for row in rows], pa.float64()),
            "denominator": pa.array([row[4] for row in rows], pa.float64()),
            "value": pa.array([row[5] for row in rows], pa.float64()),
        },
        schema=RESULT_SCHEMA,
    )
    taken = first_versions_taken(monkeypatch)
    storage.store_values(result, ComputationRun.objects.create(engine="duckdb"))
    assert set(taken[-1]) == {"MES_ACTIVATION"}
    straight = stored("MES_ACTIVATION")
    assert [row[:6] for row in straight] == sorted(row for row in rows if row[1] != "99")

    IndicatorValue.objects.all().delete()
    monkeypatch.setattr(storage, "_indicators_without_values", lambda result, blocks=None: {})
    storage.store_values(result, ComputationRun.objects.create(engine="duckdb"))
    assert stored("MES_ACTIVATION") == straight
