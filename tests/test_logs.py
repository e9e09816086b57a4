"""The readable log format (`make run`'s console, CAPSANTE_LOG_FORMAT=text) in French: a date
the French way, the level in a word, the libraries' lines in French; the JSON format keeps the
libraries' words (a record is formatted on a copy). The served demo's own log:
tests/browser/test_served_demo.py; the worker's: capsante/jobs/tests/test_worker_console.py."""

import logging
import os
import subprocess
import sys

import pytest
from django.test import Client

from capsante.logs import FrenchText


def test_a_worker_s_line_in_french_and_the_record_left_as_it_was_for_other_handlers():
    record = logging.LogRecord(
        "django_tasks_db", logging.INFO, __file__, 1, "Starting worker worker_id=%s queues=%s",
        ("vm:12:345", "default"), None,
    )  # fmt: skip
    assert (
        FrenchText()
        .format(record)
        .endswith(" info django_tasks_db : travailleur vm:12:345 en service, file : default")
    )
    assert (record.levelname, record.getMessage()) == (
        "INFO",
        "Starting worker worker_id=vm:12:345 queues=default",
    )


def _said(caplog, logger: str) -> list[str]:
    return [FrenchText().format(r) for r in caplog.records if r.name == logger]


def test_a_site_address_not_allowed_is_said_with_the_setting_to_change(client, caplog):
    """The usual mistake of a new installation: the site's name missing from ALLOWED_HOSTS.
    Its page is « Requête incorrecte » (400): it was « Erreur du service » (500), the page's
    header asking for the person before the request had reached the authentication."""
    response = client.get("/", HTTP_HOST="capsante.exemple.fr")
    assert response.status_code == 400
    assert "La demande n’a pas pu être comprise" in response.content.decode()
    (said,) = _said(caplog, "django.security.DisallowedHost")
    said = said.splitlines()[0]  # then Django's traceback
    assert said.endswith(
        " erreur django.security.DisallowedHost : adresse du site non autorisée :"
        " 'capsante.exemple.fr' (si c’est la sienne, l’ajouter à ALLOWED_HOSTS)"
    ), said


@pytest.mark.django_db
def test_a_form_refused_by_the_csrf_protection_is_said_in_french(caplog):
    refused = Client(enforce_csrf_checks=True).post("/comptes/connexion/", {"username": "x"})
    assert refused.status_code == 403
    (said,) = _said(caplog, "django.security.csrf")
    assert " attention django.security.csrf : requête refusée par la protection CSRF :" in said
    assert said.endswith(
        " /comptes/connexion/ (formulaire expiré ou venu d’un autre site ; Django : CSRF cookie"
        " not set.)"
    ), said


def test_a_dsfr_form_renders_without_the_library_s_english_warning(tmp_path):
    """django-dsfr warns, in English, at every form that the transitional setting we chose
    (optional fields marked, the DSFR's current rule) will go with its next major version: the
    console of `make run` showed it at the first form of each process. Said once in the settings.
    A fresh interpreter, as the server is (pytest's own warning filters left out)."""
    code = (
        "import django\n"
        "django.setup()\n"
        "from django import forms\n"
        "from dsfr.forms import DsfrBaseForm\n"
        "class Contact(DsfrBaseForm):\n"
        "    name = forms.CharField(label='Nom')\n"
        "    phone = forms.CharField(label='Téléphone', required=False)\n"
        "print(Contact())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONWARNINGS")}
    env |= {"DJANGO_SETTINGS_MODULE": "capsante.settings", "CAPSANTE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "(Optionnel)" in done.stdout  # the setting in force
    assert done.stderr == ""
