"""A territorial digital-health roadmap, as the partners write it (see DESIGN.md)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RoadmapStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisée")
    LATE = "late", _("En retard")
    ABANDONED = "abandoned", _("Abandonnée")


class FigureKind(models.TextChoices):
    OBSERVED = "observed", _("Chiffre clé")
    TARGET = "target", _("Objectif chiffré")


class Roadmap(models.Model):
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.PROTECT,
        related_name="roadmaps",
    )
    period_start = models.PositiveSmallIntegerField(_("début de période"))
    period_end = models.PositiveSmallIntegerField(_("fin de période"))
    title = models.CharField(_("titre"), max_length=300)
    introduction = models.TextField(_("introduction"), blank=True)
    source = models.TextField(_("source du document"), blank=True)
    partners = models.JSONField(_("partenaires"), default=list, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=RoadmapStatus.choices, default=RoadmapStatus.DRAFT
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("feuille de route")
        verbose_name_plural = _("feuilles de route")
        ordering = ["territory__code", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "period_start", "period_end"], name="one_roadmap_per_period"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        return f"{self.period_start}-{self.period_end}"

    @property
    def slug(self) -> str:
        """« sarthe-2025-2026 »: how the indicator catalogue's references name the roadmap (its
        seed file's name)."""
        return f"{slugify(self.territory.name)}-{self.period_label}"


class Ordered(models.Model):
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]


class TerritorialPriority(Ordered):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="priorities")
    text = models.TextField(_("priorité"))
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("priorité territoriale")
        verbose_name_plural = _("priorités territoriales")

    def __str__(self) -> str:
        return self.text


class Objective(Ordered):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(_("titre"), max_length=300)
    priority = models.TextField(_("priorité retenue"), blank=True)
    priority_detail = models.TextField(_("énoncé détaillé"), blank=True)
    # The indicator targets this objective serves (set on the target's page by an editor).
    targets = models.ManyToManyField(
        "indicators.Target", verbose_name=_("cibles"), blank=True, related_name="objectives"
    )
    history = HistoricalRecords(m2m_fields=[targets])

    class Meta(Ordered.Meta):
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> int:
        return list(self.roadmap.objectives.values_list("pk", flat=True)).index(self.pk) + 1


class Action(Ordered):
    """An action or perspective of an objective, followed by its owner."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="actions")
    group = models.CharField(_("rubrique"), max_length=200, blank=True)
    text = models.TextField(_("intitulé"))
    owner = models.CharField(_("porteur"), max_length=200, blank=True)
    partners = models.CharField(_("partenaires"), max_length=300, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    start_date = models.DateField(_("début"), null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("avancement (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    # What partners write to each other ("what blocks") stays among the partners in scope; what
    # the public reads is written apart, by choice.
    note = models.TextField(_("note interne"), blank=True)
    public_note = models.TextField(_("point d'étape public"), blank=True)
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="progress_at_most_100",
                violation_error_message=_("L'avancement s'exprime de 0 à 100 %."),
            )
        ]

    def __str__(self) -> str:
        return self.text


class AssessmentItem(Ordered):
    """An item of the "bilan de l'existant"."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="assessment")
    group = models.CharField(_("rubrique"), max_length=200, blank=True)
    text = models.TextField(_("texte"))
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("élément du bilan de l'existant")
        verbose_name_plural = _("bilan de l'existant")

    def __str__(self) -> str:
        return self.text


class KeyFigure(Ordered):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_figures")
    kind = models.CharField(
        _("nature"), max_length=10, choices=FigureKind.choices, default=FigureKind.OBSERVED
    )
    value = models.CharField(_("valeur"), max_length=40)
    unit = models.CharField(_("unité"), max_length=60, blank=True)
    label = models.TextField(_("libellé"))
    as_of = models.DateField(_("date de valeur"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    scope = models.CharField(_("territoire concerné (code)"), max_length=20, blank=True)
    indicator = models.CharField(_("indicateur (code)"), max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("chiffre clé")
        verbose_name_plural = _("chiffres clés")

    def __str__(self) -> str:
        """« 69 % des Espaces santé sarthois… », the unit after a no-break space (French)."""
        figure = f"{self.value}\u00a0{self.unit}" if self.unit else self.value
        return f"{figure} {self.label}"


class Testimony(Ordered):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="testimonies")
    quote = models.TextField(_("citation"))
    author = models.CharField(_("auteur"), max_length=200, blank=True)
    role = models.CharField(_("fonction"), max_length=300, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("témoignage")
        verbose_name_plural = _("témoignages")

    def __str__(self) -> str:
        return f"{self.author} : {self.quote}"


class UsefulLink(Ordered):
    """A "ressource utile" of the roadmap document: a link to a document or a site (not a help
    resource of the directory)."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="useful_links")
    label = models.CharField(_("libellé"), max_length=300)
    url = models.URLField(_("adresse"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("ressource utile")
        verbose_name_plural = _("ressources utiles")

    def __str__(self) -> str:
        return self.label


class EventHighlight(Ordered):
    """The "focus événement" of the roadmap document: a past event told with its figures (not
    an event of the animation calendar)."""

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="event_highlights"
    )
    name = models.CharField(_("nom"), max_length=300)
    date = models.DateField(_("date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    figures = models.JSONField(_("chiffres"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("focus événement")
        verbose_name_plural = _("focus événements")

    def __str__(self) -> str:
        return self.name


class GlossaryEntry(Ordered):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="glossary")
    acronym = models.CharField(_("sigle"), max_length=40)
    expansion = models.TextField(_("développé"))
    link = models.URLField(_("lien"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta(Ordered.Meta):
        verbose_name = _("entrée du glossaire")
        verbose_name_plural = _("glossaire")
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "acronym"], name="one_definition_per_acronym"
            )
        ]

    def __str__(self) -> str:
        return f"{self.acronym} : {self.expansion}"
