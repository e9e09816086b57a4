"""The directory's controlled lists: kinds of resource, needs, audiences, telehealth specialties,
and how each maps onto the two national standards (data·inclusion, LaMednum's digital-mediation
places). Plain Python: the parsers, the exports and the Django models all read them here.

Every entry has a code (stored), a label (the partners' pages, the standards' files) and, for
what the public reads, an easy-to-read label and a pictogram (a DSFR pictogram, shipped by
django-dsfr: `dsfr/dist/artwork/pictograms/<pictogram>.svg`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    easy: str = ""  # the same idea in easy-to-read words (FALC)
    pictogram: str = ""


@dataclass(frozen=True)
class Kind(Term):
    reseau: str = ""  # data·inclusion `reseaux_porteurs`
    mediation: str = ""  # LaMednum `dispositif_programmes_nationaux`
    typologie: str = ""  # data·inclusion typology, written in LaMednum's `typologie`


@dataclass(frozen=True)
class Need(Term):
    thematiques: tuple[str, ...] = ()  # data·inclusion thematiques
    mediation: str = ""  # LaMednum `services` value
    service_type: str = "accompagnement"  # data·inclusion `type` of service
    description: str = ""  # a data·inclusion service's description (5 characters at least)


@dataclass(frozen=True)
class Audience(Term):
    public: str = ""  # data·inclusion `publics` value, when one says the same


KINDS: tuple[Kind, ...] = (
    Kind("france-services", "Espace France Services", "Un espace France Services",
         "buildings/city-hall", reseau="france-service", mediation="France Services",
         typologie="FRANCE_SERVICE"),
    Kind("conseiller-numerique", "Conseiller numérique", "Un conseiller numérique",
         "digital/self-training", reseau="conseillers-numeriques",
         mediation="Conseillers numériques", typologie="ASSO"),
    Kind("ambassadeur-mes", "Permanence d’ambassadeur Mon espace santé",
         "Une personne qui aide pour Mon espace santé", "digital/avatar"),
    Kind("point-teleconsultation", "Cabine ou point de téléconsultation",
         "Un endroit pour voir un médecin par écran", "health/doctor"),
    Kind("offre-telesante", "Offre de télésanté", "Un service de santé à distance",
         "health/medical-research"),
    Kind("offre-mssante", "Offre de messagerie sécurisée de santé (MSSanté)",
         "Une messagerie sécurisée pour les soignants", "digital/mail-send"),
    Kind("aide-cyber", "Aide en cybersécurité", "Une aide contre les attaques informatiques",
         "system/padlock"),
    Kind("association", "Association de patients et d’usagers", "Une association de patients",
         "environment/human-cooperation", typologie="ASSO"),
    Kind("mairie", "Mairie", "Une mairie", "buildings/city-hall", reseau="communes",
         typologie="MUNI"),
    Kind("autre", "Autre ressource", "Une autre aide", "system/information"),
)  # fmt: skip

NEEDS: tuple[Need, ...] = (
    Need("s-orienter", "Savoir où trouver de l’aide", "Savoir où aller pour être aidé",
         "map/map-pin", mediation="Aide aux démarches administratives",
         service_type="information",
         description="Être accueilli, écouté et orienté vers la bonne aide près de chez soi."),
    Need("activer-mon-espace-sante", "Activer Mon espace santé",
         "Ouvrir mon espace santé sur internet", "digital/avatar",
         ("numerique--acceder-a-des-services-en-ligne", "sante--acces-aux-soins"),
         "Aide aux démarches administratives",
         description="Aide pour activer et prendre en main Mon espace santé, le carnet de santé "
         "numérique de chacun."),
    Need("utiliser-dmp", "Utiliser le dossier médical partagé (DMP)",
         "Trouver mes documents de santé", "document/document",
         ("numerique--acceder-a-des-services-en-ligne", "sante--acces-aux-soins"),
         "Aide aux démarches administratives",
         description="Aide pour consulter et alimenter le dossier médical partagé."),
    Need("teleconsulter", "Faire une téléconsultation", "Voir un médecin par écran",
         "health/doctor", ("sante--acces-aux-soins",), "Accès internet et matériel informatique",
         description="Consulter un médecin à distance, par vidéo, avec ou sans aide sur place."),
    Need("teleexpertise", "Obtenir une téléexpertise",
         "Demander l’avis d’un médecin spécialiste à distance", "health/medical-research",
         ("sante--acces-aux-soins",), service_type="information",
         description="Demander l’avis d’un spécialiste à distance, entre professionnels de santé."),
    Need("messagerie-securisee", "Ouvrir une messagerie sécurisée de santé (MSSanté)",
         "Envoyer des documents de santé de façon sûre", "digital/mail-send",
         ("numerique--acceder-a-des-services-en-ligne",), "Utilisation sécurisée du numérique",
         description="Choisir, ouvrir et utiliser une boîte aux lettres MSSanté."),
    Need("identite-ins", "Qualifier les identités (INS)",
         "Bien identifier chaque patient", "document/national-identity-card",
         service_type="information",
         description="Qualifier l’identité nationale de santé (INS) des patients."),
    Need("cybersecurite", "Se protéger des cyberattaques",
         "Protéger les ordinateurs contre les attaques", "system/padlock", (),
         "Utilisation sécurisée du numérique", service_type="information",
         description="Conseils, guides et exercices pour protéger un établissement ou un "
         "cabinet des attaques informatiques."),
    Need("signaler-incident", "Signaler un incident de cybersécurité",
         "Dire qu’il y a une attaque informatique", "system/warning", (),
         "Utilisation sécurisée du numérique", service_type="information",
         description="Signaler un incident de sécurité des systèmes d’information et être "
         "aidé pour y répondre."),
    Need("bases-numerique", "Apprendre les bases du numérique",
         "Apprendre à utiliser un ordinateur ou un téléphone", "digital/smartphone",
         ("numerique--maitriser-les-fondamentaux-du-numerique",),
         "Maîtrise des outils numériques du quotidien",
         description="Apprendre à se servir d’un ordinateur, d’une tablette ou d’un téléphone."),
    Need("demarches-en-ligne", "Être aidé pour les démarches en ligne",
         "Être aidé pour faire mes papiers sur internet", "digital/internet",
         ("numerique--acceder-a-des-services-en-ligne",), "Aide aux démarches administratives",
         description="Être accompagné pour faire ses démarches administratives en ligne."),
    Need("defendre-usagers", "Être informé et défendu comme patient",
         "Être écouté et défendu comme patient", "environment/human-cooperation",
         service_type="information",
         description="Information des patients et des usagers, défense de leurs droits."),
)  # fmt: skip

AUDIENCES: tuple[Audience, ...] = (
    Audience("tout-public", "Tout public", "Tout le monde", public="tous-publics"),
    Audience("seniors", "Personnes âgées", "Les personnes âgées", public="seniors"),
    Audience("handicap", "Personnes en situation de handicap", "Les personnes handicapées",
             public="personnes-en-situation-de-handicap"),
    Audience("jeunes", "Jeunes", "Les jeunes", public="jeunes"),
    Audience("familles", "Familles", "Les familles", public="familles"),
    Audience("eloignes-numerique", "Personnes éloignées du numérique",
             "Les personnes qui n’utilisent pas internet"),
    Audience("professionnels-sante", "Professionnels de santé", "Les soignants"),
    Audience("etablissements", "Établissements sanitaires et médico-sociaux",
             "Les hôpitaux, cliniques et maisons de retraite"),
    Audience("elus", "Élus et collectivités", "Les élus"),
)  # fmt: skip

# Téléexpertise specialties of a regional telehealth platform (the Sarthe roadmap counts 26).
SPECIALTIES: tuple[Term, ...] = tuple(
    Term(code, label)
    for code, label in (
        ("allergologie", "Allergologie"),
        ("angiologie", "Angiologie"),
        ("cardiologie", "Cardiologie"),
        ("chirurgie-orthopedique", "Chirurgie orthopédique"),
        ("chirurgie-vasculaire", "Chirurgie vasculaire"),
        ("dermatologie", "Dermatologie"),
        ("diabetologie", "Diabétologie"),
        ("endocrinologie", "Endocrinologie"),
        ("gastro-enterologie", "Gastro-entérologie"),
        ("geriatrie", "Gériatrie"),
        ("gynecologie", "Gynécologie"),
        ("hematologie", "Hématologie"),
        ("infectiologie", "Infectiologie"),
        ("medecine-physique", "Médecine physique et de réadaptation"),
        ("nephrologie", "Néphrologie"),
        ("neurologie", "Neurologie"),
        ("nutrition", "Nutrition"),
        ("oncologie", "Oncologie"),
        ("ophtalmologie", "Ophtalmologie"),
        ("orl", "Oto-rhino-laryngologie (ORL)"),
        ("pediatrie", "Pédiatrie"),
        ("plaies-cicatrisation", "Plaies et cicatrisation"),
        ("pneumologie", "Pneumologie"),
        ("psychiatrie", "Psychiatrie"),
        ("rhumatologie", "Rhumatologie"),
        ("urologie", "Urologie"),
    )
)

KIND_BY_CODE = {k.code: k for k in KINDS}
NEED_BY_CODE = {n.code: n for n in NEEDS}
AUDIENCE_BY_CODE = {a.code: a for a in AUDIENCES}
SPECIALTY_BY_CODE = {s.code: s for s in SPECIALTIES}
KIND_BY_RESEAU = {k.reseau: k.code for k in KINDS if k.reseau}
KIND_BY_MEDIATION = {k.mediation: k.code for k in KINDS if k.mediation}
AUDIENCE_BY_PUBLIC = {a.public: a.code for a in AUDIENCES if a.public}
AUDIENCE_BY_LABEL = {a.label: a.code for a in AUDIENCES}
# Zone codes, as data·inclusion writes them: a commune (5), a département (2 or 3), an EPCI
# (SIREN, 9 digits), a country (99xxx) or "france".
FRANCE = "france"
FRANCE_CODES = frozenset({FRANCE, "99100"})
MEDIATION_LABEL = "Formé à « Mon Espace Santé »"


def choices(terms) -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in terms]


def infer_kind(needs: list[str], located: bool, reseaux: list[str] = ()) -> str:  # type: ignore[assignment]
    """The kind of a resource read from a standard's file that does not name ours: first the
    network that carries it, then what it offers (the rule our exports follow, so that a file
    we wrote reads back the same)."""
    for reseau in reseaux:
        if reseau in KIND_BY_RESEAU:
            return KIND_BY_RESEAU[reseau]
    offered = set(needs)
    if "teleexpertise" in offered:
        return "offre-telesante"
    if "teleconsulter" in offered:
        return "point-teleconsultation" if located else "offre-telesante"
    if "messagerie-securisee" in offered:
        return "offre-mssante"
    if offered & {"cybersecurite", "signaler-incident"}:
        return "aide-cyber"
    if "defendre-usagers" in offered:
        return "association"
    if "activer-mon-espace-sante" in offered:
        return "ambassadeur-mes"
    return "autre"


def departement_of(commune_code: str) -> str:
    """The département of a commune code (three characters overseas: 971…976)."""
    if not commune_code:
        return ""
    return commune_code[:3] if commune_code.startswith("97") else commune_code[:2]
