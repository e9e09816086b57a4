"""The shared execution plan: every definition of a recompute in a few passes over the tables.

The per-definition path (`query.build_query`) is one self-contained query per definition: it
rebuilds the territory membership, scans its tables once per side (numerator, denominator), maps
the rows to communes and joins every level of the membership, then the next definition does it
all again. At national scale that repetition, not reading the files, was most of the time. Here:

1. **The membership is built once** per recompute (`cs_membership_all`, the scoped
   `cs_membership`, its parent levels numbered in `cs_territories`, every commune numbered in
   `cs_commune_ids`, each commune's parents in `cs_membership_up`, the scope's communes
   `cs_communes`), all by number, and the FINESS → commune map (`cs_structures`) when a pass
   reads a table of establishments; the backend builds each beside the passes once what it
   reads is built (decision 0048).
2. **One pass per staged table for the sides that read it.** A side of the simple form
   `SELECT key, period, value FROM <one table> [WHERE …] [GROUP BY …]` is merged with the other
   simple sides over the same table, key, period and grouping into one query with one column per
   side: aggregates take `FILTER (WHERE <its condition>)` (each distinct condition computed once
   per row) and a count of its rows tells whether the side had the row at all. Sides written
   alike but for what they select (the numerator and denominator of TELEHEALTH_LIBERAL: same
   CTE, same grouping, another column) are merged by uniting their projections: they have the
   same rows. Identical sides (a denominator shared by several definitions) become one column.
   Other sides run alone. Each pass is mapped to communes once and materialised
   (`cs_scan_<n>`: commune_id, month_id, v_i, and a count n_j of the rows of the sides with
   one condition (`count_of`); communes and months by number, see
   `commune_steps`). A pass over a large table partitioned by month groups each month on its own
   (`one_month`), the month a constant rather than a key.
3. **Grouping sets over the levels**: a definition's (numerator, denominator) pairs per commune
   are its commune rows as they are; only the parent levels (EPCI, département, région,
   groupement: four rows per commune instead of five) are summed through the membership. A
   definition's rows name their territory and month by number; the backend puts their codes
   and texts in from Arrow (`numbering_sql`, numbering.py).
   Definitions whose pairs are the same rows of one pass (the campaigns of one family, the
   sides of one table without a condition) share that query, one column pair each
   (`query_units`).

Values are those of the per-definition path (a test compares both on every definition, DuckDB and
Spark): the same rows exist, and sums of the same counts are the same numbers. Distinct counts
(`count_distinct`) and medians cannot be summed up the tree and keep the per-definition query.

Identifiers come from validated definitions and names made here; literals are quoted by
`query.quote`: S608 (string-built SQL) is silenced for the module as in query.py.
"""

# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from .definitions import PER_LEVEL_RULES, Definition
from .query import NUMBER, PeriodPlan, _prefix_ctes, in_list, quote, table_ref

PREFIX = "cs_"

_MONTH_STAND_IN = "cs_month_stand_in"
_ROWS_STAND_IN = "cs_rows_stand_in"
"""What `Scan._monthly_sql` writes its query for once, then replaces by each month and its rows:
names no definition uses (a pass whose sides name one is read whole, not month by month)."""

_PARENT_COLUMNS = ("epci", "departement", "region")
"""The levels a commune has one territory of, as the law has it: columns of `cs_levels`."""

MonthPartition = Callable[[str, str], str | None]
"""(staged table, month) → a query of that month's rows of the table, or None for the default
(the table filtered on its `period`)."""


# --------------------------------------------------------------------------------------------
# Simple sides and how they merge


@dataclass(frozen=True)
class SimpleSide:
    """A side of the form SELECT key, period, value FROM table [WHERE w] [GROUP BY g]."""

    source: str  # the FROM clause (table and alias), in DuckDB SQL
    alias: str  # how the columns may name the table
    key: str
    period: str
    value: exp.Expr
    where: exp.Expr | None
    group: tuple[str, ...] | None

    @property
    def aggregated(self) -> bool:
        return self.group is not None


_NOT_SIMPLE = ("with_", "joins", "distinct", "having", "qualify", "order", "limit", "offset")


def simple_side(sql: str) -> SimpleSide | None:
    """The parts of a side in the simple form, or None when it must run as written."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return None
    if not isinstance(tree, exp.Select) or any(tree.args.get(a) for a in _NOT_SIMPLE):
        return None
    source = tree.args.get("from_") or tree.args.get("from")
    if source is None or not isinstance(source.this, exp.Table):
        return None
    if len(tree.expressions) != 3 or tree.find(exp.Window) is not None:
        return None
    if any(isinstance(node, exp.Select) and node is not tree for node in tree.walk()):
        return None  # a subquery: its rows do not follow the outer WHERE
    # Functions sqlglot does not know may be aggregates it cannot put a FILTER on.
    if tree.find(exp.Anonymous) is not None:
        return None
    key, period, value = (e.unalias() if isinstance(e, exp.Alias) else e for e in tree.expressions)
    group = tree.args.get("group")
    if group is None and value.find(exp.AggFunc) is not None:
        return None
    where = tree.args.get("where")
    return SimpleSide(
        source=source.this.sql(dialect="duckdb"),
        alias=source.this.alias_or_name,
        key=key.sql(dialect="duckdb"),
        period=period.sql(dialect="duckdb"),
        value=value,
        where=where.this if where is not None else None,
        group=tuple(g.sql(dialect="duckdb") for g in group.expressions) if group else None,
    )


def _filtered(value: exp.Expr, where: exp.Expr | None) -> exp.Expr:
    """Every aggregate of `value` restricted to the rows where `where` holds."""
    if where is None:
        return value.copy()

    def add_filter(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.Filter):
            return exp.Filter(this=node.copy(), expression=exp.Where(this=where.copy()))
        return node

    return value.copy().transform(add_filter)


def skeleton(sql: str) -> tuple[str, exp.Expr] | None:
    """What decides a side's rows (its query without the projections), and its parsed tree.

    Two sides with the same skeleton have the same rows, so their projections can be united in
    one query. None when projections could change the rows or cannot simply be added to: SELECT
    DISTINCT, GROUP BY ALL or by position, set operations, LIMIT, subqueries outside FROM.
    """
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return None
    if not isinstance(tree, exp.Select) or tree.find(exp.SetOperation) is not None:
        return None
    for select in tree.find_all(exp.Select):
        if select.args.get("distinct") or select.args.get("limit") or select.args.get("offset"):
            return None
        group = select.args.get("group")
        if group is not None and (
            group.args.get("all") or any(isinstance(g, exp.Literal) for g in group.expressions)
        ):
            return None
        if select is not tree and not (
            isinstance(select.parent, exp.CTE)
            or (
                isinstance(select.parent, exp.Subquery)
                and isinstance(select.parent.parent, exp.From | exp.Join)
            )
        ):
            return None
        for projection in select.expressions:
            if not isinstance(projection, exp.Alias | exp.Column):
                return None
    bare = tree.copy()
    for select in bare.find_all(exp.Select):
        select.set("expressions", [])
    return bare.sql(dialect="duckdb"), tree


def _unite(trees: list[exp.Expr], names: list[str]) -> exp.Expr | None:
    """One query with the rows of `trees` (same skeleton) and each one's value as `names[i]`."""
    merged = trees[0].copy()
    targets = list(merged.find_all(exp.Select))
    for tree in trees[1:]:
        for target, select in zip(targets, list(tree.find_all(exp.Select)), strict=True):
            if select is tree:
                continue
            known = {p.alias_or_name: p.sql(dialect="duckdb") for p in target.expressions}
            for projection in select.expressions:
                shown = known.get(projection.alias_or_name)
                if shown is None:
                    target.append("expressions", projection.copy())
                    known[projection.alias_or_name] = projection.sql(dialect="duckdb")
                elif shown != projection.sql(dialect="duckdb"):
                    return None  # same name, another meaning: references would be ambiguous
    root = targets[0]
    key, period = root.expressions[0].copy(), root.expressions[1].copy()
    for tree in trees[1:]:
        if [e.sql(dialect="duckdb") for e in tree.expressions[:2]] != [
            key.sql(dialect="duckdb"),
            period.sql(dialect="duckdb"),
        ]:
            return None
    values = []
    for tree, name in zip(trees, names, strict=True):
        value = tree.expressions[2]
        value = value.unalias() if isinstance(value, exp.Alias) else value
        values.append(exp.alias_(value.copy(), name))
    root.set("expressions", [key, period, *values])
    return merged


