"""One archive of the platform: its database, its staged tables and its configuration.

`create(archive)` writes a tar (gzip-compressed when its name ends with .gz or .tgz) holding:

- ``manifest.json`` first: format and version, the platform's version, the date, the database's
  engine and applied migrations, and the SHA-256 and size of every other member;
- ``database/capsante.sqlite3`` (SQLite's online backup API: a consistent copy while the
  platform runs) or ``database/capsante.dump`` (``pg_dump --format=custom``: one snapshot);
- ``staging/…``: every file of the staged tables (Parquet), as the indicator engine reads them;
- ``configuration/environment.json``: the platform's environment variables, secrets masked
  unless asked for; then ``configuration/secret_key`` too.

The database and the staged tables agree: the backup holds the lock of every staged table
(jobs.locks) from the database's copy to the last staged file, so no import writes between them.
Uploaded files are not kept (they are deleted after their import); no table holds a patient's
identity (counts only), so the archive holds none either.

`restore(archive)` first reads the whole archive and checks every member against its manifest:
a missing, extra, unsafe or altered member, or an unreadable archive, is refused with a French
message and nothing is changed. It restores only into an empty database and an empty staging
folder (a new server, or after `dropdb`/`createdb`), of the same engine. The staged files are
unpacked beside their folder, then the database is loaded in one transaction
(``pg_restore --single-transaction``, or SQLite's file put in place by one rename), then the
staged folder is renamed into place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from capsante.ingest.staging import StagingStore
from capsante.jobs import locks
from capsante.jobs.models import StagingLock, Worker

log = logging.getLogger(__name__)

FORMAT = "capsante-sauvegarde"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/capsante.sqlite3"
POSTGRES_MEMBER = "database/capsante.dump"
ENVIRONMENT_MEMBER = "configuration/environment.json"
SECRET_KEY_MEMBER = "configuration/secret_key"
STAGING_PREFIX = "staging/"
CHUNK = 1024 * 1024
MASKED = "(secret : non sauvegardé)"

# The environment variables the settings read (capsante/settings.py), beside every CAPSANTE_*.
SETTINGS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DB_CONN_MAX_AGE",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
    "SERVER_EMAIL",
    "LOG_LEVEL",
    "SENTRY_DSN",
)
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|DSN|_KEY$", re.IGNORECASE)


class BackupError(Exception):
    """What went wrong, in French, for the operator; nothing was changed."""


@dataclass
class Manifest:
    data: dict

    @property
    def members(self) -> dict[str, dict]:
        return self.data["members"]

    @property
    def engine(self) -> str:
        return self.data["database"]["engine"]

    @property
    def staged_files(self) -> list[str]:
        return sorted(name for name in self.members if name.startswith(STAGING_PREFIX))


@dataclass
class RestoreReport:
    manifest: Manifest
    staged_files: int
    migrations_to_apply: int
    secret_key_restored: bool
    environment_differences: list[str] = field(default_factory=list)


# -- backup


def create(archive: str | os.PathLike[str], *, with_secrets: bool = False) -> Manifest:
    """Write the archive (complete, or not at all) and return its manifest."""
    archive = Path(archive)
    if archive.exists():
        raise BackupError(f"{archive} existe déjà : choisissez un autre nom, rien n'est écrasé.")
    archive.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[DEFAULT_DB_ALIAS]
    engine = _engine(connection)
    staging_dir = Path(settings.STAGING_DIR)
    work = Path(tempfile.mkdtemp(prefix=".capsante-sauvegarde-", dir=archive.parent))
    try:
        tables = sorted(
            set(StagingStore(staging_dir).tables())
            | set(StagingLock.objects.values_list("table", flat=True))
        )
        # Every staged table held: no import writes between the database's copy and the files.
        with locks.staging_lock(tables, "sauvegarde") as lease:
            members: dict[str, Path] = {}
            if engine == "sqlite":
                members[SQLITE_MEMBER] = _dump_sqlite(connection, work / "capsante.sqlite3")
            else:
                members[POSTGRES_MEMBER] = _dump_postgres(connection, work / "capsante.dump")
            applied = _applied_migrations(connection)
            for path in _staged_files(staging_dir):
                members[STAGING_PREFIX + path.relative_to(staging_dir).as_posix()] = path
            environment = work / "environment.json"
            environment.write_text(
                json.dumps(environment_variables(with_secrets), indent=2, ensure_ascii=False),
                encoding="utf-8",
            )
            members[ENVIRONMENT_MEMBER] = environment
            key = Path(settings.DATA_DIR) / "secret_key"
            if with_secrets and key.is_file():
                members[SECRET_KEY_MEMBER] = key
            manifest = Manifest(
                {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "capsante_version": _version(),
                    "created_at": timezone.now().isoformat(timespec="seconds"),
                    "database": {"engine": engine, "migrations": applied},
                    "staging": {"tables": tables},
                    "with_secrets": with_secrets,
                    # The backup's own locks are in its copy of the database: restore frees them.
                    "lock_token": lease.token,
                    "members": {name: _describe(path) for name, path in members.items()},
                }
            )
            _write_tar(archive, work / "archive.partial", manifest, members)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _engine(connection) -> str:
    if connection.vendor in ("sqlite", "postgresql"):
        return connection.vendor
    raise BackupError(
        f"Base de données {connection.vendor} : seules SQLite et PostgreSQL sont prises en charge."
    )


def _dump_sqlite(connection, target: Path) -> Path:
    """SQLite's online backup API, through the platform's own connection: a consistent copy,
    even while the web server and the worker write."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        with connection.wrap_database_errors:
            connection.connection.backup(copy)
    finally:
        copy.close()
    return target


