"""A rolling 12-month figure says so when one of its months lacks a commune (decision 0046).

DMP_DOCS_PER_INHABITANT sums each commune's documents over the last 12 months. A corrected
March file of the Assurance Maladie sent without Laval leaves Laval with a value from its other
eleven months: the stored values alone cannot tell that the Mayenne's 12 months lack Laval's
March (decisions 0043 and 0044 left it so). Here through the real chain: a documents file in
the source's format → import → engine → stored values → page, dashboard, status, open data.
"""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from capsante.engine import gaps
from capsante.engine.periods import month_range
from capsante.imports.models import ImportStatus
from capsante.imports.services import run_import
from capsante.indicators import completeness, services
from capsante.indicators.models import Indicator, Target
from capsante.territories.models import Territory
from capsante.ui import formats
from capsante.ui.testing import table_rows

CODE = "DMP_DOCS_PER_INHABITANT"
MONTHS = month_range("2023-12", "2025-03")  # 16 months: five 12-month windows, a status
# Documents a month, by commune, over two document types (the file's own rows).
DOCUMENTS = {"53130": 4000, "53147": 1000, "72181": 12000, "72003": 900, "72154": 1100}
HEADER = "code_commune;mois;type_document;documents"

pytestmark = pytest.mark.django_db


def _write(path: Path, months: list[str], left_out: tuple[str, ...] = (), only: str = "") -> Path:
    lines = [HEADER]
    for month in months:
        for commune, documents in DOCUMENTS.items():
            if commune in left_out or not commune.startswith(only):
                continue
            lines.append(f"{commune};{month};11490-0;{documents // 4}")
            lines.append(f"{commune};{month};11502-2;{documents - documents // 4}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(path: Path, removed: int | None = None) -> None:
    record = run_import("am-dmp-documents", path)
    assert record.status == ImportStatus.IMPORTED, record.message
    if removed is not None:
        assert record.removed == removed
    services.compute_and_store(codes=[CODE], as_of=MONTHS[-1])


@pytest.fixture
def imported(geography, settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    _import(_write(tmp_path / "am_dmp_documents.csv", MONTHS))
    return geography


def _march_without_laval(tmp_path: Path) -> Path:
    """The Mayenne's March, corrected, without Laval."""
    return _write(tmp_path / "am_dmp_documents_53_2025-03.csv", ["2025-03"], ("53130",), "53")


def _share(left_out: str, communes: tuple[str, ...]) -> str:
    """The missing month's part of the 12 months' documents, from the file's own figures: what
    the commune counted in February over the window without it plus that."""
    whole = 12 * sum(DOCUMENTS[c] for c in communes)
    return formats.percent(100 * DOCUMENTS[left_out] / whole)


def test_the_page_says_which_month_of_the_12_lacks_a_commune(imported, client, tmp_path, capsys):
    url = f"/indicateurs/{CODE}/departement/53/"
    page = client.get(url).content.decode()
    assert "communes-manquantes" not in page and 'id="mois-partiels"' not in page

    _import(_march_without_laval(tmp_path), removed=2)  # Laval's two rows of March

    page = client.get(url).content.decode()
    said = (
        "Laval manque dans les données de mars 2025, l’un des 12 mois que ce chiffre additionne,"
        " alors qu’elle était comptée en février 2025 : il manque ainsi à ce chiffre environ"
        f" {_share('53130', ('53130', '53147'))} du total de la Mayenne."
    )
    assert said in page
    assert formats.percent(100 * 4000 / 60000) in said  # 6,7 %: Laval's 4,000 of 60,000
    # The région's and Laval's own 12 months lack it too, the Sarthe's do not.
    region = client.get(f"/indicateurs/{CODE}/region/52/").content.decode()
    assert "l’un des 12 mois que ce chiffre additionne" in region
    assert "du total des Pays de la Loire" in region
    laval = client.get(f"/indicateurs/{CODE}/commune/53130/").content.decode()
    assert (
        f"il manque ainsi à ce chiffre environ {_share('53130', ('53130',))} du total de Laval"
        in laval
    )
    sarthe = client.get(f"/indicateurs/{CODE}/departement/72/").content.decode()
    assert "communes-manquantes" not in sarthe

    # The command says it as the page does.
    call_command("indicators", "show", CODE, "--territory", "53")
    assert f"  attention    : {said}" in capsys.readouterr().out

    # Laval's March sent again: nothing is partial any more.
    _import(_write(tmp_path / "again.csv", ["2025-03"], only="53"))
    assert "communes-manquantes" not in client.get(url).content.decode()


def test_the_import_lists_the_missing_communes_before_any_page_asks(
    imported, client, tmp_path, settings
):
    """At national scale, listing them reads the whole documents table (0.6–0.75 s): the
    import's recompute does it, and keeps the list beside the table, where the page servers'
    workers read it."""
    settings.RECOMPUTE_AFTER_IMPORT = True
    kept = Path(settings.STAGING_DIR) / gaps.KEPT_DIR / f"{CODE}@1.json"
    before = kept.stat().st_mtime_ns if kept.exists() else None

    record = run_import("am-dmp-documents", _march_without_laval(tmp_path))
    assert record.status == ImportStatus.IMPORTED, record.message
    assert kept.stat().st_mtime_ns != before
    listed = json.loads(kept.read_text(encoding="utf-8"))["gaps"]
    assert listed == {"2025-03": {"53130": float(DOCUMENTS["53130"])}}

    gaps._kept.clear()  # a worker started after the import
    page = client.get(f"/indicateurs/{CODE}/departement/53/").content.decode()
    assert "Laval manque dans les données de mars 2025" in page

    # The command's computation lists them too, as `make run`'s does.
    kept.unlink()
    gaps._kept.clear()
    call_command("indicators", "compute", verbosity=0, stdout=io.StringIO())
    assert json.loads(kept.read_text(encoding="utf-8"))["gaps"] == listed


def test_every_month_whose_window_holds_the_gap_is_marked_and_the_dashboard_says_it(
    imported, client, tmp_path
):
    """April came with Laval: April's 12 months still hold the March without it. Both months
    are marked in the page's table; the dashboard's card says it under the figure, unnamed."""
    _import(_march_without_laval(tmp_path), removed=2)
    _import(_write(tmp_path / "april.csv", ["2025-04"]))
    page = client.get(f"/indicateurs/{CODE}/departement/53/").content.decode()
    rows = table_rows(page, "Valeurs mensuelles, territoires englobants, trajectoire et prévision")
    # The Mayenne's months, and the région's beside them: its figures sum the same windows.
    assert [r[0] for r in rows if r[0].endswith("*")] == ["mars 2025*", "avril 2025*"]
    assert [r[0] for r in rows if r[2].endswith("*")] == ["mars 2025*", "avril 2025*"]
    values = services.series(Indicator.objects.get(code=CODE), imported["mayenne"])
    partial = completeness.partial_months(values[0].indicator, imported["mayenne"], values)
    assert sorted(partial) == ["2025-03", "2025-04"]
    assert {m.months for m in partial.values()} == {("2025-03",)}

    # The API gives both figures in force the page's sentence, and no earlier version of March.
    url = f"/api/v1/values?indicator={CODE}&territory=departement:53&all_versions=true"
    items = client.get(url).json()["items"]
    marked = sorted((i["period"], i["is_current"]) for i in items if i["partial"])
    assert marked == [("2025-03", True), ("2025-04", True)]
    assert {i["partial"]["sentence"] for i in items if i["partial"]} == {
        m.sentence() for m in partial.values()
    }
    assert {
        (i["partial"]["window_months"], *i["partial"]["short_months"])
        for i in items
        if i["partial"]
    } == {(12, "2025-03")}

    dashboard = client.get("/indicateurs/territoire/departement/53/").content.decode()
    assert (
        "<strong>Chiffre partiel</strong> : il manque 1\xa0commune à l’un des 12 mois additionnés"
        " (environ"
    ) in dashboard
    assert "Laval" not in dashboard.split("<main", 1)[1].split("Descendre d’un niveau")[0]
    sarthe = client.get("/indicateurs/territoire/departement/72/").content.decode()
    assert "Chiffre partiel" not in sarthe


def test_the_status_leaves_out_every_figure_whose_window_lacks_the_commune(
    imported, tmp_path, settings, django_capture_on_commit_callbacks, run_jobs
):
    """Judged on the Mayenne's 12 months without Laval's March, a target met would fall and its
    editors be told by mail that it worsened. The status is that of the figures whose months are
    whole; its reason says which were left out."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mayenne = imported["mayenne"]
    population = mayenne_population(mayenne)
    whole = 12 * (DOCUMENTS["53130"] + DOCUMENTS["53147"]) / population
    without_laval = (11 * DOCUMENTS["53130"] + 12 * DOCUMENTS["53147"]) / population
    goal = round((whole + without_laval) / 2, 2)
    assert without_laval < goal <= whole  # the file's figures make the case
    target, _ = Target.objects.update_or_create(
        indicator=Indicator.objects.get(code=CODE),
        territory=mayenne,
        defaults={"target_value": goal, "deadline": "2025-12"},
    )
    services.compute_and_store(codes=[CODE], as_of="2025-03")
    target.refresh_from_db()
    assert target.status == "atteint"
    assert target.status_details["last_period"] == "2025-03"

    with django_capture_on_commit_callbacks(execute=True):
        _import(_march_without_laval(tmp_path), removed=2)
    run_jobs()
    target.refresh_from_db()
    assert target.status == "atteint"
    assert target.status_reason == (
        "la dernière valeur atteint la cible (mars 2025 laissé de côté : il manque 1\xa0commune"
        " à l’un des 12 mois qu’il additionne)"
    )
    assert target.status_details["last_period"] == "2025-02"
    assert mail.outbox == []

    # April, whole, still sums the March without Laval: both are left out.
    _import(_write(tmp_path / "april.csv", ["2025-04"]))
    services.compute_and_store(codes=[CODE], as_of="2025-04")
    target.refresh_from_db()
    assert target.status_reason.endswith(
        "(2\xa0mois laissés de côté, de mars 2025 à avril 2025 : il manque 1\xa0commune à l’un"
        " des 12 mois que chacun additionne)"
    )
    assert target.status_details["last_period"] == "2025-02"


def mayenne_population(mayenne: Territory) -> int:
    return sum(c.population for c in Territory.objects.filter(parent=mayenne))


def test_the_open_data_marks_each_territory_s_window_as_its_page_does(imported, tmp_path):
    _import(_march_without_laval(tmp_path), removed=2)
    directory = tmp_path / "opendata"
    call_command("export", "opendata", "--output", str(directory))
    with (directory / "valeurs.csv").open(encoding="utf-8") as handle:
        marked = {
            (r["niveau_territoire"], r["code_territoire"], r["mois"]): r["chiffre_partiel"]
            for r in csv.DictReader(handle)
            if r["code_indicateur"] == CODE and r["chiffre_partiel"]
        }
    indicator = Indicator.objects.get(code=CODE)
    expected = {}
    for code in ("53", "52", "53130", "200083392"):  # département, région, Laval, its EPCI
        territory = Territory.objects.get(code=code)
        values = services.series(indicator, territory)
        said = completeness.partial_months(indicator, territory, values)["2025-03"]
        expected[(territory.level, code, "2025-03")] = said.sentence()
    assert marked == expected


def test_the_committee_report_works_nothing_out_from_windows_that_lack_the_commune(
    imported, tmp_path
):
    """« Les indicateurs qui ont bougé » for March and April: both months' 12 months lack
    Laval's March. Neither is compared with February; the row says which months it left out."""
    import datetime as dt

    from capsante.indicators import dashboards
    from capsante.reports import committee_render, committee_report

    _import(_march_without_laval(tmp_path), removed=2)
    _import(_write(tmp_path / "april.csv", ["2025-04"]))
    mayenne = imported["mayenne"]
    data = committee_report.build(mayenne, dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    row = next(r for r in data["indicators_moved"] if r["code"] == CODE)
    february = next(
        v
        for v in services.series(Indicator.objects.get(code=CODE), mayenne)
        if v.period == "2025-02"
    )
    assert row["before_label"] == dashboards.format_value(february.value, february.indicator)
    assert (row["after_label"], row["delta_label"]) == ("—", completeness.NOT_FROM_PARTIAL)
    said = (
        "2\xa0mois laissés de côté, de mars 2025 à avril 2025 : il manque 1\xa0commune à l’un des"
        " 12 mois que chacun additionne"
    )
    assert row["set_aside"] == said
    assert said[1:] in committee_render.to_html(data)  # capitalised at the start of its cell


def test_the_change_over_a_year_is_not_worked_out_from_a_partial_figure_a_year_before(
    imported, seeded_roadmaps, client, tmp_path
):
    """The roadmap's public dashboard, handed to elected officials, gives each figure's change
    over a year. With Laval left out of March 2024, the 12 months of November 2024 (where the
    series starts) lack it: the change from them to the whole March 2025 would be the hole's
    size, read as the Mayenne's progress. Not worked out, and said so."""
    from capsante.ui.testing import table_rows

    Target.objects.update_or_create(
        indicator=Indicator.objects.get(code=CODE),
        territory=imported["mayenne"],
        defaults={"target_value": 2, "deadline": "2026-12"},
    )
    url = f"/rapports/feuilles-de-route/{seeded_roadmaps['53'].pk}/tableau-de-bord/"
    caption = "Synthèse des indicateurs, par objectif de la feuille de route"

    def row(page: str) -> list[str]:
        name = Indicator.objects.get(code=CODE).name
        return next(r for r in table_rows(page, caption) if r[0] == name and r[2] == "Mayenne")

    page = client.get(url).content.decode()
    assert "Sur un an (depuis novembre 2024)" in page  # the series starts in November 2024
    _import(_write(tmp_path / "march_2024.csv", ["2024-03"], ("53130",), "53"), removed=2)
    page = client.get(url).content.decode()
    latest = row(page)
    # The latest figure is whole (its months hold no gap), and old by now: said so after it.
    assert latest[4] == "mars 2025, donnée ancienne"
    assert latest[8] == completeness.NOT_FROM_PARTIAL
    assert "Sur un an (depuis" not in page


def test_a_reader_after_the_import_takes_the_kept_list_without_reading_the_catalogue(
    imported, tmp_path, settings, monkeypatch, capsys
):
    """A report command, or a page server's worker, that shows the 12 months' figure used to
    read the whole catalogue to find the definition's list (YAML, Arrow and sqlglot: 0.34 s of
    the demo's 0.9 s roadmap document). The import kept the list with what it was made from: a
    reader takes it as it is, the catalogue left unread, and says the same."""
    settings.RECOMPUTE_AFTER_IMPORT = True
    record = run_import("am-dmp-documents", _march_without_laval(tmp_path))
    assert record.status == ImportStatus.IMPORTED, record.message
    gaps._kept.clear()  # a process started after the import

    def catalogue_read():
        raise AssertionError("the catalogue was read")

    monkeypatch.setattr(services, "definitions", catalogue_read)
    call_command("indicators", "show", CODE, "--territory", "53")
    assert "Laval manque dans les données de mars 2025" in capsys.readouterr().out


def test_a_commune_absent_two_months_running_lacks_from_both_months_of_the_window(
    imported, client, tmp_path, settings
):
    """March sent again without Laval, then April without it too: April's 12 months lack Laval
    twice. The staged table's list said March only (April lost nothing since March), and the
    page estimated the hole at one month of Laval's documents. It lists both months, each with
    what Laval counted in February, its last month, and the estimate is two months of it."""
    _import(_march_without_laval(tmp_path), removed=2)
    _import(_write(tmp_path / "april.csv", ["2025-04"], ("53130",)))
    kept = Path(settings.STAGING_DIR) / gaps.KEPT_DIR / f"{CODE}@1.json"
    gaps._kept.clear()
    client.get(f"/indicateurs/{CODE}/departement/53/")
    listed = json.loads(kept.read_text(encoding="utf-8"))["gaps"]
    assert listed == {
        month: {"53130": float(DOCUMENTS["53130"])} for month in ("2025-03", "2025-04")
    }

    page = client.get(f"/indicateurs/{CODE}/departement/53/").content.decode()
    whole = 12 * (DOCUMENTS["53130"] + DOCUMENTS["53147"])
    assert (
        "Laval manque dans les données de mars 2025 et d’avril 2025, 2 des 12 mois que ce"
        " chiffre additionne, alors qu’elle était comptée le mois précédent : il manque ainsi à"
        f" ce chiffre environ {formats.percent(100 * 2 * DOCUMENTS['53130'] / whole)} du total"
        " de la Mayenne."
    ) in page
