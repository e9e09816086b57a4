"""Newsletters in the background: an issue's mails queued batch after batch."""

from capsante.jobs import services as jobs

from . import services
from .models import Issue


@jobs.job_task("newsletter")
def send_issue_batch(issue_id: int, after: int, base_url: str) -> str:
    issue = Issue.objects.select_related("mailing_list__territory").get(pk=issue_id)
    following = services.send_batch(issue, after, base_url)
    if following is not None:
        services.enqueue_batch(issue, following, base_url)
        return f"Lettre « {issue.subject} » : un lot mis en file, le suivant est lancé."
    return f"Lettre « {issue.subject} » : tous les courriels sont en file d’envoi."


jobs.register_kind(jobs.Kind("newsletter", "Lettre d’information : envoi"))
