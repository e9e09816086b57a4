from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from capsante.accounts import access
from capsante.engine.statuses import RULE
from capsante.territories.models import Territory
from capsante.territories.services import ancestors, home_region
from capsante.ui import formats, page_cache
from capsante.ui.redirects import safe_next

from . import completeness, dashboards, disclosure, services
from .exports import table_response
from .forms import ManualValueForm
from .models import FORECAST_LABELS, MONTHS_ENDED_RULE, Indicator, ManualEntry, ManualStatus, Target
from .targets import digits, remaining, target_label


def _territory(level: str, code: str) -> Territory:
    return get_object_or_404(Territory.objects.select_related("parent"), level=level, code=code)


def _crumbs(territory: Territory, *tail):
    found = ancestors(territory)
    # One path: an EPCI straddling départements goes through the first of them (`ancestors`:
    # the platform's région's, then the one holding most of its communes) and its région — the
    # CU d'Alençon read « Normandie › Pays de la Loire › Orne › Sarthe ».
    departement = next((a for a in found if a.level == "departement"), None)
    chain = [
        a
        for a in reversed(found)
        if (a.level != "epci" or territory.level == "commune")
        and (a.level != "departement" or a == departement)
        and (a.level != "region" or departement is None or a.pk == departement.parent_id)
    ]
    return [
        ("Indicateurs", reverse("indicators:catalogue")),
        *[(a.name, reverse("indicators:territory", args=[a.level, a.code])) for a in chain],
        (
            territory.name,
            reverse("indicators:territory", args=[territory.level, territory.code])
            if tail
            else None,
        ),
        *tail,
    ]


def catalogue(request):
    return render(
        request,
        "indicators/catalogue.html",
        {
            "title": "Indicateurs",
            "indicators": Indicator.objects.all(),
            "status_rule": [(condition, status, status.label) for condition, status in RULE],
            "months_ended_rule": MONTHS_ENDED_RULE,
            "status_rule_note": completeness.STATUS_RULE_NOTE,
            "region": home_region(),
            "breadcrumb": [("Indicateurs", None)],
        },
    )


@page_cache.for_visitors
def territory_dashboard(request, level: str, code: str):
    territory = _territory(level, code)
    cards = dashboards.territory_cards(territory, request.user, compare=True)
    parents = dashboards.comparison_parents(territory)
    return render(
        request,
        "indicators/territory.html",
        {
            "title": f"Indicateurs — {territory.name}",
            "territory": territory,
            "cards": cards,
            "sections": dashboards.sections(territory, cards, request.user),
            "parents": parents,
            "children": dashboards.children_of(territory),
            "partial_remaining": completeness.NOT_FROM_PARTIAL,
            "breadcrumb": _crumbs(territory),
        },
    )


