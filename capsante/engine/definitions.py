"""Indicator definitions: versioned YAML files, validated with errors that name file, line, field.

One file per indicator in `capsante/indicators/definitions/`. The numerator and denominator are SQL
in DuckDB's dialect over staged tables named by placeholders (`{table:ins_identities}`), so that a
backend decides how a table is reached and the engine knows which tables a definition reads
(that is how a recompute after an import finds the definitions it touches). See
docs/indicateurs/README.md for the format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from .files import DEFAULT_DIR, text_digest
from .periods import PERIOD_RE
from .staging import CONTRACT, PARTITIONED, TERRITORY_TABLES

REPO_ROOT = Path(__file__).resolve().parents[2]

KIND_RULES: dict[str, frozenset[str]] = {
    "ratio": frozenset({"sum_ratio"}),
    "share_at_stage": frozenset({"sum_ratio"}),
    "count": frozenset({"sum", "count_distinct"}),
    "rate_per_population": frozenset({"per_population"}),
    "mean": frozenset({"mean"}),
    "median": frozenset({"median"}),
}
UNITS_BY_RULE: dict[str, frozenset[str]] = {
    "sum_ratio": frozenset({"%"}),
    "sum": frozenset({"count"}),
    "count_distinct": frozenset({"count"}),
    "per_population": frozenset({"per_inhabitant", "per_1000"}),
    "mean": frozenset({"%", "count", "per_inhabitant", "per_1000"}),
    "median": frozenset({"%", "count", "per_inhabitant", "per_1000"}),
}
# What the value is multiplied by once the ratio is formed, so values are in display units.
UNIT_FACTOR = {"%": 100.0, "per_1000": 1000.0, "per_inhabitant": 1.0, "count": 1.0}
RULES_WITH_DENOMINATOR_SQL = frozenset({"sum_ratio", "mean"})
# Rules whose value at a level is not a sum of its parts' (a distinct count, a median): the
# engine computes them again at each level from the finest rows instead of adding up the tree.
PER_LEVEL_RULES = frozenset({"count_distinct", "median"})
GRAIN_KEY = {"commune": "commune_code", "structure": "finess_et", "departement": "departement_code"}

_PLACEHOLDER = re.compile(r"\{(?:(table|param):([A-Za-z_][A-Za-z0-9_]*)|(snapshot_period))\}")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
_FORBIDDEN_FUNCTIONS = re.compile(r"^(read_|glob$|sniff_|parquet_|query|sql_|getenv$|pragma)", re.I)


class DefinitionError(ValueError):
    """Invalid definition file; the message names file, line and field."""


@dataclass(frozen=True)
class Reference:
    """A roadmap target (`target`) or a published key figure (`key_figure`) for one territory."""

    roadmap: str
    type: str
    territory_level: str
    territory_code: str
    value: float
    period: str | None = None
    deadline: str | None = None
    baseline_period: str | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""
    # A target's: the number of the roadmap's objective it serves (1 for the first), linked
    # when both the target and the roadmap exist (capsante/roadmaps/catalogue_links.py).
    objective: int | None = None


@dataclass(frozen=True)
class Definition:
    code: str
    version: int
    name: str
    description: str
    unit: str
    polarity: str
    kind: str
    aggregation: str
    sources: tuple[str, ...]
    grain: str
    periodicity: str
    numerator_sql: str
    denominator_sql: str | None
    cumulative: bool
    window_months: int | None
    adoption: bool
    stale_after_months: int
    doc: str
    # Whether the figures of each establishment behind the value may be shown to anyone. Off by
    # default: which hospital has not run its cyber-crisis exercise is for partners in scope.
    detail_public: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    path: Path | None = None
    # Of the text it was read from (`files.text_digest`): a list kept for this definition says
    # which one it was made for (`gaps.kept_gaps`). Empty for one built otherwise.
    digest: str = field(default="", compare=False)

    @property
    def grain_key(self) -> str:
        return GRAIN_KEY[self.grain]

    @property
    def factor(self) -> float:
        return UNIT_FACTOR[self.unit]

    @property
    def is_snapshot(self) -> bool:
        return self.periodicity == "snapshot"

    @property
    def tables(self) -> frozenset[str]:
        """Staged tables read, including those the engine adds for the grain and the rule."""
        names = set(_tables_in(self.numerator_sql)) | set(_tables_in(self.denominator_sql or ""))
        names.add("territory_membership")
        if self.grain == "structure":
            names.add("structures")
        if self.aggregation == "per_population":
            names.add("territory_population")
        return frozenset(names)

    def side_tables(self, part: str) -> frozenset[str]:
        """The staged tables one side ("numerator" or "denominator") names."""
        return frozenset(_tables_in(getattr(self, f"{part}_sql") or ""))

    @property
    def partitioned_tables(self) -> frozenset[str]:
        return frozenset(self.tables & PARTITIONED)

    @property
    def doc_path(self) -> Path:
        return REPO_ROOT / self.doc

    def render(
        self,
        part: str,
        table_ref: Callable[[str], str] = lambda t: f"stg_{t}",
        snapshot_period: str = "1970-01",
    ) -> str:
        """The numerator or denominator SQL with its placeholders replaced."""
        sql = self.numerator_sql if part == "numerator" else self.denominator_sql
        if sql is None:
            raise ValueError(f"{self.code} has no {part} SQL")
        return render_sql(sql, self.params, table_ref, snapshot_period)


def render_sql(
    sql: str,
    params: Mapping[str, Any],
    table_ref: Callable[[str], str],
    snapshot_period: str,
) -> str:
    if not PERIOD_RE.match(snapshot_period):
        raise ValueError(f"snapshot_period must be 'YYYY-MM', got {snapshot_period!r}")

    def replace(match: re.Match[str]) -> str:
        kind, name, snapshot = match.groups()
        if snapshot:
            return f"'{snapshot_period}'"
        if kind == "table":
            return table_ref(name)
        return _sql_literal(params[name])

    return _PLACEHOLDER.sub(replace, sql)


def _sql_literal(value: Any) -> str:
    # Parameters come from reviewed definition files, but quoting them keeps a slug with a quote
    # from turning into SQL.
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _tables_in(sql: str) -> list[str]:
    return [m.group(2) for m in _PLACEHOLDER.finditer(sql) if m.group(1) == "table"]


# --------------------------------------------------------------------------------------------
# Loading


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (its wheels do): the same nodes, marks and data as
the Python one, parsed faster. Each file is parsed once (nodes, then data from them): the
catalogue, read by every compute and by each web process, took 0.12 s parsed twice by the
Python loader, 0.02-0.05 s now."""


