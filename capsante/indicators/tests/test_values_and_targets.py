"""From staged data to the figures users see: sums not averages, versions, statuses, alerts."""

import json
import logging
import re

import pyarrow as pa
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.utils.text import capfirst

from capsante.engine.statuses import RULE as STATUS_RULE
from capsante.indicators import services, storage
from capsante.indicators.models import (
    ComputationRun,
    Indicator,
    IndicatorValue,
    ManualEntry,
    Target,
)
from capsante.ingest.staging import StagingStore
from capsante.territories.models import Level, Territory
from capsante.ui.formats import number
from capsante.ui.testing import table_rows

# Le Mans: 900 activated of 1,000; Allonnes 10 of 100; La Flèche 50 of 100 (Sarthe).
# Laval: 20 of 200; Mayenne: 60 of 100 (Mayenne).
SARTHE = {"72181": (900, 1000), "72003": (10, 100), "72154": (50, 100)}
MAYENNE = {"53130": (20, 200), "53147": (60, 100)}
MONTHS = {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {**SARTHE, **MAYENNE}}


def stage_mes(root, months: dict[str, dict[str, tuple[int, int]]]) -> None:
    rows = {
        "period": [],
        "commune_code": [],
        "beneficiaries": [],
        "activated": [],
        "with_document": [],
    }
    for period, communes in months.items():
        for code, (activated, beneficiaries) in communes.items():
            rows["period"].append(period)
            rows["commune_code"].append(code)
            rows["activated"].append(activated)
            rows["beneficiaries"].append(beneficiaries)
            rows["with_document"].append(0)
    StagingStore(root).write("am_mes_activations", pa.table(rows))


# PostgreSQL compares a small result figure by figure in the value table's unique key, a large
# one by joining whole tables (`storage._looked_up`): the rules of versions hold either way.
COMPARISONS = ["looked-up", "joined"] if connection.vendor == "postgresql" else ["looked-up"]


@pytest.fixture(params=COMPARISONS)
def comparison(request, monkeypatch, caplog):
    if request.param == "joined":
        monkeypatch.setattr(storage, "LOOKUP_LIMIT", 0)
    else:  # a test's few values: every figure looked up however few are stored
        monkeypatch.setattr(storage, "LOOKUP_FACTOR", 0)
    caplog.set_level(logging.INFO, logger="capsante.indicators.storage")
    yield request.param
    if connection.vendor == "postgresql":  # the test went the way it is named after
        steps = [r.getMessage() for r in caplog.get_records("call")]
        looked_up = any("match current versions, looked up" in step for step in steps)
        assert looked_up == (request.param == "looked-up"), steps


@pytest.fixture
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    return settings.STAGING_DIR


def validated_figure(personas, indicator, territory, figure=81.5) -> ManualEntry:
    """January 2025's figure entered by the Sarthe editor and validated by the regional admin."""
    entry = services.propose_manual_value(
        personas["dt72_editor"],
        indicator,
        territory,
        "2025-01",
        figure,
        "Courrier de la CPAM du 3 février",
    )
    services.review_manual_value(personas["ars_admin"], entry, accept=True)
    return entry


def value(code, territory, period="2025-01"):
    return IndicatorValue.objects.get(
        indicator__code=code, territory=territory, period=period, is_current=True
    )


@pytest.mark.django_db
def test_rates_aggregate_by_summing_numerators_and_denominators(geography, staging):
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    sarthe = value("MES_ACTIVATION", geography["sarthe"])
    assert (sarthe.numerator, sarthe.denominator) == (960, 1200)
    assert sarthe.value == pytest.approx(
        80.0
    )  # the mean of the three communes' rates would be 50 %
    region = value("MES_ACTIVATION", geography["region"])
    assert region.value == pytest.approx(100 * 1040 / 1500)
    le_mans_metropole = value("MES_ACTIVATION", geography["epci"]["le_mans"])
    assert le_mans_metropole.value == pytest.approx(100 * 910 / 1100)
    assert value("MES_ACTIVATION", geography["communes"]["72003"]).value == pytest.approx(10.0)


