"""What a command's help and its usage errors say at the console, in French.

argparse writes its own words in English (« usage: », « error: », « the following arguments are
required ») and Python ships no French catalogue for them; Django and django-tasks-db add options
whose help is English (« Verbosity level… », « The queues to process… »); and argparse names a
value after its variable (« --territory TERRITORY »). `install` puts French in their place for the
`capsante` command (`capsante.cli`), the only way people run commands. Tested by tests/test_cli.py,
which reads every command's help."""

import argparse

ARGPARSE_WORDS = {
    "usage: ": "Utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "subcommands": "sous-commandes",
    "show this help message and exit": "affiche cette aide et s’arrête",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "the following arguments are required: %s": "il manque %s",
    "one of the arguments %s is required": "il manque l’un de ces arguments : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "not allowed with argument %s": "incompatible avec %s",
    "ignored explicit argument %r": "valeur en trop : %r",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "une valeur au plus attendue",
    "expected at least one argument": "une valeur au moins attendue",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "unexpected option string: %s": "option inattendue : %s",
    # The type's name (« int », a function's name) is code: the value alone is named.
    "invalid %(type)s value: %(value)r": "valeur non valable : %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix non valable : %(value)r (au choix : %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "sous-commande inconnue : %(parser_name)r (au choix : %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "impossible d’ouvrir « %(filename)s » : %(error)s",
}

# The help of the options that Django (every command; `serve` from its runserver) and
# django-tasks-db (`worker`) add, by the option's variable.
INHERITED_OPTION_HELP = {
    "version": "Affiche la version de Django et s’arrête.",
    "verbosity": "Quantité de messages : 0 le minimum, 1 l’ordinaire, 2 et 3 le détail.",
    "settings": (
        "Module Python des réglages, par défaut celui que nomme la variable"
        " DJANGO_SETTINGS_MODULE (capsante.settings)."
    ),
    "pythonpath": "Dossier à ajouter au chemin des modules Python.",
    "traceback": "En cas d’erreur, affiche aussi la pile des appels.",
    "no_color": "Sorties sans couleur.",
    "force_color": "Sorties en couleur, même hors d’un terminal.",
    "skip_checks": "Sans les vérifications de la configuration au démarrage.",
    "addrport": "Adresse et port, par exemple 127.0.0.1:8000 (par défaut : le port 8000).",
    "use_ipv6": "Écoute une adresse IPv6.",
    "use_threading": "Une requête à la fois.",
    "use_reloader": "Ne redémarre pas quand le code change.",
    "use_static_handler": "Ne sert pas les fichiers statiques.",
    "insecure_serving": "Sert les fichiers statiques même hors du mode développement.",
    "queue_name": (
        "Files à traiter, séparées par des virgules ; « * » pour toutes (par défaut : default)."
    ),
    "exclude_queues": "Files à laisser, séparées par des virgules.",
    "interval": "Attente en secondes avant de regarder de nouveau une file vide (par défaut : 1).",
    "batch": "Exécute les travaux en attente, puis s’arrête (avec --max-tasks au besoin).",
    "reload": (
        "Redémarre quand le code change ; pas en production, où un travail en cours serait"
        " interrompu (par défaut : en mode développement seulement)."
    ),
    "backend_name": "File de travaux à servir (par défaut : default).",
    "startup_delay": "Démarre sans le court délai habituel.",
    "max_tasks": "Nombre de travaux après lequel s’arrêter.",
    "worker_id": (
        "Nom de ce processus, unique parmi ceux qui servent la file"
        " (par défaut : la machine, le processus et l’heure de démarrage)."
    ),
}

# What argparse shows for a value (« --territory TERRITORY »), by its variable.
VALUE_NAMES = {
    "addrport": "adresse:port",
    "archive": "archive",
    "backend_name": "NOM",
    "by": "IDENTIFIANT",
    "campaign": "campagne",
    "code": "indicateur",
    "date": "AAAA-MM-JJ",
    "days": "JOURS",
    "departements": "DÉPARTEMENTS",
    "dossier": "DOSSIER",
    "end": "AAAA-MM-JJ",
    "exclude_queues": "FILES",
    "expires": "AAAA-MM-JJ",
    "file": "fichier",
    "finess_et": "FINESS",
    "interval": "SECONDES",
    "level": "NIVEAU",
    "mapping": "FICHIER",
    "max_tasks": "NOMBRE",
    "months": "MOIS",
    "name": "NOM",
    "organisation": "ORGANISATION",
    "out": "DOSSIER",
    "output": "SORTIE",
    "period": "PÉRIODE",
    "prefix": "préfixe",
    "pythonpath": "DOSSIER",
    "queue_name": "FILES",
    "seed": "GRAINE",
    "settings": "MODULE",
    "snapshot": "NUMÉRO",
    "source": "source",
    "start": "AAAA-MM-JJ",
    "survey": "ENQUÊTE",
    "territory": "TERRITOIRE",
    "user": "IDENTIFIANT",
    "vintage": "ANNÉE",
    "worker_id": "NOM",
}


def argparse_word(message):
    return ARGPARSE_WORDS.get(message, message)


def argparse_plural(singular, plural, count):
    if singular == "expected %s argument":
        return "%s valeur attendue" if count < 2 else "%s valeurs attendues"
    return singular if count == 1 else plural


def kept_together(text: str | None) -> str | None:
    """Guillemets held to their words by no-break spaces, as French writes them: argparse wraps
    a help at spaces, and left « en cours » split over two lines, « on one, » on the next."""
    return text and text.replace("« ", "«\N{NO-BREAK SPACE}").replace(" »", "\N{NO-BREAK SPACE}»")


def in_french(parser: argparse.ArgumentParser) -> None:
    """The inherited options' help and every value's name in French, subcommands included, each
    subcommand's page opening with what the command's list says of it."""
    parser.description = kept_together(parser.description)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                # `capsante indicators show --help` says what `show` does, as the list does.
                subparser.description = subparser.description or helps.get(name)
                in_french(subparser)
            continue
        if action.help != argparse.SUPPRESS and action.dest in INHERITED_OPTION_HELP:
            action.help = INHERITED_OPTION_HELP[action.dest]
        if action.help != argparse.SUPPRESS:
            action.help = kept_together(action.help)
        if action.metavar is None and action.choices is None and action.nargs != 0:
            action.metavar = VALUE_NAMES.get(action.dest)


def install() -> None:
    """argparse's words, then every command's parser, in French — for this process."""
    # lazy: Django reads its settings when imported; `capsante.cli` names them first.
    from django.core.management.base import BaseCommand

    # argparse looks its words up through the module's `_` and `ngettext` at each use.
    argparse._ = argparse_word
    argparse.ngettext = argparse_plural
    library_create_parser = BaseCommand.create_parser

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = library_create_parser(self, prog_name, subcommand, **kwargs)
        in_french(parser)
        return parser

    BaseCommand.create_parser = create_parser
