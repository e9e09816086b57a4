"""Roadmap logic: file import and export, action updates, glossary lookups."""

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from capsante.accounts import access
from capsante.territories.models import Level, Territory

from .catalogue_links import link_roadmap
from .models import (
    Action,
    AssessmentItem,
    EventHighlight,
    GlossaryEntry,
    KeyFigure,
    Objective,
    Roadmap,
    RoadmapStatus,
    TerritorialPriority,
    Testimony,
    UsefulLink,
)
from .signals import roadmap_changed
from .yaml_schema import FileError, RoadmapFileError, dump_roadmap, parse_roadmap

SEEDS_DIR = Path(__file__).parent / "seeds"

OBJECTIVE_CHILDREN = {
    "actions": (
        Action,
        [
            "group",
            "text",
            "owner",
            "partners",
            "status",
            "start_date",
            "due_date",
            "progress",
            "note",
        ],
    ),
    "assessment": (AssessmentItem, ["group", "text"]),
    "key_figures": (
        KeyFigure,
        ["kind", "value", "unit", "label", "as_of", "source", "scope", "indicator"],
    ),
    "testimonies": (Testimony, ["quote", "author", "role", "organisation"]),
    "useful_links": (UsefulLink, ["label", "url", "description"]),
    "event_highlights": (EventHighlight, ["name", "date", "description", "figures"]),
}
DEFAULTS = {"status": "planned", "progress": 0, "kind": "observed"}


def _territory(code: str, file: str) -> Territory:
    territory = (
        Territory.objects.filter(code=code, level__in=[Level.DEPARTEMENT, Level.REGION])
        .order_by("level")
        .first()
    )
    if territory is None:
        territory = Territory.objects.filter(code=code).exclude(level=Level.REGION).first()
    if territory is None:
        raise RoadmapFileError(
            [
                FileError(
                    file,
                    1,
                    "territory",
                    f"territoire inconnu : « {code} » (chargez les territoires d'abord)",
                )
            ]
        )
    return territory


@transaction.atomic
def import_roadmap(
    data: dict[str, Any], file: str = "<données>", replace: bool = False
) -> tuple[Roadmap, bool]:
    """Create the roadmap described by `data`; with `replace`, overwrite an existing one.

    Returns the roadmap and whether anything was written. Lands whole or not at all.
    """
    territory = _territory(data["territory"], file)
    existing = Roadmap.objects.filter(
        territory=territory, period_start=data["period_start"], period_end=data["period_end"]
    ).first()
    if existing and not replace:
        return existing, False
    if existing:
        existing.delete()
    roadmap = Roadmap.objects.create(
        territory=territory,
        period_start=data["period_start"],
        period_end=data["period_end"],
        title=data["title"],
        introduction=data["introduction"],
        source=data["source"],
        partners=data["partners"],
        status=data["status"],
    )
    for order, item in enumerate(data["priorities"]):
        TerritorialPriority.objects.create(
            roadmap=roadmap, order=order, text=item["text"], due_date=item["due_date"]
        )
    for order, item in enumerate(data["objectives"]):
        objective = Objective.objects.create(
            roadmap=roadmap,
            order=order,
            title=item["title"],
            priority=item["priority"],
            priority_detail=item["priority_detail"],
        )
        for key, (model, fields) in OBJECTIVE_CHILDREN.items():
            for child_order, child in enumerate(item[key]):
                values = {
                    f: child[f] if child[f] not in (None, "") or f not in DEFAULTS else DEFAULTS[f]
                    for f in fields
                }
                model.objects.create(objective=objective, order=child_order, **values)
    for order, item in enumerate(data["glossary"]):
        GlossaryEntry.objects.create(roadmap=roadmap, order=order, **item)
    link_roadmap(roadmap)
    roadmap_changed.send(sender=Roadmap, roadmap=roadmap)
    return roadmap, True


def import_roadmap_file(path: Path, replace: bool = False) -> tuple[Roadmap, bool]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RoadmapFileError(
            [FileError(str(path), 1, "-", "le fichier n'est pas en UTF-8")]
        ) from exc
    return import_roadmap(parse_roadmap(text, str(path)), str(path), replace=replace)


