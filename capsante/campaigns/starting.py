"""Starting stages of the demo campaigns, read from the imported surveys and registers, and the
campaigns the seeds call for (zero fax, cyber-crisis exercises, ESMS telehealth, MSSanté kit)."""

import datetime as dt
from dataclasses import dataclass, field

import duckdb
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from capsante.establishments.models import Establishment
from capsante.ingest.staging import StagingStore
from capsante.territories.models import Level, Territory

from . import services
from .models import Campaign, Stage

Start = dict[str, tuple[int, dt.datetime | None]]


def _store() -> StagingStore:
    return StagingStore(settings.STAGING_DIR)


def _rows(table: str) -> list[dict]:
    return _store().read(table).to_pylist()


def _aware(day: dt.date | None) -> dt.datetime | None:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12))) if day else None


def mss_equipped() -> set[str]:
    """FINESS of structures with an organisational mailbox, or whose professionals have one."""
    store = _store()
    if not {"mailboxes", "structures"} <= set(store.tables()):
        return set()
    con = duckdb.connect()
    mailboxes, structures = store.path_glob("mailboxes"), store.path_glob("structures")
    query = f"""
        SELECT s.finess_et FROM read_parquet('{structures}') s
        WHERE s.finess_et IN (SELECT structure_id FROM read_parquet('{mailboxes}') WHERE structure_id_type IN ('1', 'FINESS'))
           OR s.finess_ej IN (SELECT structure_id FROM read_parquet('{mailboxes}') WHERE structure_id_type IN ('1', 'FINESS'))
    """  # noqa: S608 - paths are our own staging files, not user input
    found = {row[0] for row in con.execute(query).fetchall()}
    if "professionals" in store.tables():
        professionals = store.path_glob("professionals")
        query = f"""
            SELECT DISTINCT p.finess_site FROM read_parquet('{professionals}') p
            JOIN read_parquet('{mailboxes}') m ON m.rpps_id = p.rpps_id
            WHERE m.bal_type = 'PER' AND p.finess_site IS NOT NULL
        """  # noqa: S608
        found |= {row[0] for row in con.execute(query).fetchall()}
    return found


def latest_answers(prefix: str) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in _rows("survey_answers") if "survey_answers" in _store().tables() else []:
        if row["survey"].startswith(prefix):
            current = latest.get(row["finess_et"])
            if current is None or (row["answered_on"] or dt.date.min) >= (
                current["answered_on"] or dt.date.min
            ):
                latest[row["finess_et"]] = row
    return latest


def zero_fax_start(mss: set[str]) -> Start:
    start: Start = {}
    for finess, answer in latest_answers("officines-fax").items():
        when = _aware(answer["answered_on"])
        # A pharmacy without a mailbox is at the start whatever its fax; the fax line counts as
        # closed only once exchanges can go through MSSanté.
        if not answer["has_mss"]:
            start[finess] = (1, when)
        elif answer["has_fax"] is False:
            start[finess] = (4, when)
        elif answer["uses_mss"]:
            start[finess] = (3, when)
        else:
            start[finess] = (2, when)
    return start


def esms_telehealth_start() -> Start:
    return {
        f: (
            3 if a["telehealth_in_use"] else 2 if a["telehealth_equipped"] else 1,
            _aware(a["answered_on"]),
        )
        for f, a in latest_answers("esms-telesante").items()
    }


def mss_kit_start() -> Start:
    return {
        f: (2 if a["mss_kit"] else 1, _aware(a["answered_on"]))
        for f, a in latest_answers("esms-telesante").items()
    }


CYBER_ORDER = {"a_realiser": 1, "programme": 2, "realise": 3}
# Zero fax: what each stage says about the pharmacy's MSSanté mailbox.
MSS_BY_STAGE = {"sans-mss": False, "boite-mss": True, "mss-utilisee": True, "fax-ferme": True}


def cyber_start() -> tuple[Start, list[str]]:
    """Each establishment at its most advanced stage in the register (an establishment listed
    under two legal entities counts once): done on its exercise's date; planned as of today,
    when the register tells it (the date in the register is the exercise's, still to come)."""
    rows = _rows("cyber_register") if "cyber_register" in _store().tables() else []
    start: Start = {}
    for row in rows:
        order = CYBER_ORDER.get(row["exercise_status"], 1)
        when = _aware(row["exercise_date"]) if order == CYBER_ORDER["realise"] else None
        if order >= start.get(row["finess_et"], (0, None))[0]:
            start[row["finess_et"]] = (order, when)
    return start, sorted(start)


@dataclass
class Spec:
    slug: str
    name: str
    description: str
    territory: tuple[str, str]
    stages: list[tuple[str, str]]
    indicators: list[str]
    groups: list[str] = field(default_factory=list)
    deadline: dt.date | None = None
    deadline_label: str = ""


