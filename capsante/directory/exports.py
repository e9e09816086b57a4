"""The directory's published resources as files: data·inclusion (structures and services),
LaMednum's digital-mediation places, CSV and GeoJSON — the same formats the imports read, so that
an export re-imports with no change."""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.urls import reverse

from capsante.ingest.connectors.directory import formats

from .models import Resource

FORMATS = {
    # name → (file name, content type, French label)
    "data-inclusion": ("data-inclusion.zip", "application/zip", "data·inclusion (structures et services, ZIP de deux fichiers JSON)"),
    "data-inclusion-json": ("data-inclusion.json", "application/json", "data·inclusion (structures et services, un fichier JSON)"),
    "mediation": ("lieux-mediation-numerique.csv", "text/csv; charset=utf-8", "lieux de médiation numérique (standard national LaMednum, CSV)"),
    "csv": ("ressources.csv", "text/csv; charset=utf-8", "tableur (CSV)"),
    "geojson": ("ressources.geojson", "application/geo+json", "carte (GeoJSON)"),
}  # fmt: skip


def as_row(resource: Resource) -> dict:
    """A resource as the plain dict the formats read and write."""
    commune = resource.commune
    return {
        "source": resource.source,
        "external_id": resource.external_id,
        "name": resource.name,
        "kind": resource.kind,
        "description": resource.description,
        "services": list(resource.services),
        "specialties": list(resource.specialties),
        "audiences": list(resource.audiences),
        "address": resource.address,
        "address_complement": resource.address_complement,
        "postal_code": resource.postal_code,
        "commune_code": commune.code if commune else "",
        "commune_name": commune.name if commune else "",
        "departement_code": resource.departement_code,
        "latitude": resource.latitude,
        "longitude": resource.longitude,
        "opening_hours": resource.opening_hours,
        "phone": resource.phone,
        "email": resource.email,
        "website": resource.website,
        "accessibility_url": resource.accessibility_url,
        "appointment_url": resource.appointment_url,
        "zone": list(resource.zone),
        "siret": resource.siret,
        "verified_on": resource.verified_on,
    }


def exported(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    return (
        queryset.filter(published=True).select_related("commune").order_by("source", "external_id")
    )


def page_url(base_url: str) -> Callable[[Resource], str]:
    return lambda resource: f"{base_url}{reverse('directory:detail', args=[resource.pk])}"


def data_inclusion(resources: Iterable[Resource], url: Callable[[Resource], str]) -> dict:
    structures, services = [], []
    for resource in resources:
        structure, offered = formats.to_data_inclusion(as_row(resource), url(resource))
        structures.append(structure)
        services.extend(offered)
    return {"structures": structures, "services": services}


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode()


def data_inclusion_zip(resources: Iterable[Resource], url: Callable[[Resource], str]) -> bytes:
    both = data_inclusion(resources, url)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("structures.json", _json(both["structures"]))
        archive.writestr("services.json", _json(both["services"]))
    return buffer.getvalue()


def _csv(rows: Iterable[dict], columns: Iterable[str], delimiter: str) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(
        text, fieldnames=list(columns), delimiter=delimiter, lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def mediation_csv(resources: Iterable[Resource]) -> bytes:
    """Places only: the standard requires an address and a postcode."""
    rows = [
        formats.to_mediation(row)
        for row in map(as_row, resources)
        if formats.is_mediation_place(row)
    ]
    return _csv(rows, formats.MEDIATION_COLUMNS, ",")


def plain_csv(resources: Iterable[Resource]) -> bytes:
    # With a byte-order mark: a spreadsheet opened by double-click reads the accents right.
    rows = [formats.to_csv_row(as_row(r)) for r in resources]
    return b"\xef\xbb\xbf" + _csv(rows, formats.CSV_COLUMNS.values(), ";")


def geojson(resources: Iterable[Resource], url: Callable[[Resource], str]) -> bytes:
    features = [formats.to_geojson_feature(as_row(r), url(r)) for r in resources]
    return _json({"type": "FeatureCollection", "features": features})


def render(name: str, queryset: QuerySet[Resource], base_url: str) -> bytes:
    resources = list(exported(queryset))
    url = page_url(base_url)
    match name:
        case "data-inclusion":
            return data_inclusion_zip(resources, url)
        case "data-inclusion-json":
            return _json(data_inclusion(resources, url))
        case "mediation":
            return mediation_csv(resources)
        case "csv":
            return plain_csv(resources)
        case "geojson":
            return geojson(resources, url)
    raise KeyError(name)
