"""Who may do what, and where: a role on a territory scope. The one place that decides access.

This module knows no domain model. A domain says where its objects live (a territory, or the path
from its model to one, such as "objective__roadmap__territory") and asks here: a yes or no for one
object, or a scope expression (SQL) to filter its querysets in one query. Views never decide.

The rules, in words:
- anonymous visitors and accounts without a profile read what is published, nothing else;
- every partner (any role) reads the unpublished work of the territories in its scope;
- contributors (CPAM, GRADeS advisers) also follow structures and log contacts there;
- editors and regional admins also change roadmaps, actions, targets, committees and events
  there; an event's draft is theirs alone (other partners read it once published);
- regional admins also import files covering their scope and manage the domain data in the
  admin, within their scope; only superusers manage accounts, roles and territories;
- what the partners share about governance (committees and their reports) is read by the
  partners whose scope overlaps the territory (the région's committee is read by its
  départements' teams, and they by the région's).
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from capsante.territories.models import Territory
from capsante.territories.services import ancestors, communes_of, covers, within_ids

from .models import Profile, Role

EDIT_ROLES = frozenset({Role.REGIONAL_ADMIN, Role.EDITOR})
CONTRIBUTE_ROLES = EDIT_ROLES | {Role.CONTRIBUTOR}
ADMIN_ROLES = frozenset({Role.REGIONAL_ADMIN})


def is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", False))


def profile_of(user) -> Profile | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    profile = profile_of(user)
    return profile.role if profile else None


def home_territory(user) -> Territory | None:
    """Where a partner's pages start: their organisation's own territory when their scope holds
    it (the Val de Sarthe for its elected official, who reads all of Sarthe), else their scope;
    None for visitors and for partners of all of France."""
    profile = profile_of(user)
    if profile is None:
        return None
    organisation = profile.organisation.territory if profile.organisation_id else None
    if organisation is not None and _covers(profile.scope, organisation):
        return organisation
    return profile.scope


def is_partner(user) -> bool:
    """An account with a role somewhere (or a superuser): reads the partners' pages."""
    return is_superuser(user) or profile_of(user) is not None


def _scope(user) -> tuple[bool, Territory | None]:
    """(has any scope, the scope's territory — None meaning all of France)."""
    if is_superuser(user):
        return True, None
    profile = profile_of(user)
    if profile is None:
        return False, None
    return True, profile.scope


def scope_of(user) -> Territory | None:
    """The territory of the user's scope; None for all of France, or for no scope at all."""
    return _scope(user)[1]


# --- One object ---------------------------------------------------------------------------


def in_scope(user, territory: Territory) -> bool:
    """Whether the territory lies within the user's scope."""
    allowed, scope = _scope(user)
    return allowed and _covers(scope, territory)


def overlaps(user, territory: Territory) -> bool:
    """Whether the territory and the user's scope overlap (one lies within the other)."""
    allowed, scope = _scope(user)
    return allowed and (
        _covers(scope, territory) or (scope is not None and covers(territory, scope))
    )


def reaches_into(user, territory: Territory) -> bool:
    """Whether some of the territory's communes lie within the user's scope: the territory is in
    it, or straddles its edge (an EPCI of the Sarthe and the Orne for the Pays de la Loire)."""
    allowed, scope = _scope(user)
    if not allowed:
        return False
    if _covers(scope, territory):
        return True
    return communes_of(territory).filter(pk__in=_within(scope)).exists()


def has_role(user, territory: Territory, roles: frozenset) -> bool:
    if is_superuser(user):
        return True
    profile = profile_of(user)
    return profile is not None and profile.role in roles and _covers(profile.scope, territory)


def can_read_unpublished(user, territory: Territory) -> bool:
    """Any role, readers included, reads the drafts and internal notes of its own scope."""
    return in_scope(user, territory)


def can_edit(user, territory: Territory) -> bool:
    """Editors and regional admins change roadmaps, actions, targets and committees."""
    return has_role(user, territory, EDIT_ROLES)


def can_contribute(user, territory: Territory) -> bool:
    """Contributors also follow structures, log contacts and propose figures."""
    return has_role(user, territory, CONTRIBUTE_ROLES)


def can_administer(user, territory: Territory | None = None) -> bool:
    """Regional admins import files and manage the domain data, within their scope.

    Without a territory: whether the user administers anywhere (to show the menu).
    """
    if territory is None:
        return is_superuser(user) or role_of(user) in ADMIN_ROLES
    return has_role(user, territory, ADMIN_ROLES)


def can_manage_accounts(user) -> bool:
    """Accounts, roles and the territories themselves: superusers only (no self-promotion)."""
    return is_superuser(user)


# --- Querysets ------------------------------------------------------------------------------


def within_scope(user, queryset: QuerySet, path: str = "territory") -> QuerySet:
    """The objects whose territory (at `path`) lies within the user's scope."""
    return queryset.filter(within_scope_q(user, path))


# The territories within each scope, listed once per request (ScopesKeptMiddleware): a partner's
# page filters by its scope many times, and the list (a département: about 400 territories) is
# found by a few queries (`within_ids`) once. Outside a request (commands, the worker, tests
# calling services), it is found again for each filter.
class _KeptScope(NamedTuple):
    ids: list[int]
    members: frozenset[int]


