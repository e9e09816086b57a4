"""The Sarthe roadmap as a PDF: every objective and section, live figures, no overflowing or
cut text, the glossary of the acronyms used, tagged with language and title."""

import io
import re
import subprocess
import zlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils.html import escape
from PIL import Image
from weasyprint.formatting_structure import boxes

from capsante.engine.statuses import RULE as STATUS_RULE
from capsante.indicators import services as indicator_services
from capsante.indicators.models import Indicator, Target
from capsante.reports import roadmap_document
from capsante.roadmaps.models import GlossaryEntry, Roadmap
from capsante.territories.models import Level, Territory
from capsante.ui import pdf

from .conftest import normalise, stage_mes

# Sarthe communes of the test geography. June 2025: 900 of 1,200 Espaces santé have a document
# (75,0 %); the first month, January: 600 of 1,200 (50,0 %).
MONTHS = {
    f"2025-{m:02d}": {
        "72181": (500, 450 + 50 * m, 1000),
        "72003": (50, 45 + 5 * m, 100),
        "72154": (50, 45 + 5 * m, 100),
    }
    for m in range(1, 7)
}
SECTION_TITLES = {
    "actions": "Objectifs et perspectives",
    "assessment": "Bilan de l’existant",
    "figures": "Chiffres clés",
    "testimonies": "Témoignage",
    "events": "Focus événement",
    "resources": ("Ressource utile", "Ressources utiles"),
}


