"""The events' indicators by audience, from the demo through the whole chain: demo events,
their registrants marked present (purged to counts for past events), the staged tables
`event_activity` and `event_audiences`, the engine; values per territory and month."""

import datetime as dt
from collections import Counter

import pytest

from capsante.events import counts
from capsante.events.models import Event, EventKind, EventStatus, Tally

pytestmark = pytest.mark.django_db

PROFESSIONALS = {
    "medecins",
    "pharmaciens",
    "infirmiers",
    "autres_professionnels",
    "esms",
    "etablissements",
}


def value(code, level, territory, period):
    from capsante.indicators.models import IndicatorValue

    found = IndicatorValue.objects.filter(
        indicator__code=code,
        territory__level=level,
        territory__code=territory,
        period=period,
        is_current=True,
    ).first()
    return found.value if found else None


@pytest.fixture
def demo_indicators(seeded_roadmaps, settings, tmp_path):
    from capsante.events.demo import load_demo_events
    from capsante.indicators.services import sync_catalogue

    settings.STAGING_DIR = tmp_path / "staging"
    sync_catalogue()
    load_demo_events(today=dt.date(2026, 5, 4))
    return counts.export_activity()


def test_participants_by_audience_from_the_demo_departmental_day(demo_indicators):
    assert "2023-10" in demo_indicators
    day = Event.objects.get(kind=EventKind.DEPARTMENTAL_DAY)
    present: Counter = Counter()
    for tally in Tally.objects.filter(event=day):
        present[tally.audience] += tally.attended
    citizens = present["citoyens"]
    professionals = sum(n for a, n in present.items() if a in PROFESSIONALS)
    elected = present["elus"] + present["agents_collectivites"]
    assert citizens and professionals and elected
    for level, code in (("departement", "72"), ("region", "52"), ("commune", "72181")):
        assert value("EVENT_PARTICIPANTS_CITIZENS", level, code, "2023-10") == citizens
        assert value("EVENT_PARTICIPANTS_PROFESSIONALS", level, code, "2023-10") == professionals
        assert value("EVENT_PARTICIPANTS_ELECTED", level, code, "2023-10") == elected
    assert value("EVENT_PARTICIPANTS", "departement", "72", "2023-10") == sum(present.values())
    assert value("EVENT_PARTICIPANTS_CITIZENS", "departement", "53", "2023-10") is None


def test_audience_table_counts_walk_ins_without_an_audience(geography):
    from capsante.events.models import Registration

    from .conftest import paris

    event = Event.objects.create(
        territory=geography["sarthe"],
        kind=EventKind.ACTIVATION_WORKSHOP,
        title="Atelier",
        commune=geography["communes"]["72003"],
        starts_at=paris(2025, 3, 4, 9),
        ends_at=paris(2025, 3, 4, 11),
        status=EventStatus.HELD,
        participants=5,
    )
    for n, audience in enumerate(["citoyens", "citoyens", "mediateurs"]):
        Registration.objects.create(
            event=event,
            name=f"P{n}",
            email=f"p{n}@example.org",
            audience=audience,
            commune=geography["communes"]["72181"],  # counted where the workshop was
            status="confirmed",
            attended=True,
            consented_at=event.starts_at,
        )
    rows = counts.audience_table().to_pylist()
    assert [(r["commune_code"], r["audience"], r["participants"]) for r in rows] == [
        ("72003", "", 2),
        ("72003", "citoyens", 2),
        ("72003", "mediateurs", 1),
    ]
    assert {r["kind"] for r in rows} == {"atelier_activation"}