@page_cache.for_visitors
def indicator_detail(request, code: str, level: str, territory_code: str):
    indicator = get_object_or_404(Indicator, code=code)
    territory = _territory(level, territory_code)
    if disclosure.withholds(request.user, indicator, territory):
        return _withheld(request, indicator, territory)
    target = Target.objects.filter(indicator=indicator, territory=territory).first()
    parents = [
        p
        for p in dashboards.comparison_parents(territory)
        if not disclosure.withholds(request.user, indicator, p)
    ]
    values = services.series(indicator, territory)
    # Every month of the series short of communes, marked on the chart and in its table; the
    # latest one is also said above the table.
    partial = completeness.partial_months(indicator, territory, values)
    # The département's and the région's lines and columns, their partial months marked too.
    compared = dashboards.compared_series(indicator, parents)
    drawing, rows = dashboards.chart(indicator, territory, target, compared, values, partial)
    compared_said = _compared_partial(request.user, indicator, compared, rows)
    latest = values[-1] if values else None  # `services.latest_value`, already read
    period = latest.period if latest else None
    detailed = disclosure.sees_establishments(request.user, indicator, territory)
    missing = partial.get(latest.period) if latest else None
    map_rows, legend = dashboards.map_rows(
        indicator,
        territory,
        period,
        withheld_as=lambda child: disclosure.withheld_as(request.user, child, indicator),
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _download(
            request,
            indicator,
            territory,
            rows,
            map_rows,
            fmt,
            parents,
            partial=partial,
            detailed=detailed,
            compared_said=compared_said,
        )
    comparisons = []
    for line in compared:
        value = dashboards.value_at(line.values, latest.period if latest else None)
        comparisons.append(
            dashboards.Comparison(
                line.territory,
                value,
                indicator,
                latest.value if latest else None,
                own_is_partial=missing is not None,
                partial=line.partial.get(value.period) if value else None,
            )
        )
    dashboards.partial_coverages((indicator, c) for c in comparisons)
    coverage = (
        completeness.partial_coverage([(indicator, territory, latest.period)]).get(
            (indicator.pk, territory.pk, latest.period)
        )
        if latest
        else None
    )
    model = target.status_details.get("model") if target else None
    return render(
        request,
        "indicators/detail.html",
        {
            "title": f"{indicator.name} — {territory.name}",
            "indicator": indicator,
            "territory": territory,
            "target": target,
            "latest": latest,
            "missing_communes": missing.sentence(named=detailed) if missing else "",
            "coverage": coverage,
            "stale": services.is_stale(indicator, latest),
            "partial_months": {p: m.sentence(named=detailed) for p, m in partial.items()},
            "compared_partial": compared_said,
            "partial_count": len(partial) + len(compared_said),
            "month_in_progress": services.current_month() if indicator.counted_each_month else None,
            "chart": drawing,
            "rows": rows,
            # The monthly table writes each figure as the cards do: 91,0 beside « 91,0 % ».
            "places": digits(indicator),
            "parents": parents,
            "comparisons": comparisons,
            "peers": dashboards.peers(indicator, territory, period),
            "map_rows": map_rows,
            "legend": legend,
            "status_label": services.STATUS_LABELS.get(target.status, "") if target else "",
            "value_label": dashboards.format_value(latest.value if latest else None, indicator),
            "target_label": target_label(target, lambda v: dashboards.format_value(v, indicator)),
            # Not from a figure short of communes: its numerator and denominator lack them.
            "remaining": None if missing else remaining(indicator, target, latest),
            "partial_remaining": completeness.NOT_FROM_PARTIAL if missing else "",
            "model_label": FORECAST_LABELS.get(model, "") if model else "",
            "breadcrumb": _crumbs(territory, (indicator.name, None)),
            "can_propose": access.can_contribute(request.user, territory),
            "can_set_target": access.can_edit(request.user, territory),
            "pending": _pending_entries(request.user, indicator, territory),
            "choropleth": dashboards.commune_map(indicator, territory, period)
            if detailed
            else None,
            "behind": dashboards.establishments_behind(indicator, territory, period)
            if detailed
            else None,
            "withheld_reason": "" if detailed else disclosure.WITHHELD_REASON,
            "manual_form": ManualValueForm(),
        },
    )


def _compared_partial(
    user, indicator: Indicator, compared: list[dashboards.ComparedSeries], rows: list[dict]
) -> list[tuple[Territory, str, str]]:
    """The enclosing territories' months short of communes marked in the table, as (territory,
    month, sentence): named for a reader who sees that territory's communes, as its own page."""
    said = []
    for index, line in enumerate(compared):
        named = disclosure.sees_establishments(user, indicator, line.territory)
        marked = {r["period"] for r in rows if r["parents"][index].partial}
        said += [
            (line.territory, period, missing.sentence(named=named))
            for period, missing in sorted(line.partial.items())
            if period in marked
        ]
    return said


def _pending_entries(user, indicator: Indicator, territory: Territory) -> list[ManualEntry]:
    """Values proposed for this figure and waiting for a second person: shown at the top of
    the page to the partners who may review them."""
    if not access.can_edit(user, territory):
        return []
    entries = ManualEntry.objects.filter(
        indicator=indicator, territory=territory, status=ManualStatus.PROPOSED
    ).select_related("proposed_by", "territory__parent__parent")
    return [e for e in entries if not services.review_refusal(user, e)]


def _withheld(request, indicator: Indicator, territory: Territory):
    """The page of a figure the reader may not see: why, and where the public figure is."""
    departement = next((a for a in ancestors(territory) if a.level == "departement"), None)
    return render(
        request,
        "indicators/withheld.html",
        {
            "title": f"{indicator.name} — {territory.name}",
            "indicator": indicator,
            "territory": territory,
            "departement": departement,
            "reason": disclosure.withheld_reason(request.user, territory),
            "breadcrumb": _crumbs(territory, (indicator.name, None)),
        },
    )


def _remark(row: dict) -> str:
    """The children table's last column: why a cell is empty, or what a figure is made of."""
    if row["withheld"]:
        return row["label"]
    if row["value"] is None:
        return "pas de donnée"
    return row["coverage"].sentence if row["coverage"] else ""


def _download(
    request,
    indicator,
    territory,
    rows,
    map_rows,
    fmt,
    parents=(),
    partial=None,
    detailed=False,
    compared_said=(),
):
    """The page's tables as CSV or XLSX. A month short of communes (decision 0043; `partial`, by
    month) is said on its row, in a last column « chiffre partiel », and in the spreadsheet's
    « À propos », as on the page: named for a reader who sees the communes, unnamed otherwise.
    So is an enclosing territory's (`compared_said`, `_compared_partial`), after it."""
    table = request.GET.get("table", "series")
    said = {period: m.sentence(named=detailed) for period, m in (partial or {}).items()}
    on_row = dict(said)
    for parent, period, sentence in compared_said:
        sentence = f"{parent.name} : {sentence}"  # whose figure, beside the territory's own
        on_row[period] = f"{on_row[period]} {sentence}" if period in on_row else sentence
    about = {
        "Indicateur": f"{indicator.name} ({indicator.code})",
        "Territoire": f"{territory.name} ({territory.code})",
        "Unité": indicator.unit_label or "nombre",
        "Sources": indicator.sources_label,
        "Définition": indicator.doc,
        "Tableau": {"series": "valeurs mensuelles", "children": "détail par territoire"}.get(
            table, table
        ),
    }
    if table == "series":
        for period in sorted(said):
            about[f"Chiffre partiel ({formats.month(period)})"] = said[period]
        for parent, period, sentence in compared_said:
            about[f"Chiffre partiel {parent.of_name} ({formats.month(period)})"] = sentence
    if table == "children":
        # An empty cell says why: a figure for partners only is not a missing figure.
        headers = ["code", "territoire", "mois", "numérateur", "dénominateur", "valeur", "remarque"]
        data = [
            [
                r["territory"].code,
                r["territory"].name,
                r["period"],
                r["numerator"],
                r["denominator"],
                r["value"],
                _remark(r),
            ]
            for r in map_rows
        ]
    elif table == "series":
        headers = [
            "mois",
            "valeur observée",
            *(p.name for p in parents),
            "trajectoire de référence",
            "prévision",
            "bande basse",
            "bande haute",
            "chiffre partiel",
        ]
        data = [
            [
                r["period"],
                r.get("value"),
                *(cell.value for cell in r["parents"]),
                r.get("reference"),
                r.get("forecast"),
                r.get("low"),
                r.get("high"),
                on_row.get(r["period"], ""),
            ]
            for r in rows
        ]
    else:
        raise Http404("Tableau inconnu")
    return table_response(f"{indicator.code}_{territory.code}_{table}", fmt, headers, data, about)


@login_required
@require_POST
def propose_value(request, code: str, level: str, territory_code: str):
    indicator = get_object_or_404(Indicator, code=code)
    territory = _territory(level, territory_code)
    form = ManualValueForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Saisie incomplète : " + " ".join(e for errs in form.errors.values() for e in errs),
        )
    else:
        try:
            services.propose_manual_value(request.user, indicator, territory, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, "Valeur proposée : elle comptera une fois validée par une autre personne."
            )
    return redirect("indicators:detail", code=code, level=level, territory_code=territory_code)


@login_required
def manual_entries(request):
    entries = sorted(
        # The territory's parents come along: deciding who may review walks up the tree.
        services.entries_for_user(request.user).select_related(
            "indicator", "territory__parent__parent", "proposed_by", "reviewed_by"
        ),
        key=lambda e: e.status != ManualStatus.PROPOSED,
    )
    return render(
        request,
        "indicators/manual_entries.html",
        {
            "title": "Saisies manuelles",
            "entries": entries,
            "reviewable": {
                e.pk
                for e in entries
                if e.status == ManualStatus.PROPOSED
                and not services.review_refusal(request.user, e)
            },
            "breadcrumb": [
                ("Indicateurs", reverse("indicators:catalogue")),
                ("Saisies manuelles", None),
            ],
        },
    )


@login_required
@require_POST
def review_entry(request, pk: int):
    entry = services.entry_for_user(request.user, pk)
    try:
        services.review_manual_value(
            request.user,
            entry,
            accept=request.POST.get("decision") == "validate",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        what = f"{entry.indicator.name}, {entry.territory.name}, {formats.month(entry.period)}"
        messages.success(request, f"Saisie {entry.get_status_display().lower()} ({what}).")
    return redirect(safe_next(request, reverse("indicators:manual_entries")))
