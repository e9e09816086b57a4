"""/healthz and /readyz answer a probe: JSON, 200 or 503, each check saying what it found."""

import datetime as dt
import json
import signal
import time

import pytest
from django.db import connections
from django.utils import timezone

from capsante.jobs import presence
from capsante.jobs.models import Worker


def body(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: pytest-django fails any database access of this test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert body(response) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_the_probes_are_not_sent_to_https(client, settings):
    """A probe asks the application server on its own http address, behind the proxy."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accessibilite/").status_code == 301


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_without_a_worker_is_not_ready_and_says_why(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    answer = body(response)
    assert answer["status"] == "indisponible"
    checks = answer["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and checks["staging"]["ok"]
    assert checks["migrations"]["pending"] == 0
    assert checks["worker"] == {
        "ok": False,
        "detail": "aucun travailleur : lancez « capsante worker »",
    }


@pytest.mark.django_db
def test_readyz_with_a_running_worker_is_ready(client):
    with presence.announced("test:1:1"):
        response = client.get("/readyz")
    assert response.status_code == 200, response.content
    answer = body(response)
    assert answer["status"] == "ok"
    assert all(check["ok"] for check in answer["checks"].values())
    assert answer["checks"]["worker"]["last_heartbeat_seconds"] <= 1
    assert not Worker.objects.exists()  # the row goes with the worker


@pytest.mark.django_db
def test_a_worker_silent_for_too_long_is_not_enough(client, settings):
    long_ago = timezone.now() - dt.timedelta(seconds=settings.JOB_STALE_SECONDS + 5)
    Worker.objects.create(
        worker_id="h:2:2", host="h", pid=2, started_at=long_ago, heartbeat_at=long_ago
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    worker = body(response)["checks"]["worker"]
    assert not worker["ok"] and worker["last_heartbeat_seconds"] >= settings.JOB_STALE_SECONDS


@pytest.mark.django_db
def test_the_worker_check_can_be_left_out(client, settings):
    settings.READYZ_REQUIRE_WORKER = False
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "worker" not in body(response)["checks"]


@pytest.mark.django_db
def test_pending_migrations_make_it_not_ready(client, monkeypatch):
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("a migration", False)],
    )
    with presence.announced("test:1:1"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert body(response)["checks"]["migrations"] == {
        "ok": False,
        "detail": "1\u00a0migration à appliquer : lancez « capsante migrate »",
        "pending": 1,
    }


@pytest.mark.django_db
def test_a_staging_folder_that_takes_no_file_makes_it_not_ready(client, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    settings.STAGING_DIR = blocked
    with presence.announced("test:1:1"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert body(response)["checks"]["staging"]["ok"] is False
    assert str(tmp_path) not in response.content.decode()  # no path leaks to the public


@pytest.mark.django_db
def test_an_unreachable_database_makes_it_not_ready_without_leaking_the_error(
    client, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise connections["default"].Database.OperationalError("connection to 10.0.0.9 refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = body(response)["checks"]
    assert checks["database"] == {"ok": False, "detail": "base de données injoignable"}
    assert not checks["migrations"]["ok"] and not checks["worker"]["ok"]
    assert "10.0.0.9" not in response.content.decode()
    assert "10.0.0.9" in caplog.text  # the operator finds it in the log


def test_a_real_worker_announces_itself_and_leaves_when_stopped(live_site):
    worker = live_site.start("worker", "--no-startup-delay", "--interval", "0.2", log="worker.log")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if live_site.sql("SELECT count(*) FROM jobs_worker")[0][0] == 1:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("le travailleur ne s'est pas annoncé")
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(timeout=30)
    log = (live_site.root / "worker.log").read_text()[-3000:]
    assert live_site.sql("SELECT count(*) FROM jobs_worker")[0][0] == 0, log
    assert code == 0, log
