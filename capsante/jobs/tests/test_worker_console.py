"""What `capsante worker -v1` (the worker of `make run`) writes on its console: each job named
as the platform names it, in French, with Paris dates the French way — not django-tasks'
« Starting worker worker_id=… », « Task id=… path=capsante.outbox.tasks… state=SUCCESSFUL »
nor « Received Interrupt - shutting down gracefully… »."""

import re
import signal
import time

from capsante.jobs.tests.sites import MAILS_SENT, QUEUE_A_MAIL


def test_the_worker_says_each_job_in_french(live_site):
    site = live_site
    worker = site.start("worker", "--no-startup-delay", "-v1", log="worker.log")
    deadline = time.monotonic() + 120
    site.python(QUEUE_A_MAIL)
    while not site.sql(MAILS_SENT)[0][0]:
        assert worker.poll() is None, (site.root / "worker.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "the mail job never ran"
        time.sleep(0.2)
    worker.send_signal(signal.SIGINT)
    worker.wait(timeout=60)
    console = (site.root / "worker.log").read_text()

    (job,) = site.sql("select id, label from jobs_job where kind = 'mail'")
    line = r"\d\d/\d\d/20\d\d \d\d:\d\d:\d\d (info|attention) [\w.]+ : "
    assert re.search(line + r"travailleur \S+ en service, file : default\n", console), console
    assert re.search(line + f"travail n° {job[0]} commencé : {re.escape(job[1])}\n", console)
    assert re.search(line + rf"travail n° {job[0]} terminé en \d+,\d s : ", console), console
    assert re.search(line + "Ctrl\\+C : arrêt après le travail en cours", console), console
    for english in ("Starting worker", "Task id=", "state=", "Received", " INFO ", " WARNING "):
        assert english not in console, console
