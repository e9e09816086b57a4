"""The readable log format (CAPSANTE_LOG_FORMAT=text, `make run`'s console) in French.

Django, its development server and django-tasks write their lines in English: « Not Found:
/nope », « Starting worker worker_id=… », « Received Terminated - shutting down gracefully… »,
a request line dated « [04/Dec/2026 02:32:55] ». This formatter writes the date the French way
and the level in a French word, and puts the lines the platform's console shows in French; the
JSON format keeps the libraries' own words and the standard level names, for log collectors.
Tested by tests/test_logs.py."""

import logging
import re
import signal
from collections.abc import Callable

LEVELS = {
    "DEBUG": "détail",
    "INFO": "info",
    "WARNING": "attention",
    "ERROR": "erreur",
    "CRITICAL": "critique",
}

# What a person is told of a refused request (Django logs the HTTP reason phrase).
REASONS = {
    400: "requête non valable",
    403: "accès refusé",
    404: "page introuvable",
    405: "méthode non permise",
    500: "erreur du serveur",
    503: "service indisponible",
}

SIGNALS = {
    signal.strsignal(signal.SIGTERM): "demande d’arrêt (SIGTERM)",
    signal.strsignal(signal.SIGINT): "Ctrl+C",
    signal.strsignal(signal.SIGQUIT): "demande d’arrêt (SIGQUIT)",
}

TASK_STATES = {
    "READY": "en file",
    "RUNNING": "commencé",
    "SUCCESSFUL": "terminé",
    "SUCCEEDED": "terminé",
    "FAILED": "en échec",
}


def _signal(name) -> str:
    return SIGNALS.get(name, str(name))


def _request(record: logging.LogRecord) -> str:
    reason, path = record.args
    status = getattr(record, "status_code", None)
    return f"{REASONS.get(status, f'réponse {status or reason}')} : {path}"


def _csrf(record: logging.LogRecord) -> str:
    reason, path = record.args
    # Django's reason (« CSRF token missing. ») is kept for whoever looks into it.
    return (
        f"requête refusée par la protection CSRF : {path}"
        f" (formulaire expiré ou venu d’un autre site ; Django : {reason})"
    )


def _task(record: logging.LogRecord) -> str:
    task_id, path, state = record.args
    return f"tâche {task_id} ({path}) : {TASK_STATES.get(str(state), state)}"


# The libraries' messages, by logger and by the template they log with: a French template
# taking the same arguments in the same order, or what says the record in French.
MESSAGES: dict[tuple[str, str], str | Callable[[logging.LogRecord], str]] = {
    ("django.request", "%s: %s"): _request,
    ("django.security.csrf", "Forbidden (%s): %s"): _csrf,
    ("django_tasks_db", "Starting worker worker_id=%s queues=%s"): (
        "travailleur {} en service, file : {}"
    ),
    (
        "django_tasks_db",
        "Received %s - shutting down gracefully... (press Ctrl+C again to force)",
    ): lambda r: (
        f"{_signal(r.args[0])} : arrêt après le travail en cours"
        " (Ctrl+C de nouveau pour l’interrompre)"
    ),
    ("django_tasks_db", "Received %s - terminating current task."): lambda r: (
        f"{_signal(r.args[0])} : le travail en cours est interrompu"
    ),
    ("django_tasks_db", "No more tasks to run for worker_id=%s - exiting gracefully."): (
        "plus de travail en file pour {} : arrêt"
    ),
    ("django_tasks_db", "Run maximum tasks (%d) on worker=%s - exiting gracefully."): (
        "nombre maximal de travaux ({}) atteint par {} : arrêt"
    ),
    ("django_tasks_db", "Task id=%s failed unexpectedly"): (
        "la tâche {} a échoué de façon inattendue"
    ),
    ("django_tasks", "Task id=%s path=%s state=%s"): _task,
    ("django_tasks", "Task id=%s path=%s enqueued backend=%s"): "tâche {} ({}) mise en file ({})",
}


# Messages logged whole, without a template (an exception's text), by logger.
WHOLE_MESSAGES: dict[str, tuple[re.Pattern, str]] = {
    "django.security.DisallowedHost": (
        re.compile(r"Invalid HTTP_HOST header: (?P<host>.*?)\.(?: You may need to add .*)?$"),
        "adresse du site non autorisée : \\g<host> (si c’est la sienne, l’ajouter à ALLOWED_HOSTS)",
    ),
}


class FrenchText(logging.Formatter):
    """« 04/12/2026 02:32:55 attention django.request : page introuvable : /nope »."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s : %(message)s", "%d/%m/%Y %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        # A copy: the record goes on to other handlers (Sentry, a JSON one) unchanged.
        record = logging.makeLogRecord(record.__dict__)
        record.levelname = LEVELS.get(record.levelname, record.levelname)
        said = MESSAGES.get((record.name, str(record.msg)))
        if isinstance(said, str):  # a template gives its arguments' number and order
            record.msg, record.args = said.format(*record.args), None
        elif said is not None:
            record.msg, record.args = said(record), None
        elif record.name in WHOLE_MESSAGES and not record.args:
            pattern, french = WHOLE_MESSAGES[record.name]
            record.msg = pattern.sub(french, str(record.msg))
        return super().format(record)
