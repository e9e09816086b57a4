from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from capsante.accounts import access
from capsante.accounts.client_ip import client_ip
from capsante.events.registrations import client_hash, too_many_posts
from capsante.ui.formats import plural

from . import services
from .forms import AddSubscribersForm, IssueForm, SubscribeForm
from .models import IssueStatus, MailingList, SubscriberStatus


def _crumbs(*tail):
    return [("Lettres d’information", reverse("newsletters:index") if tail else None), *tail]


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _readable(user, slug: str) -> MailingList:
    """A list open to the public, or one of the partner's scope; 404 otherwise."""
    found = MailingList.objects.select_related("territory").filter(slug=slug).first()
    if found is None or not (found.open_to_public or access.in_scope(user, found.territory)):
        raise access.not_found("Liste introuvable")
    return found


def index(request):
    public = services.with_counts(MailingList.objects.filter(open_to_public=True))
    managed = (
        services.with_counts(
            MailingList.objects.filter(territory__in=services.editable_territories(request.user))
        )
        if request.user.is_authenticated
        else MailingList.objects.none()
    )
    return render(
        request,
        "newsletters/index.html",
        {
            "title": "Lettres d’information",
            "lists": public.select_related("territory"),
            "managed": managed.select_related("territory"),
            "breadcrumb": _crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
def subscribe(request, slug: str):
    mailing_list = _readable(request.user, slug)
    if not mailing_list.open_to_public:
        raise Http404("Liste introuvable")
    form = SubscribeForm(request.POST or None, list_name=mailing_list.name)
    status = 200
    if request.method == "POST":
        if too_many_posts("newsletter", client_hash(client_ip(request))):
            messages.error(
                request, "Trop d’envois depuis votre adresse : réessayez dans une heure."
            )
            status = 429
        elif request.POST.get("site_web"):
            return redirect("newsletters:subscribe_sent", slug=slug)
        elif form.is_valid():
            services.subscribe(
                mailing_list,
                form.cleaned_data["email"],
                form.cleaned_data["name"],
                _base_url(request),
            )
            return redirect("newsletters:subscribe_sent", slug=slug)
    return render(
        request,
        "newsletters/subscribe.html",
        {
            "title": f"S’abonner : {mailing_list.name}",
            "list": mailing_list,
            "form": form,
            "breadcrumb": _crumbs((mailing_list.name, None)),
        },
        status=status,
    )


def subscribe_sent(request, slug: str):
    mailing_list = _readable(request.user, slug)
    return _message(
        request,
        "Vérifiez votre messagerie",
        "Si votre demande est valide, un courriel vient de vous être envoyé : ouvrez le lien qu’il "
        "contient pour confirmer votre abonnement.",
        mailing_list.name,
    )


def _message(request, title: str, lead: str, crumb: str, status: int = 200):
    return render(
        request,
        "newsletters/message.html",
        {"title": title, "lead": lead, "breadcrumb": _crumbs((crumb, None))},
        status=status,
    )


def _invalid(request):
    return _message(
        request,
        "Lien invalide ou expiré",
        "Ce lien n’est pas ou plus valide. Vous pouvez vous abonner de nouveau depuis la page de "
        "la lettre.",
        "Lien invalide",
        status=404,
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    subscriber = services.from_token(token, services.CONFIRM)
    if subscriber is None:
        return _invalid(request)
    if request.method == "POST":
        services.confirm(subscriber)
    return render(
        request,
        "newsletters/confirm.html",
        {
            "title": "Confirmer votre abonnement",
            "subscriber": subscriber,
            "list": subscriber.mailing_list,
            "done": subscriber.status == SubscriberStatus.SUBSCRIBED,
            "breadcrumb": _crumbs(("Confirmation", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """A GET shows the button (mail scanners open links); the POST unsubscribes, at once."""
    subscriber = services.from_token(token, services.UNSUBSCRIBE)
    if subscriber is None:
        return _invalid(request)
    if request.method == "POST":
        services.unsubscribe(subscriber)
    return render(
        request,
        "newsletters/unsubscribe.html",
        {
            "title": "Se désabonner",
            "list": subscriber.mailing_list,
            "done": subscriber.status == SubscriberStatus.UNSUBSCRIBED,
            "breadcrumb": _crumbs(("Désabonnement", None)),
        },
    )


def archive(request, slug: str):
    mailing_list = _readable(request.user, slug)
    return render(
        request,
        "newsletters/archive.html",
        {
            "title": f"{mailing_list.name} : les numéros",
            "list": mailing_list,
            "issues": mailing_list.issues.filter(status=IssueStatus.SENT).order_by("-sent_at"),
            "breadcrumb": _crumbs((mailing_list.name, None)),
        },
    )


def archive_issue(request, slug: str, pk: int):
    mailing_list = _readable(request.user, slug)
    issue = mailing_list.issues.filter(pk=pk, status=IssueStatus.SENT).first()
    if issue is None:
        raise access.not_found("Lettre introuvable")
    return render(
        request,
        "newsletters/archive_issue.html",
        {
            "title": issue.subject,
            "issue": issue,
            "list": mailing_list,
            "breadcrumb": _crumbs(
                (mailing_list.name, reverse("newsletters:archive", args=[slug])),
                (issue.subject, None),
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage(request, slug: str):
    mailing_list = services.list_for_editor(request.user, slug)
    form = AddSubscribersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added, refused, invalid = services.add_by_editor(mailing_list, form.cleaned_data["lines"])
        messages.success(
            request,
            f"{plural(added, 'adresse ajoutée', 'adresses ajoutées')} ; "
            f"{plural(refused, 'désabonnée écartée', 'désabonnées écartées')} ; "
            f"{plural(len(invalid), 'ligne illisible', 'lignes illisibles')}"
            f"{' : ' + ', '.join(invalid[:5]) if invalid else ''}.",
        )
        return redirect("newsletters:manage", slug=slug)
    counts = {
        status: mailing_list.subscribers.filter(status=status).count()
        for status in SubscriberStatus.values
    }
    return render(
        request,
        "newsletters/manage.html",
        {
            "title": mailing_list.name,
            "list": mailing_list,
            "form": form,
            "counts": counts,
            "issues": mailing_list.issues.all(),
            "breadcrumb": _crumbs((mailing_list.name, None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def issue_create(request, slug: str):
    mailing_list = services.list_for_editor(request.user, slug)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issue = form.save(commit=False)
        issue.mailing_list, issue.created_by = mailing_list, request.user
        issue.save()
        messages.success(request, "La lettre est enregistrée : relisez-la avant de l’envoyer.")
        return redirect("newsletters:issue", pk=issue.pk)
    return render(
        request,
        "newsletters/issue_form.html",
        {
            "title": "Nouvelle lettre",
            "list": mailing_list,
            "form": form,
            "breadcrumb": _crumbs(
                (mailing_list.name, reverse("newsletters:manage", args=[slug])),
                ("Nouvelle lettre", None),
            ),
        },
    )


@login_required
def issue_detail(request, pk: int):
    """The issue as it will read (a preview), its sending and what became of each mail."""
    issue = services.issue_for_editor(request.user, pk)
    mailing_list = issue.mailing_list
    return render(
        request,
        "newsletters/issue.html",
        {
            "title": issue.subject,
            "issue": issue,
            "list": mailing_list,
            "report": services.report(issue),
            "recipients": mailing_list.subscribers.filter(
                status=SubscriberStatus.SUBSCRIBED
            ).count(),
            "breadcrumb": _crumbs(
                (mailing_list.name, reverse("newsletters:manage", args=[mailing_list.slug])),
                (issue.subject, None),
            ),
        },
    )


@login_required
@require_POST
def issue_send(request, pk: int):
    issue = services.issue_for_editor(request.user, pk)
    if services.send(issue, request.user, _base_url(request)):
        messages.success(request, "L’envoi a commencé : les courriels partent par lots.")
    else:
        messages.error(request, "Cette lettre a déjà été envoyée.")
    return redirect("newsletters:issue", pk=issue.pk)
