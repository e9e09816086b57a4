"""A tiny staging set written by hand with pyarrow, following docs/staging-contract.md.

Five communes in two départements of one région, one grouping across the départements. Every
expected value in the tests can be worked out on paper from the rows below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from capsante.engine.staging import CONTRACT, PARTITIONED

COMMUNES = {  # commune → (EPCI, département, population)
    "53001": ("E53A", "53", 1000),
    "53002": ("E53A", "53", 2000),
    "53003": ("E53B", "53", 500),
    "72001": ("E72A", "72", 4000),
    "72002": ("E72A", "72", 1500),
}
REGION = "52"
GROUPING = ("G1", ["53002", "72001"])

Rows = list[dict[str, Any]]


def membership_rows() -> Rows:
    rows = []
    for commune, (epci, dep, _) in COMMUNES.items():
        rows += [
            {"commune_code": commune, "territory_code": epci, "territory_level": "epci"},
            {"commune_code": commune, "territory_code": dep, "territory_level": "departement"},
            {"commune_code": commune, "territory_code": REGION, "territory_level": "region"},
        ]
    code, members = GROUPING
    rows += [
        {"commune_code": c, "territory_code": code, "territory_level": "groupement"}
        for c in members
    ]
    return rows


def population_rows() -> Rows:
    return [
        {"territory_code": c, "territory_level": "commune", "population": pop}
        for c, (_, _, pop) in COMMUNES.items()
    ]


def write_table(root: Path, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows under the contract's layout: one file, or one file per `period=` partition."""
    schema = CONTRACT[table]
    listed = [dict(r) for r in rows]
    if table not in PARTITIONED:
        _write(root / table / "data.parquet", listed, schema)
        return
    by_period: dict[str, Rows] = {}
    for row in listed:
        by_period.setdefault(row["period"], []).append(row)
    for period, part in by_period.items():
        # The period lives in the folder name; the file keeps only the other columns.
        fields = [f for f in schema if f.name != "period"]
        _write(root / table / f"period={period}" / "data.parquet", part, pa.schema(fields))


