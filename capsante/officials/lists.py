"""Officials as mailing lists (capsante/newsletters) and as invitation lists for events.

A list of officials is an ordinary mailing list whose subscribers are written here: the town
hall's address of each official it retains, added as by an editor (the officials are written
to in their public office). After each load the list follows the officials: newcomers are
added, those gone are taken off. An address that unsubscribed is never added back (the
newsletters' rule), and people who subscribed themselves are left alone.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from capsante.events.models import Ambassador, AmbassadorStatus, Event
from capsante.newsletters.models import Issue, MailingList, Subscriber, SubscriberStatus
from capsante.newsletters.services import digest, platform_list
from capsante.territories.models import Level, Territory
from capsante.territories.services import communes_of
from capsante.ui.formats import moment

from .models import (
    Contract,
    ContractStatus,
    EpciFunction,
    Function,
    Official,
    OfficialsList,
)

MAYORS = (Function.MAYOR,)


def retained(officials_list: OfficialsList) -> QuerySet[Official]:
    """The officials a list is made of."""
    territory = officials_list.territory
    officials = Official.objects.filter(commune__in=communes_of(territory))
    if officials_list.kind == OfficialsList.Kind.MAYORS:
        return officials.filter(function__in=MAYORS)
    wanted = Q(function__in=(Function.MAYOR, Function.DELEGATE_MAYOR))
    if territory.level == Level.EPCI:
        wanted |= Q(epci=territory) & ~Q(epci_function=EpciFunction.NONE)
    else:
        wanted |= ~Q(epci_function=EpciFunction.NONE)
    return officials.filter(wanted)


def _label(official: Official) -> str:
    return f"{official} — {official.functions}"[:150]


@transaction.atomic
def refresh(officials_list: OfficialsList) -> tuple[int, int]:
    """Bring the list's subscribers in line with its officials: (added, taken off)."""
    wanted: dict[str, tuple[str, str]] = {}
    for official in retained(officials_list).select_related("commune").order_by("pk"):
        if official.email:
            wanted.setdefault(digest(official.email), (official.email, _label(official)))
    changes = follow(officials_list.mailing_list, wanted)
    officials_list.refreshed_at = timezone.now()
    officials_list.save(update_fields=["refreshed_at"])
    return changes


def follow(mailing_list: MailingList, wanted: dict[str, tuple[str, str]]) -> tuple[int, int]:
    """The list's subscribers added from the platform become `wanted` (address digest → address,
    name): (added, taken off). Unsubscribed addresses stay so; self-subscribed ones stay."""
    existing = {s.email_digest: s for s in mailing_list.subscribers.all()}
    new = [
        Subscriber(
            mailing_list=mailing_list,
            email=email,
            email_digest=key,
            name=name,
            status=SubscriberStatus.SUBSCRIBED,
            added_by_editor=True,
            confirmed_at=timezone.now(),
        )
        for key, (email, name) in wanted.items()
        if key not in existing
    ]
    Subscriber.objects.bulk_create(new, batch_size=1000)
    gone = [
        s.pk
        for key, s in existing.items()
        if key not in wanted and s.added_by_editor and s.status == SubscriberStatus.SUBSCRIBED
    ]
    Subscriber.objects.filter(pk__in=gone).delete()
    return len(new), len(gone)


# Lists the platform keeps from what it knows of people's roles (not of officials): the CLS
# coordinators and the Mon espace santé ambassadors of a département, for the newsletters.


def _platform_list(kind: str, departement: Territory, name: str, description: str) -> MailingList:
    return platform_list(
        f"{kind}-{departement.code}", departement, f"{name} {departement.of_name}", description
    )


@transaction.atomic
def refresh_coordinators(departement: Territory) -> tuple[int, int]:
    """The coordinators of the département's CLS (in preparation or signed): (added, taken off)."""
    mailing_list = _platform_list(
        "coordinateurs-cls",
        departement,
        "Coordinateurs des contrats locaux de santé",
        "Les coordinateurs et coordinatrices des CLS en préparation ou signés, d’après les "
        "contrats enregistrés dans la plateforme, actualisés chaque jour.",
    )
    wanted: dict[str, tuple[str, str]] = {}
    contracts = Contract.objects.exclude(coordinator_email="").exclude(
        status=ContractStatus.EXPIRED
    )
    for contract in contracts.select_related("territory").order_by("pk"):
        if communes_of(contract.territory).filter(parent=departement).exists():
            name = f"{contract.coordinator_name or contract.coordinator_email} — {contract.name}"
            wanted.setdefault(
                digest(contract.coordinator_email), (contract.coordinator_email, name[:150])
            )
    return follow(mailing_list, wanted)


