"""The demo's officials and Contrats Locaux de Santé (Sarthe and Mayenne).

The officials of 53 and 72 come from the package as shipped (loaded once; a later demo run
leaves them to `capsante load_officials`). The contracts are demonstration data written after
the Sarthe roadmap: the Val de Sarthe CLS, whose « amélioration de l’accès aux soins » theme
hosted the 2023 e-health evening, and a few others, some with an e-health axis, some without.
Idempotent: a contract already there (by name) is left as it is.
"""

import datetime as dt

from capsante.indicators.models import Indicator, Target
from capsante.indicators.services import sync_catalogue
from capsante.roadmaps.models import Objective
from capsante.territories.models import Level, Territory

from . import lists
from .loader import load_officials
from .models import Axis, Contract, ContractStatus, OfficialLoad, OfficialsList, WorkingGroup

DEMO_DEPARTEMENTS = {"53", "72"}
NOTE = "Données de démonstration."


def _objective(territory_code: str, number: int) -> Objective | None:
    objectives = list(
        Objective.objects.filter(roadmap__territory__code=territory_code)
        .exclude(roadmap__territory__level=Level.REGION)
        .order_by("roadmap__period_start", "order", "pk")
    )
    return objectives[number - 1] if len(objectives) >= number else None


CONTRACTS = [
    {
        "name": "Contrat local de santé du Val de Sarthe",
        "epci": "247200629",
        "status": ContractStatus.SIGNED,
        "signed_on": dt.date(2022, 3, 15),
        "ends_on": dt.date(2027, 3, 14),
        "signatories": "ARS Pays de la Loire\nCommunauté de communes du Val de Sarthe\n"
        "Préfecture de la Sarthe\nCPAM de la Sarthe\nConseil départemental de la Sarthe",
        "coordinator": ("Coordination du CLS du Val de Sarthe", "cls@val-de-sarthe.example.org"),
        "axes": [
            (
                "Amélioration de l’accès aux soins : les outils de la e-santé",
                "Soirée « Outils de la e-santé » pour les élus et les professionnels (2023)\n"
                "Ateliers Mon espace santé avec les Maisons France Services\n"
                "Plan d’actions e-santé pour les agents de la collectivité",
                ("72", 3),
                60,
            ),
            (
                "Téléconsultation accompagnée dans les communes sans médecin",
                "Recenser les lieux de téléconsultation accompagnée\nLes faire connaître",
                ("72", 6),
                30,
            ),
        ],
        "groups": [
            (dt.date(2025, 10, 9), "Accès aux soins"),
            (dt.date(2026, 2, 12), "Accès aux soins"),
            (dt.date(2026, 5, 21), "Prévention et inclusion numérique"),
        ],
    },
    {
        "name": "Contrat local de santé de Le Mans Métropole",
        "epci": "247200132",
        "status": ContractStatus.SIGNED,
        "signed_on": dt.date(2023, 9, 28),
        "ends_on": dt.date(2028, 9, 27),
        "signatories": "ARS Pays de la Loire\nLe Mans Métropole\nPréfecture de la Sarthe\n"
        "CPAM de la Sarthe",
        "coordinator": ("Coordination du CLS de Le Mans Métropole", "cls@lemans.example.org"),
        "axes": [
            (
                "Mon espace santé pour les habitants des quartiers prioritaires",
                "Ateliers d’activation avec les médiateurs numériques",
                ("72", 2),
                45,
            ),
        ],
        "groups": [(dt.date(2026, 3, 17), "Santé numérique et médiation")],
    },
    {
        "name": "Contrat local de santé du Pays Fléchois",
        "epci": "247200348",
        "status": ContractStatus.SIGNED,
        "signed_on": dt.date(2021, 11, 30),
        # Extended by a one-year amendment while its renewal is written (see its working group).
        "ends_on": dt.date(2027, 11, 29),
        "signatories": "ARS Pays de la Loire\nCommunauté de communes du Pays Fléchois\n"
        "Préfecture de la Sarthe",
        "coordinator": ("Coordination du CLS du Pays Fléchois", "cls@paysflechois.example.org"),
        "axes": [],
        "groups": [(dt.date(2026, 4, 2), "Renouvellement du contrat : place de la e-santé")],
    },
    {
        "name": "Contrat local de santé Sud Sarthe",
        "epci": "200073112",
        "status": ContractStatus.PREPARING,
        "signed_on": None,
        "ends_on": None,
        "signatories": "",
        "coordinator": ("", ""),
        "axes": [],
        "groups": [],
    },
    {
        "name": "Contrat local de santé de Laval Agglomération",
        "epci": "200083392",
        "status": ContractStatus.SIGNED,
        "signed_on": dt.date(2024, 1, 25),
        "ends_on": dt.date(2029, 1, 24),
        "signatories": "ARS Pays de la Loire\nLaval Agglomération\nPréfecture de la Mayenne\n"
        "CPAM de la Mayenne",
        "coordinator": ("Coordination du CLS de Laval Agglomération", "cls@laval.example.org"),
        "axes": [
            (
                "Usage du DMP par les professionnels du territoire",
                "Rencontres avec les CPTS",
                ("53", 2),
                25,
            ),
        ],
        "groups": [(dt.date(2026, 1, 20), "Parcours et numérique")],
    },
    {
        "name": "Contrat local de santé du Pays de Craon",
        "epci": "200048551",
        "status": ContractStatus.SIGNED,
        "signed_on": dt.date(2022, 6, 14),
        "ends_on": dt.date(2027, 6, 13),
        "signatories": "ARS Pays de la Loire\nCommunauté de communes du Pays de Craon",
        "coordinator": ("Coordination du CLS du Pays de Craon", "cls@craon.example.org"),
        "axes": [],
        "groups": [],
    },
    {
        "name": "Contrat local de santé du Pays de Château-Gontier (2019-2024)",
        "epci": "245300447",
        "status": ContractStatus.EXPIRED,
        "signed_on": dt.date(2019, 12, 12),
        "ends_on": dt.date(2024, 12, 11),
        "signatories": "ARS Pays de la Loire\nCommunauté de communes du Pays de Château-Gontier",
        "coordinator": ("", ""),
        "axes": [],
        "groups": [],
    },
]


