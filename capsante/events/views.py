from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from capsante.accounts import access
from capsante.accounts.client_ip import client_ip
from capsante.indicators.exports import table_response
from capsante.roadmaps.services import visible_roadmaps
from capsante.territories.models import Level
from capsante.territories.services import communes_of
from capsante.ui.audit import changes

from . import ambassadors as network
from . import calendars, counts, registrations, services, signin
from . import report as closing
from .forms import (
    AmbassadorActivityForm,
    AmbassadorForm,
    AttendanceForm,
    CalendarForm,
    EventForm,
    ProgrammeFormSet,
    RegistrationForm,
    SignInSheetForm,
)
from .models import EventStatus, PartKind, RegistrationStatus

PER_PAGE = 20
SCORES = ("1", "2", "3", "4", "5")


def _crumbs(*tail):
    return [("Événements", reverse("events:calendar") if tail else None), *tail]


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


# --- Public pages ---------------------------------------------------------------------------


def calendar(request):
    form = CalendarForm(request.GET or None, territories=services.calendar_territories())
    filters = services.CalendarFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = services.CalendarFilters(
            territory=data["territoire"],
            kind=data["type"],
            audience=data["public"],
            start=data["du"],
            end=data["au"],
            format=data["format"],
        )
    events = services.calendar(request.user, filters)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    territories = [filters.territory] if filters.territory else services.calendar_territories()
    feeds = [link for t in territories for link in services.feed_links(territory=t)]
    return render(
        request,
        "events/calendar.html",
        {
            "title": "Événements",
            "form": form,
            "page": page,
            "filtered": bool(request.GET.keys() - {"page"}),
            "can_manage": services.editable_territories(request.user).exists(),
            "is_partner": access.is_partner(request.user),
            "feeds": feeds,
            "breadcrumb": _crumbs(),
        },
    )


PART_PLURALS = {
    PartKind.WORKSHOP: "ateliers",
    PartKind.TALK: "retours d’expérience",
    PartKind.STAND: "stands",
    PartKind.PLENARY: "plénières",
    PartKind.OTHER: "autres temps",
}


def _programme(event) -> list[tuple[str, list]]:
    """The parts by kind: (« 8 ateliers », parts)."""
    parts = list(event.parts.all())
    grouped = []
    for kind, label in PartKind.choices:
        items = [p for p in parts if p.kind == kind]
        if items:
            name = PART_PLURALS[kind] if len(items) > 1 else str(label).lower()
            grouped.append((f"{len(items)} {name}", items))
    return grouped


def event_detail(request, pk: int):
    event = services.event_for_reader(request.user, pk)
    programme = _programme(event)
    roadmaps = visible_roadmaps(request.user)
    objectives = [
        (o, list(o.roadmap.objectives.values_list("pk", flat=True)).index(o.pk) + 1)
        for o in event.objectives.filter(roadmap__in=roadmaps).select_related("roadmap__territory")
    ]
    can_edit = access.can_edit(request.user, event.territory)
    return render(
        request,
        "events/detail.html",
        {
            "title": event.title,
            "event": event,
            "when": registrations.when(event),
            "where": registrations.where(event),
            "programme": programme,
            "programme_summary": ", ".join(heading for heading, _ in programme),
            "objectives": objectives,
            "seats_left": registrations.seats_left(event),
            "open": registrations.accepts_registrations(event),
            "participants": counts.participants(event)
            if event.status == EventStatus.HELD
            else None,
            "can_edit": can_edit,
            "can_read_report": event.status != EventStatus.DRAFT
            and access.in_scope(request.user, event.territory),
            "feeds": services.feed_links(event=event),
            "breadcrumb": _crumbs((event.title, None)),
        },
    )


def _commune_choices(event) -> list[str]:
    """The communes offered as the visitor types (a datalist: no JavaScript needed)."""
    around = (
        event.commune.parent if event.commune_id and event.commune.parent_id else event.territory
    )
    if around.level not in (Level.DEPARTEMENT, Level.REGION):
        return []
    return list(communes_of(around).order_by("name").values_list("name", flat=True)[:2000])