@pytest.mark.django_db
def test_a_recomputation_keeps_earlier_versions_readable(geography, staging, comparison):
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}})
    first = services.compute_and_store(codes=["MES_ACTIVATION"])
    again = services.compute_and_store(codes=["MES_ACTIVATION"])
    assert first.new_versions > 0 and again.new_versions == 0
    corrected = dict(SARTHE, **{"72003": (60, 100)})
    stage_mes(staging, {"2025-01": {**corrected, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-01"])
    versions = services.versions(
        Indicator.objects.get(code="MES_ACTIVATION"), geography["sarthe"], "2025-01"
    )
    assert [(v.version, v.is_current, v.numerator) for v in versions] == [
        (2, True, 1010),
        (1, False, 960),
    ]


def _growth(start: float, step: float, months: int) -> dict:
    return {
        f"2025-{m:02d}": {"53130": (int((start + step * m) * 10), 1000)}
        for m in range(1, months + 1)
    }


@pytest.mark.django_db
def test_status_is_computed_and_owners_are_told_when_it_worsens(
    geography, staging, personas, settings, django_capture_on_commit_callbacks, run_jobs
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    target, _ = Target.objects.update_or_create(
        indicator=indicator,
        territory=geography["mayenne"],
        defaults={"target_value": 30, "deadline": "2025-12", "baseline_period": "2025-01"},
    )
    stage_mes(staging, _growth(10, 2.0, 6))  # 12 % → 22 %: on course for 30 % by December
    services.compute_and_store(codes=["MES_ACTIVATION"], as_of="2025-06")
    target.refresh_from_db()
    assert target.status == "en_bonne_voie"
    assert mail.outbox == []
    stage_mes(
        staging, {f"2025-{m:02d}": {"53130": (120 + m, 1000)} for m in range(1, 7)}
    )  # flat at 12 %
    changes = services.assess_targets(indicators=[indicator], as_of="2025-06")
    assert changes == []  # staging changed, but values only change through a computation
    with django_capture_on_commit_callbacks(execute=True):
        services.compute_and_store(codes=["MES_ACTIVATION"], as_of="2025-06")
    assert mail.outbox == []  # sent by the mail batch job, not by the computation itself
    run_jobs()
    target.refresh_from_db()
    assert target.status == "hors_trajectoire"
    recipients = {r for m in mail.outbox for r in m.to}
    assert personas["dt53_editor"].email in recipients
    assert personas["dt72_editor"].email not in recipients
    assert "hors trajectoire" in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_target_s_history_keeps_its_changes_not_each_recompute(geography, staging):
    """Every compute assesses the targets again; the target's history (where people look for
    who changed it and when its status moved) gets a record when the assessment changes, not
    at each recompute that finds the same."""
    services.sync_catalogue()
    target = Target.objects.get(indicator__code="MES_ACTIVATION", territory=geography["mayenne"])
    stage_mes(staging, _growth(10, 2.0, 6))
    services.compute_and_store(codes=["MES_ACTIVATION"], as_of="2025-06")
    target.refresh_from_db()
    assessed, records = target.assessed_at, target.history.count()
    assert target.status and target.history.first().status == target.status

    services.compute_and_store(codes=["MES_ACTIVATION"], as_of="2025-06")  # nothing changed
    target.refresh_from_db()
    assert target.history.count() == records
    assert target.assessed_at > assessed  # assessed again all the same

    stage_mes(staging, {f"2025-{m:02d}": {"53130": (120 + m, 1000)} for m in range(1, 7)})
    services.compute_and_store(codes=["MES_ACTIVATION"], as_of="2025-06")
    target.refresh_from_db()
    assert target.history.count() == records + 1
    latest = target.history.first()
    assert (latest.status, latest.status_reason, latest.status_details) == (
        target.status,
        target.status_reason,
        target.status_details,
    )
    assert target.history.all()[1].status_details != target.status_details


@pytest.mark.django_db
def test_manual_entry_needs_a_second_person_to_validate(geography, staging, personas):
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="CARE_REGISTRATION")
    entry = services.propose_manual_value(
        personas["dt72_editor"],
        indicator,
        geography["sarthe"],
        "2024-11",
        93.0,
        "Courrier de l'ARS du 12/11/2024",
        numerator=93,
        denominator=100,
    )
    assert entry.status == "proposed"
    assert not IndicatorValue.objects.filter(indicator=indicator).exists()
    with pytest.raises(PermissionDenied):
        services.review_manual_value(personas["dt72_editor"], entry, accept=True)
    with pytest.raises(PermissionDenied):
        services.review_manual_value(personas["dt53_editor"], entry, accept=True)
    services.review_manual_value(personas["ars_admin"], entry, accept=True)
    stored = IndicatorValue.objects.get(
        indicator=indicator, territory=geography["sarthe"], period="2024-11"
    )
    assert stored.value == 93.0 and stored.manual_entry == entry
    assert "Courrier de l'ARS" in stored.provenance and "Bruno Sarthe" in stored.provenance
    with pytest.raises(PermissionDenied):
        services.propose_manual_value(
            personas["elected_reader"], indicator, geography["sarthe"], "2024-12", 1.0, "x"
        )
    assert ManualEntry.objects.count() == 1


@pytest.mark.django_db
def test_cli_compute_says_what_it_does_after_the_engine_in_french(geography, staging, capsys):
    """A national first compute stores for half a minute or more once the engine's bar is full:
    the command says each step meanwhile and how many values it has written, and writes its
    figures the French way."""
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}})
    call_command("indicators", "compute")
    first = capsys.readouterr()
    run = ComputationRun.objects.latest("pk")
    assert run.new_versions > 0
    lines = [line.strip() for line in re.split(r"[\r\n]+", first.err) if line.strip()]
    written = f"{number(run.new_versions)} sur {number(run.new_versions)} (100\u00a0%)"
    steps = [
        next(i for i, line in enumerate(lines) if line.startswith(start))
        for start in (
            "Indicateurs calculés : 100 %",
            "Comparaison avec les valeurs enregistrées…",
            f"Écriture des valeurs nouvelles ou modifiées : {written}",
            "Évaluation des cibles…",
        )
    ]
    assert steps == sorted(steps), lines
    assert f"{number(run.rows)}\u00a0valeurs calculées" in first.out
    assert re.search(r" en [0-9]+,[0-9] s \(préparation [0-9]+,[0-9] s, moteur", first.out)
    assert not re.search(r"[0-9]\.[0-9]", first.out + first.err), first  # no decimal point

    call_command("indicators", "compute")  # nothing changed: nothing to write
    again = capsys.readouterr()
    assert "0\u00a0nouvelle ou modifiée" in again.out
    assert "Comparaison avec les valeurs enregistrées…" in again.err
    assert "Écriture" not in again.err


