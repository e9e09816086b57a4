"""The public search: find the person's commune from what they type, then the resources nearest
to it, those serving their zone first.

Communes are found in an index held in memory by each server process (35,000 names and their
postcodes, built on the first search, rebuilt after `INDEX_TTL`): a name without accents, case or
hyphens, a postcode, an INSEE code, and, failing those, the names within one or two typing
mistakes (rapidfuzz's optimal string alignment distance: a swapped pair of letters counts as
one), the most populated commune first. It works the same on SQLite and PostgreSQL and asks
nothing of the database's extensions.

Resources are read from the database in a box around the point, widened until enough are
found, and sorted here by distance (haversine).
"""

import bisect
import math
import re
import threading
import time
from dataclasses import dataclass, field

from django.db.models import Q
from rapidfuzz import process
from rapidfuzz.distance import OSA

from capsante.french import search_key
from capsante.territories.models import Level, Territory
from capsante.ui import formats

from .models import CommunePostcode, Resource

INDEX_TTL = 600.0  # seconds
EARTH_RADIUS_KM = 6371.0
RADII_KM = (2, 5, 10, 30, 80, 200)
ENOUGH = 30  # results wanted before the search box stops widening
ARTICLES = ("le ", "la ", "les ", "l ")


@dataclass(frozen=True)
class Commune:
    pk: int
    code: str
    name: str
    population: int
    latitude: float | None
    longitude: float | None
    departement_code: str
    departement_pk: int | None
    epci_code: str
    postcodes: tuple[str, ...] = ()

    @property
    def zone_codes(self) -> frozenset[str]:
        """The codes a resource's zone may name to serve this commune (data·inclusion's)."""
        codes = {self.code, self.departement_code, "france", "99100"}
        if self.epci_code:
            codes.add(self.epci_code)
        return frozenset(c for c in codes if c)

    @property
    def label(self) -> str:
        postcode = f" ({self.postcodes[0]})" if self.postcodes else ""
        return f"{self.name}{postcode}"

    @property
    def near(self) -> str:
        """'près du Mans', 'près d’Angers', 'près de La Flèche'."""
        return "près " + formats.of_name(self.name, article_in_name=True)

    @property
    def near_label(self) -> str:
        """'près du Mans (72000)'."""
        return "près " + formats.of_name(self.label, article_in_name=True)


@dataclass
class CommuneIndex:
    communes: list[Commune] = field(default_factory=list)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_postcode: dict[str, list[int]] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # normalised, one per entry of `owners`
    owners: list[int] = field(default_factory=list)
    # The same names by length: a name within two mistakes is within two letters of the length.
    by_length: dict[int, tuple[list[str], list[int]]] = field(default_factory=dict)
    built: float = 0.0
    sorted_names: list[str] = field(default_factory=list)  # `names` in order, for prefixes
    sorted_owners: list[int] = field(default_factory=list)

    @classmethod
    def build(cls) -> "CommuneIndex":
        postcodes: dict[int, list[str]] = {}
        for code, commune in CommunePostcode.objects.values_list("code", "commune_id"):
            postcodes.setdefault(commune, []).append(code)
        index = cls(built=time.monotonic())
        rows = Territory.objects.filter(level=Level.COMMUNE).values_list(
            "pk",
            "code",
            "name",
            "population",
            "latitude",
            "longitude",
            "parent__code",
            "parent_id",
            "epci__code",
        )
        for pk, code, name, pop, lat, lon, dep, dep_pk, epci in rows.iterator(chunk_size=5000):
            position = len(index.communes)
            index.communes.append(
                Commune(
                    pk, code, name, pop or 0, lat, lon, dep or "", dep_pk, epci or "",
                    tuple(sorted(postcodes.get(pk, ()))),
                )
            )  # fmt: skip
            index.by_code[code] = position
            for postcode in postcodes.get(pk, ()):
                index.by_postcode.setdefault(postcode, []).append(position)
            norm = search_key(name)
            variants = {norm}
            for article in ARTICLES:
                if norm.startswith(article):
                    variants.add(norm[len(article) :])
            for variant in variants:
                index.by_name.setdefault(variant, []).append(position)
                index.names.append(variant)
                index.owners.append(position)
                names, owners = index.by_length.setdefault(len(variant), ([], []))
                names.append(variant)
                owners.append(position)
        pairs = sorted(zip(index.names, index.owners, strict=True))
        index.sorted_names = [name for name, _ in pairs]
        index.sorted_owners = [owner for _, owner in pairs]
        return index

    def _by_population(self, positions) -> list[Commune]:
        found = {p: self.communes[p] for p in positions}
        return sorted(found.values(), key=lambda c: (-c.population, c.name))

    def find(self, query: str, limit: int = 5) -> list[Commune]:
        """The communes the query may mean, the likeliest first."""
        text = (query or "").strip()
        digits = re.sub(r"\s+", "", text)
        if re.fullmatch(r"\d{5}|2[ABab]\d{3}", digits):
            positions = self.by_postcode.get(digits, [])
            if digits.upper() in self.by_code:
                positions = [*positions, self.by_code[digits.upper()]]
            return self._by_population(positions)[:limit]
        norm = search_key(text)
        if len(norm) < 2:
            return []
        if norm in self.by_name:
            return self._by_population(self.by_name[norm])[:limit]
        starting = self._starting_with(norm + " ")
        if starting:
            return self._by_population(starting)[:limit]
        allowed = 1 if len(norm) <= 5 else 2
        found: list[tuple[int, int]] = []  # (distance, position)
        for length in range(len(norm) - allowed, len(norm) + allowed + 1):
            names, owners = self.by_length.get(length, ([], []))
            matches = process.extract(
                norm, names, scorer=OSA.distance, score_cutoff=allowed, limit=200
            )
            found += [(distance, owners[i]) for _, distance, i in matches]
        if not found:
            return []
        best = min(distance for distance, _ in found)
        return self._by_population([p for distance, p in found if distance == best])[:limit]

    def _starting_with(self, prefix: str) -> list[int]:
        """The communes one of whose names starts with `prefix`: a bisection in the sorted
        names rather than a look at each of the 36,000 (a third of a search's time)."""
        found = []
        at = bisect.bisect_left(self.sorted_names, prefix)
        while at < len(self.sorted_names) and self.sorted_names[at].startswith(prefix):
            found.append(self.sorted_owners[at])
            at += 1
        return found

    def nearest(self, latitude: float, longitude: float) -> Commune | None:
        """The commune whose centre is nearest to a point (the browser's position)."""
        best, best_distance = None, math.inf
        for commune in self.communes:
            if commune.latitude is None or commune.longitude is None:
                continue
            if abs(commune.latitude - latitude) > 0.3 or abs(commune.longitude - longitude) > 0.45:
                continue
            distance = haversine(latitude, longitude, commune.latitude, commune.longitude)
            if distance < best_distance:
                best, best_distance = commune, distance
        return best


