"""The territory API: ancestors, descendants, communes and population of any territory.

A grouping (GHT, CPTS, CLS…) is a named set of communes; everything here accepts one wherever
a territory of the official geography is accepted.
"""

import difflib
import re
import threading
import time
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from capsante.french import search_key

from .models import Level, Territory

LEVEL_ORDER = [Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE]


def communes_of(territory: Territory) -> QuerySet[Territory]:
    """The communes that make up a territory (itself, for a commune)."""
    communes = Territory.objects.filter(level=Level.COMMUNE)
    match territory.level:
        case Level.COMMUNE:
            return communes.filter(pk=territory.pk)
        case Level.EPCI:
            return communes.filter(epci=territory)
        case Level.DEPARTEMENT:
            return communes.filter(parent=territory)
        case Level.REGION:
            return communes.filter(parent__parent=territory)
        case _:
            return territory.members.all()


def population(territory: Territory) -> int:
    """Population of any territory: its own figure, or the sum over its communes."""
    if territory.level == Level.COMMUNE and territory.population is not None:
        return territory.population
    total = communes_of(territory).aggregate(total=Sum("population"))["total"]
    return int(total or 0)


def ancestors(territory: Territory) -> list[Territory]:
    """Enclosing territories, nearest first (commune → EPCI → département → région)."""
    found: list[Territory] = []
    if territory.level == Level.COMMUNE and territory.epci_id:
        found.append(territory.epci)
    if territory.level == Level.EPCI:
        # An EPCI straddling départements: the platform's own région's first, then the one
        # holding most of its communes (the Maine Saosnois, 49 of its 51 communes in the Sarthe,
        # was compared with the Orne, its first by number; review of 7 December).
        held = Counter(communes_of(territory).values_list("parent", flat=True))
        deps = sorted(
            Territory.objects.filter(pk__in=held).select_related("parent"),
            key=lambda d: (
                d.parent is None or d.parent.code != settings.HOME_REGION,
                -held[d.pk],
                d.code,
            ),
        )
        found.extend(deps)
        found.extend({d.parent_id: d.parent for d in deps if d.parent}.values())
        return found
    node = territory.parent
    while node is not None:
        found.append(node)
        node = node.parent
    return found


def enclosing(communes: Collection[int]) -> list[Territory]:
    """The territories these communes (ids) belong to, the communes themselves left out: their
    EPCIs, départements, régions and the groupings that hold them. Three queries, however many
    communes."""
    if not communes:
        return []
    ids: set[int | None] = set()
    for epci, departement, region in Territory.objects.filter(pk__in=communes).values_list(
        "epci_id", "parent_id", "parent__parent_id"
    ):
        ids |= {epci, departement, region}
    ids |= set(
        Territory.members.through.objects.filter(to_territory_id__in=communes).values_list(
            "from_territory_id", flat=True
        )
    )
    ids.discard(None)
    return list(Territory.objects.filter(pk__in=ids))


def descendants(territory: Territory, level: str | None = None) -> QuerySet[Territory]:
    """Territories inside this one, optionally at one level."""
    communes = communes_of(territory)
    if territory.level == Level.COMMUNE:
        result = Territory.objects.none()
    elif level == Level.COMMUNE:
        return communes
    else:
        ids: set[int] = set(communes.values_list("pk", flat=True)) if level in (None,) else set()
        if level in (None, Level.EPCI) and territory.level != Level.EPCI:
            ids |= set(communes.exclude(epci=None).values_list("epci", flat=True))
        if level in (None, Level.DEPARTEMENT) and territory.level == Level.REGION:
            ids |= set(territory.children.values_list("pk", flat=True))
        result = Territory.objects.filter(pk__in=ids)
    return result.order_by("level", "code")


