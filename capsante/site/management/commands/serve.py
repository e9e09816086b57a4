"""`capsante serve`: the web server of `make run` — Django's development server, without
reloading — saying in French where it answers. In production gunicorn serves the platform
(docs/exploitation/)."""

from django.contrib.staticfiles.management.commands.runserver import Command as RunServer


class Command(RunServer):
    help = (
        "Sert la plateforme sur cette machine, pour la démonstration ou un essai "
        "(en production : gunicorn, voir docs/exploitation/)."
    )

    def inner_run(self, *args, **options):
        # The system checks run without Django's English lines; a problem still stops the
        # server, with its message.
        self.check()
        super().inner_run(*args, **{**options, "skip_checks": True})

    def on_bind(self, server_port):
        self.stdout.write(
            f"Serveur en marche sur {self.protocol}://{self.addr}:{server_port}/"
            " (Ctrl+C pour l’arrêter). C’est le serveur d’essai de Django : en production,"
            " gunicorn sert la plateforme (docs/exploitation/)."
        )
        self.stdout.flush()  # at once, even when the output goes to a file or a pipe
