"""Attendance from a sign-in sheet: a CSV or XLSX file with an e-mail column and/or name
columns (« Nom », « Prénom », or « Nom et prénom »), optionally « Satisfaction » (1 to 5).

Every line must name one registrant of the event (by address first, else by name); any error —
named by file, line and field — and nothing is recorded (all or nothing). A dry run says what
would be recorded and records nothing. The file holds names and addresses: it is copied to a
private temporary file (0600) in the upload folder, read, and deleted whatever the outcome; it is
never kept.
"""

import csv
import io
import os
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Event, Registration, RegistrationStatus
from .registrations import record_attendance

MAX_BYTES = 2 * 1024 * 1024  # a sign-in sheet is a few hundred lines
MAX_XLSX_DECOMPRESSED = 20 * 1024 * 1024
MAX_LINES = 5000
SUFFIXES = (".csv", ".txt", ".xlsx")

EMAIL_HEADERS = {"email", "e-mail", "mail", "courriel", "adresse electronique", "adresse e-mail"}
NAME_HEADERS = {"nom et prenom", "nom prenom", "prenom nom", "nom complet", "participant"}
LAST_NAME_HEADERS = {"nom", "nom de famille"}
FIRST_NAME_HEADERS = {"prenom"}
SCORE_HEADERS = {"satisfaction", "note", "note de satisfaction"}


class SheetError(Exception):
    """The file as a whole cannot be read (type, size, encoding, columns)."""


