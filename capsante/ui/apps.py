from django.apps import AppConfig


class UiConfig(AppConfig):
    """The building blocks of every page: DSFR components, charts and maps drawn as SVG, French
    numbers and dates. It imports no project app, so that any app may use it."""

    name = "capsante.ui"
    label = "ui"
    verbose_name = "Composants d'interface"
