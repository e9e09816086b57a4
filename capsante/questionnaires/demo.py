"""Demo questionnaires drawn from the Sarthe roadmap: the satisfaction questionnaire for the
users of the regional tools (ROR, télésanté, e-santé Mail; objective "Renforcer l’ergonomie des
outils du numérique") with generated answers, and the pharmacy questionnaire on fax and
MSSanté, the 2024 survey's questions, to send by pre-filled links. Idempotent: a questionnaire
already there (same slug) is left as it is."""

import datetime as dt

import numpy as np
from django.db import transaction
from django.utils import timezone

from capsante.territories.models import Level, Territory

from .models import Audience, Identifier, Question, QuestionKind, Questionnaire, Response, Status

YES_NO = ["Oui", "Non"]
TOOLS = ["ROR", "Télésanté", "e-santé Mail"]
PROFESSIONS = [
    "Médecin",
    "Infirmier ou infirmière",
    "Pharmacien ou pharmacienne",
    "Secrétaire médicale",
    "Cadre de santé",
    "Autre",
]
WEIGHTS = [w / 17 for w in (4, 5, 2, 3, 2, 1)]
SATISFACTION_SLUG = "satisfaction-outils-regionaux-72"
PHARMACY_SLUG = "officines-fax-mssante-72"
SUGGESTIONS = [
    "Plus de formations courtes, en visioconférence.",
    "La recherche dans le ROR est lente le matin.",
    "Pouvoir joindre un document plus lourd dans e-santé Mail.",
    "Un guide pas à pas pour la première téléconsultation.",
    "L’agenda de télésanté devrait se synchroniser avec notre logiciel.",
]


def _ask(questionnaire: Questionnaire, order: int, text: str, kind: str, **fields) -> Question:
    return Question.objects.create(
        questionnaire=questionnaire, order=order, text=text, kind=kind, **fields
    )


def pharmacy_questionnaire(
    territory: Territory, *, slug: str = PHARMACY_SLUG, survey: str = "", title: str = ""
) -> Questionnaire:
    """The questions of the June 2024 pharmacy survey, each feeding the field of
    `survey_answers` its imported file fed; sent to the officines by pre-filled links."""
    questionnaire = Questionnaire.objects.create(
        territory=territory,
        title=title or "Enquête auprès des officines : fax et messagerie sécurisée de santé",
        slug=slug,
        introduction="Trois questions, deux minutes : où en est votre officine du fax et de la "
        "messagerie sécurisée de santé (MSSanté), avant la fermeture du réseau cuivre ?",
        purpose="Mesurer l’équipement des officines en MSSanté et leur usage du fax, pour "
        "accompagner la démarche « zéro fax » ; les réponses portent sur l’officine et "
        "alimentent les indicateurs de la feuille de route.",
        audience=Audience.STRUCTURES,
        category_groups=["officine"],
        survey=survey,
        status=Status.OPEN,
    )
    _ask(
        questionnaire,
        1,
        "N° FINESS de l’officine",
        QuestionKind.STRUCTURE,
        identifier=Identifier.FINESS,
    )
    _ask(
        questionnaire,
        2,
        "Votre officine dispose-t-elle d’un fax ?",
        QuestionKind.SINGLE,
        choices=YES_NO,
        target="has_fax",
    )
    mss = _ask(
        questionnaire,
        3,
        "Disposez-vous d’une messagerie sécurisée de santé (MSSanté) ?",
        QuestionKind.SINGLE,
        choices=YES_NO,
        target="has_mss",
    )
    _ask(
        questionnaire,
        4,
        "Utilisez-vous votre MSSanté au moins une fois par semaine ?",
        QuestionKind.SINGLE,
        choices=YES_NO,
        target="uses_mss",
        shown_if=mss,
        shown_if_value="Oui",
    )
    return questionnaire


