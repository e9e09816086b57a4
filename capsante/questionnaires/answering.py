"""Answering without an account: links (public, personal, pre-filled for a structure), the
conditions between questions, one answer per structure (a new one replaces it), invitations
and reminders by mail through the outbox, and the purge of the addresses left."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from capsante.accounts import access
from capsante.establishments.models import Establishment
from capsante.events.registrations import retention_cutoff
from capsante.jobs import services as jobs
from capsante.jobs.models import Job, JobStatus
from capsante.newsletters.models import SubscriberStatus
from capsante.outbox.services import queue_mail
from capsante.territories.services import within
from capsante.ui import formats

from .models import Audience, Invitation, Question, Questionnaire, Response, Status

_SALT = "capsante.questionnaires.link"


# --- Links ----------------------------------------------------------------------------------


def structure_token(questionnaire: Questionnaire, finess: str) -> str:
    """A pre-filled link's token: the questionnaire and the structure's FINESS, signed."""
    return signing.dumps({"q": questionnaire.pk, "f": finess}, salt=_SALT)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"q": invitation.questionnaire_id, "i": invitation.pk}, salt=_SALT)


@dataclass(frozen=True)
class Respondent:
    """Who a link says is answering: a known structure, a list's recipient, or anyone."""

    establishment: Establishment | None = None
    invitation: Invitation | None = None


def respondent(questionnaire: Questionnaire, token: str | None) -> Respondent:
    """What a link's token carries; 404 for a token altered, or made for another questionnaire."""
    if not token:
        if questionnaire.audience != Audience.PUBLIC:
            raise access.not_found("Ce questionnaire se remplit depuis le lien reçu.")
        return Respondent()
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("q") != questionnaire.pk:
        raise access.not_found("Lien invalide")
    if "f" in data:
        establishment = Establishment.objects.filter(finess_et=str(data["f"])).first()
        if establishment is None:
            raise access.not_found("Structure introuvable")
        return Respondent(establishment=establishment)
    invitation = Invitation.objects.filter(pk=data.get("i"), questionnaire=questionnaire).first()
    if invitation is None:
        raise access.not_found("Lien invalide")
    return Respondent(invitation=invitation)


def link(base_url: str, questionnaire: Questionnaire, token: str | None = None) -> str:
    base_url = (base_url or settings.PUBLIC_URL).rstrip("/")
    if token:
        return base_url + reverse("questionnaires:answer_link", args=[questionnaire.slug, token])
    return base_url + reverse("questionnaires:answer", args=[questionnaire.slug])


def structures(questionnaire: Questionnaire):
    """The known structures a questionnaire asks (its territory, the types chosen)."""
    found = Establishment.objects.filter(
        active=True, commune__in=within(questionnaire.territory).values("pk")
    )
    if questionnaire.category_groups:
        found = found.filter(category_group__in=questionnaire.category_groups)
    return found.order_by("name", "finess_et")


# --- Conditions -----------------------------------------------------------------------------


def _matches(value, expected: str) -> bool:
    if isinstance(value, list):
        return expected in value
    return value is not None and str(value) == expected


def visible(questions: list[Question], answers: dict) -> set[int]:
    """The questions shown given the answers: a question with a condition is shown when the
    question it depends on is shown and has the expected answer."""
    shown: set[int] = set()
    for question in questions:  # in order: a condition names an earlier question
        parent = question.shown_if_id
        if parent is None or (
            parent in shown and _matches(answers.get(str(parent)), question.shown_if_value)
        ):
            shown.add(question.pk)
    return shown


# --- Answers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    response: Response
    replaced_at: dt.datetime | None  # when the answer it replaced was given


@transaction.atomic
def submit(
    questionnaire: Questionnaire,
    answers: dict,
    *,
    structure: str = "",
    who: Respondent | None = None,
    contact_email: str = "",
    now: dt.datetime | None = None,
) -> Submitted:
    """Record an answer. One per structure, and one per personal link: a second one replaces
    the first (its date is returned, for the page to say so)."""
    now = now or timezone.now()
    who = who or Respondent()
    if who.establishment is not None:
        structure = who.establishment.finess_et
    establishment = who.establishment or (
        Establishment.objects.filter(finess_et=structure).first() if structure else None
    )
    existing = None
    responses = Response.objects.select_for_update().filter(questionnaire=questionnaire)
    if structure:
        existing = responses.filter(structure=structure).first()
    if existing is None and who.invitation is not None:
        existing = responses.filter(invitation=who.invitation).first()
    if existing is not None:
        replaced_at = existing.submitted_at
        existing.answers = answers
        existing.submitted_at = now
        existing.replaced += 1
        existing.structure = structure
        existing.establishment = establishment
        existing.contact_email = contact_email or existing.contact_email
        existing.save()
        response = existing
    else:
        replaced_at = None
        response = Response.objects.create(
            questionnaire=questionnaire,
            structure=structure,
            establishment=establishment,
            invitation=who.invitation,
            answers=answers,
            contact_email=contact_email,
            first_submitted_at=now,
            submitted_at=now,
        )
    if questionnaire.survey and questionnaire.questions.exclude(target="").exists():
        enqueue_feed(questionnaire)
    return Submitted(response, replaced_at)


