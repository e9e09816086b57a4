"""The charts say what they draw.

The review of 7 December found a dashboard card whose small line drew the last 24 months, a
constant 66,7 %, along its bottom edge (read as zero) while its text for screen readers said
« de 0,0 à 66,7 », the series' first month three years before; an indicator page with a single
month drew nothing (a line of one point has no length) under an axis ending at 80 for 91 %;
and its legend listed « 91,0 % à 91,0 % » five times."""

import re

import pytest

from capsante.engine.periods import month_range
from capsante.indicators import services
from capsante.indicators.models import Indicator, IndicatorValue
from capsante.ui.formats import month

pytestmark = pytest.mark.django_db

LAST = "2026-10"
DRAWN = 24  # the months a card's small line draws


def _values(indicator: Indicator, territory, by_month: dict[str, float]) -> None:
    for period, value in by_month.items():
        IndicatorValue.objects.create(
            indicator=indicator,
            territory=territory,
            period=period,
            value=value,
            numerator=value,
            denominator=100,
        )


@pytest.fixture
def activations():
    services.sync_catalogue()
    return Indicator.objects.get(code="MES_ACTIVATION")


def test_a_cards_line_and_its_words_cover_the_same_months(client, geography, activations):
    # 30 months: 0 for six, then 66.7 for the 24 the card draws.
    months = month_range("2024-05", LAST)
    assert len(months) == 30
    _values(
        activations,
        geography["mayenne"],
        {p: (0.0 if i < 6 else 66.7) for i, p in enumerate(months)},
    )
    page = client.get("/indicateurs/territoire/departement/53/").content.decode()
    card = page[page.index("Activation de Mon espace santé") :]
    spark = re.search(
        r'<svg class="cap-sparkline"[^>]*aria-label="([^"]*)"[^>]*>\s*<path d="([^"]*)"', card
    )
    assert spark, "the card has no small line"
    label, path = spark.groups()
    drawn = months[-DRAWN:]
    assert label == f"Évolution de {month(drawn[0])} à {month(LAST)} : stable à 66,7\u00a0%"
    assert "0,0" not in label
    heights = {float(point.split(",")[1]) for point in re.findall(r"[ML]([\d.]+,[\d.]+)", path)}
    # A line that never moves is drawn across the middle of the card's 32 pixels, not its bottom.
    assert heights == {16.0}


def test_a_cards_words_give_the_first_and_last_value_it_draws(client, geography, activations):
    months = month_range("2024-05", LAST)
    _values(activations, geography["mayenne"], {p: 10.0 + i for i, p in enumerate(months)})
    page = client.get("/indicateurs/territoire/departement/53/").content.decode()
    drawn = months[-DRAWN:]
    assert f"Évolution de {month(drawn[0])} à {month(LAST)} : de 16,0\u00a0% à 39,0\u00a0%" in page


def test_a_single_month_is_drawn_as_a_dot_under_an_axis_that_reaches_it(
    client, geography, activations
):
    _values(activations, geography["sarthe"], {"2024-06": 91.03})
    _values(activations, geography["region"], {"2024-06": 91.03})
    page = client.get("/indicateurs/MES_ACTIVATION/region/52/").content.decode()
    chart = page[
        page.index('<svg class="cap-chart"') : page.index(
            "</svg>", page.index('<svg class="cap-chart"')
        )
    ]
    assert re.search(r'<circle class="cap-chart-dot" cx="[\d.]+" cy="[\d.]+"', chart)
    ticks = [
        float(t.replace(",", ".")) for t in re.findall(r'fill="#3a3a3a">([\d,]+)</text>', chart)
    ]
    assert max(ticks) >= 91.03
    assert ">2024</text>" in chart  # the month's year under it, though the span has no January
    # The children's map legend: one class, said once, as the one value it is.
    assert "Classes : 91,0\u00a0%</p>" in page
