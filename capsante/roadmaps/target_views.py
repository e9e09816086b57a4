"""The page where an editor sets a target: value, deadline, baseline, milestones or "not
applicable", the objective it serves, a public comment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from capsante.accounts import access
from capsante.indicators import disclosure
from capsante.indicators.models import Indicator, Target
from capsante.indicators.services import STATUS_LABELS
from capsante.territories.models import Territory

from . import targets
from .forms import TargetForm

FIELDS = (
    "not_applicable",
    "target_value",
    "deadline",
    "baseline_value",
    "baseline_period",
    "milestones",
    "note",
    "source",
)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request, code: str, level: str, territory_code: str):
    indicator = get_object_or_404(Indicator, code=code)
    territory = get_object_or_404(
        Territory.objects.select_related("parent"), level=level, code=territory_code
    )
    if disclosure.withholds(request.user, indicator, territory):
        raise access.not_found("Indicateur introuvable sur ce territoire")
    access.require(
        access.can_edit(request.user, territory),
        "Seuls les éditeurs et les administrateurs du territoire fixent ses cibles.",
    )
    target = Target.objects.filter(indicator=indicator, territory=territory).first()
    objectives = targets.objectives_for_target(request.user, territory)
    initial = {f: getattr(target, f) for f in FIELDS} if target else {}
    if target:
        initial["objective"] = objectives.filter(targets=target).first()
    form = TargetForm(
        request.POST or None, initial=initial, objectives=objectives, unit=indicator.unit
    )
    detail_url = reverse(
        "indicators:detail", args=[indicator.code, territory.level, territory.code]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {f: data[f] for f in FIELDS}
        values["milestones"] = values["milestones"] or []
        values["deadline"] = values["deadline"] or ""
        values["baseline_period"] = values["baseline_period"] or ""
        try:
            saved = targets.save_target(
                request.user, indicator, territory, data["objective"], **values
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            if saved.not_applicable:
                text = "Cible enregistrée : sans objet sur ce territoire."
            else:
                status = STATUS_LABELS.get(saved.status, "")
                text = "Cible enregistrée" + (
                    f" ; statut calculé : « {status} »." if status else "."
                )
            messages.success(request, text)
            return redirect(detail_url)
    return render(
        request,
        "roadmaps/target_edit.html",
        {
            "title": f"Cible — {indicator.name} — {territory.name}",
            "indicator": indicator,
            "territory": territory,
            "target": target,
            "form": form,
            "detail_url": detail_url,
            "breadcrumb": [
                ("Indicateurs", reverse("indicators:catalogue")),
                (f"{indicator.name} — {territory.name}", detail_url),
                ("Fixer la cible", None),
            ],
        },
    )
