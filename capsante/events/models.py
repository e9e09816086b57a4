"""Animation: the events that half of each roadmap is made of, their programme and the people
who register to them (see DESIGN.md, "Animation").

An event belongs to a territory (the département or région whose team organises it: that is
where editors may change it) and may take place in a commune or online. It serves roadmap
objectives and actions. Registrations are personal data: kept without audit history (a history
would copy names and addresses beyond their retention), erased some months after the event
(`capsante purge_registrations`), leaving counts by audience and commune behind (`Tally`).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class EventKind(models.TextChoices):
    """The kinds of events the roadmaps name (Sarthe 2025-2026, objectives 2, 3 and 5)."""

    AWARENESS_MORNING = "matinee", _("Matinée de sensibilisation")
    ACTIVATION_WORKSHOP = "atelier_activation", _("Atelier d’activation Mon espace santé")
    WEBINAR = "webinaire", _("Webinaire")
    EVENING = "soiree", _("Soirée")
    DEPARTMENTAL_DAY = "journee_departementale", _("Journée départementale")
    SANT_ESCAPE = "sant_escape", _("Sant’Escape")
    PROJECTATHON = "projectathon", _("Projectathon")
    TRAINING = "formation", _("Formation")
    STAND = "stand", _("Stand")
    OTHER = "autre", _("Autre")


class Audience(models.TextChoices):
    """Who an event is for, and who a registrant is: one controlled list for both."""

    CITIZENS = "citoyens", _("Citoyens, usagers")
    DOCTORS = "medecins", _("Médecins")
    PHARMACISTS = "pharmaciens", _("Pharmaciens")
    NURSES = "infirmiers", _("Infirmiers")
    OTHER_PROFESSIONALS = "autres_professionnels", _("Autres professionnels de santé")
    ELECTED = "elus", _("Élus locaux")
    LOCAL_AGENTS = "agents_collectivites", _("Agents des collectivités")
    ESMS = "esms", _("Établissements et services médico-sociaux (ESMS)")
    ESTABLISHMENTS = "etablissements", _("Établissements de santé")
    MEDIATORS = "mediateurs", _("Médiateurs numériques, France Services")
    VENDORS = "editeurs", _("Éditeurs de logiciels")
    OTHER = "autre", _("Autre public")


class EventFormat(models.TextChoices):
    IN_PERSON = "presentiel", _("En présentiel")
    ONLINE = "distanciel", _("En ligne")
    HYBRID = "hybride", _("En présentiel et en ligne")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publié")
    FULL = "full", _("Complet")
    CANCELLED = "cancelled", _("Annulé")
    HELD = "held", _("Tenu")


# What anyone may read; a draft is read by the editors of its territory only.
PUBLIC_STATUSES = (
    EventStatus.PUBLISHED,
    EventStatus.FULL,
    EventStatus.CANCELLED,
    EventStatus.HELD,
)
# Registration is open while an event is published or full (the waiting list).
OPEN_STATUSES = (EventStatus.PUBLISHED, EventStatus.FULL)


class Event(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire organisateur"),
        on_delete=models.PROTECT,
        related_name="events",
        help_text=_("Département ou région dont l’équipe organise l’événement."),
    )
    kind = models.CharField(_("type d’événement"), max_length=30, choices=EventKind.choices)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audiences = models.JSONField(
        _("publics"), default=list, blank=True, help_text=_("Codes de la liste des publics.")
    )
    format = models.CharField(
        _("format"), max_length=12, choices=EventFormat.choices, default=EventFormat.IN_PERSON
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events_held_here",
        limit_choices_to={"level": "commune"},
    )
    venue = models.CharField(_("lieu"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    online_url = models.URLField(_("lien de connexion"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Vide : sans limite de places.")
    )
    registration_open = models.BooleanField(_("inscriptions en ligne"), default=True)
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("organisateurs (partenaires de la plateforme)"),
        blank=True,
        related_name="events",
    )
    other_organisers = models.TextField(
        _("autres organisateurs"), blank=True, help_text=_("Une organisation par ligne.")
    )
    partners = models.TextField(
        _("partenaires"), blank=True, help_text=_("Une organisation par ligne.")
    )
    contact_email = models.EmailField(_("adresse de contact"), blank=True)
    objectives = models.ManyToManyField(
        "roadmaps.Objective",
        verbose_name=_("objectifs de la feuille de route servis"),
        blank=True,
        related_name="events",
    )
    actions = models.ManyToManyField(
        "roadmaps.Action",
        verbose_name=_("actions de la feuille de route servies"),
        blank=True,
        related_name="events",
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    # Recorded by the organisers once the event is held: everyone present, registered or not
    # (the departmental day counted 110 participants at the door).
    participants = models.PositiveIntegerField(_("participants présents"), null=True, blank=True)
    attendance_note = models.TextField(_("note sur la participation"), blank=True)
    # Set when the registrations were erased and replaced by their counts (`Tally`).
    registrations_purged_at = models.DateTimeField(
        _("inscriptions effacées le"), null=True, blank=True
    )
    history = HistoricalRecords(m2m_fields=[organisations, objectives, actions])

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%d/%m/%Y})"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_online(self) -> bool:
        return self.format in (EventFormat.ONLINE, EventFormat.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.format in (EventFormat.IN_PERSON, EventFormat.HYBRID)

    @property
    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels[code]) for code in self.audiences if code in labels]

    @property
    def organiser_names(self) -> list[str]:
        names = [o.name for o in self.organisations.all()]
        return names + _lines(self.other_organisers)

    @property
    def partner_names(self) -> list[str]:
        return _lines(self.partners)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class PartKind(models.TextChoices):
    WORKSHOP = "atelier", _("Atelier")
    TALK = "retour_experience", _("Retour d’expérience")
    STAND = "stand", _("Stand")
    PLENARY = "pleniere", _("Plénière")
    OTHER = "autre", _("Autre")


class ProgrammePart(models.Model):
    """A part of an event's programme: a workshop, an experience talk, a partner's stand."""

    event = models.ForeignKey(
        Event, verbose_name=_("événement"), on_delete=models.CASCADE, related_name="parts"
    )
    kind = models.CharField(_("nature"), max_length=20, choices=PartKind.choices)
    title = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    hosts = models.CharField(_("animé par"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("début"), null=True, blank=True)
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    room = models.CharField(_("salle"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partie du programme")
        verbose_name_plural = _("programme")
        ordering = ["order", "starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.title}"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("À confirmer par courriel")
    CONFIRMED = "confirmed", _("Confirmée")
    WAITING = "waiting", _("Liste d’attente")
    CANCELLED = "cancelled", _("Annulée")


class Registration(models.Model):
    """Someone registered to an event, without an account. Personal data: no audit history."""

    event = models.ForeignKey(
        Event, verbose_name=_("événement"), on_delete=models.CASCADE, related_name="registrations"
    )
    name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("adresse électronique"), max_length=254)
    audience = models.CharField(_("public"), max_length=30, choices=Audience.choices)
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
    )
    consented_at = models.DateTimeField(_("consentement donné le"))
    # A second, separate consent: the organisers' news by e-mail (a list of the newsletters,
    # which keeps the address apart from this registration and its retention).
    wants_news = models.BooleanField(_("souhaite recevoir les informations"), default=False)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)
    # The waiting list is served in the order people confirmed.
    confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)
    seated_at = models.DateTimeField(_("place attribuée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    attended = models.BooleanField(_("présent"), null=True, blank=True)
    # Asked at the door or after the event, optional: 1 (not at all) to 5 (very satisfied).
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1 à 5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # The reminder is sent once, some days before the event (`capsante send_event_reminders`).
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    # A keyed hash of the sender's address, to slow down a burst of posts; erased with the rest.
    client_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(fields=["client_hash", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.event.title}"


class Tally(models.Model):
    """What stays of an event's registrations once they are erased: counts by audience and
    commune, never a name or an address."""

    event = models.ForeignKey(
        Event, verbose_name=_("événement"), on_delete=models.CASCADE, related_name="tallies"
    )
    audience = models.CharField(_("public"), max_length=30, choices=Audience.choices)
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered = models.PositiveIntegerField(_("inscrits (confirmés)"), default=0)
    attended = models.PositiveIntegerField(_("présents"), default=0)
    # The satisfaction answers (1 to 5) of these registrants, counted by score: {"5": 3, ...}.
    satisfaction = models.JSONField(_("réponses de satisfaction"), default=dict, blank=True)

    class Meta:
        verbose_name = _("décompte des inscriptions")
        verbose_name_plural = _("décomptes des inscriptions")

    def __str__(self) -> str:
        return f"{self.event} — {self.audience} : {self.registered}"


class PublicPost(models.Model):
    """A post to a public form, kept an hour to refuse a burst from one address: runtime state,
    a keyed hash of the address and no content."""

    form = models.CharField(max_length=40)
    client_hash = models.CharField(max_length=64)
    posted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("envoi d’un formulaire public")
        verbose_name_plural = _("envois de formulaires publics")
        indexes = [models.Index(fields=["form", "client_hash", "posted_at"])]

    def __str__(self) -> str:
        return f"{self.form} — {self.posted_at:%d/%m/%Y %H:%M}"


class MailCalendar(models.Model):
    """The iCalendar invitation attached to a registrant's mail, kept beside the outbox's mail
    until it is sent, and deleted with it (the outbox's retention): no name, an event and a
    cancellation link."""

    mail = models.OneToOneField(
        "outbox.OutgoingMail", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    content = models.BinaryField(_("invitation iCalendar"))

    class Meta:
        verbose_name = _("invitation iCalendar d’un courriel")
        verbose_name_plural = _("invitations iCalendar des courriels")

    def __str__(self) -> str:
        return f"Invitation du courriel n° {self.mail_id}"


# --- Ambassadors of Mon espace santé ------------------------------------------------------------


class AmbassadorStatus(models.TextChoices):
    ACTIVE = "active", _("Actif")
    PAUSED = "paused", _("En pause")
    LEFT = "left", _("A quitté le réseau")


class Ambassador(models.Model):
    """A person trained to inform and support the public on Mon espace santé (a France Services
    agent, a digital mediator, a volunteer…). Personal data, for the partners of its territory
    only: no audit history (it would keep a name beyond its retention); erased some months after
    the person left the network, their activities staying without a name."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="ambassadors",
        limit_choices_to={"level": "departement"},
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune d’intervention"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("adresse électronique"), blank=True)
    organisation = models.CharField(_("organisation"), max_length=200)
    trained_on = models.DateField(_("formé le"), null=True, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=AmbassadorStatus.choices,
        default=AmbassadorStatus.ACTIVE,
    )
    left_on = models.DateField(_("a quitté le réseau le"), null=True, blank=True)
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("ambassadeur ou ambassadrice")
        verbose_name_plural = _("ambassadrices et ambassadeurs")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["territory", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def save(self, *args, **kwargs):
        # The day someone leaves starts their retention: recorded if not given.
        if self.status == AmbassadorStatus.LEFT and self.left_on is None:
            self.left_on = timezone.localdate()
        super().save(*args, **kwargs)


class AmbassadorActivityKind(models.TextChoices):
    INFORMATION_DESK = "permanence", _("Permanence d’information")
    WORKSHOP = "atelier", _("Atelier co-animé")
    MEDIATION = "accompagnement", _("Accompagnement individuel")


class AmbassadorActivity(models.Model):
    """What an ambassador did on a day, and for how many people. Its territory and commune are
    its own, so that it still counts once the ambassador's name is erased."""

    ambassador = models.ForeignKey(
        Ambassador,
        verbose_name=_("ambassadeur ou ambassadrice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="ambassador_activities",
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    kind = models.CharField(_("nature"), max_length=20, choices=AmbassadorActivityKind.choices)
    date = models.DateField(_("date"))
    people = models.PositiveIntegerField(_("personnes accompagnées ou informées"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activité d’ambassadeur")
        verbose_name_plural = _("activités des ambassadeurs")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["territory", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.date:%d/%m/%Y}"
