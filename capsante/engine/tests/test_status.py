"""The status rule, case by case (docs/indicateurs/README.md, « Statut »)."""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capsante.engine.periods import from_index, to_index
from capsante.engine.status import Status, Target, assess, inputs_fingerprint, status


def months(start: str, values: list[float]) -> list[tuple[str, float]]:
    first = to_index(start)
    return [(from_index(first + i), v) for i, v in enumerate(values)]


TARGET = Target(value=30, deadline="2025-12")


def test_no_data():
    assert status([], TARGET, polarity="up", as_of="2025-06") == Status.DONNEES_INSUFFISANTES
    # Values after as_of are not known yet.
    assert (
        status([("2025-09", 40)], TARGET, polarity="up", as_of="2025-06")
        == Status.DONNEES_INSUFFISANTES
    )


def test_old_data_comes_first():
    obs = months("2024-01", [10, 20, 35])  # last value 2024-03 meets the target, but is old
    result = assess(obs, TARGET, polarity="up", as_of="2024-10")
    assert result.status == Status.DONNEES_ANCIENNES
    # Read on the cards and in the documents: months as people say them, not 2024-03.
    assert result.reason == "dernière valeur en mars 2024, plus de 6 mois avant octobre 2024"
    assert (
        status(obs, TARGET, polarity="up", as_of="2024-10", stale_after_months=12) == Status.ATTEINT
    )


def test_reached():
    assert (
        status(months("2025-01", [10, 31]), TARGET, polarity="up", as_of="2025-02")
        == Status.ATTEINT
    )
    assert (
        status(months("2025-01", [10, 30]), TARGET, polarity="up", as_of="2025-02")
        == Status.ATTEINT
    )
    # Falling indicator: reaching means going down to the target.
    assert (
        status(months("2025-01", [60, 29]), TARGET, polarity="down", as_of="2025-02")
        == Status.ATTEINT
    )


def test_too_few_observations_since_baseline():
    obs = months("2024-06", [1, 2, 3, 4, 10, 12])
    target = Target(value=30, deadline="2025-12", baseline_period="2024-11")
    result = assess(obs, target, polarity="up", as_of="2024-12")
    assert result.status == Status.DONNEES_INSUFFISANTES
    assert "1\u00a0observation depuis" in result.reason  # only 2024-11 is on or after the baseline


def test_on_track():
    result = assess(months("2025-01", [10, 12, 14, 16]), TARGET, polarity="up", as_of="2025-04")
    assert result.status == Status.EN_BONNE_VOIE
    assert result.forecast_at_deadline == pytest.approx(32)  # 10 + 2 × 11
    assert result.estimated_date == "2025-11"
    assert result.reference_value == pytest.approx(10 + 20 * 3 / 11)


def test_the_month_the_target_is_reached_is_never_one_already_observed_short_of_it():
    """The line fitted through 20, 24, 32, 29 runs at 31,5 in April, where 29 was observed: the
    forecast's month of reaching 30 is May, not April (the Mayenne's INS read « cible atteinte
    vers octobre 2026 » under an October at 79,2 % for 80 %)."""
    result = assess(months("2025-01", [20, 24, 32, 29]), TARGET, polarity="up", as_of="2025-04")
    assert result.status == Status.EN_BONNE_VOIE
    assert result.estimated_date == "2025-05"


def test_to_watch_when_the_band_still_reaches_the_target():
    obs = months("2025-01", [10, 14, 11, 16, 13, 18])
    result = assess(obs, TARGET, polarity="up", as_of="2025-06")
    assert result.forecast_at_deadline == pytest.approx(32 / 3 + 1.2 * 11)  # 23.87 < 30
    assert result.band_at_deadline is not None and result.band_at_deadline[1] >= 30
    assert result.status == Status.A_SURVEILLER
    assert result.reason == "la cible reste dans la bande d’incertitude de la prévision"