def month_id(period: str) -> int:
    """A month's number (months since year 0): what the passes and definitions group by."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


_MONTHS = ", ".join(f"'{m:02d}'" for m in range(1, 13))


def month_id_sql(period: str) -> str:
    """`month_id` in SQL, for a `YYYY-MM` text only: anything else (a day, '2024-13', '2024-1')
    gets no number rather than another month's, and comes out without a month."""
    year = f"substr({period}, 1, 4)"
    return (
        f"CASE WHEN {period} LIKE '____-__' AND substr({period}, 6, 2) IN ({_MONTHS})"
        f" AND CAST(TRY_CAST({year} AS INTEGER) AS VARCHAR) = {year}"
        f" THEN CAST({year} AS INTEGER) * 12 + CAST(substr({period}, 6, 2) AS INTEGER) - 1 END"
    )


def _is_period(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and node.name == "period"


def one_month(
    tree: exp.Expr, table: str, month: str, partition: str | None = None
) -> exp.Expr | None:
    """The query restricted to one month's partition of the staged `table`, the month a constant.

    `partition`: a query giving that month's rows of `table`, its columns included (a backend
    may read the month's files alone); by default the table filtered on its `period`.

    Each staged table of a monthly source is partitioned by month, and a pass groups by month
    among other keys: grouping each month's rows on their own, by the other keys only, gives the
    same groups in smaller hash tables (the TELEHEALTH_LIBERAL pass, 7.4 M rows: 0.46 → 0.22 s on
    one thread). Valid only when every row keeps its month all the way (`_keeps_each_month`).
    None otherwise.
    """
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    if not _keeps_each_month(tree, table, ctes):
        return None
    rows = partition or f"SELECT * FROM {table} WHERE period = {quote(month)}"
    return _month_made_constant(tree, month, rows, ctes)


def _keeps_each_month(tree: exp.Expr, table: str, ctes: set[str]) -> bool:
    """Whether every row of the query keeps its month all the way: one read of `table`, no
    join or window (either could pair rows of different months), every grouping by month and by
    something else, and every column named `period` the table's own."""
    staged = [t for t in tree.find_all(exp.Table) if t.db or t.name not in ctes]
    if len(staged) != 1 or staged[0].name != table:
        return False
    if tree.find(exp.Join, exp.Window, exp.SetOperation) is not None:
        return False
    # Columns renamed where `period` could be another column's new name: a column list on an
    # alias (`a(commune_code, period)`), a star that replaces, renames or excludes.
    if any(alias.args.get("columns") for alias in tree.find_all(exp.TableAlias)):
        return False
    if any(
        star.args.get(modifier)
        for star in tree.find_all(exp.Star)
        for modifier in ("except", "except_", "replace", "rename")
    ):
        return False
    return all(_select_keeps_its_month(select, tree) for select in tree.find_all(exp.Select))


def _select_keeps_its_month(select: exp.Select, tree: exp.Expr) -> bool:
    """One SELECT of `tree`: read from FROM or a CTE, grouped (if at all) by month and something
    else, its `period` column the table's own."""
    # A subquery elsewhere than FROM (EXISTS, IN, a scalar) could read other months' rows.
    if select is not tree and not (
        isinstance(select.parent, exp.CTE)
        or (isinstance(select.parent, exp.Subquery) and isinstance(select.parent.parent, exp.From))
    ):
        return False
    group = select.args.get("group")
    keys = group.expressions if group is not None else []
    aggregates = any(e.find(exp.AggFunc) for e in select.expressions) or select.args.get("having")
    if (group is not None or aggregates) and not (
        any(_is_period(k) for k in keys) and not all(_is_period(k) for k in keys)
    ):
        return False
    return not any(
        projection.alias_or_name == "period" and not _is_period(projection.unalias())
        for projection in select.expressions
    )


def _month_made_constant(tree: exp.Expr, month: str, rows: str, ctes: set[str]) -> exp.Expr:
    """A copy of `tree` that reads `rows` (one month's) instead of its staged table, groups by
    its other keys only and gives `month` as every `period`."""
    monthly = tree.copy()
    literal = exp.Literal.string(month)
    for select in monthly.find_all(exp.Select):
        group = select.args.get("group")
        if group is not None:
            group.set("expressions", [k for k in group.expressions if not _is_period(k)])
        select.set(
            "expressions",
            [
                exp.alias_(literal.copy(), "period") if _is_period(e) else e
                for e in select.expressions
            ],
        )
    monthly = monthly.transform(lambda node: literal.copy() if _is_period(node) else node)
    for node in list(monthly.find_all(exp.Table)):
        if node.db or node.name not in ctes:
            node.replace(
                exp.Subquery(
                    this=sqlglot.parse_one(rows, read="duckdb"),
                    alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name)),
                )
            )
    return monthly