def covers(scope: Territory | None, territory: Territory) -> bool:
    """Whether `territory` lies within `scope` (a national scope, None here, covers all)."""
    if scope is None:
        return True
    if scope.pk == territory.pk:
        return True
    if scope.level == Level.COMMUNE:
        return False
    # Fast path along the official tree (commune → département → région).
    node = territory.parent
    while node is not None:
        if node.pk == scope.pk:
            return True
        node = node.parent
    if territory.level in (Level.REGION, Level.DEPARTEMENT) and scope.level in (
        Level.REGION,
        Level.DEPARTEMENT,
    ):
        return False
    # Every commune of the territory is one of the scope's. Read as two small lookups: the
    # territory's communes, then which of them the scope holds (an anti-join against all of a
    # région's communes took 6 ms, paid for each of a map's rows: 0.8 ms now).
    target = set(communes_of(territory).values_list("pk", flat=True))
    if not target:
        return False
    held = set(communes_of(scope).filter(pk__in=target).values_list("pk", flat=True))
    return held == target


def within(scope: Territory) -> QuerySet[Territory]:
    """Every territory lying within `scope`, itself included (`within_ids`)."""
    return Territory.objects.filter(pk__in=within_ids(scope))


def within_ids(scope: Territory) -> list[int]:
    """The ids of every territory lying within `scope`, itself included.

    The same meaning as `covers`: an EPCI or a grouping lies within a scope when all of its
    communes do (an EPCI straddling two départements lies within neither, but within the région).

    Found by a few queries that each follow an index (the scope's communes, the candidate EPCIs'
    and groupings' communes), the rest decided here. As one query, an OR of sub-queries over the
    whole territory table, it read all 36,000 territories of France: 21 ms for a région or a
    département on PostgreSQL, 11–13 ms for the smallest scopes, paid by each partner's page
    (bench/RESULTS.md, 5 December, fourth session).
    """
    if scope.level == Level.COMMUNE:
        return [scope.pk]
    found = {scope.pk}
    # A région's children (its départements), read once: they are in it, and so are their communes.
    children = (
        dict(scope.children.values_list("pk", "level")) if scope.level == Level.REGION else {}
    )
    found.update(pk for pk, level in children.items() if level == Level.DEPARTEMENT)
    scope_communes = _communes_by_index(scope, list(children))
    communes = dict(scope_communes.values_list("pk", "epci_id"))
    found.update(communes)
    candidate_epcis = {epci for epci in communes.values() if epci is not None}
    epcis_communes = Territory.objects.filter(level=Level.COMMUNE, epci__in=candidate_epcis)
    straddling = {
        epci
        for commune, epci in epcis_communes.order_by().values_list("pk", "epci_id")
        if commune not in communes
    }
    links = Territory.members.through.objects
    candidate_groupings = set(
        links.filter(to_territory__in=scope_communes.values("pk")).values_list(
            "from_territory", flat=True
        )
    )
    groupings_communes = links.filter(from_territory__in=candidate_groupings)
    spilling = {
        grouping
        for grouping, commune in groupings_communes.values_list("from_territory", "to_territory")
        if commune not in communes
    }
    wanted = Q(level=Level.EPCI, pk__in=candidate_epcis - straddling) | Q(
        level=Level.GROUPING, pk__in=candidate_groupings - spilling
    )
    found.update(Territory.objects.filter(wanted).order_by().values_list("pk", flat=True))
    return sorted(found)


def _communes_by_index(scope: Territory, children: list[int]) -> QuerySet[Territory]:
    """`communes_of(scope)`, unordered, a région's found through its `children`'s numbers.

    Ordered (the model's order), SQLite read every commune of France along the (level, code)
    key rather than sort the scope's; and for a région's communes (the parent's parent) it walked
    the communes first whatever the order: 36 ms against a few for the départements' communes."""
    if scope.level == Level.REGION:
        return Territory.objects.filter(level=Level.COMMUNE, parent__in=children).order_by()
    return communes_of(scope).order_by()


def home_region() -> Territory | None:
    """The région the platform serves (settings.HOME_REGION), once the territories are loaded."""
    return Territory.objects.filter(level=Level.REGION, code=settings.HOME_REGION).first()


def departements_with(territory_ids: Iterable[int]) -> QuerySet[Territory]:
    return Territory.objects.filter(level=Level.DEPARTEMENT, pk__in=list(territory_ids))


