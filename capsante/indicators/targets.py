"""What a target asks, said in the unit people act on: "reste à faire".

A share of 80 % of qualified identities is reached by qualifying identities, one establishment
at a time; 70 % of ESMS equipped, by equipping ESMS. As ANS's own Ségur steering views do, each
target says how many more (or fewer) of those it still takes, from the latest value's numerator
and denominator, and for an indicator counted establishment by establishment, which ones."""

import math
from dataclasses import dataclass

from capsante.ui import formats

from .models import Indicator, IndicatorValue, Target


def digits(indicator: Indicator) -> int:
    return 0 if indicator.unit == "count" else (2 if indicator.unit == "per_inhabitant" else 1)


def shown_difference(after: float, before: float, indicator: Indicator) -> float:
    """`after − before` as a reader works it out from the two figures shown: each rounded as it
    is written first. From the unrounded values, 7,1 % against 4,6 % read « +2,4 pt » (7,051
    − 4,603): right, and taken for a mistake by whoever checks it (review of 7 December)."""
    places = digits(indicator)
    return round(round(after, places) - round(before, places), places)


def format_value(value: float | None, indicator: Indicator) -> str:
    if value is None:
        return "—"
    text = formats.number(value, digits(indicator))
    return f"{text}{formats.NBSP}%" if indicator.unit == "%" else text


# What the numerator of each indicator counts, singular and plural: the unit people act on.
COUNTED: dict[str, tuple[str, str]] = {
    "CAMPAIGN_CYBER_EXERCISE_DONE": ("établissement", "établissements"),
    "CAMPAIGN_CYBER_EXERCISE_PLANNED": ("établissement", "établissements"),
    "CAMPAIGN_ESMS_MSS_KIT": ("ESMS", "ESMS"),
    "CAMPAIGN_ESMS_TELEHEALTH_EQUIPPED": ("ESMS", "ESMS"),
    "CAMPAIGN_ESMS_TELEHEALTH_IN_USE": ("ESMS", "ESMS"),
    "CAMPAIGN_ZERO_FAX_CLOSED": ("officine", "officines"),
    "CAMPAIGN_ZERO_FAX_IN_USE": ("officine", "officines"),
    "CAMPAIGN_ZERO_FAX_MSS": ("officine", "officines"),
    "CARE_REGISTRATION": ("établissement inscrit", "établissements inscrits"),
    "CYBER_EXERCISES_DONE": ("établissement", "établissements"),
    "DMP_ALIMENTATION": ("Espace santé alimenté", "Espaces santé alimentés"),
    "DMP_CONSULTATION": ("professionnel consultant le DMP", "professionnels consultant le DMP"),
    "DMP_DOCS_PER_INHABITANT": ("document", "documents"),
    "ESMS_TELEHEALTH_EQUIPPED": ("ESMS équipé", "ESMS équipés"),
    "INS_QUALIFICATION": ("identité qualifiée", "identités qualifiées"),
    "MES_ACTIVATION": ("compte activé", "comptes activés"),
    "MSS_USE": ("professionnel équipé", "professionnels équipés"),
    "OFFICINES_FAX": ("officine avec un fax", "officines avec un fax"),
    "OFFICINES_MSS": ("officine équipée", "officines équipées"),
    "TELEEXPERTISE_SPECIALTIES": ("spécialité", "spécialités"),
    "TELEHEALTH_LIBERAL": ("professionnel", "professionnels"),
}
UNIT_FACTOR = {"%": 100.0, "per_1000": 1000.0, "per_inhabitant": 1.0}
NO_TARGET = "aucune cible fixée"
NOT_APPLICABLE = "sans objet sur ce territoire"


@dataclass(frozen=True)
class Remaining:
    """How far the latest value stands from the target, in the numerator's unit."""

    count: int  # how many more (polarity up) or fewer (down); 0 once the target is met
    singular: str
    plural: str
    fewer: bool  # the indicator goes down: so many fewer
    structures: bool  # counted establishment by establishment: the list says which

    @property
    def done(self) -> bool:
        return self.count <= 0

    @property
    def label(self) -> str:
        """'encore 101 identités qualifiées', 'encore 12 officines avec un fax de moins',
        'cible atteinte'."""
        if self.done:
            return "cible atteinte"
        counted = formats.plural(self.count, self.singular, self.plural)
        return f"encore {counted}{' de moins' if self.fewer else ''}"


def remaining(
    indicator: Indicator, target: Target | None, latest: IndicatorValue | None
) -> Remaining | None:
    """What the target still asks, from the latest value; None when it cannot be said (no
    target, no value, a ratio without its numerator and denominator)."""
    if target is None or target.not_applicable or target.target_value is None or latest is None:
        return None
    words = COUNTED.get(indicator.code)
    if words is None:
        return None
    down = indicator.polarity == "down"
    if indicator.unit == "count" or latest.denominator is None:
        if indicator.unit != "count" or latest.value is None:
            return None
        gap = (latest.value - target.target_value) if down else (target.target_value - latest.value)
    else:
        if latest.numerator is None or not latest.denominator:
            return None
        wanted = target.target_value / UNIT_FACTOR.get(indicator.unit, 1.0) * latest.denominator
        gap = (latest.numerator - wanted) if down else (wanted - latest.numerator)
    return Remaining(
        count=max(0, math.ceil(gap - 1e-9)),
        singular=words[0],
        plural=words[1],
        fewer=down,
        structures=indicator.grain == "structure",
    )


def target_label(target: Target | None, value_label) -> str:
    """A target as pages write it: '80 % en décembre 2026', 'sans objet sur ce territoire',
    'aucune cible fixée'. `value_label` formats the value in the indicator's unit."""
    if target is None:
        return NO_TARGET
    if target.not_applicable:
        return NOT_APPLICABLE
    if target.target_value is None:
        return NO_TARGET
    return f"{value_label(target.target_value)} en {formats.month(target.deadline)}"
