"""`capsante createsuperuser`, the first administrator (docs/exploitation/installation.md):
Django's command, asking its questions in French (« Mot de passe : » rather than « Password: »).
Its other lines are said in French with every command's (`capsante.console_words`)."""

import contextlib
import getpass
from types import SimpleNamespace

from django.contrib.auth.management.commands import createsuperuser
from django.utils.text import capfirst

PROMPTS = {
    "Password: ": "Mot de passe : ",
    "Password (again): ": "Mot de passe, encore : ",
    "Bypass password validation and create user anyway? [y/N]: ": (
        "Créer le compte malgré tout ? [o/N] : "
    ),
}
YES = {"o", "oui"}


def _french_input(prompt: str = "") -> str:
    answer = input(PROMPTS.get(prompt, prompt))
    # Django asks for « y »; a French answer « o » or « oui » means the same.
    return "y" if answer.strip().lower() in YES else answer


def _french_password(prompt: str = "Password: ") -> str:
    return getpass.getpass(PROMPTS.get(prompt, prompt))


@contextlib.contextmanager
def _asking_in_french():
    """Django's command asks through `input` and `getpass.getpass` and offers no other hook:
    its module's names point to French ones for the time of `handle`."""
    createsuperuser.input = _french_input
    createsuperuser.getpass = SimpleNamespace(getpass=_french_password)
    try:
        yield
    finally:
        del createsuperuser.input
        createsuperuser.getpass = getpass


OPTION_HELP = {
    "username": "Identifiant du super-utilisateur",
    "email": "Adresse électronique du super-utilisateur",
    "interactive": (
        "Sans question : avec --username et --email ; le mot de passe est lu dans la variable"
        " DJANGO_SUPERUSER_PASSWORD (sans elle, le compte ne peut pas se connecter)"
    ),
    "database": "Base de données (par défaut : default)",
}


class Command(createsuperuser.Command):
    help = "Crée un super-utilisateur : tous les droits, sur le site et dans l'administration."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        for action in parser._actions:
            action.help = OPTION_HELP.get(action.dest, action.help)

    def handle(self, *args, **options):
        with _asking_in_french():
            return super().handle(*args, **options)

    def _get_input_message(self, field, default=None):
        if field.remote_field:
            return super()._get_input_message(field, default)
        unless = f" (laissé vide : {default})" if default else ""
        return f"{capfirst(field.verbose_name)}{unless} : "
