from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "capsante.accounts"
    label = "accounts"
    verbose_name = "Comptes et accès"
