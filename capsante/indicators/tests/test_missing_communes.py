"""A territory's figure says so when a commune the month before counted is missing from its month.

Seen on the demo, 5 December: a corrected October file for the Mayenne, sent without Laval, was
imported (« 1 retirée », under the 10 % that asks for a confirmation), and the Mayenne's October
share of feeding DMP read 78,7 % instead of 80,4 %, under the same heading, with nothing on the
page or in `indicators show` to say that it was the Mayenne without Laval. Here the same, through
the real chain: the Assurance Maladie's file → import → engine → stored values → page and command.
"""

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from capsante.imports.models import ImportStatus
from capsante.imports.services import run_import
from capsante.indicators import completeness, services
from capsante.indicators.models import Indicator, IndicatorValue, Target
from capsante.outbox.models import OutgoingMail
from capsante.territories.models import Level, Territory
from capsante.ui import formats, page_cache
from capsante.ui.testing import table_rows

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "ingest/connectors/am_tables/tests/samples/am_mes_activations_2025T1.csv"
)
CODES = ["DMP_ALIMENTATION", "MES_ACTIVATION"]
MAYENNE = ("53130", "53147", "53201")  # Laval first
SARTHE = ("72181", "72264")

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(geography, settings, tmp_path):
    """The sample's three months for five communes, imported and computed."""
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    Territory.objects.create(
        level=Level.COMMUNE, code="72264", name="Sablé-sur-Sarthe", parent=geography["sarthe"]
    )
    Territory.objects.create(
        level=Level.COMMUNE, code="53201", name="Mayenne-Sud", parent=geography["mayenne"]
    )
    record = run_import("am-mes", SAMPLE)
    assert record.status == ImportStatus.IMPORTED, record.message
    services.compute_and_store(codes=CODES)
    return geography


def _partial_note(page: str) -> str:
    """The note under the table of monthly values, as read: one sentence, or a list of them."""
    found = re.search(r'<(p|div) class="fr-text--sm" id="mois-partiels">(.*?)</\1>', page, re.S)
    # Ordinary white space only: the sentences' no-break spaces stay as written.
    text = re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", found.group(2))) if found else ""
    return text.strip(" ")


def _march_without(tmp_path: Path, *left_out: str) -> Path:
    """The Mayenne's March, corrected, without the communes `left_out`."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    kept = [
        line
        for line in lines[1:]
        if line.startswith("53") and ";2025-03;" in line and line[:5] not in left_out
    ]
    path = tmp_path / "am_mes_mayenne_2025-03.csv"
    path.write_text("\n".join([lines[0], *kept]) + "\n", encoding="utf-8")
    return path


def _sample(month: str, communes: tuple[str, ...]) -> tuple[int, int]:
    """The file's own figures: documents fed and beneficiaries of `communes` in `month`."""
    rows = [line.split(";") for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]]
    mine = [r for r in rows if r[1] == month and r[0] in communes]
    return sum(int(r[4]) for r in mine), sum(int(r[2]) for r in mine)


def _figures(month: str, communes: tuple[str, ...]) -> str:
    fed, beneficiaries = _sample(month, communes)
    return f"en {formats.month(month)} ({formats.number(fed)} sur {formats.number(beneficiaries)})"


def _import_again(path: Path) -> None:
    record = run_import("am-mes", path)
    assert record.status == ImportStatus.IMPORTED, record.message
    assert record.removed == 1  # the import said so: one row of March taken away
    services.compute_and_store(codes=CODES)


def test_the_page_says_which_commune_is_missing_from_the_month_and_what_it_weighed(
    imported, client, tmp_path
):
    page = client.get("/indicateurs/DMP_ALIMENTATION/departement/53/").content.decode()
    assert "communes-manquantes" not in page  # every commune in every month
    assert _figures("2025-03", MAYENNE) in page

    _import_again(_march_without(tmp_path, "53130"))

    page = client.get("/indicateurs/DMP_ALIMENTATION/departement/53/").content.decode()
    assert _figures("2025-03", MAYENNE[1:]) in page  # the Mayenne without Laval
    # Laval's part of the Mayenne's beneficiaries in February, from the file.
    share = 100 * _sample("2025-02", MAYENNE[:1])[1] / _sample("2025-02", MAYENNE)[1]
    assert (
        "Laval manque dans les données de mars 2025, alors qu’elle était comptée en février "
        f"2025 ({formats.percent(share)} du total de la Mayenne ce mois-là) : ce chiffre porte "
        "sur les autres communes."
    ) in page
    assert formats.percent(share) == "71,3\xa0%"
    # The région's figure is the Mayenne's and the Sarthe's: it lacks Laval too.
    region = client.get("/indicateurs/DMP_ALIMENTATION/region/52/").content.decode()
    assert "Laval manque dans les données de mars 2025" in region
    assert "du total des Pays de la Loire" in region
    # The Sarthe counted all its communes.
    sarthe = client.get("/indicateurs/DMP_ALIMENTATION/departement/72/").content.decode()
    assert "communes-manquantes" not in sarthe

    # The page's monthly values downloaded say it on March's row, and in the spreadsheet's
    # « À propos »; February's row has nothing to say.
    url = "/indicateurs/DMP_ALIMENTATION/departement/53/"
    download = client.get(f"{url}?format=csv").content.decode("utf-8-sig").splitlines()
    assert download[0].endswith(";chiffre partiel")
    by_month = {line.split(";")[0]: line.split(";") for line in download[1:]}
    assert by_month["2025-03"][-1].startswith("Laval manque dans les données de mars 2025")
    assert by_month["2025-02"][-1] == ""
    from openpyxl import load_workbook

    xlsx = load_workbook(io.BytesIO(client.get(f"{url}?format=xlsx").content))
    about = {row[0]: row[1] for row in xlsx["À propos"].iter_rows(values_only=True)}
    assert about["Chiffre partiel (mars 2025)"].startswith("Laval manque dans les données")
    sarthe = {
        line.split(";")[0]: line.split(";")
        for line in client.get("/indicateurs/DMP_ALIMENTATION/departement/72/?format=csv")
        .content.decode("utf-8-sig")
        .splitlines()[1:]
    }
    # The Sarthe's own figures are whole; its March row says whose is not: the région's.
    assert sarthe["2025-03"][-1].startswith(
        "Pays de la Loire : Laval manque dans les données de mars 2025"
    )
    assert [m for m, row in sarthe.items() if row[-1]] == ["2025-03"]