def _postgres_env(connection) -> dict[str, str]:
    """libpq's variables for the connection's settings (host, port, user, password, sslmode…):
    nothing on the command line, where another user of the machine could read a password."""
    _, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    env = dict(env or {})
    db = connection.settings_dict
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return {**os.environ, **env}


def postgres_program(name: str) -> str:
    """pg_dump or pg_restore: CAPSANTE_PG_BIN's, else the PATH's, else the newest of Debian's
    /usr/lib/postgresql/<version>/bin."""
    folder = os.environ.get("CAPSANTE_PG_BIN")
    if folder:
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
        raise BackupError(f"{name} est introuvable dans CAPSANTE_PG_BIN ({folder}).")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    raise BackupError(
        f"{name} est introuvable : installez le client PostgreSQL (paquet postgresql-client) "
        "de la version du serveur, ou donnez son dossier dans CAPSANTE_PG_BIN."
    )


def _run_postgres(connection, args: list[str], what: str) -> None:
    # pg_dump or pg_restore by its path, fixed arguments, no shell.
    env = _postgres_env(connection)
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{what} a échoué (code {result.returncode}) : {result.stderr.strip()}")


def _dump_postgres(connection, target: Path) -> Path:
    _run_postgres(
        connection,
        [
            postgres_program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
        ],
        "pg_dump",
    )
    return target


