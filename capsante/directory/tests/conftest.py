import datetime as dt

import pytest

from capsante.directory.models import CommunePostcode, Resource
from capsante.directory.search import reset_index
from capsante.territories.models import Level, Territory

# Centres of the fixture's communes (conftest.geography draws them as small squares).
CENTRES = {
    "72181": (47.925, 0.125),
    "72003": (47.925, 0.225),
    "72154": (47.925, 0.325),
    "53130": (47.925, -0.675),
    "53147": (47.925, -0.575),
}


@pytest.fixture
def directory_world(geography, personas):
    """The fixture's communes with centres and postcodes, a decoy "Le Mas" (a typo of "Le Mans"
    one mistake away), and resources around Le Mans and Laval."""
    for code, (lat, lon) in CENTRES.items():
        Territory.objects.filter(level=Level.COMMUNE, code=code).update(latitude=lat, longitude=lon)
    Territory.objects.create(
        level=Level.COMMUNE, code="06080", name="Le Mas", population=150, latitude=43.8,
        longitude=6.8,
    )  # fmt: skip
    communes = {t.code: t for t in Territory.objects.filter(level=Level.COMMUNE)}
    for code, postcode in (("72181", "72000"), ("72181", "72100"), ("72003", "72700"),
                           ("53130", "53000"), ("06080", "06910")):  # fmt: skip
        CommunePostcode.objects.create(code=postcode, commune=communes[code])
    reset_index()
    today = dt.date.today()

    def make(external_id, name, kind, services, code, offset=(0.0, 0.0), **values):
        commune = communes.get(code)
        lat, lon = CENTRES.get(code, (None, None))
        return Resource.objects.create(
            source="test",
            external_id=external_id,
            name=name,
            kind=kind,
            services=services,
            audiences=values.pop("audiences", ["tout-public"]),
            commune=commune,
            territory=values.pop("territory", commune),
            departement_code=code[:2] if code else "",
            address="1 place de la Mairie" if code else "",
            postal_code="72000" if code == "72181" else "",
            latitude=None if lat is None else lat + offset[0],
            longitude=None if lon is None else lon + offset[1],
            verified_on=values.pop("verified_on", today),
            **values,
        )

    resources = {
        "fs_mans": make("fs-mans", "France Services du Mans", "france-services",
                        ["demarches-en-ligne", "s-orienter"], "72181", (0.002, 0.0),
                        zone=["72181"], opening_hours="Mo-Fr 09:00-12:00", owner=personas["cpam72_contributor"]),
        "cabine_allonnes": make("cabine-allonnes", "Cabine de téléconsultation d’Allonnes",
                                "point-teleconsultation", ["teleconsulter"], "72003", zone=["72"]),
        "mairie_fleche": make("mairie-fleche", "Mairie de La Flèche", "mairie", ["s-orienter"],
                              "72154", zone=["72154"]),
        "cn_laval": make("cn-laval", "Conseiller numérique de Laval", "conseiller-numerique",
                         ["bases-numerique"], "53130", zone=["53"]),
        "platform": make("plateforme", "Plateforme régionale de télésanté", "offre-telesante",
                         ["teleexpertise"], "", zone=["53", "72"], territory=geography["region"],
                         specialties=["cardiologie", "dermatologie"],
                         audiences=["professionnels-sante"]),
        "stale": make("ancienne", "Permanence des ambassadeurs du Mans", "ambassadeur-mes",
                      ["activer-mon-espace-sante"], "72181", (-0.003, 0.002), zone=["72"],
                      verified_on=today - dt.timedelta(days=200), owner=personas["cpam72_contributor"]),
    }  # fmt: skip
    yield {"communes": communes, **resources}
    reset_index()