# Where a code names territories at two levels (« 52 »: the Haute-Marne and the Pays de la
# Loire), the département wins, as in INSEE's usage; a région is asked for as « R52 ».
CODE_PREFERENCE = (Level.DEPARTEMENT, Level.COMMUNE, Level.REGION, Level.EPCI, Level.GROUPING)
# Where a name does (« Mayenne »: the département and its commune), the larger territory wins;
# the web's search lists them in this order too.
NAME_PREFERENCE = (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.GROUPING, Level.COMMUNE)
SHOWN = 5  # territories listed in a message, at most
_ARTICLE = re.compile(r"^(?:la|le|les|l) ")  # in a name's search form
_TYPED_ARTICLE = re.compile(r"^(?:la|le|les)\s+|^l['’]\s*", re.IGNORECASE)  # as typed


@dataclass(frozen=True)
class Found:
    """The territory someone designated by a code or a name, and the others the same words
    designate, so that a command can say how to ask for those instead."""

    territory: Territory
    also: list[Territory]
    asked: str = ""

    @property
    def note(self) -> str:
        """« 52 désigne aussi : Pays de la Loire (région R52). », or nothing."""
        if not self.also:
            return ""
        others = ", ".join(_described(t) for t in self.also)
        return f"« {self.asked} » désigne aussi : {others}."


class UnknownTerritory(Territory.DoesNotExist):
    """No territory, or more than one at the same level, answers to what was typed."""


def asked_as(territory: Territory) -> str:
    """How to name this territory to a command without ambiguity: « R52 » for a région."""
    return f"R{territory.code}" if territory.level == Level.REGION else territory.code


def find(text: str, level: str | None = None) -> Found:
    """The territory a person designates on the command line: an INSEE code or SIREN (« 72 »,
    « 72181 », « 247200629 »), a région as « R52 », or a name (« Sarthe », « la Sarthe »,
    « pays de la loire »), accents and case aside."""
    text = text.strip()
    if level in (None, Level.REGION) and re.fullmatch(r"[Rr]\d{2}", text):
        text, level = text[1:], Level.REGION
    candidates = Territory.objects.filter(code=text)
    if level:
        candidates = candidates.filter(level=level)
    by_code = _by_preference(list(candidates), CODE_PREFERENCE)
    if by_code:
        return Found(by_code[0], by_code[1:], text)
    by_name = _by_preference(_named(text, level), NAME_PREFERENCE)
    if not by_name:
        raise UnknownTerritory(_unknown(text))
    first, rest = by_name[0], by_name[1:]
    twins = [t for t in rest if t.level == first.level]
    if twins:
        same = [first, *twins]
        listed = ", ".join(_described(t) for t in same[:SHOWN])
        more = f" et {len(same) - SHOWN} autres" if len(same) > SHOWN else ""
        raise UnknownTerritory(
            f"« {text} » désigne {len(same)} territoires : {listed}{more}. Donner le code voulu."
        )
    return Found(first, rest, text)


def _by_preference(territories: list[Territory], preference) -> list[Territory]:
    return sorted(territories, key=lambda t: (preference.index(t.level), t.code))


def _named(text: str, level: str | None) -> list[Territory]:
    wanted = search_key(text)
    if not wanted:
        return []
    rows = Territory.objects.select_related("parent")
    if level:
        rows = rows.filter(level=level)
    bare = _ARTICLE.sub("", wanted)
    # The name as written (« Sarthe », « la Sarthe », « Pays de la Loire ») is an indexed lookup;
    # only other spellings read every name (`_name_index`: 0.3 s for France's 36,000 in a command).
    typed = text.strip()
    for spelling in dict.fromkeys([typed, _TYPED_ARTICLE.sub("", typed)]):
        exact = list(rows.filter(name__iexact=spelling))
        if exact:
            return exact
    named = [row for row in _name_index() if not level or row.level == level]
    ids = [row.pk for row in named if row.key == wanted]
    if not ids and bare != wanted:
        ids = [row.pk for row in named if _ARTICLE.sub("", row.key) == bare]
    return list(rows.filter(pk__in=ids))