@dataclass
class SheetResult:
    file: str
    present: list[Registration] = field(default_factory=list)
    scores: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    recorded: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _plain(text: str) -> str:
    """Lower case, no accents, single spaces: « Dupont  Élise » → « dupont elise »."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("’", "'").lower().split())


def _header(text: str) -> str:
    return _plain(text).replace("_", " ").strip(" :*")


def save_private(upload) -> Path:
    """Copy the upload to a private temporary file (the imports' way): 0600, in the upload
    folder, its real name kept out of the path."""
    folder = Path(settings.UPLOAD_TEMP_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    suffix = Path(upload.name).suffix.lower()[:8]
    handle, name = tempfile.mkstemp(prefix="emargement-", suffix=suffix, dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in upload.chunks():
                file.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _rows(data: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    if name.lower().endswith(".xlsx"):
        yield from _xlsx_rows(data)
    else:
        yield from _csv_rows(data)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise SheetError("encodage illisible (attendu : UTF-8 ou Windows-1252)")
    if "\x00" in text:
        raise SheetError("ce fichier n’est pas un texte CSV")
    first = text.split("\n", 1)[0]
    separator = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    for number, row in enumerate(reader, start=1):
        yield number, [cell.strip() for cell in row]


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    # lazy: only spreadsheets need openpyxl, slow to import.
    from openpyxl import load_workbook

    try:
        declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile as exc:
        raise SheetError("classeur Excel illisible ou endommagé") from exc
    if declared > MAX_XLSX_DECOMPRESSED:
        raise SheetError("classeur Excel trop volumineux une fois décompressé")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise SheetError("classeur Excel illisible ou endommagé") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if v is None else str(v).strip() for v in row]
    finally:
        workbook.close()


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, label in enumerate(header):
        key = _header(label)
        for role, names in (
            ("email", EMAIL_HEADERS),
            ("name", NAME_HEADERS),
            ("last", LAST_NAME_HEADERS),
            ("first", FIRST_NAME_HEADERS),
            ("score", SCORE_HEADERS),
        ):
            if key in names and role not in found:
                found[role] = index
    if "email" not in found and "name" not in found and "last" not in found:
        raise SheetError(
            "colonnes introuvables : la première ligne doit nommer une colonne « Adresse "
            "électronique » (ou « Courriel ») ou « Nom » (avec « Prénom »), ou « Nom et prénom »"
        )
    return found


def read_sheet(event: Event, path: Path, name: str) -> SheetResult:
    """Match each line of the file to a registrant of the event; nothing is recorded here."""
    result = SheetResult(file=name)
    people = list(
        event.registrations.filter(
            status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
        )
    )
    by_email = {p.email.strip().lower(): p for p in people}
    by_name: dict[str, list[Registration]] = {}
    for person in people:
        by_name.setdefault(_plain(person.name), []).append(person)
        # « Martin Jeanne » as well as « Jeanne Martin ».
        words = _plain(person.name).split(" ")
        if len(words) == 2:
            by_name.setdefault(f"{words[1]} {words[0]}", []).append(person)
    data = path.read_bytes()
    rows = _rows(data, name)
    try:
        header = next(rows)[1]
    except StopIteration:
        raise SheetError("fichier vide") from None
    columns = _columns(header)
    seen: dict[int, int] = {}

    def cell(row: list[str], role: str) -> str:
        index = columns.get(role)
        return row[index].strip() if index is not None and index < len(row) else ""

    def error(line: int, label: str, message: str) -> None:
        result.errors.append(f"{name}, ligne {line}, champ « {label} » : {message}")

    for line, row in rows:
        if line > MAX_LINES + 1:
            raise SheetError(f"plus de {MAX_LINES} lignes : est-ce bien une feuille d’émargement ?")
        if not any(row):
            continue
        email = cell(row, "email").lower()
        full = cell(row, "name") or " ".join(
            part for part in (cell(row, "first"), cell(row, "last")) if part
        )
        person = None
        if email:
            person = by_email.get(email)
            if person is None:
                error(line, "adresse électronique", f"aucune inscription avec « {email[:80]} »")
                continue
        elif full:
            found = {p.pk: p for p in by_name.get(_plain(full), [])}
            if len(found) > 1:
                error(
                    line,
                    "nom",
                    f"plusieurs inscrits s’appellent « {full[:80]} » : ajoutez leur adresse",
                )
                continue
            if not found:
                error(line, "nom", f"aucune inscription au nom de « {full[:80]} »")
                continue
            person = next(iter(found.values()))
        else:
            error(line, "adresse électronique", "ni adresse ni nom sur cette ligne")
            continue
        if person.pk in seen:
            error(line, "nom", f"{person.name} figure déjà ligne {seen[person.pk]}")
            continue
        seen[person.pk] = line
        score = cell(row, "score")
        if score:
            if score.removesuffix(".0") not in ("1", "2", "3", "4", "5"):
                error(line, "satisfaction", f"« {score[:20]} » : une note de 1 à 5 attendue")
                continue
            result.scores[person.pk] = int(score.removesuffix(".0"))
        result.present.append(person)
    if not result.errors and not result.present:
        result.errors.append(f"{name} : aucune ligne de participant")
    return result


def attendance_from_sheet(event: Event, upload, dry_run: bool) -> SheetResult:
    """Read an uploaded sign-in sheet and, unless a dry run or on any error, record the
    attendance it gives: the registrants on the sheet present, the others absent, their
    satisfaction when the sheet has it. The file is deleted whatever happens."""
    name = Path(upload.name or "feuille").name[:120]
    if not name.lower().endswith(SUFFIXES):
        return SheetResult(file=name, errors=[f"{name} : un fichier CSV ou XLSX est attendu"])
    if upload.size is not None and upload.size > MAX_BYTES:
        return SheetResult(file=name, errors=[f"{name} : {upload.size // 1024} Kio, 2 Mio au plus"])
    path = save_private(upload)
    try:
        try:
            result = read_sheet(event, path, name)
        except SheetError as exc:
            return SheetResult(file=name, errors=[f"{name} : {exc}"])
    finally:
        path.unlink(missing_ok=True)
    if result.ok and not dry_run:
        with transaction.atomic():
            scores = {
                r.pk: result.scores.get(r.pk, r.satisfaction) for r in event.registrations.all()
            }
            record_attendance(
                event,
                {p.pk for p in result.present},
                event.participants,
                event.attendance_note,
                scores,
            )
        result.recorded = True
    return result
