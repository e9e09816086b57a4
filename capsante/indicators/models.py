"""Indicators, their targets per territory, and their values with provenance.

The definitions (SQL, unit, rule) live in versioned YAML files read by the engine; `Indicator`
mirrors them so that targets and values can point to them. Values are never overwritten: a
recomputation that changes a figure adds a new version and keeps the old one readable.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.engine.statuses import Status
from capsante.ui import formats

AGGREGATION_LABELS = {
    "sum_ratio": "somme des numérateurs divisée par la somme des dénominateurs",
    "mean": "moyenne pondérée",
    "per_population": "rapporté à la population couverte par la source",
    "sum": "somme",
    "count_distinct": "nombre d’éléments distincts, recompté à chaque niveau",
    "median": "médiane des observations, recalculée à chaque niveau",
}
GRAIN_LABELS = {
    "commune": "commune",
    "structure": "établissement (n° FINESS)",
    "departement": "département",
}
# The connectors by their names (the registry's labels are longer, for the import pages).
SOURCE_LABELS = {
    "finess": "répertoire FINESS",
    "rpps": "annuaire RPPS",
    "mssante": "annuaire MSSanté",
    "ins-fhir": "identités INS (FHIR)",
    "ins-hl7": "identités INS (HL7)",
    "am-mes": "Assurance Maladie, Mon espace santé",
    "am-dmp-documents": "Assurance Maladie, documents du DMP",
    "am-dmp-consultations": "Assurance Maladie, consultations du DMP",
    "am-telehealth": "Assurance Maladie, actes de télésanté",
    "am-telehealth-offer": "offre de téléexpertise",
    "survey": "enquêtes",
    "cyber-register": "registre cybersécurité de l’ARS",
    "campaigns": "suivi des campagnes",
    "events": "événements d’animation",
    "difficulties": "difficultés remontées du terrain",
    "contracts": "contrats locaux de santé enregistrés dans la plateforme",
    "directory-data-inclusion": "annuaire des ressources (data·inclusion)",
    "directory-mediation": "annuaire des ressources (lieux de médiation numérique)",
    "directory-csv": "annuaire des ressources (CSV)",
    "directory-geojson": "annuaire des ressources (GeoJSON)",
}
# The forecast models of engine/forecast.py, as the status pages name them.
FORECAST_LABELS = {"linear": "tendance linéaire", "logistic": "courbe en S (logistique)"}


class Indicator(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unité"), max_length=20)
    polarity = models.CharField(
        _("sens"), max_length=4, help_text=_("up : plus c'est haut, mieux c'est")
    )
    kind = models.CharField(_("nature"), max_length=30)
    aggregation = models.CharField(_("règle d'agrégation"), max_length=20)
    sources = models.JSONField(_("sources"), default=list)
    grain = models.CharField(_("maille"), max_length=20)
    periodicity = models.CharField(_("périodicité"), max_length=20)
    adoption = models.BooleanField(_("indicateur d'adoption"), default=False)
    counted_each_month = models.BooleanField(
        _("compté mois par mois"),
        default=False,
        help_text=_(
            "Compte ce qui se passe dans chaque mois (événements, activités) : le mois en cours, "
            "pas encore complet, n’est montré qu’une fois achevé."
        ),
    )
    stale_after_months = models.PositiveSmallIntegerField(
        _("ancienneté maximale (mois)"), default=6
    )
    window_months = models.PositiveSmallIntegerField(
        _("mois additionnés"),
        default=0,
        help_text=_(
            "Pour un chiffre sur une fenêtre glissante (les 12 derniers mois), combien de mois "
            "il additionne ; 0 pour le chiffre d’un mois."
        ),
    )
    detail_public = models.BooleanField(
        _("détail par établissement public"),
        default=False,
        help_text=_(
            "Sinon, le détail sous le département est réservé aux partenaires du territoire."
        ),
    )
    definition_version = models.PositiveIntegerField(_("version de la définition"), default=1)
    doc = models.CharField(_("documentation"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def factor_value(self, numerator: float, denominator: float) -> float | None:
        """A structure-level ratio in display units (a share in %)."""
        if not denominator:
            return None
        return float(numerator) / float(denominator) * (100.0 if self.unit == "%" else 1.0)

    @property
    def aggregation_label(self) -> str:
        """The aggregation rule in words (see engine/aggregation.py)."""
        return AGGREGATION_LABELS.get(self.aggregation, self.aggregation)

    @property
    def grain_label(self) -> str:
        return GRAIN_LABELS.get(self.grain, self.grain)

    @property
    def sources_label(self) -> str:
        """The sources by their names, never their codes."""
        return ", ".join(SOURCE_LABELS.get(s, s) for s in self.sources)

    @property
    def unit_label(self) -> str:
        return {
            "%": "%",
            "per_inhabitant": "par habitant",
            "per_1000": "pour 1 000 habitants",
            "count": "",
        }.get(self.unit, self.unit)


class Target(models.Model):
    """Baseline → target at a deadline for one indicator and territory, or "not applicable"."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="targets"
    )
    not_applicable = models.BooleanField(_("sans objet sur ce territoire"), default=False)
    baseline_value = models.FloatField(_("valeur de référence"), null=True, blank=True)
    baseline_period = models.CharField(_("mois de référence (AAAA-MM)"), max_length=7, blank=True)
    target_value = models.FloatField(_("cible"), null=True, blank=True)
    deadline = models.CharField(_("échéance (AAAA-MM)"), max_length=7, blank=True)
    milestones = models.JSONField(
        _("jalons"),
        default=list,
        blank=True,
        help_text=_('Liste de {"period": "AAAA-MM", "value": nombre}'),
    )
    source = models.CharField(_("origine de la cible"), max_length=300, blank=True)
    note = models.TextField(
        _("commentaire"),
        blank=True,
        help_text=_("Publié avec la cible : ce qu'elle recouvre, d'où elle vient."),
    )
    # The current status, computed by the engine's documented rule, never entered by hand.
    status = models.CharField(_("statut"), max_length=30, blank=True, editable=False)
    status_reason = models.CharField(
        _("motif du statut"), max_length=300, blank=True, editable=False
    )
    status_details = models.JSONField(default=dict, blank=True, editable=False)
    assessed_at = models.DateTimeField(_("évalué le"), null=True, blank=True, editable=False)
    # The seal of the stored assessment: the fingerprint of what it was assessed from
    # (`engine.status.inputs_fingerprint`) with what it gave (`services._sealed`). A report
    # assessing the same inputs reads the stored status back when the row still gives this
    # seal (decision 0047). Not in the history: it says nothing a person changed.
    assessment_seal = models.CharField(max_length=64, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["assessment_seal"])

    class Meta:
        verbose_name = _("cible")
        verbose_name_plural = _("cibles")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory"], name="one_target_per_territory"
            )
        ]

    def __str__(self) -> str:
        if self.not_applicable:
            return f"{self.indicator.name} — {self.territory.name} : sans objet"
        return (
            f"{self.indicator.name} — {self.territory.name} : "
            f"{formats.number(self.target_value, 1)} en {formats.month(self.deadline)}"
        )

    @property
    def status_label(self) -> str:
        """The computed status in words ("hors trajectoire"), "" when there is none."""
        try:
            return Status(self.status).label
        except ValueError:
            return ""