@pytest.mark.django_db
def test_cli_show_prints_value_target_status_and_provenance(geography, staging, capsys):
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}})
    call_command("indicators", "compute", verbosity=0)
    capsys.readouterr()
    call_command("indicators", "show", "MES_ACTIVATION", "--territory", "72", "--format", "json")
    shown = json.loads(capsys.readouterr().out)
    assert (shown["numerator"], shown["denominator"], shown["value"]) == (
        960,
        1200,
        pytest.approx(80.0),
    )
    assert shown["period"] == "2025-01" and shown["provenance"].startswith("calcul n°")
    call_command("indicators", "show", "MES_ACTIVATION", "--territory", "R52")
    table = capsys.readouterr().out
    assert "valeur       : 69,33 %" in table
    assert "période      : janvier 2025\n" in table  # as the pages say it, not 2025-01
    # A territory the sources do not cover: said in words, not « — % » and four dashes.
    Territory.objects.create(level=Level.REGION, code="11", name="Île-de-France")
    call_command("indicators", "show", "MES_ACTIVATION", "--territory", "Ile-de-France")
    assert capsys.readouterr().out.splitlines()[1:] == [
        "  valeur       : aucune valeur calculée pour ce territoire",
        "  cible        : aucune",
    ]
    call_command("indicators", "list")
    listed = capsys.readouterr().out.splitlines()
    mes = next(line for line in listed if line.startswith("MES_ACTIVATION "))
    assert mes.endswith(
        "Activation de Mon espace santé — % ;"
        " somme des numérateurs divisée par la somme des dénominateurs"
    )
    # The names start in one column, after the longest code.
    assert len({len(line) - len(line.split(maxsplit=1)[1]) for line in listed}) == 1
    call_command("indicators", "list", "--format", "json")
    codes = {row["code"] for row in json.loads(capsys.readouterr().out)}
    assert {
        "MES_ACTIVATION",
        "INS_QUALIFICATION",
        "OFFICINES_FAX",
        "TELEEXPERTISE_SPECIALTIES",
    } <= codes


@pytest.mark.django_db
def test_dashboard_and_indicator_page_show_values_and_download_what_is_shown(
    geography, staging, client
):
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    page = client.get("/indicateurs/territoire/departement/72/").content.decode()
    assert "Activation de Mon espace santé" in page and "80,0\xa0%" in page
    detail = client.get("/indicateurs/MES_ACTIVATION/departement/72/")
    assert detail.status_code == 200
    assert "Le Mans Métropole" in detail.content.decode()
    csv_text = client.get(
        "/indicateurs/MES_ACTIVATION/departement/72/?format=csv&table=children"
    ).content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("code;territoire")
    assert len(lines) == 1 + 1  # the one EPCI of the Sarthe fixture with communes
    assert lines[1].startswith("247200132;Le Mans Métropole;2025-02;910")
    xlsx = client.get("/indicateurs/MES_ACTIVATION/departement/72/?format=xlsx&table=series")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.django_db
