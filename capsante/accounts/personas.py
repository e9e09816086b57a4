"""The demo accounts, one per persona of DESIGN.md; also the tests' named personas."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from capsante.territories.models import Level, Territory

from .models import Address, Organisation, OrganisationKind, Profile, Role

# What a regional admin manages in the Django admin (filtered to their scope there), API
# tokens included.
ADMIN_DOMAIN_APPS = ["roadmaps", "committees", "events", "newsletters", "reports", "api"]
DEMO_PASSWORD = "demo-cap-esante"  # noqa: S105 - demo accounts only, printed by `make run`


@dataclass(frozen=True)
class Persona:
    username: str
    full_name: str
    organisation: str
    kind: str
    role: str
    scope_level: str
    scope_code: str
    staff: bool = False
    address: str = ""
    # The organisation's own territory, where its home page starts, when finer than the scope
    # (the Val de Sarthe's elected official reads all of Sarthe).
    home_level: str = ""
    home_code: str = ""


PERSONAS = [
    Persona(
        "ars.admin",
        "Alice Régionale",
        "ARS Pays de la Loire",
        OrganisationKind.ARS,
        Role.REGIONAL_ADMIN,
        Level.REGION,
        "52",
        staff=True,
        address=Address.MADAME,
    ),
    Persona(
        "dt72.editeur",
        "Bruno Sarthe",
        "ARS Pays de la Loire — DT 72",
        OrganisationKind.ARS,
        Role.EDITOR,
        Level.DEPARTEMENT,
        "72",
        address=Address.MONSIEUR,
    ),
    Persona(
        "dt53.editeur",
        "Claire Mayenne",
        "ARS Pays de la Loire — DT 53",
        OrganisationKind.ARS,
        Role.EDITOR,
        Level.DEPARTEMENT,
        "53",
        address=Address.MADAME,
    ),
    Persona(
        "cpam72.contributeur",
        "David Conseiller",
        "CPAM de la Sarthe",
        OrganisationKind.CPAM,
        Role.CONTRIBUTOR,
        Level.DEPARTEMENT,
        "72",
        address=Address.MONSIEUR,
    ),
    Persona(
        "elu.lecteur",
        "Élise Élue",
        "Communauté de communes du Val de Sarthe",
        OrganisationKind.COLLECTIVITE,
        Role.READER,
        Level.DEPARTEMENT,
        "72",
        address=Address.MADAME,
        home_level=Level.EPCI,
        home_code="247200629",
    ),
]


@transaction.atomic
def ensure_persona(persona: Persona, password: str = DEMO_PASSWORD):
    User = get_user_model()
    scope = Territory.objects.get(level=persona.scope_level, code=persona.scope_code)
    home = (
        Territory.objects.filter(level=persona.home_level, code=persona.home_code).first()
        if persona.home_code
        else None
    )
    organisation, _ = Organisation.objects.get_or_create(
        name=persona.organisation, defaults={"kind": persona.kind, "territory": home or scope}
    )
    if home is not None and organisation.territory_id != home.pk:
        organisation.territory = home
        organisation.save(update_fields=["territory"])
    first, _, last = persona.full_name.partition(" ")
    user, created = User.objects.get_or_create(
        username=persona.username,
        defaults={
            "first_name": first,
            "last_name": last,
            "is_staff": persona.staff,
            "email": f"{persona.username}@demo.cap-esante.invalid",
        },
    )
    if created:
        user.set_password(password)
        user.save()
    if persona.staff:
        # Regional admins manage the domain data in the Django admin, within their scope and
        # the audit trail; accounts, roles and territories stay with superusers.
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=ADMIN_DOMAIN_APPS)
        )
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "organisation": organisation,
            "role": persona.role,
            "scope": scope,
            "address": persona.address,
        },
    )
    return user


def ensure_personas(password: str = DEMO_PASSWORD) -> list:
    return [ensure_persona(p, password) for p in PERSONAS]
