"""The roadmap document in PDF is laid out once per edition (decision 0050): asked again while
nothing it shows has changed, the same file comes back; a new month computed, a changed text or
a new day makes a new edition, which replaces the one before."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from capsante.indicators import services as indicator_services
from capsante.reports import roadmap_document
from capsante.ui import pdf

from .conftest import stage_mes
from .test_roadmap_document import MONTHS, _pages_text

PARIS = dt.timezone(dt.timedelta(hours=1))  # December: Paris is an hour ahead of UTC


@pytest.fixture
def documents(documents_folder) -> Path:
    return documents_folder


@pytest.fixture
def layouts(monkeypatch) -> list[int]:
    """How many times a document was laid out (each layout still real)."""
    counted: list[int] = []
    real = pdf.html_to_pdf

    def counting(html: str) -> bytes:
        counted.append(1)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return counted


def _text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return " ".join(" ".join(_pages_text(path)).split())


@pytest.mark.django_db
def test_the_document_asked_again_comes_back_unchanged_until_a_new_month_is_computed(
    seeded_roadmaps, staging, documents, layouts, client, tmp_path
):
    stage_mes(staging, MONTHS)
    indicator_services.compute_and_store(codes=["DMP_ALIMENTATION"])
    sarthe = seeded_roadmaps["72"]
    address = reverse("reports:roadmap_document", args=[sarthe.pk])

    first = client.get(address)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    again = client.get(address)
    assert again.content == first.content, "the same edition, to the minute it was produced"
    assert len(layouts) == 1
    assert [p.suffix for p in documents.iterdir()] == [".pdf"]
    june = "Dernière valeur calculée : 75,0 % en juin 2025 (900 sur 1 200)"
    assert june in _text(first.content, tmp_path)

    # July's figures arrive and are computed: the document shows them at the next download.
    july = {"72181": (500, 900, 1000), "72003": (50, 90, 100), "72154": (50, 90, 100)}
    stage_mes(staging, {**MONTHS, "2025-07": july})
    indicator_services.compute_and_store(codes=["DMP_ALIMENTATION"])
    after = client.get(address)
    assert len(layouts) == 2
    text = _text(after.content, tmp_path)
    assert "Dernière valeur calculée : 90,0 % en juillet 2025 (1 080 sur 1 200)" in text
    assert june not in text
    assert len(list(documents.iterdir())) == 1, "the new edition replaces the previous one"


@pytest.mark.django_db
def test_an_edition_is_the_day_s_and_says_the_minute_it_was_laid_out(
    seeded_roadmaps, documents, layouts, tmp_path
):
    sarthe = seeded_roadmaps["72"]
    morning = dt.datetime(2026, 12, 7, 9, 5, tzinfo=PARIS)
    first = roadmap_document.edition(sarthe, now=morning)
    later = roadmap_document.edition(sarthe, now=morning.replace(hour=16, minute=40))
    assert later == first and len(layouts) == 1
    text = _text(later, tmp_path)
    assert "Document produit par Cap e-santé le 7 décembre 2026 à 09:05." in text

    tomorrow = roadmap_document.edition(sarthe, now=morning + dt.timedelta(days=1))
    assert len(layouts) == 2
    text = _text(tomorrow, tmp_path)
    assert "Édition du 8 décembre 2026" in text
    assert "le 8 décembre 2026 à 09:05." in text

    # Asked to lay it out again (`capsante report roadmap --refresh`): the minute is now's.
    refreshed = roadmap_document.edition(
        sarthe, refresh=True, now=morning + dt.timedelta(days=1, minutes=30)
    )
    assert len(layouts) == 3
    assert "le 8 décembre 2026 à 09:35." in _text(refreshed, tmp_path)


@pytest.mark.django_db
def test_a_changed_text_makes_a_new_edition_and_the_html_is_never_kept(
    seeded_roadmaps, documents, layouts, tmp_path
):
    sarthe = seeded_roadmaps["72"]
    before = roadmap_document.edition(sarthe)
    objective = sarthe.objectives.first()
    objective.title = "Déployer la messagerie sécurisée dans chaque maison de santé"
    objective.save()
    after = roadmap_document.edition(sarthe)
    assert len(layouts) == 2
    assert objective.title in _text(after, tmp_path)
    assert objective.title not in _text(before, tmp_path)
    now = dt.datetime(2026, 12, 7, 22, 15, tzinfo=PARIS)
    html = roadmap_document.roadmap_html(sarthe, now=now)
    assert "capsante-stamp" not in html
    assert "Document produit par Cap e-santé le 7 décembre 2026 à 22:15." in html
    assert '<meta name="dcterms.created" content="2026-12-07T22:15:00+01:00">' in html
    assert [p.suffix for p in documents.iterdir()] == [".pdf"]


@pytest.mark.django_db
def test_the_command_reads_the_kept_edition_and_refresh_lays_it_out_again(
    seeded_roadmaps, documents, layouts, tmp_path
):
    output = tmp_path / "r.pdf"
    call_command("report", "roadmap", "--territory", "72", "--output", str(output))
    first = output.read_bytes()
    call_command("report", "roadmap", "--territory", "72", "--output", str(output))
    assert output.read_bytes() == first and len(layouts) == 1
    call_command("report", "roadmap", "--territory", "72", "--refresh", "--output", str(output))
    assert len(layouts) == 2
    assert len(list(documents.iterdir())) == 1


@pytest.mark.django_db
def test_a_layout_that_fails_keeps_nothing(seeded_roadmaps, documents, monkeypatch):
    def failing(html: str) -> bytes:
        raise RuntimeError("WeasyPrint stopped")

    monkeypatch.setattr(pdf, "html_to_pdf", failing)
    with pytest.raises(RuntimeError):
        roadmap_document.edition(seeded_roadmaps["72"])
    assert not documents.exists() or not list(documents.iterdir())
