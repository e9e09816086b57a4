"""Establishments from FINESS (officines, EHPAD, ESMS, hospitals, MSP…), which users call
"structures"."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CategoryGroup(models.TextChoices):
    OFFICINE = "officine", _("Officine")
    EHPAD = "ehpad", _("EHPAD")
    ESMS = "esms", _("Autre établissement ou service médico-social")
    CHU_CH = "chu_ch", _("Centre hospitalier (CH, CHU)")
    CLINIQUE = "clinique", _("Clinique")
    CENTRE_SANTE = "centre_sante", _("Centre de santé")
    MSP = "msp", _("Maison de santé pluriprofessionnelle")
    OTHER = "other", _("Autre")


class Establishment(models.Model):
    finess_et = models.CharField(_("n° FINESS établissement"), max_length=9, unique=True)
    finess_ej = models.CharField(_("n° FINESS entité juridique"), max_length=9, blank=True)
    name = models.CharField(_("raison sociale"), max_length=200)
    category_code = models.CharField(_("catégorie FINESS"), max_length=4, blank=True)
    category_label = models.CharField(_("libellé de catégorie"), max_length=200, blank=True)
    category_group = models.CharField(
        _("type de structure"),
        max_length=16,
        choices=CategoryGroup.choices,
        default=CategoryGroup.OTHER,
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="establishments",
    )
    departement_code = models.CharField(_("département"), max_length=3, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    fax = models.CharField(_("télécopie"), max_length=20, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    opened_on = models.DateField(_("date d'ouverture"), null=True, blank=True)
    active = models.BooleanField(_("présente dans le dernier FINESS"), default=True)
    last_import = models.ForeignKey(
        "sources.ImportRecord",
        verbose_name=_("dernier import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["last_import"])

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]
        indexes = [models.Index(fields=["category_group", "departement_code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.finess_et})"


class ContactPerson(models.Model):
    """Someone to ask for at a structure (the pharmacist in charge, the EHPAD's director…):
    entered by the advisers, read by the partners whose scope holds the structure."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="people"
    )
    name = models.CharField(_("nom"), max_length=200)
    role = models.CharField(_("fonction"), max_length=200, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    note = models.CharField(_("précision"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("personne à contacter")
        verbose_name_plural = _("personnes à contacter")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}{f' ({self.role})' if self.role else ''}"
