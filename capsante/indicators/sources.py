"""Where the indicators' figures come from, as the public « Sources des données » page cites it:
who produces each source, on what terms the platform holds it, and how it gets in.

`SOURCE_LABELS` (models.py) names a source in a sentence; this says the rest. Every source an
indicator definition names has its entry here (test: site/tests/test_sources_page.py).
"""

from dataclasses import dataclass

OPEN_LICENCE = "donnée ouverte, Licence Ouverte 2.0 (Etalab)"
PARTNERS = "donnée des partenaires, non publiée en données ouvertes"
ENTERED = "saisie dans Cap e-santé par les partenaires, au fil de l’eau"


@dataclass(frozen=True)
class Source:
    name: str
    producer: str
    terms: str
    imported: bool = True  # by a file import (dated below), or else entered in the platform
    # Each month of it holds every commune of the départements it covers: a commune absent from
    # a month is missing data, not a commune with nothing to count (decision 0043).
    every_commune_each_month: bool = False


SOURCES: dict[str, Source] = {
    "finess": Source(
        "Répertoire FINESS des établissements",
        "Ministère chargé de la santé, extraction publiée sur data.gouv.fr",
        OPEN_LICENCE,
    ),
    "rpps": Source(
        "Annuaire Santé : professionnels (RPPS et ADELI)",
        "Agence du numérique en santé, extraction en libre accès",
        OPEN_LICENCE,
    ),
    "mssante": Source(
        "Annuaire Santé : boîtes aux lettres MSSanté",
        "Agence du numérique en santé, extraction en libre accès",
        OPEN_LICENCE,
    ),
    "ins-fhir": Source(
        "Identités INS des établissements (FHIR)",
        "Établissements de santé, depuis leurs logiciels",
        f"{PARTNERS} ; seuls les comptes par statut d’identité sont gardés, aucune identité",
    ),
    "ins-hl7": Source(
        "Identités INS des établissements (HL7 v2)",
        "Établissements de santé, depuis leurs logiciels",
        f"{PARTNERS} ; seuls les comptes par statut d’identité sont gardés, aucune identité",
    ),
    "am-mes": Source(
        "Activation de Mon espace santé, par commune et par mois",
        "Assurance Maladie",
        PARTNERS,
        every_commune_each_month=True,
    ),
    "am-dmp-documents": Source(
        "Documents versés au DMP, par commune et par mois",
        "Assurance Maladie",
        PARTNERS,
        every_commune_each_month=True,
    ),
    "am-dmp-consultations": Source(
        "Consultations du DMP par les professionnels, par commune et par mois",
        "Assurance Maladie",
        PARTNERS,
        every_commune_each_month=True,
    ),
    "am-telehealth": Source(
        "Actes de télésanté, par commune et par mois",
        "Assurance Maladie",
        PARTNERS,
        every_commune_each_month=True,
    ),
    "am-telehealth-offer": Source(
        "Offre de télésanté par département, spécialité et mois", "Assurance Maladie", PARTNERS
    ),
    "survey": Source(
        "Enquêtes auprès des établissements",
        "Partenaires de la feuille de route (ARS, GRADeS)",
        PARTNERS,
    ),
    "cyber-register": Source(
        "Registre cybersécurité (exercices de crise, programme CaRE)",
        "Agence régionale de santé",
        PARTNERS,
    ),
    "campaigns": Source(
        "Suivi des campagnes auprès des structures", "Partenaires", ENTERED, imported=False
    ),
    "events": Source(
        "Événements d’animation et leurs participants", "Partenaires", ENTERED, imported=False
    ),
    "difficulties": Source(
        "Difficultés remontées du terrain", "Partenaires", ENTERED, imported=False
    ),
    "contracts": Source("Contrats locaux de santé", "Partenaires", ENTERED, imported=False),
}
