"""List pages cost the same number of queries whatever the length of their list (no N+1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capsante.campaigns import services as campaigns
from capsante.campaigns.models import Campaign, Stage
from capsante.committees.models import Committee, Meeting
from capsante.establishments.models import Establishment
from capsante.imports.models import ImportRecord, ImportStatus
from capsante.indicators import services as indicators
from capsante.indicators.models import Indicator


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def imports(count: int, personas, geography) -> None:
    for n in range(count):
        record = ImportRecord.objects.create(
            source="finess",
            file_name=f"finess-{n}.csv",
            user=personas["ars_admin"],
            status=ImportStatus.IMPORTED,
        )
        record.territories.set([geography["sarthe"]])


def entries(count: int, personas, geography) -> None:
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    for n in range(count):
        indicators.propose_manual_value(
            personas["cpam72_contributor"],
            indicator,
            geography["sarthe"],
            f"2025-{n % 12 + 1:02d}",
            10.0 + n,
            "courrier",
        )


def committees(count: int, personas, geography) -> None:
    for n in range(count):
        committee = Committee.objects.create(name=f"Comité {n}", territory=geography["sarthe"])
        Meeting.objects.create(committee=committee, date=dt.date(2026, 1, 1 + n))


def call_list(count: int, personas, geography) -> None:
    campaign, _ = Campaign.objects.get_or_create(
        slug="zero-fax-72",
        defaults={
            "name": "Zéro fax",
            "territory": geography["sarthe"],
            "category_groups": ["officine"],
            "started_on": dt.date(2026, 1, 1),
        },
    )
    if not campaign.stages.exists():
        for order, code in enumerate(("sans-mss", "boite-mss", "fax-ferme"), start=1):
            Stage.objects.create(campaign=campaign, order=order, code=code, label=code)
    start = Establishment.objects.count()
    for n in range(start, start + count):
        Establishment.objects.create(
            finess_et=f"7200{n:05d}",
            name=f"PHARMACIE {n}",
            category_group="officine",
            commune=geography["communes"]["72181"],
            departement_code="72",
        )
    campaigns.enrol(campaign)


PAGES = [
    ("/imports/", imports),
    ("/indicateurs/saisies/", entries),
    ("/comites/", committees),
    ("/campagnes/zero-fax-72/appels/", call_list),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "fill"), PAGES, ids=[url for url, _ in PAGES])
def test_a_list_page_does_not_query_once_per_row(client, personas, geography, url, fill):
    indicators.sync_catalogue()
    client.force_login(personas["ars_admin"])
    fill(3, personas, geography)
    few = queries(client, url)
    fill(9, personas, geography)
    many = queries(client, url)
    assert many == few, f"{url}: {few} queries for 3 rows, {many} for 12"
