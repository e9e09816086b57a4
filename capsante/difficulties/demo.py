"""Demo data: a maintained list of software vendors and products (an example list, marked as
demo data, to check before production) and a few dozen difficulties in Sarthe and Mayenne at
every step of the workflow, drawn from the Sentinelle scheme's published list of blockers (INS
qualification without a secretary, slow roll-out of Ségur software versions, MSSanté
equipment, the MSSanté directory, delegation). Idempotent."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from capsante.territories.models import Level, Territory

from .models import (
    Blocker,
    Comment,
    Difficulty,
    EscalatedTo,
    Origin,
    Product,
    Profession,
    ReporterContact,
    Service,
    Status,
    Vendor,
)

# An example list of French medical software (vendor → products, category): demo data.
VENDORS = {
    "Cegedim Santé": [
        ("MLM – MonLogicielMedical", "logiciel de cabinet médical"),
        ("Crossway", "logiciel de cabinet médical"),
        ("Smart Rx", "logiciel d’officine"),
    ],
    "CompuGroup Medical": [
        ("CGM Axisanté", "logiciel de cabinet médical"),
        ("CGM Hellodoc", "logiciel de cabinet médical"),
    ],
    "Weda": [("Weda", "logiciel de cabinet médical")],
    "Doctolib": [("Doctolib (agenda et téléconsultation)", "agenda et télésanté")],
    "Pharmagest Interactive": [("LGPI", "logiciel d’officine")],
    "Winpharma": [("Winpharma", "logiciel d’officine")],
    "Vega Logiciels": [("Vega", "logiciel infirmier")],
    "Epsilog": [("Kiné+4000", "logiciel de masso-kinésithérapie")],
    "Softway Medical": [("Hopital Manager", "dossier patient informatisé")],
    "Dedalus": [("DxCare", "dossier patient informatisé")],
    "Teranga Software": [("Netsoins", "logiciel d’EHPAD et d’ESMS")],
    "Maincare": [("Outils parcours et télésanté du GRADeS", "outil régional")],
}

# (département's commune code, profession, service, blocker, vendor product, text)
CASES = [
    (
        "72181",
        Profession.GENERAL_PRACTITIONER,
        Service.INS,
        Blocker.INS_WITHOUT_SECRETARY,
        "Weda",
        "Je consulte seul, sans secrétariat : je n’ai pas le temps de vérifier la pièce d’identité et de qualifier l’INS de chaque nouveau patient pendant la consultation.",
    ),
    (
        "72154",
        Profession.NURSE,
        Service.INS,
        Blocker.INS_WITHOUT_SECRETARY,
        "Vega",
        "En tournée à domicile, je ne peux pas qualifier l’INS : le logiciel demande la pièce d’identité scannée et je n’ai pas de scanner.",
    ),
    (
        "53130",
        Profession.PHYSIOTHERAPIST,
        Service.INS,
        Blocker.INS_WITHOUT_SECRETARY,
        "Kiné+4000",
        "La qualification de l’INS prend plusieurs minutes par patient ; sans secrétaire, c’est impossible à tenir.",
    ),
    (
        "72264",
        Profession.GENERAL_PRACTITIONER,
        Service.DMP,
        Blocker.SEGUR_VERSIONS,
        "CGM Axisanté",
        "La version Ségur de mon logiciel n’est toujours pas installée : je ne peux pas alimenter le DMP automatiquement.",
    ),
    (
        "53147",
        Profession.PHARMACIST,
        Service.E_PRESCRIPTION,
        Blocker.SEGUR_VERSIONS,
        "LGPI",
        "Les ordonnances numériques ne sont pas lues : l’éditeur annonce la mise à jour Ségur pour l’an prochain.",
    ),
    (
        "72181",
        Profession.SPECIALIST,
        Service.DMP,
        Blocker.SEGUR_VERSIONS,
        "Crossway",
        "Le document envoyé au DMP apparaît sans titre ni type dans Mon espace santé du patient.",
    ),
    (
        "53062",
        Profession.GENERAL_PRACTITIONER,
        Service.E_PRESCRIPTION,
        Blocker.SEGUR_VERSIONS,
        "MLM – MonLogicielMedical",
        "Le QR code de l’ordonnance numérique ne s’imprime pas avec la version installée.",
    ),
    (
        "72180",
        Profession.PHARMACIST,
        Service.MSSANTE,
        Blocker.MSSANTE_EQUIPMENT,
        "Winpharma",
        "Nous n’avons pas de boîte MSSanté d’officine : le logiciel n’intègre pas de messagerie et nous ne savons pas laquelle choisir.",
    ),
    (
        "53097",
        Profession.ESMS,
        Service.MSSANTE,
        Blocker.MSSANTE_EQUIPMENT,
        "Netsoins",
        "L’EHPAD reçoit encore les comptes rendus par fax : la messagerie sécurisée n’est pas installée sur les postes de soins.",
    ),
    (
        "72181",
        Profession.NURSE,
        Service.MSSANTE,
        Blocker.MSSANTE_EQUIPMENT,
        "",
        "Ma carte CPS ne fonctionne pas sur la tablette : je ne peux pas ouvrir ma messagerie sécurisée en tournée.",
    ),
    (
        "53130",
        Profession.SPECIALIST,
        Service.MSSANTE,
        Blocker.MSSANTE_DIRECTORY,
        "CGM Hellodoc",
        "Je ne trouve pas l’adresse MSSanté des infirmiers libéraux de mon secteur dans l’annuaire.",
    ),
    (
        "72264",
        Profession.PHARMACIST,
        Service.MSSANTE,
        Blocker.MSSANTE_DIRECTORY,
        "Smart Rx",
        "L’adresse de l’officine dans l’annuaire MSSanté est celle de l’ancien titulaire : comment la mettre à jour ?",
    ),
    (
        "53147",
        Profession.GENERAL_PRACTITIONER,
        Service.MSSANTE,
        Blocker.MSSANTE_DIRECTORY,
        "Weda",
        "L’annuaire donne trois adresses pour le même service hospitalier : on ne sait pas laquelle est lue.",
    ),
    (
        "72154",
        Profession.SECRETARY,
        Service.DMP,
        Blocker.DELEGATION,
        "MLM – MonLogicielMedical",
        "En tant que secrétaire, je ne peux pas envoyer les documents au DMP pour le médecin : la délégation n’est pas possible dans le logiciel.",
    ),
    (
        "53062",
        Profession.SECRETARY,
        Service.PRO_SANTE_CONNECT,
        Blocker.DELEGATION,
        "Doctolib (agenda et téléconsultation)",
        "La connexion par Pro Santé Connect est personnelle : l’assistante médicale ne peut pas agir pour le médecin.",
    ),
    (
        "72181",
        Profession.ESTABLISHMENT,
        Service.DMP,
        Blocker.DELEGATION,
        "Hopital Manager",
        "Les comptes rendus validés par les internes ne partent pas au DMP : le logiciel exige la signature du praticien senior.",
    ),
    (
        "72180",
        Profession.GENERAL_PRACTITIONER,
        Service.TELEHEALTH,
        Blocker.OTHER,
        "Doctolib (agenda et téléconsultation)",
        "La téléconsultation coupe dès que le patient partage son écran depuis une tablette.",
    ),
    (
        "53097",
        Profession.NURSE,
        Service.TELEHEALTH,
        Blocker.OTHER,
        "Outils parcours et télésanté du GRADeS",
        "La demande de téléexpertise reste « en attente » sans notification au dermatologue.",
    ),
    (
        "72264",
        Profession.ESTABLISHMENT,
        Service.REGIONAL_TOOLS,
        Blocker.OTHER,
        "Outils parcours et télésanté du GRADeS",
        "La fiche du service dans le ROR n’est pas modifiable par le cadre de santé.",
    ),
    (
        "53130",
        Profession.DENTIST,
        Service.PRO_SANTE_CONNECT,
        Blocker.OTHER,
        "",
        "L’application e-CPS refuse mon téléphone professionnel.",
    ),
    (
        "72181",
        Profession.MIDWIFE,
        Service.DMP,
        Blocker.SEGUR_VERSIONS,
        "",
        "Mon logiciel de sage-femme n’est pas référencé Ségur : impossible de consulter le DMP.",
    ),
    (
        "53147",
        Profession.BIOLOGIST,
        Service.DMP,
        Blocker.OTHER,
        "",
        "Les résultats de biologie envoyés au DMP sont refusés : format non conforme selon le message d’erreur.",
    ),
    (
        "72154",
        Profession.PHARMACIST,
        Service.DMP,
        Blocker.SEGUR_VERSIONS,
        "LGPI",
        "La consultation du DMP depuis l’officine demande une nouvelle authentification à chaque patient.",
    ),
    (
        "53062",
        Profession.NURSE,
        Service.INS,
        Blocker.INS_WITHOUT_SECRETARY,
        "Vega",
        "Le téléservice INSi ne répond pas depuis le logiciel lors des soins du matin.",
    ),
    (
        "72180",
        Profession.ESMS,
        Service.DMP,
        Blocker.DELEGATION,
        "Netsoins",
        "Les aides-soignants ne peuvent pas alimenter le DMP des résidents, faute de carte CPS.",
    ),
    (
        "53097",
        Profession.GENERAL_PRACTITIONER,
        Service.DMP,
        Blocker.SEGUR_VERSIONS,
        "CGM Hellodoc",
        "Après la mise à jour, le bouton « Envoyer au DMP » a disparu du dossier.",
    ),
    (
        "72181",
        Profession.PHARMACIST,
        Service.MSSANTE,
        Blocker.MSSANTE_EQUIPMENT,
        "Smart Rx",
        "La boîte MSSanté de l’officine n’est pas reliée au logiciel : il faut copier les documents à la main.",
    ),
    (
        "53130",
        Profession.ESTABLISHMENT,
        Service.INS,
        Blocker.OTHER,
        "DxCare",
        "Les identités qualifiées par les admissions redeviennent « provisoires » après fusion de dossiers.",
    ),
    (
        "72264",
        Profession.GENERAL_PRACTITIONER,
        Service.OTHER,
        Blocker.OTHER,
        "Weda",
        "L’arrêt de travail dématérialisé échoue avec un message « service indisponible ».",
    ),
    (
        "53147",
        Profession.OTHER,
        Service.REGIONAL_TOOLS,
        Blocker.OTHER,
        "",
        "Le lien vers e-santé Mail envoyé par le GRADeS a expiré avant que je puisse créer mon compte.",
    ),
]
# The step each case reached, in order: a spread over the whole workflow.
STEPS = [
    Status.NEW, Status.QUALIFIED, Status.ESCALATED, Status.RESOLVED, Status.RESOLVED,
    Status.CLOSED_UNRESOLVED,
]  # fmt: skip
ESCALATIONS = {
    Blocker.INS_WITHOUT_SECRETARY: EscalatedTo.CNAM,
    Blocker.SEGUR_VERSIONS: EscalatedTo.VENDOR,
    Blocker.MSSANTE_EQUIPMENT: EscalatedTo.GRADES,
    Blocker.MSSANTE_DIRECTORY: EscalatedTo.ANS,
    Blocker.DELEGATION: EscalatedTo.ANS,
    Blocker.OTHER: EscalatedTo.VENDOR,
}
RESOLUTIONS = {
    Status.RESOLVED: "Corrigé : l’éditeur a livré la mise à jour et la CPAM a accompagné sa mise en place.",
    Status.CLOSED_UNRESOLVED: "Close sans solution locale : remontée au niveau national (Sentinelle), sans réponse à ce jour.",
}


def load_vendors() -> int:
    """The example list of vendors and products; an existing vendor is left as it is."""
    created = 0
    for name, products in VENDORS.items():
        vendor, new = Vendor.objects.get_or_create(name=name, defaults={"demo": True})
        created += new
        for product, category in products:
            Product.objects.get_or_create(
                vendor=vendor, name=product, defaults={"category": category}
            )
    return created


@transaction.atomic
def load_demo_difficulties(now: dt.datetime | None = None) -> list[Difficulty]:
    load_vendors()
    texts = [case[5] for case in CASES]
    if Difficulty.objects.filter(description__in=texts).exists():
        return []
    now = now or timezone.now()
    communes = {
        t.code: t
        for t in Territory.objects.filter(
            level=Level.COMMUNE, code__in={c[0] for c in CASES}
        ).select_related("parent")
    }
    products = {p.name: p for p in Product.objects.select_related("vendor")}
    created = []
    for number, (code, profession, service, blocker, product, text) in enumerate(CASES):
        commune = communes.get(code)
        if commune is None or commune.parent is None:
            continue
        step = STEPS[number % len(STEPS)]
        reported = now - dt.timedelta(days=7 + (number * 37) % 240, hours=number)
        took = dt.timedelta(days=5 + (number * 13) % 80)
        closed = reported + took if step in (Status.RESOLVED, Status.CLOSED_UNRESOLVED) else None
        if closed is not None and closed > now:
            closed = now - dt.timedelta(days=1)
        difficulty = Difficulty.objects.create(
            territory=commune.parent,
            commune=commune,
            profession=profession,
            service=service,
            product=products.get(product),
            description=text,
            origin=Origin.PUBLIC_FORM if number % 3 else Origin.ADVISER,
            status=step,
            blocker="" if step == Status.NEW else blocker,
            escalated_to=ESCALATIONS[blocker]
            if step in (Status.ESCALATED, Status.RESOLVED)
            else "",
            due_on=(reported + dt.timedelta(days=60)).date() if step != Status.NEW else None,
            resolution=RESOLUTIONS.get(step, ""),
            reported_at=reported,
            closed_at=closed,
        )
        if step != Status.NEW:
            Comment.objects.create(
                difficulty=difficulty,
                text="Appel au professionnel : difficulté confirmée, capture d’écran reçue.",
            )
        if number % 4 == 0 and step not in (Status.RESOLVED, Status.CLOSED_UNRESOLVED):
            ReporterContact.objects.create(
                difficulty=difficulty,
                email=f"professionnel{number}@exemple.fr",
                consented_at=reported,
            )
        created.append(difficulty)
    # Two reports of the same difficulty, merged: the later one points to the first.
    if len(created) >= 6:
        kept, duplicate = (
            created[0],
            Difficulty.objects.create(
                territory=created[0].territory,
                commune=created[0].commune,
                profession=created[0].profession,
                service=created[0].service,
                product=created[0].product,
                description="Même difficulté que mon confrère : qualifier l’INS seul en consultation, impossible.",
                origin=Origin.PUBLIC_FORM,
                status=Status.CLOSED_UNRESOLVED,
                resolution=f"Doublon de la difficulté n° {created[0].pk}, qui suit son cours.",
                duplicate_of=created[0],
                reported_at=created[0].reported_at + dt.timedelta(days=2),
                closed_at=created[0].reported_at + dt.timedelta(days=3),
            ),
        )
        created.append(duplicate)
        del kept
    return created