def _pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with its compressed streams inflated, where the catalogue may sit."""
    inflated = [data]
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            inflated.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"\n".join(inflated)


def _pages_text(path: Path) -> list[str]:
    """The text layer of each page, as poppler extracts it (what a screen reader or a search
    finds), independent of WeasyPrint."""
    count = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(path)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    return [
        normalise(
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture
def sarthe(seeded_roadmaps, staging):
    stage_mes(staging, MONTHS)
    indicator_services.compute_and_store(codes=["DMP_ALIMENTATION"])
    return seeded_roadmaps["72"]


@pytest.fixture
def sarthe_pdf(sarthe, tmp_path):
    html = roadmap_document.roadmap_html(sarthe)
    path = tmp_path / "sarthe.pdf"
    path.write_bytes(pdf.html_to_pdf(html))
    return sarthe, html, path


@pytest.mark.django_db
def test_every_objective_starts_a_page_with_its_sections_and_live_figures(sarthe_pdf):
    roadmap, _, path = sarthe_pdf
    pages = _pages_text(path)
    objectives = list(roadmap.objectives.all())
    assert len(objectives) == 8
    starts = []
    for number, objective in enumerate(objectives, 1):
        heading = normalise(f"{number}. {objective.title}")
        found = [i for i, text in enumerate(pages) if text.startswith(heading)]
        assert found, f"objective {number} does not start a page"
        starts.append(found[0])
    assert starts == sorted(starts) and len(set(starts)) == 8
    bounds = [*starts, next(i for i, t in enumerate(pages) if t.startswith("Glossaire"))]
    for number, objective in enumerate(objectives, 1):
        text = " ".join(pages[bounds[number - 1] : bounds[number]])
        assert f"OBJECTIF {number} SUR 8" in text
        assert "Priorité retenue".upper() in text and normalise(objective.priority) in text
        expected = {
            "actions": objective.actions.exists(),
            "assessment": objective.assessment.exists(),
            "figures": objective.key_figures.exists(),
            "testimonies": objective.testimonies.exists(),
            "events": objective.event_highlights.exists(),
            "resources": objective.useful_links.exists(),
        }
        for section, present in expected.items():
            titles = SECTION_TITLES[section]
            titles = titles if isinstance(titles, tuple) else (titles,)
            assert any(t in text for t in titles) == present, (number, section)
        for action in objective.actions.all():
            assert normalise(action.text) in text
        for figure in objective.key_figures.all():
            assert normalise(figure.label) in text
    # Objective 2's first key figure: the document's 69 % as baseline, today's value beside it.
    objective_2 = " ".join(pages[bounds[1] : bounds[2]])
    assert "69 % des Espaces santé sarthois sont alimentés" in objective_2
    assert "Chiffre du document au 30 novembre 2024" in objective_2
    assert "Dernière valeur calculée : 75,0 % en juin 2025 (900 sur 1 200)" in objective_2
    assert "Premier mois (janvier 2025) 50,0 %" in objective_2
    # Where the number comes from: the indicator's public page, named in full for paper.
    assert "Calcul, source et historique : " in objective_2
    # A figure whose indicator has no value yet says so rather than showing a stale number.
    objective_7 = " ".join(pages[bounds[6] : bounds[7]])
    assert "(pas encore de donnée)" in objective_7


def _inside(box, left, top, right, bottom, slack=0.5) -> bool:
    return (
        box.position_x >= left - slack
        and box.position_y >= top - slack
        and box.position_x + box.margin_width() <= right + slack
        and box.position_y + box.margin_height() <= bottom + slack
    )


def _walk(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _walk(child)


@pytest.mark.django_db
def test_no_text_overflows_or_is_cut(sarthe_pdf, tmp_path):
    """Two independent checks. (1) WeasyPrint's own layout: every line of text and every chart
    lies inside the page's content area (margin boxes inside the page), so nothing runs past an
    edge or under the footer. (2) The rendered pixels (pdftoppm): the left and right margins of
    every page are blank, which a line or a chart spilling sideways would ink."""
    _, html, path = sarthe_pdf
    document = pdf.document(html)
    offenders = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        left, top = page_box.content_box_x(), page_box.content_box_y()
        right, bottom = left + page_box.width, top + page_box.height
        for child in page_box.children:
            in_margin = isinstance(child, boxes.MarginBox)
            area = (0, 0, page.width, page.height) if in_margin else (left, top, right, bottom)
            for box in _walk(child):
                if isinstance(box, boxes.LineBox | boxes.ReplacedBox) and not _inside(box, *area):
                    offenders.append((number, type(box).__name__, str(box)[:80]))
    assert offenders == []

    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-png", str(path), str(tmp_path / "p")], check=True
    )
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(document.pages)
    for image_path in images:
        image = Image.open(image_path).convert("L")
        width, height = image.size
        strip = round(width * 15 / 210)  # 15 mm of the 17 mm side margins
        for box in ((0, 0, strip, height), (width - strip, 0, width, height)):
            low, _ = image.crop(box).getextrema()
            assert low >= 250, f"ink in a side margin of {image_path.name}"


@pytest.mark.django_db
def test_glossary_lists_exactly_the_acronyms_used(sarthe, tmp_path):
    GlossaryEntry.objects.create(
        roadmap=sarthe, acronym="ZZTOP", expansion="Sigle jamais employé", order=99
    )
    path = tmp_path / "sarthe.pdf"
    path.write_bytes(roadmap_document.roadmap_pdf(sarthe))
    pages = _pages_text(path)
    glossary = next(t for t in pages if t.startswith("Glossaire"))
    for acronym, expansion in [
        ("CLS", "Contrat Local de Santé"),
        ("CERT", "Computer Emergency Response Team"),
        ("ESSMS", "Etablissement ou Service Social ou Médico-Social"),
        ("ROR", "Répertoire Opérationnel des Ressources"),
        (
            "API LPS",
            "Interface pour se connecter à tous les opérateurs de messagerie sécurisée de santé",
        ),
    ]:
        assert f"{acronym} {expansion}" in glossary
    assert "ZZTOP" not in glossary and "Sigle jamais employé" not in glossary


@pytest.mark.django_db
def test_pdf_is_tagged_with_french_language_and_title(sarthe, tmp_path):
    path = tmp_path / "sarthe.pdf"
    call_command("report", "roadmap", "--territory", "72", "--output", str(path))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    assert "Title:           Feuille de route du numérique en santé 2025-2026 — Sarthe" in info
    assert re.search(rb"/Lang ?\(fr\)", _pdf_objects(path.read_bytes()))
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "Marianne" in fonts
    html_path = tmp_path / "sarthe.html"
    call_command("report", "roadmap", "--territory", "72", "--output", str(html_path))
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.django_db
def test_each_live_figure_links_to_its_public_indicator_page(sarthe_pdf, client, settings):
    """A reader of the printed document can open the page that says how a figure is computed,
    from which source, month by month: its full address is printed under the figure, and an
    anonymous visitor can open it (the page shows aggregates)."""
    _, html, path = sarthe_pdf
    linked = re.findall(r'<a href="([^"]+/indicateurs/[^"]+)">\1</a>', html)
    dmp = f"{settings.PUBLIC_URL}/indicateurs/DMP_ALIMENTATION/departement/72/"
    assert dmp in linked
    # One address under each figure computed live, none under the document's own figures.
    assert len(linked) == html.count("Dernière valeur calculée") > 1
    for address in set(linked):
        code = address.removeprefix(f"{settings.PUBLIC_URL}/indicateurs/").split("/")[0]
        response = client.get(address.removeprefix(settings.PUBLIC_URL))
        assert response.status_code == 200, address
        assert escape(Indicator.objects.get(code=code).name) in response.text
    # On paper, the address is whole (pdftotext joins what the page wrapped).
    assert normalise(dmp).replace(" ", "") in " ".join(_pages_text(path)).replace(" ", "")


def _column_boxes(page_box):
    """The two columns of each « Bilan de l’existant » on a page, as WeasyPrint laid them out
    (the cells of a table: its wrapper, table, row group and row boxes all stand for the one
    `.columns` element)."""
    blocks = []

    def visit(box):
        if box.element_tag == "div" and box.element.get("class") == "columns":
            blocks.append([b for b in _walk(box) if b.element_tag == "div" and _is_column(b)])
            return
        for child in getattr(box, "children", []):
            visit(child)

    visit(page_box)
    return blocks


def _is_column(box) -> bool:
    return box.element.get("class") == "column"


def _lines_bottom(box) -> float:
    return max(b.position_y + b.height for b in _walk(box) if isinstance(b, boxes.LineBox))


def _text(box) -> str:
    return normalise(" ".join(b.text for b in _walk(box) if isinstance(b, boxes.TextBox)))


def _items(column) -> list:
    """The column's list items, each the box of its ``li`` (whose children include the marker)."""
    lists = [b for b in _walk(column) if b.element_tag == "ul"]
    return [item for ul in lists for item in ul.children if item.element_tag == "li"]


