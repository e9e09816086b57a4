"""Read the audit trail (django-simple-history) of a set of objects as rows people can read."""

from collections.abc import Iterable
from itertools import islice
from typing import Any

from django.db import models

# Who changed it, when no account did: a command (the demo's load, an import by the operator),
# a background job, or someone through a public form (the form says so as the record's reason).
WITHOUT_ACCOUNT = "sans compte connecté"


def _label(model: type[models.Model], field: str) -> str:
    try:
        return str(model._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - a field removed since the record was written
        return field


def _shown(model: type[models.Model], field: str, value: Any) -> Any:
    try:
        model_field = model._meta.get_field(field)
        choices = dict(model_field.flatchoices)
    except Exception:  # noqa: BLE001
        model_field, choices = None, {}
    if isinstance(value, list):  # a many-to-many field's rows, or a list of codes
        return _listed(model, model_field, value)
    return choices.get(value, value)


def _listed(model: type[models.Model], field: Any, values: list) -> str:
    """A many-to-many field's rows (simple-history keeps the through rows, as dicts) as the
    names of the related objects; a list of codes as it is."""
    if not values:
        return "—"
    if isinstance(field, models.ManyToManyField) and all(isinstance(v, dict) for v in values):
        related = field.related_model
        name, own = related._meta.model_name, model._meta.model_name
        keys = [
            row[name] if name in row else next((v for k, v in row.items() if k != own), None)
            for row in values
        ]
        names = {obj.pk: str(obj)[:80] for obj in related._default_manager.filter(pk__in=keys)}
        return " ; ".join(names.get(key, f"n° {key} (supprimé)") for key in keys)
    return ", ".join(str(v) for v in values)


def changes(objects: Iterable[models.Model], limit: int = 50) -> list[dict]:
    """The most recent changes to these objects, newest first: who, when, what, before → after."""
    records = []
    for obj in objects:
        history = getattr(obj, "history", None)
        if history is None:
            continue
        versions = list(
            history.select_related("history_user").order_by("history_date", "history_id")
        )
        previous = None
        for version in versions:
            diff = []
            if previous is not None:
                diff = [
                    {
                        "field": _label(type(obj), c.field),
                        "old": _shown(type(obj), c.field, c.old),
                        "new": _shown(type(obj), c.field, c.new),
                    }
                    for c in version.diff_against(previous).changes
                ]
            records.append(
                {
                    "date": version.history_date,
                    "user": version.history_user,
                    "without_account": version.history_change_reason or WITHOUT_ACCOUNT,
                    "type": version.get_history_type_display(),
                    "object": f"{type(obj)._meta.verbose_name} : {obj}",
                    "changes": diff,
                }
            )
            previous = version
    records.sort(key=lambda r: r["date"], reverse=True)
    return list(islice(records, limit))
