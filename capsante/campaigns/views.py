import json
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from capsante.accounts import access
from capsante.establishments import services as establishments
from capsante.indicators.dashboards import territory_cards
from capsante.indicators.exports import table_response
from capsante.territories.services import communes_of
from capsante.ui import formats
from capsante.ui.maps import MapShape, svg_map
from capsante.ui.redirects import safe_next

from . import services
from .forms import BulkMoveForm, CallListFilter, ContactForm, ContactPersonForm, MoveForm

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

    where = services.board_territory(request.user, campaign)
    cards = [c for c in territory_cards(where) if c.indicator.code in campaign.indicator_codes]
    bars = [
        {
            "y": i * 44,
            "width": round(300 * c.at_or_past / c.total) if c.total else 0,
            # What each bar counts, said: the first counts every structure followed.
            "label": "Structures suivies" if i == 0 else f"Au moins à l’étape « {c.stage.label} »",
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
            "where": where,
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


CALL_HEADERS = [
    "finess",
    "structure",
    "catégorie",
    "commune",
    "adresse",
    "code postal",
    "téléphone",
    "fax",
    "étape",
    "MSSanté",
    "échéance",
    "dernier contact",
    "rappel prévu le",
]


def _call_rows(rows) -> list[list]:
    return [
        [
            f.establishment.finess_et,
            f.establishment.name,
            f.establishment.category_label,
            f.establishment.commune.name if f.establishment.commune else "",
            f.establishment.address,
            f.establishment.postal_code,
            f.establishment.phone,
            f.establishment.fax,
            f.stage.label,
            "oui" if f.has_mss else "non",
            f.deadline,
            f.last_contact_at,
            f.callback_on,
        ]
        for f in rows
    ]


def _filters_label(filters: dict, campaign) -> str:
    """The filters of a list, in words, for the export's "À propos" sheet."""
    words = []
    if filters.get("q"):
        words.append(f"recherche « {filters['q']} »")
    if filters.get("stage"):
        stage = campaign.stages.filter(code=filters["stage"]).first()
        words.append(f"étape « {stage.label if stage else filters['stage']} »")
    if filters.get("no_mss"):
        words.append("sans MSSanté seulement")
    return ", ".join(words) or "aucun"


@login_required
def calls(request, slug: str, callbacks: bool = False):
    """The call list, most urgent first; with `callbacks`, the structures to call back today or
    before ("rappels du jour")."""
    campaign = services.campaign_for_user(request.user, slug)
    followups = services.followups_for_user(request.user, campaign)
    form = CallListFilter(request.GET or None, campaign=campaign)
    filters = form.cleaned_data if form.is_valid() else {}
    if callbacks:
        rows = services.callbacks_due(followups)
    else:
        rows = services.call_list(
            campaign,
            followups,
            stage=filters.get("stage", ""),
            query=filters.get("q", ""),
            no_mss_only=filters.get("no_mss", False),
        )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        about = {
            "Campagne": campaign.name,
            "Liste": "rappels du jour et en retard" if callbacks else "liste d’appels",
            "Filtres": _filters_label(filters, campaign),
            "Sources": "FINESS (adresses, téléphones, fax), suivi des conseillers",
        }
        name = f"{'rappels' if callbacks else 'appels'}_{campaign.slug}"
        return table_response(name, fmt, CALL_HEADERS, _call_rows(rows), about)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_contribute = access.can_contribute(request.user, campaign.territory) or any(
        access.can_contribute(request.user, f.establishment.commune)
        for f in page
        if f.establishment.commune
    )
    # Built once: reversing two URLs per row dominated the rendering time of long lists.
    followup_url = reverse("campaigns:followup", args=[campaign.slug, "FINESS"])
    contact_url = reverse("campaigns:contact", args=[campaign.slug, "FINESS"])
    sheet_url = reverse("establishments:detail", args=["FINESS"])
    lines = [
        {
            "f": f,
            "url": (followup_url if can_contribute else sheet_url).replace(
                "FINESS", f.establishment.finess_et
            ),
            "contact_url": contact_url.replace("FINESS", f.establishment.finess_et),
        }
        for f in page
    ]
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("annuler", None)
    title = "Rappels du jour" if callbacks else "Liste d’appels"
    return render(
        request,
        "campaigns/calls.html",
        {
            "title": f"{title} — {campaign.name}",
            "heading": title,
            "callbacks": callbacks,
            "campaign": campaign,
            "form": form,
            "bulk_form": BulkMoveForm(campaign=campaign) if can_contribute else None,
            "lines": lines,
            "page": page,
            "count": page.paginator.count,
            "query_string": params.urlencode(),
            "can_contribute": can_contribute,
            "undo": _undoable(request, campaign),
            "today": timezone.localdate(),
            "breadcrumb": _crumbs(campaign, (title, None)),
        },
    )


def _undoable(request, campaign):
    """The contact just logged by one click, which its author may still take back."""
    pk = request.GET.get("annuler", "")
    if not pk.isdigit():
        return None
    try:
        return services.contact_for_author(request.user, campaign, int(pk))
    except (PermissionDenied, Http404):
        return None


@login_required
def callbacks(request, slug: str):
    return calls(request, slug, callbacks=True)


@login_required
@require_POST
def bulk_move(request, slug: str):
    campaign = services.campaign_for_user(request.user, slug)
    form = BulkMoveForm(request.POST, campaign=campaign)
    back = safe_next(request, reverse("campaigns:calls", args=[slug]))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    chosen = [
        services.followup_for_contributor(request.user, campaign, finess)
        for finess in form.cleaned_data["followups"]
    ]
    stage = form.cleaned_data["stage"]
    try:
        moved = services.move_many(
            chosen, stage, request.user, form.cleaned_data["evidence"], "mise à jour groupée"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        names = ", ".join(f.establishment.name for f in chosen[:3]) + (
            "…" if len(chosen) > 3 else ""
        )
        messages.success(
            request,
            f"{formats.plural(moved, 'structure')} à l’étape « {stage.label} » ({names}).",
        )
    return redirect(back)


def _followup_page(
    request, campaign, item, *, move_form=None, contact_form=None, person_form=None, status=200
):
    return render(
        request,
        "campaigns/followup.html",
        {
            "title": item.establishment.name,
            "campaign": campaign,
            "followup": item,
            "move_form": move_form or MoveForm(campaign=campaign, initial={"stage": item.stage}),
            "contact_form": contact_form or ContactForm(),
            "person_form": person_form or ContactPersonForm(),
            "people": item.establishment.people.all(),
            "history": item.history.select_related("history_user", "stage").order_by(
                "-history_date"
            ),
            "contacts": item.establishment.contacts.filter(campaign=campaign).select_related(
                "user"
            ),
            "breadcrumb": _crumbs(campaign, (item.establishment.name, None)),
        },
        status=status,
    )


@login_required
def followup(request, slug: str, finess: str):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    return _followup_page(request, campaign, item)


@login_required
@require_POST
def move(request, slug: str, finess: str):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    form = MoveForm(request.POST, campaign=campaign)
    if form.is_valid():
        try:
            services.move(
                item,
                form.cleaned_data["stage"],
                request.user,
                form.cleaned_data["evidence"],
                form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"{item.establishment.name} : étape « {form.cleaned_data['stage'].label} » "
                "enregistrée.",
            )
            return redirect("campaigns:followup", slug=slug, finess=finess)
    return _followup_page(request, campaign, item, move_form=form, status=400)


@login_required
@require_POST
def contact(request, slug: str, finess: str):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    form = ContactForm(request.POST)
    if form.is_valid():
        logged = services.log_contact(item, request.user, **form.cleaned_data)
        back = safe_next(request, reverse("campaigns:followup", args=[slug, finess]))
        if request.POST.get("one_click"):
            # The call list's one-click "no answer": say on which structure, offer to undo.
            messages.success(
                request,
                f"{logged.get_outcome_display()} noté pour {item.establishment.name} "
                f"({logged.get_kind_display().lower()} du {formats.moment(logged.created_at)}).",
            )
            separator = "&" if "?" in back else "?"
            return redirect(f"{back}{separator}annuler={logged.pk}")
        messages.success(request, f"Contact enregistré pour {item.establishment.name}.")
        return redirect(back)
    return _followup_page(request, campaign, item, contact_form=form, status=400)


@login_required
@require_POST
def undo_contact(request, slug: str, pk: int):
    campaign = services.campaign_for_user(request.user, slug)
    logged = services.contact_for_author(request.user, campaign, pk)
    name = logged.establishment.name
    services.undo_contact(request.user, logged)
    messages.success(request, f"Contact annulé pour {name}.")
    return redirect(safe_next(request, reverse("campaigns:calls", args=[slug])))


@login_required
@require_POST
def add_person(request, slug: str, finess: str):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    form = ContactPersonForm(request.POST)
    if form.is_valid():
        establishments.add_person(request.user, item.establishment, **form.cleaned_data)
        messages.success(request, f"Personne à contacter ajoutée : {form.cleaned_data['name']}.")
        return redirect(reverse("campaigns:followup", args=[slug, finess]) + "#personnes")
    return _followup_page(request, campaign, item, person_form=form, status=400)


@login_required
@require_POST
def remove_person(request, slug: str, finess: str, pk: int):
    campaign = services.campaign_for_user(request.user, slug)
    item = services.followup_for_contributor(request.user, campaign, finess)
    person = establishments.person_for_contributor(request.user, item.establishment, pk)
    name = person.name
    establishments.remove_person(request.user, person)
    messages.success(request, f"Personne retirée de la liste des personnes à contacter : {name}.")
    return redirect(reverse("campaigns:followup", args=[slug, finess]) + "#personnes")