@pytest.mark.django_db
def test_the_assessment_is_shared_between_two_even_columns_in_reading_order(sarthe_pdf):
    """Each objective's « Bilan de l’existant », cut by the report: two columns side by side, its
    items each once and in order (the first column, then the second), and as even as whole items
    allow — the columns' heights apart by no more than the item at the cut and a heading, which
    moving that item to the other column would cost."""
    roadmap, html, _ = sarthe_pdf
    document = pdf.document(html)
    blocks = [columns for page in document.pages for columns in _column_boxes(page._page_box)]
    objectives = [o for o in roadmap.objectives.all() if o.assessment.exists()]
    assert len(blocks) == len(objectives) == 8
    continued = 0
    for objective, (first, second) in zip(objectives, blocks, strict=True):
        assert first.position_y == second.position_y, objective
        assert second.position_x >= first.position_x + first.margin_width()
        # Compared without spaces: a line's end and a glossary acronym's box split the text.
        texts = [
            "".join(_text(b).removeprefix("• ").split()) for b in _items(first) + _items(second)
        ]
        assert texts == ["".join(i.text.split()) for i in objective.assessment.all()]
        heights = [_lines_bottom(c) - c.content_box_y() for c in (first, second)]
        at_cut = _items(first)[-1] if heights[0] > heights[1] else _items(second)[0]
        heading = max((b.margin_height() for b in _walk(first) if b.element_tag == "h4"), default=0)
        assert abs(heights[0] - heights[1]) <= at_cut.margin_height() + heading + 1, objective
        continued += "(suite)" in _text(second)
    assert continued >= 1  # the first objective's « Accompagnement » straddles the cut


