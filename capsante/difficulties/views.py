from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from capsante.accounts import access
from capsante.accounts.client_ip import client_ip
from capsante.events.registrations import client_hash, too_many_posts
from capsante.ui.audit import changes

from . import services, stats
from .forms import FollowUpForm, ListFilterForm, MergeForm, ReportForm
from .models import OPEN_STATUSES, Difficulty, Origin

PER_PAGE = 25
HONEYPOT, STAMP = "site_web", "debut"


def _crumbs(*tail):
    return [("Remontées terrain", reverse("difficulties:list") if tail else None), *tail]


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.DIFFICULTIES_MAX_POST_KB * 1024


# --- The public form ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report(request):
    """Report a difficulty without an account (the Sentinelle scheme's entry point)."""
    if request.method == "POST" and _too_large(request):
        # Refused before the body is read.
        return _message(
            request,
            "Envoi trop volumineux",
            "Votre envoi dépasse la taille permise : raccourcissez votre description "
            f"({settings.DIFFICULTIES_MAX_POST_KB} ko au plus pour le formulaire entier).",
            status=413,
        )
    retention = settings.DIFFICULTIES_CONTACT_RETENTION_DAYS
    form = ReportForm(request.POST if request.method == "POST" else None, retention_days=retention)
    status = 200
    if request.method == "POST":
        client = client_hash(client_ip(request))
        if too_many_posts("difficulty", client):
            messages.error(
                request, "Trop d’envois depuis votre adresse : réessayez dans une heure."
            )
            status = 429
        elif request.POST.get(HONEYPOT):
            # The honeypot was filled: a robot. It is told the same as a person.
            return redirect("difficulties:report_sent")
        elif services.filled_too_fast(request.POST.get(STAMP, "")):
            messages.warning(
                request,
                "Le formulaire a été envoyé trop vite : relisez-le, puis envoyez-le de nouveau.",
            )
        elif form.is_valid():
            _record(form, origin=Origin.PUBLIC_FORM)
            return redirect("difficulties:report_sent")
    return render(
        request,
        "difficulties/report.html",
        {
            "title": "Signaler une difficulté avec un outil numérique en santé",
            "form": form,
            "stamp": services.form_stamp(),
            "retention_days": retention,
            "internal": False,
            "breadcrumb": [("Signaler une difficulté", None)],
        },
        status=status,
    )


def _record(form: ReportForm, origin: str, user=None) -> Difficulty:
    data = form.cleaned_data
    difficulty = services.report(
        commune=data["commune_territory"],
        profession=data["profession"],
        service=data["service"],
        description=data["description"],
        product=data["product"],
        other_software=data["other_software"],
        email=data["email"],
        origin=origin,
        recorded_by=user,
    )
    stats.enqueue_refresh(user, difficulty.territory)
    return difficulty


def report_sent(request):
    return _message(
        request,
        "Merci, votre signalement est enregistré",
        "Les conseillers de l’Assurance Maladie, de l’ARS et du GRADeS de votre département "
        "l’examinent et le portent, si besoin, à l’éditeur de votre logiciel ou au niveau "
        "national (dispositif Sentinelle). Si vous avez laissé votre adresse, vous serez "
        "informé de sa résolution.",
    )


def _message(request, title: str, lead: str, status: int = 200):
    return render(
        request,
        "difficulties/message.html",
        {"title": title, "lead": lead, "breadcrumb": [("Signaler une difficulté", None)]},
        status=status,
    )


# --- Advisers ----------------------------------------------------------------------------------


