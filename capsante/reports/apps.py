from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "capsante.reports"
    label = "reports"
    verbose_name = "Rapports et données ouvertes"

    def ready(self) -> None:
        # A change of what a roadmap document shows lays its kept edition out again in the
        # background (decision 0051); the layers below send the signals without importing us.
        from capsante.indicators.signals import figures_changed  # lazy: apps not ready before
        from capsante.roadmaps.signals import roadmap_changed  # lazy: as above

        from .publication import queue_refresh  # lazy: as above

        figures_changed.connect(queue_refresh, dispatch_uid="reports.figures_changed")
        roadmap_changed.connect(queue_refresh, dispatch_uid="reports.roadmap_changed")