_lock = threading.Lock()
_index: CommuneIndex | None = None


def commune_index() -> CommuneIndex:
    global _index
    with _lock:
        if _index is None or time.monotonic() - _index.built > INDEX_TTL:
            _index = CommuneIndex.build()
        return _index


def reset_index() -> None:
    """Forget the index (after loading territories or postcodes; between tests)."""
    global _index
    with _lock:
        _index = None


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


@dataclass
class Result:
    resource: Resource
    distance_km: float | None
    serves: bool
    number: int = 0  # its number on the map and in the list


@dataclass
class Filters:
    need: str = ""
    kind: str = ""
    audience: str = ""

    def apply(self, queryset):
        if self.need:
            queryset = queryset.filter(needs_key__contains=f" {self.need} ")
        if self.kind:
            queryset = queryset.filter(kind=self.kind)
        if self.audience:
            # JSON lists are compared as text: '"seniors"' inside the stored list.
            queryset = queryset.filter(audiences__icontains=f'"{self.audience}"')
        return queryset


def _zone_q(codes: frozenset[str]):
    query = Q()
    for code in codes:
        query |= Q(zone_key__contains=f" {code} ")
    return query


def serves(resource: Resource, codes: frozenset[str]) -> bool:
    return bool(codes.intersection(resource.zone))


def nearby(
    latitude: float,
    longitude: float,
    codes: frozenset[str],
    filters: Filters,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Result], int]:
    """The published located resources nearest to a point, those serving the person's zone
    first (`limit` of them from `offset`); and how many were found within the search radius."""
    base = filters.apply(Resource.objects.filter(published=True))
    candidates: list[tuple[int, float]] = []
    for radius in RADII_KM:
        dlat = radius / 111.0
        dlon = radius / (111.0 * max(0.2, math.cos(math.radians(latitude))))
        rows = (
            base.filter(
                latitude__range=(latitude - dlat, latitude + dlat),
                longitude__range=(longitude - dlon, longitude + dlon),
            )
            .order_by()
            .values_list("pk", "latitude", "longitude", "zone_key")
        )
        candidates = []
        for pk, lat, lon, zone_key in rows:
            distance = haversine(latitude, longitude, lat, lon)
            if distance <= radius:
                serving = any(f" {c} " in zone_key for c in codes) if zone_key else False
                candidates.append((pk, distance, serving))
        if len(candidates) >= ENOUGH:
            break
    candidates.sort(key=lambda c: (not c[2], c[1]))
    chosen = candidates[offset : offset + limit]
    resources = Resource.objects.select_related("commune").in_bulk([pk for pk, _, _ in chosen])
    results = [
        Result(resources[pk], round(distance, 1), serving) for pk, distance, serving in chosen
    ]
    return results, len(candidates)


def remote(codes: frozenset[str], filters: Filters, limit: int = 20) -> list[Result]:
    """Published resources without a place (online, by phone) that serve the person's zone."""
    queryset = filters.apply(Resource.objects.filter(published=True, latitude=None))
    # Their keys first: most zones have none, and that short query costs a fraction of one
    # that would load every column of the resources and their communes.
    keys = list(
        queryset.filter(_zone_q(codes)).order_by("name").values_list("pk", flat=True)[:limit]
    )
    if not keys:
        return []
    resources = Resource.objects.select_related("commune").in_bulk(keys)
    return [Result(resources[pk], None, True) for pk in keys]
