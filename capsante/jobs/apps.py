from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs: the record of each job (progress, outcome, who ran it where), the locks
    on staged tables, the worker and the recovery after a crash (docs/decisions/0010)."""

    name = "capsante.jobs"
    label = "jobs"
    verbose_name = "Travaux"
