"""Results for partners: per question, the answers counted (a chart and its table), and the
answers as a table to download."""

from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from capsante.ui import formats

from .answering import visible
from .models import Question, QuestionKind, Questionnaire
from .services import questions as ordered_questions

COUNTED = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE)
BAR_STEP = 44


@dataclass
class Line:
    label: str
    count: int
    share: float | None  # percent of those who were asked the question


@dataclass
class QuestionResult:
    question: Question
    number: int
    asked: int  # answers in which the question was shown
    answered: int
    lines: list[Line] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)  # number questions: mean, min, max
    texts: list[str] = field(default_factory=list)  # free text: the latest ones

    @property
    def bars(self) -> list[dict]:
        top = max((line.count for line in self.lines), default=0)
        return [
            {
                "y": i * BAR_STEP,
                "width": round(300 * line.count / top) if top else 0,
                "label": line.label,
                "value": f"{line.count} ({formats.percent(line.share, 1)})",
            }
            for i, line in enumerate(self.lines)
        ]

    @property
    def height(self) -> int:
        return BAR_STEP * len(self.lines)


def _labels(question: Question) -> list[str]:
    if question.kind == QuestionKind.SCALE:
        return [str(v) for v in range(question.scale_min, question.scale_max + 1)]
    return list(question.choices)


def summary(questionnaire: Questionnaire, latest_texts: int = 20) -> list[QuestionResult]:
    questions = ordered_questions(questionnaire)
    responses = list(questionnaire.responses.order_by("-submitted_at", "-pk"))
    results = []
    shown_by_response = [(r, visible(questions, r.answers)) for r in responses]
    for number, question in enumerate(questions, start=1):
        key = str(question.pk)
        asked = [r for r, shown in shown_by_response if question.pk in shown]
        given = [r.answers.get(key) for r in asked if r.answers.get(key) not in (None, "", [])]
        result = QuestionResult(question, number, len(asked), len(given))
        if question.kind in COUNTED:
            counts: Counter = Counter()
            for value in given:
                for item in value if isinstance(value, list) else [value]:
                    counts[str(item)] += 1
            result.lines = [
                Line(label, counts[label], 100 * counts[label] / len(asked) if asked else None)
                for label in _labels(question)
            ]
        elif question.kind == QuestionKind.NUMBER:
            values = [float(v) for v in given]
            if values:
                result.numbers = {
                    "moyenne": formats.number(sum(values) / len(values), 1),
                    "minimum": formats.number(min(values), 1),
                    "maximum": formats.number(max(values), 1),
                }
        elif question.kind == QuestionKind.TEXT:
            result.texts = [str(v) for v in given[:latest_texts]]
        results.append(result)
    return results


def export_rows(questionnaire: Questionnaire) -> tuple[list[str], list[list]]:
    """One row per answer: when, the structure, then one column per question (empty when the
    question was not shown). Addresses left are not exported."""
    questions = ordered_questions(questionnaire)
    headers = ["Répondu le", "Structure", "Nom de la structure", "Réponse remplacée"]
    headers += [f"{n}. {q.text}" for n, q in enumerate(questions, start=1)]
    rows = []
    for response in questionnaire.responses.select_related("establishment").order_by(
        "submitted_at", "pk"
    ):
        row = [
            timezone.localtime(response.submitted_at),
            response.structure,
            response.establishment.name if response.establishment else "",
            "oui" if response.replaced else "non",
        ]
        for question in questions:
            value = response.answers.get(str(question.pk))
            row.append(", ".join(value) if isinstance(value, list) else value)
        rows.append(row)
    return headers, rows
