"""Contrats Locaux de Santé in the background: their staged tables and indicators."""

from capsante.jobs import services as jobs
from capsante.ui.formats import month

from . import counts


@jobs.job_task("contracts")
def refresh_contract_indicators() -> str:
    written = counts.export_contracts()
    months = f"{month(written[0])} à {month(written[-1])}" if written else "aucun mois"
    return f"Contrats locaux de santé exportés et indicateurs recalculés ({months})."


jobs.register_kind(jobs.Kind("contracts", "Contrats locaux de santé : mise à jour des indicateurs"))
