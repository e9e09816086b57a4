from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class OrganisationKind(models.TextChoices):
    ARS = "ars", _("Agence régionale de santé")
    CPAM = "cpam", _("Assurance Maladie (CPAM)")
    GRADES = "grades", _("GRADeS (groupement régional e-santé)")
    COLLECTIVITE = "collectivite", _("Collectivité")
    OTHER = "autre", _("Autre")


class Role(models.TextChoices):
    """Ordered from most to least powerful; see accounts/access.py for what each may do."""

    REGIONAL_ADMIN = "admin", _("Administrateur régional")
    EDITOR = "editeur", _("Éditeur")
    CONTRIBUTOR = "contributeur", _("Contributeur")
    READER = "lecteur", _("Lecteur")


class Organisation(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """What a user may do, and where: one organisation, one role, one territory scope."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.READER)
    scope = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("périmètre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Territoire sur lequel s'exerce le rôle ; vide = toute la France."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.scope or 'France'})"
