"""The settings as a server starts with them, each in its own process (pytest-django forces
DEBUG off in-process, which would hide the defaults)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def capsante(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run the `capsante` command with only the given variables of ours set."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAPSANTE_", "DJANGO_"))
        and k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", "from capsante.cli import main; main()", *args],
        env={**clean, "CAPSANTE_DATA_DIR": str(data_dir), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_django_deploy_checks(tmp_path):
    production = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "capsante.example.fr",
        "CAPSANTE_SECURE_COOKIES": "true",
        "CAPSANTE_PROXY_SSL_HEADER": "X-Forwarded-Proto=https",
    }
    run = capsante(tmp_path, "check", "--deploy", "--fail-level", "DEBUG", **production)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Vérification du système : aucun problème" in run.stdout


def test_with_no_variable_at_all_the_defaults_are_production_safe(tmp_path):
    run = capsante(tmp_path, "check", "--deploy", "--fail-level", "DEBUG")
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_deployment_check_names_in_french_the_variable_to_set(tmp_path):
    """`capsante check --deploy` with the development mode left on and plain http: Django's
    English warnings (« You should not have DEBUG set to True in deployment. ») said in French,
    each with the platform's variable that puts it right."""
    run = capsante(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", DEBUG="true",
        CAPSANTE_HTTPS="false", ALLOWED_HOSTS="capsante.example.fr",
    )  # fmt: skip
    assert run.returncode == 1
    said = run.stderr
    assert said.startswith("Erreur : La vérification du système relève :\n\nAVERTISSEMENTS :\n")
    assert "(security.W018) Le mode développement est activé en production : retirer la" in said
    assert "(security.W012) Le cookie de session n’est pas réservé à HTTPS :" in said
    assert "CAPSANTE_SECURE_COOKIES=true" in said
    assert "Vérification du système : 5\N{NO-BREAK SPACE}problèmes" in said
    for english in ("You should not", "System check", "WARNINGS", "SystemCheckError", "?: "):
        assert english not in said, said


def test_the_generated_secret_key_is_kept_so_sessions_survive_a_restart(tmp_path):
    signed = capsante(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        "from django.core import signing; print(signing.dumps('session'))",
    )
    assert signed.returncode == 0, signed.stderr
    token = signed.stdout.strip()
    read = capsante(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        f"from django.core import signing; print(signing.loads('{token}'))",
    )
    assert read.stdout.strip() == "session", read.stderr
    key = tmp_path / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600  # readable by the service's user only


def test_the_key_file_appears_only_with_its_whole_key(tmp_path, monkeypatch):
    """`make run` starts its server and its worker at once on a new data folder. The key file
    was created empty, then written: a process starting in between read an empty file and
    stopped (« holds no usable secret key », seen when a test's worker and shell started
    together). Now no process can find the file before its key is whole in it."""
    from capsante import settings as platform_settings

    found_while_drawing = []
    draw = secrets.token_urlsafe

    def drawn(length):
        found_while_drawing.append((tmp_path / "secret_key").exists())
        return draw(length)

    monkeypatch.setattr(platform_settings.secrets, "token_urlsafe", drawn)
    key = platform_settings.stored_secret_key(tmp_path)
    assert found_while_drawing == [False]
    assert len(key) >= 50 and (tmp_path / "secret_key").read_text() == key
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no draft left
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert platform_settings.stored_secret_key(tmp_path) == key  # kept, not drawn again


def test_the_local_demo_runs_on_plain_http(tmp_path):
    """`make run` sets CAPSANTE_HTTPS=false: no redirect to https, cookies over http."""
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    run = capsante(tmp_path, "shell", "--no-imports", "-c", code, CAPSANTE_HTTPS="false")
    assert run.stdout.split() == ["False", "False", "False", "0"], run.stderr


def test_a_tile_server_for_the_directory_map_is_admitted_by_the_content_security_policy(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    tiles = "https://{s}.tuiles.ars.example.fr/{z}/{x}/{y}.png"
    run = capsante(
        tmp_path, "shell", "--no-imports", "-c", code, CAPSANTE_DIRECTORY_MAP_TILES=tiles
    )
    assert run.stdout.strip() == "[\"'self'\", 'data:', 'https://*.tuiles.ars.example.fr']", (
        run.stderr
    )
    plain = capsante(tmp_path, "shell", "--no-imports", "-c", code)
    assert plain.stdout.strip() == "[\"'self'\", 'data:']"
