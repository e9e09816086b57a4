from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "capsante.indicators"
    label = "indicators"
    verbose_name = "Indicateurs et cibles"