def load_demo_contracts() -> list[Contract]:
    created = []
    for spec in CONTRACTS:
        epci = Territory.objects.filter(level=Level.EPCI, code=spec["epci"]).first()
        if epci is None or Contract.objects.filter(name=spec["name"]).exists():
            continue
        contract = Contract.objects.create(
            name=spec["name"],
            territory=epci,
            status=spec["status"],
            signed_on=spec["signed_on"],
            ends_on=spec["ends_on"],
            signatories=spec["signatories"],
            coordinator_name=spec["coordinator"][0],
            coordinator_email=spec["coordinator"][1],
            notes=NOTE,
        )
        for order, (title, actions, (dep, number), progress) in enumerate(spec["axes"], 1):
            Axis.objects.create(
                contract=contract,
                title=title,
                actions=actions,
                objective=_objective(dep, number),
                progress=progress,
                order=order,
            )
        for date, topic in spec["groups"]:
            WorkingGroup.objects.create(contract=contract, date=date, topic=topic)
        created.append(contract)
    _targets()
    return created


def _targets() -> None:
    """All signed CLS with e-health (Sarthe's objective), for each Sarthe EPCI with a signed
    CLS too."""
    indicator = Indicator.objects.filter(code="CLS_EHEALTH_SHARE").first()
    if indicator is None:
        sync_catalogue()
        indicator = Indicator.objects.filter(code="CLS_EHEALTH_SHARE").first()
    if indicator is None:
        return
    epcis = Territory.objects.filter(
        level=Level.EPCI,
        health_contracts__status=ContractStatus.SIGNED,
        member_communes__parent__code="72",
    ).distinct()
    for epci in epcis:
        Target.objects.get_or_create(
            indicator=indicator,
            territory=epci,
            defaults={
                "target_value": 100,
                "deadline": "2026-12",
                "source": "Feuille de route Sarthe 2025-2026 : la e-santé dans tous les CLS signés.",
            },
        )


def load_demo_officials() -> int | None:
    """Mayors and EPCI executives of 53 and 72, once; the mayors' lists of both départements."""
    loaded = None
    if not OfficialLoad.objects.exists():
        report = load_officials(DEMO_DEPARTEMENTS)
        loaded = len(report.added)
    for code in sorted(DEMO_DEPARTEMENTS):
        departement = Territory.objects.filter(level=Level.DEPARTEMENT, code=code).first()
        if departement is not None:
            officials_list = lists.ensure_list(departement, OfficialsList.Kind.MAYORS)
            if loaded is not None or officials_list.refreshed_at is None:
                lists.refresh(officials_list)
    val_de_sarthe = Territory.objects.filter(level=Level.EPCI, code="247200629").first()
    if val_de_sarthe is not None:
        officials_list = lists.ensure_list(val_de_sarthe, OfficialsList.Kind.EXECUTIVES)
        if loaded is not None or officials_list.refreshed_at is None:
            lists.refresh(officials_list)
    return loaded
