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


# A role said of a woman, and when the person has not said how to address them.
ROLE_FEMININE = {
    Role.REGIONAL_ADMIN: "Administratrice régionale",
    Role.EDITOR: "Éditrice",
    Role.CONTRIBUTOR: "Contributrice",
    Role.READER: "Lectrice",
}
ROLE_EITHER = {
    Role.REGIONAL_ADMIN: "Administrateur ou administratrice régionale",
    Role.EDITOR: "Éditeur ou éditrice",
    Role.CONTRIBUTOR: "Contributeur ou contributrice",
    Role.READER: "Lecteur ou lectrice",
}


class Address(models.TextChoices):
    """How a person wishes to be addressed: the words of their role follow it."""

    MADAME = "mme", _("Madame")
    MONSIEUR = "m", _("Monsieur")


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
    address = models.CharField(
        _("civilité"),
        max_length=3,
        choices=Address.choices,
        blank=True,
        help_text=_("Accorde l'intitulé du rôle : éditrice, administratrice régionale…"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")

    def __str__(self) -> str:
        return f"{self.user} — {self.role_label} ({self.scope or 'France'})"

    @property
    def role_label(self) -> str:
        """The role as said of this person: "Éditrice" for Claire, "Éditeur" for Bruno."""
        if self.address == Address.MADAME:
            return ROLE_FEMININE.get(self.role, self.get_role_display())
        if self.address == Address.MONSIEUR:
            return str(self.get_role_display())
        return ROLE_EITHER.get(self.role, self.get_role_display())
