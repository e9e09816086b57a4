import json
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from capsante.indicators.dashboards import territory_cards
from capsante.indicators.exports import table_response
from capsante.territories.services import communes_of
from capsante.ui.maps import MapShape, svg_map
from capsante.ui.redirects import safe_next

from . import services
from .forms import CallListFilter, ContactForm, MoveForm

PAGE_SIZE = 100
STAGE_COLOURS = ["#ce0500", "#b34000", "#695240", "#18753c", "#000091"]


def _crumbs(campaign=None, *tail):
    crumbs = [("Campagnes", reverse("campaigns:list"))]
    if campaign:
        crumbs.append(
            (campaign.name, reverse("campaigns:board", args=[campaign.slug]) if tail else None)
        )
    return [*crumbs, *tail]


@login_required
def campaign_list(request):
    campaigns = services.campaigns_for_user(request.user)
    return render(
        request,
        "campaigns/list.html",
        {
            "title": "Campagnes",
            "campaigns": campaigns,
            "breadcrumb": [("Campagnes", None)],
        },
    )


@login_required
def board(request, slug: str):
    campaign = services.campaign_for_user(request.user, slug)
    followups = services.followups_for_user(request.user, campaign)
    funnel = services.funnel(campaign, followups)
    colours = {
        c.stage.order: STAGE_COLOURS[min(i, len(STAGE_COLOURS) - 1)] for i, c in enumerate(funnel)
    }
    communes = communes_of(campaign.territory).only("code", "name", "geometry")
    drawn = svg_map([MapShape(c.code, c.name, c.geometry) for c in communes], width=560)
    points = _points(campaign, followups, colours)

    cards = [
        c
        for c in territory_cards(campaign.territory)
        if c.indicator.code in campaign.indicator_codes
    ]
    bars = [
        {
            "y": i * 44,
            "width": round(300 * c.at_or_past / c.total) if c.total else 0,
            "label": c.stage.label,
            "value": c.at_or_past,
        }
        for i, c in enumerate(funnel)
    ]
    legend = [
        {"label": c.stage.label, "count": c.count, "colour": colours[c.stage.order]} for c in funnel
    ]
    return render(
        request,
        "campaigns/board.html",
        {
            "bars": bars,
            "funnel_height": 44 * len(funnel),
            "title": campaign.name,
            "campaign": campaign,
            "funnel": funnel,
            "areas": services.by_area(campaign, followups),
            "map": drawn,
            "points": points,
            "legend": legend,
            "cards": cards,
            "total": funnel[0].total if funnel else 0,
            "breadcrumb": _crumbs(campaign),
        },
    )


def _points(campaign, followups, colours):
    """Structures as dots on the same projection as the commune map."""

    shapes = [
        json.loads(c.geometry)
        for c in communes_of(campaign.territory).only("geometry")
        if c.geometry
    ]
    coords = [
        pt
        for g in shapes
        for poly in (g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]])
        for ring in poly
        for pt in ring
    ]
    if not coords:
        return []
    min_x, max_x = min(p[0] for p in coords), max(p[0] for p in coords)
    min_y, max_y = min(p[1] for p in coords), max(p[1] for p in coords)
    kx = math.cos(math.radians((min_y + max_y) / 2))
    scale = 560 / max((max_x - min_x) * kx, 1e-9)
    points = []
    for f in followups.select_related("establishment", "stage"):
        s = f.establishment
        if s.latitude is None or s.longitude is None:
            continue
        points.append(
            {
                "x": round((s.longitude - min_x) * kx * scale, 1),
                "y": round((max_y - s.latitude) * scale, 1),
                "colour": colours.get(f.stage.order, "#000"),
                "label": f"{s.name} : {f.stage.label}",
            }
        )
    return points


