"""A small world with something of every kind, as partners would meet it: values for the
Sarthe, its EPCI, communes and the région, a target set by the Sarthe's editor, a zero-fax
campaign with callbacks and contact people, a refused import, a value waiting for review, a
committee meeting to come, a signed local health contract (CLS) with a working group. For the
tests that walk the pages (crawl, browser)."""

import datetime as dt

from django.utils import timezone

from capsante.campaigns import services as campaigns
from capsante.campaigns.models import Campaign, Stage
from capsante.committees.models import Committee, Meeting
from capsante.establishments.models import Establishment
from capsante.establishments.services import add_person
from capsante.imports.models import ImportRecord, ImportStatus
from capsante.indicators import services as indicators
from capsante.indicators.models import ComputationRun, Indicator, IndicatorValue
from capsante.officials.models import Axis, Contract, ContractStatus, WorkingGroup
from capsante.roadmaps.models import Action, ActionStatus
from capsante.territories.models import Level, Territory

MONTHS = [f"{year}-{month:02d}" for year in (2025, 2026) for month in range(1, 13)][:22]
# (numerator, denominator) in January 2025, and what each month adds to the numerator.
SHARES = {
    "MES_ACTIVATION": (150, 559, 3),
    "DMP_ALIMENTATION": (380, 559, 4),
    "INS_QUALIFICATION": (300, 492, 4),
    "CAMPAIGN_ZERO_FAX_MSS": (100, 156, 1),
}


def val_de_sarthe(geography) -> Territory:
    """The Val de Sarthe EPCI (its real SIREN), with two communes of the Sarthe fixture."""
    epci = Territory.objects.create(
        level=Level.EPCI, code="247200629", name="Communauté de communes du Val de Sarthe"
    )
    for code in ("72003", "72154"):
        Territory.objects.filter(code=code).update(epci=epci)
    return epci


def _values(run: ComputationRun, territories: list[Territory]) -> None:
    rows = []
    for code, (numerator, denominator, step) in SHARES.items():
        indicator = Indicator.objects.get(code=code)
        for scale, territory in enumerate(territories, start=1):
            for index, period in enumerate(MONTHS):
                num = (numerator + step * index) * scale
                den = denominator * scale + 7 * (scale - 1)
                rows.append(
                    IndicatorValue(
                        indicator=indicator,
                        territory=territory,
                        period=period,
                        numerator=num,
                        denominator=den,
                        value=100 * num / den,
                        run=run,
                    )
                )
    IndicatorValue.objects.bulk_create(rows)


def build(geography, personas, seeded_roadmaps) -> dict:
    indicators.sync_catalogue()
    sarthe, region = geography["sarthe"], geography["region"]
    epci = val_de_sarthe(geography)
    record = ImportRecord.objects.create(
        source="am-mes",
        file_name="mes-activations-2026-10.csv",
        user=personas["ars_admin"],
        status=ImportStatus.IMPORTED,
        rows_read=12,
        rows_kept=12,
    )
    record.territories.set([sarthe])
    run = ComputationRun.objects.create(trigger=record, finished_at=timezone.now())
    _values(
        run,
        [
            geography["communes"]["72181"],
            epci,
            geography["epci"]["le_mans"],
            sarthe,
            geography["mayenne"],
            region,
        ],
    )
    indicators.set_target(
        personas["dt72_editor"],
        Indicator.objects.get(code="MES_ACTIVATION"),
        sarthe,
        target_value=40,
        deadline="2026-12",
        note="Adoptée en comité e-santé",
    )
    indicators.assess_targets()
    refused = ImportRecord.objects.create(
        source="survey",
        file_name="enquete-officines.csv",
        user=personas["ars_admin"],
        status=ImportStatus.REFUSED,
        rows_read=3,
        rows_rejected=1,
        error_count=1,
        errors=[
            {
                "file": "enquete-officines.csv",
                "line": 3,
                "column": "N° FINESS",
                "reason": "numéro FINESS invalide",
            }
        ],
        message="Fichier refusé : 1 erreur. Rien n'a été importé.",
    )
    refused.territories.set([sarthe])
    indicators.propose_manual_value(
        personas["cpam72_contributor"],
        Indicator.objects.get(code="MES_ACTIVATION"),
        sarthe,
        "2026-10",
        33.0,
        "Courrier de la CPAM du 3 novembre",
    )
    contract = Contract.objects.create(
        name="CLS du Val de Sarthe",
        territory=epci,
        status=ContractStatus.SIGNED,
        signed_on=dt.date(2024, 1, 10),
    )
    Axis.objects.create(contract=contract, title="Mon espace santé", progress=40)
    WorkingGroup.objects.create(
        contract=contract, date=dt.date(2026, 2, 3), topic="Accès aux soins"
    )
    action = Action.objects.filter(objective__roadmap=seeded_roadmaps["72"]).first()
    Action.objects.filter(pk=action.pk).update(
        status=ActionStatus.IN_PROGRESS,
        progress=40,
        due_date=timezone.localdate() - dt.timedelta(days=10),
        note="Le prestataire ne répond pas",
        public_note="Premières réunions tenues",
    )
    campaign = Campaign.objects.create(
        slug="zero-fax-72",
        name="Zéro fax — officines de la Sarthe",
        territory=sarthe,
        category_groups=["officine"],
        started_on=dt.date(2026, 1, 1),
        indicator_codes=["CAMPAIGN_ZERO_FAX_MSS"],
    )
    stages = [
        ("sans-mss", "Sans MSSanté", False),
        ("boite-mss", "Boîte MSSanté ouverte", True),
        ("mss-utilisee", "MSSanté utilisée", True),
        ("fax-ferme", "Ligne de fax fermée", True),
    ]
    for order, (code, label, mss) in enumerate(stages, start=1):
        Stage.objects.create(
            campaign=campaign, order=order, code=code, label=label, mss_equipped=mss
        )
    pharmacies = []
    for number, commune in enumerate(("72181", "72003", "72154")):
        pharmacies.append(
            Establishment.objects.create(
                finess_et=f"72000004{number}",
                name=f"PHARMACIE DE LA GARE N° {number}",
                category_code="620",
                category_group="officine",
                commune=geography["communes"][commune],
                departement_code="72",
                phone=f"02 43 00 00 0{number}",
                fax=f"02 43 00 01 0{number}",
            )
        )
    campaigns.enrol(campaign)
    followup = campaign.followups.get(establishment=pharmacies[0])
    campaigns.log_contact(
        followup,
        personas["cpam72_contributor"],
        kind="call",
        outcome="call_back",
        next_step="Rappeler la titulaire",
        next_date=timezone.localdate(),
    )
    add_person(personas["cpam72_contributor"], pharmacies[0], name="Mme Martin", role="titulaire")
    committee = Committee.objects.create(name="Comité e-santé de la Sarthe", territory=sarthe)
    Meeting.objects.create(
        committee=committee, date=timezone.localdate() + dt.timedelta(days=20), place="Le Mans"
    )
    return {"epci": epci, "campaign": campaign, "pharmacies": pharmacies, "record": record}
