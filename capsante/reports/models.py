"""Generated reports keep the figures they used, so that regenerating one later gives the same
document even after new data arrived; scheduled reports are mailed to a list."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from capsante.ui import formats


class ReportKind(models.TextChoices):
    COMMITTEE = "committee", _("Rapport de comité")
    DIGEST = "digest", _("Synthèse périodique")


class ReportSnapshot(models.Model):
    """Every figure a report printed, frozen at generation: the report is rendered from it."""

    kind = models.CharField(_("nature"), max_length=12, choices=ReportKind.choices)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.PROTECT,
        related_name="report_snapshots",
    )
    start = models.DateField(_("début de la période"))
    end = models.DateField(_("fin de la période"))
    as_of = models.DateField(_("données arrêtées au"))
    generated_at = models.DateTimeField(_("généré le"), auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("généré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    data = models.JSONField(_("chiffres du rapport"))

    class Meta:
        verbose_name = _("instantané de rapport")
        verbose_name_plural = _("instantanés de rapports")
        ordering = ["-generated_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} — {self.territory.name}, du {self.start:%d/%m/%Y} "
            f"au {self.end:%d/%m/%Y} (généré le {formats.moment_short(self.generated_at)})"
        )


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Chaque semaine")
    MONTHLY = "monthly", _("Chaque mois")


class ScheduledReport(models.Model):
    kind = models.CharField(_("nature"), max_length=12, choices=ReportKind.choices)
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.CASCADE
    )
    frequency = models.CharField(
        _("fréquence"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    recipients = models.TextField(_("destinataires"), help_text=_("Une adresse par ligne."))
    active = models.BooleanField(_("actif"), default=True)
    last_sent = models.DateTimeField(_("dernier envoi"), null=True, blank=True)
    # The period last mailed (2026-11, 2026-W48): sending twice for one period is a no-op.
    last_period = models.CharField(_("dernière période envoyée"), max_length=10, blank=True)
    last_snapshot = models.ForeignKey(
        ReportSnapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    # Who receives what, changed in the admin: audited like the rest (sending dates excluded).
    history = HistoricalRecords(excluded_fields=["last_sent", "last_period", "last_snapshot"])

    class Meta:
        verbose_name = _("envoi programmé")
        verbose_name_plural = _("envois programmés")
        ordering = ["territory__code", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.territory.name} ({self.get_frequency_display()})"

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.replace(",", "\n").splitlines() if r.strip()]
