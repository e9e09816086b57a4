"""Turns a definition and a period plan into one SQL query, in DuckDB's dialect.

The query maps the finest grain (commune, structure, département) to communes, then joins
`territory_membership` and sums numerators and denominators per territory and period. Every level
(commune, EPCI, département, région, groupement) therefore comes from sums over the same communes;
no rate is ever averaged. The Spark backend runs the very same text after sqlglot transpiles it.

Identifiers in the generated SQL come from validated definitions and fixed view names, and literals
(periods, territory codes) are checked or quoted here: nothing reaches it from a request unescaped.
That is why this module, whose whole job is composing SQL text, silences S608 (string-built SQL)
for itself rather than line by line.
"""

# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from .definitions import PER_LEVEL_RULES, Definition

NUMBER = "DOUBLE"
OUTPUT_COLUMNS = ("territory_code", "territory_level", "period", "numerator", "denominator")


@dataclass(frozen=True)
class PeriodPlan:
    """Which months a query reads and returns.

    `sources` filters the months read (None: all); `pairs` maps each output month of a rolling
    window to the source months it sums; `snapshot_period` is the month given to tables without
    one.
    """

    snapshot_period: str
    sources: tuple[str, ...] | None = None
    pairs: tuple[tuple[str, str], ...] | None = None


def table_ref(table: str) -> str:
    return f"stg_{table}"


def quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")"


def build_query(
    definition: Definition,
    plan: PeriodPlan,
    territories: Sequence[tuple[str, str]] | None = None,
    membership: tuple[str, str] | None = None,
) -> str:
    """SQL returning territory_code, territory_level, period, numerator, denominator.

    `membership` names relations already holding the whole and the scoped membership (the
    shared plan builds them once per recompute); by default the query builds its own.
    """
    if membership is not None:
        every, scoped = membership
        ctes = [
            ("membership_all", f"SELECT * FROM {every}"),
            ("membership", f"SELECT * FROM {scoped}"),
        ]
    else:
        ctes = [*_membership_ctes(territories)]
    num_ctes = _side_ctes(definition, plan, "numerator", "num")
    ctes += num_ctes
    if definition.denominator_sql is not None:
        ctes += _side_ctes(definition, plan, "denominator", "den")
    if definition.aggregation in PER_LEVEL_RULES:
        final = _per_level_select(definition, num_ctes[-1][0])
    else:
        ctes.append(("base", _base_select(definition)))
        final = (
            "SELECT m.territory_code, m.territory_level, b.period,"
            " SUM(b.num) AS numerator, SUM(b.den) AS denominator"
            " FROM base AS b JOIN membership AS m ON b.commune_code = m.commune_code"
            " GROUP BY m.territory_code, m.territory_level, b.period"
        )
    body = ",\n".join(f"{name} AS (\n  {sql}\n)" for name, sql in ctes)
    return f"WITH\n{body}\n{final}"


def _membership_ctes(territories: Sequence[tuple[str, str]] | None) -> list[tuple[str, str]]:
    # Commune rows are added so a membership export that lists only parent territories still
    # yields commune values; DISTINCT makes the union harmless when they are already there.
    src = table_ref("territory_membership")
    every = (
        "SELECT DISTINCT commune_code, territory_code, territory_level FROM ("
        f"SELECT commune_code, territory_code, territory_level FROM {src}"
        f" UNION ALL SELECT commune_code, commune_code AS territory_code,"
        f" 'commune' AS territory_level FROM {src}) AS u"
    )
    if not territories:
        return [("membership_all", every), ("membership", "SELECT * FROM membership_all")]
    wanted = " OR ".join(
        f"(territory_level = {quote(level)} AND territory_code = {quote(code)})"
        for level, code in territories
    )
    # A scope keeps every territory that has a commune inside it, with all of that territory's
    # communes, so an EPCI straddling the scope's border still gets its full sums.
    return [
        ("membership_all", every),
        ("scope_communes", f"SELECT DISTINCT commune_code FROM membership_all WHERE {wanted}"),
        (
            "scope_territories",
            "SELECT DISTINCT a.territory_code, a.territory_level FROM membership_all AS a"
            " JOIN scope_communes AS s ON a.commune_code = s.commune_code",
        ),
        (
            "membership",
            "SELECT a.commune_code, a.territory_code, a.territory_level FROM membership_all AS a"
            " JOIN scope_territories AS t ON a.territory_code = t.territory_code"
            " AND a.territory_level = t.territory_level",
        ),
    ]


