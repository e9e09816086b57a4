"""The `capsante` command as the console shows it: its list of commands, an unknown command, a
command's refusal, every command's help and its usage errors are said in French (Django and
argparse say « Unknown command », « CommandError: », « usage: », « error: »)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from capsante import console_words


def capsante(tmp_path, *arguments: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAPSANTE_", "DJANGO_"))}
    env |= {"CAPSANTE_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", "from capsante.cli import main; main()", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_platform_s_commands_first_in_french(tmp_path):
    shown = capsante(tmp_path, "help")
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("Utilisation : capsante <commande>")
    ours = lines.index("Commandes de Cap e-santé :")
    django = lines.index("Commandes de Django et de ses modules :")
    assert "    indicators" in lines[ours:django] and "    migrate" in lines[django:]
    assert "Available subcommands" not in shown.stdout


def test_an_unknown_command_is_named_with_the_closest_one(tmp_path):
    shown = capsante(tmp_path, "indicator")
    assert shown.returncode == 1
    assert shown.stderr == (
        "Commande inconnue : « indicator ». Vouliez-vous dire « indicators » ?"
        " La liste : capsante help\n"
    )


def test_a_refusal_reads_erreur_not_the_exception_s_name(tmp_path):
    shown = capsante(tmp_path, "import", "finess", str(tmp_path / "absent.csv"))
    assert shown.returncode == 1
    assert shown.stderr.strip() == f"Erreur : Fichier introuvable : {tmp_path / 'absent.csv'}"


# Every command's parser, with its subcommands, as `capsante <command> --help` builds it.
EVERY_HELP = """
import argparse, json, sys
from capsante import cli, console_words
cli.prepare()
import django
django.setup()
from django.core.management import get_commands, load_command_class

pages = {}

def read(parser, name, ours):
    arguments = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                read(subparser, f"{name} {sub}", ours)
            continue
        if action.help != argparse.SUPPRESS and action.dest != "help":
            arguments.append({
                "name": "/".join(action.option_strings) or action.dest,
                "help": action.help,
                "value_name": action.metavar,
                "names_a_value": action.nargs != 0 and action.choices is None,
                "shared": action.dest in console_words.INHERITED_OPTION_HELP,
            })
    pages[name] = {"ours": ours, "text": parser.format_help(), "arguments": arguments}

for name, app in get_commands().items():
    # Django's own commands are read for the options every command shares; modules whose
    # commands import what the platform does not install (a formatter) are left.
    if app.startswith("capsante.") or name in ("migrate", "check", "createsuperuser"):
        read(load_command_class(app, name).create_parser("capsante", name), name,
             app.startswith("capsante."))