def test_the_table_of_monthly_values_writes_each_figure_as_the_page_does(
    geography, staging, client
):
    """The Mayenne's 80 activated of 300 read « 26,7 % » above its table and « 26,67 » in it
    (review of 7 December): the table writes the figure as shown, the région's beside it too.
    The download keeps every digit: it is for recounting."""
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    page = client.get("/indicateurs/MES_ACTIVATION/departement/53/").content.decode()
    assert "26,7\xa0%" in page
    rows = table_rows(page, "Valeurs mensuelles, territoires englobants, trajectoire et prévision")
    observed = [r[:3] for r in rows[:2]]  # the months after are the forecast's
    assert observed == [["janvier 2025", "26,7", "69,3"], ["février 2025", "26,7", "69,3"]]
    series = client.get("/indicateurs/MES_ACTIVATION/departement/53/?format=csv&table=series")
    assert ";26,666" in series.content.decode("utf-8-sig")


@pytest.mark.django_db
def test_roadmap_key_figures_show_the_live_value_of_their_indicator(
    geography, staging, seeded_roadmaps, client
):
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    mayenne = seeded_roadmaps["53"]
    page = client.get(f"/feuilles-de-route/{mayenne.pk}/").content.decode()
    # Mayenne: 80 activated of 300 → 26.7 %, shown beside the 30 % target of axis 1.
    assert (
        '<a href="/indicateurs/MES_ACTIVATION/departement/53/">26,7\xa0%</a> (janvier 2025)' in page
    )
    objective = client.get(f"/feuilles-de-route/{mayenne.pk}/objectifs/1/").content.decode()
    assert "Dernière valeur calculée" in objective and "(80 sur 300)" in objective


@pytest.mark.django_db
def test_manual_entry_through_the_pages(geography, staging, personas, client):
    services.sync_catalogue()
    client.force_login(personas["dt72_editor"])
    url = "/indicateurs/CARE_REGISTRATION/departement/72/"
    assert "Proposer la valeur" in client.get(url).content.decode()
    client.post(
        url + "saisie/", {"period": "2024-11", "value": "93", "justification": "Courrier ARS"}
    )
    entry = ManualEntry.objects.get()
    page = client.get("/indicateurs/saisies/").content.decode()
    assert "Courrier ARS" in page and "Valider" not in page  # the author cannot validate
    client.force_login(personas["ars_admin"])
    client.post(f"/indicateurs/saisies/{entry.pk}/examen/", {"decision": "validate"})
    entry.refresh_from_db()
    assert entry.status == "validated" and entry.reviewed_by == personas["ars_admin"]
    client.force_login(personas["elected_reader"])
    assert "Proposer la valeur" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_establishments_behind_a_structure_based_indicator_are_listed_to_partners_in_scope(
    geography, staging, client, personas
):
    from capsante.establishments.models import Establishment
    from capsante.ingest.contract import table

    communes = geography["communes"]
    for finess, commune in (("720000025", "72181"), ("720000033", "72154")):
        Establishment.objects.create(
            finess_et=finess,
            name=f"CH {finess}",
            category_group="chu_ch",
            commune=communes[commune],
        )
    schema = table("structures").schema
    columns = {name: [None, None] for name in schema.names}
    columns.update(finess_et=["720000025", "720000033"], commune_code=["72181", "72154"])
    store = StagingStore(staging)
    store.write("structures", pa.table(columns, schema=schema))
    store.write(
        "ins_identities",
        pa.table(
            {
                "period": ["2025-01"] * 3,
                "finess_et": ["720000025", "720000025", "720000033"],
                "status": ["QUAL", "PROV", "PROV"],
                "ins_valid": [True, False, False],
                "identities": [90, 10, 50],
            }
        ),
    )
    services.compute_and_store(codes=["INS_QUALIFICATION"])
    url = "/indicateurs/INS_QUALIFICATION/departement/72/"
    commune_url = "/indicateurs/INS_QUALIFICATION/commune/72154/"
    # Anonymous visitors and partners of another département: the aggregate, no establishment.
    for who in (None, "dt53_editor"):
        client.logout()
        if who:
            client.force_login(personas[who])
        page = client.get(url).content.decode()
        assert "60,0\xa0%" in page  # Sarthe: 90 qualified of 150
        assert "CH 720000033" not in page and "720000025" not in page
        assert "réservé aux partenaires" in page
        commune = client.get(commune_url).content.decode()
        assert "réservé aux partenaires" in commune and "0,0\xa0%" not in commune
        card_page = client.get("/indicateurs/territoire/commune/72154/").content.decode()
        # The commune's own figure is withheld; the Sarthe's, public, stands beside it.
        assert ">0,0\xa0%<" not in card_page
        assert "Sarthe : <strong>60,0\xa0%</strong>" in card_page
    client.force_login(personas["elected_reader"])  # a reader whose scope is Sarthe
    page = client.get(url).content.decode()
    assert "Les structures derrière ce chiffre" in page
    first, second = page.index("CH 720000033"), page.index("CH 720000025")
    assert first < second  # the one furthest from qualifying comes first
    figures = [row[2:] for row in table_rows(page, "Numérateur et dénominateur")]
    assert ["0", "50", "0,0 %"] in figures and ["90", "100", "90,0 %"] in figures


