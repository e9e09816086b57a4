"""Read the audit trail (django-simple-history) of a set of objects as rows people can read."""

from collections.abc import Iterable
from itertools import islice
from typing import Any

from django.db import models


def _label(model: type[models.Model], field: str) -> str:
    try:
        return str(model._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - a field removed since the record was written
        return field


def _shown(model: type[models.Model], field: str, value: Any) -> Any:
    if isinstance(value, list):  # a many-to-many field: the related objects, by name
        return _related(model, field, value)
    try:
        choices = dict(model._meta.get_field(field).flatchoices)
    except Exception:  # noqa: BLE001
        choices = {}
    return choices.get(value, value)


def _related(model: type[models.Model], field: str, rows: list) -> str:
    try:
        related = model._meta.get_field(field).related_model
    except Exception:  # noqa: BLE001
        return ", ".join(str(r) for r in rows)
    key = related._meta.model_name
    ids = [r.get(key) for r in rows if isinstance(r, dict)]
    return " ; ".join(str(o) for o in related._default_manager.filter(pk__in=ids)) or "—"


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
                    "type": version.get_history_type_display(),
                    "object": f"{type(obj)._meta.verbose_name} : {obj}",
                    "changes": diff,
                }
            )
            previous = version
    records.sort(key=lambda r: r["date"], reverse=True)
    return list(islice(records, limit))
