"""Campaigns: following a population of structures through ordered stages (zero fax, cyber,
telehealth equipment), with the advisers' contacts. Every change is audited."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.ui.formats import day


class Campaign(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT
    )
    # Who is followed: FINESS category groups and/or codes, within the territory.
    category_groups = models.JSONField(_("types de structures"), default=list, blank=True)
    category_codes = models.JSONField(_("catégories FINESS"), default=list, blank=True)
    deadline = models.DateField(_("échéance"), null=True, blank=True)
    deadline_label = models.CharField(_("nature de l'échéance"), max_length=200, blank=True)
    owner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("pilote"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("équipe"), blank=True)
    # The engine definitions computing the share at or past each stage (codes of the catalogue).
    indicator_codes = models.JSONField(_("indicateurs"), default=list, blank=True)
    started_on = models.DateField(_("début"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[team])

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def final_stage(self) -> "Stage":
        return self.stages.order_by("-order").first()


class Stage(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(_("rang"))
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=120)
    # What reaching this stage says about the structure's MSSanté mailbox (zero fax: every stage
    # past "sans MSSanté" means it has one); None when the stage says nothing about it.
    mss_equipped = models.BooleanField(
        _("dispose d'une MSSanté à cette étape"), null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order"], name="one_stage_per_rank")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"

    @property
    def is_final(self) -> bool:
        return self.order == self.campaign.stages.aggregate(models.Max("order"))["order__max"]


class CommuneDeadline(models.Model):
    """A deadline that varies by commune (the copper network closes commune by commune)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="commune_deadlines"
    )
    commune = models.ForeignKey("territories.Territory", on_delete=models.CASCADE)
    date = models.DateField(_("échéance"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("échéance communale")
        verbose_name_plural = _("échéances communales")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "commune"], name="one_deadline_per_commune")
        ]

    def __str__(self) -> str:
        return f"{self.commune} : {day(self.date)}"


class FollowUp(models.Model):
    """Where one structure stands in one campaign; its history is the stage history."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="followups")
    establishment = models.ForeignKey(
        "structures.Establishment", on_delete=models.CASCADE, related_name="followups"
    )
    stage = models.ForeignKey(Stage, on_delete=models.RESTRICT, related_name="+")
    evidence = models.CharField(_("justificatif"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    changed_at = models.DateTimeField(_("modifié le"), auto_now=True)
    has_mss = models.BooleanField(_("dispose d'une MSSanté"), default=False)
    last_contact_at = models.DateTimeField(_("dernier contact"), null=True, blank=True)
    deadline = models.DateField(_("échéance applicable"), null=True, blank=True)
    # The date of the next step the last contact set (a callback): the advisers' "rappels du jour".
    callback_on = models.DateField(_("rappel prévu le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("suivi de structure")
        verbose_name_plural = _("suivis de structures")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "establishment"], name="one_followup_per_establishment"
            )
        ]
        indexes = [models.Index(fields=["campaign", "stage"])]

    def __str__(self) -> str:
        return f"{self.establishment} — {self.stage}"


class ContactKind(models.TextChoices):
    CALL = "call", _("Appel")
    VISIT = "visit", _("Visite")
    EMAIL = "email", _("Courriel")
    WORKSHOP = "workshop", _("Atelier")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Joint")
    NO_ANSWER = "no_answer", _("Sans réponse")
    CALL_BACK = "call_back", _("À rappeler")
    COMMITTED = "committed", _("Engagement obtenu")
    REFUSED = "refused", _("Refus")


class Contact(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contacts")
    establishment = models.ForeignKey(
        "structures.Establishment", on_delete=models.CASCADE, related_name="contacts"
    )
    kind = models.CharField(_("type de contact"), max_length=12, choices=ContactKind.choices)
    outcome = models.CharField(_("résultat"), max_length=12, choices=ContactOutcome.choices)
    note = models.TextField(_("compte rendu"), blank=True)
    next_step = models.CharField(_("prochaine étape"), max_length=300, blank=True)
    next_date = models.DateField(_("date de la prochaine étape"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("conseiller"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.establishment} ({self.created_at:%d/%m/%Y})"