def test_to_watch_when_close_to_the_trajectory():
    # Steady so far (on the reference path) but flattening: the last value is within 5 %.
    target = Target(value=30, deadline="2026-12", baseline_period="2025-01", baseline_value=10)
    obs = months("2025-01", [10, 11, 12, 12.8, 13.4, 13.8])
    result = assess(obs, target, polarity="up", as_of="2025-06")
    assert result.reference_value == pytest.approx(10 + 20 * 5 / 23)  # 14.35; 95 % of it: 13.63
    assert result.band_at_deadline is not None and result.band_at_deadline[1] < 30
    assert result.status == Status.A_SURVEILLER
    assert result.reason == "la dernière valeur est à moins de 5\u00a0% de la trajectoire"
    tighter = assess(obs, target, polarity="up", as_of="2025-06", tolerance=0.055)
    assert tighter.reason == "la dernière valeur est à moins de 5,5\u00a0% de la trajectoire"


def test_off_track():
    result = assess(
        months("2025-01", [10, 10.1, 10.2, 10.3]), TARGET, polarity="up", as_of="2025-04"
    )
    assert result.status == Status.HORS_TRAJECTOIRE
    assert result.estimated_date is not None and result.estimated_date > "2030-01"


def test_deadline_passed():
    obs = months("2025-01", [10, 20, 25, 28])
    assert (
        status(obs, Target(30, "2025-03"), polarity="up", as_of="2025-04")
        == Status.HORS_TRAJECTOIRE
    )


def test_falling_indicator_on_track():
    obs = months("2025-01", [90, 85, 80, 75])  # fax share, falling 5 points a month
    assert (
        status(obs, Target(20, "2026-03"), polarity="down", as_of="2025-04") == Status.EN_BONNE_VOIE
    )
    assert (
        status(obs, Target(20, "2025-06"), polarity="down", as_of="2025-04")
        == Status.HORS_TRAJECTOIRE
    )


def test_adoption_curve_is_used_when_allowed():
    # A saturating series heading for ≈ 45 %: the logistic curve says the target of 60 is missed,
    # but the values are still ahead of the reference path, hence « à surveiller »; the straight
    # line would have called it on track.
    obs = months("2024-01", [45 / (1 + math.exp(-0.6 * (t - 4))) for t in range(12)])
    target = Target(60, "2026-12")
    saturating = assess(obs, target, polarity="up", as_of="2024-12", adoption=True, cap=100)
    assert saturating.fit is not None and saturating.fit.model == "logistic"
    assert saturating.forecast_at_deadline == pytest.approx(45, abs=1e-3)
    assert saturating.status == Status.A_SURVEILLER
    linear = assess(obs, target, polarity="up", as_of="2024-12", adoption=False)
    assert linear.status == Status.EN_BONNE_VOIE


def test_plateau_below_the_path_is_off_track():
    obs = months("2024-01", [15 / (1 + math.exp(-0.8 * (t - 3))) for t in range(12)])
    target = Target(60, "2026-12")
    result = assess(obs, target, polarity="up", as_of="2024-12", adoption=True, cap=100)
    assert result.status == Status.HORS_TRAJECTOIRE


def test_labels_are_french():
    assert [s.label for s in Status] == [
        "atteint",
        "en bonne voie",
        "à surveiller",
        "hors trajectoire",
        "données insuffisantes",
        "données anciennes",
    ]


RANK = {
    Status.HORS_TRAJECTOIRE: 0,
    Status.A_SURVEILLER: 1,
    Status.EN_BONNE_VOIE: 2,
    Status.ATTEINT: 3,
}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(0, 50, allow_nan=False), min_size=3, max_size=12),
    st.floats(0.5, 30, allow_nan=False),
)
def test_higher_values_never_worsen_the_status(values: list[float], lift: float):
    obs = months("2025-01", values)
    as_of = obs[-1][0]
    target = Target(60, "2026-12")
    before = status(obs, target, polarity="up", as_of=as_of)
    after = status([(p, v + lift) for p, v in obs], target, polarity="up", as_of=as_of)
    assert RANK[after] >= RANK[before]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=12))
def test_reached_exactly_when_the_last_value_meets_the_target(values: list[float]):
    obs = months("2025-01", values)
    result = status(obs, Target(50, "2026-12"), polarity="up", as_of=obs[-1][0])
    assert (result == Status.ATTEINT) == (values[-1] >= 50)