@login_required
def difficulty_list(request):
    access.require_partner(request.user)
    form = ListFilterForm(request.GET or None)
    difficulties = services.readable(request.user).select_related(
        "territory", "commune", "product__vendor", "owner"
    )
    if form.is_valid():
        status = form.cleaned_data["statut"]
        if status == "ouvertes":
            difficulties = difficulties.filter(status__in=OPEN_STATUSES)
        elif status:
            difficulties = difficulties.filter(status=status)
        if form.cleaned_data["service"]:
            difficulties = difficulties.filter(service=form.cleaned_data["service"])
    page = Paginator(difficulties, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "difficulties/list.html",
        {
            "title": "Remontées terrain",
            "form": form,
            "page": page,
            "can_record": services.followed_territories(request.user).exists(),
            "breadcrumb": _crumbs(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    territories = services.followed_territories(request.user)
    access.require(territories.exists(), "Votre rôle ne permet pas d’enregistrer une difficulté.")
    form = ReportForm(
        request.POST or None,
        retention_days=settings.DIFFICULTIES_CONTACT_RETENTION_DAYS,
        departements=list(territories),
    )
    if request.method == "POST" and form.is_valid():
        difficulty = _record(form, origin=Origin.ADVISER, user=request.user)
        messages.success(request, f"La difficulté n° {difficulty.pk} est enregistrée.")
        return redirect("difficulties:detail", pk=difficulty.pk)
    return render(
        request,
        "difficulties/report.html",
        {
            "title": "Enregistrer une difficulté",
            "form": form,
            "stamp": "",
            "retention_days": settings.DIFFICULTIES_CONTACT_RETENTION_DAYS,
            "internal": True,
            "breadcrumb": _crumbs(("Enregistrer une difficulté", None)),
        },
    )


def _detail_context(request, difficulty: Difficulty, follow_form=None, merge_form=None) -> dict:
    can_follow = services.can_follow(request.user, difficulty)
    statuses = services.next_statuses(difficulty)
    if can_follow and follow_form is None and not difficulty.duplicate_of_id:
        follow_form = FollowUpForm(
            difficulty=difficulty, statuses=statuses, owners=services.owners_for(difficulty)
        )
    comments = list(difficulty.comments.select_related("author"))
    return {
        "title": f"Difficulté n° {difficulty.pk}",
        "difficulty": difficulty,
        "comments": comments,
        "duplicates": list(difficulty.duplicates.order_by("pk")),
        "contact": getattr(difficulty, "contact", None),
        "can_follow": can_follow,
        "follow_form": follow_form if can_follow else None,
        "merge_form": (merge_form or MergeForm())
        if can_follow and difficulty.is_open and not difficulty.duplicate_of_id
        else None,
        "audit": changes([difficulty, *comments]),
        "breadcrumb": _crumbs((f"Difficulté n° {difficulty.pk}", None)),
    }


@login_required
def detail(request, pk: int):
    difficulty = services.difficulty_for_reader(request.user, pk)
    return render(request, "difficulties/detail.html", _detail_context(request, difficulty))


@login_required
@require_POST
def follow_up(request, pk: int):
    difficulty = services.difficulty_for_follower(request.user, pk)
    form = FollowUpForm(
        request.POST,
        difficulty=difficulty,
        statuses=services.next_statuses(difficulty),
        owners=services.owners_for(difficulty),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.follow_up(
                difficulty,
                request.user,
                status=data["status"],
                blocker=data["blocker"],
                escalated_to=data["escalated_to"],
                owner=data["owner"],
                due_on=data["due_on"],
                resolution=data["resolution"],
                comment=data["comment"],
                base_url=_base_url(request),
            )
        except services.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            stats.enqueue_refresh(request.user, difficulty.territory)
            messages.success(request, "Le suivi de la difficulté est enregistré.")
            return redirect("difficulties:detail", pk=difficulty.pk)
    return render(
        request,
        "difficulties/detail.html",
        _detail_context(request, difficulty, follow_form=form),
        status=400,
    )


@login_required
@require_POST
def merge(request, pk: int):
    duplicate = services.difficulty_for_follower(request.user, pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        kept = services.readable(request.user).filter(pk=form.cleaned_data["kept"]).first()
        if kept is None:
            form.add_error("kept", "Aucune difficulté de ce numéro dans votre territoire.")
        else:
            try:
                services.merge(duplicate, kept, request.user)
            except services.WorkflowError as error:
                form.add_error("kept", str(error))
            else:
                stats.enqueue_refresh(request.user, duplicate.territory)
                messages.success(
                    request, f"La difficulté n° {duplicate.pk} est fusionnée dans la n° {kept.pk}."
                )
                return redirect("difficulties:detail", pk=kept.pk)
    return render(
        request,
        "difficulties/detail.html",
        _detail_context(request, duplicate, merge_form=form),
        status=400,
    )


def _bars(rows: list[stats.Row]) -> dict:
    top = max((r.count for r in rows), default=0)
    return {
        "bars": [
            {
                "y": i * 44,
                "width": round(300 * r.count / top) if top else 0,
                "label": r.label,
                "value": r.count,
            }
            for i, r in enumerate(rows)
        ],
        "height": max(44 * len(rows), 44),
        "rows": rows,
        "total": sum(r.count for r in rows),
    }


DIMENSIONS = [
    ("service", "Par service concerné", "Service"),
    ("vendor", "Par éditeur de logiciel", "Éditeur"),
    ("profession", "Par profession", "Profession"),
    ("territory", "Par département", "Département"),
    ("epci", "Par EPCI (intercommunalité)", "EPCI"),
    ("age", "Difficultés ouvertes, par ancienneté", "Ouverte depuis"),
]


@login_required
def statistics_page(request):
    access.require_partner(request.user)
    readable = services.readable(request.user)
    found = stats.breakdowns(readable)
    charts = [
        {"key": key, "title": title, "header": header, **_bars(found[key])}
        for key, title, header in DIMENSIONS
    ]
    counted = stats.counted(readable)
    return render(
        request,
        "difficulties/statistics.html",
        {
            "title": "Remontées terrain : statistiques",
            "charts": charts,
            "statuses": found["status"],
            "total": counted.count(),
            "open": counted.filter(status__in=OPEN_STATUSES).count(),
            "months": stats.by_month(readable),
            "breadcrumb": _crumbs(("Statistiques", None)),
        },
    )
