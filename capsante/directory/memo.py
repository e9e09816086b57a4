"""The printable memo of a département's or an EPCI's resources, by need: name, address, hours,
phone, and a QR code to the resource's page. Regenerated from the data; a PDF is kept while the
data it was made from does not change (same resources, same last update)."""

import hashlib
from collections import defaultdict
from pathlib import Path

import segno
from django.conf import settings
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from capsante.ingest.connectors.directory import vocabulary
from capsante.territories.models import Level, Territory
from capsante.territories.services import communes_of
from capsante.ui import pdf

from . import hours
from .models import Resource


def resources_of(territory: Territory):
    """The published resources located in the territory, and those without a place that serve
    it (a département's code, one of its EPCI's, 'france')."""
    communes = communes_of(territory).values("pk")
    codes = {territory.code, "france"}
    if territory.level == Level.EPCI:
        codes |= set(communes_of(territory).values_list("parent__code", flat=True))
    remote = Q(latitude=None, commune=None)
    serving = Q()
    for code in codes:
        serving |= Q(zone_key__contains=f" {code} ")
    return (
        Resource.objects.filter(published=True)
        .filter(Q(commune__in=communes) | (remote & serving))
        .select_related("commune")
        .order_by("name")
    )


def qr_code(url: str) -> str:
    """A QR code as a PNG data URI: WeasyPrint lays hundreds of them out faster than SVG."""
    return segno.make(url, error="m").png_data_uri(scale=3, border=2)


def context(territory: Territory, base_url: str) -> dict:
    resources = list(resources_of(territory))
    by_need: dict[str, list[dict]] = defaultdict(list)
    entries = {}
    for resource in resources:
        url = f"{base_url}{reverse('directory:detail', args=[resource.pk])}"
        entries[resource.pk] = {
            "resource": resource,
            "url": url,
            "hours": hours.one_line(resource.opening_hours),
            "qr": qr_code(url),
        }
        needs = resource.services or ["autre"]
        for need in needs:
            by_need[need].append(entries[resource.pk])
    sections = [
        {"need": need, "entries": by_need[need.code]}
        for need in vocabulary.NEEDS
        if by_need.get(need.code)
    ]
    if by_need.get("autre"):
        sections.append({"need": None, "entries": by_need["autre"]})
    return {
        "territory": territory,
        "sections": sections,
        "count": len(resources),
        "now": timezone.now(),
        "font_css": pdf.font_css(),
        "search_url": f"{base_url}{reverse('directory:search')}",
    }


def html(territory: Territory, base_url: str) -> str:
    return render_to_string("directory/memo.html", context(territory, base_url))


def _version(territory: Territory, base_url: str) -> str:
    state = resources_of(territory).aggregate(n=Count("pk"), last=Max("updated_at"))
    text = f"{territory.level}:{territory.code}:{state['n']}:{state['last']}:{base_url}:{timezone.localdate()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def pdf_bytes(territory: Territory, base_url: str) -> bytes:
    return pdf.html_to_pdf(html(territory, base_url))


def pdf_document(territory: Territory, base_url: str) -> bytes:
    """The memo's PDF, made again only when its resources changed (or the day did)."""
    folder = Path(settings.DATA_DIR) / "memos"
    path = folder / f"{territory.level}-{territory.code}-{_version(territory, base_url)}.pdf"
    if path.exists():
        return path.read_bytes()
    data = pdf_bytes(territory, base_url)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{territory.level}-{territory.code}-*.pdf"):
        old.unlink(missing_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
    return data