class _RequestScopes:
    """What one request knows of its scopes: their lists, and how often it asked `_covers`
    about a scope not listed yet."""

    def __init__(self) -> None:
        self.kept: dict[int, _KeptScope] = {}
        self.asked: Counter[int] = Counter()

    def clear(self) -> None:
        self.kept.clear()
        self.asked.clear()


_request_scopes: ContextVar[_RequestScopes | None] = ContextVar("request_scopes", default=None)

ASKED_BEFORE_LISTING = 3
"""Answers `covers` gives one by one in a request before the scope is listed: an EPCI or a
grouping costs `covers` two queries and the scope's list about six, so a page that asks about
each row of a table (an indicator page's 20 EPCIs) lists the scope, one that asks once or twice
does not."""


@contextmanager
def scopes_kept() -> Iterator[None]:
    token = _request_scopes.set(_RequestScopes())
    try:
        yield
    finally:
        _request_scopes.reset(token)


def forget_scopes() -> None:
    """A territory or a grouping's members changed: list the scopes again."""
    scopes = _request_scopes.get()
    if scopes is not None:
        scopes.clear()


def _kept(scope: Territory) -> _KeptScope | None:
    """The scope's territories as this request listed them, or None outside a request."""
    scopes = _request_scopes.get()
    if scopes is None:
        return None
    if scope.pk not in scopes.kept:
        ids = within_ids(scope)
        scopes.kept[scope.pk] = _KeptScope(ids, frozenset(ids))
    return scopes.kept[scope.pk]


def _within(scope: Territory) -> list[int]:
    kept = _kept(scope)
    return within_ids(scope) if kept is None else kept.ids


def _covers(scope: Territory | None, territory: Territory) -> bool:
    """`covers(scope, territory)`, read from the scope's list once a request has asked often
    enough (`ASKED_BEFORE_LISTING`) or has listed it anyway."""
    if scope is None:
        return True
    scopes = _request_scopes.get()
    if scopes is None:
        return covers(scope, territory)
    if scope.pk not in scopes.kept:
        scopes.asked[scope.pk] += 1
        if scopes.asked[scope.pk] <= ASKED_BEFORE_LISTING:
            return covers(scope, territory)
    return territory.pk in _kept(scope).members


def within_scope_q(user, path: str = "territory") -> Q:
    allowed, scope = _scope(user)
    if not allowed:
        return Q(pk__in=[])
    if scope is None:
        return Q()
    return Q(**{f"{path}__in": _within(scope)})


def overlapping_scope_q(user, path: str = "territory") -> Q:
    """Territories within the scope and those that contain it (its département, its région…)."""
    allowed, scope = _scope(user)
    if not allowed:
        return Q(pk__in=[])
    if scope is None:
        return Q()
    return Q(**{f"{path}__in": _within(scope)}) | Q(
        **{f"{path}__in": [a.pk for a in ancestors(scope)]}
    )


def published_or_in_scope(
    user,
    queryset: QuerySet,
    published: Q,
    path: str = "territory",
    roles: frozenset | None = None,
    among: Sequence[Territory] | None = None,
):
    """What anyone reads (published) and, for partners, the unpublished work of their scope;
    with `roles`, only partners holding one of them read the unpublished work (an event's draft
    is its editors' own). `among`: only what lies in these territories, the scope asked of
    each of them, when the caller knows them (a territory and those enclosing it): otherwise
    the query carries every territory of the scope, a région's 1,300, which PostgreSQL took
    10 ms to plan and listing them 7 ms more, on every dashboard of an ARS partner."""
    if among is not None:
        queryset = queryset.filter(**{f"{path}__in": [t.pk for t in among]})
    allowed, scope = _scope(user)
    if allowed and roles is not None and not is_superuser(user):
        allowed = role_of(user) in roles
    if not allowed:
        return queryset.filter(published)
    if scope is None:
        # All of France. Not `published | Q()`: Django reads an empty Q in an OR as nothing,
        # which left superusers with the published objects alone.
        return queryset
    if among is not None:
        inside = [t.pk for t in among if _covers(scope, t)]
        return queryset.filter(published | Q(**{f"{path}__in": inside}))
    return queryset.filter(published | within_scope_q(user, path))


# --- Answers --------------------------------------------------------------------------------


def not_found(message: str) -> Http404:
    """Unreadable objects answer 404: their existence is not disclosed."""
    return Http404(message)


def require(allowed: bool, message: str) -> None:
    """Readable but not allowed: 403 with the reason in French."""
    if not allowed:
        raise PermissionDenied(message)


def require_partner(user) -> None:
    require(is_partner(user), "Réservé aux partenaires connectés.")


def territories_where(user, roles: frozenset, levels) -> QuerySet[Territory]:
    """The territories of the given levels where the user holds one of the roles."""
    territories = Territory.objects.filter(level__in=list(levels))
    if is_superuser(user):
        return territories
    profile = profile_of(user)
    if profile is None or profile.role not in roles:
        return territories.none()
    if profile.scope is None:
        return territories
    return territories.filter(pk__in=_within(profile.scope))