def _side_ctes(
    definition: Definition, plan: PeriodPlan, part: str, prefix: str
) -> list[tuple[str, str]]:
    """`<prefix>_raw` (grain key, period, value) then `<prefix>_c` (commune, period, value)."""
    sql = _prefix_ctes(definition.render(part, table_ref, plan.snapshot_period), prefix)
    value_type = "VARCHAR" if definition.aggregation == "count_distinct" else NUMBER
    where = f" WHERE q.period IN {in_list(plan.sources)}" if plan.sources is not None else ""
    raw = (
        f"SELECT CAST(q.{definition.grain_key} AS VARCHAR) AS k, CAST(q.period AS VARCHAR) AS period,"
        f" CAST(q.value AS {value_type}) AS value FROM (\n{sql}\n) AS q{where}"
    )
    ctes = [(f"{prefix}_raw", raw)]
    current = f"{prefix}_raw"
    if plan.pairs is not None:
        values = ", ".join(f"({quote(o)}, {quote(s)})" for o, s in plan.pairs)
        ctes.append(
            (
                f"{prefix}_win",
                f"SELECT r.k, w.period, r.value FROM {prefix}_raw AS r JOIN"
                f" (SELECT * FROM (VALUES {values}) AS v(period, source_period)) AS w"
                " ON r.period = w.source_period",
            )
        )
        current = f"{prefix}_win"
    if definition.grain == "departement":
        return ctes  # mapped to territories directly by _per_level_select
    ctes.append((f"{prefix}_c", _to_commune(definition, current)))
    return ctes


