"""Bulk update of follow-ups from a file: the same rules as every import — the whole file is
checked first, errors name file, line and column, a dry run shows what would change, and the
update lands whole or not at all.

Layout (CSV, `;` `,` or tab, UTF-8 or Latin-1): `finess;etape;justificatif;note`, where `etape` is
a stage code or its rank."""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from capsante.ingest.parsing import RowError, decode_bytes, detect_separator, normalise_label
from capsante.territories.models import Level, Territory
from capsante.territories.services import communes_of

from . import services
from .models import Campaign, CommuneDeadline, FollowUp

COLUMNS = {"finess": "finess", "etape": "stage", "justificatif": "evidence", "note": "note"}
REQUIRED = ("finess", "etape")


@dataclass
class BulkResult:
    rows_read: int = 0
    changes: list[tuple[FollowUp, object, str, str]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(campaign: Campaign, data: bytes, file: str, followups=None) -> BulkResult:
    result = BulkResult()
    header, rows, errors = _read_table(data, file, REQUIRED)
    if errors:
        result.errors.extend(errors)
        return result
    index = {name: header.index(name) for name in COLUMNS if name in header}
    stages = {s.code: s for s in campaign.stages.all()} | {
        str(s.order): s for s in campaign.stages.all()
    }
    known = {
        f.establishment.finess_et: f
        for f in (followups or campaign.followups).select_related("establishment", "stage")
    }
    seen: dict[str, int] = {}
    final = campaign.final_stage
    for line_number, row in rows:
        result.rows_read += 1
        if len(row) < len(header):
            result.errors.append(
                RowError(
                    file,
                    line_number,
                    None,
                    f"ligne tronquée : {len(row)} champs au lieu de {len(header)}",
                )
            )
            continue
        finess = row[index["finess"]].strip()
        stage_code = row[index["etape"]].strip()
        followup = known.get(finess)
        if followup is None:
            result.errors.append(
                RowError(
                    file,
                    line_number,
                    "finess",
                    f"structure {finess or '(vide)'} absente de la campagne ou de votre périmètre",
                )
            )
            continue
        if finess in seen:
            result.errors.append(
                RowError(
                    file,
                    line_number,
                    "finess",
                    f"structure {finess} en double (déjà ligne {seen[finess]})",
                )
            )
            continue
        seen[finess] = line_number
        stage = stages.get(stage_code)
        if stage is None:
            result.errors.append(
                RowError(
                    file,
                    line_number,
                    "etape",
                    f"étape inconnue : « {stage_code[:40]} » (attendu : {', '.join(s.code for s in campaign.stages.all())})",
                )
            )
            continue
        evidence = row[index["justificatif"]].strip()[:300] if "justificatif" in index else ""
        note = row[index["note"]].strip() if "note" in index else ""
        if stage.pk == final.pk and stage.pk != followup.stage_id and not evidence:
            result.errors.append(
                RowError(
                    file,
                    line_number,
                    "justificatif",
                    "justificatif requis pour l’étape finale (adresse MSSanté, courriel de "
                    "résiliation…)",
                )
            )
            continue
        if stage.pk == followup.stage_id:
            result.unchanged += 1
        else:
            result.changes.append((followup, stage, evidence, note))
    return result


def apply(
    campaign: Campaign,
    path: Path,
    user,
    *,
    dry_run: bool = False,
    followups=None,
    background: bool = True,
) -> BulkResult:
    """Check the whole file; then, unless it is a dry run or has errors, apply every change.

    The indicators are refreshed by a background job, or here before returning when
    `background` is false (the operator's command)."""
    result = check(campaign, path.read_bytes(), path.name, followups)
    if result.ok and not dry_run and result.changes:
        with transaction.atomic():
            for followup, stage, evidence, note in result.changes:
                services.move(
                    followup,
                    stage,
                    user,
                    evidence or f"mise à jour par fichier {path.name}",
                    note,
                    refresh=False,
                )
            if background:
                services.enqueue_refresh(campaign, user)
        if not background:
            services.refresh_indicators(campaign)
    return result


def _read_table(
    data: bytes, file: str, required: tuple[str, ...]
) -> tuple[list[str], list[tuple[int, list[str]]], list[RowError]]:
    """Header and rows of a small delimited file, or the errors that stop reading it."""
    try:
        text, _encoding = decode_bytes(data, file)
        lines = text.splitlines()
        if not lines:
            return [], [], [RowError(file, None, None, "fichier vide")]
        separator = detect_separator(lines[0], file)
    except RowError as error:
        return [], [], [error]
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = [normalise_label(h) for h in next(reader)]
    missing = [c for c in required if c not in header]
    if missing:
        return (
            header,
            [],
            [
                RowError(
                    file,
                    1,
                    None,
                    f"{'colonnes manquantes' if len(missing) > 1 else 'colonne manquante'} : "
                    f"{', '.join(missing)}",
                )
            ],
        )
    rows = [(n, row) for n, row in enumerate(reader, start=2) if any(cell.strip() for cell in row)]
    return header, rows, []


def _date(text: str):

    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def apply_deadlines(
    campaign: Campaign, path: Path, *, dry_run: bool = False
) -> tuple[int, list[RowError]]:
    """Per-commune deadlines (`code_commune;date`): the copper network closes commune by commune."""

    header, rows, errors = _read_table(path.read_bytes(), path.name, ("code commune", "date"))
    if errors:
        return 0, errors
    col_code, col_date = header.index("code commune"), header.index("date")
    inside = dict(communes_of(campaign.territory).values_list("code", "pk"))
    known = set(Territory.objects.filter(level=Level.COMMUNE).values_list("code", flat=True))
    wanted: dict[int, object] = {}
    for line, row in rows:
        if len(row) < len(header):
            errors.append(
                RowError(
                    path.name,
                    line,
                    None,
                    f"ligne tronquée : {len(row)} champs au lieu de {len(header)}",
                )
            )
            continue
        code, day = row[col_code].strip(), _date(row[col_date])
        if code not in known:
            errors.append(
                RowError(path.name, line, "code_commune", f"code commune inconnu : {code[:10]}")
            )
        elif code not in inside:
            errors.append(
                RowError(
                    path.name,
                    line,
                    "code_commune",
                    f"commune {code} hors du territoire de la campagne",
                )
            )
        elif day is None:
            errors.append(
                RowError(
                    path.name,
                    line,
                    "date",
                    f"date invalide : {row[col_date][:20]} (AAAA-MM-JJ ou JJ/MM/AAAA)",
                )
            )
        elif inside[code] in wanted:
            errors.append(RowError(path.name, line, "code_commune", f"commune {code} en double"))
        else:
            wanted[inside[code]] = day
    if errors or dry_run:
        return len(wanted), errors
    with transaction.atomic():
        for commune_id, day in wanted.items():
            CommuneDeadline.objects.update_or_create(
                campaign=campaign, commune_id=commune_id, defaults={"date": day}
            )
            FollowUp.objects.filter(campaign=campaign, establishment__commune_id=commune_id).update(
                deadline=day
            )
    return len(wanted), []
