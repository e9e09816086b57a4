"""Answers into the indicators through the path of imported surveys, with no special case.

A questionnaire whose questions feed fields of `survey_answers` is written as the file a form
tool exports (`;` CSV: a timestamp, the FINESS, one column per question, "Oui" / "Non", an
empty cell for a question not shown), then imported by `imports.services.run_import` through
the `survey` connector under the questionnaire's survey identifier: the same parser, checks,
lock, staged table, diff, provenance (an import record) and recompute as a file uploaded by
hand. Importing that file again, or the same answers collected by another tool, changes
nothing."""

import csv
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from capsante.establishments.models import Establishment
from capsante.imports.models import ImportRecord, ImportStatus
from capsante.imports.services import run_import
from capsante.territories.services import within

from .answering import visible
from .models import QuestionKind, Questionnaire
from .services import questions as ordered_questions

TIMESTAMP = "Horodateur"
FINESS = "N° FINESS"
YES_NO = {"oui", "non"}


@dataclass
class SurveyFile:
    header: list[str]
    rows: list[list[str]]
    mapping: dict[str, str]
    # Answers left out: no FINESS, a FINESS the registry does not know (the connector would
    # refuse the whole file for it), or a structure outside the questionnaire's territory.
    left_out: list[str] = field(default_factory=list)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def feeds_indicators(questionnaire: Questionnaire) -> bool:
    return bool(questionnaire.survey) and questionnaire.questions.exclude(target="").exists()


def survey_file(questionnaire: Questionnaire) -> SurveyFile:
    """The answers as the survey connector reads them, and its column mapping."""
    questions = ordered_questions(questionnaire)
    mapped = [q for q in questions if q.target]
    header, mapping, used = (
        [TIMESTAMP, FINESS],
        {TIMESTAMP: "answered_on", FINESS: "finess_et"},
        set(),
    )
    for question in mapped:
        name, n = question.text, 2
        while name in used or name in (TIMESTAMP, FINESS):
            name, n = f"{question.text} ({n})", n + 1
        used.add(name)
        header.append(name)
        mapping[name] = question.target
    known = None
    if Establishment.objects.exists():
        # Structures of the registry, in the questionnaire's territory (whose editors run it).
        known = set(
            Establishment.objects.filter(
                finess_et__in=questionnaire.responses.exclude(structure="").values("structure"),
                commune__in=within(questionnaire.territory).values("pk"),
            ).values_list("finess_et", flat=True)
        )
    result = SurveyFile(header, [], mapping)
    for response in questionnaire.responses.order_by("submitted_at", "pk"):
        if not response.structure or (known is not None and response.structure not in known):
            result.left_out.append(response.structure)
            continue
        shown = visible(questions, response.answers)
        moment = timezone.localtime(response.submitted_at).strftime("%d/%m/%Y %H:%M:%S")
        row = [moment, response.structure]
        for question in mapped:
            value = response.answers.get(str(question.pk)) if question.pk in shown else None
            row.append(_cell(value))
        result.rows.append(row)
    return result


def write(survey: SurveyFile, path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(survey.header)
        writer.writerows(survey.rows)
    return path


def file_name(questionnaire: Questionnaire) -> str:
    return f"questionnaire-{questionnaire.slug}.csv"


def imported_files(questionnaire: Questionnaire) -> list[ImportRecord]:
    """Files imported by hand under the questionnaire's survey identifier: feeding the answers
    replaces what they staged (a survey is replaced whole at each import)."""
    if not questionnaire.survey:
        return []
    return list(
        ImportRecord.objects.filter(
            source="survey",
            options__survey=questionnaire.survey,
            status__in=[ImportStatus.IMPORTED, ImportStatus.UNCHANGED],
        )
        .exclude(file_name=file_name(questionnaire))
        .order_by("-created_at")[:5]
    )


def feed(questionnaire: Questionnaire, user=None) -> ImportRecord | None:
    """Import the questionnaire's answers as its survey file (None: nothing to feed)."""
    if not feeds_indicators(questionnaire):
        return None
    survey = survey_file(questionnaire)
    if not survey.rows:
        return None
    options = {"survey": questionnaire.survey, "mapping": survey.mapping, "confirm_removals": True}
    with tempfile.TemporaryDirectory(prefix="questionnaire-") as folder:
        path = write(survey, Path(folder) / file_name(questionnaire))
        return run_import("survey", path, user=user, options=options)


def target_problem(kind: str, choices: list[str], target: str) -> str:
    """Why a question cannot feed an indicator field ("" when it can): the connector reads
    yes/no answers only."""
    if not target:
        return ""
    if kind != QuestionKind.SINGLE:
        return "Seule une question à choix unique « Oui » / « Non » peut alimenter un indicateur."
    if {c.strip().lower() for c in choices} - YES_NO:
        return "Pour alimenter un indicateur, les choix doivent être « Oui » et « Non »."
    return ""
