from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "capsante.reports"
    label = "reports"
    verbose_name = "Rapports et données ouvertes"
