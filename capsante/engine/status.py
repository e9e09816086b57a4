"""The status of an indicator × territory with a target, computed by a documented rule.

The rule (docs/indicateurs/README.md, « Statut ») is applied in this order; the first that
matches wins:

1. no observation up to `as_of`                          → données insuffisantes
2. last observation more than N months before `as_of`   → données anciennes (N per indicator, 6)
3. last value meets the target (given the polarity)      → atteint
4. fewer than 3 observations since the baseline          → données insuffisantes
5. the deadline has passed                               → hors trajectoire
6. the forecast at the deadline meets the target         → en bonne voie
7. the favourable bound of the uncertainty band meets it,
   or the last value is within 5 % of the reference
   trajectory (relative)                                 → à surveiller
8. otherwise                                             → hors trajectoire

A status is never entered by hand: it is a function of the values, the target and `as_of`.
The documents print the same rule from `statuses.RULE`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import capsante.french
from capsante.french import month, percent, plural

from .forecast import (
    DEFAULT_BAND_LEVEL,
    Fit,
    Observation,
    best_fit,
    estimated_date,
    meets,
    reference_trajectory,
)
from .periods import from_index, months_between, to_index
from .statuses import (
    DEFAULT_STALE_AFTER_MONTHS,
    DEFAULT_TOLERANCE,
    MIN_OBSERVATIONS,
    Status,
)


@dataclass(frozen=True)
class Target:
    """A target for one territory. Without a baseline, the first observation is the baseline."""

    value: float
    deadline: str
    baseline_period: str | None = None
    baseline_value: float | None = None
    milestones: tuple[Observation, ...] = ()


@dataclass(frozen=True)
class Assessment:
    status: Status
    reason: str
    last_period: str | None = None
    last_value: float | None = None
    reference_value: float | None = None
    fit: Fit | None = None
    forecast_at_deadline: float | None = None
    band_at_deadline: tuple[float, float] | None = None
    estimated_date: str | None = None


def assess(
    observations: Sequence[Observation],
    target: Target,
    *,
    polarity: str,
    as_of: str,
    adoption: bool = False,
    cap: float | None = None,
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
    min_observations: int = MIN_OBSERVATIONS,
    tolerance: float = DEFAULT_TOLERANCE,
    band_level: float = DEFAULT_BAND_LEVEL,
) -> Assessment:
    """Status with its reason, the trajectory, the forecast and the estimated date."""
    known = sorted((p, float(v)) for p, v in observations if to_index(p) <= to_index(as_of))
    if not known:
        return Assessment(Status.DONNEES_INSUFFISANTES, "aucune valeur observée")
    last_period, last_value = known[-1]
    age = months_between(last_period, as_of)
    if age > stale_after_months:
        reason = (
            f"dernière valeur en {month(last_period)}, plus de {stale_after_months} mois"
            f" avant {month(as_of)}"
        )
        return Assessment(Status.DONNEES_ANCIENNES, reason, last_period, last_value)
    if meets(last_value, target.value, polarity):
        return Assessment(
            Status.ATTEINT, "la dernière valeur atteint la cible", last_period, last_value
        )
    baseline = _baseline(known, target)
    since = [(p, v) for p, v in known if to_index(p) >= to_index(baseline[0])]
    if len(since) < min_observations:
        observed = plural(len(since), "observation")
        reason = f"{observed} depuis la référence, {min_observations} requises"
        return Assessment(Status.DONNEES_INSUFFISANTES, reason, last_period, last_value)
    reference = _reference_at(baseline, target, last_period)
    if to_index(as_of) > to_index(target.deadline):
        return Assessment(
            Status.HORS_TRAJECTOIRE,
            "échéance dépassée sans atteindre la cible",
            last_period,
            last_value,
            reference,
        )
    fit = best_fit(since, adoption=adoption, cap=cap, polarity=polarity)
    assert fit is not None  # since has ≥ 2 distinct months here
    at_deadline = fit.predict(target.deadline)
    band = fit.band(target.deadline, band_level)
    # Not the last month observed itself: its value is known and short of the target, however
    # far above it the fitted line runs (« cible atteinte vers octobre 2026 » under an October
    # at 79,2 % for 80 %, review of 7 December).
    when = estimated_date(fit, target.value, polarity, after=from_index(to_index(last_period) + 1))
    details = (last_period, last_value, reference, fit, at_deadline, band, when)
    if meets(at_deadline, target.value, polarity):
        return Assessment(
            Status.EN_BONNE_VOIE, "la prévision atteint la cible à l’échéance", *details
        )
    favourable = band[1] if polarity == "up" else band[0]
    if meets(favourable, target.value, polarity):
        reason = "la cible reste dans la bande d’incertitude de la prévision"
        return Assessment(Status.A_SURVEILLER, reason, *details)
    if reference is not None and _near_trajectory(last_value, reference, polarity, tolerance):
        within = percent(100 * tolerance, 0 if (100 * tolerance).is_integer() else 1)
        reason = f"la dernière valeur est à moins de {within} de la trajectoire"
        return Assessment(Status.A_SURVEILLER, reason, *details)
    return Assessment(
        Status.HORS_TRAJECTOIRE, "la prévision manque la cible à l’échéance", *details
    )


def inputs_fingerprint(
    observations: Sequence[Observation],
    target: Target,
    *,
    polarity: str,
    as_of: str,
    adoption: bool = False,
    cap: float | None = None,
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
    note: str = "",
) -> str:
    """SHA-256 of everything `assess` reads with these arguments: the observations, the target,
    the options and the rule's constants, the rule's own code and the versions of the libraries
    that fit its forecast; and `note`, what the caller adds to the reason. "" when the rule's
    code could not be read: nothing is then read back.

    Equal fingerprints, the same assessment: one stored with its fingerprint can be read back
    rather than fitted again, which takes NumPy and SciPy, half a second to import in a command
    (decision 0047). Numbers go in exactly (`float.hex`), never rounded."""
    if _RULE_CODE is None:
        return ""

    def number(value: float | None) -> str | None:
        return None if value is None else float(value).hex()

    payload = {
        "observations": [[period, number(value)] for period, value in observations],
        "target": [
            number(target.value),
            target.deadline,
            target.baseline_period,
            number(target.baseline_value),
            [[period, number(value)] for period, value in target.milestones],
        ],
        "options": [polarity, as_of, adoption, number(cap), stale_after_months],
        "constants": [MIN_OBSERVATIONS, number(DEFAULT_TOLERANCE), number(DEFAULT_BAND_LEVEL)],
        "note": note,
        "rule": _RULE_CODE,
        "libraries": _library_versions(),
    }
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def source_digest(*paths: Path) -> str | None:
    """SHA-256 of these source files, or None when one cannot be read (an installation of
    bytecode only)."""
    digest = hashlib.sha256()
    try:
        for path in paths:
            digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


# The rule as this process runs it: the source of the modules that assess, forecast and word the
# reason, read as they are imported (this module imports the others), not when first asked — a
# long-running worker keeps the code it started with while its files are replaced.
_RULE_CODE = source_digest(
    *(
        Path(__file__).with_name(f"{name}.py")
        for name in ("status", "forecast", "statuses", "periods")
    ),
    Path(capsante.french.__file__),
)


def _library_versions() -> list[str]:
    """NumPy's and SciPy's versions: those loaded in this process, else those installed (read
    from their metadata, not imported: a report that reads a status back imports neither)."""
    return [
        f"{name}=={getattr(sys.modules.get(name), '__version__', None) or _installed(name)}"
        for name in ("numpy", "scipy")
    ]


@cache
def _installed(name: str) -> str:
    return metadata.version(name)


def status(observations: Sequence[Observation], target: Target, **options: object) -> Status:
    """Only the status of `assess` (same arguments)."""
    return assess(observations, target, **options).status  # type: ignore[arg-type]


def _baseline(known: Sequence[Observation], target: Target) -> Observation:
    if target.baseline_period is None:
        return known[0]
    if target.baseline_value is not None:
        return target.baseline_period, target.baseline_value
    after = [(p, v) for p, v in known if to_index(p) >= to_index(target.baseline_period)]
    return after[0] if after else known[-1]


def _reference_at(baseline: Observation, target: Target, period: str) -> float | None:
    if to_index(target.deadline) <= to_index(baseline[0]):
        return None
    trajectory = reference_trajectory(baseline, (target.deadline, target.value), target.milestones)
    return trajectory.at(period)


def _near_trajectory(value: float, reference: float, polarity: str, tolerance: float) -> bool:
    if polarity == "up":
        return value >= reference * (1 - tolerance)
    return value <= reference * (1 + tolerance)
