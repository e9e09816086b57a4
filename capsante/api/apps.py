from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "capsante.api"
    label = "api"
    verbose_name = "API"
