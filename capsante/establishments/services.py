"""Keep the structure registry in step with the staged FINESS table."""

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from capsante.accounts import access
from capsante.territories.models import Level, Territory
from capsante.territories.planner import refresh_statistics

from .models import ContactPerson, Establishment

# Rows per INSERT or UPDATE when the registry follows an extract.
BATCH = 1000

FIELDS = {
    # staged column -> model field
    "finess_ej": "finess_ej",
    "name": "name",
    "category_code": "category_code",
    "category_label": "category_label",
    "category_group": "category_group",
    "departement_code": "departement_code",
    "address": "address",
    "postal_code": "postal_code",
    "phone": "phone",
    "fax": "fax",
    "lat": "latitude",
    "lon": "longitude",
    "opened_on": "opened_on",
}


@dataclass
class SyncCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0


def _clean(value: Any, field: str) -> Any:
    if value is None and field not in ("latitude", "longitude", "opened_on"):
        return ""
    if isinstance(value, float):
        return round(value, 6)
    return value


def _wanted(row: dict[str, Any], communes: dict[str, int]) -> dict[str, Any]:
    values = {
        model_field: _clean(row.get(column), model_field) for column, model_field in FIELDS.items()
    }
    values["commune_id"] = communes.get(row.get("commune_code") or "")
    values["active"] = True
    return values


def plan_sync(
    table: pa.Table, *, full_extract: bool = False
) -> tuple[list[dict], list[tuple[Establishment, dict]], list[Establishment]]:
    """What a FINESS import would add, change and deactivate, without writing anything.

    Only the establishments of the départements the file covers can be deactivated, unless the
    file is declared a full extract.
    """
    communes = dict(Territory.objects.filter(level=Level.COMMUNE).values_list("code", "pk"))
    existing = {s.finess_et: s for s in Establishment.objects.all()}
    to_add, to_change = [], []
    seen = set()
    for row in table.to_pylist():
        finess = row["finess_et"]
        seen.add(finess)
        wanted = _wanted(row, communes)
        current = existing.get(finess)
        if current is None:
            to_add.append({"finess_et": finess, **wanted})
        elif any(getattr(current, f) != v for f, v in wanted.items()):
            to_change.append((current, wanted))
    covered = {row.get("departement_code") or "" for row in table.to_pylist()}
    to_remove = [
        s
        for f, s in existing.items()
        if f not in seen and s.active and (full_extract or s.departement_code in covered)
    ]
    return to_add, to_change, to_remove


def apply_sync(plan, import_record=None) -> SyncCounts:
    """Write the plan with its audit history, in batches: a national extract (100 000
    establishments) must not hold the database's write lock for minutes, one row at a time."""
    to_add, to_change, to_remove = plan
    bulk_create_with_history(
        [Establishment(last_import=import_record, **values) for values in to_add],
        Establishment,
        batch_size=BATCH,
    )
    changed_fields = {"last_import"}
    for structure, wanted in to_change:
        for field, value in wanted.items():
            setattr(structure, field, value)
        changed_fields |= set(wanted)
        structure.last_import = import_record
    for structure in to_remove:
        structure.active = False
        structure.last_import = import_record
    for objects, fields in (
        ([s for s, _ in to_change], sorted(changed_fields)),
        (list(to_remove), ["active", "last_import"]),
    ):
        if objects:
            bulk_update_with_history(objects, Establishment, fields, batch_size=BATCH)
    if to_add:
        refresh_statistics(Establishment, Establishment.history.model)
    return SyncCounts(len(to_add), len(to_change), len(to_remove))


# --- Who reads what (rules in accounts.access) ----------------------------------------------


def establishment_for_user(user, finess_et: str) -> Establishment:
    """A structure's page: partners within whose scope the structure lies."""
    access.require_partner(user)
    structure = (
        access.within_scope(user, Establishment.objects.select_related("commune"), "commune")
        .filter(finess_et=finess_et)
        .first()
    )
    if structure is None:
        raise access.not_found("Structure introuvable")
    return structure


def may_read_contacts(user, structure: Establishment) -> bool:
    """The advisers' call notes are free text about people: contributors in scope only."""
    return structure.commune is not None and access.can_contribute(user, structure.commune)


# --- The people to ask for at a structure -------------------------------------------------------


def add_person(user, structure: Establishment, **fields) -> ContactPerson:
    """Advisers (contributors) in scope record who to ask for; the audit trail keeps who did."""
    access.require(
        may_read_contacts(user, structure),
        "Votre rôle ne permet pas de noter les personnes à contacter.",
    )
    person = ContactPerson(establishment=structure, **fields)
    person._history_user = user  # type: ignore[attr-defined]
    person.full_clean()
    person.save()
    return person


def person_for_contributor(user, structure: Establishment, pk: int) -> ContactPerson:
    person = structure.people.filter(pk=pk).first()
    if person is None:
        raise access.not_found("Personne introuvable")
    access.require(
        may_read_contacts(user, structure),
        "Votre rôle ne permet pas de modifier les personnes à contacter.",
    )
    return person


def remove_person(user, person: ContactPerson) -> None:
    person._history_user = user  # type: ignore[attr-defined]
    person.delete()
