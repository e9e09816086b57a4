"""The platform as `make run` serves it: its own server process, debugging off, static files
collected and served by WhiteNoise, plain http on 127.0.0.1. Seen in a real browser."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SAID: dict[str, Path] = {}  # what each server wrote on its standard output
LOGGED: dict[str, Path] = {}  # and on its standard error (its log)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory, request):
    """`make run`'s steps (migrate, collectstatic, serve) with `make run`'s environment.

    The data folder starts from the suite's migrated template (a copy of its SQLite file, as a
    second `make run` finds it): migrate then checks every migration and applies none, instead
    of spending a minute creating the tables once more. Asked for by name, so that the
    PostgreSQL pass, which runs the tests that reach a database, does not take this one."""
    data = tmp_path_factory.mktemp("donnees")
    template = request.getfixturevalue("site_template")
    if template.url is None:
        shutil.copytree(template.data, data, dirs_exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAPSANTE_", "DJANGO_"))
        and k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    env.update(CAPSANTE_DATA_DIR=str(data), CAPSANTE_HTTPS="false")
    command = [sys.executable, "-c", "from capsante.cli import main; main()"]
    for step in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([*command, *step], env=env, cwd=ROOT, check=True, timeout=300)
    port = _free_port()
    said = data / "serve.out"
    logged = data / "serve.err"
    output, log = said.open("w"), logged.open("w")
    server = subprocess.Popen(
        [*command, "serve", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=log,
    )
    SAID[f"http://127.0.0.1:{port}"], LOGGED[f"http://127.0.0.1:{port}"] = said, logged
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)
    output.close()
    log.close()


def test_the_demo_server_is_styled_with_debugging_off(served, page):
    stylesheets = []
    page.on(
        "response",
        lambda r: stylesheets.append((r.url, r.status)) if r.url.endswith(".css") else None,
    )
    response = page.goto(served + "/")
    assert response.status == 200
    # The DSFR stylesheet, collected and served by the platform itself, applies.
    assert any("/static/dsfr/" in url and status == 200 for url, status in stylesheets)
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.fr-header')).display") != "inline"
    )
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Marianne")
    # An unknown page is the site's own 404, in French, not Django's debugging page.
    missing = page.goto(served + "/pas-de-page-ici/")
    assert missing.status == 404
    assert page.locator("h1").inner_text() == "Page non trouvée"
    assert "URLconf" not in page.content() and "DEBUG = True" not in page.content()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.fr-header')).display") != "inline"
    )


def test_the_demo_server_says_in_french_where_it_answers(served, page):
    assert page.goto(served + "/").status == 200
    said = SAID[served].read_text(encoding="utf-8")
    assert f"Serveur en marche sur {served}/ (Ctrl+C pour l’arrêter)." in said
    # None of the development server's English lines (its checks, version, warning).
    assert "Performing system checks" not in said and "Starting development server" not in said


def test_the_demo_server_s_log_is_in_french(served):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(served + "/nulle-part/", timeout=30)  # noqa: S310 - our server
    assert refused.value.code == 404
    deadline = time.monotonic() + 10
    while "/nulle-part/ HTTP" not in LOGGED[served].read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = LOGGED[served].read_text()
    when = r"\d\d/\d\d/20\d\d \d\d:\d\d:\d\d"
    # Django wrote « Not Found: /nulle-part/ » and dated its request lines « [04/Dec/2026 …] ».
    assert re.search(rf"^{when} attention django\.request : page introuvable : /nulle-part/$",
                     log, re.MULTILINE), log  # fmt: skip
    assert re.search(rf'^{when} attention django\.server : "GET /nulle-part/ HTTP/1\.1" 404 ',
                     log, re.MULTILINE), log  # fmt: skip
    assert "Not Found" not in log and "/Dec/" not in log and "WARNING" not in log
