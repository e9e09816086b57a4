"""A Sarthe and Mayenne world for the API: roadmaps, figures with provenance, campaigns, and
tokens issued by the regional admin as an administrator would."""

import datetime as dt

import pytest

from capsante.accounts.models import Organisation
from capsante.api import tokens
from capsante.campaigns import services as campaigns
from capsante.campaigns.models import Campaign, Stage
from capsante.establishments.models import Establishment
from capsante.indicators import services as indicators
from capsante.indicators.models import ComputationRun, Indicator, IndicatorValue

PROTECTED = "CYBER_EXERCISES_DONE"  # counted establishment by establishment, detail not public
OPEN = "MES_ACTIVATION"


def _campaign(slug, territory, name="Zéro fax"):
    campaign = Campaign.objects.create(
        slug=slug,
        name=name,
        territory=territory,
        category_groups=["officine"],
        started_on=dt.date(2026, 1, 1),
    )
    for order, code in enumerate(("sans-mss", "boite-mss", "mss-utilisee", "fax-ferme"), 1):
        Stage.objects.create(campaign=campaign, order=order, code=code, label=code)
    campaigns.enrol(campaign)
    return campaign


@pytest.fixture
def api_world(personas, seeded_roadmaps, geography):
    communes = geography["communes"]
    indicators.sync_catalogue()
    for finess, name, commune, dep in [
        ("720000041", "PHARMACIE DU CENTRE", "72181", "72"),
        ("720000058", "PHARMACIE DES JACOBINS", "72181", "72"),
        ("530000027", "PHARMACIE DE LAVAL", "53130", "53"),
    ]:
        Establishment.objects.create(
            finess_et=finess,
            name=name,
            category_code="620",
            category_group="officine",
            commune=communes[commune],
            departement_code=dep,
        )
    sarthe_campaign = _campaign("zero-fax-72", geography["sarthe"])
    mayenne_campaign = _campaign("zero-fax-53", geography["mayenne"])
    # An EPCI's counts would name its few pharmacies: for partners of the territory only.
    local_campaign = _campaign("zero-fax-lmm", geography["epci"]["le_mans"], "Zéro fax LMM")
    run = ComputationRun.objects.create(engine="duckdb", rows=4)
    protected, open_ = Indicator.objects.get(code=PROTECTED), Indicator.objects.get(code=OPEN)
    values = {}
    for indicator, territory, value in [
        (protected, geography["sarthe"], 40.0),
        (protected, communes["72181"], 50.0),
        (open_, geography["sarthe"], 21.0),
        (open_, communes["72181"], 22.0),
    ]:
        values[(indicator.code, territory.code)] = IndicatorValue.objects.create(
            indicator=indicator,
            territory=territory,
            period="2026-05",
            numerator=value,
            denominator=100,
            value=value,
            run=run,
        )
    return {
        **geography,
        "personas": personas,
        "roadmaps": seeded_roadmaps,
        "campaigns": {"72": sarthe_campaign, "53": mayenne_campaign, "lmm": local_campaign},
        "values": values,
        "run": run,
    }


@pytest.fixture
def issue(personas, geography):
    """issue(role, "72") → the secret of a token issued by the regional admin."""

    def make(role: str, departement: str, **fields) -> str:
        scope = geography["sarthe"] if departement == "72" else geography["mayenne"]
        _, secret = tokens.create_token(
            personas["ars_admin"],
            name=fields.pop("name", f"{role} {departement}"),
            organisation=Organisation.objects.get(name="ARS Pays de la Loire"),
            role=role,
            scope=scope,
            **fields,
        )
        return secret

    return make


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