# --------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True)
class Slot:
    """One side's columns in a scan: its value `v<i>` and its row count (`Scan.count_of`)."""

    scan: Scan
    index: int

    @property
    def value(self) -> str:
        """Its value column, or for a side counting its rows (`Scan.counts_rows`) its count:
        read only where the count is above 0, as every reader does, they are the same."""
        if self.scan.counts_rows(self.index):
            return f"CAST({self.count} AS {NUMBER})"
        return f"v{self.index}"

    @property
    def count(self) -> str:
        return f"n{self.scan.count_of(self.index)}"

    @property
    def condition(self) -> str | None:
        """The condition its rows are counted under (`count`): a merged simple side's WHERE;
        None when every row of the pass counts (no WHERE, or a side run as written)."""
        return self.scan.members[self.index][0] if self.scan.simple is not None else None


@dataclass(eq=False)
class Scan:
    """One pass over the staged tables, feeding one or more sides (`v<i>`, `n<i>` each).

    Either merged simple sides (`simple`, one `members` entry per distinct side) or sides with
    one skeleton (`trees`, united projections), possibly a single side run as written.
    """

    name: str
    grain: str
    grain_key: str
    plan: PeriodPlan
    simple: SimpleSide | None = None
    shape: str | None = None
    source_label: str = ""  # what the timings call it: the table, or the first side's name
    tables: frozenset[str] = frozenset()  # the staged tables its sides read
    members: list[tuple[str | None, str, exp.Expr, exp.Expr | None]] = field(
        default_factory=list
    )  # simple: (where SQL, value SQL, value, where) of each slot
    trees: list[exp.Expr] = field(default_factory=list)  # skeleton: each slot's side
    texts: list[str] = field(default_factory=list)  # skeleton: each slot's SQL

    @property
    def width(self) -> int:
        return len(self.members) if self.simple is not None else len(self.trees)

    def add(self, side: SimpleSide) -> Slot:
        where_sql = side.where.sql(dialect="duckdb") if side.where is not None else None
        wanted = (where_sql, side.value.sql(dialect="duckdb"))
        for index, (w, v, _, _) in enumerate(self.members):
            if (w, v) == wanted:
                return Slot(self, index)
        self.members.append((*wanted, side.value, side.where))
        return Slot(self, len(self.members) - 1)

    def add_tree(self, sql: str, tree: exp.Expr) -> Slot | None:
        """The side's slot, or None when its projections cannot join the others'."""
        if sql in self.texts:
            return Slot(self, self.texts.index(sql))
        if self.trees and _unite([*self.trees, tree], self._names(len(self.trees) + 1)) is None:
            return None
        self.trees.append(tree)
        self.texts.append(sql)
        return Slot(self, len(self.trees) - 1)

    @staticmethod
    def _names(count: int) -> list[str]:
        return [f"cs_v{i}" for i in range(count)]

    @property
    def unique_per_commune(self) -> bool:
        """The pass's rows are already one per (commune, month), before any window: no
        regrouping is needed to number them.

        True when the query groups by exactly its key and its period (a simple side, or the
        outer query of sides run as written, e.g. TELEHEALTH_LIBERAL's).
        """
        if self.grain != "commune":
            return False
        if self.simple is not None:
            s = self.simple
            return s.group is not None and sorted(s.group) == sorted({s.key, s.period})
        root = self.trees[0]
        group = root.args.get("group")
        if group is None or root.args.get("having") is not None:
            return False
        selected = [e.unalias() if isinstance(e, exp.Alias) else e for e in root.expressions[:2]]
        grouped = sorted(g.sql(dialect="duckdb") for g in group.expressions)
        return grouped == sorted({e.sql(dialect="duckdb") for e in selected})

    @property
    def staged(self) -> str | None:
        """The staged table the pass reads (its contract name), when it reads one only."""
        return next(iter(self.tables)) if len(self.tables) == 1 else None

    @property
    def table(self) -> str | None:
        """`staged` as the queries name it (`stg_<table>`)."""
        return table_ref(self.staged) if self.staged else None

    def raw_sql(self) -> str:
        """k, period, v0, n0, v1, n1… at the definitions' grain."""
        if self.simple is None:
            select = self._tree_sql(self._united(), "CAST(q.period AS VARCHAR)")
        else:
            select = self._merged_sql()
        if self.plan.sources is not None:
            select = f"SELECT * FROM ({select}) AS q WHERE q.period IN {in_list(self.plan.sources)}"
        return select

    def _monthly_sql(
        self, months: Sequence[str], partition: MonthPartition | None = None
    ) -> list[str] | None:
        """`raw_sql` of each month's partition alone, the month a constant (`one_month`); None
        when the pass cannot be read so. `partition`: see `SharedPlan.partition`.

        The query is made once, for a stand-in month reading stand-in rows, and each month's
        text is that one with the month and its rows put in: made month by month, the copies
        and rewrites of the tree took 0.1 s of a national recompute's plan (120 months of five
        passes; bench/RESULTS.md, 5 December, fifth session)."""
        if self.simple is None:
            tree = self._united()
        else:
            # The merged query with its period as the table's column, read like any other.
            tree = sqlglot.parse_one(self._merged_sql(bare_period=True), read="duckdb")
        rows_at = f"SELECT * FROM {_ROWS_STAND_IN}"
        if any(name in tree.sql(dialect="duckdb") for name in (_MONTH_STAND_IN, _ROWS_STAND_IN)):
            return None  # a side naming a stand-in: the pass is read whole
        template = one_month(tree, self.table or "", _MONTH_STAND_IN, rows_at)
        if template is None:
            return None
        if self.simple is None:
            text = self._tree_sql(template, quote(_MONTH_STAND_IN))
        else:
            text = template.sql(dialect="duckdb")
        if rows_at not in text or quote(_MONTH_STAND_IN) not in text:
            return None  # not written as expected: read whole rather than guess
        parts = []
        for month in months:
            rows = partition(self.staged, month) if partition and self.staged else None
            if rows is None:
                rows = f"SELECT * FROM {self.table} WHERE period = {quote(month)}"
            parts.append(text.replace(rows_at, rows).replace(quote(_MONTH_STAND_IN), quote(month)))
        return parts

    def _united(self) -> exp.Expr:
        merged = _unite(self.trees, self._names(len(self.trees)))
        assert merged is not None  # checked as each side joined
        return merged

    def _tree_sql(self, tree: exp.Expr, period: str) -> str:
        """The sides run as written (their projections united): k, period, v<i>, n0."""
        body = _prefix_ctes(tree.sql(dialect="duckdb"), self.name)
        values = ", ".join(f"CAST(q.cs_v{i} AS {NUMBER}) AS v{i}" for i in range(self.width))
        values += ", 1 AS n0"
        return (
            f"SELECT CAST(q.{self.grain_key} AS VARCHAR) AS k,"
            f" {period} AS period, {values} FROM (\n{body}\n) AS q"
        )

    def _merged_sql(self, bare_period: bool = False) -> str:
        s = self.simple
        assert s is not None
        # Each distinct condition is computed once per row, as a column of the table read.
        conditions: dict[str, str] = {}
        for where_sql, _, _, _ in self.members:
            if where_sql is not None and where_sql not in conditions:
                conditions[where_sql] = f"cs_w{len(conditions)}"
        period = s.period if bare_period else f"CAST({s.period} AS VARCHAR)"
        columns = [f"CAST({s.key} AS VARCHAR) AS k", f"{period} AS period"]
        for index, (where_sql, value_sql, value, _) in enumerate(self.members):
            flag = conditions.get(where_sql) if where_sql is not None else None
            if s.aggregated:
                filtered = _filtered(value, exp.column(flag) if flag else None)
                count = f"COUNT(*) FILTER (WHERE {flag})" if flag else "COUNT(*)"
                columns.append(f"CAST({filtered.sql(dialect='duckdb')} AS {NUMBER}) AS v{index}")
            else:
                count = f"CASE WHEN {flag} THEN 1 ELSE 0 END" if flag else "1"
                if not self.counts_rows(index):  # else its count stands for it (`Slot.value`)
                    kept = f"CASE WHEN {flag} THEN {value_sql} END" if flag else value_sql
                    columns.append(f"CAST({kept} AS {NUMBER}) AS v{index}")
            if self.count_of(index) == index:  # the first side counting these rows
                columns.append(f"{count} AS n{index}")
        source, where = s.source, ""
        if conditions:
            flags = ", ".join(f"({w}) AS {flag}" for w, flag in conditions.items())
            source = f"(SELECT *, {flags} FROM {s.source}) AS {s.alias}"
            if all(w is not None for w, _, _, _ in self.members):
                where = " WHERE " + " OR ".join(conditions.values())
        group = f" GROUP BY {', '.join(s.group)}" if s.group is not None else ""
        return f"SELECT {', '.join(columns)} FROM {source}{where}{group}"

    def commune_steps(
        self,
        structures: str,
        commune_ids: str,
        month_ids: str,
        months: Sequence[str] = (),
        partition: MonthPartition | None = None,
    ) -> list[tuple[str, str]]:
        """(name, SQL) of what the pass keeps, in the order it is built: its rows mapped to
        communes (commune_id, month_id, v<i>, n<j>), both by number, under its `name`, last.
        A pass whose rolling windows are summed month by month first keeps its monthly rows
        (`_windows`).

        Communes and months go by number from here on (`commune_ids`, `month_id`): the
        definitions join and group the passes' rows by them, which costs about half what it
        costs by code (a large monthly definition 0.24 → 0.14 s, national, for the communes);
        only the rows a definition returns get their codes and months back. A
        code the membership does not know gets no number: its rows stay (a month only they fill
        still counts as read, as in the per-definition query) and nothing joins them to a
        territory.

        `months`: the months on disk of the table the pass reads, when it is partitioned by
        month; the pass then groups them one by one when it can (`_month_by_month`), each with
        its month's number as a constant, reading its rows from `partition` when given.
        """
        rows = self._month_by_month(months, partition)
        by_month = rows is not None
        # Read month by month, the rows carry the month's number; otherwise its text.
        month = "month_id" if by_month else "period"
        if rows is None:
            rows = self.raw_sql()
        kept, sums = self._kept("x"), self._sums("x")
        if self.grain == "structure":
            rows = (
                f"SELECT s.commune_id, x.{month}, {sums} FROM ({rows}) AS x"
                f" JOIN {structures} AS s ON x.k = s.finess_et GROUP BY s.commune_id, x.{month}"
            )
        else:
            if not self.unique_per_commune:
                # Several rows per commune and month: one each before numbering.
                rows = f"SELECT x.k, x.{month}, {sums} FROM ({rows}) AS x GROUP BY x.k, x.{month}"
            rows = (
                f"SELECT i.commune_id, x.{month}, {kept} FROM ({rows}) AS x"
                f" LEFT JOIN {commune_ids} AS i ON x.k = i.commune_code"
            )
        if not by_month:
            # Numbered once the rows are grouped: by the plan's months (`month_ids`, a join),
            # or from the text where none matches (50 ns a row).
            rows = (
                f"SELECT x.commune_id, COALESCE(m.month_id, {month_id_sql('x.period')})"
                f" AS month_id, {kept} FROM ({rows}) AS x"
                f" LEFT JOIN {month_ids} AS m ON x.period = m.period"
            )
        if self.plan.pairs is None:
            return [(self.name, rows)]
        if by_month:  # a large table: one grouping per output month
            monthly = f"{self.name}_months"
            return [(monthly, rows), (self.name, self._windows(monthly))]
        pairs = ", ".join(f"({month_id(o)}, {month_id(s)})" for o, s in self.plan.pairs)
        return [
            (
                self.name,
                f"SELECT r.commune_id, w.month_id, {self._sums('r')} FROM ({rows}) AS r JOIN"
                f" (SELECT * FROM (VALUES {pairs}) AS v(month_id, source_month_id)) AS w"
                " ON r.month_id = w.source_month_id GROUP BY r.commune_id, w.month_id",
            )
        ]

    def count_of(self, index: int) -> int:
        """Which count column (`n<i>`) side `index` reads: sides counting the same rows share
        one, those of a merged pass with the same condition, every side of a pass run as
        written (one row each). The campaigns' pass kept twelve counts of four conditions
        (one thread, national: 0.519 → 0.496 s with four; bench/RESULTS.md, 5 December, sixth
        session)."""
        if self.simple is None:
            return 0
        where = self.members[index][0]
        return next(i for i, member in enumerate(self.members) if member[0] == where)

    def counts_rows(self, index: int) -> bool:
        """Whether side `index` of a merged pass is a row count (`SELECT …, 1 AS value`): its
        sum is then its count column's wherever it has rows, and the pass keeps no value
        column for it. The campaigns' pass summed four such columns beside their counts (one
        thread, national: 0.57 → 0.49 s without them; bench/RESULTS.md, 5 December, seventh
        session)."""
        if self.simple is None or self.simple.aggregated:
            return False
        value = self.members[index][2]
        return isinstance(value, exp.Literal) and value.is_int and value.to_py() == 1

    def _columns(self) -> list[str]:
        """The pass's value and count columns, after its key and month."""
        counts = sorted({self.count_of(i) for i in range(self.width)})
        values = [f"v{i}" for i in range(self.width) if not self.counts_rows(i)]
        return values + [f"n{i}" for i in counts]

    def _kept(self, alias: str) -> str:
        return ", ".join(f"{alias}.{column}" for column in self._columns())

    def _sums(self, alias: str) -> str:
        return ", ".join(f"SUM({alias}.{column}) AS {column}" for column in self._columns())

    def _windows(self, monthly: str) -> str:
        """Each output month of a rolling window: the sums of the months it holds, by commune,
        from the pass's monthly rows kept in the table `monthly`.

        One grouping per output month, by commune only, over the monthly rows kept once: twelve
        small hash tables cost less than joining each month to every window that holds it and
        grouping the 5.4 M rows that makes by commune and month (the documents' pass, one
        thread: 0.57–0.61 → 0.47–0.53 s). A commune has a row in a month whose window holds
        any of its rows, as with the join. For a large table only: on a small one the query per
        output month costs more than it saves.

        The monthly rows are a table, not a CTE of this query: written month after month, its
        row groups each hold a few months, so each output month reads only those of its own
        (a CTE is read whole thirteen times): the documents' pass, one thread, 0.46 → 0.36 s
        (bench/RESULTS.md, 5 December, sixth session).
        """
        sources: dict[str, list[str]] = {}
        for output, source in self.plan.pairs or ():
            sources.setdefault(output, []).append(source)
        months = "\nUNION ALL\n".join(
            f"SELECT r.commune_id, {month_id(output)} AS month_id, {self._sums('r')}"
            f" FROM {monthly} AS r"
            f" WHERE r.month_id IN ({', '.join(str(month_id(m)) for m in held)})"
            " GROUP BY r.commune_id"
            for output, held in sorted(sources.items())
        )
        return months

    def _month_by_month(
        self, months: Sequence[str], partition: MonthPartition | None = None
    ) -> str | None:
        """k, month_id, v<i>, n<i>: `raw_sql` as a union of one query per month, each grouping
        its own month's rows by the other keys (`one_month`); None when the pass does not group,
        or cannot be read so.

        Only the grouping of staged rows goes month by month: joins with the communes' or the
        structures' numbers stay after the union, where their table is hashed once, not once
        per month (per month, the campaign pass went 0.54 → 0.81 s).
        """
        groups = (
            self.simple.aggregated
            if self.simple is not None
            else self.trees[0].find(exp.Group) is not None
        )
        wanted = [m for m in months if self.plan.sources is None or m in self.plan.sources]
        if not groups or not wanted:
            return None
        parts = self._monthly_sql(wanted, partition)
        if parts is None:
            return None
        return "\nUNION ALL\n".join(
            f"SELECT x.k, {month_id(m)} AS month_id, {self._kept('x')} FROM ({part}) AS x"
            for m, part in zip(wanted, parts, strict=True)
        )


