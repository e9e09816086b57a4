"""The `capsante` console command: Django's management entry point under our name."""

import gc
import os
import sys
from difflib import get_close_matches


def prepare() -> None:
    """The settings module named, and argparse's and Django's words of every command's help in
    French (`capsante.console_words`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsante.settings")
    # lazy: imports Django, which reads its settings module when imported: named above.
    from capsante import console_words

    console_words.install()


def writes_a_pdf(arguments: list[str]) -> bool:
    """Whether the command asked is `report` with a PDF for output (`capsante report roadmap
    --territory 72 --output r.pdf`)."""
    if arguments[:1] != ["report"]:
        return False
    for index, argument in enumerate(arguments):
        if argument.startswith("--output="):
            output = argument.removeprefix("--output=")
        elif argument == "--output" and index + 1 < len(arguments):
            output = arguments[index + 1]
        else:
            continue
        return output.lower().endswith(".pdf")
    return False


def main() -> None:
    if writes_a_pdf(sys.argv[1:]):
        # WeasyPrint imported in another process while Django starts here (decision 0035).
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsante.settings")
        from capsante.ui import pdf  # lazy: only for a PDF; reads settings when it lays out

        pdf.start_layout_process()
    prepare()
    # lazy: Django reads its settings module when imported, so only after it is named.
    from django.core.management import ManagementUtility, get_commands

    from capsante import console_words  # lazy: imports Django, as above

    class Capsante(ManagementUtility):
        def main_help_text(self, commands_only=False):
            """`capsante help`: the platform's commands first, then Django's and its modules'."""
            commands = get_commands()
            if commands_only:
                return "\n".join(sorted(commands))
            ours = sorted(name for name, app in commands.items() if app.startswith("capsante."))
            others = sorted(name for name in commands if name not in ours)
            return "\n".join(
                [
                    "Utilisation : capsante <commande> [options] ;"
                    " l’aide d’une commande : capsante help <commande>",
                    "",
                    "Commandes de Cap e-santé :",
                    *(f"    {name}" for name in ours),
                    "",
                    "Commandes de Django et de ses modules :",
                    *(f"    {name}" for name in others),
                ]
            )

        def fetch_command(self, subcommand):
            known = get_commands()
            if subcommand not in known:
                close = get_close_matches(subcommand, known)
                hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
                sys.stderr.write(
                    f"Commande inconnue : « {subcommand} ».{hint} La liste : capsante help\n"
                )
                sys.exit(1)
            command = super().fetch_command(subcommand)
            app = known[subcommand]
            if not app.startswith("capsante.") or app == "capsante.console":
                # Django's commands (capsante.console holds Django's own) and its modules'
                # write their lines in English. Ours write French, and data too (a roadmap's
                # YAML, JSON), which must go out as it is.
                command.stdout = console_words.FrenchOutput.instead_of(command.stdout)
            command.stderr = console_words.FrenchOutput.instead_of(command.stderr)
            return command

    try:
        Capsante(["capsante", *sys.argv[1:]]).execute()
    finally:
        if writes_a_pdf(sys.argv[1:]):
            from capsante.ui import pdf  # lazy: imported above for a PDF only

            pdf.stop_layout_process()  # its document read back, or an error before it
        # At exit Python collects garbage again and again while it empties its modules, each
        # time walking every object the command made: a tenth of a second after a command's
        # last line (bench/RESULTS.md, *Commands*, 4 December). Frozen, they are left to the
        # system, which takes back the whole memory anyway; files are closed by then.
        gc.freeze()


if __name__ == "__main__":
    main()
