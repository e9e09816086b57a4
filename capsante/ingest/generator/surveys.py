"""Survey exports (`;` CSV with the questions as headers, as a form tool exports them)."""

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from . import calibration, periods
from .calibration import Profile
from .rand import stream
from .structures import Structure

PHARMACY_HEADER = [
    "Horodateur",
    "N° FINESS",
    "Votre officine dispose-t-elle d'un fax ?",
    "Disposez-vous d'une messagerie sécurisée de santé (MSSanté) ?",
    "Utilisez-vous votre MSSanté au moins une fois par semaine ?",
]
ESMS_HEADER = [
    "Horodateur",
    "N° FINESS",
    "Nom de l'établissement",
    "Votre établissement est-il équipé d'une solution de télésanté (téléconsultation, téléexpertise) ?",
    "Votre établissement utilise-t-il la télésanté au moins une fois par mois ?",
    "Avez-vous reçu le kit MSSanté pour les ESSMS ?",
]
# How the survey connector maps the questions onto `survey_answers` (its `mapping` option).
PHARMACY_MAPPING = dict(
    zip(
        PHARMACY_HEADER, ("answered_on", "finess_et", "has_fax", "has_mss", "uses_mss"), strict=True
    )
)
ESMS_MAPPING = {
    ESMS_HEADER[0]: "answered_on",
    ESMS_HEADER[1]: "finess_et",
    ESMS_HEADER[3]: "telehealth_equipped",
    ESMS_HEADER[4]: "telehealth_in_use",
    ESMS_HEADER[5]: "mss_kit",
}
PHARMACY_PERIOD = "2024-06"
# Yearly waves of the regional ESMS telehealth / MSSanté kit survey.
ESMS_WAVES = ("2024-10", "2025-10", "2026-10")
ESMS_RESPONSE_RATE = 0.8
KIT_SHARE = {"2024-10": 0.35, "2025-10": 0.55, "2026-10": 0.7}


@dataclass
class SurveyFile:
    path: Path
    slug: str
    period: str
    rows: int
    mapping: dict[str, str]


def _yes(value: bool | None) -> str:
    # A question skipped by the form's logic is exported as an empty cell.
    return "" if value is None else ("Oui" if value else "Non")


def _timestamp(rng: np.random.Generator, period: str) -> str:
    year, month = periods.parse(period)
    moment = datetime(year, month, 2, 8, 0) + timedelta(
        days=int(rng.integers(0, 24)), seconds=int(rng.integers(0, 10 * 3600))
    )
    return moment.strftime("%d/%m/%Y %H:%M:%S")


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def pharmacy_survey(
    directory: Path, structures: list[Structure], months: list[str], seed: int
) -> list[SurveyFile]:
    """The June 2024 survey of Sarthe's officines on fax and MSSanté (every officine answered)."""
    officines = [
        s for s in structures if s.departement == calibration.SARTHE and s.category == "620"
    ]
    if not officines or PHARMACY_PERIOD not in months:
        return []
    rng = stream(seed, "survey-officines")
    rows = []
    for s in officines:
        has_mss = s.extras.get("mailbox", "none") != "none"
        rows.append(
            [
                _timestamp(rng, PHARMACY_PERIOD),
                s.finess_et,
                _yes(bool(s.extras.get("fax"))),
                _yes(has_mss),
                _yes(bool(s.extras.get("uses_mss"))) if has_mss else "",
            ]
        )
    rows.sort(key=lambda r: datetime.strptime(r[0], "%d/%m/%Y %H:%M:%S"))
    path = directory / f"enquete_officines_fax_mssante_{calibration.SARTHE}_{PHARMACY_PERIOD}.csv"
    _write(path, PHARMACY_HEADER, rows)
    return [
        SurveyFile(
            path,
            f"officines-fax-mssante-{PHARMACY_PERIOD[:4]}",
            PHARMACY_PERIOD,
            len(rows),
            PHARMACY_MAPPING,
        )
    ]


def esms_surveys(
    directory: Path,
    structures: list[Structure],
    profiles: dict[str, Profile],
    months: list[str],
    seed: int,
) -> list[SurveyFile]:
    """Telehealth equipment and MSSanté kit of EHPAD and other ESMS, one wave a year."""
    targets = [s for s in structures if s.group in ("ehpad", "esms")]
    if not targets:
        return []
    base = stream(seed, "survey-esms")
    # Fixed per establishment across waves, so that equipment only spreads over time.
    readiness = {
        s.finess_et: float(u) for s, u in zip(targets, base.random(len(targets)), strict=True)
    }
    usage = {s.finess_et: float(u) for s, u in zip(targets, base.random(len(targets)), strict=True)}
    kit = {s.finess_et: float(u) for s, u in zip(targets, base.random(len(targets)), strict=True)}
    files = []
    for wave in ESMS_WAVES:
        if wave not in months:
            continue
        rng = stream(seed, "survey-esms", wave)
        t = periods.index(wave)
        rows = []
        for dep in sorted({s.departement for s in targets}):
            respondents = [
                s for s in targets if s.departement == dep and rng.random() < ESMS_RESPONSE_RATE
            ]
            if not respondents:
                continue
            share = float(profiles[dep].esms_equipped.at(t))
            ranked = sorted(respondents, key=lambda s: readiness[s.finess_et])
            equipped = {s.finess_et for s in ranked[: int(round(share * len(respondents)))]}
            for s in respondents:
                is_equipped = s.finess_et in equipped
                in_use = (
                    (usage[s.finess_et] < 0.55 + 0.1 * ESMS_WAVES.index(wave))
                    if is_equipped
                    else None
                )
                rows.append(
                    [
                        _timestamp(rng, wave),
                        s.finess_et,
                        s.long_name,
                        _yes(is_equipped),
                        _yes(in_use),
                        _yes(kit[s.finess_et] < KIT_SHARE[wave]),
                    ]
                )
        rows.sort(key=lambda r: (datetime.strptime(r[0], "%d/%m/%Y %H:%M:%S"), r[1]))
        path = directory / f"enquete_esms_telesante_{wave}.csv"
        _write(path, ESMS_HEADER, rows)
        files.append(SurveyFile(path, f"esms-telesante-{wave[:4]}", wave, len(rows), ESMS_MAPPING))
    return files