@dataclass
class SharedPlan:
    """The scans and, for each definition, where its numerator and denominator are."""

    prefix: str = PREFIX
    scans: list[Scan] = field(default_factory=list)
    sides: dict[str, tuple[Slot, Slot | None]] = field(default_factory=dict)
    plans: dict[str, PeriodPlan] = field(default_factory=dict)
    alone: list[Definition] = field(default_factory=list)  # per-definition queries

    scoped: bool = False
    # The months on disk of each partitioned staged table, by its name in SQL (`stg_<table>`):
    # given, the passes that can read them month by month do (`Scan.commune_steps`).
    months: Mapping[str, Sequence[str]] = field(default_factory=dict)
    months_on_disk: Sequence[str] = ()  # of every partitioned table read: see `_months_sql`
    # Where a pass read month by month finds one month's rows of a staged table, given by the
    # backend (DuckDB reads that month's files alone); none: the table filtered on its month.
    partition: MonthPartition | None = None

    def name(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"

    @property
    def memberships(self) -> tuple[str, str]:
        """The whole and the scoped membership, for the per-definition queries."""
        every = self.name("membership_all")
        return every, self.name("membership") if self.scoped else every

    def add(self, definition: Definition, plan: PeriodPlan) -> None:
        self.plans[definition.code] = plan
        if definition.aggregation in PER_LEVEL_RULES:
            self.alone.append(definition)
            return
        numerator = self._slot(definition, plan, "numerator")
        denominator = (
            self._slot(definition, plan, "denominator")
            if definition.denominator_sql is not None
            else None
        )
        self.sides[definition.code] = (numerator, denominator)

    def _slot(self, definition: Definition, plan: PeriodPlan, part: str) -> Slot:
        sql = definition.render(part, table_ref, plan.snapshot_period)
        side = simple_side(sql)
        shaped = skeleton(sql) if side is None else None
        for scan in self.scans:
            if (scan.grain, scan.plan) != (definition.grain, plan):
                continue
            s = scan.simple
            if side is not None and s is not None:
                if (s.source, s.key, s.period, s.group) == (
                    side.source,
                    side.key,
                    side.period,
                    side.group,
                ):
                    return scan.add(side)
            elif shaped is not None and scan.shape == shaped[0]:
                slot = scan.add_tree(sql, shaped[1])
                if slot is not None:
                    return slot
        scan = Scan(
            name=self.name(f"scan_{len(self.scans)}"),
            grain=definition.grain,
            grain_key=definition.grain_key,
            plan=plan,
            simple=side,
            shape=shaped[0] if shaped is not None else None,
            source_label=side.source if side is not None else f"{definition.code} {part}",
            tables=definition.side_tables(part),
        )
        self.scans.append(scan)
        if side is not None:
            return scan.add(side)
        tree = shaped[1] if shaped is not None else sqlglot.parse_one(sql, read="duckdb")
        slot = scan.add_tree(sql, tree)
        assert slot is not None  # the first side always fits
        return slot

    # -- SQL of the shared relations and of each definition -------------------------------------

    def membership_sql(
        self, territories: Sequence[tuple[str, str]] | None
    ) -> list[tuple[str, str]]:
        """(name, SQL) of what every pass reads, in the order they must be built: the communes
        and months numbered. The FINESS → commune map is built beside the first passes
        (`structures_sql`), the membership itself, which only the definitions read, with the
        parents (`parents_sql`): the communes are numbered from the staged membership directly,
        where waiting for both kept a core idle 0.1 s (national)."""
        src = table_ref("territory_membership")
        self.scoped = bool(territories)
        # Territories, communes and months get numbers: the passes and the definitions join and
        # group by them (grouping millions of rows by two strings cost four times grouping them
        # by one integer: 0.18 s against 0.05 s per large definition, national), and only the
        # rows a definition returns get their codes and months back. Every commune of the
        # membership is numbered, in scope or not (`communes` says which are).
        return [
            (
                self.name("commune_ids"),
                "SELECT CAST(row_number() OVER (ORDER BY commune_code) AS INTEGER) AS commune_id,"
                f" commune_code FROM (SELECT DISTINCT commune_code FROM {src}) AS c",
            ),
            (self.name("months"), self._months_sql()),
        ]

    def structures_sql(self) -> tuple[str, str] | None:
        """(name, SQL) of each establishment's commune, by number, which the passes over a
        table of establishments read; None when no pass does. After `membership_sql`."""
        if not any(scan.grain == "structure" for scan in self.scans):
            return None
        return (
            self.name("structures"),
            "SELECT s.finess_et, i.commune_id FROM (SELECT finess_et,"
            f" MIN(commune_code) AS commune_code FROM {table_ref('structures')}"
            f" GROUP BY finess_et) AS s LEFT JOIN {self.name('commune_ids')} AS i"
            " ON s.commune_code = i.commune_code",
        )

    def parents_sql(self, territories: Sequence[tuple[str, str]] | None) -> list[tuple[str, str]]:
        """(name, SQL) of the relations only the definitions read (and the definitions run
        alone), in the order they must be built: the membership and the scope's part of it,
        the parent territories numbered, each commune's parents, the scope's communes. The
        passes do not read them: they are built beside the first passes, not before. After
        `membership_sql`, whose relations they read."""
        src = table_ref("territory_membership")
        every = self.name("membership_all")
        scoped = self.name("membership") if territories else every
        relations = [
            (
                every,
                "SELECT DISTINCT commune_code, territory_code, territory_level FROM ("
                f"SELECT commune_code, territory_code, territory_level FROM {src}"
                f" UNION ALL SELECT commune_code, commune_code AS territory_code,"
                f" 'commune' AS territory_level FROM {src}) AS u",
            )
        ]
        if territories:
            wanted = " OR ".join(
                f"(territory_level = {quote(level)} AND territory_code = {quote(code)})"
                for level, code in territories
            )
            # As query.py: every territory with a commune in the scope, with all its communes.
            relations.append(
                (
                    scoped,
                    f"SELECT a.commune_code, a.territory_code, a.territory_level FROM {every} AS a"
                    " JOIN (SELECT DISTINCT b.territory_code, b.territory_level"
                    f" FROM {every} AS b JOIN (SELECT DISTINCT commune_code FROM {every}"
                    f" WHERE {wanted}) AS s ON b.commune_code = s.commune_code) AS t"
                    " ON a.territory_code = t.territory_code AND a.territory_level = t.territory_level",
                )
            )
        return [
            *relations,
            (
                # Numbered after the communes: a definition's rows name a commune or a parent
                # by one number (`numbering_sql`).
                self.name("territories"),
                "SELECT CAST(c.communes + row_number() OVER (ORDER BY t.territory_level,"
                " t.territory_code) AS INTEGER) AS territory_id, t.territory_code, t.territory_level"
                f" FROM (SELECT DISTINCT territory_code, territory_level FROM {scoped}"
                " WHERE territory_level <> 'commune') AS t"
                f" CROSS JOIN (SELECT COUNT(*) AS communes FROM {self.name('commune_ids')}) AS c",
            ),
            (
                self.name("membership_up"),
                f"SELECT i.commune_id, t.territory_id, t.territory_level FROM {scoped} AS m"
                f" JOIN {self.name('territories')} AS t ON m.territory_code = t.territory_code"
                " AND m.territory_level = t.territory_level"
                f" JOIN {self.name('commune_ids')} AS i ON m.commune_code = i.commune_code",
            ),
            *self._parent_relations(),
            (
                self.name("communes"),
                f"SELECT i.commune_id, i.commune_code FROM {self.name('commune_ids')} AS i"
                f" WHERE i.commune_code IN (SELECT commune_code FROM {scoped}"
                " WHERE territory_level = 'commune')",
            ),
        ]

    def _parent_relations(self) -> list[tuple[str, str]]:
        """Each commune's parents, as the definitions sum them (`_rows_sql`): `cs_levels`, one
        row per commune with its EPCI, département and région as columns, for the levels where
        no commune has two; `cs_membership_rest`, a row per (commune, parent) for the others
        (the groupements, and a level where some commune has two parents: it is summed through
        its rows, whole, never split between both).

        As columns, one join and one grouping per level give the parents' sums: grouping the
        rows of a join with every parent (three or four rows per commune) cost a third more
        (the largest definition's parents, one thread, national: 0.071 → 0.054 s;
        bench/RESULTS.md, 5 December, sixth session)."""
        up = self.name("membership_up")
        levels = ", ".join(quote(level) for level in _PARENT_COLUMNS)
        # The levels where a commune has two parents: summed through their rows.
        several = (
            f"SELECT DISTINCT territory_level FROM (SELECT commune_id, territory_level FROM {up}"
            " GROUP BY commune_id, territory_level HAVING COUNT(*) > 1) AS d"
        )
        columns = ", ".join(
            f"MAX(CASE WHEN territory_level = {quote(level)} THEN territory_id END) AS {level}_id"
            for level in _PARENT_COLUMNS
        )
        return [
            (
                self.name("levels"),
                f"SELECT commune_id, {columns} FROM {up} WHERE territory_level IN ({levels})"
                f" AND territory_level NOT IN ({several}) GROUP BY commune_id",
            ),
            (
                self.name("membership_rest"),
                f"SELECT commune_id, territory_id FROM {up}"
                f" WHERE territory_level NOT IN ({levels}) OR territory_level IN ({several})",
            ),
        ]

    def numbering_sql(self) -> tuple[str, str]:
        """What the definitions' numbers stand for (`numbering.Numbering`): territory_id,
        territory_code, territory_level of every commune and parent territory (numbered 1, 2,
        3…), and month_id, period of the plan's months. Read once the membership is built."""
        territories = (
            "SELECT commune_id AS territory_id, commune_code AS territory_code,"
            f" 'commune' AS territory_level FROM {self.name('commune_ids')}"
            " UNION ALL SELECT territory_id, territory_code, territory_level"
            f" FROM {self.name('territories')}"
        )
        return territories, f"SELECT month_id, period FROM {self.name('months')}"

    def tables_of(self, definition: Definition) -> frozenset[str]:
        """The staged tables behind a definition's query, to weigh it against the others: those
        its passes read (it reads the passes), or its own when it runs alone."""
        if definition.code not in self.sides:
            return definition.tables
        return frozenset().union(*(scan.tables for scan in self.scans_of(definition)))

    def scans_of(self, definition: Definition) -> list[Scan]:
        """The passes a definition's query reads (none when it runs alone)."""
        return [slot.scan for slot in self.sides.get(definition.code, ()) if slot is not None]

    def scan_steps(self, scan: Scan) -> list[tuple[str, str]]:
        """What a pass keeps: its rows mapped to the communes' numbers (`Scan.commune_steps`)."""
        months = self.months.get(scan.table or "", ())
        return scan.commune_steps(
            self.name("structures"),
            self.name("commune_ids"),
            self.name("months"),
            months,
            self.partition,
        )

    def _months_sql(self) -> str:
        """month_id, period of every month the plan knows of (those on disk, the windows', the
        snapshot's): the definitions give their rows their month's text by a join with it."""
        known = set(self.months_on_disk)
        for plan in self.plans.values():
            known.add(plan.snapshot_period)
            known.update(plan.sources or ())
            known.update(m for pair in plan.pairs or () for m in pair)
        rows = ", ".join(f"({month_id(m)}, {quote(m)})" for m in sorted(known))
        if not rows:
            return "SELECT CAST(NULL AS INTEGER) AS month_id, CAST(NULL AS VARCHAR) AS period WHERE 1 = 0"
        return f"SELECT * FROM (VALUES {rows}) AS v(month_id, period)"

    def query_units(self, definitions: Sequence[Definition]) -> list[list[Definition]]:
        """The definitions in the groups that one query computes, in their first member's order.

        Definitions whose pairs are the same rows of the same pass (`_rows_of`) share a query:
        it joins those rows to the communes and to their parents once, with one column pair per
        definition, where a query each did it once per definition (MES_ACTIVATION and its
        sibling, national, one thread: 0.25 → 0.12 s; the three zero-fax campaign definitions
        0.085 → 0.037 s; bench/RESULTS.md, 5 December, fifth session). Every other definition
        is a group of its own."""
        units: list[list[Definition]] = []
        same_rows: dict[tuple[str, frozenset[str | None]], list[Definition]] = {}
        for definition in definitions:
            rows = self._rows_of(definition)
            if rows is None:
                units.append([definition])
            elif rows in same_rows:
                same_rows[rows].append(definition)
            else:
                same_rows[rows] = [definition]
                units.append(same_rows[rows])
        return units

    def _rows_of(self, definition: Definition) -> tuple[str, frozenset[str | None]] | None:
        """(pass, conditions) deciding which of the pass's rows a definition's pairs are, or
        None when they are not some of one pass's rows (sides on two passes, a population).

        A side's row count `n<i>` is the count of the pass's rows meeting its condition (a
        simple side's WHERE, merged into the pass), or 1 on every row (no condition, or a side
        run as written): two sides with the same condition count the same rows. A definition's
        pairs are the rows where its numerator's or its denominator's count is positive."""
        if definition.code not in self.sides or definition.aggregation == "per_population":
            return None
        numerator, denominator = self.sides[definition.code]
        if denominator is not None and denominator.scan is not numerator.scan:
            return None
        conditions = frozenset(s.condition for s in (numerator, denominator) if s is not None)
        if None in conditions:  # one side has every row
            conditions = frozenset({None})
        return numerator.scan.name, conditions

    def definition_sql(self, definition: Definition) -> str:
        """territory_id, month_id, numerator, denominator of one definition (territories and
        months by number: `numbering_sql` says what they stand for)."""
        numerator, denominator = self.sides[definition.code]
        pairs = self._pairs_sql(definition, numerator, denominator)
        return self._rows_sql(pairs, [("num", "den", "numerator", "denominator")])

    def definitions_sql(self, definitions: Sequence[Definition]) -> str:
        """territory_id, month_id, then numerator_<k>, denominator_<k> of each definition of a
        group of `query_units` (whose pairs are the same rows), in its order."""
        sides = [self.sides[definition.code] for definition in definitions]
        pairs = self._one_pass_pairs(sides, [(f"num_{k}", f"den_{k}") for k in range(len(sides))])
        columns = [
            (f"num_{k}", f"den_{k}", f"numerator_{k}", f"denominator_{k}")
            for k in range(len(definitions))
        ]
        return self._rows_sql(pairs, columns)

    def _rows_sql(self, pairs: str, columns: Sequence[tuple[str, str, str, str]]) -> str:
        """The rows of every territory from the communes' pairs: each commune's as they are,
        each parent's summed through the membership. `columns`: (the pairs' numerator and
        denominator, the result's names for them), one entry per definition.

        Territories and months stay numbers: their codes and texts are put in from Arrow
        (`numbering.Numbering`), which costs less than joining every row to them here and
        handing their strings over."""
        kept = ", ".join(f"p.{num} AS {n}, p.{den} AS {d}" for num, den, n, d in columns)
        sums = ", ".join(f"SUM(p.{num}) AS {n}, SUM(p.{den}) AS {d}" for num, den, n, d in columns)
        if self.scoped:
            communes = f" JOIN {self.name('communes')} AS c ON p.commune_id = c.commune_id"
        else:
            # Every numbered commune is in scope; a code the membership does not know has none.
            communes = " WHERE p.commune_id IS NOT NULL"
        summed = ", ".join(f"g.{n}, g.{d}" for _, _, n, d in columns)
        # In each grouping set the other levels' columns are NULL: the one grouped is the first
        # that is not. A commune with no parent at a level (or a level in `cs_membership_rest`)
        # adds a row whose parent is NULL: left out.
        parent = "COALESCE(" + ", ".join(f"g.{level}_id" for level in _PARENT_COLUMNS) + ")"
        sets = ", ".join(f"(l.{level}_id, p.month_id)" for level in _PARENT_COLUMNS)
        by_level = ", ".join(f"l.{level}_id" for level in _PARENT_COLUMNS)
        return (
            f"WITH pairs AS (\n  {pairs}\n)\n"
            f"SELECT p.commune_id AS territory_id, p.month_id, {kept} FROM pairs AS p{communes}"
            "\nUNION ALL\n"
            f"SELECT {parent} AS territory_id, g.month_id, {summed}"
            f" FROM (SELECT {by_level}, p.month_id, {sums}"
            f" FROM pairs AS p JOIN {self.name('levels')} AS l ON p.commune_id = l.commune_id"
            f" GROUP BY GROUPING SETS ({sets})) AS g WHERE {parent} IS NOT NULL"
            "\nUNION ALL\n"
            f"SELECT m.territory_id, p.month_id, {sums}"
            f" FROM pairs AS p JOIN {self.name('membership_rest')} AS m"
            " ON p.commune_id = m.commune_id GROUP BY m.territory_id, p.month_id"
        )

    def _pairs_sql(self, definition: Definition, numerator: Slot, denominator: Slot | None) -> str:
        """One row per commune and period: the sums the per-definition path would add up there.

        That path adds the numerator's rows (numerator, 0) and the denominator's (0, denominator);
        a commune's pair is therefore the numerator where only it exists, 0 for the other side,
        and both (a missing value counting as 0) where both exist.
        """
        n = numerator
        num_rows = f"SELECT commune_id, month_id, {n.value} AS value FROM {n.scan.name} WHERE {n.count} > 0"
        if definition.aggregation == "per_population":
            ids = self.name("commune_ids")
            covered = (
                f"SELECT DISTINCT cm.commune_code FROM {self.name('membership_all')} AS cm JOIN ("
                f"SELECT DISTINCT dm.territory_code FROM ({num_rows}) AS nc"
                f" JOIN {ids} AS ni ON nc.commune_id = ni.commune_id"
                f" JOIN {self.name('membership_all')} AS dm ON ni.commune_code = dm.commune_code"
                " WHERE dm.territory_level = 'departement') AS cd"
                " ON cm.territory_code = cd.territory_code WHERE cm.territory_level = 'departement'"
            )
            population = (
                "SELECT i.commune_id, per.month_id,"
                f" CAST(p.population AS {NUMBER}) AS value"
                f" FROM {table_ref('territory_population')} AS p"
                f" JOIN {ids} AS i ON p.territory_code = i.commune_code"
                f" CROSS JOIN (SELECT DISTINCT month_id FROM {n.scan.name} WHERE {n.count} > 0) AS per"
                f" WHERE p.territory_level = 'commune' AND p.territory_code IN ({covered})"
            )
            return _union_pairs(num_rows, population)
        if denominator is None or denominator.scan is n.scan:
            return self._one_pass_pairs([(n, denominator)], [("num", "den")])
        d = denominator
        den_rows = f"SELECT commune_id, month_id, {d.value} AS value FROM {d.scan.name} WHERE {d.count} > 0"
        return _union_pairs(num_rows, den_rows)

    def _one_pass_pairs(
        self, sides: Sequence[tuple[Slot, Slot | None]], names: Sequence[tuple[str, str]]
    ) -> str:
        """commune_id, month_id and each definition's pair (named by `names`) from one pass,
        for definitions whose pairs are the same rows of it (the first one's rows)."""
        pairs = ", ".join(
            f"{num} AS {num_name}, {den} AS {den_name}"
            for (num, den), (num_name, den_name) in zip(
                (self._pair_expressions(*pair) for pair in sides), names, strict=True
            )
        )
        numerator, denominator = sides[0]
        return (
            f"SELECT commune_id, month_id, {pairs}"
            f" FROM {numerator.scan.name} WHERE {self._pair_rows(numerator, denominator)}"
        )

    @staticmethod
    def _pair_expressions(numerator: Slot, denominator: Slot | None) -> tuple[str, str]:
        """A commune's (numerator, denominator) from the sides' columns of one pass: the
        numerator where only it exists, 0 for the other side, both (a missing value counting
        as 0) where both exist; no denominator, none."""
        zero, null = f"CAST(0 AS {NUMBER})", f"CAST(NULL AS {NUMBER})"
        n, d = numerator, denominator
        if d is None:
            return n.value, null
        both = f"{n.count} > 0 AND {d.count} > 0"
        return (
            f"CASE WHEN {both} THEN COALESCE({n.value}, {zero})"
            f" WHEN {n.count} > 0 THEN {n.value} ELSE {zero} END",
            f"CASE WHEN {both} THEN COALESCE({d.value}, {zero})"
            f" WHEN {d.count} > 0 THEN {d.value} ELSE {zero} END",
        )

    @staticmethod
    def _pair_rows(numerator: Slot, denominator: Slot | None) -> str:
        """Which of the pass's rows are the definition's: where a side has rows."""
        if denominator is None:
            return f"{numerator.count} > 0"
        return f"{numerator.count} > 0 OR {denominator.count} > 0"


def _union_pairs(num_rows: str, den_rows: str) -> str:
    zero = f"CAST(0 AS {NUMBER})"
    return (
        "SELECT commune_id, month_id, SUM(num) AS num, SUM(den) AS den FROM ("
        f"SELECT commune_id, month_id, value AS num, {zero} AS den FROM ({num_rows}) AS a"
        f" UNION ALL SELECT commune_id, month_id, {zero} AS num, value AS den FROM ({den_rows}) AS b"
        ") AS u GROUP BY commune_id, month_id"
    )
