"""What the console says in French: a command's help and usage errors, and what Django's own
commands of the installation write.

argparse writes its own words in English (« usage: », « error: », « the following arguments are
required ») and Python ships no French catalogue for them; Django and django-tasks-db add options
whose help is English (« Verbosity level… », « The queues to process… »); and argparse names a
value after its variable (« --territory TERRITORY »). `install` puts French in their place for the
`capsante` command (`capsante.cli`), the only way people run commands. The commands that install
and update the platform (docs/exploitation/: `migrate`, `collectstatic`, `check`,
`createsuperuser`) write their lines in English (« Running migrations: », « 1753 static files
copied », « System check identified no issues (0 silenced). »), and a refusal begins with its
exception's name (« CommandError: »): `FrenchOutput` says them in French (`capsante.cli` puts it
on Django's commands' output and on every command's errors). Tested by tests/test_cli.py, which
reads every command's help and runs those commands."""

import argparse
import re
from collections.abc import Callable

from django.core.management.base import OutputWrapper

from capsante.french import plural

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
    "email": "ADRESSE",
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
    "username": "IDENTIFIANT",
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


def help_in_french(parser: argparse.ArgumentParser) -> None:
    """The inherited options' help and every value's name in French, subcommands included, each
    subcommand's page opening with what the command's list says of it."""
    parser.description = kept_together(parser.description)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                # `capsante indicators show --help` says what `show` does, as the list does.
                subparser.description = subparser.description or helps.get(name)
                help_in_french(subparser)
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
        help_in_french(parser)
        return parser

    BaseCommand.create_parser = create_parser


SECURITY_CHECKS = {
    "W004": "HSTS n’est pas activé : derrière HTTPS, ne pas mettre CAPSANTE_HTTPS=false, ou"
    " donner CAPSANTE_HSTS_SECONDS.",
    "W008": "Les requêtes en http ne sont pas redirigées vers https : CAPSANTE_HTTPS=true, ou"
    " CAPSANTE_SSL_REDIRECT=true, à moins que le serveur mandataire (nginx) ne redirige déjà.",
    "W009": "La clé secrète est trop courte ou trop simple : SECRET_KEY, 50 caractères tirés au"
    " hasard au moins, ou le fichier data/secret_key que la plateforme crée.",
    "W012": "Le cookie de session n’est pas réservé à HTTPS : CAPSANTE_SECURE_COOKIES=true (ou"
    " CAPSANTE_HTTPS=true).",
    "W016": "Le cookie CSRF n’est pas réservé à HTTPS : CAPSANTE_SECURE_COOKIES=true (ou"
    " CAPSANTE_HTTPS=true).",
    "W018": "Le mode développement est activé en production : retirer la variable DEBUG.",
    "W020": "Aucune adresse n’est autorisée : ALLOWED_HOSTS, le nom du site (ex."
    " capsante.exemple.fr).",
}


def _collected(found: re.Match) -> str:
    files = int(found["files"])
    done = ("copié" if found["action"] == "copied" else "lié") + ("s" if files >= 2 else "")
    said = f"{plural(files, 'fichier statique', 'fichiers statiques')} {done}"
    if found["to"]:
        said += f" dans « {found['to']} »"
    if found["unmodified"]:
        said += f", {plural(int(found['unmodified']), 'inchangé')}"
    if found["post"]:
        said += f", {plural(int(found['post']), 'post-traité')}"
    return said + "."


def _checked(found: re.Match) -> str:
    issues = found["issues"]
    count = 0 if issues == "no issues" else int(issues.split()[0])
    problems = "aucun problème" if count == 0 else plural(count, "problème")
    return f"Vérification du système : {problems} ({plural(int(found['silenced']), 'ignoré')})."