@pytest.mark.django_db
def test_the_sources_page_names_sources_and_months_in_words(sarthe_pdf):
    """The « Provenance des chiffres calculés » table, read by a committee: each indicator's
    sources as the platform names them and the month in words — no source code (« am-mes »), no
    indicator code, no « 2025-06 »."""
    roadmap, _, path = sarthe_pdf
    pages = _pages_text(path)
    sources = " ".join(pages[next(i for i, t in enumerate(pages) if t.startswith("Sources")) :])
    table = sources.split("Provenance des chiffres calculés", 1)[1].split("Chiffres repris", 1)[0]
    indicators = {f.indicator for f in roadmap_document.context(roadmap)["sourced"] if f.indicator}
    assert indicators
    for indicator in indicators:
        assert normalise(indicator.name) in table
        assert normalise(indicator.sources_label) in table
        assert indicator.code not in table
        assert not any(source in table.split() for source in indicator.sources)
    assert "juin 2025" in table and "2025-06" not in table
    # How a status is decided, written out where the statuses are explained.
    assert "docs/indicateurs" not in sources
    for condition, status in STATUS_RULE:
        assert normalise(f"{condition[0].upper()}{condition[1:]} : {status.label}.") in sources
    assert "n’entre pas dans le calcul du statut" in sources  # decision 0044
    # Nor anywhere else: deadlines and forecasts too are months in words.
    assert re.findall(r"\b20\d\d-\d\d(?:-\d\d)?\b", " ".join(pages)) == []


@pytest.mark.django_db
def test_a_target_s_deadline_and_forecast_read_as_months_in_words(sarthe, tmp_path):
    """A key figure with a target: « cible 90,0 % en décembre 2026 », and the forecast's month
    in words too, not « 2026-12 »."""
    target = Target.objects.create(
        indicator=Indicator.objects.get(code="DMP_ALIMENTATION"),
        territory=sarthe.territory,
        baseline_value=50.0,
        baseline_period="2025-01",
        target_value=90.0,
        deadline="2026-12",
    )
    target.status = "a_surveiller"
    target.status_reason = "la tendance n’atteint pas la cible à l’échéance"
    target.status_details = {"estimated_date": "2027-05"}
    target.save()
    path = tmp_path / "sarthe.pdf"
    path.write_bytes(pdf.html_to_pdf(roadmap_document.roadmap_html(sarthe)))
    text = " ".join(_pages_text(path))
    assert "en décembre 2026" in text and "cible atteinte vers mai 2027" in text
    assert re.findall(r"\b20\d\d-\d\d(?:-\d\d)?\b", text) == []


@pytest.mark.django_db
def test_a_figure_about_the_region_names_the_region_not_the_departement_of_the_same_code(
    sarthe, tmp_path
):
    """The Sarthe's document counts the crisis exercises « en Pays de la Loire », scope « 52 »:
    the région, as the roadmap's pages read it. Haute-Marne, the département numbered 52 in the
    official geography, has nothing to do with it. A figure that names its territory is not
    followed by the name again; one that does not is."""
    from capsante.territories.models import Level, Territory

    region = Territory.objects.get(level=Level.REGION, code="52")
    Territory.objects.create(level=Level.DEPARTEMENT, code="52", name="Haute-Marne")
    about_region = [
        f for o in sarthe.objectives.all() for f in o.key_figures.filter(scope="52", indicator="")
    ]
    assert about_region  # the seed's crisis exercises
    path = tmp_path / "sarthe.pdf"
    path.write_bytes(pdf.html_to_pdf(roadmap_document.roadmap_html(sarthe)))
    text = " ".join(_pages_text(path))
    assert "Haute-Marne" not in text
    named = [f for f in about_region if region.name in f.label]
    assert named  # « … en Pays de la Loire »: the name is not written twice
    for figure in named:
        assert f"{normalise(figure.label)} ({region.name})" not in text
    figure = named[0]
    figure.label = figure.label.replace(f" en {region.name}", "")
    figure.save()
    path.write_bytes(pdf.html_to_pdf(roadmap_document.roadmap_html(sarthe)))
    text = " ".join(_pages_text(path))
    assert f"{normalise(figure.label)} ({region.name})" in text


