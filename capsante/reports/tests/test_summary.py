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
def test_the_one_page_summary_of_the_val_de_sarthe_is_one_a4_page(client, world, tmp_path):
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
