"""Assurance Maladie aggregate tables → ``am_*`` staged tables, one documented CSV layout each.

Each layout is a frictionless Table Schema in ``schemas/<table>.json`` (French headers, titles and
descriptions); the parser validates against it: types, required values, minimum 0, patterns of
codes, ``AAAA-MM`` periods, known communes and the ``capsante:lessOrEqual`` consistency rules.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache, partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ...parsing import ParseResult, Progress, SourceInput, shown
from ...tabular import FieldSpec, Reporter, RowCheck, TabularJob, load_table_schema, run_tabular

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
CONNECTORS = {
    "am_mes_activations": "am-mes",
    "am_dmp_documents": "am-dmp-documents",
    "am_dmp_consultations": "am-dmp-consultations",
    "am_telehealth": "am-telehealth",
    "am_telehealth_offer": "am-telehealth-offer",
}


def schema_path(table: str) -> Path:
    if table not in CONNECTORS:
        raise ValueError(f"table Assurance Maladie inconnue : {table}")
    return SCHEMA_DIR / f"{table}.json"


@cache
def job(table: str) -> TabularJob:
    descriptor, specs = load_table_schema(schema_path(table))
    return TabularJob(
        connector=CONNECTORS[table],
        table=table,
        specs=tuple(specs),
        duplicate_label="ligne",
        row_checks=tuple(_less_or_equal(descriptor, specs)),
    )


def _less_or_equal(descriptor: dict[str, Any], specs: Sequence[FieldSpec]) -> list[RowCheck]:
    by_header = {spec.column: spec for spec in specs}
    checks: list[RowCheck] = []
    for smaller, larger in descriptor.get("capsante:lessOrEqual", []):
        checks.append(_check_pair(by_header[smaller], by_header[larger]))
    return checks


def _check_pair(smaller: FieldSpec, larger: FieldSpec) -> RowCheck:
    def check(typed: pa.Table, reporter: Reporter) -> None:
        low, high = typed[smaller.target], typed[larger.target]
        mask = pc.greater(low, high)
        reporter.report(
            mask,
            smaller.column,
            lambda i: (
                f"incohérence : {smaller.column} ({shown(low[i].as_py())}) supérieur à "
                f"{larger.column} ({shown(high[i].as_py())})"
            ),
        )

    return check


def parse_am_table(
    source: SourceInput,
    table: str,
    *,
    name: str | None = None,
    known_communes: Collection[str] | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> ParseResult:
    """Parse one Assurance Maladie CSV into ``table`` (e.g. ``am_mes_activations``)."""
    known = {"communes": known_communes} if known_communes is not None else None
    return run_tabular(
        job(table), source, name=name, known=known, chunk_size=chunk_size, progress=progress
    )


# One parser per table, with parse_am_table's full signature (the importer inspects it).
parse_am_mes = partial(parse_am_table, table="am_mes_activations")
parse_am_dmp_documents = partial(parse_am_table, table="am_dmp_documents")
parse_am_dmp_consultations = partial(parse_am_table, table="am_dmp_consultations")
parse_am_telehealth = partial(parse_am_table, table="am_telehealth")
parse_am_telehealth_offer = partial(parse_am_table, table="am_telehealth_offer")
