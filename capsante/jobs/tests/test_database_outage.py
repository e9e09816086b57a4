"""The worker outlives a cut of its database connections (PostgreSQL restarted, a network cut):
it waits for the database to come back and runs the next job, without being restarted.
bench/fault_postgres_restart.py restarts a real server under load; here the server refuses
connections to the platform's database for a few seconds and cuts those open
(pg_terminate_backend), which the worker sees as a server down then back."""

import os
import time

import pytest

from capsante.jobs.tests.sites import MAILS_SENT, QUEUE_A_MAIL, _admin_sql

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a SQLite file has no connection that a server could cut: the PostgreSQL pass runs it",
)

CUT = "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = '{name}'"


def test_the_worker_waits_for_the_database_and_runs_the_next_job(live_site):
    site = live_site
    worker = site.start("worker", "--no-startup-delay", "-v1", log="worker.log")
    deadline = time.monotonic() + 120
    while not site.sql("select 1 from jobs_worker"):  # announced: it has its connection
        assert worker.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    name = site.database_url.rsplit("/", 1)[1]
    _admin_sql(site.database_url, f'alter database "{name}" allow_connections false')
    _admin_sql(site.database_url, CUT.format(name=name))
    time.sleep(4)  # the worker wakes up every second and finds no database
    _admin_sql(site.database_url, f'alter database "{name}" allow_connections true')
    assert worker.poll() is None, (site.root / "worker.log").read_text()[-3000:]
    site.python(QUEUE_A_MAIL)
    while not site.sql(MAILS_SENT)[0][0]:
        assert worker.poll() is None, (site.root / "worker.log").read_text()[-3000:]
        assert time.monotonic() < deadline + 60, "the mail job never ran"
        time.sleep(0.2)
    assert "injoignable" in (site.root / "worker.log").read_text()
