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
from engine_baselines import CAMPAIGNS, ELECTED, FACTOR, PROFESSIONALS

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
            *self.events(),
            *self.ambassadors(),
            self.contracts(),
            self.working_groups(),
            *self.difficulties(),
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
        rows = offer.rename(columns={"departement_code": "k", "specialty": "value"})
        return self.distinct("TELEEXPERTISE_SPECIALTIES", rows, self.departement_parents())

    # -- counted again at each level: a distinct count, a median --------------------------------

    def departement_parents(self) -> pd.DataFrame:
        """k (a département) → every territory holding one of its communes, communes left out:
        the data says nothing finer than a département."""
        deps = self.membership[self.membership.territory_level == "departement"]
        pairs = deps.merge(self.membership, on="commune_code", suffixes=("_dep", ""))
        pairs = pairs[pairs.territory_level != "commune"]
        pairs = pairs.rename(columns={"territory_code_dep": "k"})
        return pairs[["k", "territory_code", "territory_level"]].drop_duplicates()

    def commune_parents(self) -> pd.DataFrame:
        """k (a commune) → the commune itself and every territory holding it."""
        return self.membership.rename(columns={"commune_code": "k"})

    def distinct(self, code: str, rows: pd.DataFrame, parents: pd.DataFrame) -> pd.DataFrame:
        """k, period, value → each territory's distinct values (missing ones not counted)."""
        joined = rows[["k", "period", "value"]].merge(parents, on="k")
        out = joined.groupby(KEY, as_index=False)["value"].nunique()
        return self._per_level(code, out)

    def median(self, code: str, rows: pd.DataFrame) -> pd.DataFrame:
        """k (a commune), period, value → each territory's median of its communes' rows, the
        middle two averaged for an even count."""
        joined = rows[["k", "period", "value"]].merge(self.commune_parents(), on="k")
        out = joined.groupby(KEY, as_index=False)["value"].median()
        return self._per_level(code, out)

    @staticmethod
    def _per_level(code: str, out: pd.DataFrame) -> pd.DataFrame:
        out = out.rename(columns={"value": "numerator"})
        out["numerator"] = out.numerator.astype(float)
        out["denominator"] = np.nan
        out["value"] = out.numerator
        return out.assign(indicator_code=code)

    def count(self, code: str, rows: pd.DataFrame) -> pd.DataFrame:
        """commune_code, period, value → each territory's sum (no denominator)."""
        sums = self.to_commune(rows[["commune_code", "period", "value"]])
        both = sums.assign(num=sums.value.astype(float), den=np.nan)
        return self.up(code, both[["commune_code", "period", "num", "den"]], None)

    # -- the platform's own tables --------------------------------------------------------------

    def events(self) -> list[pd.DataFrame]:
        activity = read(
            self.staging,
            "event_activity",
            ["period", "event_id", "departement_code", "commune_code", "participants"],
        )
        held = activity[activity.departement_code != ""]
        held = held.rename(columns={"departement_code": "k", "event_id": "value"})
        located = activity[activity.commune_code != ""]
        audiences = read(
            self.staging,
            "event_audiences",
            ["period", "kind", "commune_code", "audience", "participants"],
        )
        audiences = audiences[audiences.commune_code != ""]

        def participants(rows: pd.DataFrame) -> pd.DataFrame:
            return rows.assign(value=rows.participants)

        citizens = audiences.audience == "citoyens"
        return [
            self.distinct("EVENTS_HELD", held, self.departement_parents()),
            self.count("EVENT_PARTICIPANTS", participants(located)),
            self.count("EVENT_PARTICIPANTS_CITIZENS", participants(audiences[citizens])),
            self.count(
                "EVENT_PARTICIPANTS_ELECTED",
                participants(audiences[audiences.audience.isin(ELECTED)]),
            ),
            self.count(
                "EVENT_PARTICIPANTS_PROFESSIONALS",
                participants(audiences[audiences.audience.isin(PROFESSIONALS)]),
            ),
            self.count(
                "ACTIVATION_CITIZENS_REACHED",
                participants(audiences[citizens & (audiences.kind == "atelier_activation")]),
            ),
        ]

    def ambassadors(self) -> list[pd.DataFrame]:
        activity = read(
            self.staging,
            "ambassador_activity",
            ["period", "commune_code", "activities", "people"],
        )
        activity = activity[activity.commune_code != ""]
        return [
            self.count("AMBASSADOR_ACTIVITIES", activity.assign(value=activity.activities)),
            self.count("AMBASSADOR_PEOPLE_REACHED", activity.assign(value=activity.people)),
        ]

    def contracts(self) -> pd.DataFrame:
        contracts = read(
            self.staging,
            "health_contracts",
            ["period", "commune_code", "signed", "with_ehealth"],
        )
        signed = contracts[contracts.signed == 1]
        num = signed.assign(value=signed.with_ehealth)[["commune_code", "period", "value"]]
        den = contracts.assign(value=contracts.signed)[["commune_code", "period", "value"]]
        return self.ratio("CLS_EHEALTH_SHARE", num, den)

    def working_groups(self) -> pd.DataFrame:
        meetings = read(
            self.staging, "cls_working_groups", ["period", "meeting_id", "commune_code"]
        )
        rows = meetings.rename(columns={"commune_code": "k", "meeting_id": "value"})
        return self.distinct("CLS_WORKING_GROUPS", rows, self.commune_parents())

    def difficulties(self) -> list[pd.DataFrame]:
        rows = read(
            self.staging, "difficulty_activity", ["period", "commune_code", "state", "days"]
        )
        opened = rows[rows.state == "open"]
        resolved = rows[rows.state == "resolved"]
        return [
            self.count("DIFFICULTIES_OPEN", opened.assign(value=1)),
            self.median(
                "DIFFICULTY_RESOLUTION_DAYS",
                resolved.rename(columns={"commune_code": "k", "days": "value"}),
            ),
        ]

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
