"""The `capsante` command as the console shows it: its list of commands, an unknown command and a
command's refusal are said in French (Django says « Unknown command », « CommandError: »)."""

import os
import subprocess
import sys


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
