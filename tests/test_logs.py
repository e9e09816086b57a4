"""The readable log format (`make run`'s console, CAPSANTE_LOG_FORMAT=text) in French: a date
the French way, the level in a word, the libraries' lines in French; the JSON format keeps the
libraries' words (a record is formatted on a copy). The served demo's own log:
tests/browser/test_served_demo.py; the worker's: capsante/jobs/tests/test_worker_console.py."""

import logging

from capsante.logs import FrenchText


def test_a_worker_s_line_in_french_and_the_record_left_as_it_was_for_other_handlers():
    record = logging.LogRecord(
        "django_tasks_db", logging.INFO, __file__, 1, "Starting worker worker_id=%s queues=%s",
        ("vm:12:345", "default"), None,
    )  # fmt: skip
    assert (
        FrenchText()
        .format(record)
        .endswith(" info django_tasks_db : travailleur vm:12:345 en service, file : default")
    )
    assert (record.levelname, record.getMessage()) == (
        "INFO",
        "Starting worker worker_id=vm:12:345 queues=default",
    )
