"""A compute imports the forecasts' SciPy in a thread while it stores its values; it must not
return before that thread has ended: a thread still importing as the process exits aborts it
(`terminate called after throwing an instance of ''`, an import command ending with code -6)."""

import threading
import time

import pyarrow as pa
import pytest

from capsante.engine import forecast
from capsante.indicators import services
from capsante.indicators.models import Indicator, Target
from capsante.ingest.staging import StagingStore


@pytest.mark.django_db
def test_a_compute_returns_once_the_import_it_started_has_ended(geography, staged, monkeypatch):
    ended = threading.Event()

    def slow_import():
        time.sleep(0.5)  # longer than the store and the assessment of this small compute
        ended.set()

    monkeypatch.setattr(forecast, "_import_band", slow_import)
    services.sync_catalogue()
    Target.objects.create(
        indicator=Indicator.objects.get(code="MES_ACTIVATION"),
        territory=geography["sarthe"],
        target_value=90,
        deadline="2026-12",
    )

    services.compute_and_store(codes=["MES_ACTIVATION"])

    assert ended.is_set()
    assert not [t for t in threading.enumerate() if t.name == "band-import"]


@pytest.mark.django_db
def test_a_compute_of_indicators_without_a_target_does_not_import_it(
    geography, staged, monkeypatch
):
    """Nothing to assess (an import's recompute of documents per inhabitant, which no roadmap
    has a target for): the store is not slowed by an import sharing its interpreter for
    nothing."""
    months = [f"2025-{m:02d}" for m in range(1, 13)]  # a full window of twelve months
    StagingStore(staged).write(
        "am_dmp_documents",
        pa.table(
            {
                "period": [month for month in months for _ in range(2)],
                "commune_code": ["72181", "53130"] * len(months),
                "document_type": ["CR"] * 2 * len(months),
                "documents": [50_000, 16_000] * len(months),
            }
        ),
    )
    started = []
    monkeypatch.setattr(forecast, "_import_band", lambda: started.append(True))

    run = services.compute_and_store(codes=["DMP_DOCS_PER_INHABITANT"], periods=["2025-12"])

    assert not Target.objects.filter(indicator__code="DMP_DOCS_PER_INHABITANT").exists()
    assert run.new_versions > 0 and not started
