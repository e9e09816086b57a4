from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.ui.formats import moment_short, of_name


class Level(models.TextChoices):
    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    EPCI = "epci", _("EPCI")
    COMMUNE = "commune", _("Commune")
    GROUPING = "groupement", _("Regroupement")


class GroupingKind(models.TextChoices):
    GHT = "ght", _("Groupement hospitalier de territoire (GHT)")
    CPTS = "cpts", _("Communauté professionnelle territoriale de santé (CPTS)")
    CLS = "cls", _("Périmètre de contrat local de santé (CLS)")
    TDS = "tds", _("Territoire de démocratie sanitaire")
    OTHER = "autre", _("Autre regroupement")


class Territory(models.Model):
    """A territory of the official geography (COG) or a named grouping of communes.

    Communes point to their département (`parent`) and their EPCI (`epci`); départements
    point to their région. EPCI may straddle départements, so they sit beside the tree, not in it.
    """

    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    code = models.CharField(_("code"), max_length=20, help_text=_("Code INSEE (COG) ou SIREN"))
    name = models.CharField(_("nom"), max_length=200)
    # INSEE's name type (TNCC, 0 to 8): which article the name takes ("la Sarthe", "le Mans").
    name_type = models.CharField(_("type de nom (INSEE)"), max_length=1, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    epci = models.ForeignKey(
        "self",
        verbose_name=_("EPCI"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member_communes",
        limit_choices_to={"level": Level.EPCI},
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_vintage = models.PositiveSmallIntegerField(
        _("millésime de la population"), null=True, blank=True
    )
    geometry = models.TextField(_("géométrie simplifiée (GeoJSON)"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # Groupings only.
    grouping_kind = models.CharField(
        _("type de regroupement"), max_length=10, choices=GroupingKind.choices, blank=True
    )
    members = models.ManyToManyField(
        "self",
        verbose_name=_("communes membres"),
        symmetrical=False,
        blank=True,
        related_name="groupings",
        limit_choices_to={"level": Level.COMMUNE},
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords(excluded_fields=["geometry"])

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code"], name="unique_territory_code_per_level"
            )
        ]
        indexes = [models.Index(fields=["level", "parent"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def of_name(self) -> str:
        """The name after "de", with its article: "de la Sarthe", "du Mans", "d’Angers"."""
        return of_name(self.name, self.name_type, article_in_name=self.level == Level.COMMUNE)

    @property
    def is_grouping(self) -> bool:
        return self.level == Level.GROUPING


class TerritoryLoad(models.Model):
    """A record of each load of the reference geography, for provenance."""

    loaded_at = models.DateTimeField(_("chargé le"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=200)
    created = models.PositiveIntegerField(_("créés"))
    updated = models.PositiveIntegerField(_("modifiés"))
    unchanged = models.PositiveIntegerField(_("inchangés"))
    duration_seconds = models.FloatField(_("durée (s)"))

    class Meta:
        verbose_name = _("chargement des territoires")
        verbose_name_plural = _("chargements des territoires")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.source} — {moment_short(self.loaded_at)}"