@require_http_methods(["GET", "POST"])
def register(request, pk: int):
    event = services.event_for_reader(request.user, pk)
    retention = settings.EVENTS_REGISTRATION_RETENTION_MONTHS
    open_ = registrations.accepts_registrations(event)
    form = RegistrationForm(
        request.POST if request.method == "POST" and open_ else None,
        event=event,
        retention_months=retention,
    )
    status = 200
    if request.method == "POST" and open_:
        client = registrations.client_hash(client_ip(request))
        if registrations.too_many_posts("registration", client):
            messages.error(
                request, "Trop d’envois depuis votre adresse : réessayez dans une heure."
            )
            status = 429
        elif request.POST.get("site_web"):
            # The honeypot was filled: a robot. It is told the same as a person.
            return redirect("events:register_sent", pk=event.pk)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                registrations.register(
                    event,
                    name=data["name"],
                    email=data["email"],
                    audience=data["audience"],
                    commune=data["commune"],
                    organisation=data["organisation"],
                    client=client,
                    base_url=_base_url(request),
                    wants_news=data["news"],
                )
            except registrations.RegistrationClosed:
                messages.error(request, "Les inscriptions à cet événement sont closes.")
                return redirect("events:detail", pk=event.pk)
            return redirect("events:register_sent", pk=event.pk)
    return render(
        request,
        "events/register.html",
        {
            "title": f"S’inscrire : {event.title}",
            "event": event,
            "when": registrations.when(event),
            "where": registrations.where(event),
            "form": form,
            "open": open_,
            "seats_left": registrations.seats_left(event),
            "communes": _commune_choices(event) if open_ else [],
            "breadcrumb": _crumbs(
                (event.title, reverse("events:detail", args=[event.pk])), ("Inscription", None)
            ),
        },
        status=status,
    )


def register_sent(request, pk: int):
    event = services.event_for_reader(request.user, pk)
    return render(
        request,
        "events/message.html",
        {
            "title": "Vérifiez votre messagerie",
            "event": event,
            "lead": "Si votre demande est valide, un courriel vient de vous être envoyé : ouvrez "
            f"le lien qu’il contient dans les {settings.EVENTS_CONFIRMATION_HOURS} heures pour "
            "confirmer votre inscription. Sans confirmation, votre demande sera effacée.",
            "breadcrumb": _crumbs(
                (event.title, reverse("events:detail", args=[event.pk])), ("Inscription", None)
            ),
        },
    )