@pytest.mark.django_db
def test_the_mayenne_s_tables_read_without_an_empty_column_or_a_dangling_preposition(
    seeded_roadmaps, staging, tmp_path
):
    """The Mayenne's roadmap names no priority: its overview has no « Priorité retenue » column
    left empty. Its targets table names each target as a heading would (« Alimentation du
    DMP »), not with the words that follow the value in the document (« d’alimentation du
    DMP »). The Sarthe's overview keeps its priorities."""
    mayenne = seeded_roadmaps["53"]
    path = tmp_path / "mayenne.pdf"
    path.write_bytes(pdf.html_to_pdf(roadmap_document.roadmap_html(mayenne)))
    pages = _pages_text(path)
    overview = next(p for p in pages if "en un coup d’œil" in p)
    assert "Priorité retenue" not in overview and "priorités retenues" not in overview
    targets = next(p for p in pages if p.startswith("Objectifs chiffrés"))
    labels = [
        f.label for o in mayenne.objectives.all() for f in o.key_figures.filter(kind="target")
    ]
    assert any(label.startswith(("d’", "d'")) for label in labels)  # the seed's own words
    for label in labels:
        assert normalise(label) not in targets
    assert "Alimentation du DMP" in targets
    assert "Activations de comptes Mon Espace Santé" in targets
    # Its targets recorded on the platform are those of its document: listed once.
    indicator_services.sync_catalogue()  # records the targets its definitions reference
    assert Target.objects.filter(territory=mayenne.territory).count() >= 5
    path.write_bytes(pdf.html_to_pdf(roadmap_document.roadmap_html(mayenne)))
    assert "Cibles suivies sur la plateforme" not in " ".join(_pages_text(path))
    sarthe = roadmap_document.roadmap_html(seeded_roadmaps["72"])
    assert "Priorité retenue</th>" in sarthe


@pytest.mark.django_db
def test_the_command_says_which_territory_a_shared_code_or_name_gave(seeded_roadmaps, tmp_path):
    """« 52 » is the Haute-Marne's code and the Pays de la Loire's: asked for the région's
    document as « 52 », the command once wrote nothing useful and never said why (the committee
    report even came out, empty, for the Haute-Marne). It now says which it took, and how to ask
    for the other."""
    region = seeded_roadmaps["72"].territory.parent
    Territory.objects.create(level=Level.DEPARTEMENT, code="52", name="Haute-Marne")
    Roadmap.objects.create(
        territory=region, period_start=2025, period_end=2026, title="Feuille de route régionale"
    )
    stderr = io.StringIO()
    with pytest.raises(CommandError, match=r"Aucune feuille de route pour Haute-Marne \(52\)"):
        call_command(
            "report", "roadmap", "--territory", "52", "--output", str(tmp_path / "r.html"),
            stderr=stderr,
        )  # fmt: skip
    assert stderr.getvalue() == (
        "Territoire retenu : Haute-Marne (52). "
        "« 52 » désigne aussi : Pays de la Loire (région R52).\n"
    )
    for asked in ("R52", "Pays de la Loire"):
        path = tmp_path / f"{asked}.html"
        call_command("report", "roadmap", "--territory", asked, "--output", str(path))
        assert "<title>Feuille de route régionale" in path.read_text(encoding="utf-8")

    stderr = io.StringIO()
    call_command("roadmap", "export", "--territory", "Mayenne", stderr=stderr, stdout=io.StringIO())
    assert "désigne aussi : Mayenne (commune 53147" in stderr.getvalue()
    with pytest.raises(CommandError, match="Vouliez-vous dire : Sarthe"):
        call_command("report", "committee", "--territory", "Sarth", "--output", str(path))
    stderr = io.StringIO()
    call_command(
        "report", "committee", "--territory", "52", "--output", str(path),
        stderr=stderr, stdout=io.StringIO(),
    )  # fmt: skip
    assert stderr.getvalue().splitlines()[1] == (
        "Note : Haute-Marne (52) n’a pas de feuille de route : le rapport ne montrera ni ses "
        "cibles ni ses actions."
    )
    # French takes the singular below 2, as everywhere else on the platform (Django's
    # `pluralize` wrote « 0 indicateurs en mouvement »).
    summary = re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))
    assert "0 indicateur en mouvement" in summary and "0 changement de statut" in summary
    assert "0 objectif chiffré à risque" in summary


