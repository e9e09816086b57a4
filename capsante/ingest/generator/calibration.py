"""What the demo must show: published baselines, roadmap targets, and per-département trends.

Sarthe's figures come from its 2025-2026 roadmap (seeds/sarthe-2025-2026-roadmap.txt), the
regional cyber figures from the same document, Mayenne's targets from the ARS announcement of
October 2025. Every other département gets plausible values drawn around the same levels.
"""

from dataclasses import dataclass

import numpy as np

from .rand import stream

# Trends are linear between January 2024 (t = 0) and December 2026 (t = 35), the end of the
# 2025-2026 roadmaps, so that "on track" reads directly as "the December 2026 value ≥ target".
T_END = 35

MAYENNE_TARGETS = {
    "mes_activation": 0.30,
    "dmp_feeding": 0.80,
    "dmp_consultation": 0.40,
    "ins_qualification": 0.80,
    "mss_use": 0.70,
    "telehealth": 0.80,
    "esms_equipped": 0.70,
}

SARTHE = "72"
MAYENNE = "53"
PAYS_DE_LA_LOIRE = "52"
SARTHE_OFFICINES = 156
SARTHE_OFFICINES_WITH_MAILBOX = 123
SARTHE_OFFICINES_WITH_FAX = 142  # 91 % of 156, June 2024 survey
SARTHE_FEEDING_PERIOD = "2024-11"
SARTHE_FEEDING_SHARE = 0.69
SARTHE_DOCUMENTS_WINDOW = ("2023-11", "2024-10")
SARTHE_DOCUMENTS_PER_INHABITANT = 3.87
SARTHE_SPECIALTIES_PERIOD = "2024-10"
SARTHE_SPECIALTIES = 26
REGIONAL_PLATFORM = "Plateforme régionale de télésanté"


@dataclass(frozen=True)
class Trend:
    start: float  # January 2024
    end: float  # December 2026

    def at(self, t: np.ndarray | float) -> np.ndarray:
        return np.asarray(self.start + (self.end - self.start) * np.asarray(t, dtype=float) / T_END)


@dataclass(frozen=True)
class Profile:
    """One département's levels and trends."""

    departement: str
    mes_activation: Trend  # activated accounts / Espaces santé
    dmp_feeding: Trend  # Espaces santé with ≥ 1 document / Espaces santé
    documents_per_inhabitant: float  # documents per inhabitant over the year to October 2024
    documents_growth: float  # yearly growth of documents fed
    dmp_consultation: Trend  # professionals consulting ≥ 1 DMP in the month / professionals
    telehealth: Trend  # liberal professionals with ≥ 1 telehealth act in 12 months / liberal
    ins_qualification: Trend  # QUAL identities / identities
    esms_equipped: Trend  # ESMS answering "equipped for telehealth"
    mss_liberal: float  # liberal professionals with a personal MSSanté mailbox
    officine_mailbox: float  # officines with an MSSanté mailbox
    officine_fax: float  # officines with a fax
    specialties_2024_10: int  # téléexpertise specialties on the regional platform in October 2024
    specialties_per_year: float


@dataclass(frozen=True)
class CyberProfile:
    """A région's register of cyber-crisis exercises (rows by status, distinct establishments)."""

    region: str
    establishments: int  # distinct establishments due an exercise
    done: int  # rows `realise`
    to_do: int  # rows `a_realiser`
    planned: int  # rows `programme`
    care_share: float  # establishments registered in the CaRE programme

    @property
    def duplicates(self) -> int:
        """Rows beyond one per establishment: establishments listed twice in the register."""
        return self.done + self.to_do + self.planned - self.establishments