def satisfaction_questionnaire(territory: Territory) -> Questionnaire:
    questionnaire = Questionnaire.objects.create(
        territory=territory,
        title="Satisfaction des utilisateurs des outils régionaux (ROR, télésanté, e-santé Mail)",
        slug=SATISFACTION_SLUG,
        introduction="Vous utilisez le ROR, la plateforme régionale de télésanté ou e-santé "
        "Mail : dites-nous ce qui marche et ce qui vous gêne.",
        purpose="Améliorer l’ergonomie des outils régionaux avec leur éditeur (points "
        "réguliers du GRADeS) ; les réponses sont anonymes et seuls des décomptes sont publiés.",
        audience=Audience.PUBLIC,
        status=Status.OPEN,
        retention_months=6,
    )
    tools = _ask(
        questionnaire, 1, "Quels outils régionaux utilisez-vous ?", QuestionKind.MULTIPLE,
        choices=TOOLS,
    )  # fmt: skip
    _ask(questionnaire, 2, "Votre profession", QuestionKind.SINGLE, choices=PROFESSIONS)
    for order, tool in enumerate(TOOLS, start=3):
        _ask(
            questionnaire,
            order,
            f"Votre satisfaction pour {tool}",
            QuestionKind.SCALE,
            help_text="De 1 (pas du tout satisfait) à 5 (très satisfait).",
            shown_if=tools,
            shown_if_value=tool,
        )
    _ask(
        questionnaire,
        6,
        "Combien de fois par semaine utilisez-vous ces outils ?",
        QuestionKind.NUMBER,
        required=False,
    )
    _ask(
        questionnaire,
        7,
        "Que faudrait-il améliorer en priorité ?",
        QuestionKind.TEXT,
        required=False,
    )
    return questionnaire


def satisfaction_answers(questionnaire: Questionnaire, count: int = 64, seed: int = 72) -> int:
    """Generated answers, spread over the last weeks (deterministic)."""
    rng = np.random.default_rng(seed)
    questions = {q.order: q for q in questionnaire.questions.all()}
    now = timezone.now()
    responses = []
    for _ in range(count):
        used = [t for t in TOOLS if rng.random() < {"ROR": 0.6, "Télésanté": 0.5}.get(t, 0.7)]
        used = used or [TOOLS[int(rng.integers(len(TOOLS)))]]
        answers = {
            str(questions[1].pk): used,
            str(questions[2].pk): PROFESSIONS[int(rng.choice(len(PROFESSIONS), p=WEIGHTS))],
        }
        for order, tool in enumerate(TOOLS, start=3):
            if tool in used:
                mean = {"ROR": 3.1, "Télésanté": 3.6, "e-santé Mail": 3.9}[tool]
                answers[str(questions[order].pk)] = min(5, max(1, round(rng.normal(mean, 1.0))))
        if rng.random() < 0.7:
            answers[str(questions[6].pk)] = int(rng.integers(1, 26))
        if rng.random() < 0.25:
            answers[str(questions[7].pk)] = SUGGESTIONS[int(rng.integers(len(SUGGESTIONS)))]
        moment = now - dt.timedelta(
            days=int(rng.integers(1, 41)), minutes=int(rng.integers(0, 601))
        )
        responses.append(
            Response(
                questionnaire=questionnaire,
                answers=answers,
                first_submitted_at=moment,
                submitted_at=moment,
            )
        )
    Response.objects.bulk_create(responses)
    return len(responses)


@transaction.atomic
def load_demo_questionnaires() -> list[Questionnaire]:
    sarthe = Territory.objects.filter(level=Level.DEPARTEMENT, code="72").first()
    if sarthe is None:
        return []
    created = []
    if not Questionnaire.objects.filter(slug=SATISFACTION_SLUG).exists():
        questionnaire = satisfaction_questionnaire(sarthe)
        satisfaction_answers(questionnaire)
        created.append(questionnaire)
    if not Questionnaire.objects.filter(slug=PHARMACY_SLUG).exists():
        # A new wave of the 2024 survey, by pre-filled links: no answer yet, so the 2024
        # figures of the demo stay those of the imported file.
        created.append(
            pharmacy_questionnaire(
                sarthe,
                survey="officines-fax-mssante-2026",
                title="Enquête 2026 auprès des officines : fax et messagerie sécurisée de santé",
            )
        )
    return created
