"""Demo events drawn from the seeds: Sarthe's departmental e-health day of 12 October 2023 (its
figures — 110 participants, 8 workshops, 14 experience talks, 12 stands — read from the seeded
roadmap's "focus événement": its participants registered, came and answered the satisfaction
question, and their registrations were purged to counts as the daily job does), the 2023 Val de
Sarthe evening for elected officials, an awareness morning coming up in a France Services desk
and a webinar. Idempotent: an event already there (same title) is left as it is."""

import datetime as dt
import random
import zoneinfo

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from capsante.roadmaps.models import EventHighlight, Objective
from capsante.territories.models import Level, Territory

from .models import (
    Ambassador,
    AmbassadorActivity,
    AmbassadorActivityKind,
    AmbassadorStatus,
    Audience,
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    PartKind,
    ProgrammePart,
    Registration,
    RegistrationStatus,
)
from .registrations import purge_registrations

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

WORKSHOPS = [
    "Activer et utiliser Mon espace santé",
    "Alimenter le DMP depuis son logiciel",
    "La messagerie sécurisée de santé au quotidien",
    "Téléconsultation : s’équiper et se lancer",
    "Téléexpertise entre médecins et spécialistes",
    "Cybersécurité : les bons réflexes",
    "Identité nationale de santé (INS) : qualifier les identités",
    "Le Répertoire opérationnel des ressources (ROR)",
]
TALKS = [
    *(f"Télésanté : retour d’expérience n° {n}" for n in range(1, 9)),
    "Une maison de santé passée à la MSSanté",
    "Une officine sans fax",
    "Un EHPAD et le DMP",
    "Un centre hospitalier et l’INS",
    "Une CPTS et la coordination numérique",
    "Un conseiller numérique France Services et Mon espace santé",
]
STANDS = [
    "ARS Pays de la Loire",
    "CPAM de la Sarthe",
    "GRADeS e-santé Pays de la Loire",
    "URPS médecins libéraux",
    "URPS pharmaciens",
    "URPS infirmiers",
    "Conseil départemental de la Sarthe",
    "France Services",
    "Conseillers numériques",
    "CPTS du Sud Sarthe",
    "Centre hospitalier du Mans",
    "Association d’usagers France Assos Santé",
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def _commune(code: str) -> Territory | None:
    return Territory.objects.filter(level=Level.COMMUNE, code=code).first()


def _objective(territory_code: str, number: int) -> Objective | None:
    objectives = list(
        Objective.objects.filter(roadmap__territory__code=territory_code)
        .exclude(roadmap__territory__level=Level.REGION)
        .order_by("roadmap__period_start", "order", "pk")
    )
    return objectives[number - 1] if len(objectives) >= number else None


def _next_weekday(start: dt.date, weekday: int) -> dt.date:
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


@transaction.atomic
def load_demo_events(today: dt.date | None = None) -> list[Event]:
    """Create the demo events that are not there yet; returns those created."""
    today = today or timezone.localdate()
    sarthe = Territory.objects.filter(level=Level.DEPARTEMENT, code="72").first()
    mayenne = Territory.objects.filter(level=Level.DEPARTEMENT, code="53").first()
    if sarthe is None or mayenne is None:
        return []
    day = day_figures()
    morning = _next_weekday(today + dt.timedelta(days=21), 1)  # a Tuesday three weeks on
    webinar = _next_weekday(today + dt.timedelta(days=35), 3)  # a Thursday five weeks on
    specs = [
        {
            "territory": sarthe,
            "kind": EventKind.DEPARTMENTAL_DAY,
            "title": "Journée départementale de la e-santé en Sarthe",
            "description": "Une journée pour découvrir les outils du numérique en santé et "
            "rencontrer celles et ceux qui les font vivre sur le territoire : ateliers, retours "
            "d’expériences de professionnels (dont 8 sur la télésanté) et stands des partenaires.",
            "audiences": [
                "medecins",
                "pharmaciens",
                "infirmiers",
                "autres_professionnels",
                "elus",
                "citoyens",
            ],
            "commune": _commune("72181"),
            "venue": "Centre des congrès",
            "starts_at": _at(dt.date(2023, 10, 12), 9),
            "ends_at": _at(dt.date(2023, 10, 12), 17),
            "capacity": 150,
            "registration_open": False,
            "other_organisers": "ARS Pays de la Loire — DT 72\nCPAM de la Sarthe\nGRADeS e-santé Pays de la Loire",
            "status": EventStatus.HELD,
            "attendance_note": "Professionnels et acteurs de santé, élus locaux, citoyens.",
            "objectives": [_objective("72", 5)],
            "parts": [
                (PartKind.WORKSHOP, t) for t in _titles(WORKSHOPS, day["ateliers"], "Atelier")
            ]
            + [(PartKind.TALK, t) for t in _titles(TALKS, day["retours"], "Retour d’expérience")]
            + [(PartKind.STAND, t) for t in _titles(STANDS, day["stands"], "Stand")],
            # Its participants registered (and came) as the seeds count them: see _attendees.
            "attendees": day["participants"],
        },
        {
            "territory": sarthe,
            "kind": EventKind.EVENING,
            "title": "Soirée « Outils de la e-santé » en Val de Sarthe",
            "description": "Téléconsultation, téléexpertise, télérégulation et l’enjeu du Ségur "
            "avec Mon espace santé : partages d’expériences de professionnels de santé et stands "
            "des partenaires, pour les élus et les acteurs de santé du Val de Sarthe.",
            "audiences": ["elus", "medecins", "autres_professionnels"],
            "commune": _commune("72346"),
            "venue": "Salle communale",
            "starts_at": _at(dt.date(2023, 6, 15), 18, 30),
            "ends_at": _at(dt.date(2023, 6, 15), 21),
            "registration_open": False,
            "other_organisers": "Communauté de communes du Val de Sarthe\nARS Pays de la Loire — DT 72",
            "status": EventStatus.HELD,
            "participants": 45,
            "objectives": [_objective("72", 3)],
            "parts": [],
        },
        {
            "territory": sarthe,
            "kind": EventKind.AWARENESS_MORNING,
            "title": "Matinée Mon espace santé à l’Espace France Services de Sablé-sur-Sarthe",
            "description": "Qu’est-ce que Mon espace santé ? Comment l’activer, y retrouver ses "
            "documents, échanger avec ses soignants ? Une matinée d’information, puis un "
            "accompagnement personnalisé par un conseiller numérique. Apportez votre carte Vitale.",
            "audiences": ["citoyens", "mediateurs"],
            "commune": _commune("72264"),
            "venue": "Espace France Services",
            "address": "Place Raphaël Élizé",
            "starts_at": _at(morning, 9, 30),
            "ends_at": _at(morning, 12),
            "capacity": 20,
            "other_organisers": "CPAM de la Sarthe\nFrance Services de Sablé-sur-Sarthe",
            "status": EventStatus.PUBLISHED,
            "objectives": [_objective("72", 2)],
            "parts": [
                (PartKind.PLENARY, "Présentation de Mon espace santé"),
                (PartKind.WORKSHOP, "Activer son profil avec un conseiller numérique"),
            ],
        },
        {
            "territory": mayenne,
            "kind": EventKind.WEBINAR,
            "title": "Webinaire : informer ses patients sur Mon espace santé",
            "description": "Une heure pour les professionnels de santé de la Mayenne : ce que "
            "voient les patients, comment alimenter leur dossier, les questions les plus "
            "fréquentes et les supports à leur remettre.",
            "audiences": ["medecins", "pharmaciens", "infirmiers", "autres_professionnels"],
            "format": EventFormat.ONLINE,
            "online_url": "https://visio.exemple.invalid/webinaire-mes-53",
            "starts_at": _at(webinar, 12, 30),
            "ends_at": _at(webinar, 13, 30),
            "capacity": 100,
            "other_organisers": "CPAM de la Mayenne\nARS Pays de la Loire — DT 53",
            "status": EventStatus.PUBLISHED,
            "objectives": [_objective("53", 1)],
            "parts": [],
        },
    ]
    created = []
    for spec in specs:
        if Event.objects.filter(title=spec["title"]).exists():
            continue
        parts = spec.pop("parts")
        attendees = spec.pop("attendees", 0)
        objectives = [o for o in spec.pop("objectives") if o is not None]
        event = Event.objects.create(**spec)
        event.objectives.set(objectives)
        bulk_create_with_history(
            [
                ProgrammePart(event=event, kind=kind, title=title, order=order)
                for order, (kind, title) in enumerate(parts, 1)
            ],
            ProgrammePart,
        )
        if attendees:
            _attendees(event, attendees, sarthe)
        created.append(event)
    # What the daily purge does: the registrations of past events become anonymous counts.
    purge_registrations()
    return created


# --- The departmental day, as the seeds tell it ----------------------------------------------

# The figures of the seeds' "focus événement" (Sarthe 2025-2026, objective 5), read from the
# seeded roadmap when it is loaded; these when it is not.
DAY_FIGURES = {"participants": 110, "ateliers": 8, "retours": 14, "stands": 12}
DAY_AUDIENCES = [  # who came: professionals and actors of health, local elected officials, citizens
    (Audience.DOCTORS, 18),
    (Audience.PHARMACISTS, 12),
    (Audience.NURSES, 14),
    (Audience.OTHER_PROFESSIONALS, 16),
    (Audience.ESMS, 8),
    (Audience.ESTABLISHMENTS, 8),
    (Audience.ELECTED, 16),
    (Audience.CITIZENS, 18),
]


def day_figures() -> dict[str, int]:
    """The departmental day's figures as the seeded roadmap states them (its "focus
    événement"), keyed by the first word of their label."""
    figures = dict(DAY_FIGURES)
    highlight = (
        EventHighlight.objects.filter(
            objective__roadmap__territory__code="72",
            objective__roadmap__territory__level=Level.DEPARTEMENT,
            date=dt.date(2023, 10, 12),
        )
        .order_by("pk")
        .first()
    )
    for figure in highlight.figures if highlight else []:
        word = str(figure.get("label", "")).split(" ", 1)[0].strip(" :").lower()
        if word in figures and str(figure.get("value", "")).isdigit():
            figures[word] = int(figure["value"])
    return figures


def _titles(known: list[str], count: int, name: str) -> list[str]:
    return known[:count] + [f"{name} n° {n}" for n in range(len(known) + 1, count + 1)]


def _attendees(event: Event, present: int, departement: Territory) -> None:
    """Registrations for a past event: `present` people came (by audience, from communes of the
    département), a tenth more registered and did not; two thirds of those present answered the
    satisfaction question."""
    rng = random.Random(event.pk)  # noqa: S311 - demo data  # nosec B311
    communes = list(
        Territory.objects.filter(level=Level.COMMUNE, parent=departement).order_by("code")
    )
    weights = [weight for _, weight in DAY_AUDIENCES]
    moment = event.starts_at - dt.timedelta(days=20)
    rows = []
    for n in range(1, present + present // 10 + 1):
        came = n <= present
        rows.append(
            Registration(
                event=event,
                name=f"Participant {n}",
                email=f"participant{n}.evenement{event.pk}@exemple.invalid",
                audience=rng.choices([a for a, _ in DAY_AUDIENCES], weights)[0],
                commune=rng.choice(communes) if communes else None,
                status=RegistrationStatus.CONFIRMED,
                consented_at=moment,
                confirmed_at=moment,
                seated_at=moment,
                attended=came,
                satisfaction=rng.choices([3, 4, 5], [2, 5, 4])[0]
                if came and rng.random() < 2 / 3
                else None,
            )
        )
    Registration.objects.bulk_create(rows)


# --- A year of animation in Sarthe and Mayenne ------------------------------------------------

# Communes with an Espace France Services (by name: the geography's codes change as communes
# merge), where the activation workshops and the ambassadors are.
FRANCE_SERVICES = {
    "72": [
        "Sablé-sur-Sarthe",
        "La Flèche",
        "Mamers",
        "Saint-Calais",
        "La Ferté-Bernard",
        "Sillé-le-Guillaume",
        "Montval-sur-Loir",
        "Écommoy",
        "Allonnes",
        "Le Mans",
    ],
    "53": [
        "Laval",
        "Mayenne",
        "Château-Gontier-sur-Mayenne",
        "Évron",
        "Ernée",
        "Craon",
        "Villaines-la-Juhel",
        "Gorron",
    ],
}
YEAR_MARK = "Atelier d’activation de Mon espace santé à "
ORGANISATIONS = [
    "Espace France Services de {commune}",
    "Conseiller numérique — CCAS de {commune}",
    "Médiathèque de {commune}",
    "Association Familles rurales de {commune}",
]
FIRST_NAMES = [
    "Camille", "Nathalie", "Julien", "Sophie", "Thomas", "Isabelle", "Nicolas", "Aurélie",
    "Mathieu", "Céline", "Laurent", "Émilie", "Sébastien", "Claire", "Olivier", "Manon",
    "Pierre", "Hélène",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefebvre",
    "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet",
    "Dupont", "Lambert", "Fontaine", "Rousseau",
]  # fmt: skip


def _desk_communes(code: str) -> list[Territory]:
    found = {
        c.name: c
        for c in Territory.objects.filter(
            level=Level.COMMUNE, parent__code=code, name__in=FRANCE_SERVICES[code]
        )
    }
    communes = [found[name] for name in FRANCE_SERVICES[code] if name in found]
    if len(communes) < 3:  # a partial geography (tests): its communes
        communes += list(
            Territory.objects.filter(level=Level.COMMUNE, parent__code=code)
            .exclude(pk__in=[c.pk for c in communes])
            .order_by("code")[: 8 - len(communes)]
        )
    return communes


def _months_back(today: dt.date, months: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


@transaction.atomic
def load_demo_year(today: dt.date | None = None) -> list[Event]:
    """A year of events in Sarthe and Mayenne: an activation workshop a month in a France
    Services desk (citizens, registered and present), a webinar a quarter for the
    professionals, an evening for the elected officials; held ones with their attendance and
    satisfaction, the next ones open to registration. Created once (its workshops mark it)."""
    today = today or timezone.localdate()
    if Event.objects.filter(title__startswith=YEAR_MARK).exists():
        return []
    rng = random.Random(2026)  # noqa: S311 - demo data  # nosec B311
    created = []
    for code in ("72", "53"):
        departement = Territory.objects.filter(level=Level.DEPARTEMENT, code=code).first()
        communes = _desk_communes(code)
        if departement is None or not communes:
            continue
        name = departement.name
        for month in range(-11, 2):  # eleven months back, this month and the next
            first = _months_back(today, -month)
            commune = communes[(month + 11) % len(communes)]
            day = _next_weekday(first + dt.timedelta(days=7), 1 if code == "72" else 3)
            created.append(
                _year_event(
                    departement,
                    today,
                    rng,
                    kind=EventKind.ACTIVATION_WORKSHOP,
                    title=f"{YEAR_MARK}{commune.name} ({formats_month(day)})",
                    description="Activer son profil Mon espace santé, y retrouver ses documents "
                    "et échanger avec ses soignants, avec un conseiller numérique. Apportez "
                    "votre carte Vitale et votre téléphone.",
                    audiences=[Audience.CITIZENS],
                    commune=commune,
                    venue="Espace France Services",
                    start=_at(day, 14),
                    hours=2,
                    capacity=12,
                    registrants=(6, 13),
                    mix=[(Audience.CITIZENS, 1)],
                )
            )
            if month % 3 == 0:
                webinar = _next_weekday(first + dt.timedelta(days=14), 3)
                created.append(
                    _year_event(
                        departement,
                        today,
                        rng,
                        kind=EventKind.WEBINAR,
                        title=f"Webinaire Mon espace santé pour les professionnels de la "
                        f"{name} ({formats_month(webinar)})",
                        description="Alimenter le DMP depuis son logiciel, répondre aux "
                        "questions des patients, les documents à leur remettre.",
                        audiences=[
                            "medecins",
                            "pharmaciens",
                            "infirmiers",
                            "autres_professionnels",
                        ],
                        commune=None,
                        start=_at(webinar, 12, 30),
                        hours=1,
                        capacity=100,
                        registrants=(25, 60),
                        mix=[
                            (Audience.DOCTORS, 4),
                            (Audience.PHARMACISTS, 3),
                            (Audience.NURSES, 3),
                            (Audience.OTHER_PROFESSIONALS, 2),
                        ],
                        online=True,
                    )
                )
            if month == -5:
                evening = _next_weekday(first + dt.timedelta(days=10), 3)
                created.append(
                    _year_event(
                        departement,
                        today,
                        rng,
                        kind=EventKind.EVENING,
                        title=f"Soirée des élus : le numérique en santé en {name} "
                        f"({formats_month(evening)})",
                        description="Mon espace santé, la télésanté, les ambassadeurs : ce que "
                        "les communes et intercommunalités peuvent faire, avec les acteurs de "
                        "santé du territoire.",
                        audiences=[Audience.ELECTED, Audience.LOCAL_AGENTS],
                        commune=communes[0],
                        venue="Salle du conseil",
                        start=_at(evening, 18, 30),
                        hours=2,
                        capacity=80,
                        registrants=(30, 55),
                        mix=[(Audience.ELECTED, 3), (Audience.LOCAL_AGENTS, 1)],
                    )
                )
    created = [e for e in created if e is not None]
    purge_registrations()
    return created


def formats_month(day: dt.date) -> str:
    months = (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre",
    )  # fmt: skip
    return f"{months[day.month - 1]} {day.year}"


def _year_event(
    departement, today, rng, *, start, hours, registrants, mix, online=False, **fields
) -> Event:
    held = start.date() < today
    event = Event.objects.create(
        territory=departement,
        format=EventFormat.ONLINE if online else EventFormat.IN_PERSON,
        online_url="https://visio.exemple.invalid/mon-espace-sante" if online else "",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        status=EventStatus.HELD if held else EventStatus.PUBLISHED,
        other_organisers=f"CPAM de la {departement.name}\nARS Pays de la Loire",
        **fields,
    )
    if not held:
        return event
    communes = list(
        Territory.objects.filter(level=Level.COMMUNE, parent=departement).order_by("code")[:400]
    )
    number = rng.randint(*registrants)
    if event.capacity:
        number = min(number, event.capacity)
    moment = start - dt.timedelta(days=10)
    rows = []
    for n in range(1, number + 1):
        came = rng.random() < 0.85
        rows.append(
            Registration(
                event=event,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                email=f"inscrit{n}.evenement{event.pk}@exemple.invalid",
                audience=rng.choices([a for a, _ in mix], [w for _, w in mix])[0],
                commune=event.commune
                if event.commune_id and rng.random() < 0.6
                else (rng.choice(communes) if communes else None),
                status=RegistrationStatus.CONFIRMED,
                consented_at=moment,
                confirmed_at=moment,
                seated_at=moment,
                attended=came,
                satisfaction=rng.choices([2, 3, 4, 5], [1, 3, 6, 5])[0]
                if came and rng.random() < 0.6
                else None,
            )
        )
    Registration.objects.bulk_create(rows)
    return event


@transaction.atomic
def load_demo_ambassadors(today: dt.date | None = None) -> list[Ambassador]:
    """A few dozen ambassadors of Mon espace santé in Sarthe and Mayenne, trained over the last
    two years, with a year of activity (information desks, workshops co-hosted, one-to-one
    mediation). Created once."""
    today = today or timezone.localdate()
    if Ambassador.objects.exists():
        return []
    rng = random.Random(53)  # noqa: S311 - demo data  # nosec B311
    people: list[Ambassador] = []
    for code, count in (("72", 22), ("53", 14)):
        departement = Territory.objects.filter(level=Level.DEPARTEMENT, code=code).first()
        communes = _desk_communes(code)
        if departement is None or not communes:
            continue
        for n in range(count):
            commune = communes[n % len(communes)]
            first, last = (
                FIRST_NAMES[(n * 7 + len(code)) % len(FIRST_NAMES)],
                LAST_NAMES[(n * 3 + int(code)) % len(LAST_NAMES)],
            )
            left = n % 11 == 10
            people.append(
                Ambassador(
                    territory=departement,
                    commune=commune,
                    name=f"{first} {last}",
                    email=f"{first.lower()}.{last.lower()}.{code}{n}@exemple.invalid",
                    organisation=ORGANISATIONS[n % len(ORGANISATIONS)].format(commune=commune.name),
                    trained_on=today - dt.timedelta(days=rng.randint(60, 720)),
                    status=AmbassadorStatus.LEFT if left else AmbassadorStatus.ACTIVE,
                    left_on=today - dt.timedelta(days=40) if left else None,
                )
            )
    Ambassador.objects.bulk_create(people)
    kinds = [
        (AmbassadorActivityKind.INFORMATION_DESK, (3, 15), 5),
        (AmbassadorActivityKind.WORKSHOP, (5, 12), 2),
        (AmbassadorActivityKind.MEDIATION, (1, 1), 6),
    ]
    activities = []
    for ambassador in people:
        start = max(ambassador.trained_on, today - dt.timedelta(days=365))
        end = ambassador.left_on or today
        day = start + dt.timedelta(days=rng.randint(3, 20))
        while day < end:
            kind, (low, high), _ = rng.choices(kinds, [w for _, _, w in kinds])[0]
            activities.append(
                AmbassadorActivity(
                    ambassador=ambassador,
                    territory=ambassador.territory,
                    commune=ambassador.commune,
                    kind=kind,
                    date=day,
                    people=rng.randint(low, high),
                )
            )
            day += dt.timedelta(days=rng.randint(10, 35))
    bulk_create_with_history(activities, AmbassadorActivity)
    return people
