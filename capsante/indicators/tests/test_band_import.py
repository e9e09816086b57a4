"""A compute imports the forecasts' SciPy in a thread while it stores its values; it must not
return before that thread has ended: a thread still importing as the process exits aborts it
(`terminate called after throwing an instance of ''`, an import command ending with code -6)."""

import threading
import time

import pytest

from capsante.engine import forecast
from capsante.indicators import services


@pytest.mark.django_db
def test_a_compute_returns_once_the_import_it_started_has_ended(geography, staged, monkeypatch):
    ended = threading.Event()

    def slow_import():
        time.sleep(0.5)  # longer than the store and the assessment of this small compute
        ended.set()

    monkeypatch.setattr(forecast, "_import_band", slow_import)

    services.compute_and_store(codes=["MES_ACTIVATION"])

    assert ended.is_set()
    assert not [t for t in threading.enumerate() if t.name == "band-import"]