json.dump(pages, sys.stdout)
"""

# Words of the English helps Django, django-tasks-db and argparse write (none is a code the
# helps name, such as the import sources « directory-csv » or the worker's queue « default »).
ENGLISH = {
    "the",
    "and",
    "to",
    "of",
    "is",
    "show",
    "exit",
    "usage",
    "error",
    "with",
    "for",
    "when",
    "this",
    "use",
    "don't",
    "tells",
    "verbosity",
    "add",
    "separate",
    "provided",
    "again",
    "arguments:",
    "positional",
    "if",
    "only",
    "run",
}


def every_help(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAPSANTE_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "-c", EVERY_HELP],
        env=env | {"CAPSANTE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_command_s_help_is_in_french_and_says_what_each_argument_is(tmp_path):
    pages = every_help(tmp_path)
    assert {"indicators show", "report", "worker", "serve", "api-token create"} <= set(pages)
    for name, page in pages.items():
        assert page["text"].startswith(f"Utilisation : capsante {name}"), name
        assert "affiche cette aide et s’arrête" in page["text"], name
        for argument in page["arguments"]:
            where = f"capsante {name} {argument['name']}"
            if not (page["ours"] or argument["shared"]):
                continue  # Django's own commands' own options: Django's words (left)
            if page["ours"]:
                assert argument["help"], f"{where}: no help"
            words = set(re.findall(r"[\w']+:?", (argument["help"] or "").lower()))
            assert not words & ENGLISH, f"{where}: {argument['help']}"
            if argument["names_a_value"]:
                # « --territory TERRITORY » was argparse's variable, in English and in capitals.
                assert argument["value_name"], f"{where}: its value is not named in French"


def test_a_usage_error_is_said_in_french(tmp_path):
    missing = capsante(tmp_path, "report", "roadmap", "--territory", "72")
    assert missing.returncode == 2
    assert missing.stderr.startswith("Utilisation : capsante report")
    assert missing.stderr.endswith("capsante report : erreur : il manque --output\n")

    wrong = capsante(tmp_path, "indicators", "show", "MES_ACTIVATION", "--territory", "53",
                     "--format", "xml")  # fmt: skip
    assert wrong.returncode == 2
    assert wrong.stderr.endswith(
        "capsante indicators show : erreur : --format : choix non valable : 'xml'"
        " (au choix : 'table', 'json')\n"
    )

    unknown = capsante(tmp_path, "export", "opendata", "--output", str(tmp_path), "--zzz")
    assert unknown.stderr.endswith("capsante export : erreur : arguments inconnus : --zzz\n")


def test_help_of_a_command_is_its_page_in_french(tmp_path):
    shown = capsante(tmp_path, "help", "report")
    assert shown.returncode == 0
    assert "--territory TERRITOIRE" in shown.stdout
    assert "Quantité de messages" in shown.stdout and "Verbosity" not in shown.stdout


def test_the_installation_commands_say_what_they_do_in_french(live_site, tmp_path):
    """docs/exploitation/installation.md: `migrate`, `collectstatic`, `check --deploy`."""
    migrated = live_site.run("migrate").stdout
    assert migrated.startswith("Opérations à effectuer :\n  Toutes les migrations de : accounts,")
    assert migrated.endswith("Application des migrations :\n  Aucune migration à appliquer.\n")
    checked = live_site.run("check").stdout
    assert checked == "Vérification du système : aucun problème (0\N{NO-BREAK SPACE}ignoré).\n"

    # On a new data folder: `--dry-run` stopped on the first file it had not copied.
    collected = capsante(tmp_path, "collectstatic", "--no-input", "--dry-run")
    assert collected.returncode == 0, collected.stderr
    static = tmp_path / "static"
    assert re.search(
        rf"\n[\d\N{{NARROW NO-BREAK SPACE}}]+\N{{NO-BREAK SPACE}}fichiers statiques copiés"
        rf" dans « {re.escape(str(static))} »\.\n$",
        collected.stdout,
    ), collected.stdout[-300:]
    assert not any(static.iterdir())


def test_a_migration_s_lines_read_in_french():
    # As Django's migrate writes them (an application, then « OK » on the same line).
    assert console_words.line_in_french("  Applying accounts.0001_initial...") == (
        "  Application de accounts.0001_initial…"
    )
    assert console_words.line_in_french("\x1b[36;1mRunning migrations:\x1b[0m") == (
        "\x1b[36;1mApplication des migrations :\x1b[0m"
    )


SARTHE = """
import json
from capsante.territories.models import Level, Territory
region = Territory.objects.create(level=Level.REGION, code="52", name="Pays de la Loire")
Territory.objects.create(level=Level.DEPARTEMENT, code="72", name="Sarthe", parent=region)
print(json.dumps(1))
"""


def test_a_command_s_data_goes_out_as_it_is(live_site, tmp_path):
    """A roadmap exported to the standard output is data: no line of it is « said in French »,
    even one that reads like Django's (« Running migrations: »)."""
    roadmap = tmp_path / "feuille.yaml"
    seed = Path(console_words.__file__).parent / "roadmaps/seeds/sarthe-2025-2026.yaml"
    text = seed.read_text(encoding="utf-8")
    title = re.search(r"^title: .*$", text, re.MULTILINE)[0]
    odd = "title: 'Running migrations: 1 static file copied to ''/x''.'"
    roadmap.write_text(text.replace(title, odd, 1), encoding="utf-8")
    live_site.python(SARTHE)
    live_site.run("roadmap", "import", str(roadmap))
    exported = live_site.run("roadmap", "export", "--territory", "72").stdout
    assert odd in exported.splitlines(), exported[:500]
