"""The directory's pages: the public search, a page per resource, the error report, the memo,
the embeddable page, the exports; the partners' list, forms and freshness actions.

Public pages work without a script: the search is a GET form, "around me" is an enhancement
(directory.js fills the position and sends the same form), the map is an inline SVG.
"""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_POST

from capsante.accounts import access
from capsante.accounts.client_ip import client_ip
from capsante.ingest.connectors.directory import vocabulary
from capsante.territories.models import Level, Territory
from capsante.ui import easy_read, page_cache
from capsante.ui.maps import MapPoint, MapShape, point_map
from capsante.ui.redirects import safe_next

from . import easy_texts, exports, hours, memo, search, services
from .forms import ReportForm, ResourceForm, SearchForm
from .models import Resource

# Ten resources a page: enough to choose from, short enough to read (and to print) for people
# far from digital tools; the next ones are a link away.
PAGE_SIZE = 10


def _crumbs(*tail):
    return [("Annuaire des ressources", reverse("directory:search") if tail else None), *tail]


def _switch_url(request, easy: bool) -> str:
    return (
        reverse("directory:easy_read")
        + "?"
        + urlencode({"activer": "0" if easy else "1", "next": request.get_full_path()})
    )


def _easy_context(request) -> dict:
    easy = easy_read.enabled(request)
    return {"easy": easy, "switch_url": _switch_url(request, easy)}


def easy_read_switch(request):
    """Switch the easy-to-read mode on or off, then go back to the page (a link: no script)."""
    on = request.GET.get("activer") == "1"
    target = safe_next(request, reverse("directory:search"))
    return easy_read.remember(redirect(target), on)


# --- The public search ------------------------------------------------------------------------


def _locate(form: SearchForm) -> tuple[search.Commune | None, list[search.Commune], tuple]:
    """(the commune, other communes the words may mean, the point searched around)."""
    index = search.commune_index()
    data = form.cleaned_data
    if data.get("lat") is not None and data.get("lon") is not None:
        commune = index.nearest(data["lat"], data["lon"])
        return commune, [], (data["lat"], data["lon"])
    if not data.get("q") and data.get("commune") in index.by_code:
        commune = index.communes[index.by_code[data["commune"]]]
        return commune, [], (commune.latitude, commune.longitude)
    found = index.find(data.get("q") or "")
    if not found:
        return None, [], ()
    commune = found[0]
    return commune, found[1:], (commune.latitude, commune.longitude)


def _departement_map(
    commune: search.Commune | None, results, point, here_label: str
) -> dict | None:
    if commune is None or commune.departement_pk is None:
        return None
    departement = page_cache.kept(  # its outline, read at every search, changes with the map
        "directory-departement",
        (commune.departement_pk,),
        lambda: (
            Territory.objects.filter(pk=commune.departement_pk)
            .only("code", "name", "geometry")
            .first()
        ),
    )
    if departement is None or not departement.geometry:
        return None
    points = [
        MapPoint(r.resource.longitude, r.resource.latitude, r.resource.name, r.number)
        for r in results
        if r.resource.located and r.distance_km is not None
    ]
    if point and point[0] is not None:
        points.append(MapPoint(point[1], point[0], here_label, highlight=True))
    shapes = [MapShape(departement.code, departement.name, departement.geometry)]
    return {
        "map": point_map(shapes, points, width=520, tiles=settings.DIRECTORY_MAP_TILES),
        "departement": departement,
    }


def run_search(request, form: SearchForm, easy: bool) -> dict:
    """The search's results, shared by the directory's page and the embeddable page."""
    if not form.is_bound or not form.is_valid():
        return {"searched": False}
    data = form.cleaned_data
    commune, others, point = _locate(form)
    searched = bool(data.get("q") or data.get("commune") or data.get("lat") is not None)
    if commune is None or not point or point[0] is None:
        return {"searched": searched, "commune": None, "others": [], "results": [], "remote": []}
    filters = search.Filters(
        data.get("need") or "", data.get("kind") or "", data.get("audience") or ""
    )
    wanted = data.get("page") or 1
    results, found = search.nearby(
        *point, commune.zone_codes, filters, limit=PAGE_SIZE, offset=(wanted - 1) * PAGE_SIZE
    )
    page = Paginator(range(found), PAGE_SIZE).get_page(wanted)
    if page.number != wanted:  # beyond the last page (the list has shrunk since): the last one
        results, _ = search.nearby(
            *point, commune.zone_codes, filters, limit=PAGE_SIZE, offset=page.start_index() - 1
        )
    for number, result in enumerate(results, start=max(page.start_index(), 1)):
        result.number = number
    # The same for everyone in the zone, and read at every search: kept until the content changes.
    remote = page_cache.kept(
        "directory-remote",
        (sorted(commune.zone_codes), filters),
        lambda: search.remote(commune.zone_codes, filters),
    )
    around_me = data.get("lat") is not None
    here = "Votre position" if around_me else f"Centre de {commune.name}"
    return {
        "searched": True,
        "commune": commune,
        "others": others,
        "around_me": around_me,
        "results": results,
        "found": found,
        "page": page,
        "remote": remote,
        "map": _departement_map(commune, results, point, here),
        "need": vocabulary.NEED_BY_CODE.get(data.get("need") or ""),
    }


