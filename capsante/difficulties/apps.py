from django.apps import AppConfig


class DifficultiesConfig(AppConfig):
    name = "capsante.difficulties"
    label = "difficulties"
    verbose_name = "Remontées terrain"
