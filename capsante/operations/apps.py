from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """What the operator runs the platform with: the health checks (/healthz, /readyz), backups
    and restores, the request log. It reads the other apps; none imports it."""

    name = "capsante.operations"
    label = "operations"
    verbose_name = "Exploitation"
