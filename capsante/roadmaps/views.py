from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from capsante.accounts import access
from capsante.ui.audit import changes

from . import sections, services, targets
from .forms import ActionUpdateForm
from .models import Action, ActionStatus, Objective


def roadmap_list(request):
    roadmaps = services.visible_roadmaps(request.user).select_related("territory")
    return render(
        request,
        "roadmaps/list.html",
        {
            "title": "Feuilles de route",
            "roadmaps": roadmaps,
            "breadcrumb": [("Feuilles de route", None)],
        },
    )


def _crumbs(roadmap, *tail):
    return [
        ("Feuilles de route", reverse("roadmaps:list")),
        (roadmap.territory.name, reverse("roadmaps:detail", args=[roadmap.pk]) if tail else None),
        *tail,
    ]


def roadmap_detail(request, pk: int):
    roadmap = services.roadmap_for_user(request.user, pk=pk)
    objectives = list(roadmap.objectives.prefetch_related("key_figures"))
    rows = targets.roadmap_targets(roadmap)
    return render(
        request,
        "roadmaps/detail.html",
        {
            "title": roadmap.title,
            "roadmap": roadmap,
            "objectives": [(o, targets.objective_targets(rows, o)) for o in objectives],
            "objective_count": len(objectives),
            "priorities": roadmap.priorities.all(),
            "targets": rows,
            "glance": targets.glance(roadmap, rows),
            "glossary": services.glossary_map(roadmap),
            "glossary_entries": roadmap.glossary.all(),
            "can_edit": access.can_edit(request.user, roadmap.territory),
            "audit": changes(
                [roadmap, *roadmap.priorities.all(), *roadmap.glossary.all(), *objectives]
            )
            if access.can_read_unpublished(request.user, roadmap.territory)
            else [],
            "breadcrumb": _crumbs(roadmap),
        },
    )


ACTION_FILTERS = {
    "retard": "En retard",
    "bientot": "À échéance dans les 30 jours",
    **{s.value: s.label for s in ActionStatus},
}


def roadmap_actions(request, pk: int):
    """Every action of the roadmap, or those late, due soon, or of one status: what is late is
    one click away from the roadmap's overall view."""
    roadmap = services.roadmap_for_user(request.user, pk=pk)
    chosen = request.GET.get("filtre", "")
    if chosen and chosen not in ACTION_FILTERS:
        chosen = ""
    actions = Action.objects.filter(objective__roadmap=roadmap)
    if chosen == "retard":
        actions = targets.late_actions(actions)
    elif chosen == "bientot":
        actions = targets.due_soon(actions)
    elif chosen:
        actions = actions.filter(status=chosen)
    numbers = {pk: n for n, pk in enumerate(roadmap.objectives.values_list("pk", flat=True), 1)}
    rows = [
        (numbers[a.objective_id], a)
        for a in actions.select_related("objective").order_by(
            "objective__order", "objective_id", "order", "pk"
        )
    ]
    label = ACTION_FILTERS.get(chosen, "Toutes les actions")
    return render(
        request,
        "roadmaps/actions.html",
        {
            "title": f"{label} — {roadmap.title}",
            "roadmap": roadmap,
            "rows": rows,
            "chosen": chosen,
            "label": label,
            "filters": [("", "Toutes"), *ACTION_FILTERS.items()],
            "can_edit": access.can_edit(request.user, roadmap.territory),
            "partner": access.can_read_unpublished(request.user, roadmap.territory),
            "glossary": services.glossary_map(roadmap),
            "breadcrumb": _crumbs(roadmap, ("Actions", None)),
        },
    )


def objective_detail(request, pk: int, number: int):
    roadmap = services.roadmap_for_user(request.user, pk=pk)
    objectives = list(roadmap.objectives.all())
    if not 1 <= number <= len(objectives):
        raise Http404("Objectif introuvable")
    objective: Objective = objectives[number - 1]
    return render(
        request,
        "roadmaps/objective.html",
        {
            "title": objective.title,
            "roadmap": roadmap,
            "objective": objective,
            "number": number,
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(objectives) else None,
            "actions": objective.actions.all(),
            "assessment": objective.assessment.all(),
            "key_figures": objective.key_figures.all(),
            "testimonies": objective.testimonies.all(),
            "useful_links": objective.useful_links.all(),
            "event_highlights": objective.event_highlights.all(),
            "sections": sections.for_objective(request.user, objective),
            "glossary": services.glossary_map(roadmap),
            "can_edit": access.can_edit(request.user, roadmap.territory),
            "partner": access.can_read_unpublished(request.user, roadmap.territory),
            "targets": targets.objective_targets(targets.roadmap_targets(roadmap), objective),
            "audit": changes(
                [
                    objective,
                    *objective.actions.all(),
                    *objective.assessment.all(),
                    *objective.key_figures.all(),
                    *objective.testimonies.all(),
                    *objective.useful_links.all(),
                    *objective.event_highlights.all(),
                ]
            )
            if access.can_read_unpublished(request.user, roadmap.territory)
            else [],
            "breadcrumb": _crumbs(roadmap, (f"Objectif {number}", None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int):
    action = services.action_for_editor(request.user, pk)
    objective = action.objective
    roadmap = objective.roadmap
    number = list(roadmap.objectives.values_list("pk", flat=True)).index(objective.pk) + 1
    form = ActionUpdateForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        services.update_action(action, form.cleaned_data)
        messages.success(request, "L’action a été mise à jour.")
        return redirect("roadmaps:action_history", pk=action.pk)
    return render(
        request,
        "roadmaps/action_edit.html",
        {
            "title": "Mettre à jour une action",
            "action": action,
            "form": form,
            "roadmap": roadmap,
            "number": number,
            "breadcrumb": _crumbs(
                roadmap,
                (f"Objectif {number}", reverse("roadmaps:objective", args=[roadmap.pk, number])),
                ("Mettre à jour une action", None),
            ),
        },
    )


@login_required
def action_history(request, pk: int):
    """Who changed what and when, earlier notes included: for partners in scope."""
    action = services.action_for_partner(request.user, pk)
    roadmap = action.objective.roadmap
    number = list(roadmap.objectives.values_list("pk", flat=True)).index(action.objective_id) + 1
    return render(
        request,
        "roadmaps/action_history.html",
        {
            "title": "Historique de l’action",
            "action": action,
            "roadmap": roadmap,
            "number": number,
            "audit": changes([action]),
            "can_edit": access.can_edit(request.user, roadmap.territory),
            "breadcrumb": _crumbs(
                roadmap,
                (f"Objectif {number}", reverse("roadmaps:objective", args=[roadmap.pk, number])),
                ("Historique de l’action", None),
            ),
        },
    )