# Lines of Django's commands, as they write them (styled or not: a pattern finds its words
# inside the terminal's colour codes), and what the console shows instead.
DJANGO_LINES: list[tuple[re.Pattern, str | Callable[[re.Match], str]]] = [
    (re.compile(pattern, re.MULTILINE), said)
    for pattern, said in [
        # A refusal, « CommandError: … »; a failed check is named twice by Django.
        (r"^\w*Error: ", "Erreur : "),
        (r"SystemCheckError: ", ""),
        (r"Operations to perform:", "Opérations à effectuer :"),
        (r"  Apply all migrations: ", "  Toutes les migrations de : "),
        (r"  Unapply all migrations: ", "  Défaire toutes les migrations de : "),
        (r"  Target specific migration: ", "  Migration visée : "),
        (r"  Synchronize unmigrated apps: ", "  Applications sans migrations : "),
        (r"Synchronizing apps without migrations:", "Applications sans migrations :"),
        (r"  Creating tables\.\.\.", "  Création des tables…"),
        (r"    Creating table ", "    Création de la table "),
        (r"    Running deferred SQL\.\.\.", "    Exécution du SQL différé…"),
        (r"Running migrations:", "Application des migrations :"),
        (r"  No migrations to apply\.", "  Aucune migration à appliquer."),
        (r"^  Applying (\S+)\.\.\.", r"  Application de \1…"),
        (r"^  Unapplying (\S+)\.\.\.", r"  Retrait de \1…"),
        (
            r"  Your models in app\(s\): (.*) have changes that are not yet reflected in a"
            r" migration, and so won't be applied\.",
            r"  Les modèles de \1 ont changé sans migration : ces changements ne sont pas appliqués.",
        ),
        (
            r"  Run 'manage\.py makemigrations' to make new migrations, and then re-run"
            r" 'manage\.py migrate' to apply them\.",
            "  Il faut d’abord leurs migrations (capsante makemigrations), puis capsante migrate.",
        ),
        (
            r"(?P<files>\d+) static files? (?P<action>copied|symlinked)(?: to '(?P<to>[^']*)')?"
            r"(?:, (?P<unmodified>\d+) unmodified)?(?:, (?P<post>\d+) post-processed)?\.",
            _collected,
        ),
        (r"System check identified some issues:", "La vérification du système relève :"),
        (
            r"System check identified (?P<issues>no issues|1 issue|\d+ issues)"
            r" \((?P<silenced>\d+) silenced\)\.",
            _checked,
        ),
        # The deployment checks the platform's variables can fail (`capsante check --deploy`,
        # docs/exploitation/configuration.md), each with the variable to set.
        *(
            (rf"\((security\.{check})\) .*$", rf"(\1) {said}")
            for check, said in SECURITY_CHECKS.items()
        ),
        (r"^\?: \(", "("),  # a check about no object in particular
        (r"^ERRORS:$", "ERREURS :"),
        (r"^WARNINGS:$", "AVERTISSEMENTS :"),
        (r"^INFOS:$", "INFORMATIONS :"),
        (r"^CRITICALS:$", "ERREURS CRITIQUES :"),
        (r"Superuser created successfully\.", "Super-utilisateur créé."),
        (
            r"Superuser creation skipped due to not running in a TTY\. .*$",
            "Super-utilisateur non créé : la commande pose ses questions dans un terminal"
            " (ou, sans question : --no-input, --username, --email et DJANGO_SUPERUSER_PASSWORD).",
        ),
        (
            r"You have (?P<count>\d+) unapplied migration\(s\)\. Your project may not work"
            r" properly until you apply the migrations for app\(s\): (?P<apps>.*)\.",
            lambda found: (
                f"{plural(int(found['count']), 'migration')} à appliquer ({found['apps']}) :"
                " la plateforme peut mal fonctionner d’ici là."
            ),
        ),
        (r"Run 'python manage\.py migrate' to apply them\.", "Appliquez-les : capsante migrate."),
        (r"Operation cancelled\.", "Opération annulée."),
        (r"Your passwords didn't match\.", "Les deux mots de passe diffèrent."),
        (r"Blank passwords aren't allowed\.", "Le mot de passe ne peut pas être vide."),
        (r"This field cannot be blank\.", "Ce champ est obligatoire."),
    ]
]


def line_in_french(text: str) -> str:
    """A line of Django's commands as the console shows it (`DJANGO_LINES`); others unchanged."""
    for pattern, said in DJANGO_LINES:
        text = pattern.sub(said, text)
    return text


class FrenchOutput(OutputWrapper):
    """A command's output, each line said in French before its colour is put on it."""

    def write(self, msg="", style_func=None, ending=None):
        super().write(line_in_french(msg), style_func, ending)

    @classmethod
    def instead_of(cls, wrapper: OutputWrapper) -> "FrenchOutput":
        french = cls(wrapper._out, wrapper.ending)
        french._style_func = wrapper._style_func  # the command's colours (errors in red)
        return french
