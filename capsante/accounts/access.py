"""Who may see and change what. The one place that decides access.

Views ask these functions for an object or a queryset and never filter by territory
themselves. A user's power comes from their profile: a role on a territory scope.
Anonymous visitors and users without a profile see published content only.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from capsante.territories.models import Territory
from capsante.territories.services import covers

from .models import Profile, Role

EDIT_ROLES = {Role.REGIONAL_ADMIN, Role.EDITOR}
CONTRIBUTE_ROLES = EDIT_ROLES | {Role.CONTRIBUTOR}


def profile_of(user) -> Profile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    profile = profile_of(user)
    return profile.role if profile else None


def in_scope(user, territory: Territory) -> bool:
    """Whether the territory lies within the user's scope (superusers: everywhere)."""
    if getattr(user, "is_superuser", False):
        return True
    profile = profile_of(user)
    return profile is not None and covers(profile.scope, territory)


def has_role(user, territory: Territory, roles: set) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = profile_of(user)
    return profile is not None and profile.role in roles and covers(profile.scope, territory)


def can_edit(user, territory: Territory) -> bool:
    """Editors and regional admins change roadmaps, actions and targets in their scope."""
    return has_role(user, territory, EDIT_ROLES)


def can_contribute(user, territory: Territory) -> bool:
    """Contributors (CPAM, GRADeS advisers) also log follow-ups and import data in their scope."""
    return has_role(user, territory, CONTRIBUTE_ROLES)


def can_administer(user) -> bool:
    return getattr(user, "is_superuser", False) or role_of(user) == Role.REGIONAL_ADMIN


def can_read_unpublished(user, territory: Territory) -> bool:
    """Any role, readers included, reads drafts of its own scope."""
    return in_scope(user, territory)


# --- Roadmaps -------------------------------------------------------------------------------


def visible_roadmaps(user) -> QuerySet:
    from capsante.roadmaps.models import Roadmap, RoadmapStatus

    published = Q(status=RoadmapStatus.PUBLISHED)
    if getattr(user, "is_superuser", False):
        return Roadmap.objects.all()
    profile = profile_of(user)
    if profile is None:
        return Roadmap.objects.filter(published)
    in_scope_ids = [
        r.pk
        for r in Roadmap.objects.select_related("territory")
        if covers(profile.scope, r.territory)
    ]
    return Roadmap.objects.filter(published | Q(pk__in=in_scope_ids))


def roadmap_for_user(user, **lookup):
    """The roadmap if the user may read it; 404 otherwise (a draft's existence is not disclosed)."""
    from capsante.roadmaps.models import Roadmap, RoadmapStatus

    try:
        roadmap = Roadmap.objects.select_related("territory").get(**lookup)
    except Roadmap.DoesNotExist as exc:
        raise Http404("Feuille de route introuvable") from exc
    if roadmap.status != RoadmapStatus.PUBLISHED and not can_read_unpublished(
        user, roadmap.territory
    ):
        raise Http404("Feuille de route introuvable")
    return roadmap


def action_for_editor(user, pk: int):
    """An action the user may change; 404 if unreadable, 403 if readable but not editable."""
    from capsante.roadmaps.models import Action

    try:
        action = Action.objects.select_related("objective__roadmap__territory").get(pk=pk)
    except Action.DoesNotExist as exc:
        raise Http404("Action introuvable") from exc
    roadmap = action.objective.roadmap
    roadmap_for_user(user, pk=roadmap.pk)
    if not can_edit(user, roadmap.territory):
        raise PermissionDenied("Vous ne pouvez pas modifier les actions de ce territoire.")
    return action
