"""Granting a role: the one way a profile is given, by the demo personas and by an admin who
approves an account created by a ProConnect or Pro Santé Connect sign-in."""

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from .models import ExternalIdentity, Organisation, Profile, Role

# What a regional admin manages in the Django admin (filtered to their scope there), API
# tokens included.
ADMIN_DOMAIN_APPS = [
    "roadmaps",
    "committees",
    "events",
    "newsletters",
    "reports",
    "api",
    "officials",
    "difficulties",
    "questionnaires",
]


@transaction.atomic
def grant(user, *, organisation: Organisation, role: str, scope, address=None) -> Profile:
    """Give the user a role on a territory scope in an organisation (and, when known, how to
    address them). Regional admins also manage the domain data in the Django admin, within
    their scope; accounts, roles and territories stay with superusers."""
    fields = {"organisation": organisation, "role": role, "scope": scope}
    if address is not None:
        fields["address"] = address
    profile, _ = Profile.objects.update_or_create(user=user, defaults=fields)
    admin = role == Role.REGIONAL_ADMIN
    if not user.is_superuser and user.is_staff != admin:
        user.is_staff = admin
        user.save(update_fields=["is_staff"])
    if admin:
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=ADMIN_DOMAIN_APPS)
        )
    return profile


@transaction.atomic
def approve(identity: ExternalIdentity, *, by, organisation: Organisation, role: str, scope):
    """An admin lets a pending account in: its profile, and who approved it when (both audited)."""
    profile = grant(identity.user, organisation=organisation, role=role, scope=scope)
    identity.organisation = identity.organisation or organisation
    identity.approved_at = timezone.now()
    identity.approved_by = by
    identity.save()
    return profile
