"""The record of every import: what file, from whom, what it changed, or why it was refused."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from capsante.ui import formats


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DRY_RUN = "dry_run", _("Simulation")
    IMPORTED = "imported", _("Importé")
    UNCHANGED = "unchanged", _("Aucun changement")
    REFUSED = "refused", _("Refusé")
    FAILED = "failed", _("Échec technique")


class ImportRecord(models.Model):
    source = models.CharField(_("source"), max_length=40)
    file_name = models.CharField(_("fichier"), max_length=255)
    file_hash = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    file_size = models.BigIntegerField(_("taille (octets)"), default=0)
    dry_run = models.BooleanField(_("simulation"), default=False)
    status = models.CharField(
        _("statut"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Set in the transaction that makes the write final: after a crash, an import with this date
    # landed whole (only its recompute may be left to do); one without it left nothing.
    written_at = models.DateTimeField(_("écrit le"), null=True, blank=True)
    duration_seconds = models.FloatField(_("durée (s)"), null=True, blank=True)
    encoding = models.CharField(_("encodage détecté"), max_length=20, blank=True)
    rows_read = models.BigIntegerField(_("lignes lues"), default=0)
    rows_kept = models.BigIntegerField(_("lignes retenues"), default=0)
    rows_rejected = models.BigIntegerField(_("lignes rejetées"), default=0)
    added = models.BigIntegerField(_("ajouts"), default=0)
    changed = models.BigIntegerField(_("modifications"), default=0)
    removed = models.BigIntegerField(_("suppressions"), default=0)
    periods = models.JSONField(_("périodes touchées"), default=list, blank=True)
    tables = models.JSONField(_("tables préparées"), default=dict, blank=True)
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("nombre d'erreurs"), default=0)
    message = models.TextField(_("message"), blank=True)
    progress_step = models.CharField(_("étape"), max_length=100, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    options = models.JSONField(_("options"), default=dict, blank=True)
    removals = models.JSONField(_("retraits (les premiers)"), default=list, blank=True)
    # Départements (or régions) the file's rows are about: who may read the record follows them.
    territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name=_("territoires couverts"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source_label} — {self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.finished else 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def source_label(self) -> str:
        """The source by its name ("FINESS – établissements"), never its code."""
        # The connectors import their parsers' libraries (Arrow, PROJ, the data·inclusion
        # schema…): imported with the models, every command would wait for them at start-up.
        from capsante.ingest import registry  # lazy: see above

        connector = registry.CONNECTORS.get(self.source)
        return connector.label if connector else "source inconnue"

    @property
    def unchanged(self) -> int:
        return sum(int(t.get("unchanged", 0)) for t in (self.tables or {}).values())

    def removals_title(self) -> str:
        """The heading of the removals listed, as the CLI prints it and the page shows it:
        « Ce que l’import a retiré : 1 ligne », « (les 20 premières) » only when the list
        stops before the end."""
        refused = self.dry_run or self.status == ImportStatus.REFUSED
        what = "Ce que l’import retirerait" if refused else "Ce que l’import a retiré"
        shown = len(self.removals or [])
        first = f" (les {formats.number(shown)} premières)" if self.removed > shown else ""
        return f"{what} : {formats.plural(self.removed, 'ligne')}{first}"

    def summary(self) -> str:
        """The summary the CLI prints and the pages show, with counts that add up: the lines
        read are kept or rejected (or, for files of patient identities and other detailed
        files, grouped into counts); the lines kept are added, changed or unchanged."""
        n = formats.plural  # « 1 ligne lue », « 0 rejetée », « 1 234 lignes lues »
        read_lines = n(self.rows_read, "ligne lue", "lignes lues")
        if self.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
            # Nothing was kept; the message and the errors say why. A count of rejected lines
            # would mislead: an error can be the file's (a missing column) rather than a line's.
            return read_lines
        if self.rows_read == self.rows_kept + self.rows_rejected:
            read = f"{read_lines} = {n(self.rows_kept, 'retenue')} + {n(self.rows_rejected, 'rejetée')}"
        else:
            read = (
                f"{read_lines}, dont {n(self.rows_rejected, 'rejetée')} ; les autres regroupées"
                f" en {n(self.rows_kept, 'ligne de comptes', 'lignes de comptes')}"
            )
        if not self.tables:
            return read
        prepared = self.added + self.changed + self.unchanged
        return (
            f"{read} ; {n(prepared, 'ligne préparée', 'lignes préparées')} ="
            f" {n(self.added, 'ajoutée')} + {n(self.changed, 'modifiée')}"
            f" + {n(self.unchanged, 'inchangée')} ; {n(self.removed, 'retirée')}"
        )