def _prefix_ctes(sql: str, prefix: str) -> str:
    """Rename a definition's own CTEs (`register` → `num_register`).

    sqlglot lifts nested CTEs to the top level for Spark, where the numerator's and the
    denominator's CTEs of the same name would then collide.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    if not names:
        return sql
    for cte in tree.find_all(exp.CTE):
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(f"{prefix}_{cte.alias_or_name}")))
    for table in tree.find_all(exp.Table):
        if not table.db and table.name in names:
            alias = table.alias or table.name
            table.set("this", exp.to_identifier(f"{prefix}_{table.name}"))
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return tree.sql(dialect="duckdb")


def _to_commune(definition: Definition, source: str) -> str:
    value = "x.value" if definition.aggregation in PER_LEVEL_RULES else "SUM(x.value) AS value"
    if definition.grain == "structure":
        # One commune per FINESS even if the extract repeats a row, so nothing is counted twice.
        structures = (
            f"(SELECT finess_et, MIN(commune_code) AS commune_code FROM {table_ref('structures')}"
            " GROUP BY finess_et)"
        )
        commune = "s.commune_code"
        source = f"{source} AS x JOIN {structures} AS s ON x.k = s.finess_et"
    else:
        commune = "x.k"
        source = f"{source} AS x"
    if definition.aggregation == "count_distinct":
        return f"SELECT DISTINCT {commune} AS commune_code, x.period, x.value FROM {source}"
    if definition.aggregation == "median":
        # Every row is one observation (two difficulties resolved in 3 days are two 3s).
        return f"SELECT {commune} AS commune_code, x.period, x.value FROM {source}"
    return (
        f"SELECT {commune} AS commune_code, x.period, {value} FROM {source}"
        f" GROUP BY {commune}, x.period"
    )


def _base_select(definition: Definition) -> str:
    zero, null = f"CAST(0 AS {NUMBER})", f"CAST(NULL AS {NUMBER})"
    num = "SELECT commune_code, period, value AS num, {den} AS den FROM num_c"
    if definition.aggregation == "per_population":
        # Only the population the source covers counts: the communes of the départements that
        # the numerator reports on. Otherwise a region's rate would divide one département's
        # documents by the whole region's inhabitants, and every other commune would show 0.
        # It reads the whole membership, not the scoped one: a région in a département's scope
        # sums every commune's documents, so it must divide by every covered inhabitant too.
        covered = (
            "SELECT DISTINCT cm.commune_code FROM membership_all AS cm JOIN ("
            "SELECT DISTINCT dm.territory_code FROM num_c AS nc JOIN membership_all AS dm"
            " ON nc.commune_code = dm.commune_code WHERE dm.territory_level = 'departement'"
            ") AS cd ON cm.territory_code = cd.territory_code WHERE cm.territory_level = 'departement'"
        )
        population = (
            "SELECT p.territory_code AS commune_code, per.period,"
            f" CAST(p.population AS {NUMBER}) AS value"
            f" FROM {table_ref('territory_population')} AS p"
            " CROSS JOIN (SELECT DISTINCT period FROM num_c) AS per"
            f" WHERE p.territory_level = 'commune' AND p.territory_code IN ({covered})"
        )
        return (
            num.format(den=zero)
            + f" UNION ALL SELECT commune_code, period, {zero} AS num, value AS den FROM ({population}) AS pop"
        )
    if definition.denominator_sql is not None:
        return (
            num.format(den=zero)
            + f" UNION ALL SELECT commune_code, period, {zero} AS num, value AS den FROM den_c"
        )
    return num.format(den=null)


MEDIAN = "(QUANTILE_DISC({value}, 0.5) - QUANTILE_DISC(-{value}, 0.5)) / 2"
"""The median of the observations: the middle one, or the middle two's (a + b) / 2, as DuckDB's
`MEDIAN` and Python's `statistics.median` (the difficulties' statistics page) give it. Spark's
`median` interpolates as a + (b - a) / 2, which differs in the last digit for about one pair of
tenths in seven (87 of a generated région's 3,668 medians of resolution days: bench/RESULTS.md,
7 December, twenty-first session). The lower middle of the values and the lower middle of their
opposites (the upper middle, negated) are exact selections on both engines, and so is their
difference halved (decision 0022, *Corrected*). It relies on the values being DOUBLE (the
sides' values are cast so, `_side_ctes`: a BIGINT's opposite could overflow) and never NaN (NaN
sorts last among the values and among their opposites alike; the staged days never are)."""


def _per_level_select(definition: Definition, source: str) -> str:
    """Distinct items, or the median of the observations, per territory, computed at each level:
    neither can be summed from the levels below. A median has no denominator to show."""
    if definition.grain == "departement":
        # The département → territory pairs, without communes: the data says nothing finer than a
        # département, and repeating its items on every commune would only multiply rows. The
        # départements come from the whole membership so that a région kept by a scope still
        # counts the items of all its départements, not only those of the scope.
        key, parents = (
            "k",
            "(SELECT DISTINCT d.territory_code AS k, m.territory_code, m.territory_level"
            " FROM membership_all AS d JOIN membership AS m ON d.commune_code = m.commune_code"
            " WHERE d.territory_level = 'departement' AND m.territory_level <> 'commune')",
        )
    else:
        key, parents = "commune_code", "(SELECT commune_code AS k, * FROM membership)"
    if definition.aggregation == "count_distinct":
        return _distinct_count_select(source, key, parents)
    return (
        "SELECT g.territory_code, g.territory_level, x.period,"
        f" CAST({MEDIAN.format(value='x.value')} AS {NUMBER}) AS numerator,"
        f" CAST(NULL AS {NUMBER}) AS denominator"
        f" FROM {source} AS x JOIN {parents} AS g ON x.{key} = g.k"
        " GROUP BY g.territory_code, g.territory_level, x.period"
    )


# Items per word of a distinct count's bit sets: 63, so that no word needs the sign bit (DuckDB
# refuses 1 << 63 in a BIGINT; Spark's BIGINT would make it negative).
_ITEMS_PER_WORD = 63


def _distinct_count_select(source: str, key: str, parents: str) -> str:
    """The distinct items of each territory and period as bit sets: each item numbered, each
    row of `source` (key, period, value) one bit of a word, the words of a territory's rows
    OR-ed, their bits counted. A union of sets is an OR of their bits, so the items are
    grouped once by key and spread to the parents as a few words, not as every item: national
    TELEEXPERTISE_SPECIALTIES 0.113 → 0.056 s (two threads; bench/RESULTS.md, 5 December,
    seventh session). A key and period whose items are all missing keeps its row, counting 0,
    as COUNT(DISTINCT) does."""
    numbered = (
        "(SELECT i.value, ROW_NUMBER() OVER (ORDER BY i.value) - 1 AS item"
        f" FROM (SELECT DISTINCT value FROM {source} WHERE value IS NOT NULL) AS i)"
    )
    bits = (
        f"SELECT x.{key} AS k, x.period, COALESCE(n.item // {_ITEMS_PER_WORD}, 0) AS word,"
        " CASE WHEN n.item IS NULL THEN CAST(0 AS BIGINT)"
        f" ELSE CAST(1 AS BIGINT) << CAST(n.item % {_ITEMS_PER_WORD} AS INTEGER) END AS bit"
        f" FROM {source} AS x LEFT JOIN {numbered} AS n ON x.value = n.value"
    )
    words = (
        "SELECT b.k, b.period, b.word, BIT_OR(b.bit) AS bits"
        f" FROM ({bits}) AS b GROUP BY b.k, b.period, b.word"
    )
    spread = (
        "SELECT g.territory_code, g.territory_level, w.period, w.word, BIT_OR(w.bits) AS bits"
        f" FROM ({words}) AS w JOIN {parents} AS g ON w.k = g.k"
        " GROUP BY g.territory_code, g.territory_level, w.period, w.word"
    )
    return (
        "SELECT s.territory_code, s.territory_level, s.period,"
        f" CAST(SUM(BIT_COUNT(s.bits)) AS {NUMBER}) AS numerator,"
        f" CAST(NULL AS {NUMBER}) AS denominator"
        f" FROM ({spread}) AS s GROUP BY s.territory_code, s.territory_level, s.period"
    )
