"""A platform of its own for tests that run real processes (workers, commands, a web server):
a data folder and a database — a SQLite file, or a PostgreSQL database on the server the suite
runs on — migrated once per test session, then copied for each test."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq

CAPSANTE = str(Path(sys.executable).parent / "capsante")


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _admin_sql(url: str, sql: str) -> None:
    base = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(sql)


# A mail queued on a site (`Site.python`), and the count of mail jobs done: a job that any
# worker runs in a moment.
QUEUE_A_MAIL = """
import json
from capsante.outbox import services
services.queue_mail("test", "Essai", "Un courriel", ["personne@example.org"])
print(json.dumps(1))
"""
MAILS_SENT = "select count(*) from jobs_job where kind = 'mail' and status = 'succeeded'"


class Site:
    def __init__(self, root: Path, database_url: str | None):
        self.root, self.database_url = root, database_url
        self.data = root / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.staging = self.data / "staging"
        self.uploads = self.data / "tmp"
        self.processes: list[subprocess.Popen] = []

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST", "DJANGO_SETTINGS")) and k != "DATABASE_URL"
        }
        env.update(CAPSANTE_DATA_DIR=str(self.data), LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 600, env=None):
        result = subprocess.run(
            [CAPSANTE, *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"capsante {' '.join(args)} : code {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
        return result

    def start(self, *args: str, env=None, log: str | None = None) -> subprocess.Popen:
        output = open(self.root / (log or f"{args[0]}-{uuid.uuid4().hex[:6]}.log"), "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [CAPSANTE, *args],
            env={**self.env, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start_command(
        self, command: list[str], env=None, log: str = "process.log"
    ) -> subprocess.Popen:
        """Start any program (gunicorn…) with the site's environment."""
        output = open(self.root / log, "wb")  # noqa: SIM115
        process = subprocess.Popen(
            command,
            env={**self.env, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def python(self, code: str) -> object:
        """Run code in the site's Django (`capsante shell`); it prints one JSON value last."""
        result = self.run("shell", "-c", code)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def sql(self, query: str) -> list[tuple]:
        """Read the site's database directly (no Django start: fast enough to poll)."""
        if self.database_url:
            with psycopg.connect(self.database_url.replace("postgres://", "postgresql://")) as db:
                return db.execute(query).fetchall()
        with sqlite3.connect(self.data / "capsante.sqlite3", timeout=30) as db:
            return db.execute(query).fetchall()

    def staging_hashes(self) -> dict[str, str]:
        """Every file of the staged tables, by path, with its SHA-256."""
        if not self.staging.exists():
            return {}
        return {
            str(p.relative_to(self.staging)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.staging.rglob("*"))
            if p.is_file()
        }

    def staged_rows(self, table: str) -> pa.Table:
        parts = []
        for path in sorted((self.staging / table).glob("period=*/data.parquet")):
            data = pq.read_table(path)
            period = path.parent.name.split("=", 1)[1]
            parts.append(data.append_column("period", pa.array([period] * data.num_rows)))
        return pa.concat_tables(parts) if parts else pa.table({})

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


class SiteTemplate:
    """Migrated once; each test gets a copy (a file copy, or CREATE DATABASE … TEMPLATE).

    The suite's own test database has just been migrated the same way: when it is given and
    holds nothing but what migrating left (no test's transaction open), the template is a copy
    of it rather than a second `capsante migrate` in a process of its own (40–60 s a pass)."""

    def __init__(self, root: Path, test_database: Any = None):
        self.root = root
        self.url = _postgres_url()
        self.template_db = f"capsante_tpl_{os.getpid()}" if self.url else None
        self.copies: list[str] = []
        started = time.monotonic()
        template = Site(root / "template", self._url(self.template_db))
        self.copied = test_database is not None and self._copy(test_database, template)
        if not self.copied:
            if self.url:
                _admin_sql(self.url, f'CREATE DATABASE "{self.template_db}"')
            template.run("migrate", "--no-input", "-v0")
        self.data = template.data
        self.seconds = time.monotonic() - started

    def _copy(self, connection: Any, template: Site) -> bool:
        """The test database copied as it is; False where it cannot be (then it is migrated)."""
        if connection.in_atomic_block:
            return False
        if self.url:
            source = connection.settings_dict["NAME"]
            connection.close()  # PostgreSQL copies a database nobody is connected to
            try:
                _admin_sql(self.url, f'CREATE DATABASE "{self.template_db}" TEMPLATE "{source}"')
            except psycopg.errors.ObjectInUse:
                return False
            return True
        connection.ensure_connection()
        target = sqlite3.connect(template.data / "capsante.sqlite3")
        try:
            connection.connection.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # as the platform's own file is
        finally:
            target.close()
        return True

    def _url(self, name: str | None) -> str | None:
        return None if not self.url or not name else self.url.rsplit("/", 1)[0] + "/" + name

    def new(self, root: Path) -> Site:
        name = None
        if self.url:
            name = f"capsante_t_{uuid.uuid4().hex[:10]}"
            _admin_sql(self.url, f'CREATE DATABASE "{name}" TEMPLATE "{self.template_db}"')
            self.copies.append(name)
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.data, root / "data")
        return Site(root, self._url(name))

    def drop(self, site: Site) -> None:
        site.stop_all()
        if self.url and site.database_url:
            name = site.database_url.rsplit("/", 1)[1]
            _admin_sql(self.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.url:
            _admin_sql(self.url, f'DROP DATABASE IF EXISTS "{self.template_db}" WITH (FORCE)')


def am_documents_file(path: Path, *, months: int, communes: list[str], shift: int = 0) -> Path:
    """A large Assurance Maladie file of DMP documents in its real format (`;` CSV, French
    headers), one row per commune × month × document type; `shift` changes every count."""
    types = ("11502-2", "57833-6", "18748-4", "11488-4")
    with path.open("w", encoding="utf-8") as handle:
        handle.write("code_commune;mois;type_document;documents\n")
        for month in range(months):
            period = f"{2015 + month // 12}-{month % 12 + 1:02d}"
            for number, commune in enumerate(communes):
                for kind in types:
                    count = (number * 7 + month * 3 + len(kind) * 11 + shift) % 997
                    handle.write(f"{commune};{period};{kind};{count}\n")
    return path


def communes(departement: str, count: int) -> list[str]:
    return [f"{departement}{n:03d}" for n in range(1, count + 1)]


def large_finess_file(source: Path, path: Path, copies: int) -> Path:
    """A FINESS extract in its real format (Etalab, Latin-1) made of `copies` copies of a
    generated one, each establishment under a new number of its département."""
    lines = source.read_text(encoding="latin-1").splitlines()
    taken: set[str] = set()
    renumbered: dict[tuple[int, str], str] = {}

    def number(copy: int, old: str) -> str:
        if (copy, old) not in renumbered:
            candidate = int(old[2:]) + copy * 7919
            while f"{old[:2]}{candidate % 10**7:07d}" in taken:
                candidate += 1
            renumbered[(copy, old)] = f"{old[:2]}{candidate % 10**7:07d}"
            taken.add(renumbered[(copy, old)])
        return renumbered[(copy, old)]

    out = [lines[0]]
    for copy in range(copies):
        for line in lines[1:]:
            fields = line.split(";")
            if fields[0] in ("structureet", "geolocalisation"):
                fields[1] = number(copy, fields[1])
            out.append(";".join(fields))
    path.write_text("\n".join(out) + "\n", encoding="latin-1")
    return path
