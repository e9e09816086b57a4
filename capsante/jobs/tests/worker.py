"""Run the real queue in a test: django-tasks' database worker, in this process, until the queue
is empty (the tasks a job enqueues included)."""

from django_tasks_db.management.commands.db_worker import Worker

from capsante.jobs import holder


def run_queued_jobs() -> None:
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=holder.current().worker_id,
        excluded_queue_names=[],
    ).run()