FIXED_PROFILES = {
    MAYENNE: Profile(
        departement=MAYENNE,
        mes_activation=Trend(0.165, 0.312),  # on track for 30 %
        dmp_feeding=Trend(0.63, 0.815),  # on track for 80 %
        documents_per_inhabitant=3.72,
        documents_growth=0.09,
        dmp_consultation=Trend(0.14, 0.27),  # not on track for 40 %
        telehealth=Trend(0.36, 0.55),  # not on track for 80 %
        ins_qualification=Trend(0.55, 0.825),  # on track for 80 %
        esms_equipped=Trend(0.37, 0.62),  # not on track for 70 %
        mss_liberal=0.56,
        officine_mailbox=0.80,
        officine_fax=0.88,
        specialties_2024_10=21,
        specialties_per_year=3.0,
    ),
    SARTHE: Profile(
        departement=SARTHE,
        mes_activation=Trend(0.18, 0.33),
        # 69 % in November 2024 (t = 10) on the line itself; the generator then matches it exactly.
        dmp_feeding=Trend(0.648, 0.795),
        documents_per_inhabitant=SARTHE_DOCUMENTS_PER_INHABITANT,
        documents_growth=0.08,
        dmp_consultation=Trend(0.16, 0.31),
        telehealth=Trend(0.40, 0.60),
        ins_qualification=Trend(0.58, 0.84),
        esms_equipped=Trend(0.44, 0.66),
        mss_liberal=0.60,
        officine_mailbox=SARTHE_OFFICINES_WITH_MAILBOX / SARTHE_OFFICINES,
        officine_fax=SARTHE_OFFICINES_WITH_FAX / SARTHE_OFFICINES,
        specialties_2024_10=SARTHE_SPECIALTIES,
        specialties_per_year=3.0,
    ),
}

# Source figures reproduced as published: 103 + 20 + 6 = 129 rows for 126 establishments, read
# as three establishments listed twice (an exercise done and the next one already planned).
FIXED_CYBER = {
    PAYS_DE_LA_LOIRE: CyberProfile(
        region=PAYS_DE_LA_LOIRE, establishments=126, done=103, to_do=20, planned=6, care_share=0.93
    ),
}


def _trend(
    rng: np.random.Generator,
    start: float,
    start_sd: float,
    gain: float,
    gain_sd: float,
    low: float = 0.02,
    high: float = 0.97,
) -> Trend:
    first = float(np.clip(rng.normal(start, start_sd), low, high))
    last = float(np.clip(first + max(rng.normal(gain, gain_sd), 0.01), first + 0.01, high))
    return Trend(round(first, 4), round(last, 4))


def profile(departement: str, seed: int) -> Profile:
    if departement in FIXED_PROFILES:
        return FIXED_PROFILES[departement]
    rng = stream(seed, "profile", departement)
    return Profile(
        departement=departement,
        mes_activation=_trend(rng, 0.18, 0.03, 0.14, 0.03),
        dmp_feeding=_trend(rng, 0.66, 0.04, 0.15, 0.03),
        documents_per_inhabitant=round(float(np.clip(rng.normal(3.9, 0.22), 3.2, 4.6)), 3),
        documents_growth=round(float(np.clip(rng.normal(0.09, 0.03), 0.02, 0.16)), 3),
        dmp_consultation=_trend(rng, 0.17, 0.03, 0.15, 0.04),
        telehealth=_trend(rng, 0.40, 0.06, 0.2, 0.05),
        ins_qualification=_trend(rng, 0.58, 0.07, 0.26, 0.05),
        esms_equipped=_trend(rng, 0.45, 0.08, 0.22, 0.06),
        mss_liberal=round(float(np.clip(rng.normal(0.6, 0.06), 0.35, 0.85)), 3),
        officine_mailbox=round(float(np.clip(rng.normal(0.8, 0.06), 0.55, 0.97)), 3),
        officine_fax=round(float(np.clip(rng.normal(0.88, 0.04), 0.7, 0.98)), 3),
        specialties_2024_10=int(np.clip(round(rng.normal(24, 4)), 12, 32)),
        specialties_per_year=round(float(rng.uniform(1.0, 4.0)), 2),
    )


def cyber_profile(region: str, sanitary_establishments: int, seed: int) -> CyberProfile:
    if region in FIXED_CYBER:
        return FIXED_CYBER[region]
    rng = stream(seed, "cyber-profile", region)
    due = max(1, int(round(sanitary_establishments * rng.uniform(0.65, 0.85))))
    duplicates = int(round(due * rng.uniform(0.0, 0.03)))
    rows = due + duplicates
    done = int(round(rows * rng.uniform(0.7, 0.85)))
    planned = max(duplicates, int(round(rows * rng.uniform(0.03, 0.08))))
    to_do = max(0, rows - done - planned)
    done = rows - to_do - planned
    return CyberProfile(
        region=region,
        establishments=due,
        done=done,
        to_do=to_do,
        planned=planned,
        care_share=round(float(rng.uniform(0.8, 0.96)), 3),
    )
