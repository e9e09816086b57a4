"""A straightforward pandas implementation of the catalogue's definitions, for the engine bench.

It reads the raw document events (one row per document) instead of the monthly pre-aggregate, and
the other staged tables as they are; then groupby / merge / sum, territory by territory level, as
one would write it without an engine. Its results are checked against the engine's in the bench.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

KEY = ["territory_code", "territory_level", "period"]


def read(root: Path, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    frame = pd.read_parquet(root / table, columns=columns)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    return frame


class PandasIndicators:
    def __init__(self, staging: Path, raw: Path, snapshot_period: str):
        self.staging = staging
        self.raw = raw
        self.snapshot = snapshot_period
        membership = read(staging, "territory_membership")
        communes = membership[["commune_code"]].drop_duplicates()
        identity = communes.assign(territory_code=communes.commune_code, territory_level="commune")
        self.membership = pd.concat([membership, identity]).drop_duplicates()
        population = read(staging, "territory_population")
        self.population = population[population.territory_level == "commune"]
        structures = read(staging, "structures")
        self.structures = structures
        self.et_commune = structures.groupby("finess_et", as_index=False)["commune_code"].min()

    # -- helpers ------------------------------------------------------------------------------

    def up_the_tree(self, by_commune: pd.DataFrame) -> pd.DataFrame:
        """commune_code, period, num, den → territory_code, territory_level, period, sums."""
        merged = by_commune.merge(self.membership, on="commune_code")
        return merged.groupby(KEY, as_index=False)[["num", "den"]].sum()

    def structure_to_commune(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.merge(self.et_commune, on="finess_et")

    def ratio(self, code: str, num: pd.DataFrame, den: pd.DataFrame) -> pd.DataFrame:
        both = pd.concat([num.assign(den=0.0), den.rename(columns={"num": "den"}).assign(num=0.0)])
        out = self.up_the_tree(both[["commune_code", "period", "num", "den"]])
        out["value"] = np.where(
            out.den > 0, out.num * 100.0 / out.den.where(out.den > 0, 1), np.nan
        )
        return out.assign(indicator_code=code)

    def monthly_sum(self, table: str, column: str, **filters: str) -> pd.DataFrame:
        frame = read(self.staging, table)
        for key, value in filters.items():
            frame = frame[frame[key] == value]
        return (
            frame.groupby(["commune_code", "period"], as_index=False)[column]
            .sum()
            .rename(columns={column: "num"})
        )

    # -- the indicators -----------------------------------------------------------------------

    def all(self) -> pd.DataFrame:
        parts = [
            self.mes("MES_ACTIVATION", "activated"),
            self.mes("DMP_ALIMENTATION", "with_document"),
            self.documents_per_inhabitant(),
            self.consultation(),
            self.ins(),
            self.mss_use(),
            self.telehealth(),
            self.survey_share("ESMS_TELEHEALTH_EQUIPPED", ["esms", "ehpad"], "telehealth_equipped"),
            self.survey_share("OFFICINES_FAX", ["officine"], "has_fax"),
            self.register("CARE_REGISTRATION"),
            self.register("CYBER_EXERCISES_DONE"),
            self.officines_mss(),
            self.specialties(),
        ]
        return pd.concat(parts, ignore_index=True)

    def mes(self, code: str, column: str) -> pd.DataFrame:
        mes = read(self.staging, "am_mes_activations")
        num = mes.groupby(["commune_code", "period"], as_index=False)[column].sum()
        den = mes.groupby(["commune_code", "period"], as_index=False)["beneficiaries"].sum()
        return self.ratio(
            code, num.rename(columns={column: "num"}), den.rename(columns={"beneficiaries": "num"})
        )

    def documents_per_inhabitant(self) -> pd.DataFrame:
        events = read(self.raw, "dmp_document_events", ["commune_code", "period"])
        monthly = events.groupby(["commune_code", "period"]).size().rename("num").reset_index()
        periods = sorted(monthly.period.unique())
        wide = monthly.pivot(index="commune_code", columns="period", values="num").fillna(0)
        wide = wide.reindex(columns=periods)
        rolled = wide.T.rolling(12).sum().T.iloc[:, 11:]  # 12 complete months only
        num = rolled.stack().rename("num").reset_index()
        population = self.population.rename(
            columns={"territory_code": "commune_code", "population": "den"}
        )
        den = population[["commune_code", "den"]].merge(
            pd.DataFrame({"period": rolled.columns}), how="cross"
        )
        both = pd.concat([num.assign(den=0.0), den.assign(num=0.0)])
        out = self.up_the_tree(both[["commune_code", "period", "num", "den"]])
        out["value"] = out.num / out.den
        return out.assign(indicator_code="DMP_DOCS_PER_INHABITANT")

    def consultation(self) -> pd.DataFrame:
        num = self.monthly_sum("am_dmp_consultations", "consulting")
        den = self.monthly_sum("am_dmp_consultations", "professionals")
        return self.ratio("DMP_CONSULTATION", num, den)

    def ins(self) -> pd.DataFrame:
        ins = read(self.staging, "ins_identities")
        ins["qual"] = np.where(ins.status == "QUAL", ins.identities, 0)
        per_et = ins.groupby(["finess_et", "period"], as_index=False)[["qual", "identities"]].sum()
        per_commune = (
            self.structure_to_commune(per_et)
            .groupby(["commune_code", "period"], as_index=False)[["qual", "identities"]]
            .sum()
        )
        num = per_commune.rename(columns={"qual": "num"})[["commune_code", "period", "num"]]
        den = per_commune.rename(columns={"identities": "num"})[["commune_code", "period", "num"]]
        return self.ratio("INS_QUALIFICATION", num, den)

    def mss_use(self) -> pd.DataFrame:
        pros = read(self.staging, "professionals")
        liberal = pros[
            (pros["mode"] == "L") & pros.commune_code.notna() & (pros.commune_code != "")
        ]
        liberal = liberal.groupby("rpps_id", as_index=False)["commune_code"].min()
        boxes = read(self.staging, "mailboxes")
        equipped = set(boxes[(boxes.bal_type == "PER") & boxes.rpps_id.notna()].rpps_id)
        liberal["num"] = liberal.rpps_id.isin(equipped).astype(float)
        liberal["period"] = self.snapshot
        num = liberal.groupby(["commune_code", "period"], as_index=False)["num"].sum()
        num = num[num.num > 0]
        den = (
            liberal.assign(num=1.0).groupby(["commune_code", "period"], as_index=False)["num"].sum()
        )
        return self.ratio("MSS_USE", num, den)

    def telehealth(self) -> pd.DataFrame:
        tele = read(self.staging, "am_telehealth")
        per_profession = tele.groupby(
            ["commune_code", "period", "profession_code"], as_index=False
        )[["professionals_practicing", "professionals_liberal"]].max()
        sums = per_profession.groupby(["commune_code", "period"], as_index=False)[
            ["professionals_practicing", "professionals_liberal"]
        ].sum()
        num = sums.rename(columns={"professionals_practicing": "num"})[
            ["commune_code", "period", "num"]
        ]
        den = sums.rename(columns={"professionals_liberal": "num"})[
            ["commune_code", "period", "num"]
        ]
        return self.ratio("TELEHEALTH_LIBERAL", num, den)

    def survey_share(self, code: str, groups: list[str], column: str) -> pd.DataFrame:
        answers = read(self.staging, "survey_answers")
        targets = self.structures[self.structures.category_group.isin(groups)][["finess_et"]]
        answers = answers[answers[column].notna()].merge(targets, on="finess_et")
        latest = answers.groupby("finess_et").answered_on.transform("max")
        answers = answers[answers.answered_on == latest]
        per_et = answers.groupby("finess_et", as_index=False)[column].max()
        per_et["num"] = per_et[column].astype(float)
        per_et["period"] = self.snapshot
        per_commune = self.structure_to_commune(per_et)
        num = per_commune.groupby(["commune_code", "period"], as_index=False)["num"].sum()
        den = (
            per_commune.assign(num=1.0)
            .groupby(["commune_code", "period"], as_index=False)["num"]
            .sum()
        )
        return self.ratio(code, num, den)

    def register(self, code: str) -> pd.DataFrame:
        register = read(self.staging, "cyber_register")
        first_et = self.structures.groupby("finess_ej", as_index=False)["finess_et"].min()
        register = register.merge(
            first_et.rename(columns={"finess_et": "et_of_ej"}), on="finess_ej", how="left"
        )
        register["finess_et"] = register.finess_et.replace("", np.nan).fillna(register.et_of_ej)
        if code == "CARE_REGISTRATION":
            register["num"] = register.care_registered.astype(float)
            counted = register
        else:
            counted = register[
                register.exercise_status.isin(["a_realiser", "programme", "realise"])
            ]
            register["num"] = (register.exercise_status == "realise").astype(float)
        register["period"] = self.snapshot
        num = (
            self.structure_to_commune(register)
            .groupby(["commune_code", "period"], as_index=False)["num"]
            .sum()
        )
        counted = counted.assign(num=1.0, period=self.snapshot)
        den = (
            self.structure_to_commune(counted)
            .groupby(["commune_code", "period"], as_index=False)["num"]
            .sum()
        )
        return self.ratio(code, num, den)

    def officines_mss(self) -> pd.DataFrame:
        officines = self.structures[self.structures.category_group == "officine"]
        boxes = read(self.staging, "mailboxes")
        org = set(
            boxes[
                (boxes.bal_type == "ORG") & boxes.structure_id_type.isin(["FINESS", "1"])
            ].structure_id
        )
        pros = read(self.staging, "professionals")
        per = set(boxes[boxes.bal_type == "PER"].rpps_id)
        sites = set(pros[(pros.profession_code == "21") & pros.rpps_id.isin(per)].finess_site)
        equipped = (
            officines.finess_et.isin(org)
            | officines.finess_ej.isin(org)
            | officines.finess_et.isin(sites)
        )
        per_et = pd.DataFrame(
            {
                "finess_et": officines.finess_et,
                "num": equipped.astype(float),
                "period": self.snapshot,
            }
        )
        per_commune = self.structure_to_commune(per_et)
        num = per_commune.groupby(["commune_code", "period"], as_index=False)["num"].sum()
        den = (
            per_commune.assign(num=1.0)
            .groupby(["commune_code", "period"], as_index=False)["num"]
            .sum()
        )
        return self.ratio("OFFICINES_MSS", num, den)

    def specialties(self) -> pd.DataFrame:
        offer = read(self.staging, "am_telehealth_offer")
        offer = offer[offer.specialty.notna() & (offer.specialty != "")]
        deps = self.membership[self.membership.territory_level == "departement"]
        pairs = deps.merge(self.membership, on="commune_code", suffixes=("_dep", ""))
        pairs = pairs[pairs.territory_level != "commune"]
        pairs = pairs[["territory_code_dep", "territory_code", "territory_level"]].drop_duplicates()
        joined = offer.merge(pairs, left_on="departement_code", right_on="territory_code_dep")
        out = (
            joined.groupby(KEY, as_index=False)
            .specialty.nunique()
            .rename(columns={"specialty": "num"})
        )
        out["den"] = np.nan
        out["value"] = out.num.astype(float)
        return out.assign(indicator_code="TELEEXPERTISE_SPECIALTIES")
