from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from capsante.accounts import access
from capsante.roadmaps.models import Roadmap

from . import services
from .forms import CommitteeForm, DecisionForm, FollowUpForm, MeetingForm
from .models import Decision


def _crumbs(*tail):
    return [("Comités", reverse("committees:list") if tail else None), *tail]


@login_required
def committee_list(request):
    access.require_partner(request.user)
    committees = (
        services.committees_for_user(request.user)
        .select_related("territory")
        .prefetch_related("meetings")
    )
    return render(
        request,
        "committees/list.html",
        {
            "title": "Comités",
            "committees": committees,
            "can_create": services.editable_territories(request.user).exists(),
            "breadcrumb": _crumbs(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee_create(request):
    territories = services.editable_territories(request.user)
    access.require(territories.exists(), "Votre rôle ne permet pas de créer un comité.")
    form = CommitteeForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        committee = form.save()
        messages.success(request, "Le comité a été créé.")
        return redirect("committees:detail", pk=committee.pk)
    return render(
        request,
        "committees/form.html",
        {
            "title": "Créer un comité",
            "form": form,
            "cancel": reverse("committees:list"),
            "breadcrumb": _crumbs(("Créer un comité", None)),
        },
    )


@login_required
def committee_detail(request, pk: int):
    committee = services.committee_for_user(request.user, pk)
    meetings = committee.meetings.prefetch_related("decisions")
    open_decisions = [
        d
        for d in Decision.objects.filter(meeting__committee=committee).select_related(
            "meeting", "action"
        )
        if d.is_open
    ]
    today = timezone.localdate()
    return render(
        request,
        "committees/detail.html",
        {
            "title": committee.name,
            "committee": committee,
            "meetings": meetings,
            "open_decisions": [(d, services.is_late(d, today)) for d in open_decisions],
            "can_edit": access.can_edit(request.user, committee.territory),
            "breadcrumb": _crumbs((committee.name, None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, pk: int):
    committee = services.committee_for_editor(request.user, pk)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = services.create_meeting(committee, **form.cleaned_data)
        messages.success(request, "La réunion a été enregistrée.")
        return redirect("committees:meeting", pk=meeting.pk)
    return render(
        request,
        "committees/form.html",
        {
            "title": "Nouvelle réunion",
            "subtitle": committee.name,
            "form": form,
            "cancel": reverse("committees:detail", args=[committee.pk]),
            "breadcrumb": _crumbs(
                (committee.name, reverse("committees:detail", args=[committee.pk])),
                ("Nouvelle réunion", None),
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = services.meeting_for_user(request.user, pk, edit=True)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "La réunion a été mise à jour.")
        return redirect("committees:meeting", pk=meeting.pk)
    committee = meeting.committee
    return render(
        request,
        "committees/form.html",
        {
            "title": "Modifier la réunion",
            "subtitle": str(meeting),
            "form": form,
            "cancel": reverse("committees:meeting", args=[meeting.pk]),
            "breadcrumb": _crumbs(
                (committee.name, reverse("committees:detail", args=[committee.pk])),
                (f"Réunion du {meeting.date:%d/%m/%Y}", None),
            ),
        },
    )


def _roadmap_objectives(territory):
    roadmap = Roadmap.objects.filter(territory=territory).order_by("-period_start").first()
    return list(roadmap.objectives.all()) if roadmap else []


@login_required
def meeting_detail(request, pk: int):
    meeting = services.meeting_for_user(request.user, pk)
    committee = meeting.committee
    can_edit = access.can_edit(request.user, committee.territory)
    to_follow = services.decisions_to_follow(meeting)
    return render(
        request,
        "committees/meeting.html",
        {
            "title": f"{committee.name} — réunion du {meeting.date:%d/%m/%Y}",
            "meeting": meeting,
            "committee": committee,
            "decisions": meeting.decisions.select_related("action__objective"),
            "to_follow": [
                (d, FollowUpForm(initial={"status": d.current_status, "note": d.follow_up}))
                for d in to_follow
            ],
            "decision_form": DecisionForm(objectives=_roadmap_objectives(committee.territory))
            if can_edit
            else None,
            "can_edit": can_edit,
            "breadcrumb": _crumbs(
                (committee.name, reverse("committees:detail", args=[committee.pk])),
                (f"Réunion du {meeting.date:%d/%m/%Y}", None),
            ),
        },
    )


@login_required
@require_POST
def decision_add(request, pk: int):
    meeting = services.meeting_for_user(request.user, pk, edit=True)
    form = DecisionForm(request.POST, objectives=_roadmap_objectives(meeting.committee.territory))
    if form.is_valid():
        data = form.cleaned_data
        services.add_decision(
            meeting, data["text"], data["owner"], data["due_date"], data["objective"]
        )
        messages.success(request, "La décision a été enregistrée.")
    else:
        messages.error(request, "Décision non enregistrée : indiquez le texte et le porteur.")
    return redirect("committees:meeting", pk=meeting.pk)


@login_required
@require_POST
def decision_follow_up(request, pk: int, decision_pk: int):
    meeting = services.meeting_for_user(request.user, pk, edit=True)
    decision = Decision.objects.select_related("meeting", "action").filter(pk=decision_pk).first()
    if decision is None or decision.meeting.committee_id != meeting.committee_id:
        raise Http404("Décision introuvable")
    form = FollowUpForm(request.POST)
    if form.is_valid():
        services.record_follow_up(
            decision, meeting, form.cleaned_data["status"], form.cleaned_data["note"]
        )
        messages.success(request, "Le suivi de la décision a été enregistré.")
    else:
        messages.error(request, "Suivi non enregistré : statut inconnu.")
    return redirect("committees:meeting", pk=meeting.pk)