def memo_departements() -> list[Territory]:
    """The départements that have resources, for the memos' links: kept ten minutes, since a scan
    of 100,000 resources per search would cost more than the search itself."""

    def find() -> list[Territory]:
        codes = Resource.objects.filter(published=True).values("departement_code").distinct()
        return list(
            Territory.objects.filter(level=Level.DEPARTEMENT, code__in=codes).order_by("code")
        )

    return cache.get_or_set("directory:memo-departements", find, 600)


@page_cache.for_visitors
def search_page(request):
    context = _easy_context(request)
    form = SearchForm(request.GET or None, easy=context["easy"])
    context.update(run_search(request, form, context["easy"]))
    context.update(
        title="Trouver de l’aide près de chez vous"
        if context["easy"]
        else "Annuaire des ressources du numérique en santé",
        form=form,
        breadcrumb=_crumbs(),
        texts=easy_texts.texts(),
        kinds=vocabulary.KINDS,
        needs=vocabulary.NEEDS,
        exports=exports.FORMATS,
        departements=[] if context.get("commune") else memo_departements(),
        tiles_attribution=settings.DIRECTORY_MAP_TILES_ATTRIBUTION,
    )
    return render(request, "directory/search.html", context)


@xframe_options_exempt
def embed(request):
    """The search for another site's page (a town hall's, a CPAM's), in an iframe, with its own
    commune preselected: `?commune=72181`. Framing is allowed for this view only."""
    easy = easy_read.enabled(request)
    params = request.GET.copy()
    params[easy_read.PARAMETER] = "normale" if easy else "facile"
    # In a frame the mode goes in the address, not in a cookie (another site's cookies are
    # often refused in frames).
    context = {
        "easy": easy,
        "switch_url": "?" + params.urlencode(),
        "embedded": True,
        "tiles_attribution": settings.DIRECTORY_MAP_TILES_ATTRIBUTION,
    }
    form = SearchForm(request.GET or None, easy=easy)
    context.update(run_search(request, form, easy))
    context.update(title="Trouver de l’aide près de chez vous", form=form, texts=easy_texts.texts())
    return render(request, "directory/embed.html", context)


# --- A resource ---------------------------------------------------------------------------------


def detail(request, pk: int):
    resource = services.resource_for_user(request.user, pk)
    context = _easy_context(request)
    context.update(
        title=resource.name,
        resource=resource,
        hours=hours.describe(resource.opening_hours),
        stale=resource.is_stale(),
        can_edit=services.can_edit(request.user, resource),
        texts=easy_texts.texts(),
        breadcrumb=_crumbs((resource.name, None)),
    )
    return render(request, "directory/detail.html", context)


def _client_address(request) -> str:
    # The visitor's address, behind the reverse proxy too (CAPSANTE_TRUSTED_PROXIES).
    return client_ip(request) or "inconnue"


@require_http_methods(["GET", "POST"])
def report(request, pk: int):
    resource = services.resource_for_user(request.user, pk)
    if not resource.published:
        raise Http404("Ressource introuvable")
    context = _easy_context(request)
    form = ReportForm(request.POST or None)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        key = services.sender_key(_client_address(request))
        refusal = services.report_refusal(resource, key)
        if not refusal and not form.cleaned_data["website"]:
            services.report_error(
                resource,
                form.cleaned_data["message"],
                form.cleaned_data["email"],
                key,
                request.build_absolute_uri("/").rstrip("/"),
            )
        if not refusal:
            messages.success(
                request,
                "Merci : votre signalement a été transmis à la personne qui s’occupe de cette fiche.",
            )
            return redirect("directory:detail", pk=resource.pk)
    status = 429 if refusal else 200
    context.update(
        title=f"Signaler une erreur : {resource.name}",
        resource=resource,
        form=form,
        refusal=refusal,
        texts=easy_texts.texts(),
        breadcrumb=_crumbs(
            (resource.name, reverse("directory:detail", args=[resource.pk])),
            ("Signaler une erreur", None),
        ),
    )
    return render(request, "directory/report.html", context, status=status)


# --- The memo and the exports ---------------------------------------------------------------