def test_the_command_says_it_too_in_words_and_in_json(imported, tmp_path, capsys):
    _import_again(_march_without(tmp_path, "53130"))
    call_command("indicators", "show", "MES_ACTIVATION", "--territory", "53")
    out = capsys.readouterr().out
    assert "  attention    : Laval manque dans les données de mars 2025" in out
    call_command("indicators", "show", "MES_ACTIVATION", "--territory", "53", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["missing_communes"]["communes"] == ["Laval"]
    assert data["missing_communes"]["previous"] == "2025-02"
    assert data["missing_communes"]["share_percent"] == 71.3


def test_a_commune_that_weighed_little_is_not_worth_a_warning(imported, monkeypatch):
    """A commune under 1 % of the month before (a source masking a small count) moves the
    figure less than its rounding: no warning. Above it, one."""
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    mayenne = imported["mayenne"]
    latest = services.latest_value(indicator, mayenne)
    assert completeness.missing_communes(indicator, mayenne, latest) is None
    # Mayenne-Sud weighed 7 392 of 71 380 in February (10,4 %): above the threshold, said.
    latest.indicator.values.filter(territory__code="53201", period="2025-03").update(
        is_current=False
    )
    missing = completeness.missing_communes(indicator, mayenne, latest)
    assert missing is not None and missing.names == ["Mayenne-Sud"]
    assert round(missing.share, 1) == 10.4
    # A threshold above its 10,4 %: nothing to say.
    monkeypatch.setattr(completeness, "SHARE_WORTH_SAYING", 11.0)
    assert completeness.missing_communes(indicator, mayenne, latest) is None


def test_a_reader_outside_the_scope_of_an_establishment_count_is_not_told_the_names():
    """For an indicator counted establishment by establishment, the commune missing may name
    its one hospital: a reader who may not see the establishments reads the count only."""
    missing = completeness.MissingCommunes(
        Territory(level=Level.DEPARTEMENT, code="53", name="Mayenne", name_type="3"),
        "2025-03",
        "2025-02",
        ["Château-Gontier-sur-Mayenne", "Laval"],
        12.5,
    )
    assert missing.sentence(named=False).startswith(
        "2\xa0communes manquent dans les données de mars 2025, alors qu’elles étaient comptées "
        "en février 2025 (12,5\xa0% du total de la Mayenne ce mois-là)"
    )
    assert missing.sentence().startswith(
        "2\xa0communes (Château-Gontier-sur-Mayenne, Laval) manquent dans les données"
    )


def test_the_committee_summary_marks_the_figure_and_says_why_under_its_table(
    imported, client, tmp_path
):
    """The one-page summary is what a committee is handed: the partial figure is marked, and the
    note under the table says which commune is missing, on the page and in the PDF."""
    _import_again(_march_without(tmp_path, "53130"))
    page = client.get("/rapports/synthese/departement/53/").content.decode()
    assert page.count('title="chiffre partiel : voir sous le tableau">*</sup>') == 2
    note = re.search(r'<p class="fr-text--sm" id="chiffres-partiels">(.*?)</p>', page, re.S)
    assert note, "no note under the table"
    # Said once for the two figures the same commune is missing from.
    assert note.group(1).count("Laval manque") == 1
    assert (
        "Alimentation du DMP, Activation de Mon espace santé : Laval manque dans les données de "
        "mars 2025"
    ) in note.group(1)
    response = client.get("/rapports/synthese/departement/53/?format=pdf")
    path = tmp_path / "synthese.pdf"
    path.write_bytes(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "* Chiffres partiels." in flat
    assert "Laval manque dans les données de mars 2025" in flat
    # The Sarthe's summary has nothing to say.
    sarthe = client.get("/rapports/synthese/departement/72/").content.decode()
    assert "chiffres-partiels" not in sarthe


def _store(indicator: Indicator, figures: list[tuple[Territory, str, float]]) -> None:
    """Values in force as a compute stores them: (territory, month, figure) of 100."""
    for territory, period, figure in figures:
        IndicatorValue.objects.create(
            indicator=indicator,
            territory=territory,
            period=period,
            value=figure,
            numerator=figure,
            denominator=100,
        )


@pytest.mark.parametrize("code", ["EVENT_PARTICIPANTS", "INS_QUALIFICATION"])
def test_a_commune_with_nothing_to_count_this_month_is_not_missing_data(geography, code):
    """Seen on the demo: the Mayenne's summary said 6 communes « manquent » from October's
    identities, and communes from the month's activation workshops. A commune with no workshop
    this month, or whose establishments created no identity, is not a hole in a file: only the
    sources whose every month holds every commune (the Assurance Maladie's tables) warn."""
    services.sync_catalogue()
    indicator = Indicator.objects.get(code=code)
    laval, other = geography["communes"]["53130"], geography["communes"]["53147"]
    _store(
        indicator,
        [
            (laval, "2025-02", 40),
            (other, "2025-02", 10),
            (other, "2025-03", 12),
            (geography["mayenne"], "2025-02", 50),
            (geography["mayenne"], "2025-03", 12),
        ],
    )
    latest = services.latest_value(indicator, geography["mayenne"])
    assert latest.period == "2025-03"
    assert completeness.missing_communes(indicator, geography["mayenne"], latest) is None
    # The same values under a source whose months hold every commune: Laval is missing.
    indicator.sources = ["am-mes"]
    indicator.grain = "commune"
    missing = completeness.missing_communes(indicator, geography["mayenne"], latest)
    assert missing is not None and missing.names == ["Laval"]


def _rate(month: str, communes: tuple[str, ...]) -> float:
    """The file's own share of activated accounts for `communes` in `month`, in percent."""
    rows = [line.split(";") for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]]
    mine = [r for r in rows if r[1] == month and r[0] in communes]
    return 100 * sum(int(r[3]) for r in mine) / sum(int(r[2]) for r in mine)


def test_a_month_short_of_a_commune_does_not_judge_the_target_nor_alert_its_owners(
    imported, tmp_path, client, personas, settings, django_capture_on_commit_callbacks, run_jobs
):
    """Decision 0044. The Mayenne met its target for activated accounts in February and in
    March; March sent again without Laval reads lower than the target. Judged on it, the target
    would fall from « atteint » and the Mayenne's editors be told by mail that it worsened,
    for a hole in a file. It is judged on the months that are whole, and its reason says so."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    whole = min(_rate("2025-02", MAYENNE), _rate("2025-03", MAYENNE))
    without_laval = _rate("2025-03", MAYENNE[1:])
    goal = round((whole + without_laval) / 2, 1)
    assert without_laval < goal <= whole  # the file's figures make the case
    target, _ = Target.objects.update_or_create(
        indicator=indicator,
        territory=imported["mayenne"],
        defaults={"target_value": goal, "deadline": "2025-12", "baseline_period": "2025-01"},
    )
    services.compute_and_store(codes=CODES, as_of="2025-03")
    target.refresh_from_db()
    assert (target.status, target.status_reason) == (
        "atteint",
        "la dernière valeur atteint la cible",
    )

    record = run_import("am-mes", _march_without(tmp_path, "53130"))
    assert record.status == ImportStatus.IMPORTED and record.removed == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.compute_and_store(codes=CODES, as_of="2025-03")
    run_jobs()
    target.refresh_from_db()
    assert target.status == "atteint"
    assert target.status_reason == (
        "la dernière valeur atteint la cible (mars 2025 laissé de côté : il y manque 1\xa0commune"
        " comptée en février 2025)"
    )
    assert target.status_details["last_period"] == "2025-02"
    assert mail.outbox == []  # no « statut dégradé » for a hole in a file
    page = client.get("/indicateurs/MES_ACTIVATION/departement/53/").content.decode()
    # The reason opens its paragraph beside the status, capitalised.
    assert '<p class="fr-text--sm">La dernière valeur atteint la cible (mars 2025 laissé' in page
    assert "Laval manque dans les données de mars 2025" in page  # the figure's own warning

    # Laval sent again: March is whole and judges the target once more.
    record = run_import("am-mes", SAMPLE)
    assert record.status == ImportStatus.IMPORTED, record.message
    services.compute_and_store(codes=CODES, as_of="2025-03")
    target.refresh_from_db()
    assert target.status_reason == "la dernière valeur atteint la cible"
    assert target.status_details["last_period"] == "2025-03"


def test_where_the_rule_is_printed_it_says_what_a_month_short_of_communes_does(imported, client):
    """The catalogue, where the pages' « règle documentée » leads, prints it under the rule."""
    page = client.get("/indicateurs/").content.decode()
    note = re.search(r'<p id="mois-incomplets">(.*?)</p>', page, re.S)
    assert note and "n’entre pas dans le calcul du statut" in note.group(1)
    assert "au moins 1\xa0% de son total" in note.group(1)


def test_the_dashboard_marks_the_partial_figures_on_their_cards_and_in_its_table(
    imported, client, tmp_path
):
    """The dashboard is what most readers open: each card whose figure lacks Laval says so under
    the figure, unnamed (the cards are kept for every reader alike), the page one click away
    names it; the table beside the cards says it in the month's cell. Nothing is worked out
    from the partial figure: neither what is left to do nor the gap to the région."""
    dashboard = "/indicateurs/territoire/departement/53/"
    Target.objects.update_or_create(
        indicator=Indicator.objects.get(code="MES_ACTIVATION"),
        territory=imported["mayenne"],
        defaults={"target_value": 60, "deadline": "2026-12", "baseline_period": "2025-01"},
    )
    page = client.get(dashboard).content.decode()
    assert "Chiffre partiel" not in page and "Reste à faire : encore" in page
    whole = {r[0]: r for r in table_rows(page, "Les mêmes indicateurs en tableau")}
    assert whole["Alimentation du DMP"][3].startswith(("+", "−", "±"))
    gaps_before = page.count("(écart ")
    _import_again(_march_without(tmp_path, "53130"))
    page = client.get(dashboard).content.decode()
    share = formats.percent(
        100 * _sample("2025-02", MAYENNE[:1])[1] / _sample("2025-02", MAYENNE)[1]
    )
    said = f"il manque 1\xa0commune comptée en février 2025 ({share} du total)"
    assert page.count(f"<strong>Chiffre partiel</strong> : {said}.") == len(CODES)
    rows = [r for r in table_rows(page, "Les mêmes indicateurs en tableau") if "mars" in r[-5]]
    assert sorted(r[0] for r in rows if "chiffre partiel" in r[-5]) == [
        "Activation de Mon espace santé",
        "Alimentation du DMP",
    ]
    # What is left to do is not worked out from the Mayenne without Laval.
    assert "Reste à faire : non calculé sur un chiffre partiel" in page
    assert "Reste à faire : encore" not in page and "Chemin parcouru" not in page
    mes = next(r for r in rows if r[0] == "Activation de Mon espace santé")
    assert mes[-2] == "non calculé sur un chiffre partiel"
    # The gap to the région: none on the two partial cards, said so in the table.
    assert page.count("(écart ") == gaps_before - 2
    assert {r[3] for r in rows if "chiffre partiel" in r[-5]} == {completeness.NOT_FROM_PARTIAL}
    detail = client.get("/indicateurs/MES_ACTIVATION/departement/53/").content.decode()
    assert "Reste à faire : non calculé sur un chiffre partiel" in detail
    assert "Pays de la Loire : <strong>" in detail and "écart" not in detail
    assert "Laval" not in page.split("<main", 1)[1].split("Descendre d’un niveau")[0]
    sarthe = client.get("/indicateurs/territoire/departement/72/").content.decode()
    assert "Chiffre partiel" not in sarthe


def test_a_figure_compared_with_an_enclosing_territory_short_of_a_commune_gets_no_gap(
    imported, client, tmp_path, settings
):
    """The commune of Mayenne's figures are whole; the Mayenne's and the région's lack Laval. A
    gap to them would be the hole's size, read as the commune's lead: the comparison says the
    enclosing figure is partial and works out no gap, on the cards, in the table beside them
    and on the indicator's page. The Sarthe, whole, is compared with a région without Laval."""
    commune = "/indicateurs/territoire/commune/53147/"
    assert client.get(commune).content.decode().count("(écart ") == 2 * len(CODES)
    _import_again(_march_without(tmp_path, "53130"))

    page = client.get(commune).content.decode()
    assert "Chiffre partiel" not in page  # its own figures are whole
    assert "(écart " not in page
    mayenne = _share("2025-02", MAYENNE[:1], MAYENNE)
    region = _share("2025-02", MAYENNE[:1], MAYENNE + SARTHE)
    for parent, share in (("Mayenne", mayenne), ("Pays de la Loire", region)):
        said = f"il manque 1\xa0commune comptée en février 2025 ({share} du total)"
        marked = rf"{parent} : <strong>[^<]+</strong>, <strong>chiffre partiel</strong> : "
        assert len(re.findall(marked + re.escape(f"{said}</span>"), page)) == len(CODES)
    rows = table_rows(page, "Les mêmes indicateurs en tableau")
    compared = [
        r for r in rows if r[0] in ("Activation de Mon espace santé", "Alimentation du DMP")
    ]
    for row in compared:  # the table's cells read with ordinary spaces
        said = f"il manque 1 commune comptée en février 2025 ({mayenne} du total)"
        assert row[2].endswith(f", chiffre partiel : {said}".replace("\xa0", " "))
        assert row[3] == row[5] == completeness.NOT_FROM_PARTIAL
    assert len(compared) == len(CODES)

    detail = client.get("/indicateurs/MES_ACTIVATION/commune/53147/").content.decode()
    assert "communes-manquantes" not in detail
    assert (
        " en mars 2025, <strong>chiffre partiel</strong> : il manque 1\xa0commune comptée en"
        f" février 2025 ({mayenne} du total)</li>"
    ) in detail
    assert "écart" not in detail
    # Its table of monthly values marks the Mayenne's and the région's March, not its own, and
    # the note under it says whose figure lacks Laval; so do the downloads.
    rows = table_rows(
        detail, "Valeurs mensuelles, territoires englobants, trajectoire et prévision"
    )
    assert not [r for r in rows if r[0].endswith("*") or r[1].endswith("*")]
    assert [r[0] for r in rows if r[2].endswith("*") and r[3].endswith("*")] == ["mars 2025"]
    assert [r[0] for r in rows if r[2].endswith("*") or r[3].endswith("*")] == ["mars 2025"]
    note = _partial_note(detail)
    assert note.startswith("* Chiffres partiels : Mayenne : Laval manque dans les données de mars")
    assert f"({region} du total des Pays de la Loire ce mois-là)" in note
    url = "/indicateurs/MES_ACTIVATION/commune/53147/"
    download = client.get(f"{url}?format=csv").content.decode("utf-8-sig").splitlines()
    said = {line.split(";")[0]: line.split(";")[-1] for line in download[1:]}
    assert [m for m, s in said.items() if s] == ["2025-03"]
    assert said["2025-03"].startswith("Mayenne : Laval manque dans les données de mars 2025")
    assert " Pays de la Loire : Laval manque dans les données de mars 2025" in said["2025-03"]
    from openpyxl import load_workbook

    xlsx = load_workbook(io.BytesIO(client.get(f"{url}?format=xlsx").content))
    about = {row[0]: row[1] for row in xlsx["À propos"].iter_rows(values_only=True)}
    assert (
        f"({mayenne} du total de la Mayenne" in about["Chiffre partiel de la Mayenne (mars 2025)"]
    )
    assert (
        f"({region} du total des Pays" in about["Chiffre partiel des Pays de la Loire (mars 2025)"]
    )

    sarthe = client.get("/indicateurs/territoire/departement/72/").content.decode()
    assert "Chiffre partiel" not in sarthe and "(écart " not in sarthe
    said = f"il manque 1\xa0commune comptée en février 2025 ({region} du total)"
    marked = r"Pays de la Loire : <strong>[^<]+</strong>, <strong>chiffre partiel</strong> : "
    assert len(re.findall(marked + re.escape(f"{said}</span>"), sarthe)) == len(CODES)

    # As deployed, the région's check is kept for every page compared with it: the commune's
    # cards, made after the Sarthe's, read the same.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    settings.PUBLIC_PAGE_VERSION_SECONDS = 0
    page_cache.forget_version()
    cache.clear()  # nothing kept by another test under the same version
    try:
        for url in ("/indicateurs/territoire/departement/72/", commune):
            page = client.get(url).content.decode()
            assert len(re.findall(marked + re.escape(f"{said}</span>"), page)) == len(CODES)
            assert "(écart " not in page
        # The région's months checked for the commune's page are kept for the Sarthe's.
        for url in (
            "/indicateurs/MES_ACTIVATION/commune/53147/",
            "/indicateurs/MES_ACTIVATION/departement/72/",
        ):
            note = _partial_note(client.get(url).content.decode())
            assert f"({region} du total des Pays de la Loire ce mois-là)" in note
    finally:
        cache.clear()


def _share(month: str, missing: tuple[str, ...], communes: tuple[str, ...]) -> str:
    """What `missing` weighed in `communes`' beneficiaries in `month`, from the file."""
    return formats.percent(100 * _sample(month, missing)[1] / _sample(month, communes)[1])


def test_the_home_page_of_a_partner_marks_a_partial_figure_of_their_territory(
    imported, personas, client, tmp_path
):
    """A Mayenne partner's home page shows its key figures as cards: the same mark as the
    dashboard's, and no gap to the région from the figure without Laval."""
    client.force_login(personas["dt53_editor"])
    assert "Chiffre partiel" not in client.get("/").content.decode()
    _import_again(_march_without(tmp_path, "53130"))
    home = client.get("/").content.decode()
    assert home.count("<strong>Chiffre partiel</strong> : il manque 1\xa0commune") == len(CODES)
    assert "(écart " not in home


def test_a_status_that_moves_back_to_the_whole_months_tells_no_one_it_worsened(geography, personas):
    """The demo's case, 6 December: the Mayenne's whole October met its target (« atteint »);
    October sent again without Laval, the status is that of September and before (« en bonne
    voie »). That is not the territory worsening: no mail to the objective's editors. A real
    worsening still tells them, in French words (« décembre 2025 », « de la Mayenne »)."""
    services.sync_catalogue()
    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    mayenne = geography["mayenne"]
    laval, other = geography["communes"]["53130"], geography["communes"]["53147"]
    figures = {"2025-01": 30.0, "2025-02": 32.0, "2025-03": 34.0, "2025-04": 40.0}
    _store(
        indicator,
        [
            (t, period, figure)
            for period, figure in figures.items()
            for t in (mayenne, laval, other)
        ],
    )
    target, _ = Target.objects.update_or_create(
        indicator=indicator,
        territory=mayenne,
        defaults={"target_value": 38, "deadline": "2025-12", "baseline_period": "2025-01"},
    )
    services.assess_targets(indicators=[indicator], as_of="2025-04")
    target.refresh_from_db()
    assert target.status == "atteint"

    # April sent again without Laval: Laval's April retired, the Mayenne's April lower.
    IndicatorValue.objects.filter(territory=laval, period="2025-04").update(is_current=False)
    IndicatorValue.objects.filter(territory=mayenne, period="2025-04").update(value=36.0)
    changes = services.assess_targets(indicators=[indicator], as_of="2025-04")
    target.refresh_from_db()
    assert [(c.old, c.new) for c in changes] == [("atteint", "en_bonne_voie")]
    assert target.status_reason.endswith(
        "(avril 2025 laissé de côté : il y manque 1\xa0commune comptée en mars 2025)"
    )
    assert not OutgoingMail.objects.filter(kind="alerte-statut").exists()

    # A real fall, every commune counted: the editors are told.
    IndicatorValue.objects.filter(territory=laval, period="2025-04").update(is_current=True)
    IndicatorValue.objects.filter(territory=mayenne, period="2025-04").update(value=20.0)
    services.assess_targets(indicators=[indicator], as_of="2025-04")
    sent = OutgoingMail.objects.get(kind="alerte-statut")
    assert personas["dt53_editor"].email in sent.recipients
    assert (
        "Le statut de la cible « Activation de Mon espace santé » de la Mayenne est passé de "
        "« en bonne voie » à « à surveiller »"
    ) in sent.body
    assert "Cible : 38,0\xa0% en décembre 2025." in sent.body
    assert "2025-12" not in sent.body


def test_the_roadmap_s_public_dashboard_marks_the_partial_figure_and_works_out_nothing_from_it(
    imported, seeded_roadmaps, client, tmp_path
):
    """The public dashboard of the Mayenne's roadmap, the page handed to elected officials and
    citizens, and its download: the figure without Laval is marked, and neither what is left to
    do nor the change over a year is worked out from it."""
    Target.objects.update_or_create(
        indicator=Indicator.objects.get(code="MES_ACTIVATION"),
        territory=imported["mayenne"],
        defaults={"target_value": 60, "deadline": "2026-12", "baseline_period": "2025-01"},
    )
    url = f"/rapports/feuilles-de-route/{seeded_roadmaps['53'].pk}/tableau-de-bord/"
    caption = "Synthèse des indicateurs, par objectif de la feuille de route"

    def mes_row(page: str) -> list[str]:
        return next(
            r
            for r in table_rows(page, caption)
            if r[0] == "Activation de Mon espace santé" and r[2] == "Mayenne"
        )

    page = client.get(url).content.decode()
    assert "Chiffre partiel" not in page
    whole = mes_row(page)
    assert whole[7].startswith("encore") and whole[8].startswith(("+", "−", "±"))
    _import_again(_march_without(tmp_path, "53130"))
    page = client.get(url).content.decode()
    said = "il manque 1\xa0commune comptée en février 2025"
    assert f"<strong>Chiffre partiel</strong> : {said}" in page
    partial = mes_row(page)
    # The table's cells are read with their spaces made plain.
    plain = said.replace("\xa0", " ")
    # March 2025 is old by now: said before what it lacks.
    assert partial[4].startswith(f"mars 2025, donnée ancienne, chiffre partiel : {plain}")
    assert partial[7:9] == [completeness.NOT_FROM_PARTIAL] * 2
    assert "Reste à faire : non calculé sur un chiffre partiel" in page
    assert "Sur un an : non calculé sur un chiffre partiel" in page
    assert "Laval" not in page.split("<main", 1)[1].split("carte-1")[0]
    download = client.get(f"{url}?format=csv").content.decode("utf-8-sig")
    mes = next(
        line for line in download.splitlines() if line.startswith("MES_ACTIVATION;Activation")
    )
    assert mes.count(completeness.NOT_FROM_PARTIAL) == 2
    assert plain in mes.replace("\xa0", " ")


def test_a_key_figure_s_live_value_is_marked_on_its_objective_and_in_the_roadmap_document(
    imported, seeded_roadmaps, client, tmp_path
):
    """A roadmap's key figure shows the indicator's latest value beside the document's own, on
    the objective's page and in the roadmap's document: the figure without Laval is marked, and
    so is the last month of the document's chart table."""
    from capsante.roadmaps.models import KeyFigure

    roadmap = seeded_roadmaps["53"]
    objective = roadmap.objectives.first()
    KeyFigure.objects.create(
        objective=objective,
        kind="observed",
        value="80 %",
        label="des Espaces santé mayennais alimentés",
        indicator="DMP_ALIMENTATION",
    )
    number = list(roadmap.objectives.values_list("pk", flat=True)).index(objective.pk) + 1
    page_url = f"/feuilles-de-route/{roadmap.pk}/objectifs/{number}/"
    document_url = f"/rapports/feuilles-de-route/{roadmap.pk}/document/?format=html"
    for url in (page_url, document_url):
        before = client.get(url).content.decode()
        assert "Chiffre partiel" not in before
    assert "cercle vide" not in before
    _import_again(_march_without(tmp_path, "53130"))
    said = "<strong>Chiffre partiel</strong> : il manque 1\xa0commune comptée en février 2025"
    for url in (page_url, document_url):
        page = client.get(url).content.decode()
        assert said in page, url
        assert "Laval manque" not in page, url  # unnamed, as on the dashboard's cards
    # The chart's table beside it: its last month says it too.
    assert '<th scope="row">Dernier mois (mars 2025, chiffre partiel)</th>' in page
    # And the chart draws that month as an open circle, which its legend reads out.
    chart = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    assert chart.count("<circle ") == 1
    assert "cercle vide : mois auquel manquent des communes, chiffre partiel" in page


def test_the_committee_report_compares_whole_months_and_says_which_one_it_left_out(
    imported, tmp_path
):
    """The committee report's « indicateurs qui ont bougé » compared March without Laval with
    January: a fall that was only Laval's absence, handed to the committee as the Mayenne's. It
    leaves March out, as the statuses do, compares February, and says so on the row; a range
    whose only month is short of Laval works nothing out. In the HTML, the PDF and the DOCX."""
    import datetime as dt
    import io

    from docx import Document

    from capsante.indicators import dashboards
    from capsante.reports import committee_render, committee_report

    mayenne = imported["mayenne"]
    indicator = Indicator.objects.get(code="DMP_ALIMENTATION")
    february_to_march = (dt.date(2025, 2, 1), dt.date(2025, 3, 31))

    def dmp(month: str, communes: tuple[str, ...]) -> str:
        fed, beneficiaries = _sample(month, communes)
        return dashboards.format_value(100 * fed / beneficiaries, indicator)

    moved = {r["code"]: r for r in committee_report.indicators_moved(mayenne, *february_to_march)}
    assert moved["DMP_ALIMENTATION"]["after_label"] == dmp("2025-03", MAYENNE)
    assert moved["DMP_ALIMENTATION"]["set_aside"] == ""

    _import_again(_march_without(tmp_path, "53130"))
    data = committee_report.build(mayenne, *february_to_march)
    moved = {r["code"]: r for r in data["indicators_moved"]}
    row = moved["DMP_ALIMENTATION"]
    assert (row["before_period"], row["after_period"]) == ("2025-01", "2025-02")
    assert row["after_label"] == dmp("2025-02", MAYENNE)  # the whole Mayenne's February
    said = "Mars 2025 laissé de côté : il y manque 1\xa0commune comptée en février 2025."
    html = committee_render.to_html(data)
    assert said in html
    assert dmp("2025-03", MAYENNE[1:]) not in html  # the figure without Laval is nowhere
    docx = Document(io.BytesIO(committee_render.to_docx(data)))
    cells = [cell.text for table in docx.tables for r in table.rows for cell in r.cells]
    assert any(c.startswith("Alimentation du DMP") and said in c for c in cells)
    path = tmp_path / "rapport.pdf"
    path.write_bytes(committee_render.to_pdf(data))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Mars 2025 laissé de côté" in " ".join(text.split())

    # March alone: nothing whole in the range, nothing worked out, and the row says why.
    march = committee_report.indicators_moved(mayenne, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    row = next(r for r in march if r["code"] == "DMP_ALIMENTATION")
    assert (row["after_label"], row["delta_label"]) == ("—", completeness.NOT_FROM_PARTIAL)
    assert row["before_label"] == dmp("2025-02", MAYENNE)
    # April, after the partial month: nothing in the range, nothing listed.
    april = committee_report.indicators_moved(mayenne, dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert "DMP_ALIMENTATION" not in {r["code"] for r in april}


@pytest.mark.parametrize("chunk", [completeness.SIGNATURE_CHUNK, 1])
def test_an_older_month_short_of_a_commune_stays_marked_in_the_page_s_table(
    imported, client, tmp_path, monkeypatch, chunk
):
    """March sent again without Laval, then April whole: the latest figure is whole and the page
    says nothing above it, but March's value in the table of monthly values is still the Mayenne
    without Laval. Its row is marked and the note under the table says why; so do the downloads.
    With one commune per query too, as a large région's communes are read a thousand at a time."""
    monkeypatch.setattr(completeness, "SIGNATURE_CHUNK", chunk)
    _import_again(_march_without(tmp_path, "53130"))
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    april = tmp_path / "am_mes_2025-04.csv"
    april.write_text(
        "\n".join(
            [
                lines[0],
                *(line.replace(";2025-03;", ";2025-04;") for line in lines if ";2025-03;" in line),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    record = run_import("am-mes", april)
    assert record.status == ImportStatus.IMPORTED, record.message
    services.compute_and_store(codes=CODES)

    url = "/indicateurs/DMP_ALIMENTATION/departement/53/"
    page = client.get(url).content.decode()
    assert "communes-manquantes" not in page  # April, the latest, is whole
    caption = "Valeurs mensuelles, territoires englobants, trajectoire et prévision"
    rows = table_rows(page, caption)
    assert [r[0] for r in rows if r[0].endswith("*")] == ["mars 2025*"]
    # The région's column, beside: its March is the Mayenne's without Laval too.
    assert [r[0] for r in rows if r[2].endswith("*")] == ["mars 2025*"]
    # One item each, under the note's head.
    assert re.search(r'id="mois-partiels"><p[^>]*>\* Chiffres partiels :</p><ul[^>]*><li>', page)
    note = _partial_note(page)
    assert note.startswith(
        "* Chiffres partiels : Laval manque dans les données de mars 2025, alors qu’elle était"
    )
    region = _share("2025-02", MAYENNE[:1], MAYENNE + SARTHE)
    assert note.endswith(
        "Pays de la Loire : Laval manque dans les données de mars 2025, alors qu’elle était"
        f" comptée en février 2025 ({region} du total des Pays de la Loire ce mois-là) : ce"
        " chiffre porte sur les autres communes."
    )
    # The chart marks March on its line and on the région's, March only, and its legend says
    # what the mark is.
    circles = re.findall(r'<circle class="cap-chart-partial"[^>]*><title>([^<]*)</title>', page)
    assert circles == [
        "Pays de la Loire, mars 2025 : chiffre partiel",
        "mars 2025 : chiffre partiel",
    ]
    assert "<li>Cercle vide : mois auquel manquent des communes, chiffre partiel</li>" in page
    download = client.get(f"{url}?format=csv").content.decode("utf-8-sig").splitlines()
    by_month = {line.split(";")[0]: line.split(";")[-1] for line in download[1:]}
    assert by_month["2025-03"].startswith("Laval manque dans les données de mars 2025")
    assert by_month["2025-03"].endswith(
        "du total des Pays de la Loire ce mois-là) : ce chiffre porte sur les autres communes."
    )
    assert by_month["2025-04"] == by_month["2025-02"] == ""
    # The Sarthe's page: its own months whole, unmarked; the région's March beside them is not.
    sarthe = client.get("/indicateurs/DMP_ALIMENTATION/departement/72/").content.decode()
    rows = table_rows(sarthe, caption)
    assert not [r for r in rows if r[0].endswith("*") or r[1].endswith("*")]
    assert [r[0] for r in rows if r[2].endswith("*")] == ["mars 2025"]
    assert _partial_note(sarthe).startswith(
        "* Chiffre partiel : Pays de la Loire : Laval manque dans les données de mars 2025"
    )
    circles = re.findall(r'<circle class="cap-chart-partial"[^>]*><title>([^<]*)</title>', sarthe)
    assert circles == ["Pays de la Loire, mars 2025 : chiffre partiel"]

    # A committee report for April compares it with the last whole month before it, February.
    import datetime as dt

    from capsante.reports import committee_report

    april = committee_report.indicators_moved(
        imported["mayenne"], dt.date(2025, 4, 1), dt.date(2025, 4, 30)
    )
    row = next(r for r in april if r["code"] == "DMP_ALIMENTATION")
    assert (row["before_period"], row["after_period"]) == ("2025-02", "2025-04")
    assert (
        row["set_aside"]
        == "mars 2025 laissé de côté : il y manque 1\xa0commune comptée en février 2025"
    )


def test_the_api_marks_the_value_short_of_a_commune_and_only_that_one(imported, client, tmp_path):
    """A reuser reading the Mayenne's DMP series through the API got March without Laval as any
    other month. March now carries what the page says: which month it is compared with, how many
    communes are missing, their part of the total, and the sentence; the other months, the
    Sarthe's and a superseded version carry nothing."""
    url = "/api/v1/values?indicator=DMP_ALIMENTATION&territory=departement:53&all_versions=true"
    assert {item["partial"] for item in client.get(url).json()["items"]} == {None}
    _import_again(_march_without(tmp_path, "53130"))
    items = client.get(url).json()["items"]
    marked = [(i["period"], i["is_current"]) for i in items if i["partial"]]
    assert marked == [("2025-03", True)]  # not March's previous version, which was whole
    partial = next(i["partial"] for i in items if i["partial"])
    assert partial["previous_period"] == "2025-02"
    assert (partial["missing_communes"], partial["communes"]) == (1, ["Laval"])
    assert partial["share"] > completeness.SHARE_WORTH_SAYING
    assert partial["sentence"].startswith("Laval manque dans les données de mars 2025")
    sarthe = client.get("/api/v1/values?indicator=DMP_ALIMENTATION&territory=departement:72")
    assert {item["partial"] for item in sarthe.json()["items"]} == {None}


def test_the_open_data_says_which_values_are_short_of_a_commune_as_each_page_does(
    imported, tmp_path
):
    """The open data's values are France's every territory at once: their last column says,
    for the Mayenne's, the région's and a grouping's March without Laval, what each of their
    pages says, found for all territories in one pass (`partial_figures`), and nothing for any
    other row. The package still validates against its own schema."""
    import csv

    import frictionless

    from capsante.territories.models import GroupingKind

    laval, mayenne_town = (Territory.objects.get(code=c) for c in ("53130", "53147"))
    grouping = Territory.objects.create(
        level=Level.GROUPING, code="CLS-LAVAL", name="CLS du pays de Laval",
        grouping_kind=GroupingKind.CLS,
    )  # fmt: skip
    grouping.members.set([laval, mayenne_town])
    services.compute_and_store(codes=CODES)

    def exported(name: str) -> dict[tuple[str, str, str, str], str]:
        directory = tmp_path / name
        call_command("export", "opendata", "--output", str(directory))
        report = frictionless.validate(str(directory / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        with (directory / "valeurs.csv").open(encoding="utf-8") as handle:
            return {
                (r["code_indicateur"], r["niveau_territoire"], r["code_territoire"], r["mois"]): (
                    r["chiffre_partiel"]
                )
                for r in csv.DictReader(handle)
            }

    assert set(exported("before").values()) == {""}
    _import_again(_march_without(tmp_path, "53130"))
    rows = exported("after")
    marked = {key: said for key, said in rows.items() if said}
    expected = {}
    for territory in (imported["mayenne"], imported["region"], grouping):
        for code in CODES:
            indicator = Indicator.objects.get(code=code)
            values = services.series(indicator, territory)
            said = completeness.partial_months(indicator, territory, values)["2025-03"]
            expected[(code, territory.level, territory.code, "2025-03")] = said.sentence()
    assert marked == expected
    assert all(s.startswith("Laval manque dans les données de mars 2025") for s in marked.values())


def _month_like_march(tmp_path: Path, month: str, *left_out: str) -> Path:
    """`month`'s file: every commune of the sample with its March figures, but `left_out`."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    kept = [
        line.replace(";2025-03;", f";{month};")
        for line in lines[1:]
        if ";2025-03;" in line and line[:5] not in left_out
    ]
    path = tmp_path / f"am_mes_{month}.csv"
    path.write_text("\n".join([lines[0], *kept]) + "\n", encoding="utf-8")
    return path


def test_a_commune_absent_two_months_running_is_missing_from_both(
    imported, client, tmp_path, settings
):
    """March sent again without Laval, then April's file without it too. April's figure is the
    Mayenne without Laval as March's was, though April lost nothing since March: compared with
    the month before alone, it read as whole, the dashboard showed it unmarked, worked out a gap
    and what is left to do from it, and the status judged the target on it. It is said against
    February, the last month that counted Laval, wherever March is; the status leaves both
    months out; the committee report compares February; the open data marks both. With Laval
    back in May, May is whole."""
    import datetime as dt

    from capsante.reports import committee_report

    indicator = Indicator.objects.get(code="MES_ACTIVATION")
    target, _ = Target.objects.update_or_create(
        indicator=indicator,
        territory=imported["mayenne"],
        defaults={"target_value": 60, "deadline": "2026-12", "baseline_period": "2025-01"},
    )
    _import_again(_march_without(tmp_path, "53130"))
    record = run_import("am-mes", _month_like_march(tmp_path, "2025-04", "53130"))
    assert record.status == ImportStatus.IMPORTED, record.message
    services.compute_and_store(codes=CODES, as_of="2025-04")

    share = _share("2025-02", MAYENNE[:1], MAYENNE)
    url = "/indicateurs/DMP_ALIMENTATION/departement/53/"
    page = client.get(url).content.decode()
    assert (
        "Laval manque dans les données d’avril 2025, alors qu’elle était comptée en février "
        f"2025 ({share} du total de la Mayenne ce mois-là) : ce chiffre porte sur les autres "
        "communes."
    ) in page
    rows = table_rows(page, "Valeurs mensuelles, territoires englobants, trajectoire et prévision")
    assert [r[0] for r in rows if r[0].endswith("*")] == ["mars 2025*", "avril 2025*"]
    assert [r[0] for r in rows if r[2].endswith("*")] == ["mars 2025*", "avril 2025*"]

    dashboard = client.get("/indicateurs/territoire/departement/53/").content.decode()
    said = f"il manque 1\xa0commune comptée en février 2025 ({share} du total)"
    assert dashboard.count(f"<strong>Chiffre partiel</strong> : {said}.") == len(CODES)
    assert "Reste à faire : encore" not in dashboard

    target.refresh_from_db()
    assert target.status_reason.endswith(
        "(2\xa0mois laissés de côté, de mars 2025 à avril 2025 : il y manque 1\xa0commune"
        " comptée en février 2025)"
    )
    assert target.status_details["last_period"] == "2025-02"

    moved = committee_report.indicators_moved(
        imported["mayenne"], dt.date(2025, 2, 1), dt.date(2025, 4, 30)
    )
    row = next(r for r in moved if r["code"] == "DMP_ALIMENTATION")
    assert row["after_period"] == "2025-02"
    assert row["set_aside"] == (
        "2\xa0mois laissés de côté, de mars 2025 à avril 2025 : il y manque 1\xa0commune"
        " comptée en février 2025"
    )
    # April alone: its one month and the last before it (March) both lack Laval; both said,
    # and nothing worked out from either.
    april = committee_report.indicators_moved(
        imported["mayenne"], dt.date(2025, 4, 1), dt.date(2025, 4, 30)
    )
    row = next(r for r in april if r["code"] == "DMP_ALIMENTATION")
    assert (row["before_period"], row["after_label"]) == ("2025-02", "—")
    assert row["delta_label"] == completeness.NOT_FROM_PARTIAL
    assert row["set_aside"] == (
        "avril 2025 laissé de côté : il y manque 1\xa0commune comptée en février 2025\xa0;"
        " mars 2025 laissé de côté : il y manque 1\xa0commune comptée en février 2025"
    )

    export = tmp_path / "opendata"
    call_command("export", "opendata", "--output", str(export))
    with (export / "valeurs.csv").open(encoding="utf-8") as handle:
        import csv

        marked = sorted(
            (r["niveau_territoire"], r["code_territoire"], r["mois"])
            for r in csv.DictReader(handle)
            if r["code_indicateur"] == "DMP_ALIMENTATION" and r["chiffre_partiel"]
        )
    assert marked == [
        ("departement", "53", "2025-03"),
        ("departement", "53", "2025-04"),
        ("region", "52", "2025-03"),
        ("region", "52", "2025-04"),
    ]

    # Laval back in May: May is whole, April and March stay marked in the table.
    record = run_import("am-mes", _month_like_march(tmp_path, "2025-05"))
    assert record.status == ImportStatus.IMPORTED, record.message
    services.compute_and_store(codes=CODES, as_of="2025-05")
    page = client.get(url).content.decode()
    assert "communes-manquantes" not in page
    rows = table_rows(page, "Valeurs mensuelles, territoires englobants, trajectoire et prévision")
    assert [r[0] for r in rows if r[0].endswith("*")] == ["mars 2025*", "avril 2025*"]
    target.refresh_from_db()
    assert target.status_details["last_period"] == "2025-05"
