"""Questionnaires in the background: the answers into the indicators, invitations and
reminders by mail."""

from capsante.jobs import services as jobs
from capsante.ui.formats import plural

from . import answering, staging
from .models import Questionnaire


@jobs.job_task("questionnaire")
def feed_indicators(questionnaire_id: int) -> str:
    questionnaire = Questionnaire.objects.get(pk=questionnaire_id)
    record = staging.feed(questionnaire)
    if record is None:
        return f"« {questionnaire.title} » : aucune réponse à transmettre aux indicateurs."
    if record.status == "failed":
        raise jobs.JobFailed(record.message)
    return f"« {questionnaire.title} » : import n° {record.pk} — {record.message}"


@jobs.job_task("questionnaire")
def send_mails(questionnaire_id: int, what: str, base_url: str = "") -> str:
    questionnaire = Questionnaire.objects.select_related("mailing_list").get(pk=questionnaire_id)
    if what == "invite":
        count = answering.invite_list(questionnaire, base_url)
        invitations = plural(count, "invitation mise", "invitations mises")
        return f"« {questionnaire.title} » : {invitations} en file d’envoi."
    count = answering.remind(questionnaire, base_url)
    reminders = plural(count, "relance mise", "relances mises")
    return f"« {questionnaire.title} » : {reminders} en file d’envoi."


jobs.register_kind(jobs.Kind("questionnaire", "Questionnaires : réponses et envois"))
