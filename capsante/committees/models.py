"""Roadmap governance: committees, their meetings and the decisions taken there.

A decision is followed like an action (owner, due date, status) and is reviewed at the next
meeting. It lives here rather than as a roadmap Action because many decisions do not belong to
an objective ("send the minutes to the CLS coordinators"); when one does, it is linked to the
Action it became, and the Action's status is then the decision's status (one source of truth).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.roadmaps.models import ActionStatus

OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.LATE)


class Committee(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.PROTECT,
        related_name="committees",
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("organisations membres (partenaires de la plateforme)"),
        blank=True,
        related_name="committees",
    )
    # Most members (URPS, CPTS, elected officials, user associations) have no account here.
    other_members = models.TextField(
        _("autres membres"), blank=True, help_text=_("Une organisation par ligne.")
    )
    description = models.TextField(_("mission"), blank=True)
    history = HistoricalRecords(m2m_fields=[organisations])

    class Meta:
        verbose_name = _("comité")
        verbose_name_plural = _("comités")
        ordering = ["territory__code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.territory.name})"

    @property
    def member_names(self) -> list[str]:
        names = [o.name for o in self.organisations.all()]
        return names + [line.strip() for line in self.other_members.splitlines() if line.strip()]


class Meeting(models.Model):
    committee = models.ForeignKey(
        Committee, verbose_name=_("comité"), on_delete=models.CASCADE, related_name="meetings"
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    agenda = models.TextField(_("ordre du jour"), blank=True, help_text=_("Un point par ligne."))
    attendees = models.TextField(
        _("participants"), blank=True, help_text=_("Une personne par ligne : nom — organisation.")
    )
    minutes = models.TextField(_("compte rendu"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.committee.name} — {self.date:%d/%m/%Y}"

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]

    @property
    def attendee_list(self) -> list[str]:
        return [line.strip() for line in self.attendees.splitlines() if line.strip()]


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("réunion"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("décision"))
    owner = models.CharField(_("porteur"), max_length=200)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    action = models.ForeignKey(
        "roadmaps.Action",
        verbose_name=_("action de la feuille de route"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    follow_up = models.TextField(_("suivi"), blank=True)
    followed_up_at = models.ForeignKey(
        Meeting,
        verbose_name=_("suivie lors de la réunion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_decisions",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["meeting__date", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def current_status(self) -> str:
        """The linked action's status when there is one: it is what the team updates."""
        return self.action.status if self.action_id else self.status

    @property
    def current_status_label(self) -> str:
        return str(ActionStatus(self.current_status).label)

    @property
    def is_open(self) -> bool:
        return self.current_status in OPEN_STATUSES
