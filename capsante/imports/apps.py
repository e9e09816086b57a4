from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """The Django side of imports: records, uploads, the import service that orchestrates the
    domain services. Its database label stays `sources` (the app's former name) so that existing
    databases keep their tables and migration history (docs/decisions/0003)."""

    name = "capsante.imports"
    label = "sources"
    verbose_name = "Imports de données"
