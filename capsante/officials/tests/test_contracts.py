"""Contrats Locaux de Santé through the real chain: an editor's form → the staged tables →
the engine → the share of signed CLS including e-health per territory, with Sarthe's 100 %
target; the EPCI page for partners."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from capsante.indicators.models import IndicatorValue, Target
from capsante.indicators.services import current_month, sync_catalogue
from capsante.officials import counts
from capsante.officials.models import Axis, Contract, ContractStatus, Official, WorkingGroup
from capsante.territories.models import GroupingKind, Level, Territory


def value(code, level, territory, period=None):
    found = IndicatorValue.objects.filter(
        indicator__code=code,
        territory__level=level,
        territory__code=territory,
        period=period or current_month(),
        is_current=True,
    ).first()
    return found.value if found else None


@pytest.fixture
def contracts(geography, settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    sync_catalogue()
    communes = geography["communes"]
    fleche = Territory.objects.create(
        level=Level.GROUPING, code="CLS-FLECHE", name="CLS du Pays fléchois",
        grouping_kind=GroupingKind.CLS,
    )  # fmt: skip
    fleche.members.set([communes["72154"]])
    le_mans = Contract.objects.create(
        name="CLS du Mans",
        territory=geography["epci"]["le_mans"],
        status=ContractStatus.SIGNED,
        signed_on=dt.date(2024, 1, 10),
    )
    Axis.objects.create(contract=le_mans, title="Mon espace santé", progress=40)
    WorkingGroup.objects.create(contract=le_mans, date=dt.date(2026, 2, 3), topic="Accès")
    Contract.objects.create(
        name="CLS fléchois", territory=fleche, status=ContractStatus.SIGNED,
        signed_on=dt.date(2024, 3, 1),
    )  # fmt: skip
    Contract.objects.create(
        name="CLS de Laval", territory=geography["epci"]["laval"],
        status=ContractStatus.PREPARING,
    )  # fmt: skip
    return {"le_mans": le_mans, "fleche": fleche}


@pytest.mark.django_db
def test_share_of_signed_cls_with_ehealth_per_territory_with_sarthe_target(
    geography, contracts, client, personas, run_jobs, django_capture_on_commit_callbacks
):
    counts.export_contracts()
    assert value("CLS_EHEALTH_SHARE", "departement", "72") == 50  # 1 of 2 signed
    assert value("CLS_EHEALTH_SHARE", "epci", "247200132") == 100
    assert value("CLS_EHEALTH_SHARE", "groupement", "CLS-FLECHE") == 0
    assert value("CLS_EHEALTH_SHARE", "departement", "53") is None  # nothing signed
    assert value("CLS_WORKING_GROUPS", "departement", "72", "2026-02") == 1
    target = Target.objects.get(indicator__code="CLS_EHEALTH_SHARE", territory__code="72")
    assert target.target_value == 100

    # The DT 72 editor writes an e-health axis into the Pays fléchois CLS: Sarthe reaches 100 %.
    fleche = Contract.objects.get(name="CLS fléchois")
    client.force_login(personas["dt72_editor"])
    form = {
        "name": fleche.name,
        "territory": contracts["fleche"].pk,
        "status": "signe",
        "signed_on": "2024-03-01",
        "ends_on": "2029-02-28",
        "signatories": "ARS\nCommunauté de communes",
        "coordinator_name": "Coordination",
        "coordinator_email": "cls@example.org",
        "notes": "",
        "axes-TOTAL_FORMS": "1",
        "axes-INITIAL_FORMS": "0",
        "axes-0-title": "Téléconsultation accompagnée",
        "axes-0-actions": "Recenser les lieux",
        "axes-0-progress": "10",
        "axes-0-order": "1",
        "groupes-TOTAL_FORMS": "0",
        "groupes-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("officials:contract_edit", args=[fleche.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    jobs = run_jobs()
    assert [j.kind for j in jobs] == ["contracts"] and jobs[0].status == "succeeded"
    assert value("CLS_EHEALTH_SHARE", "departement", "72") == 100
    page = client.get(reverse("officials:contract", args=[fleche.pk])).content.decode()
    assert "Téléconsultation accompagnée" in page and "Intègre la e-santé" in page
    assert "Historique" in page and "ARS" in page


@pytest.mark.django_db
def test_epci_page_shows_officials_contracts_events_and_indicators(
    geography, contracts, client, personas
):
    counts.export_contracts()
    Official.objects.create(
        commune=geography["communes"]["72181"], civility="Mme", last_name="DUPONT",
        first_name="Claire", function="maire", epci=geography["epci"]["le_mans"],
        epci_function="president", email="mairie@lemans.example.org",
    )  # fmt: skip
    url = reverse("officials:epci", args=["247200132"])
    client.force_login(personas["elected_reader"])
    page = client.get(url).content.decode()
    assert "Mme Claire DUPONT" in page and "Présidente de l’EPCI" in page
    assert "CLS du Mans" in page
    assert "Contrats locaux de santé signés intégrant la e-santé" in page and "100" in page
    territory = client.get(reverse("territories:detail", args=["epci", "247200132"]))
    assert url in territory.content.decode()
    client.force_login(personas["dt53_editor"])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    public = client.get(reverse("territories:detail", args=["epci", "247200132"]))
    assert url not in public.content.decode()


@pytest.mark.django_db
def test_editor_makes_the_epci_officials_list_and_an_invitation(
    geography, contracts, client, personas
):
    from capsante.events.models import Event, EventKind, EventStatus

    Official.objects.create(
        commune=geography["communes"]["72003"], civility="M.", last_name="MARTIN",
        first_name="Paul", function="maire", email="mairie@allonnes.example.org",
    )  # fmt: skip
    event = Event.objects.create(
        territory=geography["sarthe"], kind=EventKind.EVENING, title="Soirée e-santé",
        commune=geography["communes"]["72181"],
        starts_at=dt.datetime(2099, 3, 12, 18, tzinfo=dt.UTC),
        ends_at=dt.datetime(2099, 3, 12, 20, tzinfo=dt.UTC), status=EventStatus.PUBLISHED,
    )  # fmt: skip
    client.force_login(personas["dt72_editor"])
    response = client.post(reverse("officials:epci_list", args=["247200132"]))
    assert response.status_code == 302
    from capsante.officials.models import OfficialsList

    officials_list = OfficialsList.objects.get(territory=geography["epci"]["le_mans"])
    assert list(officials_list.mailing_list.subscribers.values_list("email", flat=True)) == [
        "mairie@allonnes.example.org"
    ]
    response = client.post(
        reverse("officials:epci_invite", args=["247200132"]),
        {"event": event.pk, "mailing_list": officials_list.pk},
    )
    assert response.status_code == 302
    issue = officials_list.mailing_list.issues.get()
    assert "Soirée e-santé" in issue.subject and f"/evenements/{event.pk}/" in issue.body


@pytest.mark.parametrize("code", counts.INDICATORS)
def test_the_contracts_indicators_document_themselves(code):
    from capsante.engine import load_definitions
    from capsante.engine.tests.test_catalogue import normalise

    definition = {d.code: d for d in load_definitions()}[code]
    page = definition.doc_path.read_text(encoding="utf-8")
    for heading in ("## Ce que mesure", "## Formule", "## Source", "## Limites connues"):
        assert heading in page
    assert definition.name in page
    assert normalise(definition.numerator_sql) in normalise(page)
    assert normalise(definition.denominator_sql or "") in normalise(page)


@pytest.mark.django_db
def test_the_objective_page_lists_the_cls_axes_serving_it(
    geography, contracts, seeded_roadmaps, client, personas
):
    roadmap = seeded_roadmaps["72"]
    objective = roadmap.objectives.all()[2]  # « Renforcer la représentation des élus locaux »
    Axis.objects.filter(contract=contracts["le_mans"]).update(objective=objective)
    url = reverse("roadmaps:objective", args=[roadmap.pk, 3])
    client.force_login(personas["elected_reader"])
    page = client.get(url).content.decode()
    assert "CLS du Mans" in page and "Mon espace santé" in page and "40&nbsp;%" in page
    client.logout()
    assert "CLS du Mans" not in client.get(url).content.decode()
    department = client.get(reverse("territories:detail", args=["departement", "72"]))
    assert reverse("officials:contracts") not in department.content.decode()
    client.force_login(personas["dt72_editor"])
    department = client.get(reverse("territories:detail", args=["departement", "72"]))
    assert reverse("officials:contracts") in department.content.decode()


@pytest.mark.django_db
def test_a_signed_contract_past_its_end_reads_expired_and_leaves_the_share(
    geography, contracts, client, personas
):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    le_mans = contracts["le_mans"]
    le_mans.ends_on = yesterday
    le_mans.save()
    counts.export_contracts()
    # Only the Pays fléchois contract (no e-health axis) is in force this month... unless the
    # Le Mans one ended earlier this very month, when it still counts for the month.
    expected = 50 if yesterday.strftime("%Y-%m") == current_month() else 0
    assert value("CLS_EHEALTH_SHARE", "departement", "72") == expected
    client.force_login(personas["dt72_editor"])
    page = client.get(reverse("officials:contract", args=[le_mans.pk])).content.decode()
    assert "Échu" in page and ">Signé<" not in page
    listing = client.get(reverse("officials:contracts")).content.decode()
    assert "Échu" in listing


@pytest.mark.django_db
def test_the_contract_s_history_dates_its_working_groups_in_words(contracts, client, personas):
    """The contract page's history names a working group as people write it: « Accès (3 février
    2026) », not « Accès (2026-02-03) »."""
    client.force_login(personas["dt72_editor"])
    page = client.get(reverse("officials:contract", args=[contracts["le_mans"].pk])).content
    assert "Accès (3 février 2026)" in page.decode()
    assert "2026-02-03" not in page.decode()
