"""What is counted month by month is shown for the months that have ended.

On 4 December the demo's dashboards read « Activités des ambassadeurs : 3 (décembre 2026) »
beside November's whole month, and a target on such a count would have been assessed on December's
first four days. The committee report already compared these counts on their last month ended;
now the pages, the statuses and the open data do too, while a total so far (the share of accounts
activated) keeps its month in progress. The months are taken from today, whatever day the tests
run."""

import csv
import datetime as dt

import pytest
from django.utils import timezone

from capsante.engine.periods import months_between
from capsante.indicators import services
from capsante.indicators.models import MONTHS_ENDED_RULE, Indicator, IndicatorValue, Target
from capsante.reports import opendata
from capsante.ui.formats import month

pytestmark = pytest.mark.django_db


def _month_before(period: str, count: int = 1) -> str:
    year, number = int(period[:4]), int(period[5:7]) - count
    while number < 1:
        year, number = year - 1, number + 12
    return f"{year}-{number:02d}"


@pytest.fixture
def counts(geography):
    """Events held in Mayenne: 10 and 12 in the two months before this one, 3 so far this month;
    the share of accounts activated, 20 % last month and 24 % this month."""
    services.sync_catalogue()
    now = services.current_month()
    last, before = _month_before(now), _month_before(now, 2)
    mayenne = geography["mayenne"]
    for code, values in {
        "EVENTS_HELD": {before: 10, last: 12, now: 3},
        "MES_ACTIVATION": {last: 20.0, now: 24.0},
    }.items():
        for period, value in values.items():
            IndicatorValue.objects.create(
                indicator=Indicator.objects.get(code=code),
                territory=mayenne,
                period=period,
                value=value,
                numerator=value,
            )
    return {"now": now, "last": last, "before": before, "mayenne": mayenne}


def test_a_monthly_count_shows_its_last_month_ended_and_a_total_its_month_in_progress(
    client, counts
):
    assert Indicator.objects.get(code="EVENTS_HELD").counted_each_month
    assert not Indicator.objects.get(code="MES_ACTIVATION").counted_each_month

    dashboard = client.get("/indicateurs/territoire/departement/53/").content.decode()
    # The card of events reads last month's 12, the month named; the share its current month.
    assert f"En {month(counts['last'])}" in dashboard
    assert f"En {month(counts['now'])}" in dashboard  # the share of accounts activated

    page = client.get("/indicateurs/EVENTS_HELD/departement/53/").content.decode()
    assert f"en {month(counts['last'])}" in page
    assert month(counts["before"]) in page
    # Neither in the table nor as the latest value: only where the page says it is not shown.
    assert page.count(month(counts["now"])) == 1
    assert f"Compté mois par mois : {month(counts['now'])}, en cours, sera montré" in page

    share = client.get("/indicateurs/MES_ACTIVATION/departement/53/").content.decode()
    assert f"en {month(counts['now'])}" in share

    latest = services.latest_value(Indicator.objects.get(code="EVENTS_HELD"), counts["mayenne"])
    assert (latest.period, latest.value) == (counts["last"], 12)


def test_the_api_says_which_indicators_are_counted_month_by_month_and_gives_every_month(
    client, counts
):
    events = client.get("/api/v1/indicators/EVENTS_HELD").json()
    assert events["counted_each_month"] is True
    assert client.get("/api/v1/indicators/MES_ACTIVATION").json()["counted_each_month"] is False
    # Partners' programs read the month so far too, with its month: they are told what it is.
    values = client.get("/api/v1/values?indicator=EVENTS_HELD&level=departement").json()["items"]
    assert {v["period"] for v in values} >= {counts["last"], counts["now"]}


def test_a_target_on_a_monthly_count_is_assessed_on_months_that_have_ended(counts):
    deadline = _month_before(counts["now"], -6)
    target = Target.objects.create(
        indicator=Indicator.objects.get(code="EVENTS_HELD"),
        territory=counts["mayenne"],
        target_value=12,
        deadline=deadline,
    )
    assessment = services.assess(target)
    # Last month's 12 meets the target; this month's 3 so far, read as the last value, did not.
    assert assessment.status.value == "atteint"
    assert assessment.last_period == counts["last"]
    assert months_between(assessment.last_period, counts["now"]) == 1


def test_the_catalogue_and_the_open_data_say_so_and_publish_the_months_ended(
    client, counts, settings, tmp_path
):
    page = client.get("/indicateurs/").content.decode().replace("&#x27;", "’")
    assert MONTHS_ENDED_RULE in page
    # Each indicator concerned says so in its row of the catalogue; the others do not.
    rows = {row.split("</strong>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[1:]}
    assert "Compté mois par mois" in rows["Événements d’animation tenus"]
    assert "Compté mois par mois" not in rows["Activation de Mon espace santé"]

    settings.DATA_DIR = tmp_path
    opendata.export(tmp_path, timezone.make_aware(dt.datetime(2026, 12, 4, 10, 0)))
    with (tmp_path / "valeurs.csv").open(encoding="utf-8") as values:
        rows = [(r["code_indicateur"], r["mois"]) for r in csv.DictReader(values)]
    assert ("EVENTS_HELD", counts["last"]) in rows
    assert ("EVENTS_HELD", counts["now"]) not in rows
    assert ("MES_ACTIVATION", counts["now"]) in rows
    description = (tmp_path / "datapackage.json").read_text(encoding="utf-8")
    assert "n’est montré que pour les mois achevés" in description
