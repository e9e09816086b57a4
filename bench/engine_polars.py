"""Every catalogue definition written with Polars (lazy) over the staged tables, for the bench.

The same work as engine_pandas.py, with Polars' lazy frames: each definition's numerator and
denominator at its grain, mapped to communes, summed over the territory membership. Polars runs
every definition as one lazy plan (`collect_all`), so it may share the reading of a table between
them, as the engine's shared plan does.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from engine_baselines import CAMPAIGNS, ELECTED, FACTOR, PROFESSIONALS

KEY = ["territory_code", "territory_level", "period"]


def scan(root: Path, table: str) -> pl.LazyFrame:
    folder = root / table
    partitioned = any(p.name.startswith("period=") for p in folder.iterdir())
    if partitioned:
        return pl.scan_parquet(
            folder / "**" / "*.parquet", hive_partitioning=True, hive_schema={"period": pl.String}
        )
    return pl.scan_parquet(folder / "*.parquet")


class PolarsIndicators:
    def __init__(self, staging: Path, snapshot_period: str):
        self.staging = staging
        self.snapshot = snapshot_period
        membership = scan(staging, "territory_membership").select(
            "commune_code", "territory_code", "territory_level"
        )
        identity = membership.select(
            "commune_code",
            pl.col("commune_code").alias("territory_code"),
            pl.lit("commune").alias("territory_level"),
        )
        self.membership = pl.concat([membership, identity]).unique().collect().lazy()
        self.population = (
            scan(staging, "territory_population")
            .filter(pl.col("territory_level") == "commune")
            .select(pl.col("territory_code").alias("commune_code"), "population")
        )
        self.structures = scan(staging, "structures").select(
            "finess_et", "finess_ej", "category_group", "commune_code"
        )
        self.et_commune = (
            self.structures.group_by("finess_et").agg(pl.col("commune_code").min()).collect().lazy()
        )

    # -- shared steps -------------------------------------------------------------------------

    def to_commune(self, side: pl.LazyFrame, structure: bool) -> pl.LazyFrame:
        if structure:
            side = side.join(self.et_commune, on="finess_et")
        return side.group_by("commune_code", "period").agg(_sum("value"))

    def up(self, code: str, contributions: pl.LazyFrame, factor: float | None) -> pl.LazyFrame:
        out = (
            contributions.join(self.membership, on="commune_code")
            .group_by(KEY)
            .agg(_sum("num").alias("numerator"), _sum("den").alias("denominator"))
        )
        if factor is None:
            value = pl.col("numerator")
        else:
            value = (
                pl.when(pl.col("denominator") > 0)
                .then(pl.col("numerator") * factor / pl.col("denominator"))
                .otherwise(None)
            )
        return out.with_columns(value.alias("value"), pl.lit(code).alias("indicator_code"))

    def ratio(
        self, code: str, num: pl.LazyFrame, den: pl.LazyFrame, structure: bool = False
    ) -> pl.LazyFrame:
        num, den = self.to_commune(num, structure), self.to_commune(den, structure)
        both = pl.concat(
            [
                num.select(
                    "commune_code", "period", pl.col("value").alias("num"), pl.lit(0.0).alias("den")
                ),
                den.select(
                    "commune_code", "period", pl.lit(0.0).alias("num"), pl.col("value").alias("den")
                ),
            ]
        )
        return self.up(code, both, FACTOR)

    # -- the definitions ----------------------------------------------------------------------

    def all(self) -> pl.DataFrame:
        plans = [
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
        columns = ["indicator_code", *KEY, "numerator", "denominator", "value"]
        frames = pl.collect_all(
            [
                p.select(
                    [
                        pl.col(c).cast(pl.Float64)
                        if c in ("numerator", "denominator", "value")
                        else pl.col(c)
                        for c in columns
                    ]
                )
                for p in plans
            ]
        )
        return pl.concat(frames)

    def am_ratio(self, code: str, table: str, numerator: str, denominator: str) -> pl.LazyFrame:
        sums = (
            scan(self.staging, table)
            .group_by("commune_code", "period")
            .agg(_sum(numerator).cast(pl.Float64), _sum(denominator).cast(pl.Float64))
        )
        num = sums.select("commune_code", "period", pl.col(numerator).alias("value"))
        den = sums.select("commune_code", "period", pl.col(denominator).alias("value"))
        return self.ratio(code, num, den)

    def telehealth(self) -> pl.LazyFrame:
        sums = (
            scan(self.staging, "am_telehealth")
            .group_by("commune_code", "period", "profession_code")
            .agg(pl.col("professionals_practicing").max(), pl.col("professionals_liberal").max())
            .group_by("commune_code", "period")
            .agg(
                _sum("professionals_practicing").cast(pl.Float64),
                _sum("professionals_liberal").cast(pl.Float64),
            )
        )
        num = sums.select(
            "commune_code", "period", pl.col("professionals_practicing").alias("value")
        )
        den = sums.select("commune_code", "period", pl.col("professionals_liberal").alias("value"))
        return self.ratio("TELEHEALTH_LIBERAL", num, den)

    def documents_per_inhabitant(self) -> pl.LazyFrame:
        monthly = (
            scan(self.staging, "am_dmp_documents")
            .group_by("commune_code", "period")
            .agg(pl.col("documents").sum().cast(pl.Float64))
        )
        available = sorted(
            monthly.select("period").unique().collect().get_column("period").to_list()
        )
        index = {p: int(p[:4]) * 12 + int(p[5:7]) - 1 for p in available}
        have = set(index.values())
        by_index = {v: k for k, v in index.items()}
        outputs = [p for p in available if all(index[p] - k in have for k in range(12))]
        pairs = pl.LazyFrame(
            {
                "output": [o for o in outputs for _ in range(12)],
                "period": [by_index[index[o] - k] for o in outputs for k in range(12)],
            }
        )
        num = (
            (
                monthly.join(pairs, on="period")
                .group_by("commune_code", "output")
                .agg(pl.col("documents").sum().alias("num"))
                .rename({"output": "period"})
            )
            .collect()
            .lazy()
        )
        deps = self.membership.filter(pl.col("territory_level") == "departement")
        covered_deps = (
            deps.join(num.select("commune_code").unique(), on="commune_code")
            .select("territory_code")
            .unique()
        )
        covered = deps.join(covered_deps, on="territory_code").select("commune_code").unique()
        den = (
            self.population.join(covered, on="commune_code")
            .join(num.select("period").unique(), how="cross")
            .select(
                "commune_code",
                "period",
                pl.lit(0.0).alias("num"),
                pl.col("population").cast(pl.Float64).alias("den"),
            )
        )
        both = pl.concat([num.with_columns(pl.lit(0.0).alias("den")), den], how="diagonal_relaxed")
        return self.up("DMP_DOCS_PER_INHABITANT", both, 1.0)

    def ins(self) -> pl.LazyFrame:
        per_et = (
            scan(self.staging, "ins_identities")
            .group_by("finess_et", "period")
            .agg(
                pl.when(pl.col("status") == "QUAL")
                .then(pl.col("identities"))
                .otherwise(0)
                .sum()
                .cast(pl.Float64)
                .alias("qual"),
                pl.col("identities").sum().cast(pl.Float64),
            )
        )
        num = per_et.select("finess_et", "period", pl.col("qual").alias("value"))
        den = per_et.select("finess_et", "period", pl.col("identities").alias("value"))
        return self.ratio("INS_QUALIFICATION", num, den, structure=True)

    def mss_use(self) -> pl.LazyFrame:
        liberal = (
            scan(self.staging, "professionals")
            .filter(
                (pl.col("mode") == "L")
                & pl.col("commune_code").is_not_null()
                & (pl.col("commune_code") != "")
            )
            .group_by("rpps_id")
            .agg(pl.col("commune_code").min())
        )
        equipped = (
            scan(self.staging, "mailboxes")
            .filter((pl.col("bal_type") == "PER") & pl.col("rpps_id").is_not_null())
            .select("rpps_id")
            .unique()
        )
        period = pl.lit(self.snapshot).alias("period")
        num = (
            liberal.join(equipped, on="rpps_id")
            .group_by("commune_code")
            .agg(pl.len().cast(pl.Float64).alias("value"))
            .with_columns(period)
        )
        den = (
            liberal.group_by("commune_code")
            .agg(pl.len().cast(pl.Float64).alias("value"))
            .with_columns(period)
        )
        return self.ratio("MSS_USE", num, den)

    def officines_mss(self) -> pl.LazyFrame:
        officines = self.structures.filter(pl.col("category_group") == "officine")
        boxes = scan(self.staging, "mailboxes")
        org = (
            boxes.filter(
                (pl.col("bal_type") == "ORG") & pl.col("structure_id_type").is_in(["FINESS", "1"])
            )
            .select("structure_id")
            .drop_nulls()
            .unique()
        )
        per = boxes.filter(pl.col("bal_type") == "PER").select("rpps_id").drop_nulls().unique()
        sites = (
            scan(self.staging, "professionals")
            .filter(pl.col("profession_code") == "21")
            .join(per, on="rpps_id")
            .select(pl.col("finess_site"))
            .unique()
        )
        flags = (
            officines.with_columns(
                pl.col("finess_et")
                .is_in(org.collect().get_column("structure_id").implode())
                .alias("a"),
                pl.col("finess_ej")
                .is_in(org.collect().get_column("structure_id").implode())
                .alias("b"),
                pl.col("finess_et")
                .is_in(sites.collect().get_column("finess_site").implode())
                .alias("c"),
            )
            .group_by("finess_et")
            .agg((pl.col("a") | pl.col("b") | pl.col("c")).max().cast(pl.Float64).alias("value"))
            .with_columns(pl.lit(self.snapshot).alias("period"))
        )
        den = flags.with_columns(pl.lit(1.0).alias("value"))
        return self.ratio("OFFICINES_MSS", flags, den, structure=True)

    def survey_share(self, code: str, groups: list[str], column: str) -> pl.LazyFrame:
        targets = self.structures.filter(pl.col("category_group").is_in(groups)).select("finess_et")
        answers = (
            scan(self.staging, "survey_answers")
            .filter(pl.col(column).is_not_null())
            .join(targets, on="finess_et")
        )
        waves = answers.group_by("survey").agg(
            pl.col("answered_on").max().dt.strftime("%Y-%m").alias("period")
        )
        num = (
            answers.join(waves, on="survey")
            .group_by("finess_et", "period")
            .agg(pl.col(column).cast(pl.Float64).max().alias("value"))
        )
        den = num.with_columns(pl.lit(1.0).alias("value"))
        return self.ratio(code, num, den, structure=True)

    def register(self, code: str) -> pl.LazyFrame:
        first_et = self.structures.group_by("finess_ej").agg(
            pl.col("finess_et").min().alias("et_of_ej")
        )
        register = (
            scan(self.staging, "cyber_register")
            .join(first_et, on="finess_ej", how="left")
            .with_columns(
                pl.when(pl.col("finess_et").is_null() | (pl.col("finess_et") == ""))
                .then(pl.col("et_of_ej"))
                .otherwise(pl.col("finess_et"))
                .alias("finess_et"),
                pl.lit(self.snapshot).alias("period"),
            )
            .filter(pl.col("finess_et").is_not_null())
        )
        if code == "CARE_REGISTRATION":
            flag = pl.col("care_registered").fill_null(False)
            counted = register
        else:
            flag = pl.col("exercise_status") == "realise"
            counted = register.filter(
                pl.col("exercise_status").is_in(["a_realiser", "programme", "realise"])
            )
        num = register.group_by("finess_et", "period").agg(
            flag.cast(pl.Float64).sum().alias("value")
        )
        den = counted.group_by("finess_et", "period").agg(pl.len().cast(pl.Float64).alias("value"))
        return self.ratio(code, num, den, structure=True)

    def specialties(self) -> pl.LazyFrame:
        offer = scan(self.staging, "am_telehealth_offer").filter(
            pl.col("specialty").is_not_null() & (pl.col("specialty") != "")
        )
        rows = offer.select(
            pl.col("departement_code").alias("k"), "period", pl.col("specialty").alias("value")
        )
        return self.distinct("TELEEXPERTISE_SPECIALTIES", rows, self.departement_parents())

    # -- counted again at each level: a distinct count, a median --------------------------------

    def departement_parents(self) -> pl.LazyFrame:
        """k (a département) → every territory holding one of its communes, communes left out:
        the data says nothing finer than a département."""
        deps = self.membership.filter(pl.col("territory_level") == "departement").select(
            "commune_code", pl.col("territory_code").alias("k")
        )
        return (
            deps.join(self.membership, on="commune_code")
            .filter(pl.col("territory_level") != "commune")
            .select("k", "territory_code", "territory_level")
            .unique()
        )

    def commune_parents(self) -> pl.LazyFrame:
        """k (a commune) → the commune itself and every territory holding it."""
        return self.membership.rename({"commune_code": "k"})

    def distinct(self, code: str, rows: pl.LazyFrame, parents: pl.LazyFrame) -> pl.LazyFrame:
        """k, period, value → each territory's distinct values (missing ones not counted)."""
        counted = pl.col("value").drop_nulls().n_unique().cast(pl.Float64)
        return self._per_level(code, rows.join(parents, on="k").group_by(KEY).agg(counted))

    def median(self, code: str, rows: pl.LazyFrame) -> pl.LazyFrame:
        """k (a commune), period, value → each territory's median of its communes' rows, the
        middle two averaged for an even count."""
        joined = rows.join(self.commune_parents(), on="k")
        # (a + b) / 2 of the middle two, as SQL's MEDIAN and pandas give it: Polars' `median()`
        # interpolates otherwise, and 87 of the région's medians differed in their last digit.
        middle = pl.col("value").quantile(0.5, "midpoint")
        return self._per_level(code, joined.group_by(KEY).agg(middle))

    @staticmethod
    def _per_level(code: str, out: pl.LazyFrame) -> pl.LazyFrame:
        return out.select(
            *KEY,
            pl.col("value").cast(pl.Float64).alias("numerator"),
            pl.lit(None, pl.Float64).alias("denominator"),
            pl.col("value").cast(pl.Float64).alias("value"),
            pl.lit(code).alias("indicator_code"),
        )

    def count(self, code: str, rows: pl.LazyFrame) -> pl.LazyFrame:
        """commune_code, period, value → each territory's sum (no denominator)."""
        sums = self.to_commune(rows.select("commune_code", "period", "value"), structure=False)
        both = sums.select(
            "commune_code",
            "period",
            pl.col("value").cast(pl.Float64).alias("num"),
            pl.lit(None, pl.Float64).alias("den"),
        )
        return self.up(code, both, None)

    # -- the platform's own tables --------------------------------------------------------------

    def events(self) -> list[pl.LazyFrame]:
        activity = scan(self.staging, "event_activity")
        held = activity.filter(pl.col("departement_code") != "").select(
            pl.col("departement_code").alias("k"), "period", pl.col("event_id").alias("value")
        )
        located = activity.filter(pl.col("commune_code") != "")
        audiences = scan(self.staging, "event_audiences").filter(pl.col("commune_code") != "")
        citizens = pl.col("audience") == "citoyens"

        def participants(rows: pl.LazyFrame) -> pl.LazyFrame:
            return rows.select("commune_code", "period", pl.col("participants").alias("value"))

        return [
            self.distinct("EVENTS_HELD", held, self.departement_parents()),
            self.count("EVENT_PARTICIPANTS", participants(located)),
            self.count("EVENT_PARTICIPANTS_CITIZENS", participants(audiences.filter(citizens))),
            self.count(
                "EVENT_PARTICIPANTS_ELECTED",
                participants(audiences.filter(pl.col("audience").is_in(ELECTED))),
            ),
            self.count(
                "EVENT_PARTICIPANTS_PROFESSIONALS",
                participants(audiences.filter(pl.col("audience").is_in(PROFESSIONALS))),
            ),
            self.count(
                "ACTIVATION_CITIZENS_REACHED",
                participants(audiences.filter(citizens & (pl.col("kind") == "atelier_activation"))),
            ),
        ]

    def ambassadors(self) -> list[pl.LazyFrame]:
        activity = scan(self.staging, "ambassador_activity").filter(pl.col("commune_code") != "")
        return [
            self.count(
                "AMBASSADOR_ACTIVITIES",
                activity.select("commune_code", "period", pl.col("activities").alias("value")),
            ),
            self.count(
                "AMBASSADOR_PEOPLE_REACHED",
                activity.select("commune_code", "period", pl.col("people").alias("value")),
            ),
        ]

    def contracts(self) -> pl.LazyFrame:
        contracts = scan(self.staging, "health_contracts")
        num = contracts.filter(pl.col("signed") == 1).select(
            "commune_code", "period", pl.col("with_ehealth").cast(pl.Float64).alias("value")
        )
        den = contracts.select(
            "commune_code", "period", pl.col("signed").cast(pl.Float64).alias("value")
        )
        return self.ratio("CLS_EHEALTH_SHARE", num, den)

    def working_groups(self) -> pl.LazyFrame:
        rows = scan(self.staging, "cls_working_groups").select(
            pl.col("commune_code").alias("k"), "period", pl.col("meeting_id").alias("value")
        )
        return self.distinct("CLS_WORKING_GROUPS", rows, self.commune_parents())

    def difficulties(self) -> list[pl.LazyFrame]:
        rows = scan(self.staging, "difficulty_activity")
        opened = rows.filter(pl.col("state") == "open").select(
            "commune_code", "period", pl.lit(1.0).alias("value")
        )
        resolved = rows.filter(pl.col("state") == "resolved").select(
            pl.col("commune_code").alias("k"), "period", pl.col("days").alias("value")
        )
        return [
            self.count("DIFFICULTIES_OPEN", opened),
            self.median("DIFFICULTY_RESOLUTION_DAYS", resolved),
        ]

    def campaigns(self) -> list[pl.LazyFrame]:
        status = scan(self.staging, "campaign_status")
        plans = []
        for code, (prefix, stage) in CAMPAIGNS.items():
            mine = status.filter(pl.col("campaign").str.starts_with(prefix))
            num = mine.select(
                "finess_et",
                "period",
                (pl.col("stage_order") >= stage).cast(pl.Float64).alias("value"),
            )
            den = mine.select("finess_et", "period", pl.lit(1.0).alias("value"))
            plans.append(self.ratio(code, num, den, structure=True))
        return plans


def _sum(column: str) -> pl.Expr:
    """SUM as SQL has it: missing when every value is missing."""
    values = pl.col(column)
    return pl.when(values.count() > 0).then(values.sum()).otherwise(None).alias(column)