@pytest.mark.django_db
def test_a_full_recompute_retires_values_no_longer_produced_but_keeps_them_readable(
    geography, staging
):
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    import shutil

    shutil.rmtree(staging / "am_mes_activations")
    stage_mes(staging, {"2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    old = IndicatorValue.objects.get(
        indicator__code="MES_ACTIVATION", territory=geography["sarthe"], period="2025-01"
    )
    assert not old.is_current and old.numerator == 960
    assert value("MES_ACTIVATION", geography["sarthe"], "2025-02").numerator == 960


@pytest.mark.django_db
def test_a_month_that_comes_back_after_being_retired_gets_the_next_version(
    geography, staging, comparison
):
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    # A corrected file empties February: the full recompute retires its figures…
    empty = {"period": [], "commune_code": [], "beneficiaries": [], "activated": []}
    StagingStore(staging).write(
        "am_mes_activations",
        pa.table({**empty, "with_document": []}),
        periods=["2025-02"],
        full_extract=True,
    )
    services.compute_and_store(codes=["MES_ACTIVATION"])
    assert not IndicatorValue.objects.filter(
        indicator__code="MES_ACTIVATION", period="2025-02", is_current=True
    ).exists()
    # …and when February comes back, its figures follow the retired version instead of failing.
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": dict(SARTHE, **{"72003": (20, 100)})})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    versions = services.versions(
        Indicator.objects.get(code="MES_ACTIVATION"), geography["sarthe"], "2025-02"
    )
    assert [(v.version, v.is_current, v.numerator) for v in versions] == [
        (2, True, 970),
        (1, False, 960),
    ]


