"""`capsante createsuperuser` as the installation guide has the operator run it, in a terminal:
its questions in French, a French answer understood, and the account made."""

import os
import pty
import select
import time

from capsante.jobs.tests.sites import CAPSANTE

STRONG = "Tr3s-long-mot-de-passe-2026"


def converse(site, answers: list[tuple[str, str]]) -> str:
    """Run the command in a pseudo-terminal; answer each question once it has been asked."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command, as typed at a terminal
        os.execve(CAPSANTE, [CAPSANTE, "createsuperuser"], site.env)
    screen, deadline = "", time.monotonic() + 120
    while time.monotonic() < deadline:
        if answers and screen.rstrip().endswith(answers[0][0]):
            os.write(terminal, answers.pop(0)[1].encode() + b"\n")
        if not select.select([terminal], [], [], 0.2)[0]:
            continue
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the command has ended
            break
        if not chunk:
            break
        screen += chunk.decode(errors="replace").replace("\r\n", "\n")
    os.waitpid(pid, 0)
    return screen


def test_the_first_administrator_is_asked_for_in_french(live_site):
    screen = converse(
        live_site,
        [
            ("Nom d’utilisateur (laissé vide : root) :", "admin.regional"),
            ("Adresse électronique :", "admin@ars.example.fr"),
            ("Mot de passe :", "court"),
            ("Mot de passe, encore :", "autre"),
            ("Mot de passe :", "court"),
            ("Mot de passe, encore :", "court"),
            ("Créer le compte malgré tout ? [o/N] :", "n"),
            ("Mot de passe :", STRONG),
            ("Mot de passe, encore :", STRONG),
        ],
    )
    assert "Erreur : Les deux mots de passe diffèrent." in screen, screen
    assert "Super-utilisateur créé." in screen, screen
    for english in ("Password", "leave blank", "Bypass", "Error", "Superuser"):
        assert english not in screen, screen
    assert live_site.sql(
        "select is_superuser, email from auth_user where username = 'admin.regional'"
    ) == [(True, "admin@ars.example.fr")]
