"""Who reads and changes which questionnaire, and building one: its settings and questions.

Answering is in answering.py, results in results.py, the indicators' feed in staging.py."""

import re

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from capsante.accounts import access
from capsante.ingest.generator.rand import luhn_valid
from capsante.ingest.tabular import FINESS_PATTERN
from capsante.territories.models import Level, Territory

from .models import Identifier, Question, QuestionKind, Questionnaire, Status

# --- Structure identifiers (the FINESS pattern of the parsers, its Luhn key) -----------------

FINESS_RE = re.compile(FINESS_PATTERN)
RPPS_RE = re.compile(r"[0-9]{11}")


def clean_identifier(kind: str, text: str) -> str:
    """The identifier without spaces, upper case; ValueError with a French reason if wrong."""
    value = re.sub(r"[\s.\-]", "", text or "").upper()
    if kind == Identifier.RPPS:
        if not RPPS_RE.fullmatch(value):
            raise ValueError("Un numéro RPPS compte 11 chiffres.")
        return value
    if not FINESS_RE.fullmatch(value):
        raise ValueError("Un numéro FINESS compte 9 caractères (chiffres, 2A ou 2B pour la Corse).")
    if not luhn_valid(value):
        raise ValueError(
            "Ce numéro FINESS n’est pas valide : sa clé de contrôle ne correspond pas."
        )
    return value


# --- Who reads and changes what (rules in accounts.access) ----------------------------------


def editable_territories(user) -> QuerySet[Territory]:
    """Where the user may build questionnaires: the régions and départements they edit."""
    return access.territories_where(
        user, access.EDIT_ROLES, [Level.REGION, Level.DEPARTEMENT]
    ).order_by("level", "code")


def readable(user) -> QuerySet[Questionnaire]:
    """The questionnaires whose results a partner reads (territories overlapping their scope),
    with their answer counts."""
    return (
        Questionnaire.objects.filter(access.overlapping_scope_q(user))
        .select_related("territory")
        .annotate(answers=Count("responses", distinct=True))
        .order_by("-created_at", "pk")
    )


def for_partner(user, pk: int) -> Questionnaire:
    """A questionnaire whose results the user may read (partners in scope); 404 otherwise."""
    questionnaire = (
        Questionnaire.objects.select_related("territory", "mailing_list").filter(pk=pk).first()
    )
    if questionnaire is None or not access.overlaps(user, questionnaire.territory):
        raise access.not_found("Questionnaire introuvable")
    return questionnaire


def for_editor(user, pk: int) -> Questionnaire:
    """A questionnaire the user may change: 404 if unreadable, 403 if readable only."""
    questionnaire = for_partner(user, pk)
    access.require(
        access.can_edit(user, questionnaire.territory),
        "Vous ne pouvez pas modifier les questionnaires de ce territoire.",
    )
    return questionnaire


def public(slug: str) -> Questionnaire:
    """An open questionnaire, for anyone holding its link; 404 for a draft."""
    questionnaire = (
        Questionnaire.objects.select_related("territory")
        .filter(slug=slug)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if questionnaire is None:
        raise access.not_found("Questionnaire introuvable")
    return questionnaire


def is_open(questionnaire: Questionnaire) -> bool:
    if questionnaire.status != Status.OPEN:
        return False
    return questionnaire.closes_on is None or timezone.localdate() <= questionnaire.closes_on


# --- Building -------------------------------------------------------------------------------


def questions(questionnaire: Questionnaire) -> list[Question]:
    return list(questionnaire.questions.select_related("shown_if").order_by("order", "pk"))


def next_order(questionnaire: Questionnaire) -> int:
    last = questionnaire.questions.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def structure_question(questionnaire: Questionnaire) -> Question | None:
    return questionnaire.questions.filter(kind=QuestionKind.STRUCTURE).order_by("order").first()


@transaction.atomic
def set_status(questionnaire: Questionnaire, status: str) -> Questionnaire:
    questionnaire.status = status
    questionnaire.closed_at = timezone.now() if status == Status.CLOSED else None
    questionnaire.save(update_fields=["status", "closed_at"])
    return questionnaire


def with_counts(queryset: QuerySet[Questionnaire]) -> QuerySet[Questionnaire]:
    return queryset.annotate(
        answers=Count("responses", distinct=True),
        replaced_answers=Count("responses", filter=Q(responses__replaced__gt=0), distinct=True),
    )