@pytest.mark.django_db
def test_a_recompute_does_not_replace_a_value_validated_by_two_people(
    geography, staging, personas, comparison
):
    stage_mes(staging, {"2025-01": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    entry = validated_figure(personas, indicator, geography["sarthe"])
    stage_mes(staging, {"2025-01": dict(SARTHE, **{"72003": (40, 100)})})
    run = services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-01"])
    in_force = value("MES_ACTIVATION", geography["sarthe"])
    assert in_force.manual_entry == entry and in_force.value == 81.5
    assert run.held_by_manual == 1
    versions = services.versions(indicator, geography["sarthe"], "2025-01")
    assert [(v.version, v.is_current, v.manual_entry_id) for v in versions] == [
        (3, False, None),  # what the computation now says, kept beside the validated figure
        (2, True, entry.pk),
        (1, False, None),
    ]
    assert versions[0].numerator == 990
    # Saying the same thing again adds nothing.
    again = services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-01"])
    assert again.held_by_manual == 0 and again.new_versions == 0


@pytest.mark.django_db
def test_a_recompute_scoped_to_sarthe_leaves_the_region_per_inhabitant_figure_as_is(
    geography, staging, capsys
):
    # Twelve months of documents in every commune: the 12-month sum per inhabitant.
    documents = {"72181": 50_000, "72003": 4_000, "72154": 5_000, "53130": 16_000, "53147": 4_500}
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    StagingStore(staging).write(
        "am_dmp_documents",
        pa.table(
            {
                "period": [p for p in months for _ in documents],
                "commune_code": [c for _ in months for c in documents],
                "document_type": ["CR"] * len(months) * len(documents),
                "documents": [n for _ in months for n in documents.values()],
            }
        ),
    )

    def region_figure() -> dict:
        capsys.readouterr()
        call_command(
            "indicators",
            "show",
            "DMP_DOCS_PER_INHABITANT",
            "--territory",
            "R52",
            "--format",
            "json",
        )
        return json.loads(capsys.readouterr().out)

    call_command("indicators", "compute", verbosity=0)
    full = region_figure()
    call_command("indicators", "compute", "--territory", "72", verbosity=0)
    scoped = region_figure()
    assert (scoped["numerator"], scoped["denominator"], scoped["value"]) == (
        full["numerator"],
        full["denominator"],
        full["value"],
    )
    # Every inhabitant of the région counts, not Sarthe's alone.
    assert full["denominator"] == sum(c.population for c in geography["communes"].values())


def test_every_source_rule_and_grain_has_a_name_in_french():
    from capsante.engine import load_definitions
    from capsante.indicators.models import AGGREGATION_LABELS, GRAIN_LABELS, SOURCE_LABELS
    from capsante.ingest import registry

    definitions = load_definitions()
    assert {s for d in definitions for s in d.sources} <= set(SOURCE_LABELS)
    assert set(registry.CONNECTORS) <= set(SOURCE_LABELS)
    assert {d.aggregation for d in definitions} <= set(AGGREGATION_LABELS)
    assert {d.grain for d in definitions} <= set(GRAIN_LABELS)


def version_numbers(territory, period):
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    return [(v.version, v.is_current) for v in services.versions(indicator, territory, period)]


@pytest.mark.django_db
def test_a_full_recompute_leaves_unchanged_months_alone_and_stores_the_changed_one(
    geography, staging, caplog
):
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE, "2025-03": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    stage_mes(
        staging,
        {"2025-01": SARTHE, "2025-02": dict(SARTHE, **{"72003": (30, 100)}), "2025-03": SARTHE},
    )
    with caplog.at_level("INFO", logger="capsante.indicators.storage"):
        run = services.compute_and_store(codes=["MES_ACTIVATION"])
    # Only February's block was compared figure by figure: Allonnes, its EPCI, Sarthe, the région.
    assert "fingerprints (2 of 3 blocks unchanged)" in caplog.text
    assert run.new_versions == 4
    assert value("MES_ACTIVATION", geography["sarthe"], "2025-02").numerator == 980
    assert version_numbers(geography["sarthe"], "2025-02") == [(2, True), (1, False)]
    for month in ("2025-01", "2025-03"):
        assert version_numbers(geography["sarthe"], month) == [(1, True)]
        assert value("MES_ACTIVATION", geography["sarthe"], month).numerator == 960


@pytest.mark.django_db
def test_a_month_recomputed_alone_is_compared_again_by_the_next_full_recompute(
    geography, staging, comparison
):
    stage_mes(staging, {"2025-01": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    # A corrected file, recomputed for its month only…
    stage_mes(staging, {"2025-01": dict(SARTHE, **{"72003": (30, 100)})})
    services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-01"])
    assert value("MES_ACTIVATION", geography["sarthe"]).numerator == 980
    # …then the first file restored without a recompute: the full recompute must not take the
    # month for the one it fingerprinted before the correction.
    stage_mes(staging, {"2025-01": SARTHE})
    run = services.compute_and_store(codes=["MES_ACTIVATION"])
    assert run.new_versions > 0
    assert value("MES_ACTIVATION", geography["sarthe"]).numerator == 960
    assert version_numbers(geography["sarthe"], "2025-01") == [(3, True), (2, False), (1, False)]


@pytest.mark.django_db
def test_a_full_recompute_that_skips_a_month_still_retires_the_month_it_no_longer_gives(
    geography, staging
):
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    StagingStore(staging).write(
        "am_mes_activations",
        pa.table(
            {
                "period": [],
                "commune_code": [],
                "beneficiaries": [],
                "activated": [],
                "with_document": [],
            }  # fmt: skip
        ),
        periods=["2025-02"],
        full_extract=True,
    )
    services.compute_and_store(codes=["MES_ACTIVATION"])
    assert version_numbers(geography["sarthe"], "2025-01") == [(1, True)]
    assert version_numbers(geography["sarthe"], "2025-02") == [(1, False)]


@pytest.mark.django_db
def test_a_full_recompute_looks_for_values_to_retire_only_in_months_that_changed(
    geography, staging, caplog
):
    """The nightly recompute that finds nothing changed reads no stored value to retire
    (decision 0037); a month only an import had given, gone from the files, is still retired."""
    empty = {"period": [], "commune_code": [], "beneficiaries": [], "activated": []}
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    with caplog.at_level("INFO", logger="capsante.indicators.storage"):
        services.compute_and_store(codes=["MES_ACTIVATION"])
    assert "retire (0 blocks examined)" in caplog.text
    # March arrives with an import, which recomputes its month alone…
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE, "2025-03": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-03"])
    assert value("MES_ACTIVATION", geography["sarthe"], "2025-03").numerator == 960
    # …then a corrected file empties it: the next full recompute no longer gives March.
    StagingStore(staging).write(
        "am_mes_activations",
        pa.table({**empty, "with_document": []}),
        periods=["2025-03"],
        full_extract=True,
    )
    caplog.clear()
    with caplog.at_level("INFO", logger="capsante.indicators.storage"):
        run = services.compute_and_store(codes=["MES_ACTIVATION"])
    assert "retire (1 blocks examined)" in caplog.text
    march = IndicatorValue.objects.filter(indicator__code="MES_ACTIVATION", period="2025-03")
    assert not march.filter(is_current=True).exists()
    assert run.new_versions == march.count()  # March retired, nothing else written
    assert version_numbers(geography["sarthe"], "2025-03") == [(1, False)]
    for month in ("2025-01", "2025-02"):
        assert version_numbers(geography["sarthe"], month) == [(1, True)]


@pytest.mark.django_db
def test_a_month_an_import_recomputed_is_left_alone_by_the_next_full_recompute(
    geography, staging, caplog
):
    """After an import, the nightly full recompute compares only what changed since: the
    month the import's own recompute stored is not compared figure by figure again."""
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE, "2025-03": SARTHE})
    imported = services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-03"])
    march = IndicatorValue.objects.filter(indicator__code="MES_ACTIVATION", period="2025-03")
    assert imported.new_versions == march.count() > 0
    with caplog.at_level("INFO", logger="capsante.indicators.storage"):
        nightly = services.compute_and_store(codes=["MES_ACTIVATION"])
    assert "fingerprints (3 of 3 blocks unchanged)" in caplog.text
    assert "retire (0 blocks examined)" in caplog.text
    assert nightly.new_versions == 0
    assert version_numbers(geography["sarthe"], "2025-03") == [(1, True)]


@pytest.mark.django_db
def test_a_month_without_values_goes_straight_in_its_first_version(
    geography, staging, personas, caplog
):
    """A month just imported holds no value: its figures are stored as a new indicator's are,
    without being compared, in their first version. A month holding only a figure validated
    by two people is not such a month: the validated figure stays in force."""
    stage_mes(staging, {"2025-01": SARTHE})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    entry = services.propose_manual_value(
        personas["dt72_editor"], indicator, geography["sarthe"], "2025-03", 77.0, "Courrier"
    )
    services.review_manual_value(personas["ars_admin"], entry, accept=True)
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": SARTHE, "2025-03": SARTHE})
    with caplog.at_level("INFO", logger="capsante.indicators.storage"):
        run = services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-02", "2025-03"])
    assert "months without values (1)" in caplog.text  # February; March holds the entry
    february = IndicatorValue.objects.filter(indicator=indicator, period="2025-02")
    assert february.count() == 6 and run.new_versions == 6 + 6  # 3 communes, EPCI, 72, 52
    assert set(february.values_list("version", "is_current", "run", "manual_entry")) == {
        (1, True, run.pk, None)
    }
    assert value("MES_ACTIVATION", geography["sarthe"], "2025-02").numerator == 960
    assert value("MES_ACTIVATION", geography["sarthe"], "2025-03").manual_entry == entry
    assert run.held_by_manual == 1
    # Its fingerprint is kept: the next full recompute leaves both months alone.
    caplog.clear()
    with caplog.at_level("INFO", logger="capsante.indicators.storage"):
        assert services.compute_and_store(codes=["MES_ACTIVATION"]).new_versions == 0
    assert "fingerprints (3 of 3 blocks unchanged)" in caplog.text


@pytest.mark.django_db
def test_a_month_imported_again_retires_at_once_what_its_corrected_file_no_longer_gives(
    geography, staging, comparison
):
    """A corrected month without Mayenne's communes: the import's recompute takes Mayenne's
    figures of that month out of force at once, not at the next full recompute, and leaves the
    other month alone."""
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": {**SARTHE, **MAYENNE}})
    run = services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-01"])
    mayenne = geography["mayenne"]
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    january = services.versions(indicator, mayenne, "2025-01")
    assert [(v.version, v.is_current) for v in january] == [(1, False)]  # kept, readable
    assert value("MES_ACTIVATION", mayenne, "2025-02").numerator == 80
    # Sarthe's January said the same again: nothing new; the région lost Mayenne's figures.
    assert version_numbers(geography["sarthe"], "2025-01") == [(1, True)]
    assert value("MES_ACTIVATION", geography["region"], "2025-01").numerator == 960
    assert run.new_versions > 0
    # Saying it again changes nothing.
    again = services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-01"])
    assert again.new_versions == 0


@pytest.mark.django_db
@pytest.mark.parametrize("full", [False, True], ids=["the import's month", "a full recompute"])
def test_a_figure_sent_again_after_a_file_left_it_out_is_in_force_again(
    geography, staging, comparison, full
):
    """Seen 6 December: the Mayenne's March sent without Laval, then the whole file again. The
    Mayenne's figure came back, Laval's stayed retired: its figure was the one retired, and a
    figure with no version in force was compared with its last computed one, as if a manual
    entry held it. Laval's page had no March, and Laval read as missing from the month."""
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    stage_mes(staging, {"2025-01": SARTHE, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"], periods=["2025-01"])
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"], periods=None if full else ["2025-01"])
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    laval = geography["communes"]["53130"]
    january = services.versions(indicator, laval, "2025-01")
    assert [(v.version, v.is_current, v.numerator) for v in january] == [
        (2, True, MAYENNE["53130"][0]),
        (1, False, MAYENNE["53130"][0]),
    ]
    assert value("MES_ACTIVATION", geography["mayenne"], "2025-01").numerator == 80
    assert value("MES_ACTIVATION", geography["region"], "2025-01").numerator == 1040
    # Every figure of January in force once, none twice.
    in_force = IndicatorValue.objects.filter(indicator=indicator, period="2025-01", is_current=True)
    february = IndicatorValue.objects.filter(indicator=indicator, period="2025-02", is_current=True)
    assert in_force.count() == february.count()


@pytest.mark.django_db
def test_a_recompute_of_some_territories_still_leaves_its_months_to_the_next_full_recompute(
    geography, staging, caplog
):
    """A recompute scoped to the Sarthe gives part of each month: it retires nothing and the
    next full recompute compares those months figure by figure."""
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    corrected = dict(SARTHE, **{"72003": (30, 100)})
    stage_mes(staging, {"2025-01": corrected, "2025-02": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"], territories=[(Level.DEPARTEMENT, "72")])
    assert value("MES_ACTIVATION", geography["sarthe"]).numerator == 980
    assert value("MES_ACTIVATION", geography["mayenne"]).numerator == 80  # not retired
    with caplog.at_level("INFO", logger="capsante.indicators.storage"):
        services.compute_and_store(codes=["MES_ACTIVATION"])
    # Both months held figures the scoped recompute gave: neither is taken as unchanged.
    assert "fingerprints (0 of 2 blocks unchanged)" in caplog.text
    january = services.versions(
        Indicator.objects.get(code="MES_ACTIVATION"), geography["mayenne"], "2025-01"
    )
    assert [(v.version, v.is_current) for v in january] == [(1, False)]


@pytest.mark.django_db
def test_the_status_rule_is_published_where_the_pages_say_it_is(geography, staging, client):
    """The pages say « statuts calculés par une règle documentée »: an elected official or a
    citizen, signed in or not, follows the words to the rule itself, the one `assess()` applies
    (test_status.py follows each of its lines), not to a file of the code."""
    stage_mes(staging, {"2025-01": {**SARTHE, **MAYENNE}})
    services.compute_and_store(codes=["MES_ACTIVATION"])
    page = client.get("/indicateurs/territoire/departement/72/").content.decode()
    link = re.search(r'<a href="([^"#]+)#([^"]+)">règle documentée</a>', page)
    assert link and link.group(2) == "regle-des-statuts"
    published = client.get(link.group(1)).content.decode()
    assert f'id="{link.group(2)}"' in published
    rows = table_rows(published, "Règle des statuts : la première condition remplie")
    assert rows == [
        [str(n), " ".join(capfirst(condition).split()), status.label]  # cells' spaces collapsed
        for n, (condition, status) in enumerate(STATUS_RULE, 1)
    ]


@pytest.mark.django_db
def test_the_catalogue_opens_the_figures_of_the_region_the_platform_serves(
    geography, client, settings
):
    """Another région reusing the platform sets CAPSANTE_REGION: its visitors land on its own
    figures, not on the Pays de la Loire's."""
    services.sync_catalogue()
    page = client.get("/indicateurs/").content.decode()
    assert 'href="/indicateurs/territoire/region/52/">Tableau de bord des Pays de la Loire<' in page
    assert 'href="/indicateurs/MES_ACTIVATION/region/52/"' in page
    Territory.objects.create(level=Level.REGION, code="28", name="Normandie", name_type="3")
    settings.HOME_REGION = "28"
    page = client.get("/indicateurs/").content.decode()
    assert ">Tableau de bord de la Normandie<" in page
    assert 'href="/indicateurs/MES_ACTIVATION/region/28/"' in page and "/region/52/" not in page