def _by_token(request, token: str, purpose: str):
    registration = registrations.from_token(token, purpose)
    if registration is None:
        return None, render(
            request,
            "events/message.html",
            {
                "title": "Lien invalide ou expiré",
                "event": None,
                "lead": "Ce lien n’est pas ou plus valide : il a peut-être expiré, ou "
                "l’inscription a été effacée. Vous pouvez vous inscrire de nouveau depuis la "
                "page de l’événement.",
                "breadcrumb": _crumbs(("Lien invalide", None)),
            },
            status=404,
        )
    return registration, None


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """A GET shows a button (mail scanners open links); the POST confirms."""
    registration, refused = _by_token(request, token, registrations.CONFIRM)
    if refused:
        return refused
    event = registration.event
    done = registration.status != RegistrationStatus.PENDING
    closed = False
    if request.method == "POST" and not done:
        try:
            registration = registrations.confirm(registration, _base_url(request))
            done = True
        except registrations.RegistrationClosed:
            closed = True
    return render(
        request,
        "events/confirm.html",
        {
            "title": "Confirmer votre inscription",
            "registration": registration,
            "event": event,
            "when": registrations.when(event),
            "done": done,
            "closed": closed or not registrations.accepts_registrations(event) and not done,
            "position": registrations.waiting_position(registration),
            "breadcrumb": _crumbs(
                (event.title, reverse("events:detail", args=[event.pk])), ("Confirmation", None)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    registration, refused = _by_token(request, token, registrations.CANCEL)
    if refused:
        return refused
    event = registration.event
    if request.method == "POST":
        registration = registrations.cancel(registration, _base_url(request))
    return render(
        request,
        "events/cancel.html",
        {
            "title": "Annuler votre inscription",
            "registration": registration,
            "event": event,
            "when": registrations.when(event),
            "cancelled": registration.status == RegistrationStatus.CANCELLED,
            "breadcrumb": _crumbs(
                (event.title, reverse("events:detail", args=[event.pk])), ("Annulation", None)
            ),
        },
    )


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=calendars.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=900"
    return response


def event_ics(request, pk: int) -> HttpResponse:
    """One event's iCalendar feed: public events only (a draft is not found, whoever asks)."""
    event = calendars.public_events().filter(pk=pk).first()
    if event is None:
        raise access.not_found("Événement introuvable")
    return _ics(calendars.event_feed(event, _base_url(request)), f"evenement-{event.pk}.ics")


def territory_ics(request, level: str, code: str) -> HttpResponse:
    """A région's, département's or commune's feed: the public events organised there or held
    in one of its communes, of the past year and to come."""
    territory = services.feed_territory(level, code)
    return _ics(
        calendars.territory_feed(territory, _base_url(request)),
        f"evenements-{territory.level}-{territory.code}.ics",
    )


# --- Organisers -----------------------------------------------------------------------------


@login_required
def manage_list(request):
    territories = services.editable_territories(request.user)
    access.require(territories.exists(), "Votre rôle ne permet pas d’organiser des événements.")
    events = counts.with_counts(services.managed_events(request.user))
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    held = counts.activity(services.managed_events(request.user))
    return render(
        request,
        "events/manage_list.html",
        {
            "title": "Organiser les événements",
            "page": page,
            "rows": [(e, counts.participants(e)) for e in page],
            "held_events": sum(a.events_held for a in held),
            "held_participants": sum(a.participants for a in held),
            "breadcrumb": _crumbs(("Organiser", None)),
        },
    )


def _event_form(request, event, territories):
    objectives = services.objectives_for_many(territories)
    form = EventForm(
        request.POST or None, instance=event, territories=territories, objectives=objectives
    )
    parts = ProgrammeFormSet(request.POST or None, instance=event, prefix="programme")
    return form, parts


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    territories = services.editable_territories(request.user)
    access.require(territories.exists(), "Votre rôle ne permet pas d’organiser des événements.")
    form, parts = _event_form(request, None, territories)
    if request.method == "POST" and form.is_valid() and parts.is_valid():
        event = form.save(commit=False)
        event = services.save_event(event, parts, _base_url(request))
        form.save_m2m()
        if event.status == EventStatus.HELD:
            counts.enqueue_refresh(event, request.user)
        messages.success(request, "L’événement a été créé.")
        return redirect("events:manage", pk=event.pk)
    return render(
        request,
        "events/form.html",
        {
            "title": "Nouvel événement",
            "form": form,
            "parts": parts,
            "cancel": reverse("events:manage_list"),
            "breadcrumb": _crumbs(
                ("Organiser", reverse("events:manage_list")), ("Nouvel événement", None)
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int):
    event = services.event_for_editor(request.user, pk)
    previous_status = event.status
    territories = services.editable_territories(request.user)
    form, parts = _event_form(request, event, territories)
    if request.method == "POST" and form.is_valid() and parts.is_valid():
        event = form.save(commit=False)
        services.save_event(event, parts, _base_url(request), previous_status=previous_status)
        form.save_m2m()
        if EventStatus.HELD in (event.status, previous_status):
            counts.enqueue_refresh(event, request.user)  # the month's figures follow
        messages.success(request, "L’événement a été mis à jour.")
        return redirect("events:manage", pk=event.pk)
    return render(
        request,
        "events/form.html",
        {
            "title": "Modifier l’événement",
            "subtitle": str(event),
            "form": form,
            "parts": parts,
            "cancel": reverse("events:manage", args=[event.pk]),
            "breadcrumb": _crumbs(
                ("Organiser", reverse("events:manage_list")),
                (event.title, reverse("events:manage", args=[event.pk])),
                ("Modifier", None),
            ),
        },
    )


@login_required
def manage(request, pk: int):
    """The organisers' page of one event: registrations, waiting list, attendance, counts and
    history."""
    event = services.event_for_editor(request.user, pk)
    people = list(
        event.registrations.select_related("commune").exclude(status=RegistrationStatus.CANCELLED)
    )
    return render(
        request,
        "events/manage.html",
        {
            "title": f"Suivi : {event.title}",
            "event": event,
            "when": registrations.when(event),
            "seated": [r for r in people if r.status == RegistrationStatus.CONFIRMED],
            "waiting": list(registrations.waiting_list(event)),
            "pending": [r for r in people if r.status == RegistrationStatus.PENDING],
            "cancelled": event.registrations.filter(status=RegistrationStatus.CANCELLED).count(),
            "seats_left": registrations.seats_left(event),
            "participants": counts.participants(event),
            "by_audience": registrations.counts_by(event, "audience"),
            "by_commune": registrations.counts_by(event, "commune"),
            "attendance_form": AttendanceForm(
                initial={"participants": event.participants, "note": event.attendance_note}
            ),
            "sheet_form": SignInSheetForm(),
            "audit": changes([event, *event.parts.all()]),
            "breadcrumb": _crumbs(
                ("Organiser", reverse("events:manage_list")), (event.title, None)
            ),
        },
    )


@login_required
@require_POST
def attendance(request, pk: int):
    event = services.event_for_editor(request.user, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        present = {int(value) for value in request.POST.getlist("present") if value.isdigit()}
        scores = {
            int(key.removeprefix("satisfaction-")): int(value) if value in SCORES else None
            for key, value in request.POST.items()
            if key.startswith("satisfaction-") and key.removeprefix("satisfaction-").isdigit()
        }
        registrations.record_attendance(
            event,
            present,
            form.cleaned_data["participants"],
            form.cleaned_data["note"],
            scores if any(k.startswith("satisfaction-") for k in request.POST) else None,
        )
        if event.status == EventStatus.HELD:
            counts.enqueue_refresh(event, request.user)
        messages.success(request, "La participation a été enregistrée.")
    else:
        messages.error(request, "Participation non enregistrée : le total doit être un nombre.")
    return redirect("events:manage", pk=event.pk)


@login_required
@require_POST
def attendance_sheet(request, pk: int):
    """Attendance from an uploaded sign-in sheet: a dry run, or all lines recorded or none."""
    event = services.event_for_editor(request.user, pk)
    form = SignInSheetForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        result = signin.attendance_from_sheet(
            event, form.cleaned_data["sheet"], form.cleaned_data["dry_run"]
        )
        if result.recorded:
            if event.status == EventStatus.HELD:
                counts.enqueue_refresh(event, request.user)
            messages.success(
                request,
                f"Feuille d’émargement « {result.file} » enregistrée : "
                f"{len(result.present)} présent{'s' if len(result.present) > 1 else ''}.",
            )
            return redirect("events:manage", pk=event.pk)
    return render(
        request,
        "events/sheet_result.html",
        {
            "title": "Feuille d’émargement",
            "event": event,
            "form": SignInSheetForm(),
            "result": result,
            "field_errors": form.errors if result is None else None,
            "breadcrumb": _crumbs(
                ("Organiser", reverse("events:manage_list")),
                (event.title, reverse("events:manage", args=[event.pk])),
                ("Feuille d’émargement", None),
            ),
        },
        status=200 if result is not None and result.ok else 400,
    )


@login_required
def export(request, pk: int) -> HttpResponse:
    """The registrations as CSV or XLSX, every cell neutralised against formulas."""
    event = services.event_for_editor(request.user, pk)
    rows = [
        [
            r.name,
            r.email,
            r.get_audience_display(),
            r.commune.name if r.commune_id else "",
            r.commune.code if r.commune_id else "",
            r.organisation,
            r.get_status_display(),
            _moment(r.created_at),
            _moment(r.confirmed_at),
            {True: "oui", False: "non", None: ""}[r.attended],
            r.satisfaction or "",
        ]
        for r in event.registrations.select_related("commune").order_by("status", "created_at")
    ]
    return table_response(
        f"inscriptions-evenement-{event.pk}",
        "xlsx" if request.GET.get("format") == "xlsx" else "csv",
        [
            "Nom",
            "Adresse électronique",
            "Public",
            "Commune",
            "Code commune",
            "Organisation",
            "Statut",
            "Inscrit le",
            "Adresse confirmée le",
            "Présent",
            "Satisfaction (1 à 5)",
        ],
        rows,
        {
            "Événement": event.title,
            "Date": registrations.when(event),
            "Données personnelles": "À effacer "
            f"{settings.EVENTS_REGISTRATION_RETENTION_MONTHS} mois après l’événement ; "
            "ne pas diffuser.",
        },
    )


def _moment(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


# --- The closing report ---------------------------------------------------------------------


@login_required
def report(request, pk: int):
    event = services.event_for_report(request.user, pk)
    crumbs = (
        [("Organiser", reverse("events:manage_list"))]
        if access.can_edit(request.user, event.territory)
        else []
    )
    return render(
        request,
        "events/report.html",
        {
            "title": f"Bilan : {event.title}",
            "r": closing.closing_report(event),
            "breadcrumb": _crumbs(
                *crumbs, (event.title, reverse("events:detail", args=[event.pk])), ("Bilan", None)
            ),
        },
    )


@login_required
def report_pdf(request, pk: int) -> HttpResponse:
    event = services.event_for_report(request.user, pk)
    response = HttpResponse(
        closing.report_pdf(closing.closing_report(event)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="bilan-evenement-{event.pk}.pdf"'
    return response


# --- Ambassadors ----------------------------------------------------------------------------


def _ambassador_crumbs(*tail):
    return [("Ambassadeurs", reverse("events:ambassadors") if tail else None), *tail]


@login_required
def ambassadors(request):
    """The directory of the ambassadors of Mon espace santé, for the partners in scope."""
    people = network.directory(request.user)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "events/ambassadors.html",
        {
            "title": "Ambassadrices et ambassadeurs de Mon espace santé",
            "page": page,
            "can_add": network.manageable_departements(request.user).exists(),
            "retention_months": settings.AMBASSADORS_RETENTION_MONTHS,
            "breadcrumb": _ambassador_crumbs(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ambassador_create(request):
    access.require_partner(request.user)
    departements = network.manageable_departements(request.user)
    access.require(departements.exists(), "Votre rôle ne permet pas d’ajouter des ambassadeurs.")
    form = AmbassadorForm(request.POST or None, departements=departements)
    if request.method == "POST" and form.is_valid():
        ambassador = form.save(commit=False)
        ambassador.commune = form.cleaned_data["commune"]
        ambassador.save()
        messages.success(request, f"{ambassador.name} a rejoint l’annuaire des ambassadeurs.")
        return redirect("events:ambassador_detail", pk=ambassador.pk)
    return render(
        request,
        "events/ambassador_form.html",
        {
            "title": "Ajouter un ambassadeur ou une ambassadrice",
            "form": form,
            "retention_months": settings.AMBASSADORS_RETENTION_MONTHS,
            "breadcrumb": _ambassador_crumbs(("Ajouter", None)),
        },
    )


def _ambassador_page(request, ambassador, form, status=200):
    return render(
        request,
        "events/ambassador_detail.html",
        {
            "title": ambassador.name,
            "ambassador": ambassador,
            "activities": ambassador.activities.select_related("commune")[:100],
            "totals": network.totals_by_kind(ambassador),
            "form": form,
            "breadcrumb": _ambassador_crumbs((ambassador.name, None)),
        },
        status=status,
    )


@login_required
def ambassador_detail(request, pk: int):
    ambassador = network.ambassador_for_reader(request.user, pk)
    can_log = network.can_log(request.user, ambassador)
    form = AmbassadorActivityForm(ambassador=ambassador) if can_log else None
    return _ambassador_page(request, ambassador, form)


@login_required
@require_POST
def ambassador_activity(request, pk: int):
    ambassador = network.ambassador_for_reader(request.user, pk)
    access.require(
        network.can_log(request.user, ambassador),
        "Votre rôle ne permet pas d’enregistrer l’activité des ambassadeurs de ce département.",
    )
    form = AmbassadorActivityForm(request.POST, ambassador=ambassador)
    if not form.is_valid():
        return _ambassador_page(request, ambassador, form, status=400)
    data = form.cleaned_data
    activity = network.log_activity(
        ambassador,
        kind=data["kind"],
        date=data["date"],
        people=data["people"],
        commune=data["commune"],
        note=data["note"],
    )
    counts.enqueue_refresh_period(
        activity.date.strftime("%Y-%m"), request.user, ambassador.territory
    )
    messages.success(request, "L’activité a été enregistrée.")
    return redirect("events:ambassador_detail", pk=ambassador.pk)