# One case per line of the rule the documents print (statuses.RULE), in its order; the line
# « à surveiller » holds two conditions, hence two cases.
RULE_CASES: list[tuple[int, list[tuple[str, float]], Target, str, dict]] = [
    (0, [], TARGET, "2025-06", {}),
    (1, months("2024-01", [10, 20, 35]), TARGET, "2024-10", {}),
    (2, months("2025-01", [10, 31]), TARGET, "2025-02", {}),
    (
        3,
        months("2024-06", [1, 2, 3, 4, 10, 12]),
        Target(value=30, deadline="2025-12", baseline_period="2024-11"),
        "2024-12",
        {},
    ),
    (4, months("2025-01", [10, 20, 25, 28]), Target(30, "2025-03"), "2025-04", {}),
    (5, months("2025-01", [10, 12, 14, 16]), TARGET, "2025-04", {}),
    (6, months("2025-01", [10, 14, 11, 16, 13, 18]), TARGET, "2025-06", {}),
    (
        6,
        months("2025-01", [10, 11, 12, 12.8, 13.4, 13.8]),
        Target(value=30, deadline="2026-12", baseline_period="2025-01", baseline_value=10),
        "2025-06",
        {},
    ),
    (7, months("2025-01", [10, 10.1, 10.2, 10.3]), TARGET, "2025-04", {}),
]


def test_the_rule_the_documents_print_is_the_rule_applied():
    """Each line of the printed rule, in its order, is what `assess` decides on a case where
    that line is the first to hold; every line has its case."""
    from capsante.engine.statuses import RULE

    assert sorted({line for line, *_ in RULE_CASES}) == list(range(len(RULE)))
    for line, observations, target, as_of, options in RULE_CASES:
        decided = assess(observations, target, polarity="up", as_of=as_of, **options)
        assert decided.status == RULE[line][1], (line, RULE[line][0])


def test_the_fingerprint_of_an_assessment_s_inputs_moves_with_each_of_them():
    """A stored assessment is read back only when its inputs' fingerprint is the same
    (decision 0047): every input `assess` reads moves it, down to a value's last bit."""
    obs = months("2025-01", [12.0, 14.0, 16.0, 18.0])
    options: dict[str, Any] = {"polarity": "up", "as_of": "2025-06", "adoption": True, "cap": 100.0}

    same = inputs_fingerprint(obs, TARGET, **options)
    assert inputs_fingerprint(list(obs), Target(value=30, deadline="2025-12"), **options) == same
    last_bit = [*obs[:-1], (obs[-1][0], math.nextafter(obs[-1][1], math.inf))]
    changed = {
        "a value's last bit": inputs_fingerprint(last_bit, TARGET, **options),
        "one more month": inputs_fingerprint([*obs, ("2025-05", 20.0)], TARGET, **options),
        "the target": inputs_fingerprint(obs, Target(value=31, deadline="2025-12"), **options),
        "the deadline": inputs_fingerprint(obs, Target(value=30, deadline="2026-06"), **options),
        "the baseline": inputs_fingerprint(
            obs, Target(value=30, deadline="2025-12", baseline_period="2025-02"), **options
        ),
        "a milestone": inputs_fingerprint(
            obs, Target(value=30, deadline="2025-12", milestones=(("2025-09", 25.0),)), **options
        ),
        "the month assessed": inputs_fingerprint(obs, TARGET, **{**options, "as_of": "2025-07"}),
        "the polarity": inputs_fingerprint(obs, TARGET, **{**options, "polarity": "down"}),
        "the adoption curve": inputs_fingerprint(obs, TARGET, **{**options, "adoption": False}),
        "the cap": inputs_fingerprint(obs, TARGET, **{**options, "cap": None}),
        "the age limit": inputs_fingerprint(obs, TARGET, **options, stale_after_months=12),
        "the caller's note": inputs_fingerprint(obs, TARGET, **options, note="mai mis de côté"),
    }
    assert [what for what, fingerprint in changed.items() if fingerprint == same] == []
    assert len(set(changed.values())) == len(changed)


def test_the_fingerprint_takes_every_option_of_the_rule():
    """An option added to `assess` and left out of the fingerprint would let a report read back
    an assessment made with another value of it. The three the callers leave at their default
    are in it as the rule's constants."""
    options = set(inspect.signature(assess).parameters)
    constants = {"min_observations", "tolerance", "band_level"}
    assert options - constants - set(inspect.signature(inputs_fingerprint).parameters) == set()
