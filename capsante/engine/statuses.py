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
