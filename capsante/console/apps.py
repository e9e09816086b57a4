from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """Commands of Django's own apps that the installation runs (docs/exploitation/), asking
    their questions in French. First of the installed apps: a command of an app listed earlier
    takes the place of one of the same name listed later."""

    name = "capsante.console"
    label = "console"
    verbose_name = "Console"
