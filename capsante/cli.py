"""The `capsante` console command: Django's management entry point under our name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capsante.settings")
    # lazy: Django reads its settings module when imported, so only after it is named above.
    from django.core.management import execute_from_command_line

    execute_from_command_line(["capsante", *sys.argv[1:]])


if __name__ == "__main__":
    main()
