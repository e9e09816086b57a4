"""Reference trajectories, forecasts fitted on observed values, and the date a target is reached.

Pure functions over (period, value) observations; time is counted in months. The status rule that
uses them lives in `status.py`.

- Reference trajectory: straight lines from the baseline through each milestone to the target at
  its deadline.
- Forecasts: a linear trend (least squares), and for adoption-type indicators a saturating
  (logistic) curve fitted with bounds; the one with the lower AICc is kept (the linear one on a
  tie, being simpler). The uncertainty band is a prediction interval from the residuals (for the
  logistic curve by the delta method on the fitted covariance).
"""

from __future__ import annotations

import contextlib
import importlib
import math
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

# NumPy is imported by the functions that compute (0.16 s): a target's stored status is read —
# `capsante indicators show`, the pages — without fitting anything.
if TYPE_CHECKING:
    import numpy as np

from .periods import from_index, to_index
from .statuses import BAND_LEVEL

Observation = tuple[str, float]
"""(period 'YYYY-MM', value)."""

DEFAULT_BAND_LEVEL = BAND_LEVEL  # statuses.py: the rule's thresholds, printed in the documents
_SSR_FLOOR = 1e-12  # a perfect fit would give log(0) in the AIC


@contextlib.contextmanager
def band_loaded_meanwhile() -> Iterator[None]:
    """Import, in a thread, what a forecast's band needs (`scipy.special`, 0.1 s) while the
    block runs, and wait for it at the block's end.

    For a block that waits on something else, as a compute waits on the database storing its
    values: the targets' assessment that follows finds SciPy loaded (a national recompute after
    an import spent 0.10 of its 0.16–0.20 s of targets importing it; bench/RESULTS.md,
    5 December, seventh session). Whoever imports it meanwhile waits for this import to end,
    as for any import under way. The thread is waited for however the block ends: one still
    importing as the interpreter exits aborts the process (SciPy's C++ code catches the
    thread's forced unwinding)."""
    thread = threading.Thread(target=_import_band, name="band-import", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _import_band() -> None:
    importlib.import_module("scipy.special")


@dataclass(frozen=True)
class Trajectory:
    """Piecewise-linear reference path through (month index, value) points."""

    points: tuple[tuple[int, float], ...]

    def at(self, period: str) -> float:
        """Value expected at a month: flat before the baseline and after the deadline."""
        import numpy as np  # lazy: a stored status is read without NumPy (module's imports)

        t = to_index(period)
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return float(np.interp(t, xs, ys))


def reference_trajectory(
    baseline: Observation,
    target: Observation,
    milestones: Sequence[Observation] = (),
) -> Trajectory:
    """Linear from the baseline to the target at its deadline, through every milestone."""
    start, end = to_index(baseline[0]), to_index(target[0])
    if end <= start:
        raise ValueError("the deadline must come after the baseline")
    inner = sorted((to_index(p), float(v)) for p, v in milestones)
    for t, _ in inner:
        if not start < t < end:
            raise ValueError("milestones must fall between the baseline and the deadline")
    if len({t for t, _ in inner}) != len(inner):
        raise ValueError("two milestones share a month")
    points = ((start, float(baseline[1])), *inner, (end, float(target[1])))
    return Trajectory(points)


@dataclass(frozen=True)
class Fit:
    """A fitted forecast. `origin` is the month index of t = 0."""

    model: str
    params: tuple[float, ...]
    origin: int
    n: int
    sigma: float
    aicc: float
    covariance: tuple[tuple[float, ...], ...] | None = None
    t_mean: float = 0.0
    t_sxx: float = 0.0

    def _t(self, period: str) -> float:
        return float(to_index(period) - self.origin)

    def predict(self, period: str) -> float:
        return float(_evaluate(self.model, self.params, self._t(period)))

    def band(self, period: str, level: float = DEFAULT_BAND_LEVEL) -> tuple[float, float]:
        """Prediction interval at `level` around the forecast."""
        t = self._t(period)
        centre = self.predict(period)
        dof = max(self.n - len(self.params), 1)
        # The Student quantile from scipy.special, as scipy.stats's `t.ppf` computes it
        # (`stdtrit`): the whole of scipy.stats took 0.5-0.8 s more to import, in every command
        # that assesses the targets (decision 0037).
        # lazy: scipy takes seconds to load, and most commands never forecast.
        from scipy import special

        quantile = float(special.stdtrit(dof, 0.5 + level / 2))
        half = quantile * math.sqrt(self._variance(t))
        return centre - half, centre + half

    def _variance(self, t: float) -> float:
        if self.model == "linear":
            leverage = 1.0 / self.n + ((t - self.t_mean) ** 2 / self.t_sxx if self.t_sxx else 0.0)
            return self.sigma**2 * (1.0 + leverage)
        if self.covariance is None:
            return self.sigma**2
        import numpy as np  # lazy: a stored status is read without NumPy (module's imports)

        grad = _logistic_gradient(self.params, t)
        cov = np.array(self.covariance)
        return float(self.sigma**2 + grad @ cov @ grad)


def _evaluate(model: str, params: Sequence[float], t: float | np.ndarray) -> float | np.ndarray:
    if model == "linear":
        a, b = params
        return a + b * t
    return _logistic(t, *params)


def _logistic(t: float | np.ndarray, cap: float, rate: float, midpoint: float) -> np.ndarray:
    import numpy as np  # lazy: a stored status is read without NumPy (module's imports)

    # Clipping keeps exp() finite for far horizons; the curve is flat there anyway.
    return cap / (1.0 + np.exp(np.clip(-rate * (np.asarray(t) - midpoint), -700, 700)))


def _logistic_gradient(params: Sequence[float], t: float) -> np.ndarray:
    import numpy as np  # lazy: a stored status is read without NumPy (module's imports)

    cap, rate, midpoint = params
    e = math.exp(min(max(-rate * (t - midpoint), -700.0), 700.0))
    s = 1.0 / (1.0 + e)
    ds = s * s * e  # d s / d (rate * (t - midpoint))
    return np.array([s, cap * ds * (t - midpoint), -cap * ds * rate])


def _aicc(ssr: float, n: int, k: int) -> float:
    ssr = max(ssr, _SSR_FLOOR)
    aic = n * math.log(ssr / n) + 2 * k
    if n - k - 1 > 0:
        return aic + 2 * k * (k + 1) / (n - k - 1)
    return math.inf


def _arrays(observations: Sequence[Observation]) -> tuple[int, np.ndarray, np.ndarray]:
    import numpy as np  # lazy: a stored status is read without NumPy (module's imports)

    ordered = sorted(observations)
    origin = to_index(ordered[0][0])
    t = np.array([to_index(p) - origin for p, _ in ordered], dtype=float)
    y = np.array([float(v) for _, v in ordered], dtype=float)
    return origin, t, y


def fit_linear(observations: Sequence[Observation]) -> Fit:
    """Ordinary least squares y = a + b·t (t in months since the first observation)."""
    if len(observations) < 2:
        raise ValueError("a linear fit needs at least 2 observations")
    origin, t, y = _arrays(observations)
    t_mean = float(t.mean())
    sxx = float(((t - t_mean) ** 2).sum())
    if sxx == 0:
        raise ValueError("observations must cover at least two months")
    slope = float(((t - t_mean) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * t_mean)
    ssr = float(((y - (intercept + slope * t)) ** 2).sum())
    n = len(y)
    sigma = math.sqrt(ssr / (n - 2)) if n > 2 else 0.0
    return Fit(
        "linear",
        (intercept, slope),
        origin,
        n,
        sigma,
        _aicc(ssr, n, 2),
        t_mean=t_mean,
        t_sxx=sxx,
    )


def fit_saturating(
    observations: Sequence[Observation], cap: float | None = None, polarity: str = "up"
) -> Fit | None:
    """Bounded logistic fit y = L / (1 + exp(-k (t - m))); None when it does not converge.

    L lies between the highest observation and `cap` (100 for a percentage); k > 0 for a rising
    indicator, k < 0 for a falling one (a curve that decays towards 0).
    """
    import numpy as np  # lazy: a stored status is read without NumPy (module's imports)

    if len(observations) < 4:
        return None
    origin, t, y = _arrays(observations)
    top = float(y.max())
    if top <= 0:
        return None
    upper = cap if cap is not None else 10.0 * top
    if upper <= top:
        upper = top * (1 + 1e-6) + 1e-9
    span = float(t.max() - t.min()) or 1.0
    rate_bounds = (1e-6, 5.0) if polarity == "up" else (-5.0, -1e-6)
    lower = [top, rate_bounds[0], -10 * span - 120]
    higher = [upper, rate_bounds[1], 10 * span + 240]
    guess = [min(upper, top * 1.2 + 1e-9), 0.1 if polarity == "up" else -0.1, float(np.median(t))]
    guess[0] = min(max(guess[0], lower[0]), higher[0])
    # lazy: scipy takes seconds to load, and most commands never forecast.
    from scipy import optimize

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            params, cov = optimize.curve_fit(
                _logistic, t, y, p0=guess, bounds=(lower, higher), maxfev=20_000
            )
    except (RuntimeError, ValueError):
        return None
    ssr = float(((y - _logistic(t, *params)) ** 2).sum())
    n = len(y)
    sigma = math.sqrt(ssr / (n - 3)) if n > 3 else 0.0
    covariance = (
        tuple(tuple(float(c) for c in row) for row in cov) if np.isfinite(cov).all() else None
    )
    return Fit(
        "logistic",
        tuple(float(p) for p in params),
        origin,
        n,
        sigma,
        _aicc(ssr, n, 3),
        covariance=covariance,
    )


def best_fit(
    observations: Sequence[Observation],
    *,
    adoption: bool = False,
    cap: float | None = None,
    polarity: str = "up",
) -> Fit | None:
    """The forecast kept for an indicator: linear, or logistic when allowed and better by AICc."""
    if len({p for p, _ in observations}) < 2:
        return None
    linear = fit_linear(observations)
    if not adoption:
        return linear
    logistic = fit_saturating(observations, cap, polarity)
    if logistic is not None and logistic.aicc < linear.aicc:
        return logistic
    return linear


def meets(value: float, target: float, polarity: str) -> bool:
    return value >= target if polarity == "up" else value <= target


def estimated_date(
    fit: Fit, target: float, polarity: str, after: str, horizon_months: int = 240
) -> str | None:
    """First month from `after` on where the forecast meets the target; None beyond the horizon
    or when the forecast never gets there (a flat or receding trend, an asymptote short of it)."""
    start = to_index(after)
    crossing = _crossing(fit, target)
    # A near-zero slope puts the crossing at an astronomically distant (or infinite) t: beyond any horizon.
    if crossing is not None and math.isfinite(crossing) and abs(crossing) < 1e6:
        month = max(start, math.ceil(crossing - 1e-9) + fit.origin)
        if month - start <= horizon_months and meets(
            fit.predict(from_index(month)), target, polarity
        ):
            return from_index(month)
    # Closed forms failed (e.g. already past the crossing on the wrong side): scan month by month.
    for month in range(start, start + horizon_months + 1):
        if meets(fit.predict(from_index(month)), target, polarity):
            return from_index(month)
    return None


def _crossing(fit: Fit, target: float) -> float | None:
    """t where the fitted curve equals the target, if it ever does."""
    if fit.model == "linear":
        intercept, slope = fit.params
        return None if slope == 0 else (target - intercept) / slope
    cap, rate, midpoint = fit.params
    if not 0 < target < cap:
        return None
    return midpoint - math.log(cap / target - 1.0) / rate