@pytest.mark.django_db
def test_the_document_reads_its_objectives_parts_in_as_many_queries_however_many_objectives(
    sarthe,
):
    """The roadmap PDF is written while its reader waits (under 1.5 s on the demo, issue 11):
    each objective's actions, assessment, testimonies, events and links were read one query
    each, 48 of the Sarthe's 90. Two objectives more, each with one of every part (a figure of
    the document's own among them), cost no query more, and each is in the document."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    roadmap_document.roadmap_html(sarthe)  # a process looks some territories up once
    with CaptureQueriesContext(connection) as before:
        roadmap_document.roadmap_html(sarthe)
    for n in (1, 2):
        objective = sarthe.objectives.create(title=f"Objectif ajouté {n}", order=100 + n)
        objective.actions.create(text=f"Action ajoutée {n}")
        objective.assessment.create(group="Bilan", text=f"Constat ajouté {n}")
        # A figure of the document itself (no indicator: nothing live to read).
        objective.key_figures.create(value=f"{n}2", label=f"Chiffre ajouté {n}")
        objective.testimonies.create(quote=f"Témoignage ajouté {n}")
        objective.event_highlights.create(name=f"Événement ajouté {n}")
        objective.useful_links.create(label=f"Lien ajouté {n}")
    with CaptureQueriesContext(connection) as after:
        html = roadmap_document.roadmap_html(sarthe)

    assert len(after.captured_queries) == len(before.captured_queries)
    for n in (1, 2):
        for text in (
            f"Objectif ajouté {n}",
            f"Action ajoutée {n}",
            f"Constat ajouté {n}",
            f"Chiffre ajouté {n}",
            f"Témoignage ajouté {n}",
            f"Événement ajouté {n}",
            f"Lien ajouté {n}",
        ):
            assert text in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("periods", "landmark"),
    [
        # A yearly survey: four values, the one a year before the last among them.
        (["2023-10", "2024-10", "2025-10", "2026-10"], "Un an avant (octobre 2025)"),
        # A sparse series: the change over a year starts from its first month in that year.
        (["2024-06", "2025-12", "2026-10"], "Premier mois de l’année écoulée (décembre 2025)"),
        # Ten months: the year starts with the series, already the first landmark.
        ([f"2026-{m:02d}" for m in range(1, 11)], None),
    ],
)
def test_the_chart_s_year_landmark_is_the_dashboard_s_starting_point(geography, periods, landmark):
    """The Mayenne's « ESMS équipés en télésanté » has no « Un an avant » line although its
    dashboard reads « Sur un an (depuis octobre 2025) » (review of 7 December): the line was
    printed only for series of more than twelve values. It is now the figure the dashboard's
    change over a year starts from, with its month, whatever the series' length."""
    from capsante.indicators.models import IndicatorValue
    from capsante.ui import formats

    indicator_services.sync_catalogue()
    indicator = Indicator.objects.get(code="ESMS_TELEHEALTH_EQUIPPED")
    mayenne = geography["mayenne"]
    for i, period in enumerate(periods):
        IndicatorValue.objects.create(
            indicator=indicator, territory=mayenne, period=period, value=40.0 + i, numerator=1
        )
    _, table = roadmap_document._print_chart(indicator, mayenne, None)
    labels = [label for label, _ in table]
    assert labels[0].startswith("Premier mois") and labels[-1].startswith("Dernier mois")
    middle = labels[1:-1]
    assert middle == ([landmark] if landmark else []), labels
    if landmark:
        at = 40.0 + [formats.month(p) for p in periods].index(landmark.split("(")[1][:-1])
        assert table[1][1] == formats.number(at, 1) + "\xa0%"


@pytest.mark.django_db
def test_a_target_the_roadmap_follows_is_in_its_document_with_its_status(sarthe, tmp_path):
    """The Sarthe's one target (every signed CLS with e-health by December 2026, « hors
    trajectoire ») is on its dashboard and in the committee report, but no key figure of its
    document: the PDF said nothing of it (review of 7 December). The targets recorded on the
    platform that the roadmap follows are listed with the document's, with their status."""
    target = Target.objects.create(
        indicator=Indicator.objects.get(code="DMP_ALIMENTATION"),
        territory=sarthe.territory,
        target_value=90.0,
        deadline="2026-12",
    )
    target.status = "hors_trajectoire"
    target.save()
    path = tmp_path / "sarthe.pdf"
    path.write_bytes(pdf.html_to_pdf(roadmap_document.roadmap_html(sarthe)))
    text = " ".join(" ".join(_pages_text(path)).split())
    assert "Cibles suivies sur la plateforme, dernière valeur calculée et statut" in text
    listed = text.split("Cibles suivies sur la plateforme", 1)[1]
    assert "Alimentation du DMP" in listed and "90,0 % en décembre 2026" in listed
    assert "hors trajectoire" in listed
