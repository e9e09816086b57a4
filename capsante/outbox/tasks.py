"""Mail batches: send what is due, then come back when the next refused mail is due again."""

from capsante.jobs import services as jobs
from capsante.ui.formats import plural

from . import services


@jobs.job_task("mail")
def send_mail_batch() -> str:
    sent, failed = services.deliver_pending()
    later = services.next_retry()
    if later is not None:
        services.enqueue_batch(run_after=later)
    return f"{plural(sent, 'courriel envoyé', 'courriels envoyés')}, {failed} toujours en échec."


jobs.register_kind(jobs.Kind("mail", "Courriels"))
