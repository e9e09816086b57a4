from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from capsante.accounts import access
from capsante.roadmaps.models import Objective
from capsante.ui.audit import changes

from . import lists, services
from .forms import AxisFormSet, ContractForm, InviteForm, WorkingGroupFormSet
from .models import OfficialsList


def _crumbs(*tail):
    return [("Contrats locaux de santé", reverse("officials:contracts") if tail else None), *tail]


def _objectives(user):
    return Objective.objects.filter(access.overlapping_scope_q(user, "roadmap__territory"))


def _forms(request, contract, territories):
    data = request.POST or None
    form = ContractForm(data, instance=contract, territories=territories)
    axes = AxisFormSet(
        data,
        instance=contract,
        prefix="axes",
        form_kwargs={"objectives": _objectives(request.user).select_related("roadmap__territory")},
    )
    groups = WorkingGroupFormSet(data, instance=contract, prefix="groupes")
    return form, axes, groups


@login_required
def contracts(request):
    access.require_partner(request.user)
    found = services.with_content(services.readable_contracts(request.user))
    return render(
        request,
        "officials/contracts.html",
        {
            "title": "Contrats locaux de santé",
            "contracts": found,
            "can_create": services.contract_territories(request.user).exists(),
            "breadcrumb": _crumbs(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request):
    territories = services.contract_territories(request.user)
    access.require(
        territories.exists(), "Votre rôle ne permet pas d’enregistrer des contrats locaux de santé."
    )
    form, axes, groups = _forms(request, None, territories)
    if request.method == "POST" and all(f.is_valid() for f in (form, axes, groups)):
        contract = services.save_contract(form.save(commit=False), (axes, groups), request.user)
        messages.success(request, "Le contrat local de santé est enregistré.")
        return redirect("officials:contract", pk=contract.pk)
    return render(
        request,
        "officials/contract_form.html",
        {
            "title": "Nouveau contrat local de santé",
            "form": form,
            "axes": axes,
            "groups": groups,
            "cancel": reverse("officials:contracts"),
            "breadcrumb": _crumbs(("Nouveau contrat", None)),
        },
    )


@login_required
def contract_detail(request, pk: int):
    contract = services.contract_for_reader(request.user, pk)
    axes = list(contract.axes.select_related("objective__roadmap"))
    groups = list(contract.working_groups.all())
    return render(
        request,
        "officials/contract.html",
        {
            "title": contract.name,
            "contract": contract,
            "axes": axes,
            "groups": groups,
            "attended": sum(g.attended for g in groups),
            "can_edit": access.can_edit(request.user, contract.territory),
            "audit": changes([contract, *axes, *groups]),
            "breadcrumb": _crumbs((contract.name, None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    contract = services.contract_for_editor(request.user, pk)
    territories = services.contract_territories(request.user)
    form, axes, groups = _forms(request, contract, territories)
    if request.method == "POST" and all(f.is_valid() for f in (form, axes, groups)):
        services.save_contract(form.save(commit=False), (axes, groups), request.user)
        messages.success(request, "Le contrat local de santé est mis à jour.")
        return redirect("officials:contract", pk=contract.pk)
    return render(
        request,
        "officials/contract_form.html",
        {
            "title": "Modifier le contrat local de santé",
            "subtitle": contract.name,
            "form": form,
            "axes": axes,
            "groups": groups,
            "cancel": reverse("officials:contract", args=[contract.pk]),
            "breadcrumb": _crumbs(
                (contract.name, reverse("officials:contract", args=[contract.pk])),
                ("Modifier", None),
            ),
        },
    )


@login_required
def epci(request, code: str):
    """An EPCI for partners: its officials, its CLS, its events and its indicators."""
    territory = services.epci_for_reader(request.user, code)
    context = services.epci_page(request.user, territory)
    if context["can_edit"] and context["lists"]:
        context["invite_form"] = InviteForm(
            events=services.upcoming_events(request.user, territory),
            lists=OfficialsList.objects.filter(territory=territory),
        )
    return render(
        request,
        "officials/epci.html",
        {
            **context,
            "title": territory.name,
            "breadcrumb": [
                (territory.name, reverse("territories:detail", args=["epci", territory.code])),
                ("Élus, contrats et événements", None),
            ],
        },
    )


@login_required
@require_POST
def epci_list(request, code: str):
    """Make (or refresh) the mailing list of the EPCI's mayors and executive."""
    territory = services.epci_for_reader(request.user, code)
    access.require(
        access.can_edit(request.user, territory),
        "Vous ne pouvez pas gérer les listes d’élus de ce territoire.",
    )
    officials_list = lists.ensure_list(territory, OfficialsList.Kind.EXECUTIVES)
    added, removed = lists.refresh(officials_list)
    messages.success(
        request,
        f"Liste « {officials_list.mailing_list.name} » actualisée : {added} adresse"
        f"{'s' if added > 1 else ''} ajoutée{'s' if added > 1 else ''}, {removed} retirée"
        f"{'s' if removed > 1 else ''}.",
    )
    return redirect("newsletters:manage", slug=officials_list.mailing_list.slug)


@login_required
@require_POST
def epci_invite(request, code: str):
    """A draft letter inviting the EPCI's officials to an event, to reread and send."""
    territory = services.epci_for_reader(request.user, code)
    access.require(
        access.can_edit(request.user, territory),
        "Vous ne pouvez pas inviter les élus de ce territoire.",
    )
    form = InviteForm(
        request.POST,
        events=services.upcoming_events(request.user, territory),
        lists=OfficialsList.objects.filter(territory=territory),
    )
    if not form.is_valid():
        messages.error(request, "Choisissez un événement à venir et une liste d’élus.")
        return redirect("officials:epci", code=territory.code)
    issue = lists.invitation(
        form.cleaned_data["event"], form.cleaned_data["mailing_list"], request.user
    )
    messages.success(request, "L’invitation est prête : relisez-la avant de l’envoyer.")
    return redirect("newsletters:issue", pk=issue.pk)