SPECS = [
    Spec(
        "zero-fax-72",
        "Zéro fax — officines de la Sarthe",
        "Accompagner chaque officine du fax vers la messagerie sécurisée de santé avant la coupure du réseau cuivre.",
        (Level.DEPARTEMENT, "72"),
        [
            ("sans-mss", "Sans MSSanté"),
            ("boite-mss", "Boîte MSSanté"),
            ("mss-utilisee", "MSSanté utilisée"),
            ("fax-ferme", "Ligne de fax fermée"),
        ],
        ["CAMPAIGN_ZERO_FAX_MSS", "CAMPAIGN_ZERO_FAX_IN_USE", "CAMPAIGN_ZERO_FAX_CLOSED"],
        ["officine"],
        dt.date(2026, 12, 31),
        "coupure des lignes de cuivre prévue en 2026",
    ),
    Spec(
        "zero-fax-53",
        "Zéro fax — officines de la Mayenne",
        "Anticiper la fin du fax avant la coupure du cuivre du 26 janvier 2026.",
        (Level.DEPARTEMENT, "53"),
        [
            ("sans-mss", "Sans MSSanté"),
            ("boite-mss", "Boîte MSSanté"),
            ("mss-utilisee", "MSSanté utilisée"),
            ("fax-ferme", "Ligne de fax fermée"),
        ],
        ["CAMPAIGN_ZERO_FAX_MSS", "CAMPAIGN_ZERO_FAX_IN_USE", "CAMPAIGN_ZERO_FAX_CLOSED"],
        ["officine"],
        dt.date(2026, 1, 26),
        "coupure du cuivre",
    ),
    Spec(
        "exercice-crise-cyber-52",
        "Exercice de crise cyber — établissements des Pays de la Loire",
        "Chaque établissement concerné réalise un exercice de crise cyber (kit de l'ANS à trois niveaux).",
        (Level.REGION, "52"),
        [("a-realiser", "À réaliser"), ("programme", "Programmé"), ("realise", "Réalisé")],
        ["CAMPAIGN_CYBER_EXERCISE_PLANNED", "CAMPAIGN_CYBER_EXERCISE_DONE"],
    ),
    Spec(
        "esms-telesante-52",
        "Équipement des ESMS en télésanté — Pays de la Loire",
        "Équiper les établissements et services médico-sociaux d'une solution de télésanté, puis l'utiliser.",
        (Level.REGION, "52"),
        [("non-equipe", "Non équipé"), ("equipe", "Équipé"), ("utilise", "Utilisé")],
        ["CAMPAIGN_ESMS_TELEHEALTH_EQUIPPED", "CAMPAIGN_ESMS_TELEHEALTH_IN_USE"],
        ["esms", "ehpad"],
    ),
    Spec(
        "kit-mssante-esms-52",
        "Kit MSSanté des ESMS — Pays de la Loire",
        "Diffuser le kit MSSanté aux établissements et services médico-sociaux.",
        (Level.REGION, "52"),
        [("sans-kit", "Sans kit"), ("kit-recu", "Kit MSSanté reçu")],
        ["CAMPAIGN_ESMS_MSS_KIT"],
        ["esms", "ehpad"],
    ),
]


@transaction.atomic
def _create(spec: Spec) -> tuple[Campaign, bool]:
    territory = Territory.objects.get(level=spec.territory[0], code=spec.territory[1])
    campaign, created = Campaign.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "description": spec.description,
            "territory": territory,
            "category_groups": spec.groups,
            "deadline": spec.deadline,
            "deadline_label": spec.deadline_label,
            "indicator_codes": spec.indicators,
            "started_on": dt.date(2024, 6, 1),
        },
    )
    if created:
        for order, (code, label) in enumerate(spec.stages, start=1):
            Stage.objects.create(
                campaign=campaign,
                order=order,
                code=code,
                label=label,
                mss_equipped=MSS_BY_STAGE.get(code) if spec.slug.startswith("zero-fax") else None,
            )
    return campaign, created


def seed_demo_campaigns() -> list[Campaign]:
    """Create the seeds' campaigns and enrol structures at their starting stage (idempotent)."""
    mss = mss_equipped()
    starts = {
        "zero-fax-72": zero_fax_start(mss),
        "zero-fax-53": {f: (2, None) for f in mss},
        "esms-telesante-52": esms_telehealth_start(),
        "kit-mssante-esms-52": mss_kit_start(),
    }
    cyber, cyber_list = cyber_start()
    campaigns = []
    for spec in SPECS:
        campaign, created = _create(spec)
        campaign.just_created = created  # type: ignore[attr-defined]
        if spec.slug.startswith("exercice-crise-cyber"):
            services.enrol(
                campaign, cyber, Establishment.objects.filter(finess_et__in=cyber_list), has_mss=mss
            )
        else:
            services.enrol(campaign, starts.get(spec.slug), has_mss=mss)
        services.export_status(campaign)
        campaigns.append(campaign)
    return campaigns
