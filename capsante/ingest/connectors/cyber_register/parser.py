"""ARS register of cyber crisis exercises and CaRE programme enrolment → ``cyber_register``.

A simple CSV kept by the ARS (``finess_ej;finess_et;code_region;statut_exercice;date_exercice;
niveau_kit;inscrit_care;domaine_care``), described by the Table Schema ``schema.json``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ...parsing import ParseResult, Progress, SourceInput
from ...tabular import Reporter, TabularJob, load_table_schema, run_tabular

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"


def _date_when_done(typed: pa.Table, reporter: Reporter) -> None:
    """An exercise marked as done must say when it took place."""
    done = pc.equal(typed["exercise_status"], "realise")
    missing = pc.and_(done, pc.is_null(typed["exercise_date"]))
    reporter.report(
        missing,
        "date_exercice",
        lambda i: "valeur manquante : date obligatoire pour un exercice réalisé",
    )


@cache
def job() -> TabularJob:
    _, specs = load_table_schema(SCHEMA_PATH)
    return TabularJob(
        connector="cyber-register",
        table="cyber_register",
        specs=tuple(specs),
        duplicate_label="établissement",
        row_checks=(_date_when_done,),
    )


def parse_cyber_register(
    source: SourceInput,
    *,
    name: str | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> ParseResult:
    """Parse the ARS cyber / CaRE register CSV into ``cyber_register``."""
    return run_tabular(job(), source, name=name, chunk_size=chunk_size, progress=progress)
