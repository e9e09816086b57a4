"""The ambassadors of Mon espace santé: a directory for the partners in scope only, activity
logged by the département's contributors, their activity as indicators per territory and month
(from the demo, through the staged table), erased some months after they left the network.
And the demo's year of events: activation workshops in France Services desks, webinars, an
evening for elected officials, with their attendance feeding the indicators."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from capsante.events import ambassadors, counts
from capsante.events.models import (
    Ambassador,
    AmbassadorActivity,
    AmbassadorStatus,
    Event,
    EventKind,
    EventStatus,
    Tally,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 4)


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
def network(geography):
    from capsante.events.demo import load_demo_ambassadors

    return load_demo_ambassadors(today=TODAY)


def test_the_directory_is_for_the_partners_of_the_departement(client, personas, network):
    sarthe = [a for a in network if a.territory.code == "72"]
    mayenne = [a for a in network if a.territory.code == "53"]
    assert len(sarthe) >= 20 and len(mayenne) >= 10
    assert client.get("/evenements/ambassadeurs/").status_code == 302  # sign in first
    client.force_login(personas["cpam72_contributor"])
    page = client.get("/evenements/ambassadeurs/").content.decode()
    assert sarthe[0].name in page and sarthe[0].organisation in page
    assert mayenne[0].email not in page
    assert "effacées 12 mois après le départ" in page
    assert client.get(f"/evenements/ambassadeurs/{mayenne[0].pk}/").status_code == 404
    client.force_login(personas["dt53_editor"])
    page = client.get("/evenements/ambassadeurs/").content.decode()
    assert mayenne[0].organisation in page and sarthe[0].email not in page
    # Never on a public page.
    client.logout()
    assert sarthe[0].name not in client.get("/evenements/").content.decode()


def test_a_contributor_logs_an_activity_and_its_month_is_recomputed(
    client, personas, network, settings, tmp_path, run_jobs, django_capture_on_commit_callbacks
):
    from capsante.indicators.services import sync_catalogue

    settings.STAGING_DIR = tmp_path / "staging"
    sync_catalogue()
    ambassador = next(a for a in network if a.territory.code == "72" and a.commune.code == "72181")
    client.force_login(personas["elected_reader"])
    page = client.get(f"/evenements/ambassadeurs/{ambassador.pk}/").content.decode()
    assert "Enregistrer une activité" not in page  # a reader reads
    assert client.post(f"/evenements/ambassadeurs/{ambassador.pk}/activite/", {}).status_code == 403
    client.force_login(personas["cpam72_contributor"])
    before = AmbassadorActivity.objects.filter(
        commune__code="72181", date__year=2026, date__month=5
    )
    expected_people = sum(before.values_list("people", flat=True)) + 17
    expected_count = before.count() + 1
    form = {"kind": "atelier", "date": "2026-05-02", "people": "17", "commune_name": "", "note": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/evenements/ambassadeurs/{ambassador.pk}/activite/", form)
    assert response.status_code == 302
    (job,) = [j for j in run_jobs() if j.kind == "events"]
    assert job.status == "succeeded", job.message
    assert value("AMBASSADOR_PEOPLE_REACHED", "commune", "72181", "2026-05") == expected_people
    assert value("AMBASSADOR_ACTIVITIES", "commune", "72181", "2026-05") == expected_count
    page = client.get(response["Location"]).content.decode()
    assert "Atelier co-animé" in page and "17" in page
    # A commune of another département, or a day to come, is refused.
    bad = form | {"commune_name": "Laval", "date": "2026-05-01"}
    response = client.post(f"/evenements/ambassadeurs/{ambassador.pk}/activite/", bad)
    assert response.status_code == 400 and "pas dans le département" in response.content.decode()


def test_the_demo_ambassadors_activity_has_values_per_territory_and_month(
    network, settings, tmp_path
):
    from capsante.indicators.services import sync_catalogue

    settings.STAGING_DIR = tmp_path / "staging"
    sync_catalogue()
    written = counts.export_activity()
    activities = AmbassadorActivity.objects.all()
    months = sorted({a.date.strftime("%Y-%m") for a in activities})
    assert len(months) >= 12 and set(months) <= set(written)
    for code in ("72", "53"):
        mine = [a for a in activities if a.territory.code == code]
        by_month = Counter(a.date.strftime("%Y-%m") for a in mine)
        people = Counter()
        for a in mine:
            people[a.date.strftime("%Y-%m")] += a.people
        for month in sorted(by_month)[-6:]:
            assert value("AMBASSADOR_ACTIVITIES", "departement", code, month) == by_month[month]
            assert value("AMBASSADOR_PEOPLE_REACHED", "departement", code, month) == people[month]


def test_those_who_left_are_erased_after_the_retention_their_activity_stays(network):
    gone = [a for a in network if a.status == AmbassadorStatus.LEFT]
    assert gone
    kept = AmbassadorActivity.objects.filter(ambassador__in=gone).count()
    assert ambassadors.purge_ambassadors(today=TODAY) == 0  # left 40 days ago
    assert ambassadors.purge_ambassadors(today=TODAY + dt.timedelta(days=400)) == len(gone)
    assert not Ambassador.objects.filter(pk__in=[a.pk for a in gone]).exists()
    assert AmbassadorActivity.objects.filter(ambassador=None).count() == kept > 0


def test_the_demo_year_of_events_is_held_counted_and_feeds_the_indicators(
    seeded_roadmaps, settings, tmp_path, client
):
    from capsante.events.demo import load_demo_year
    from capsante.indicators.services import sync_catalogue

    settings.STAGING_DIR = tmp_path / "staging"
    sync_catalogue()
    created = load_demo_year(today=TODAY)
    assert load_demo_year(today=TODAY) == []  # once
    kinds = Counter((e.territory.code, e.kind) for e in created)
    for code in ("72", "53"):
        assert kinds[(code, EventKind.ACTIVATION_WORKSHOP)] == 13
        assert kinds[(code, EventKind.WEBINAR)] >= 4
        assert kinds[(code, EventKind.EVENING)] == 1
    workshops = [e for e in created if e.kind == EventKind.ACTIVATION_WORKSHOP]
    assert all(e.venue == "Espace France Services" and e.commune_id for e in workshops)
    held = [e for e in created if e.status == EventStatus.HELD]
    upcoming = [e for e in created if e.status == EventStatus.PUBLISHED]
    assert len(held) > 20 and upcoming
    counts.export_activity()
    # Citizens reached in the activation workshops, per département and month: the present
    # registrants (tallied once purged) of that month's workshops.
    reached: Counter = Counter()
    for e in Event.objects.filter(pk__in=[e.pk for e in held]).select_related("commune__parent"):
        if e.kind != EventKind.ACTIVATION_WORKSHOP:
            continue
        month = timezone.localtime(e.starts_at).strftime("%Y-%m")
        if e.registrations_purged_at:
            present = sum(t.attended for t in Tally.objects.filter(event=e, audience="citoyens"))
        else:
            present = e.registrations.filter(attended=True, audience="citoyens").count()
        reached[(e.commune.parent.code, month)] += present
    assert len(reached) >= 20
    for (code, month), number in reached.items():
        assert value("ACTIVATION_CITIZENS_REACHED", "departement", code, month) == number
    page = client.get("/evenements/?type=atelier_activation&du=2025-05-01").content.decode()
    assert "Atelier d’activation de Mon espace santé à" in page
    assert Event.objects.filter(kind=EventKind.EVENING, status=EventStatus.HELD).count() == 2


def test_the_admin_finds_an_ambassador_to_correct_or_erase(admin_client, network):
    ambassador = network[0]
    page = admin_client.get("/admin/events/ambassador/", {"q": ambassador.email}).content.decode()
    assert ambassador.name in page
    for path in (
        f"/admin/events/ambassador/{ambassador.pk}/change/",
        "/admin/events/ambassadoractivity/",
        "/admin/events/registration/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_the_directory_pages_list_everyone_once_in_alphabetical_order(client, personas, network):
    sarthe = next(a.territory for a in network if a.territory.code == "72")
    Ambassador.objects.bulk_create(
        Ambassador(territory=sarthe, name=f"Zoé Martin {n:02d}", organisation="France Services")
        for n in range(60)
    )
    editor = personas["dt72_editor"]
    in_scope = ambassadors.visible_ambassadors(editor)
    expected = list(in_scope.order_by("name", "pk"))  # the database's collation, as the page
    client.force_login(editor)
    seen = []
    for number in range(1, len(expected) // 50 + 2):
        page = client.get("/evenements/ambassadeurs/", {"page": number}).context["page"]
        seen += list(page.object_list)
    assert [a.pk for a in seen] == [a.pk for a in expected]