def _write(path: Path, rows: Rows, schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    pq.write_table(pa.table(columns, schema=schema), path)


def structure(et: str, group: str, commune: str) -> dict[str, Any]:
    return {
        "finess_et": et,
        "finess_ej": et[:-1] + "0",
        "name": f"Structure {et}",
        "category_code": "620" if group == "officine" else "500",
        "category_label": group,
        "category_group": group,
        "commune_code": commune,
        "departement_code": commune[:2],
    }


def mes_rows() -> Rows:
    # (beneficiaries, activated, with_document) per commune for 2025-01; later months add to it.
    base = {
        "53001": (10, 1, 8),
        "53002": (100, 50, 70),
        "53003": (50, 30, 40),
        "72001": (200, 20, 150),
        "72002": (10, 9, 9),
    }
    rows = []
    for step, period in enumerate(["2025-01", "2025-02", "2025-03"]):
        for commune, (ben, act, doc) in base.items():
            rows.append(
                {
                    "period": period,
                    "commune_code": commune,
                    "beneficiaries": ben,
                    "activated": act + step,
                    "with_document": doc + step,
                }
            )
    return rows


DOCS_PER_MONTH = {
    "53001": {"11490-0": 10, "11502-2": 5},
    "53002": {"11502-2": 20},
    "72001": {"11502-2": 40},
    "72002": {"18748-4": 10},
}
DOC_MONTHS = [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01", "2025-02", "2025-03"]


def document_rows() -> Rows:
    return [
        {"period": p, "commune_code": c, "document_type": t, "documents": n}
        for p in DOC_MONTHS
        for c, types in DOCS_PER_MONTH.items()
        for t, n in types.items()
    ]


def tables() -> dict[str, Rows]:
    structures = [
        structure("530000011", "chu_ch", "53001"),
        structure("530000021", "officine", "53002"),
        structure("530000031", "officine", "53003"),
        structure("720000011", "ehpad", "72001"),
        structure("720000021", "esms", "72002"),
        structure("720000031", "officine", "72001"),
        structure("720000041", "clinique", "72002"),
        structure("720000051", "officine", "72002"),
    ]
    ins = []
    for period, qual53, qual72 in (("2025-01", 60, 10), ("2025-02", 70, 20)):
        ins += [
            {
                "period": period,
                "finess_et": "530000011",
                "status": "QUAL",
                "ins_valid": True,
                "identities": qual53,
            },
            {
                "period": period,
                "finess_et": "530000011",
                "status": "PROV",
                "ins_valid": False,
                "identities": 100 - qual53,
            },
            {
                "period": period,
                "finess_et": "720000041",
                "status": "QUAL",
                "ins_valid": True,
                "identities": qual72,
            },
            {
                "period": period,
                "finess_et": "720000041",
                "status": "RECUP",
                "ins_valid": True,
                "identities": 100 - qual72,
            },
            # A structure unknown to FINESS: no commune, so it counts nowhere.
            {
                "period": period,
                "finess_et": "999999999",
                "status": "QUAL",
                "ins_valid": True,
                "identities": 5,
            },
        ]

    def pro(
        rpps: str, mode: str, commune: str, profession: str = "10", site: str | None = None
    ) -> dict[str, Any]:
        return {
            "rpps_id": rpps,
            "profession_code": profession,
            "mode": mode,
            "commune_code": commune,
            "finess_site": site,
        }

    professionals = [
        pro("R1", "L", "53002"),
        pro("R1", "L", "53001"),  # two sites: counted once, in the lower commune code
        pro("R2", "L", "53002"),
        pro("R3", "S", "53003"),
        pro("R4", "L", "72001", "21", "720000031"),
        pro("R5", "L", "72002", "21"),
        pro("R6", "S", "53002", "21", "530000021"),
    ]

    def bal(
        kind: str, rpps: str | None = None, id_type: str | None = None, sid: str | None = None
    ) -> dict[str, Any]:
        return {
            "address": f"{rpps or sid}@mss.example",
            "bal_type": kind,
            "rpps_id": rpps,
            "structure_id_type": id_type,
            "structure_id": sid,
        }

    mailboxes = [
        bal("PER", "R1"),
        bal("PER", "R4"),
        bal("PER", "R6"),
        bal("ORG", None, "FINESS", "530000031"),
        bal("ORG", None, "SIRET", "720000051"),  # a SIRET that happens to look like a FINESS
    ]
    d = dt.date
    survey = [
        {
            "survey": "officines-2024",
            "finess_et": "530000021",
            "answered_on": d(2024, 6, 10),
            "has_fax": True,
        },
        {
            "survey": "officines-2025",
            "finess_et": "530000021",
            "answered_on": d(2025, 1, 15),
            "has_fax": False,
        },
        {
            "survey": "officines-2024",
            "finess_et": "530000031",
            "answered_on": d(2024, 6, 12),
            "has_fax": True,
        },
        {
            "survey": "officines-2024",
            "finess_et": "720000031",
            "answered_on": d(2024, 6, 12),
            "has_fax": True,
        },
        {
            "survey": "esms-2024",
            "finess_et": "720000011",
            "answered_on": d(2024, 9, 1),
            "telehealth_equipped": True,
        },
        {
            "survey": "esms-2024",
            "finess_et": "720000021",
            "answered_on": d(2024, 9, 1),
            "telehealth_equipped": False,
        },
    ]
    cyber = [
        {
            "finess_ej": "530000010",
            "finess_et": "",
            "region_code": "52",
            "exercise_status": "realise",
            "care_registered": True,
        },
        {
            "finess_ej": "720000040",
            "finess_et": "720000041",
            "region_code": "52",
            "exercise_status": "programme",
            "care_registered": False,
        },
        {
            "finess_ej": "720000010",
            "finess_et": "720000011",
            "region_code": "52",
            "exercise_status": "a_realiser",
            "care_registered": True,
        },
    ]
    consultations = [
        {
            "period": "2025-01",
            "commune_code": "53001",
            "profession_code": "10",
            "professionals": 10,
            "consulting": 4,
        },
        {
            "period": "2025-01",
            "commune_code": "72001",
            "profession_code": "10",
            "professionals": 20,
            "consulting": 2,
        },
    ]
    telehealth = [
        {
            "period": "2025-01",
            "commune_code": "53001",
            "profession_code": "10",
            "act_code": "TCG",
            "acts": 30,
            "professionals_liberal": 10,
            "professionals_practicing": 6,
        },
        {
            "period": "2025-01",
            "commune_code": "53001",
            "profession_code": "10",
            "act_code": "TE2",
            "acts": 5,
            "professionals_liberal": 10,
            "professionals_practicing": 3,
        },
        {
            "period": "2025-01",
            "commune_code": "72001",
            "profession_code": "10",
            "act_code": "TC",
            "acts": 12,
            "professionals_liberal": 20,
            "professionals_practicing": 4,
        },
    ]
    offer = [
        {
            "period": "2025-01",
            "departement_code": dep,
            "specialty": s,
            "platform": "regionale",
            "regional_platform": True,
        }
        for dep, specialties in (
            ("53", ["dermatologie", "cardiologie"]),
            ("72", ["dermatologie", "pneumologie", "psychiatrie"]),
        )
        for s in specialties
    ]
    return {
        "structures": structures,
        "professionals": professionals,
        "mailboxes": mailboxes,
        "ins_identities": ins,
        "am_mes_activations": mes_rows(),
        "am_dmp_documents": document_rows(),
        "am_dmp_consultations": consultations,
        "am_telehealth": telehealth,
        "am_telehealth_offer": offer,
        "survey_answers": survey,
        "cyber_register": cyber,
        # Each campaign indicator gets rows: stage 1 to 4 officines in zero fax, ESMS and the
        # cyber register's establishments in theirs.
        "campaign_status": [
            {"period": "2025-03", "campaign": campaign, "finess_et": finess, "stage_order": stage}
            for campaign, members in (
                ("zero-fax-72", [("720000031", 4), ("720000051", 2)]),
                ("zero-fax-53", [("530000021", 1), ("530000031", 3)]),
                ("exercice-crise-cyber-52", [("530000011", 3), ("720000041", 2)]),
                ("esms-telesante-52", [("720000011", 3), ("720000021", 1)]),
                ("kit-mssante-esms-52", [("720000011", 2), ("720000021", 1)]),
            )
            for finess, stage in members
        ],
        # An event held in a commune (110 present), a webinar counted in its present
        # registrants' communes (one in 53001, three who came unregistered: no commune).
        "event_activity": [
            {
                "period": "2025-03",
                "event_id": event,
                "kind": kind,
                "departement_code": dep,
                "commune_code": commune,
                "participants": number,
            }
            for event, kind, dep, commune, number in (
                ("1", "journee_departementale", "72", "72001", 110),
                ("2", "webinaire", "53", "53001", 1),
                ("2", "webinaire", "53", "", 3),
            )
        ],
        # A difficulty open at the end of February and March in 72001; resolved in March: one in
        # 53001 after 12.5 days, two in 72001 after 1 and 3 days, one in 72002 after 30 days.
        "difficulty_activity": [
            {
                "period": period,
                "difficulty_id": number,
                "departement_code": dep,
                "commune_code": commune,
                "state": state,
                "days": days,
            }
            for period, number, dep, commune, state, days in (
                ("2025-02", "1", "72", "72001", "open", None),
                ("2025-03", "1", "72", "72001", "open", None),
                ("2025-03", "2", "53", "53001", "resolved", 12.5),
                ("2025-03", "3", "72", "72002", "resolved", 30.0),
                ("2025-03", "4", "72", "72001", "resolved", 1.0),
                ("2025-03", "5", "72", "72001", "resolved", 3.0),
            )
        ],
        # The present registrants of those events by audience (walk-ins without one).
        "event_audiences": [
            {
                "period": "2025-03",
                "event_id": event,
                "kind": kind,
                "departement_code": dep,
                "commune_code": commune,
                "audience": audience,
                "participants": number,
            }
            for event, kind, dep, commune, audience, number in (
                ("1", "journee_departementale", "72", "72001", "citoyens", 60),
                ("1", "journee_departementale", "72", "72001", "medecins", 30),
                ("1", "journee_departementale", "72", "72001", "elus", 20),
                ("3", "atelier_activation", "72", "72002", "citoyens", 9),
                ("2", "webinaire", "53", "53001", "pharmaciens", 1),
                ("2", "webinaire", "53", "", "", 3),
            )
        ],
        # Ambassadors' activities: a desk in 72001 (two sessions, 14 people), a workshop in 53001.
        "ambassador_activity": [
            {
                "period": period,
                "departement_code": dep,
                "commune_code": commune,
                "kind": kind,
                "activities": activities,
                "people": people,
            }
            for period, dep, commune, kind, activities, people in (
                ("2025-02", "72", "72001", "permanence", 2, 14),
                ("2025-03", "53", "53001", "atelier", 1, 8),
            )
        ],
        # Two CLS at their seat commune (one signed with e-health, one signed without), one
        # working group of the first in March.
        "health_contracts": [
            {
                "period": period,
                "contract_id": contract,
                "departement_code": dep,
                "commune_code": commune,
                "signed": 1,
                "with_ehealth": ehealth,
            }
            for period in ("2025-02", "2025-03")
            for contract, dep, commune, ehealth in (
                ("1", "72", "72001", 1),
                ("2", "53", "53001", 0),
            )
        ],
        "cls_working_groups": [
            {
                "period": "2025-03",
                "meeting_id": "1",
                "contract_id": "1",
                "departement_code": "72",
                "commune_code": "72001",
            }
        ],
        "territory_membership": membership_rows(),
        "territory_population": population_rows(),
    }


def write_staging(root: Path) -> Path:
    for table, rows in tables().items():
        write_table(root, table, rows)
    return root
