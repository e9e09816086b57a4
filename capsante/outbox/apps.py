from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "capsante.outbox"
    label = "outbox"
    verbose_name = "Courriels sortants"