@transaction.atomic
def refresh_ambassadors(departement: Territory) -> tuple[int, int]:
    """The département's active Mon espace santé ambassadors: (added, taken off). Those who left
    the network or paused are taken off."""
    mailing_list = _platform_list(
        "ambassadeurs",
        departement,
        "Ambassadrices et ambassadeurs de Mon espace santé",
        "Les ambassadeurs actifs du département, d’après leur annuaire dans la plateforme, "
        "actualisés chaque jour.",
    )
    people = Ambassador.objects.filter(territory=departement, status=AmbassadorStatus.ACTIVE)
    wanted = {
        digest(a.email): (a.email, f"{a.name} — {a.organisation}"[:150])
        for a in people.exclude(email="").order_by("pk")
    }
    return follow(mailing_list, wanted)


def refresh_platform_lists() -> dict[str, tuple[int, int]]:
    """Every département with contracts or ambassadors: its two lists, by slug."""
    codes = set(Ambassador.objects.values_list("territory__code", flat=True))
    for contract in Contract.objects.select_related("territory"):
        codes.update(communes_of(contract.territory).values_list("parent__code", flat=True))
    departements = Territory.objects.filter(level=Level.DEPARTEMENT, code__in=codes)
    changes = {}
    for departement in departements.order_by("code"):
        changes[f"coordinateurs-cls-{departement.code}"] = refresh_coordinators(departement)
        changes[f"ambassadeurs-{departement.code}"] = refresh_ambassadors(departement)
    return changes


def ensure_list(territory: Territory, kind: str) -> OfficialsList:
    """The list of this territory's mayors (or mayors and EPCI executive), made if missing."""
    found = OfficialsList.objects.filter(territory=territory, kind=kind).first()
    if found is not None:
        return found
    if kind == OfficialsList.Kind.MAYORS:
        name = f"Maires {territory.of_name}"
        description = (
            f"Les maires des communes {territory.of_name}, à l’adresse de leur mairie "
            "(Répertoire national des élus), actualisés à chaque chargement des élus."
        )
    else:
        name = f"Élus {territory.of_name}"
        description = (
            f"Les maires et l’exécutif (présidence, vice-présidences) {territory.of_name}, à "
            "l’adresse de leur mairie, actualisés à chaque chargement des élus."
        )
    slug = f"{kind}-{territory.level}-{territory.code}"[:60]
    mailing_list, _ = MailingList.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "territory": territory,
            "description": description,
            "open_to_public": False,
        },
    )
    return OfficialsList.objects.create(mailing_list=mailing_list, territory=territory, kind=kind)


def refresh_all() -> int:
    """After a load: every list of officials follows. Returns the number of lists."""
    lists = list(OfficialsList.objects.select_related("mailing_list", "territory"))
    for officials_list in lists:
        refresh(officials_list)
    return len(lists)


def invitation(event: Event, officials_list: OfficialsList, user=None) -> Issue:
    """A draft letter inviting a list's officials to an event, for the editor to reread and
    send through the newsletters (each mail with its unsubscribe link)."""
    url = settings.PUBLIC_URL.rstrip("/") + reverse("events:detail", args=[event.pk])
    place = event.commune.name if event.commune_id else event.get_format_display().lower()
    body = (
        "Madame la Maire, Monsieur le Maire,\nMesdames et Messieurs les élus,\n\n"
        f"Nous avons le plaisir de vous inviter à « {event.title} », le "
        f"{moment(event.starts_at)} ({place}).\n\n"
        f"{event.description.strip()}\n\n"
        f"Programme et inscription : {url}\n\n"
        "L’équipe e-santé de l’ARS, de l’Assurance Maladie et du GRADeS"
    )
    return Issue.objects.create(
        mailing_list=officials_list.mailing_list,
        subject=f"Invitation : {event.title}"[:200],
        body=body,
        created_by=user,
    )
