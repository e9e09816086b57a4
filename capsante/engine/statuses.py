"""The statuses of an indicator against its target: their codes and labels.

Apart from the rule that computes them (status.py, which fits forecasts with NumPy): the models
store a status, and starting Django — every command — should not import NumPy for its name.
"""

from enum import StrEnum


class Status(StrEnum):
    ATTEINT = "atteint"
    EN_BONNE_VOIE = "en_bonne_voie"
    A_SURVEILLER = "a_surveiller"
    HORS_TRAJECTOIRE = "hors_trajectoire"
    DONNEES_INSUFFISANTES = "donnees_insuffisantes"
    DONNEES_ANCIENNES = "donnees_anciennes"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Status.ATTEINT: "atteint",
    Status.EN_BONNE_VOIE: "en bonne voie",
    Status.A_SURVEILLER: "à surveiller",
    Status.HORS_TRAJECTOIRE: "hors trajectoire",
    Status.DONNEES_INSUFFISANTES: "données insuffisantes",
    Status.DONNEES_ANCIENNES: "données anciennes",
}


# The rule's thresholds, applied by status.py and written out in the documents by `RULE`.
MIN_OBSERVATIONS = 3
DEFAULT_STALE_AFTER_MONTHS = 6
DEFAULT_TOLERANCE = 0.05
BAND_LEVEL = 0.8

_PERCENT = "\u00a0%"  # French: a no-break space before the sign

# The rule in the words of the committee's documents, in the order status.py applies it: the
# first condition that holds gives the status. A committee reads where a status comes from in
# the document it holds, not in a file of the code (tests: test_status.py follows each line).
RULE: tuple[tuple[str, Status], ...] = (
    ("aucune valeur n’a été observée", Status.DONNEES_INSUFFISANTES),
    (
        f"la dernière valeur date de plus de {DEFAULT_STALE_AFTER_MONTHS} mois"
        " (ou du délai propre à l’indicateur)",
        Status.DONNEES_ANCIENNES,
    ),
    ("la dernière valeur atteint la cible", Status.ATTEINT),
    (
        f"moins de {MIN_OBSERVATIONS} valeurs depuis la valeur de référence",
        Status.DONNEES_INSUFFISANTES,
    ),
    ("l’échéance est dépassée", Status.HORS_TRAJECTOIRE),
    ("la prévision à l’échéance atteint la cible", Status.EN_BONNE_VOIE),
    (
        "la cible reste dans la bande d’incertitude de la prévision"
        f" ({BAND_LEVEL * 100:.0f}{_PERCENT}), ou la dernière valeur est à moins de"
        f" {DEFAULT_TOLERANCE * 100:.0f}{_PERCENT} de la trajectoire de référence",
        Status.A_SURVEILLER,
    ),
    ("dans les autres cas", Status.HORS_TRAJECTOIRE),
)
# The same, each status by its label: what the documents print and the snapshots keep.
RULE_IN_WORDS: tuple[tuple[str, str], ...] = tuple((condition, s.label) for condition, s in RULE)