class ComputationRun(models.Model):
    started_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    engine = models.CharField(_("moteur"), max_length=20, default="duckdb")
    periods = models.JSONField(_("périodes recalculées"), default=list, blank=True)
    trigger = models.ForeignKey(
        "sources.ImportRecord",
        verbose_name=_("déclenché par l'import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    rows = models.PositiveIntegerField(_("valeurs calculées"), default=0)
    new_versions = models.PositiveIntegerField(_("valeurs nouvelles ou modifiées"), default=0)
    held_by_manual = models.PositiveIntegerField(
        _("valeurs calculées différentes d'une saisie validée, laissée en vigueur"), default=0
    )
    duration_seconds = models.FloatField(_("durée (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("calcul des indicateurs")
        verbose_name_plural = _("calculs des indicateurs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Calcul n° {self.pk} ({self.engine}, {formats.moment_short(self.started_at)})"

    @property
    def counts(self) -> str:
        """« 307 357 valeurs calculées, 12 nouvelles ou modifiées », as every report of a run says it."""
        computed = formats.plural(self.rows, "valeur calculée", "valeurs calculées")
        new = formats.plural(self.new_versions, "nouvelle ou modifiée", "nouvelles ou modifiées")
        return f"{computed}, {new}"


class StoredBlock(models.Model):
    """The fingerprint of what a full recompute gave, and stored, for one indicator and month.

    The next full recompute that gives the same fingerprint leaves the block's stored values as
    they are instead of comparing them one by one. Any other change to the block (a recompute of
    some months or territories, a validated manual entry) forgets the fingerprint, so that the
    next full recompute compares the block figure by figure again.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("mois"), max_length=7)
    fingerprint = models.CharField(_("empreinte"), max_length=80)

    class Meta:
        verbose_name = _("empreinte d'un mois d'indicateur calculé")
        verbose_name_plural = _("empreintes des mois d'indicateurs calculés")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="one_stored_block"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period}"


class ManualStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposée")
    VALIDATED = "validated", _("Validée")
    REJECTED = "rejected", _("Rejetée")


class ManualEntry(models.Model):
    """A figure that arrives by mail: proposed by one person, validated by another."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="manual_entries"
    )
    territory = models.ForeignKey("territories.Territory", on_delete=models.CASCADE)
    period = models.CharField(_("mois (AAAA-MM)"), max_length=7)
    numerator = models.FloatField(_("numérateur"), null=True, blank=True)
    denominator = models.FloatField(_("dénominateur"), null=True, blank=True)
    value = models.FloatField(_("valeur"))
    justification = models.TextField(_("justification (source, courrier…)"))
    status = models.CharField(
        _("statut"), max_length=12, choices=ManualStatus.choices, default=ManualStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(_("motif du rejet"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("saisie manuelle")
        verbose_name_plural = _("saisies manuelles")
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.territory.code} {self.period} = {self.value} ({self.get_status_display()})"


# Said wherever figures are shown or published (the catalogue page, the open data).
MONTHS_ENDED_RULE = (
    "Ce qui se compte mois par mois (événements, participants, activités, groupes de travail, "
    "difficultés) n’est montré que pour les mois achevés : un mois en cours n’est pas encore "
    "complet, et le comparer aux mois entiers le ferait lire comme une chute."
)


def current_month() -> str:
    """This month in Paris, « 2026-12 »: what a value's month is compared with."""
    # lazy: only where a month is asked for.
    from django.utils import timezone

    return timezone.localdate().strftime("%Y-%m")


class IndicatorValueQuerySet(models.QuerySet):
    def months_ended(self):
        """Without the month in progress (or any later) of the indicators counted month by
        month (`Indicator.counted_each_month`): on 4 December, December's four days of events
        set beside November's whole month read as a collapse. Totals so far (accounts
        activated, structures at a stage) keep their current month. What the pages, the
        statuses and the documents show; the store and the recomputes read every month."""
        return self.exclude(indicator__counted_each_month=True, period__gte=current_month())


class IndicatorValue(models.Model):
    # No index of their own for these two keys: the unique key below begins with the indicator,
    # the (territory, in force) index with the territory. Each index of this table is maintained
    # for millions of rows at each first compute (decision 0026).
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    territory = models.ForeignKey(
        "territories.Territory",
        on_delete=models.CASCADE,
        related_name="indicator_values",
        db_index=False,
    )
    period = models.CharField(_("mois"), max_length=7)
    numerator = models.FloatField(_("numérateur"), null=True)
    denominator = models.FloatField(_("dénominateur"), null=True)
    value = models.FloatField(_("valeur"), null=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("version en vigueur"), default=True)
    # No index either: only a run's deletion would look values up by their run, and the
    # platform never deletes one (a run is the values' provenance); the index cost 1 s of each
    # first national compute and a write for every value stored (decision 0038).
    run = models.ForeignKey(
        ComputationRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="values",
        db_index=False,
    )
    # Indexed below over the few values that have one, not the millions that have none.
    manual_entry = models.ForeignKey(
        ManualEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("valeur d'indicateur")
        verbose_name_plural = _("valeurs d'indicateurs")
        indexes = [
            models.Index(fields=["territory", "is_current"]),
            # Finds the values of a hand-entered figure (to protect it from deletion): a
            # handful of rows, where an index of every value held millions of empty keys,
            # maintained at each store and rebuilt after each first compute (decision 0027).
            models.Index(
                fields=["manual_entry"],
                condition=models.Q(manual_entry__isnull=False),
                name="value_of_manual_entry",
            ),
            # The months of an indicator that hold computed values in force, found in a few
            # index probes: a full recompute looks for values to retire only in those of its
            # blocks that changed, instead of reading every value (decision 0037).
            models.Index(
                fields=["indicator", "period"],
                condition=models.Q(is_current=True, manual_entry__isnull=True),
                name="current_computed_block",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory", "period", "version"], name="one_value_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.territory.code} {self.period} = {self.value}"

    @property
    def provenance(self) -> str:
        if self.manual_entry_id:
            entry = self.manual_entry
            return (
                f"saisie de {entry.proposed_by.get_full_name() or entry.proposed_by}, validée par "
                f"{entry.reviewed_by.get_full_name() if entry.reviewed_by else '—'} : {entry.justification}"
            )
        if self.run_id:
            run = self.run
            origin = (
                f"import n° {run.trigger_id} ({SOURCE_LABELS.get(run.trigger.source, 'fichier')})"
                if run.trigger_id
                else "recalcul"
            )
            return f"calcul n° {run.pk} du {formats.moment_short(run.started_at)}, {origin}"
        return "—"