@login_required
def calls(request, slug: str):
    campaign = services.campaign_for_user(request.user, slug)
    form = CallListFilter(request.GET or None, campaign=campaign)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = services.call_list(
        campaign,
        services.followups_for_user(request.user, campaign),
        stage=filters.get("stage", ""),
        query=filters.get("q", ""),
        no_mss_only=filters.get("no_mss", False),
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        headers = [
            "finess",
            "structure",
            "catégorie",
            "commune",
            "adresse",
            "code postal",
            "téléphone",
            "étape",
            "MSSanté",
            "échéance",
            "dernier contact",
        ]
        data = [
            [
                f.establishment.finess_et,
                f.establishment.name,
                f.establishment.category_label,
                f.establishment.commune.name if f.establishment.commune else "",
                f.establishment.address,
                f.establishment.postal_code,
                f.establishment.phone,
                f.stage.label,
                "oui" if f.has_mss else "non",
                f.deadline.isoformat() if f.deadline else "",
                f.last_contact_at.strftime("%Y-%m-%d %H:%M") if f.last_contact_at else "",
            ]
            for f in rows
        ]
        about = {
            "Campagne": campaign.name,
            "Filtres": ", ".join(f"{k}={v}" for k, v in filters.items() if v) or "aucun",
            "Sources": "FINESS (adresses, téléphones), suivi des conseillers",
        }
        return table_response(f"appels_{campaign.slug}", fmt, headers, data, about)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # Built once: reversing two URLs per row dominated the rendering time of long lists.
    followup_url = reverse("campaigns:followup", args=[campaign.slug, "FINESS"])
    contact_url = reverse("campaigns:contact", args=[campaign.slug, "FINESS"])
    lines = [
        {
            "f": f,
            "url": followup_url.replace("FINESS", f.establishment.finess_et),
            "contact_url": contact_url.replace("FINESS", f.establishment.finess_et),
        }
        for f in page
    ]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "campaigns/calls.html",
        {
            "title": f"Liste d’appels — {campaign.name}",
            "campaign": campaign,
            "form": form,
            "lines": lines,
            "page": page,
            "count": page.paginator.count,
            "query_string": params.urlencode(),
            "breadcrumb": _crumbs(campaign, ("Liste d’appels", None)),
        },
    )


@login_required
def followup(request, slug: str, finess: str):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    return render(
        request,
        "campaigns/followup.html",
        {
            "title": item.establishment.name,
            "campaign": campaign,
            "followup": item,
            "move_form": MoveForm(campaign=campaign, initial={"stage": item.stage}),
            "contact_form": ContactForm(),
            "history": item.history.select_related("history_user", "stage").order_by(
                "-history_date"
            ),
            "contacts": item.establishment.contacts.filter(campaign=campaign).select_related(
                "user"
            ),
            "breadcrumb": _crumbs(campaign, (item.establishment.name, None)),
        },
    )


@login_required
@require_POST
def move(request, slug: str, finess: str):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    form = MoveForm(request.POST, campaign=campaign)
    if form.is_valid():
        services.move(
            item,
            form.cleaned_data["stage"],
            request.user,
            form.cleaned_data["evidence"],
            form.cleaned_data["note"],
        )
        messages.success(
            request,
            f"{item.establishment.name} : étape « {form.cleaned_data['stage'].label} » enregistrée.",
        )
    else:
        messages.error(request, "Étape invalide.")
    return redirect("campaigns:followup", slug=slug, finess=finess)


@login_required
@require_POST
def contact(request, slug: str, finess: str):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    form = ContactForm(request.POST)
    if form.is_valid():
        services.log_contact(item, request.user, **form.cleaned_data)
        messages.success(request, "Contact enregistré.")
        return redirect(safe_next(request, reverse("campaigns:followup", args=[slug, finess])))
    return render(
        request,
        "campaigns/followup.html",
        {
            "title": item.establishment.name,
            "campaign": campaign,
            "followup": item,
            "move_form": MoveForm(campaign=campaign, initial={"stage": item.stage}),
            "contact_form": form,
            "history": item.history.select_related("history_user", "stage").order_by(
                "-history_date"
            ),
            "contacts": item.establishment.contacts.filter(campaign=campaign).select_related(
                "user"
            ),
            "breadcrumb": _crumbs(campaign, (item.establishment.name, None)),
        },
        status=400,
    )
