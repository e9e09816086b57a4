from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from capsante.accounts import access
from capsante.accounts.client_ip import client_ip
from capsante.events.registrations import client_hash, too_many_posts
from capsante.indicators.exports import table_response
from capsante.ui import formats

from . import answering, services, staging
from . import results as tallies
from .forms import AnswerForm, QuestionForm, QuestionnaireForm
from .models import Audience, Status

PER_PAGE = 50
MAX_ANSWER_BYTES = 64 * 1024  # a questionnaire's answers, every text at its longest, fit well


def _crumbs(*tail):
    return [("Questionnaires", reverse("questionnaires:manage_list") if tail else None), *tail]


def _q_crumbs(questionnaire, *tail):
    return _crumbs(
        (questionnaire.title, reverse("questionnaires:build", args=[questionnaire.pk])), *tail
    )


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


# --- Editors --------------------------------------------------------------------------------


@login_required
def manage_list(request):
    access.require_partner(request.user)
    page = Paginator(services.readable(request.user), PER_PAGE).get_page(request.GET.get("page"))
    rows = [(q, access.can_edit(request.user, q.territory)) for q in page]
    return render(
        request,
        "questionnaires/manage_list.html",
        {
            "title": "Questionnaires",
            "page": page,
            "rows": rows,
            "can_create": services.editable_territories(request.user).exists(),
            "breadcrumb": _crumbs(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    territories = services.editable_territories(request.user)
    access.require(territories.exists(), "Réservé aux éditeurs d’un territoire.")
    form = QuestionnaireForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        questionnaire = form.save()
        messages.success(request, "Questionnaire créé : ajoutez ses questions.")
        return redirect("questionnaires:build", pk=questionnaire.pk)
    return render(
        request,
        "questionnaires/form.html",
        {
            "title": "Nouveau questionnaire",
            "form": form,
            "cancel": reverse("questionnaires:manage_list"),
            "breadcrumb": _crumbs(("Nouveau questionnaire", None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    questionnaire = services.for_editor(request.user, pk)
    form = QuestionnaireForm(
        request.POST or None,
        instance=questionnaire,
        territories=services.editable_territories(request.user),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Questionnaire enregistré.")
        return redirect("questionnaires:build", pk=questionnaire.pk)
    return render(
        request,
        "questionnaires/form.html",
        {
            "title": f"Modifier : {questionnaire.title}",
            "form": form,
            "cancel": reverse("questionnaires:build", args=[questionnaire.pk]),
            "breadcrumb": _q_crumbs(questionnaire, ("Modifier", None)),
        },
    )


@login_required
def build(request, pk: int):
    questionnaire = services.for_editor(request.user, pk)
    questions = services.questions(questionnaire)
    numbers = {q.pk: n for n, q in enumerate(questions, start=1)}
    return render(
        request,
        "questionnaires/build.html",
        {
            "title": questionnaire.title,
            "questionnaire": questionnaire,
            "rows": [(n, q, numbers.get(q.shown_if_id)) for n, q in enumerate(questions, start=1)],
            "form": QuestionForm(
                questionnaire=questionnaire,
                initial={"order": services.next_order(questionnaire)},
            ),
            "public_link": answering.link(_base_url(request), questionnaire),
            "is_open": services.is_open(questionnaire),
            "answers": questionnaire.responses.count(),
            "statuses": Status.choices,
            "feeds": staging.feeds_indicators(questionnaire),
            "breadcrumb": _crumbs((questionnaire.title, None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int, question: int | None = None):
    questionnaire = services.for_editor(request.user, pk)
    instance = (
        get_object_or_404(questionnaire.questions, pk=question) if question is not None else None
    )
    form = QuestionForm(request.POST or None, instance=instance, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.questionnaire = questionnaire
        item.save()
        messages.success(request, f"Question enregistrée : « {item.text} ».")
        return redirect("questionnaires:build", pk=questionnaire.pk)
    title = "Modifier la question" if instance else "Nouvelle question"
    return render(
        request,
        "questionnaires/question_form.html",
        {
            "title": title,
            "questionnaire": questionnaire,
            "form": form,
            "cancel": reverse("questionnaires:build", args=[questionnaire.pk]),
            "breadcrumb": _q_crumbs(questionnaire, (title, None)),
        },
    )


@login_required
@require_POST
def question_delete(request, pk: int, question: int):
    questionnaire = services.for_editor(request.user, pk)
    item = get_object_or_404(questionnaire.questions, pk=question)
    item.delete()
    messages.success(request, f"Question supprimée : « {item.text} ».")
    return redirect("questionnaires:build", pk=questionnaire.pk)


@login_required
@require_POST
def set_status(request, pk: int):
    questionnaire = services.for_editor(request.user, pk)
    status = request.POST.get("status")
    if status not in Status.values:
        messages.error(request, "Statut inconnu.")
    elif status == Status.OPEN and not questionnaire.questions.exists():
        messages.error(request, "Ajoutez au moins une question avant d’ouvrir le questionnaire.")
    else:
        services.set_status(questionnaire, status)
        messages.success(request, f"Questionnaire : {Status(status).label.lower()}.")
    return redirect("questionnaires:build", pk=questionnaire.pk)


@login_required
def publish(request, pk: int):
    questionnaire = services.for_editor(request.user, pk)
    base = _base_url(request)
    answered = set(
        questionnaire.responses.exclude(structure="").values_list("structure", flat=True)
    )
    structures = (
        answering.structures(questionnaire)
        if questionnaire.audience == Audience.STRUCTURES
        else answering.structures(questionnaire).none()
    )
    if request.GET.get("format") in ("csv", "xlsx"):
        rows = [
            [
                s.finess_et,
                s.name,
                s.commune.name if s.commune_id else "",
                "oui" if s.finess_et in answered else "non",
                answering.link(
                    base, questionnaire, answering.structure_token(questionnaire, s.finess_et)
                ),
            ]
            for s in structures.select_related("commune")
        ]
        return table_response(
            f"liens-{questionnaire.slug}",
            request.GET["format"],
            ["N° FINESS", "Structure", "Commune", "A répondu", "Lien pré-rempli"],
            rows,
            {"Questionnaire": questionnaire.title},
        )
    page = Paginator(structures.select_related("commune"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    links = [
        (
            s,
            s.finess_et in answered,
            answering.link(
                base, questionnaire, answering.structure_token(questionnaire, s.finess_et)
            ),
        )
        for s in page
    ]
    invitations = questionnaire.invitations.count()
    return render(
        request,
        "questionnaires/publish.html",
        {
            "title": f"Diffuser : {questionnaire.title}",
            "questionnaire": questionnaire,
            "public_link": answering.link(base, questionnaire),
            "page": page,
            "links": links,
            "structures_count": structures.count(),
            "answered_count": len(answered),
            "invitations": invitations,
            "waiting": answering.non_respondents(questionnaire).count(),
            "subscribers": questionnaire.mailing_list.subscribers.filter(
                status="subscribed"
            ).count()
            if questionnaire.mailing_list
            else 0,
            "is_open": services.is_open(questionnaire),
            "breadcrumb": _q_crumbs(questionnaire, ("Diffuser", None)),
        },
    )


@login_required
@require_POST
def send(request, pk: int):
    questionnaire = services.for_editor(request.user, pk)
    what = request.POST.get("what")
    if what not in ("invite", "remind") or questionnaire.audience != Audience.LIST:
        messages.error(request, "Envoi impossible pour ce questionnaire.")
    elif not services.is_open(questionnaire):
        messages.error(request, "Ouvrez le questionnaire avant d’inviter ou de relancer.")
    else:
        answering.enqueue(questionnaire, what, request.user, _base_url(request))
        word = "invitations" if what == "invite" else "relances"
        messages.success(request, f"Envoi des {word} lancé en arrière-plan.")
    return redirect("questionnaires:publish", pk=questionnaire.pk)


@login_required
@require_POST
def feed(request, pk: int):
    questionnaire = services.for_editor(request.user, pk)
    if not staging.feeds_indicators(questionnaire):
        messages.error(request, "Aucune question de ce questionnaire n’alimente un indicateur.")
    else:
        answering.enqueue_feed(questionnaire, request.user)
        messages.success(request, "Transmission des réponses aux indicateurs lancée.")
    return redirect("questionnaires:results", pk=questionnaire.pk)


# --- Partners -------------------------------------------------------------------------------


@login_required
def results(request, pk: int):
    questionnaire = services.for_partner(request.user, pk)
    summary = tallies.summary(questionnaire)
    survey = staging.survey_file(questionnaire) if staging.feeds_indicators(questionnaire) else None
    count = questionnaire.responses.count()
    return render(
        request,
        "questionnaires/results.html",
        {
            "title": f"Résultats : {questionnaire.title}",
            "questionnaire": questionnaire,
            "summary": summary,
            "count": count,
            "replaced": questionnaire.responses.filter(replaced__gt=0).count(),
            "survey": survey,
            "imported_files": staging.imported_files(questionnaire) if survey else [],
            "can_edit": access.can_edit(request.user, questionnaire.territory),
            "breadcrumb": _crumbs((f"Résultats : {questionnaire.title}", None)),
        },
    )


@login_required
def export(request, pk: int):
    questionnaire = services.for_partner(request.user, pk)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    headers, rows = tallies.export_rows(questionnaire)
    return table_response(
        f"reponses-{questionnaire.slug}",
        fmt,
        headers,
        rows,
        {
            "Questionnaire": questionnaire.title,
            "Territoire": questionnaire.territory.name,
            "Finalité": questionnaire.purpose,
            "Réponses": str(len(rows)),
        },
    )


# --- Answering, without an account ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def answer(request, slug: str, token: str | None = None):
    questionnaire = services.public(slug)
    who = answering.respondent(questionnaire, token)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_ANSWER_BYTES:
        # Read before the form: an oversized post is refused unread.
        return HttpResponse("Réponse trop volumineuse.", status=413)
    open_ = services.is_open(questionnaire)
    fixed = who.establishment is not None
    status = 200
    form = AnswerForm(
        request.POST if request.method == "POST" and open_ else None,
        questionnaire=questionnaire,
        fixed_structure=fixed,
    )
    if request.method == "POST" and open_:
        if too_many_posts("questionnaire", client_hash(client_ip(request))):
            messages.error(
                request, "Trop d’envois depuis votre adresse : réessayez dans une heure."
            )
            status = 429
        elif request.POST.get("site_web"):
            # The honeypot was filled: a robot, told the same as a person.
            return redirect("questionnaires:thanks", slug=questionnaire.slug)
        elif form.is_valid():
            answers = form.answers
            structure_question = services.structure_question(questionnaire)
            if fixed and structure_question is not None:
                answers[str(structure_question.pk)] = who.establishment.finess_et
            done = answering.submit(
                questionnaire,
                answers,
                structure=form.structure,
                who=who,
                contact_email=form.cleaned_data.get("contact_email") or "",
            )
            if done.replaced_at is not None:
                about = (
                    f" pour la structure {done.response.structure}"
                    if done.response.structure
                    else ""
                )
                messages.info(
                    request,
                    f"Une réponse avait déjà été donnée{about} le "
                    f"{formats.moment(done.replaced_at)} : la vôtre la remplace.",
                )
            return redirect("questionnaires:thanks", slug=questionnaire.slug)
        else:
            status = 400
    previous = answering.previous_answer(questionnaire, who)
    return render(
        request,
        "questionnaires/answer.html",
        {
            "title": questionnaire.title,
            "questionnaire": questionnaire,
            "form": form,
            "open": open_,
            "establishment": who.establishment,
            "previous": previous,
        },
        status=status,
    )


def thanks(request, slug: str):
    questionnaire = services.public(slug)
    return render(
        request,
        "questionnaires/thanks.html",
        {"title": "Merci pour votre réponse", "questionnaire": questionnaire},
    )