def _applied_migrations(connection) -> list[str]:
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def _staged_files(staging_dir: Path) -> Iterator[Path]:
    """The staged tables' files: hidden names (backups, temporary files) and links left out."""
    if not staging_dir.is_dir():
        return
    for root, directories, files in os.walk(staging_dir):
        directories[:] = sorted(d for d in directories if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path


def environment_variables(with_secrets: bool) -> dict[str, str]:
    names = sorted(
        {n for n in os.environ if n.startswith("CAPSANTE_")}
        | {n for n in SETTINGS_VARIABLES if n in os.environ}
    )
    return {name: _shown(name, os.environ[name], with_secrets) for name in names}


def _shown(name: str, value: str, with_secrets: bool) -> str:
    if with_secrets:
        return value
    if name == "DATABASE_URL":
        # The address stays, its password goes.
        return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:" + MASKED + "@", value)
    return MASKED if _SECRET_NAME.search(name) else value


def _version() -> str:
    try:
        return importlib.metadata.version("capsante")
    except importlib.metadata.PackageNotFoundError:
        return "inconnue"


def _sha256(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _describe(path: Path) -> dict:
    with open(path, "rb") as handle:
        digest, size = _sha256(handle)
    return {"sha256": digest, "size": size}


def _tar_mode(path: Path, reading: bool) -> str:
    compressed = path.name.endswith((".gz", ".tgz"))
    if reading:
        return "r:*"
    return "w:gz" if compressed else "w"


def _info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info


def _write_tar(archive: Path, partial: Path, manifest: Manifest, members: dict[str, Path]) -> None:
    mtime = dt.datetime.fromisoformat(manifest.data["created_at"]).timestamp()
    body = json.dumps(manifest.data, indent=2, ensure_ascii=False).encode("utf-8")
    with tarfile.open(partial, _tar_mode(archive, reading=False)) as tar:
        tar.addfile(_info(MANIFEST, len(body), mtime), io.BytesIO(body))
        for name, path in members.items():
            with open(path, "rb") as handle:
                tar.addfile(_info(name, manifest.members[name]["size"], mtime), handle)
    os.chmod(partial, 0o600)  # the platform's data: readable by its user only
    # Hashed and packed from the same unchanged files (held by the locks): now whole, named.
    os.replace(partial, archive)


# -- restore


def read_manifest(archive: str | os.PathLike[str]) -> Manifest:
    """Read the archive through and check every member against the manifest; raise
    BackupError (in French) on the first fault. Writes nothing."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Archive introuvable : {archive}.")
    try:
        with tarfile.open(archive, "r:*") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(
                    f"{archive.name} n'est pas une sauvegarde de Cap e-santé : "
                    f"elle ne commence pas par {MANIFEST}."
                )
            manifest = _parse_manifest(archive, tar.extractfile(first).read())  # type: ignore[union-attr]
            seen: set[str] = set()
            for member in tar:  # from the first member again
                if member is first:
                    continue
                name = _checked_name(archive, member, manifest)
                if name in seen:
                    raise BackupError(
                        f"{archive.name} contient deux fois {name} : archive refusée."
                    )
                seen.add(name)
                digest, size = _sha256(tar.extractfile(member))
                _compare(archive, name, manifest.members[name], digest, size)
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise BackupError(
            f"{archive.name} est illisible (tronquée ou abîmée) : {error}. Rien n'a été modifié."
        ) from error
    missing = sorted(set(manifest.members) - seen)
    if missing:
        raise BackupError(
            f"{archive.name} est incomplète : il y manque {', '.join(missing[:5])}"
            f"{' …' if len(missing) > 5 else ''}. Rien n'a été modifié."
        )
    return manifest


def _parse_manifest(archive: Path, raw: bytes) -> Manifest:
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise BackupError(f"Le manifeste de {archive.name} est illisible : {error}.") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{archive.name} n'est pas une sauvegarde de Cap e-santé.")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive.name} est au format {data.get('format_version')}, cette version de la "
            f"plateforme lit le format {FORMAT_VERSION}."
        )
    return Manifest(data)


def _checked_name(archive: Path, member: tarfile.TarInfo, manifest: Manifest) -> str:
    name = member.name
    path = PurePosixPath(name)
    if (
        not member.isfile()
        or path.is_absolute()
        or ".." in path.parts
        or name.startswith("/")
        or str(path) != name
    ):
        raise BackupError(
            f"{archive.name} contient « {name} », qui n'est pas un fichier à sa place "
            "(lien, dossier ou chemin hors de l'archive) : archive refusée, rien n'a été modifié."
        )
    if name not in manifest.members:
        raise BackupError(
            f"{archive.name} contient « {name} », que son manifeste ne cite pas : archive "
            "refusée, rien n'a été modifié."
        )
    return name


def _compare(archive: Path, name: str, expected: dict, digest: str, size: int) -> None:
    if digest != expected["sha256"] or size != expected["size"]:
        raise BackupError(
            f"{archive.name} est altérée : le fichier {name} n'a pas l'empreinte SHA-256 notée "
            "dans le manifeste. Restauration refusée, rien n'a été modifié."
        )


def restore(archive: str | os.PathLike[str]) -> RestoreReport:
    """Restore the archive into the platform's empty database and staging folder."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    connection = connections[DEFAULT_DB_ALIAS]
    engine = _engine(connection)
    if manifest.engine != engine:
        raise BackupError(
            f"{archive.name} sauvegarde une base {manifest.engine}, la plateforme est configurée "
            f"sur {engine} : restaurez-la sur le même moteur. Rien n'a été modifié."
        )
    pending = _check_migrations(manifest, connection)
    staging_dir = Path(settings.STAGING_DIR)
    _check_empty(connection, engine, staging_dir)

    staging_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".capsante-restauration-", dir=staging_dir.parent))
    try:
        unpacked = _unpack(archive, manifest, work)
        if engine == "sqlite":
            _load_sqlite(connection, unpacked[SQLITE_MEMBER])
        else:
            _load_postgres(connection, unpacked[POSTGRES_MEMBER])
        # The database holds the data from here: the staged files join it.
        if staging_dir.exists():
            staging_dir.rmdir()  # checked empty above
        os.replace(work / "staging", staging_dir)
        secret_key = SECRET_KEY_MEMBER in unpacked
        if secret_key:
            key = Path(settings.DATA_DIR) / "secret_key"
            os.replace(unpacked[SECRET_KEY_MEMBER], key)
            os.chmod(key, 0o600)
        environment = json.loads(unpacked[ENVIRONMENT_MEMBER].read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _after_load(manifest)
    return RestoreReport(
        manifest=manifest,
        staged_files=len(manifest.staged_files),
        migrations_to_apply=pending,
        secret_key_restored=secret_key,
        environment_differences=_differences(environment),
    )


def _check_migrations(manifest: Manifest, connection) -> int:
    """An archive from a newer platform is refused (its tables would not match this code);
    from an older one, `capsante migrate` brings it up to date after the restore."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    archived = set(manifest.data["database"]["migrations"])
    unknown = sorted(archived - known)
    if unknown:
        raise BackupError(
            "L'archive vient d'une version plus récente de la plateforme "
            f"({manifest.data.get('capsante_version')}) : migrations inconnues de celle-ci "
            f"({', '.join(unknown[:3])}{' …' if len(unknown) > 3 else ''}). Installez une "
            "version au moins aussi récente, puis restaurez. Rien n'a été modifié."
        )
    return len(known - archived)


def _check_empty(connection, engine: str, staging_dir: Path) -> None:
    if engine == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        tables = _sqlite_tables(path) if path.exists() else []
    else:
        tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"La base de données n'est pas vide ({len(tables)} tables, dont "
            f"{', '.join(sorted(tables)[:3])}) : la restauration se fait dans une base vide "
            "(nouvelle base créée par createdb, ou fichier SQLite absent). Rien n'a été modifié."
        )
    if staging_dir.exists() and any(staging_dir.iterdir()):
        raise BackupError(
            f"Le dossier des tables préparées ({staging_dir}) n'est pas vide : la restauration "
            "se fait dans un dossier vide ou absent. Rien n'a été modifié."
        )


def _sqlite_tables(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [name for (name,) in rows]


def _unpack(archive: Path, manifest: Manifest, work: Path) -> dict[str, Path]:
    """Every member into `work`, hashed again on the way (the archive could have changed since
    it was checked)."""
    (work / "staging").mkdir()
    unpacked: dict[str, Path] = {}
    with tarfile.open(archive, "r:*") as tar:
        for number, member in enumerate(tar):
            if number == 0:  # the manifest, read already
                continue
            name = _checked_name(archive, member, manifest)
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            digest, size = hashlib.sha256(), 0
            with open(target, "wb") as out:
                while chunk := source.read(CHUNK):  # type: ignore[union-attr]
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            _compare(archive, name, manifest.members[name], digest.hexdigest(), size)
            unpacked[name] = target
    return unpacked


def _load_sqlite(connection, copy: Path) -> None:
    with sqlite3.connect(copy) as db:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(
            f"La copie SQLite de l'archive est abîmée : {check}. Rien n'a été modifié."
        )
    connection.close()
    target = Path(connection.settings_dict["NAME"])
    for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        leftover.unlink(missing_ok=True)  # an empty file, checked above
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(copy, target)
    os.chmod(target, 0o600)


def _load_postgres(connection, dump: Path) -> None:
    connection.close()
    _run_postgres(
        connection,
        [
            postgres_program("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        "pg_restore",
    )


def _after_load(manifest: Manifest) -> None:
    """What was true of the saved platform's processes is not of this one: the backup's own
    locks are freed, its workers forgotten (jobs left running are found by the worker's
    recovery at its start)."""
    locks.release(manifest.data["lock_token"])
    Worker.objects.all().delete()


def _differences(environment: dict[str, str]) -> list[str]:
    lines = []
    for name, saved in sorted(environment.items()):
        current = os.environ.get(name)
        if saved == MASKED or (MASKED in saved and current is not None):
            continue
        if current != saved:
            lines.append(f"{name} : sauvegardé « {saved} », ici « {current or '(absent)'} »")
    return lines