def previous_answer(questionnaire: Questionnaire, who: Respondent) -> Response | None:
    """The answer a link's structure or recipient already gave (the page says it is replaced)."""
    if who.establishment is not None:
        return questionnaire.responses.filter(structure=who.establishment.finess_et).first()
    if who.invitation is not None:
        return questionnaire.responses.filter(invitation=who.invitation).first()
    return None


def enqueue_feed(questionnaire: Questionnaire, user=None) -> Job | None:
    """After an answer: the indicators' feed, in the background once the answer has committed
    (one waiting feed per questionnaire is enough)."""
    subject = f"questionnaire:{questionnaire.pk}"
    if Job.objects.filter(subject=subject, status=JobStatus.QUEUED).exists():
        return None
    return jobs.submit(
        "capsante.questionnaires.tasks.feed_indicators",
        kind="questionnaire",
        label=f"Réponses au questionnaire « {questionnaire.title} » vers les indicateurs",
        user=user,
        territory=questionnaire.territory,
        subject=subject,
        questionnaire_id=questionnaire.pk,
    )


# --- Invitations and reminders --------------------------------------------------------------


def _mail_body(questionnaire: Questionnaire, url: str, reminder: bool) -> str:
    lead = (
        "Nous n’avons pas encore reçu votre réponse au questionnaire"
        if reminder
        else "Vous êtes invité à répondre au questionnaire"
    )
    closing = (
        f"Il est ouvert jusqu’au {formats.day(questionnaire.closes_on)}.\n\n"
        if questionnaire.closes_on
        else ""
    )
    return (
        f"Bonjour,\n\n{lead} « {questionnaire.title} ».\n\n"
        f"{questionnaire.purpose}\n\n"
        f"Votre lien personnel (aucun compte n’est nécessaire) :\n{url}\n\n{closing}"
        "Cap e-santé"
    )


def invite_list(questionnaire: Questionnaire, base_url: str = "") -> int:
    """Invite every subscriber of the questionnaire's list not invited yet, each with a
    personal link; returns how many mails were queued."""
    if questionnaire.mailing_list is None or questionnaire.status != Status.OPEN:
        return 0
    invited = set(questionnaire.invitations.values_list("email", flat=True))
    addresses = (
        questionnaire.mailing_list.subscribers.filter(status=SubscriberStatus.SUBSCRIBED)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    queued = 0
    now = timezone.now()
    for email in sorted(set(addresses) - invited):
        with transaction.atomic():
            invitation = Invitation.objects.create(
                questionnaire=questionnaire, email=email, sent_at=now
            )
            url = link(base_url, questionnaire, invitation_token(invitation))
            queue_mail(
                "questionnaire",
                f"Questionnaire : {questionnaire.title}",
                _mail_body(questionnaire, url, reminder=False),
                [email],
            )
        queued += 1
    return queued


def non_respondents(questionnaire: Questionnaire):
    return questionnaire.invitations.exclude(email="").filter(responses__isnull=True)


def remind(questionnaire: Questionnaire, base_url: str = "") -> int:
    """Mail again everyone invited who has not answered; returns how many mails were queued."""
    if questionnaire.status != Status.OPEN:
        return 0
    queued = 0
    now = timezone.now()
    for invitation in non_respondents(questionnaire).order_by("pk"):
        with transaction.atomic():
            url = link(base_url, questionnaire, invitation_token(invitation))
            queue_mail(
                "questionnaire",
                f"Rappel — questionnaire : {questionnaire.title}",
                _mail_body(questionnaire, url, reminder=True),
                [invitation.email],
            )
            invitation.reminded_at = now
            invitation.reminders += 1
            invitation.save(update_fields=["reminded_at", "reminders"])
        queued += 1
    return queued


def enqueue(questionnaire: Questionnaire, what: str, user=None, base_url: str = "") -> Job:
    """Invitations ("invite") or reminders ("remind"), sent by a background job."""
    label = "invitations" if what == "invite" else "relances"
    return jobs.submit(
        "capsante.questionnaires.tasks.send_mails",
        kind="questionnaire",
        label=f"Questionnaire « {questionnaire.title} » : {label}",
        user=user,
        territory=questionnaire.territory,
        subject=f"questionnaire-mails:{questionnaire.pk}",
        questionnaire_id=questionnaire.pk,
        what=what,
        base_url=base_url,
    )


# --- Personal data --------------------------------------------------------------------------


@transaction.atomic
def purge_contacts(now: dt.datetime | None = None) -> dict:
    """Erase the addresses (left by respondents, invited from a list) of the questionnaires
    closed for longer than their stated retention; answers, about structures, stay."""
    now = now or timezone.now()
    erased = {"questionnaires": 0, "addresses": 0}
    for questionnaire in Questionnaire.objects.filter(status=Status.CLOSED).exclude(closed_at=None):
        if questionnaire.closed_at > retention_cutoff(now, questionnaire.retention_months):
            continue
        left = questionnaire.responses.exclude(contact_email="").update(contact_email="")
        invited = questionnaire.invitations.exclude(email="").update(email="")
        if left or invited:
            erased["questionnaires"] += 1
            erased["addresses"] += left + invited
    return erased
