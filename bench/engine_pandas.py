"""Every catalogue definition written with pandas over the staged tables, for the engine bench.

It reads the very Parquet tables the engine reads (only the columns each definition uses) and
does the same work: each definition's numerator and denominator at its grain, mapped to communes
(structures through their FINESS commune), then summed over the territory membership — every
level from the same communes, a distinct count counted again at each level. The engine's
semantics are kept to the row: a commune with only a denominator has a numerator of 0, a sum over
nothing but missing values stays missing, a 12-month window only where its 12 months are staged.
The bench checks that both give the same rows, numerators and denominators.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from engine_baselines import CAMPAIGNS, FACTOR

KEY = ["territory_code", "territory_level", "period"]


def read(root: Path, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    folder = root / table
    if not folder.exists():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns or []})
    frame = pd.read_parquet(folder, columns=columns)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):  # the hive `period`
            frame[column] = frame[column].astype(str)
    return frame


class PandasIndicators:
    def __init__(self, staging: Path, snapshot_period: str):
        self.staging = staging
        self.snapshot = snapshot_period
        membership = read(staging, "territory_membership")
        communes = membership[["commune_code"]].drop_duplicates()
        identity = communes.assign(territory_code=communes.commune_code, territory_level="commune")
        self.membership = pd.concat([membership, identity]).drop_duplicates(ignore_index=True)
        population = read(staging, "territory_population")
        self.population = population[population.territory_level == "commune"]
        self.structures = read(
            staging, "structures", ["finess_et", "finess_ej", "category_group", "commune_code"]
        )
        self.et_commune = self.structures.groupby("finess_et", as_index=False)["commune_code"].min()

    # -- shared steps -------------------------------------------------------------------------

    def to_commune(self, side: pd.DataFrame) -> pd.DataFrame:
        """finess_et, period, value → commune_code, period, value (summed per commune)."""
        if "finess_et" in side.columns:
            side = side.merge(self.et_commune, on="finess_et")
        return side.groupby(["commune_code", "period"], as_index=False)["value"].sum(min_count=1)

    def up(self, code: str, contributions: pd.DataFrame, factor: float | None) -> pd.DataFrame:
        """commune_code, period, num, den → every territory's sums and value."""
        merged = contributions.merge(self.membership, on="commune_code")
        out = merged.groupby(KEY, as_index=False)[["num", "den"]].sum(min_count=1)
        out = out.rename(columns={"num": "numerator", "den": "denominator"})
        if factor is None:
            out["value"] = out.numerator
        else:
            defined = out.denominator > 0
            out["value"] = np.where(
                defined, out.numerator * factor / out.denominator.where(defined, 1.0), np.nan
            )
        return out.assign(indicator_code=code)

    def ratio(self, code: str, num: pd.DataFrame, den: pd.DataFrame) -> pd.DataFrame:
        num, den = self.to_commune(num), self.to_commune(den)
        both = pd.concat(
            [
                num.assign(num=num.value, den=0.0),
                den.assign(num=0.0, den=den.value),
            ]
        )
        return self.up(code, both[["commune_code", "period", "num", "den"]], FACTOR)

    # -- the definitions ----------------------------------------------------------------------

    def all(self) -> pd.DataFrame:
        parts = [
            self.am_ratio("MES_ACTIVATION", "am_mes_activations", "activated", "beneficiaries"),
            self.am_ratio(
                "DMP_ALIMENTATION", "am_mes_activations", "with_document", "beneficiaries"
            ),
            self.am_ratio(
                "DMP_CONSULTATION", "am_dmp_consultations", "consulting", "professionals"
            ),
            self.documents_per_inhabitant(),
            self.telehealth(),
            self.ins(),
            self.mss_use(),
            self.officines_mss(),
            self.survey_share("OFFICINES_FAX", ["officine"], "has_fax"),
            self.survey_share("ESMS_TELEHEALTH_EQUIPPED", ["esms", "ehpad"], "telehealth_equipped"),
            self.register("CARE_REGISTRATION"),
            self.register("CYBER_EXERCISES_DONE"),
            self.specialties(),
            *self.campaigns(),
        ]
        return pd.concat(parts, ignore_index=True)

    def am_ratio(self, code: str, table: str, numerator: str, denominator: str) -> pd.DataFrame:
        frame = read(self.staging, table, ["commune_code", "period", numerator, denominator])
        sums = frame.groupby(["commune_code", "period"], as_index=False)[
            [numerator, denominator]
        ].sum(min_count=1)
        num = sums[["commune_code", "period", numerator]].rename(columns={numerator: "value"})
        den = sums[["commune_code", "period", denominator]].rename(columns={denominator: "value"})
        return self.ratio(code, num, den)

    def telehealth(self) -> pd.DataFrame:
        columns = ["professionals_practicing", "professionals_liberal"]
        tele = read(
            self.staging, "am_telehealth", ["commune_code", "period", "profession_code", *columns]
        )
        per_profession = tele.groupby(
            ["commune_code", "period", "profession_code"], as_index=False
        )[columns].max()
        sums = per_profession.groupby(["commune_code", "period"], as_index=False)[columns].sum(
            min_count=1
        )
        num = sums.rename(columns={columns[0]: "value"})[["commune_code", "period", "value"]]
        den = sums.rename(columns={columns[1]: "value"})[["commune_code", "period", "value"]]
        return self.ratio("TELEHEALTH_LIBERAL", num, den)

    def documents_per_inhabitant(self) -> pd.DataFrame:
        docs = read(self.staging, "am_dmp_documents", ["commune_code", "period", "documents"])
        monthly = docs.groupby(["commune_code", "period"], as_index=False)["documents"].sum()
        available = sorted(monthly.period.unique())
        index = {p: int(p[:4]) * 12 + int(p[5:7]) - 1 for p in available}
        have = set(index.values())
        # An output month only when its 12 months are all staged.
        outputs = [p for p in available if all(index[p] - k in have for k in range(12))]
        by_index = {v: k for k, v in index.items()}
        pairs = pd.DataFrame(
            [(o, by_index[index[o] - k]) for o in outputs for k in range(12)],
            columns=["output", "period"],
        )
        windowed = monthly.merge(pairs, on="period")
        num = (
            windowed.groupby(["commune_code", "output"], as_index=False)["documents"]
            .sum()
            .rename(columns={"output": "period", "documents": "num"})
        )
        # The population the source covers: the communes of the départements it reports on.
        deps = self.membership[self.membership.territory_level == "departement"]
        covered_deps = deps[deps.commune_code.isin(num.commune_code)].territory_code.unique()
        covered = deps[deps.territory_code.isin(covered_deps)].commune_code.unique()
        population = self.population[self.population.territory_code.isin(covered)]
        den = (
            population[["territory_code", "population"]]
            .rename(columns={"territory_code": "commune_code", "population": "den"})
            .merge(pd.DataFrame({"period": num.period.unique()}), how="cross")
        )
        both = pd.concat(
            [
                num.assign(num=num.num.astype(float), den=0.0),
                den.assign(num=0.0, den=den.den.astype(float)),
            ]
        )
        return self.up(
            "DMP_DOCS_PER_INHABITANT", both[["commune_code", "period", "num", "den"]], 1.0
        )

    def ins(self) -> pd.DataFrame:
        ins = read(self.staging, "ins_identities", ["finess_et", "period", "status", "identities"])
        ins["qual"] = np.where(ins.status == "QUAL", ins.identities, 0)
        per_et = ins.groupby(["finess_et", "period"], as_index=False)[["qual", "identities"]].sum()
        num = per_et[["finess_et", "period", "qual"]].rename(columns={"qual": "value"})
        den = per_et[["finess_et", "period", "identities"]].rename(columns={"identities": "value"})
        return self.ratio("INS_QUALIFICATION", num, den)

    def mss_use(self) -> pd.DataFrame:
        pros = read(self.staging, "professionals", ["rpps_id", "mode", "commune_code"])
        liberal = pros[
            (pros["mode"] == "L") & pros.commune_code.notna() & (pros.commune_code != "")
        ]
        liberal = liberal.groupby("rpps_id", as_index=False)["commune_code"].min()
        boxes = read(self.staging, "mailboxes", ["bal_type", "rpps_id"])
        equipped = boxes[(boxes.bal_type == "PER") & boxes.rpps_id.notna()].rpps_id.unique()
        mine = liberal[liberal.rpps_id.isin(equipped)]
        num = mine.groupby("commune_code", as_index=False).size().rename(columns={"size": "value"})
        den = (
            liberal.groupby("commune_code", as_index=False).size().rename(columns={"size": "value"})
        )
        return self.ratio(
            "MSS_USE", num.assign(period=self.snapshot), den.assign(period=self.snapshot)
        )

    def officines_mss(self) -> pd.DataFrame:
        officines = self.structures[self.structures.category_group == "officine"]
        boxes = read(
            self.staging, "mailboxes", ["bal_type", "rpps_id", "structure_id_type", "structure_id"]
        )
        org = boxes[(boxes.bal_type == "ORG") & boxes.structure_id_type.isin(["FINESS", "1"])]
        org_ids = org.structure_id.dropna().unique()
        pros = read(self.staging, "professionals", ["rpps_id", "profession_code", "finess_site"])
        per = boxes[boxes.bal_type == "PER"].rpps_id.dropna().unique()
        sites = pros[(pros.profession_code == "21") & pros.rpps_id.isin(per)].finess_site.unique()
        equipped = (
            officines.finess_et.isin(org_ids)
            | officines.finess_ej.isin(org_ids)
            | officines.finess_et.isin(sites)
        ).astype(float)
        flags = pd.DataFrame({"finess_et": officines.finess_et, "value": equipped})
        num = flags.groupby("finess_et", as_index=False)["value"].max()
        den = num.assign(value=1.0)
        return self.ratio(
            "OFFICINES_MSS", num.assign(period=self.snapshot), den.assign(period=self.snapshot)
        )

    def survey_share(self, code: str, groups: list[str], column: str) -> pd.DataFrame:
        answers = read(
            self.staging, "survey_answers", ["survey", "finess_et", "answered_on", column]
        )
        targets = self.structures[self.structures.category_group.isin(groups)][["finess_et"]]
        answers = answers[answers[column].notna()].merge(targets, on="finess_et")
        waves = answers.groupby("survey", as_index=False)["answered_on"].max()
        waves["period"] = pd.to_datetime(waves.answered_on).dt.strftime("%Y-%m")
        answers = answers.merge(waves[["survey", "period"]], on="survey")
        answers["value"] = answers[column].astype(bool).astype(float)
        num = answers.groupby(["finess_et", "period"], as_index=False)["value"].max()
        den = num.assign(value=1.0)
        return self.ratio(code, num, den)

    def register(self, code: str) -> pd.DataFrame:
        register = read(self.staging, "cyber_register")
        first_et = self.structures.groupby("finess_ej", as_index=False)["finess_et"].min()
        register = register.merge(
            first_et.rename(columns={"finess_et": "et_of_ej"}), on="finess_ej", how="left"
        )
        register["finess_et"] = register.finess_et.replace("", np.nan).fillna(register.et_of_ej)
        register["period"] = self.snapshot
        if code == "CARE_REGISTRATION":
            register["value"] = register.care_registered.fillna(False).astype(float)
            counted = register
        else:
            register["value"] = (register.exercise_status == "realise").astype(float)
            counted = register[
                register.exercise_status.isin(["a_realiser", "programme", "realise"])
            ]
        num = register.groupby(["finess_et", "period"], as_index=False)["value"].sum()
        den = (
            counted.groupby(["finess_et", "period"], as_index=False)
            .size()
            .rename(columns={"size": "value"})
        )
        return self.ratio(code, num, den)

    def specialties(self) -> pd.DataFrame:
        offer = read(
            self.staging, "am_telehealth_offer", ["departement_code", "period", "specialty"]
        )
        offer = offer[offer.specialty.notna() & (offer.specialty != "")]
        deps = self.membership[self.membership.territory_level == "departement"]
        pairs = deps.merge(self.membership, on="commune_code", suffixes=("_dep", ""))
        pairs = pairs[pairs.territory_level != "commune"]
        pairs = pairs[["territory_code_dep", "territory_code", "territory_level"]].drop_duplicates()
        joined = offer.merge(pairs, left_on="departement_code", right_on="territory_code_dep")
        out = joined.groupby(KEY, as_index=False)["specialty"].nunique()
        out = out.rename(columns={"specialty": "numerator"})
        out["numerator"] = out.numerator.astype(float)
        out["denominator"] = np.nan
        out["value"] = out.numerator
        return out.assign(indicator_code="TELEEXPERTISE_SPECIALTIES")

    def campaigns(self) -> list[pd.DataFrame]:
        status = read(
            self.staging, "campaign_status", ["period", "campaign", "finess_et", "stage_order"]
        )
        parts = []
        for code, (prefix, stage) in CAMPAIGNS.items():
            mine = status[status.campaign.str.startswith(prefix)]
            num = mine.assign(value=(mine.stage_order >= stage).astype(float))
            den = mine.assign(value=1.0)
            parts.append(
                self.ratio(
                    code,
                    num[["finess_et", "period", "value"]],
                    den[["finess_et", "period", "value"]],
                )
            )
        return parts