def _described(territory: Territory) -> str:
    level = territory.get_level_display()
    level = level if level.isupper() else level.lower()  # « EPCI » stays in capitals
    where = ""
    if territory.level == Level.COMMUNE and territory.parent:
        where = f", {territory.parent.name}"
    return f"{territory.name} ({level} {asked_as(territory)}{where})"


def _unknown(text: str) -> str:
    message = f"Territoire inconnu : {text}."
    if re.fullmatch(r"\w{0,9}", text) and any(c.isdigit() for c in text):
        return (
            f"{message} Donner le code INSEE d’un département (72) ou d’une commune (72181), "
            "le SIREN d’un EPCI, ou R52 pour une région."
        )
    wanted = search_key(text)
    # Every name but the communes', and the communes' that begin alike: a typo in the first
    # two letters is rare, and 35,000 names to compare would make the error slow to come.
    names = {
        row.key: row.name
        for row in _name_index()
        if row.level != Level.COMMUNE or row.key.startswith(wanted[:2])
    }
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.75)
    # « Laval Agglo » for « Laval Agglomération »: the words typed, each beginning a word.
    words = wanted.split()
    close += [key for key in names if key not in close and _holds(key, words)][: SHOWN - len(close)]
    if close:
        return f"{message} Vouliez-vous dire : {', '.join(names[c] for c in close)} ?"
    return message


def _holds(key: str, words: list[str]) -> bool:
    """Whether each word typed begins a word of the name (both in their search form)."""
    name_words = key.split()
    return all(any(w.startswith(typed) for w in name_words) for typed in words)


# The web's search and the commands' lookup by name read every territory's name in its search form
# once per process, again when territories are added or after INDEX_TTL (36,000 names: 0.3 s to
# read and fold; then a search takes 0.04 s).
INDEX_TTL = 600.0  # seconds: a territory renamed by a load is found under its new name after
_index_lock = threading.Lock()
_index: dict = {"signature": None, "built": 0.0, "rows": []}


def search(query: str, limit: int = 50) -> tuple[list[Territory], int]:
    """The territories a visitor's words find, and how many in all: a code as it is, or each
    name of which every word typed begins a word, accents, case and hyphens aside (« chateau
    gontier » finds Château-Gontier-sur-Mayenne). The name typed whole first, then the names
    that begin with it, each time the larger territories and the more populated communes first."""
    words = search_key(query).split()
    if not words:
        return [], 0
    typed = " ".join(words)
    code = query.strip()
    found = []
    for row in _name_index():
        if row.code == code or _holds(row.key, words):
            whole = row.key == typed or row.code == code
            level = NAME_PREFERENCE.index(row.level)
            rank = (not whole, not row.key.startswith(typed), level, -row.population)
            found.append((rank, row.key, row.pk))
    found.sort()
    chosen = [pk for _, _, pk in found[:limit]]
    by_pk = Territory.objects.in_bulk(chosen)
    return [by_pk[pk] for pk in chosen if pk in by_pk], len(found)


class IndexedName(NamedTuple):
    pk: int
    level: str
    code: str
    name: str
    key: str  # the name's search form (french.search_key)
    population: int


def _name_index() -> list[IndexedName]:
    """Every territory's name, read once for the web's search and the commands' lookup."""
    signature = (
        Territory.objects.count(),
        Territory.objects.order_by("-pk").values("pk")[:1].first(),
    )
    with _index_lock:
        fresh = time.monotonic() - _index["built"] < INDEX_TTL
        if _index["signature"] != signature or not fresh:
            rows = Territory.objects.values_list("pk", "level", "code", "name", "population")
            _index["rows"] = [
                IndexedName(pk, level, code, name, search_key(name), population or 0)
                for pk, level, code, name, population in rows
            ]
            _index["signature"], _index["built"] = signature, time.monotonic()
        return _index["rows"]


def reset_search_index() -> None:
    """Forget the names read: the next search reads them again (tests that rename territories)."""
    with _index_lock:
        _index.update(signature=None, built=0.0, rows=[])