def export_roadmap(roadmap: Roadmap) -> str:
    """The roadmap as a YAML file that `import_roadmap_file` reads back identically."""
    data: dict[str, Any] = {
        "territory": roadmap.territory.code,
        "period_start": roadmap.period_start,
        "period_end": roadmap.period_end,
        "title": roadmap.title,
        "status": roadmap.status,
        "introduction": roadmap.introduction,
        "source": roadmap.source,
        "partners": list(roadmap.partners),
        "priorities": [{"text": p.text, "due_date": p.due_date} for p in roadmap.priorities.all()],
        "objectives": [],
        "glossary": [
            {"acronym": g.acronym, "expansion": g.expansion, "link": g.link}
            for g in roadmap.glossary.all()
        ],
    }
    for objective in roadmap.objectives.all():
        item: dict[str, Any] = {
            "title": objective.title,
            "priority": objective.priority,
            "priority_detail": objective.priority_detail,
        }
        for key, (_model, fields) in OBJECTIVE_CHILDREN.items():
            item[key] = [
                {f: getattr(child, f) for f in fields} for child in getattr(objective, key).all()
            ]
        data["objectives"].append(item)
    return dump_roadmap(data)


def load_seed_roadmaps() -> list[tuple[Roadmap, bool]]:
    """Load the versioned seed roadmaps that are not in the database yet."""
    return [import_roadmap_file(path) for path in sorted(SEEDS_DIR.glob("*.yaml"))]


def update_action(action: Action, changes: dict[str, Any]) -> Action:
    """Apply an editor's changes; django-simple-history records who, when, before and after."""
    for field, value in changes.items():
        setattr(action, field, value)
    action.full_clean()
    action.save()
    roadmap_changed.send(sender=Action, roadmap=action.objective.roadmap)
    return action


def glossary_map(roadmap: Roadmap) -> dict[str, GlossaryEntry]:
    return {entry.acronym: entry for entry in roadmap.glossary.all()}


def with_abbreviations(text: str, glossary: dict[str, GlossaryEntry]) -> SafeString:
    """Escape `text` and mark each glossary acronym as <abbr> with its expansion."""
    escaped = escape(text)
    if not glossary:
        return mark_safe(escaped)  # noqa: S308 - escaped above  # nosec B308 B703
    acronyms = sorted(glossary, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(escape(a)) for a in acronyms) + r")(?![\w-])\*?"
    )

    def replace(match: re.Match) -> str:
        acronym = match.group(1)
        entry = glossary.get(acronym)
        if entry is None:
            return match.group(0)
        return f'<abbr title="{escape(entry.expansion)}">{acronym}</abbr>'

    return mark_safe(pattern.sub(replace, escaped))  # noqa: S308 - built from escaped parts  # nosec B308 B703


# --- Who reads and changes what (rules in accounts.access) ----------------------------------


def visible_roadmaps(user, among: Sequence[Territory] | None = None) -> QuerySet[Roadmap]:
    """Published roadmaps, and for partners the drafts of their scope; with `among`, only
    those of these territories (`access.published_or_in_scope`)."""
    return access.published_or_in_scope(
        user, Roadmap.objects.all(), Q(status=RoadmapStatus.PUBLISHED), among=among
    )


def roadmap_for_user(user, **lookup) -> Roadmap:
    """The roadmap if the user may read it; 404 otherwise (a draft's existence is not disclosed)."""
    roadmap = visible_roadmaps(user).select_related("territory").filter(**lookup).first()
    if roadmap is None:
        raise access.not_found("Feuille de route introuvable")
    return roadmap


def action_for_editor(user, pk: int) -> Action:
    """An action the user may change; 404 if unreadable, 403 if readable but not editable."""
    action = (
        Action.objects.select_related("objective__roadmap__territory")
        .filter(pk=pk, objective__roadmap__in=visible_roadmaps(user))
        .first()
    )
    if action is None:
        raise access.not_found("Action introuvable")
    access.require(
        access.can_edit(user, action.objective.roadmap.territory),
        "Vous ne pouvez pas modifier les actions de ce territoire.",
    )
    return action


def action_for_partner(user, pk: int) -> Action:
    """An action whose history (authors, earlier notes) the user may read: partners in scope."""
    action = (
        Action.objects.select_related("objective__roadmap__territory")
        .filter(pk=pk, objective__roadmap__in=visible_roadmaps(user))
        .first()
    )
    if action is None or not access.can_read_unpublished(user, action.objective.roadmap.territory):
        raise access.not_found("Action introuvable")
    return action
