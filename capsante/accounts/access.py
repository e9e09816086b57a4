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


# --- Committees and their reports -----------------------------------------------------------


def can_read_committees(user) -> bool:
    """Committees' meetings, minutes and reports are internal to the partners: any account with
    a role reads them (governance is regional); anonymous visitors never do."""
    return getattr(user, "is_superuser", False) or profile_of(user) is not None


def committee_for_user(user, pk: int):
    """A committee the user may read; 404 otherwise."""
    from capsante.committees.models import Committee

    if not can_read_committees(user):
        raise Http404("Comité introuvable")
    try:
        return Committee.objects.select_related("territory").get(pk=pk)
    except Committee.DoesNotExist as exc:
        raise Http404("Comité introuvable") from exc


def committee_for_editor(user, pk: int):
    """A committee whose meetings and decisions the user may record; 404 / 403 otherwise."""
    committee = committee_for_user(user, pk)
    if not can_edit(user, committee.territory):
        raise PermissionDenied("Vous ne pouvez pas modifier les comités de ce territoire.")
    return committee


def meeting_for_user(user, pk: int, edit: bool = False):
    """A meeting the user may read (or, with `edit`, change); 404 / 403 otherwise."""
    from capsante.committees.models import Meeting

    if not can_read_committees(user):
        raise Http404("Réunion introuvable")
    try:
        meeting = Meeting.objects.select_related("committee__territory").get(pk=pk)
    except Meeting.DoesNotExist as exc:
        raise Http404("Réunion introuvable") from exc
    if edit and not can_edit(user, meeting.committee.territory):
        raise PermissionDenied("Vous ne pouvez pas modifier les comités de ce territoire.")
    return meeting


# --- Campaigns and structures ------------------------------------------------------------------


def _scope(user) -> tuple[bool, Territory | None]:
    """(has access at all, scope territory or None for everywhere)."""
    if getattr(user, "is_superuser", False):
        return True, None
    profile = profile_of(user)
    if profile is None:
        return False, None
    return True, profile.scope


def campaigns_for_user(user) -> QuerySet:
    """Campaigns are working tools: partners see those whose territory meets their scope."""
    from capsante.campaigns.models import Campaign

    allowed, scope = _scope(user)
    campaigns = Campaign.objects.select_related("territory__parent")
    if not allowed:
        return campaigns.none()
    if scope is None:
        return campaigns
    visible = [c.pk for c in campaigns if covers(scope, c.territory) or covers(c.territory, scope)]
    return campaigns.filter(pk__in=visible)


def campaign_for_user(user, slug: str):
    campaign = campaigns_for_user(user).filter(slug=slug).first()
    if campaign is None:
        raise Http404("Campagne introuvable")
    return campaign


def followups_for_user(user, campaign) -> QuerySet:
    """The follow-ups of structures located in the user's scope."""
    from capsante.territories.services import communes_of

    allowed, scope = _scope(user)
    followups = campaign.followups.all()
    if not allowed:
        return followups.none()
    if scope is None or covers(scope, campaign.territory):
        return followups  # the whole campaign lies within the scope: no filter to pay for
    return followups.filter(structure__commune__in=communes_of(scope).values("pk"))


def followup_for_contributor(user, campaign, finess_et: str):
    """A follow-up the user may update: 404 outside their scope, 403 without a contributing role."""
    followup = (
        followups_for_user(user, campaign)
        .select_related("structure__commune", "stage")
        .filter(structure__finess_et=finess_et)
        .first()
    )
    if followup is None:
        raise Http404("Structure introuvable dans votre périmètre")
    if not can_contribute(user, followup.structure.commune):
        raise PermissionDenied("Votre rôle ne permet pas de mettre à jour le suivi des structures.")
    return followup


def structure_for_user(user, finess_et: str):
    """A structure page: partners within whose scope the structure lies."""
    from capsante.structures.models import Structure
    from capsante.territories.services import communes_of

    allowed, scope = _scope(user)
    if not allowed:
        raise Http404("Structure introuvable")
    structures = Structure.objects.select_related("commune")
    if scope is not None:
        structures = structures.filter(commune__in=communes_of(scope).values("pk"))
    structure = structures.filter(finess_et=finess_et).first()
    if structure is None:
        raise Http404("Structure introuvable")
    return structure