def load_definitions(directory: Path | str | None = None) -> list[Definition]:
    """Every `*.yaml` definition of a directory (the catalogue by default), sorted by code."""
    folder = Path(directory) if directory is not None else DEFAULT_DIR
    definitions = [load_definition(p) for p in sorted(folder.glob("*.y*ml"))]
    seen: dict[str, Path] = {}
    for d in definitions:
        if d.code in seen:
            raise DefinitionError(
                f"{d.path}:1: field 'code': {d.code} already defined in {seen[d.code]}"
            )
        seen[d.code] = d.path or Path()
    return sorted(definitions, key=lambda d: d.code)


def load_definition(path: Path | str) -> Definition:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    loader = _LOADER(text)
    try:
        # Parsed once: the nodes (their lines name a faulty field), then the data built from them.
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise DefinitionError(f"{path}:{line}: YAML syntax: {error}") from error
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise DefinitionError(f"{path}:1: the file must hold a mapping of fields")
    return replace(_Validator(path, root, data).definition(), digest=text_digest(text))


class _Validator:
    """Builds a Definition field by field, raising with the YAML line of the offending field."""

    def __init__(self, path: Path, root: yaml.MappingNode, data: dict[str, Any]):
        self.path = path
        self.root = root
        self.data = data

    def line(self, *keys: str | int) -> int:
        node: yaml.Node = self.root
        line = node.start_mark.line + 1
        for key in keys:
            child = _child(node, key)
            if child is None:
                break
            key_line, node = child
            line = key_line
        return line

    def fail(self, message: str, *keys: str | int) -> DefinitionError:
        name = ".".join(str(k) for k in keys) if keys else "-"
        return DefinitionError(f"{self.path}:{self.line(*keys)}: field '{name}': {message}")

    def get(self, key: str, types: type | tuple[type, ...], required: bool = True) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise self.fail("is required", key)
            return None
        value = self.data[key]
        if isinstance(value, bool) and bool not in _as_tuple(types):
            raise self.fail(f"expected {_type_names(types)}, got a boolean", key)
        if not isinstance(value, types):
            raise self.fail(f"expected {_type_names(types)}, got {type(value).__name__}", key)
        return value

    def choice(self, key: str, allowed: Iterable[str], default: str | None = None) -> str:
        value = self.get(key, str, required=default is None) or default
        allowed = sorted(allowed)
        if value not in allowed:
            raise self.fail(f"{value!r} is not one of {', '.join(allowed)}", key)
        return str(value)

    def definition(self) -> Definition:
        known = set(Definition.__dataclass_fields__) - {"path"}
        for key in self.data:
            if key not in known:
                raise self.fail(f"unknown field (known: {', '.join(sorted(known))})", key)
        code = self.get("code", str)
        if not _CODE.match(code):
            raise self.fail("must be upper-case letters, digits and '_'", "code")
        if self.path.stem != code:
            raise self.fail(f"must match the file name ({self.path.stem})", "code")
        kind = self.choice("kind", KIND_RULES)
        aggregation = self.choice("aggregation", KIND_RULES[kind])
        unit = self.choice("unit", UNITS_BY_RULE[aggregation])
        grain = self.choice("grain", GRAIN_KEY)
        if grain == "departement" and aggregation != "count_distinct":
            # An additive count known only per département cannot be split between the EPCI that
            # straddle two départements; only a distinct count of an offer "available" there can.
            raise self.fail("grain 'departement' is only allowed with count_distinct", "grain")
        periodicity = self.choice("periodicity", {"monthly", "snapshot"}, default="monthly")
        window = self.get("window_months", int, required=False)
        if window is not None and not 1 <= window <= 120:
            raise self.fail("must be between 1 and 120", "window_months")
        if window is not None and periodicity == "snapshot":
            raise self.fail("a snapshot indicator has no rolling window", "window_months")
        stale = self.get("stale_after_months", int, required=False)
        params = self.get("params", dict, required=False) or {}
        numerator = self.sql("numerator_sql", grain, periodicity, params)
        denominator = self.denominator(grain, aggregation, periodicity, params)
        sources = self.get("sources", list)
        if not sources or not all(isinstance(s, str) for s in sources):
            raise self.fail("must be a non-empty list of connector names", "sources")
        doc = self.get("doc", str)
        version = self.get("version", int)
        if version < 1:
            raise self.fail("must be ≥ 1", "version")
        return Definition(
            code=code,
            version=version,
            name=self.get("name", str),
            description=self.get("description", str).strip(),
            unit=unit,
            polarity=self.choice("polarity", {"up", "down"}),
            kind=kind,
            aggregation=aggregation,
            sources=tuple(sources),
            grain=grain,
            periodicity=periodicity,
            numerator_sql=numerator,
            denominator_sql=denominator,
            cumulative=bool(self.get("cumulative", bool)),
            window_months=window,
            adoption=bool(self.get("adoption", bool, required=False) or False),
            stale_after_months=stale if stale is not None else 6,
            doc=doc,
            detail_public=bool(self.get("detail_public", bool, required=False) or False),
            params=params,
            references=self.references(),
            path=self.path,
        )

    def denominator(
        self, grain: str, aggregation: str, periodicity: str, params: dict[str, Any]
    ) -> str | None:
        if aggregation in RULES_WITH_DENOMINATOR_SQL:
            return self.sql("denominator_sql", grain, periodicity, params)
        if self.data.get("denominator_sql"):
            raise self.fail(
                f"aggregation {aggregation} takes no denominator SQL (the engine provides it)",
                "denominator_sql",
            )
        return None

    def sql(self, key: str, grain: str, periodicity: str, params: dict[str, Any]) -> str:
        sql = self.get(key, str).strip()
        for match in _PLACEHOLDER.finditer(sql):
            kind, name, _ = match.groups()
            if kind == "table" and name not in CONTRACT:
                raise self.fail(f"unknown staged table {name!r}", key)
            if kind == "table" and name in TERRITORY_TABLES:
                raise self.fail("territory tables are joined by the engine, not the SQL", key)
            if kind == "param" and name not in params:
                raise self.fail(f"parameter {name!r} is not declared under 'params'", key)
        if periodicity == "snapshot" and "{snapshot_period}" not in sql:
            raise self.fail("a snapshot indicator must select {snapshot_period} AS period", key)
        if not _tables_in(sql):
            raise self.fail("reads no staged table ({table:name})", key)
        rendered = render_sql(sql, params, lambda t: f"stg_{t}", "1970-01")
        try:
            _check_sql(rendered, grain)
        except (ValueError, sqlglot.errors.SqlglotError) as error:
            raise self.fail(str(error).splitlines()[0], key) from error
        return sql

    def references(self) -> tuple[Reference, ...]:
        raw = self.get("references", list, required=False) or []
        refs = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                raise self.fail("each reference is a mapping", "references", i)
            refs.append(self.reference(i, item))
        return tuple(refs)

    def reference(self, i: int, item: dict[str, Any]) -> Reference:
        allowed = set(Reference.__dataclass_fields__)
        for key in item:
            if key not in allowed:
                raise self.fail("unknown field", "references", i, key)
        for key in ("roadmap", "type", "territory_level", "territory_code", "value"):
            if item.get(key) is None:
                raise self.fail("is required", "references", i, key)
        if item["type"] not in {"target", "key_figure"}:
            raise self.fail("must be 'target' or 'key_figure'", "references", i, "type")
        for key in ("period", "deadline", "baseline_period"):
            value = item.get(key)
            if value is not None and not PERIOD_RE.match(str(value)):
                raise self.fail("must be 'YYYY-MM' (quoted)", "references", i, key)
        if item["type"] == "target" and not item.get("deadline"):
            raise self.fail("a target needs a deadline", "references", i, "deadline")
        objective = item.get("objective")
        if objective is not None:
            if item["type"] != "target":
                raise self.fail("only a target serves an objective", "references", i, "objective")
            if isinstance(objective, bool) or not isinstance(objective, int) or objective < 1:
                raise self.fail(
                    "must be the objective's number (1, 2…)", "references", i, "objective"
                )
        return Reference(
            roadmap=str(item["roadmap"]),
            type=str(item["type"]),
            territory_level=str(item["territory_level"]),
            territory_code=str(item["territory_code"]),
            value=float(item["value"]),
            period=item.get("period"),
            deadline=item.get("deadline"),
            baseline_period=item.get("baseline_period"),
            numerator=item.get("numerator"),
            denominator=item.get("denominator"),
            note=str(item.get("note") or ""),
            objective=objective,
        )


