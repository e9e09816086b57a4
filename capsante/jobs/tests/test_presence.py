"""A stopped worker takes its row with it, even when the stop lands in the middle of a query.

systemd (or `make run` ending) stops a worker with SIGTERM; the signal handler raises while the
worker may be waiting for the database's answer to its poll of the queue. On PostgreSQL the
connection is then left with that query in flight, and the next statement on it is refused
("another command is already in progress"): the worker's row stayed, and /readyz went on
believing a worker ran the queue (seen in CI, test_a_real_worker_announces_itself_and_leaves_when_stopped).
"""

import signal
import sys

import pytest
from django.db import connection

from capsante.jobs import presence
from capsante.jobs.models import Worker

# A query that lasts about two seconds, so that the signal lands while the database works.
SLOW = {
    "postgresql": "SELECT pg_sleep(2)",
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000000)"
    " SELECT count(*) FROM n",
}


def _stop(signum, frame):
    sys.exit(0)  # what the worker's handlers (ours and django-tasks-db's) do on SIGTERM


@pytest.mark.django_db(transaction=True)
def test_a_stop_in_the_middle_of_a_query_still_removes_the_worker():
    previous = signal.signal(signal.SIGALRM, _stop)
    try:
        with pytest.raises(SystemExit), presence.announced("test:1:1"):
            assert Worker.objects.count() == 1
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with connection.cursor() as cursor:
                cursor.execute(SLOW[connection.vendor])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert Worker.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_stop_between_a_query_and_its_answer_still_removes_the_worker():
    """The signal lands after psycopg has sent the poll and before it waits for the answer."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs a query in one call: no moment between sending and answering")
    with pytest.raises(SystemExit), presence.announced("test:1:1"):
        connection.ensure_connection()
        connection.connection.pgconn.send_query(b"SELECT pg_sleep(1)")
        sys.exit(0)
    assert Worker.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_stop_right_after_the_worker_announced_itself_still_removes_it(monkeypatch):
    """The row is visible as soon as it is written: a probe (or systemd) may act at once."""

    def stopped_before_the_heartbeat_starts(*args, **kwargs):
        assert Worker.objects.count() == 1
        sys.exit(0)

    monkeypatch.setattr(presence, "Heartbeat", stopped_before_the_heartbeat_starts)
    with pytest.raises(SystemExit), presence.announced("test:1:1"):
        pass
    assert Worker.objects.count() == 0
