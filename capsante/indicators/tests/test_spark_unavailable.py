"""A Spark master that is mistyped or down fails in seconds, in French, naming the setting — not
after Spark's minute of retries and a Java stack — and nothing is recorded."""

import socket

import pytest
from django.core.management import CommandError, call_command

from capsante.imports.models import ImportRecord
from capsante.imports.tasks import enqueue_recompute
from capsante.indicators.models import ComputationRun, IndicatorValue
from capsante.jobs.models import JobStatus


@pytest.fixture
def closed_port() -> int:
    """A loopback port on which nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db
def test_compute_on_a_master_nobody_answers_says_so_and_records_nothing(
    settings, tmp_path, closed_port
):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.SPARK_MASTER = f"spark://127.0.0.1:{closed_port}"
    with pytest.raises(CommandError) as raised:
        call_command("indicators", "compute", "--engine", "spark", verbosity=0)
    message = str(raised.value)
    assert f"Le maître Spark spark://127.0.0.1:{closed_port} ne répond pas" in message
    assert "connexion refusée" in message and "CAPSANTE_SPARK_MASTER" in message
    assert "Traceback" not in message and "java" not in message.lower()
    assert not ComputationRun.objects.exists() and not IndicatorValue.objects.exists()


@pytest.mark.django_db
def test_an_address_without_a_port_is_refused_before_spark_starts(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.SPARK_MASTER = "spark://127.0.0.1"
    with pytest.raises(
        CommandError, match="illisible : spark://127.0.0.1 .attendu : spark://hôte:port"
    ):
        call_command("indicators", "compute", "--engine", "spark", verbosity=0)
    assert not ComputationRun.objects.exists()


@pytest.mark.django_db
def test_a_recompute_job_on_spark_fails_with_the_reason_on_the_jobs_page(
    settings, tmp_path, closed_port, personas, run_jobs, client, django_capture_on_commit_callbacks
):
    """After an import, with Spark as the platform's engine and its master down: the job ends
    in failure and says why in the administrators' words."""
    settings.STAGING_DIR = tmp_path / "staging"
    settings.INDICATOR_ENGINE = "spark"
    settings.SPARK_MASTER = f"spark://127.0.0.1:{closed_port}"
    record = ImportRecord.objects.create(
        source="am-mes",
        file_name="mes_activations.csv",
        status="imported",
        periods=["2025-03"],
        user=personas["ars_admin"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_recompute(record)
    (job,) = run_jobs()
    assert job.status == JobStatus.FAILED
    assert "ne répond pas" in job.message and "CAPSANTE_SPARK_MASTER" in job.message
    assert not ComputationRun.objects.exists()
    client.force_login(personas["ars_admin"])
    page = client.get("/imports/travaux/").content.decode()
    assert f"spark://127.0.0.1:{closed_port} ne répond pas" in page