def _check_sql(sql: str, grain: str) -> None:
    """One SELECT over staged tables, returning the grain key, `period` and `value`."""
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    if len(statements) != 1:
        raise ValueError("must be exactly one SQL statement")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise ValueError(f"must be a SELECT, got {tree.key.upper()}")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise ValueError(f"table functions are not allowed ({table.sql('duckdb')})")
        name = table.name
        if table.db or (name not in ctes and not name.startswith("stg_")):
            raise ValueError(f"table {table.sql('duckdb')} is not a {{table:…}} placeholder")
    for func in tree.find_all(exp.Func):
        name = func.name if isinstance(func, exp.Anonymous) else func.sql_name()
        if _FORBIDDEN_FUNCTIONS.match(name or ""):
            raise ValueError(f"function {name} is not allowed")
    expected = [GRAIN_KEY[grain], "period", "value"]
    if tree.named_selects != expected:
        raise ValueError(f"must return columns {', '.join(expected)} (got {tree.named_selects})")
    sqlglot.transpile(sql, read="duckdb", write="spark")  # fails early on what Spark cannot run


def _child(node: yaml.Node, key: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return k.start_mark.line + 1, v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item = node.value[key]
        return item.start_mark.line + 1, item
    return None


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _type_names(types: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in _as_tuple(types))
