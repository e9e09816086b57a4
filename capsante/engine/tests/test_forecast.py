"""Trajectories, forecast fits and target dates on hand-computable series."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsante.engine.forecast import (
    best_fit,
    estimated_date,
    fit_linear,
    fit_saturating,
    reference_trajectory,
)
from capsante.engine.periods import from_index, to_index


def months(start: str, values: list[float]) -> list[tuple[str, float]]:
    first = to_index(start)
    return [(from_index(first + i), v) for i, v in enumerate(values)]


def logistic_series(cap: float, rate: float, midpoint: float, n: int) -> list[tuple[str, float]]:
    return months("2024-01", [cap / (1 + math.exp(-rate * (t - midpoint))) for t in range(n)])


def test_reference_trajectory_is_linear_from_baseline_to_target():
    path = reference_trajectory(("2025-01", 20.0), ("2026-01", 80.0))
    assert path.at("2025-01") == 20
    assert path.at("2025-07") == 50  # half way, 6 of 12 months
    assert path.at("2026-01") == 80
    assert path.at("2024-06") == 20  # flat before the baseline
    assert path.at("2027-01") == 80  # and after the deadline


def test_milestones_are_honoured():
    path = reference_trajectory(("2025-01", 0.0), ("2025-12", 100.0), [("2025-03", 60.0)])
    assert path.at("2025-02") == 30
    assert path.at("2025-03") == 60
    assert path.at("2025-12") == 100
    with pytest.raises(ValueError):
        reference_trajectory(("2025-01", 0.0), ("2025-12", 100.0), [("2026-03", 60.0)])
    with pytest.raises(ValueError):
        reference_trajectory(("2025-01", 0.0), ("2024-12", 100.0))


def test_linear_fit_on_exact_line():
    fit = fit_linear(months("2025-01", [10, 12, 14, 16]))
    assert fit.params == pytest.approx((10, 2))
    assert fit.sigma == pytest.approx(0, abs=1e-9)
    assert fit.predict("2025-11") == pytest.approx(30)


def test_linear_band_from_residuals():
    fit = fit_linear(months("2025-01", [10, 14, 11, 16, 13, 18]))
    assert fit.params == pytest.approx((32 / 3, 1.2))
    low, high = fit.band("2025-12")
    assert low < fit.predict("2025-12") < high
    # The band widens with the horizon.
    near = fit.band("2025-07")
    assert high - low > near[1] - near[0]


def test_the_80_percent_band_is_the_textbook_prediction_interval():
    """y ± t(0.90; n − 2) · s · √(1 + 1/n + (t − t̄)² / Sxx), with the Student quantile of a
    statistics table: 1.533206 for 4 degrees of freedom."""
    values = [10.0, 14.0, 11.0, 16.0, 13.0, 18.0]
    fit = fit_linear(months("2025-01", values))
    n, t_mean, sxx = 6, 2.5, 17.5
    residuals = [y - (32 / 3 + 1.2 * t) for t, y in enumerate(values)]
    s = math.sqrt(sum(r * r for r in residuals) / (n - 2))
    t = 11  # December 2025
    half = 1.533206 * s * math.sqrt(1 + 1 / n + (t - t_mean) ** 2 / sxx)
    low, high = fit.band("2025-12")
    assert high - fit.predict("2025-12") == pytest.approx(half, rel=1e-6)
    assert fit.predict("2025-12") - low == pytest.approx(half, rel=1e-6)


def test_a_band_does_not_load_scipy_stats():
    """Every compute command assesses the targets in a fresh process: the whole of scipy.stats
    cost it 0.5-0.8 s of import for one quantile."""
    code = (
        "import sys\n"
        "from capsante.engine.forecast import fit_linear\n"
        "fit = fit_linear([('2025-01', 10.0), ('2025-02', 14.0), ('2025-03', 11.0)])\n"
        "fit.band('2025-12')\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_estimated_date_on_a_line():
    fit = fit_linear(months("2025-01", [10, 12, 14, 16]))
    assert estimated_date(fit, 30, "up", after="2025-04") == "2025-11"  # t = 10
    assert estimated_date(fit, 31, "up", after="2025-04") == "2025-12"  # t = 10.5 → next month
    receding = fit_linear(months("2025-01", [16, 14, 12, 10]))
    assert estimated_date(receding, 30, "up", after="2025-04") is None
    assert estimated_date(receding, 4, "down", after="2025-04") == "2025-07"


def test_saturating_fit_recovers_the_curve():
    fit = fit_saturating(logistic_series(80, 0.5, 6, 14), cap=100)
    assert fit is not None
    assert fit.params == pytest.approx((80, 0.5, 6), rel=1e-4)
    assert estimated_date(fit, 90, "up", after="2025-02") is None  # above the plateau
    assert estimated_date(fit, 79, "up", after="2025-02") is not None


def test_best_fit_chooses_by_aicc():
    saturating = logistic_series(60, 0.6, 5, 14)
    assert best_fit(saturating, adoption=True, cap=100).model == "logistic"  # type: ignore[union-attr]
    assert best_fit(saturating, adoption=False, cap=100).model == "linear"  # type: ignore[union-attr]
    line = months("2025-01", [10, 12.5, 13.9, 16.2, 18, 19.8, 22.1, 24])
    assert best_fit(line, adoption=True, cap=100).model == "linear"  # type: ignore[union-attr]
    assert best_fit(months("2025-01", [10]), adoption=True) is None


def test_falling_indicator_can_saturate_towards_zero():
    decay = months("2024-01", [90 / (1 + math.exp(0.5 * (t - 8))) for t in range(14)])
    fit = fit_saturating(decay, cap=100, polarity="down")
    assert fit is not None
    assert fit.predict("2026-12") == pytest.approx(0, abs=0.5)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-100, 100, allow_nan=False),
    st.floats(-5, 5, allow_nan=False),
    st.integers(3, 24),
)
def test_linear_fit_recovers_any_line(intercept: float, slope: float, n: int):
    fit = fit_linear(months("2024-01", [intercept + slope * t for t in range(n)]))
    assert fit.params == pytest.approx((intercept, slope), abs=1e-7)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0, 100, allow_nan=False),
    st.floats(0, 100, allow_nan=False),
    st.integers(2, 36),
    st.integers(1, 35),
)
def test_trajectory_stays_between_its_ends(start: float, end: float, length: int, k: int):
    path = reference_trajectory(("2025-01", start), (from_index(to_index("2025-01") + length), end))
    value = path.at(from_index(to_index("2025-01") + min(k, length)))
    assert min(start, end) - 1e-9 <= value <= max(start, end) + 1e-9


def test_a_vanishing_slope_gives_no_date_instead_of_an_overflow():
    # Found by hypothesis: denormal values make the linear crossing infinite.
    from capsante.engine.forecast import estimated_date, fit_linear

    fit = fit_linear([("2025-01", 2.2250738585e-313), ("2025-02", 0.0), ("2025-03", 0.0)])
    assert estimated_date(fit, 1.0, "up", after="2025-03") is None
