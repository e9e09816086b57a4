"""The closing report of an event, for its organisers and the partners in scope: registered and
present, by audience and by commune, the programme's parts counted by kind, the satisfaction
answers; as a page and as a PDF (WeasyPrint, through capsante.ui.pdf). It reads the
registrations, or their tallies once they are erased: the report stays true after the purge."""

from collections import Counter
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from capsante.ui import formats, pdf

from . import counts, registrations
from .models import Event, PartKind, RegistrationStatus

PART_PLURALS = {
    PartKind.WORKSHOP: "ateliers",
    PartKind.TALK: "retours d’expérience",
    PartKind.STAND: "stands",
    PartKind.PLENARY: "plénières",
    PartKind.OTHER: "autres temps",
}
SCORES = ("1", "2", "3", "4", "5")
SCORE_LABELS = {
    "1": "1 — pas du tout satisfait",
    "2": "2 — peu satisfait",
    "3": "3 — moyennement satisfait",
    "4": "4 — satisfait",
    "5": "5 — très satisfait",
}


@dataclass
class ClosingReport:
    event: Event
    when: str
    where: str
    registered: int
    present: int
    participants: int | None
    by_audience: list[tuple[str, int, int]]
    by_commune: list[tuple[str, int, int]]
    programme: list[tuple[str, int, list[str]]]  # (kind's label, count, titles)
    satisfaction: list[tuple[str, int]] = field(default_factory=list)  # (label, answers)
    answers: int = 0
    average: float | None = None
    purged: bool = False

    @property
    def programme_summary(self) -> str:
        return ", ".join(f"{number} {label}" for label, number, _ in self.programme)

    @property
    def average_text(self) -> str:
        return formats.number(self.average, 1) if self.average is not None else "—"


def _programme(event: Event) -> list[tuple[str, int, list[str]]]:
    parts = list(event.parts.all())
    grouped = []
    for kind, label in PartKind.choices:
        titles = [p.title for p in parts if p.kind == kind]
        if titles:
            name = PART_PLURALS[kind] if len(titles) > 1 else str(label).lower()
            grouped.append((name, len(titles), titles))
    return grouped


def _scores(event: Event) -> Counter:
    scores: Counter = Counter()
    if event.registrations_purged_at is not None:
        for tally in event.tallies.all():
            for score, number in (tally.satisfaction or {}).items():
                scores[str(score)] += int(number)
    else:
        answered = event.registrations.exclude(satisfaction=None).exclude(
            status__in=[RegistrationStatus.PENDING, RegistrationStatus.CANCELLED]
        )
        for score in answered.values_list("satisfaction", flat=True):
            scores[str(score)] += 1
    return scores


def closing_report(event: Event) -> ClosingReport:
    by_audience = registrations.counts_by(event, "audience")
    scores = _scores(event)
    answers = sum(scores.values())
    average = (
        sum(int(score) * number for score, number in scores.items()) / answers if answers else None
    )
    return ClosingReport(
        event=event,
        when=registrations.when(event),
        where=registrations.where(event),
        registered=sum(registered for _, registered, _ in by_audience),
        present=sum(present for _, _, present in by_audience),
        participants=counts.participants(event),
        by_audience=by_audience,
        by_commune=registrations.counts_by(event, "commune"),
        programme=_programme(event),
        satisfaction=[(SCORE_LABELS[s], scores.get(s, 0)) for s in SCORES] if answers else [],
        answers=answers,
        average=average,
        purged=event.registrations_purged_at is not None,
    )


def report_html(report: ClosingReport) -> str:
    """The standalone A4 document (the PDF's source)."""
    return render_to_string(
        "events/report_document.html",
        {
            "r": report,
            "now": timezone.now(),
            "font_css": mark_safe(pdf.font_css()),  # noqa: S308 - our file paths  # nosec B308 B703
        },
    )


def report_pdf(report: ClosingReport) -> bytes:
    return pdf.html_to_pdf(report_html(report))
