"""The Val de Sarthe's dashboard shows the Sarthe's and the région's values beside its own,
with the gap; its one-page summary is one A4 page holding the same figures."""

import re
import subprocess

import pytest

from capsante.indicators.models import IndicatorValue
from capsante.ui import formats
from capsante.ui.testing import table_rows
from tests import worlds

EPCI = "247200629"


def _latest(code: str, territory_code: str) -> float:
    return (
        IndicatorValue.objects.filter(indicator__code=code, territory__code=territory_code)
        .order_by("-period")
        .values_list("value", flat=True)
        .first()
    )


@pytest.fixture
def world(geography, personas, seeded_roadmaps):
    return worlds.build(geography, personas, seeded_roadmaps)


@pytest.mark.django_db
def test_the_epci_dashboard_shows_its_departement_and_region_beside_each_figure(client, world):
    page = client.get(f"/indicateurs/territoire/epci/{EPCI}/").content.decode()
    caption = "Les mêmes indicateurs en tableau, avec les territoires englobants"
    rows = table_rows(page, caption)
    header = re.search(rf"<caption>{caption}</caption>\s*<thead>(.*?)</thead>", page, re.S)
    headers = re.findall(r"<th[^>]*>(.*?)</th>", header.group(1))
    assert any("Sarthe" in h for h in headers) and any("Pays de la Loire" in h for h in headers)
    activation = next(r for r in rows if r[0].startswith("Activation de Mon espace santé"))
    expected = [formats.number(_latest("MES_ACTIVATION", code), 1) for code in (EPCI, "72", "52")]
    for value in expected:
        assert any(cell.startswith(value) for cell in activation), (value, activation)


@pytest.mark.django_db
def test_the_one_page_summary_of_the_val_de_sarthe_is_one_a4_page(
    client, world, tmp_path, settings
):
    response = client.get(f"/rapports/synthese/epci/{EPCI}/?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "synthese.pdf"
    path.write_bytes(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert abs(float(size.group(1)) - 595.28) < 2 and abs(float(size.group(2)) - 841.89) < 2
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Val de Sarthe" in text and "Sarthe" in text and "Pays de la Loire" in text
    assert formats.number(_latest("MES_ACTIVATION", EPCI), 1) in text
    # « Statuts calculés par une règle documentée »: whoever holds the page can open it.
    urls = subprocess.run(
        ["pdfinfo", "-url", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert f"{settings.PUBLIC_URL}/indicateurs/#regle-des-statuts" in urls


@pytest.mark.django_db
def test_an_indicator_s_month_is_never_cut_and_its_name_never_left_at_one_word(world):
    """The demo's « Groupes de travail des contrats locaux de santé suivis (mai 2026) » was
    printed « Groupes », then the rest on a second line: WeasyPrint, finding the month too long
    for the line, broke the name at its first space. Names of every length from 30 to 75
    characters, each in a row of the Val de Sarthe's summary: the month stays whole, and the
    first line holds as much of the name as fits, never only its first word."""
    from django.contrib.auth.models import AnonymousUser
    from weasyprint.formatting_structure import boxes

    from capsante.reports import summary
    from capsante.territories.models import Territory
    from capsante.ui import pdf

    words = "Groupes de travail des contrats locaux de santé suivis par les équipes en région"
    names = sorted({words[:n].rsplit(" ", 1)[0] for n in range(30, 76)}, key=len)
    epci = Territory.objects.get(level="epci", code=EPCI)
    html = summary.summary_html(summary.summary(epci, AnonymousUser()))
    # One row of the summary, as it is, copied once per name.
    row = re.search(r"<tr><td>[^<]+ <span class=\"note month\">en [^<]+</span>.*?</tr>", html)
    name_and_month = re.compile(r"^<tr><td>[^<]+ <span class=\"note month\">en [^<]+</span>")
    copies = "".join(
        name_and_month.sub(
            f'<tr><td>{name} <span class="note month">en mai 2026</span>', row.group(0)
        )
        for name in names
    )
    html = html.replace(row.group(0), copies, 1)

    def walk(box):
        yield box
        for child in getattr(box, "children", []):
            yield from walk(child)

    def text(box):
        return " ".join("".join(b.text for b in walk(box) if isinstance(b, boxes.TextBox)).split())

    cells = [
        b
        for b in walk(pdf.document(html).pages[0]._page_box)
        if isinstance(b, boxes.TableCellBox) and text(b).startswith("Groupes")
    ]
    assert len(cells) == len(names)
    for cell in cells:
        lines = [text(line) for line in walk(cell) if isinstance(line, boxes.LineBox)]
        assert any("en mai 2026" in line for line in lines), lines  # whole, on one line
        if len(lines) > 1:
            assert lines[0] != "Groupes", lines


@pytest.mark.django_db
def test_a_name_ending_in_its_unit_is_followed_by_its_month_without_a_second_parenthesis(
    client, world
):
    """« Délai médian de résolution des difficultés remontées (jours) (novembre 2026) »: two
    parentheses in a row read as a typing slip (review of 7 December). The month follows as
    words: « … (jours) en novembre 2026 »."""
    from django.contrib.auth.models import AnonymousUser

    from capsante.indicators.models import Indicator
    from capsante.reports import summary
    from capsante.territories.models import Territory

    epci = Territory.objects.get(level="epci", code=EPCI)
    days = Indicator.objects.get(code="DIFFICULTY_RESOLUTION_DAYS")
    IndicatorValue.objects.create(
        indicator=days, territory=epci, period="2026-05", value=12.0, numerator=12.0
    )
    html = summary.summary_html(summary.summary(epci, AnonymousUser()))
    page = client.get(f"/rapports/synthese/epci/{EPCI}/").content.decode()
    for written in (html, page):  # the document, then the page
        text = " ".join(re.sub(r"<[^>]+>", " ", written).split())
        assert f"{days.name} en mai 2026" in text, text[:2000]
        assert ") (" not in text
