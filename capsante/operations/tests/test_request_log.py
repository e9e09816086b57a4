"""CAPSANTE_LOG_FORMAT=json: one JSON object a line, one line per request with its method, path,
status and duration, and nothing a visitor typed (query strings, form fields)."""

import json
import logging
import re

import pytest
from django.http import HttpResponse

from capsante.operations.requestlog import RequestLogMiddleware

REQUESTS = """
from django.test import Client
client = Client()
client.get("/healthz?email=jean.dupont%40example.fr&nom=Dupont")
client.post("/comptes/connexion/?next=/", {"username": "jean.dupont", "password": "Secret-123"})
client.get("/n-existe-pas/?q=Martine+Durand", HTTP_X_REQUEST_ID="req-42")
"""


PLAIN_HTTP = {"CAPSANTE_HTTPS": "false"}  # the test client speaks http, as `make run`


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_request_logs_one_json_line_without_what_people_typed(live_site):
    run = live_site.run(
        "shell",
        "-c",
        REQUESTS,
        env={"CAPSANTE_LOG_FORMAT": "json", "LOG_LEVEL": "INFO", **PLAIN_HTTP},
    )
    lines = json_lines(run.stderr)
    # Every line the platform wrote is JSON (nothing else on the standard error).
    assert lines and len(lines) == len(run.stderr.strip().splitlines()), run.stderr
    requests = [line for line in lines if line["logger"] == "capsante.requests"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/healthz", 200),
        ("POST", "/comptes/connexion/", 200),
        ("GET", "/n-existe-pas/", 404),
    ]
    for line in requests:
        assert line["level"] == "INFO" and line["time"].endswith("+00:00")
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert requests[2]["request_id"] == "req-42"
    for secret in ("jean.dupont", "Dupont", "Secret-123", "Martine", "example.fr", "?"):
        assert secret not in json.dumps(requests), secret


def test_by_default_logs_are_readable_text_and_requests_are_not_logged(live_site):
    run = live_site.run(
        "shell",
        "-c",
        REQUESTS + "\nimport logging\nlogging.getLogger('capsante').warning('attention')",
    )
    assert "capsante.requests" not in run.stderr
    assert re.search(
        r"^\d\d/\d\d/20\d\d \d\d:\d\d:\d\d attention capsante : attention$", run.stderr, re.M
    )
    assert not json_lines(run.stderr)


def test_json_is_turned_on_by_name_only(live_site):
    run = live_site.run("check", env={"CAPSANTE_LOG_FORMAT": "yaml"}, check=False)
    assert run.returncode != 0
    assert "CAPSANTE_LOG_FORMAT must be text or json" in run.stderr


@pytest.mark.django_db
def test_the_middleware_logs_the_final_status_and_the_path_alone(rf, caplog):
    caplog.set_level(logging.INFO, logger="capsante.requests")
    middleware = RequestLogMiddleware(lambda request: HttpResponse(status=418))
    middleware(rf.get("/recherche/", {"q": "Jean Dupont"}, HTTP_X_REQUEST_ID="bad id!"))
    (record,) = caplog.records
    assert (record.method, record.path, record.status) == ("GET", "/recherche/", 418)
    assert not hasattr(record, "request_id")  # not a plain id: left out
    assert "Dupont" not in record.getMessage()


ERROR = """
import logging
from django.core import mail
logging.getLogger("django.request").error("Internal Server Error: /x", extra={"status_code": 500})
print([(m.to, m.subject) for m in mail.outbox])
"""


def test_server_errors_are_mailed_to_the_operators_when_asked(live_site):
    env = {
        "CAPSANTE_ERROR_EMAILS": "exploitation@ars.example.fr,astreinte@ars.example.fr",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    run = live_site.run("shell", "-c", ERROR, env=env)
    assert run.stdout.strip().splitlines()[-1] == (
        "[(['exploitation@ars.example.fr', 'astreinte@ars.example.fr'], "
        "'[Django] ERROR: Internal Server Error: /x')]"
    )
    quiet = live_site.run(
        "shell", "-c", ERROR, env={"EMAIL_BACKEND": env["EMAIL_BACKEND"]}, check=False
    )
    assert "AttributeError" in quiet.stderr or "[]" in quiet.stdout


def test_sentry_is_optional_and_says_how_to_install_it(live_site):
    run = live_site.run("check", env={"SENTRY_DSN": "https://cle@errors.example.fr/1"}, check=False)
    assert run.returncode != 0
    assert "pip install sentry-sdk" in run.stderr
