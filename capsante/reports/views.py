import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from capsante.accounts import access
from capsante.indicators.exports import table_response
from capsante.roadmaps import services as roadmap_services
from capsante.roadmaps import targets as roadmap_targets
from capsante.territories.models import Territory

from . import dashboard, opendata, services, summary
from .forms import ReportRangeForm


def _file(content: bytes, filename: str, fmt: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=services.FORMATS[fmt])
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def index(request):
    roadmaps = roadmap_services.visible_roadmaps(request.user).select_related("territory")
    return render(
        request,
        "reports/index.html",
        {
            "title": "Rapports et données ouvertes",
            "roadmaps": roadmaps,
            "can_read_committees": access.is_partner(request.user),
            "committee_territories": {
                r.territory_id for r in roadmaps if access.overlaps(request.user, r.territory)
            },
            "territories": [r.territory for r in roadmaps],
            "breadcrumb": [("Rapports et données ouvertes", None)],
        },
    )


def roadmap_document(request, pk: int):
    roadmap = roadmap_services.roadmap_for_user(request.user, pk=pk)
    fmt = "html" if request.GET.get("format") == "html" else "pdf"
    return _file(
        services.roadmap_report(roadmap, fmt),
        services.roadmap_filename(roadmap, fmt),
        fmt,
        inline=fmt == "html",
    )


def public_dashboard(request, pk: int):
    roadmap = roadmap_services.roadmap_for_user(request.user, pk=pk)
    followed = roadmap_targets.roadmap_targets(roadmap)
    rows = dashboard.roadmap_indicators(roadmap, followed)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        headers, data = dashboard.table(rows)
        about = {
            "Tableau": f"Indicateurs de la feuille de route « {roadmap.title} »",
            "Territoire": f"{roadmap.territory.name} ({roadmap.territory.code})",
            "Filtres": "aucun : tous les indicateurs des chiffres clés et des cibles de la feuille de route",
            "Sources": ", ".join(
                sorted({s for r in rows for s in r.indicator.sources_label.split(", ")})
            ),
            "Adresse": request.build_absolute_uri(request.path),
        }
        return table_response(
            f"tableau-de-bord-{roadmap.territory.code}-{roadmap.period_label}",
            fmt,
            headers,
            data,
            about,
        )
    return render(
        request,
        "reports/public_dashboard.html",
        {
            "title": f"Tableau de bord — {roadmap.title}",
            "roadmap": roadmap,
            "rows": rows,
            "glance": roadmap_targets.glance(roadmap, followed),
            "share_url": request.build_absolute_uri(request.path),
            "breadcrumb": [
                ("Feuilles de route", reverse("roadmaps:list")),
                (roadmap.territory.name, reverse("roadmaps:detail", args=[roadmap.pk])),
                ("Tableau de bord public", None),
            ],
        },
    )


def territory_summary(request, level: str, code: str):
    """Any territory on one A4 page: as a web page (with its print stylesheet) or a PDF."""
    territory = _territory(level, code)
    data = summary.summary(territory, request.user)
    if request.GET.get("format") == "pdf":
        return _file(summary.summary_pdf(data), summary.summary_filename(territory), "pdf")
    return render(
        request,
        "reports/summary.html",
        {
            "title": f"Synthèse — {territory.name}",
            "s": data,
            "breadcrumb": [
                ("Indicateurs", reverse("indicators:catalogue")),
                (territory.name, reverse("indicators:territory", args=[level, code])),
                ("Synthèse sur une page", None),
            ],
        },
    )


def _territory(level: str, code: str) -> Territory:
    return get_object_or_404(Territory, level=level, code=code)


@login_required
@require_http_methods(["GET", "POST"])
def committee_reports(request, level: str, code: str):
    territory = _territory(level, code)
    if not access.overlaps(request.user, territory):
        raise Http404("Rapports introuvables")
    can_generate = access.can_edit(request.user, territory)
    start, end = services.default_range(territory)
    form = ReportRangeForm(request.POST or None, initial={"start": start, "end": end})
    if request.method == "POST":
        access.require(can_generate, "Vous ne pouvez pas produire les rapports de ce territoire.")
        if form.is_valid():
            data = form.cleaned_data
            snapshot = services.generate_snapshot(
                territory, data["start"], data["end"], data["kind"], request.user
            )
            messages.success(
                request,
                f"Rapport généré (instantané n° {snapshot.pk}) : ses chiffres sont figés, "
                "le télécharger à nouveau redonne les mêmes.",
            )
            return redirect("reports:committee_reports", level=level, code=code)
    return render(
        request,
        "reports/committee_reports.html",
        {
            "title": f"Rapports de comité — {territory.name}",
            "territory": territory,
            "snapshots": services.snapshots_for_user(request.user)
            .filter(territory=territory)
            .select_related("generated_by"),
            "form": form,
            "can_generate": can_generate,
            "breadcrumb": [
                ("Rapports", reverse("reports:index")),
                (f"Rapports de comité — {territory.name}", None),
            ],
        },
    )


@login_required
def snapshot_download(request, pk: int, fmt: str):
    snapshot = services.snapshot_for_user(request.user, pk)
    if fmt not in ("pdf", "docx"):
        raise Http404("Format inconnu")
    return _file(
        services.render_snapshot(snapshot, fmt), services.snapshot_filename(snapshot, fmt), fmt
    )


def opendata_page(request):
    directory = opendata.cached_export()
    package = (directory / "datapackage.json").read_text(encoding="utf-8")

    meta = json.loads(package)
    files = [
        {"name": name, "label": label, "size": (directory / name).stat().st_size}
        for name, label in opendata.FILES
    ]
    return render(
        request,
        "reports/opendata.html",
        {
            "title": "Données ouvertes",
            "package": meta,
            "produced": dt.datetime.fromisoformat(meta["created"]),
            "resources": [
                {"title": r["title"], "path": r["path"], "rows": r.get("capsante:rows")}
                for r in meta["resources"]
            ],
            "files": files,
            "schemas": {name: opendata.table_schema(name) for name in opendata.TABLES},
            "breadcrumb": [("Rapports", reverse("reports:index")), ("Données ouvertes", None)],
        },
    )


def opendata_file(request, name: str):
    allowed = {n for n, _ in opendata.FILES}
    if name not in allowed:
        raise Http404("Fichier inconnu")
    path = opendata.cached_export() / name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