def memo_view(request, level: str, code: str):
    if level not in (Level.DEPARTEMENT, Level.EPCI):
        raise Http404("Mémo disponible par département ou par EPCI")
    territory = Territory.objects.filter(level=level, code=code).first()
    if territory is None:
        raise Http404("Territoire introuvable")
    base_url = request.build_absolute_uri("/").rstrip("/")
    if request.GET.get("format") == "html":
        return HttpResponse(memo.html(territory, base_url))
    response = HttpResponse(memo.pdf_document(territory, base_url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="memo-ressources-{level}-{code}.pdf"'
    return response


def export(request, name: str):
    if name not in exports.FORMATS:
        raise Http404("Format inconnu")
    queryset = Resource.objects.all()
    departement = request.GET.get("departement", "")
    if departement:
        queryset = queryset.filter(departement_code=departement)
    filename, content_type, _ = exports.FORMATS[name]
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(exports.render(name, queryset, base_url), content_type=content_type)
    prefix = f"{departement}-" if departement else ""
    response["Content-Disposition"] = f'attachment; filename="annuaire-{prefix}{filename}"'
    return response


# --- The partners' side -------------------------------------------------------------------------


@login_required
def manage(request):
    resources = services.managed_resources(request.user).select_related("commune", "owner")
    show = request.GET.get("afficher", "")
    if show == "a-verifier":
        resources = services.stale(resources)
    elif show == "mes-fiches":
        resources = resources.filter(owner=request.user)
    page = Paginator(resources.order_by("verified_on", "name"), 50).get_page(
        request.GET.get("page")
    )
    reports = services.open_reports(services.managed_resources(request.user))[:50]
    return render(
        request,
        "directory/manage.html",
        {
            "title": "Gérer les fiches de l’annuaire",
            "page": page,
            "show": show,
            "reports": reports,
            "freshness": services.freshness_for_partner(request.user),
            "cutoff": services.stale_cutoff(),
            "can_create": services.creatable_territories(request.user).exists(),
            "breadcrumb": _crumbs(("Gérer les fiches", None)),
        },
    )


def _form(request, resource: Resource | None):
    communes = services.creatable_territories(request.user).filter(level=Level.COMMUNE)
    if resource is not None and resource.commune_id and services.can_edit(request.user, resource):
        communes = communes | Territory.objects.filter(pk=resource.commune_id)
    return ResourceForm(
        request.POST or None,
        instance=resource,
        owners=services.assignable_owners(request.user),
        communes=communes,
    )


def _save(request, form: ResourceForm) -> Resource:
    resource = form.save(commit=False)
    data = form.cleaned_data
    resource.services = data["services"]
    resource.audiences = data["audiences"]
    resource.specialties = data["specialties"]
    resource.zone = data["zone_codes"]
    resource.commune = data["commune_code"]
    resource.departement_code = services.departement_code_of(resource.commune)
    resource.territory = services.territory_for(resource.commune, resource.zone)
    if not resource.external_id:
        resource.external_id = f"fiche-{timezone.now():%Y%m%d%H%M%S%f}"
    resource.verified_on = timezone.localdate()
    resource.save()
    return resource


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    access.require(
        services.creatable_territories(request.user).exists(),
        "Votre rôle ne permet pas de créer une fiche.",
    )
    form = _form(request, None)
    if request.method == "POST" and form.is_valid():
        resource = _save(request, form)
        if resource.territory is None and not access.is_superuser(request.user):
            form.add_error("commune_code", "Indiquez une commune ou une zone de votre périmètre.")
        else:
            messages.success(request, "La fiche a été créée.")
            return redirect("directory:detail", pk=resource.pk)
    return render(
        request,
        "directory/form.html",
        {"title": "Nouvelle fiche", "form": form, "cancel": reverse("directory:manage"),
         "breadcrumb": _crumbs(("Gérer les fiches", reverse("directory:manage")), ("Nouvelle fiche", None))},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    resource = services.resource_to_edit(request.user, pk)
    form = _form(request, resource)
    if request.method == "POST" and form.is_valid():
        _save(request, form)
        messages.success(
            request, "La fiche a été enregistrée et marquée comme vérifiée aujourd’hui."
        )
        return redirect("directory:detail", pk=resource.pk)
    return render(
        request,
        "directory/form.html",
        {
            "title": f"Modifier : {resource.name}",
            "form": form,
            "resource": resource,
            "reports": services.open_reports([resource]),
            "cancel": reverse("directory:detail", args=[resource.pk]),
            "breadcrumb": _crumbs((resource.name, reverse("directory:detail", args=[resource.pk])), ("Modifier", None)),
        },
    )  # fmt: skip


@login_required
@require_POST
def verify(request, pk: int):
    resource = services.resource_to_edit(request.user, pk)
    services.mark_verified(resource, request.user)
    messages.success(
        request, f"« {resource.name} » est marquée comme vérifiée le {dt.date.today():%d/%m/%Y}."
    )
    return redirect(safe_next(request, reverse("directory:manage")))


@login_required
@require_POST
def resolve_report(request, pk: int):
    report = services.report_to_resolve(request.user, pk)
    services.resolve_report(report, request.user)
    messages.success(request, "Le signalement est marqué comme traité.")
    return redirect(safe_next(request, reverse("directory:manage")))
