"""The printable memo of a département's or an EPCI's resources, by need: name, address, hours,
phone, and a QR code to the resource's page. Regenerated from the data; a PDF is kept while the
data it was made from does not change (same resources, same last update)."""

from collections import defaultdict

import segno
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from capsante.ingest.connectors.directory import vocabulary
from capsante.territories.models import Level, Territory
from capsante.territories.services import communes_of
from capsante.ui import editions, pdf

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
    return f"{territory.level}:{territory.code}:{state['n']}:{state['last']}:{base_url}:{timezone.localdate()}"


def pdf_bytes(territory: Territory, base_url: str) -> bytes:
    return pdf.html_to_pdf(html(territory, base_url))


def pdf_document(territory: Territory, base_url: str) -> bytes:
    """The memo's PDF, made again only when its resources changed (or the day did): kept
    under that version rather than its HTML: the Sarthe's, a QR code per resource, takes 0.3 s
    to make where the version takes 3 ms (decision 0050). Resources are organisations' public
    entries, no person's."""
    return editions.kept(
        f"memo-{territory.level}-{territory.code}".lower(),
        _version(territory, base_url),
        lambda: pdf_bytes(territory, base_url),
    )
