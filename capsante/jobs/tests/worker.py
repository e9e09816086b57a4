"""Run the real queue in a test: django-tasks' database worker, in this process, until the queue
is empty (the tasks a job enqueues included)."""

import contextlib

from django.db import connection
from django_tasks_db.management.commands import db_worker

from capsante.jobs import holder


def run_queued_jobs() -> None:
    worker = db_worker.Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=holder.current().worker_id,
        excluded_queue_names=[],
    )
    with _keeping_the_test_transaction():
        worker.run()


@contextlib.contextmanager
def _keeping_the_test_transaction():
    """In a test wrapped in a transaction, the worker's check for stale connections would close
    the connection (it is not in autocommit mode) and lose the test's data: keep it open then."""
    if not connection.in_atomic_block:
        yield
        return
    original = db_worker.close_old_connections
    db_worker.close_old_connections = lambda **kwargs: None
    try:
        yield
    finally:
        db_worker.close_old_connections = original
