"""`capsante backup` then `capsante restore` into an empty database and data folder gives the
same tables, row for row, and the same staged files, byte for byte — on SQLite and on
PostgreSQL (the suite's second pass). A damaged archive is refused and changes nothing."""

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import uuid
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest
from django.core.management import call_command
from django.db import connection

from capsante.indicators import services as indicators
from capsante.ingest import contract
from capsante.ingest.staging import StagingStore
from capsante.jobs.models import Job, StagingLock
from capsante.jobs.tests.sites import Site
from capsante.operations import backups

SECRET = "une-clé-secrète-de-test-" + "x" * 40


def staged_table(root: Path) -> None:
    StagingStore(root).write(
        "am_mes_activations",
        pa.table(
            {
                "period": ["2025-01", "2025-01", "2025-02"],
                "commune_code": ["72181", "53130", "72181"],
                "beneficiaries": [1000, 800, 1010],
                "activated": [300, 200, 320],
                "with_document": [100, 50, 110],
            }
        ),
    )
    schema = contract.table("structures").schema
    row = {name: [None] for name in schema.names}
    row.update(finess_et=["720000001"], name=["Pharmacie du Mans"], departement_code=["72"])
    StagingStore(root).write("structures", pa.table(row, schema=schema))


def file_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def postgres_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"


def read_source(query: str) -> list[tuple]:
    """The test database read by the plain driver (no Django converters), as the target is."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        with sqlite3.connect(name, uri=name.startswith("file:")) as db:
            return db.execute(query).fetchall()
    with psycopg.connect(postgres_url(name)) as db:
        return db.execute(query).fetchall()


def every_table(read) -> dict[str, list[tuple]]:
    tables = connection.introspection.table_names()
    assert len(tables) > 50
    return {t: sorted(read(f'SELECT * FROM "{t}"'), key=repr) for t in tables}  # noqa: S608


@pytest.fixture
def empty_site(tmp_path):
    """A new server's platform: an empty data folder and an empty database."""
    name = None
    if connection.vendor == "postgresql":
        name = f"capsante_restore_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    site = Site(tmp_path / "restored", postgres_url(name) if name else None)
    yield site
    site.stop_all()
    if name:
        with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    return settings.STAGING_DIR


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_site_gives_identical_tables_and_staged_files(
    personas, seeded_roadmaps, staging, empty_site, tmp_path
):
    staged_table(staging)
    indicators.sync_catalogue()
    assert indicators.compute_and_store().rows > 0
    Job.objects.create(kind="test", label="Un travail terminé", status="succeeded")
    archive = tmp_path / "sauvegarde.tar.gz"

    call_command("backup", str(archive), verbosity=0)

    # Nothing held once the backup is done; nothing left beside the archive.
    assert not StagingLock.objects.exclude(token="").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "restored",
        "sauvegarde.tar.gz",
        "staging",
    ]
    assert archive.stat().st_mode & 0o777 == 0o600

    restored = empty_site.run("restore", str(archive))
    assert "Restauré" in restored.stdout, restored.stdout + restored.stderr

    before = every_table(read_source)
    after = every_table(empty_site.sql)
    assert sorted(after) == sorted(before)
    differing = [t for t in before if before[t] != after[t]]
    assert differing == []
    assert len(before["roadmaps_roadmap"]) == 2 and len(before["auth_user"]) >= 5
    assert file_hashes(staging) == empty_site.staging_hashes()
    assert len(empty_site.staging_hashes()) == 3  # two months and one whole table
    # The restored platform is up to date and can run.
    empty_site.run("migrate", "--check", "-v0")


@pytest.mark.django_db(transaction=True)
def test_the_manifest_lists_every_member_with_its_hash(staging, tmp_path):
    staged_table(staging)
    archive = tmp_path / "sauvegarde.tar"
    manifest = backups.create(archive)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert names[0] == "manifest.json"
        written = json.load(tar.extractfile("manifest.json"))
        for name in names[1:]:
            content = tar.extractfile(name).read()
            assert written["members"][name]["sha256"] == hashlib.sha256(content).hexdigest()
    assert written == manifest.data
    assert sorted(names[1:]) == sorted(written["members"])
    assert written["format"] == "capsante-sauvegarde" and written["capsante_version"]
    assert written["database"]["engine"] == connection.vendor
    assert "jobs.0002_worker" in written["database"]["migrations"]
    assert written["staging"]["tables"] == ["am_mes_activations", "structures"]


@pytest.mark.django_db(transaction=True)
def test_secrets_stay_out_of_the_archive_unless_asked(settings, staging, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL_EXAMPLE", "unused")
    monkeypatch.setenv("CAPSANTE_SMTP_PASSWORD", "mot-de-passe-smtp")
    monkeypatch.setenv("CAPSANTE_HTTPS", "true")
    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text(SECRET)

    plain = tmp_path / "sans-secrets.tar"
    backups.create(plain)
    raw = plain.read_bytes()
    assert SECRET.encode() not in raw and b"mot-de-passe-smtp" not in raw
    with tarfile.open(plain) as tar:
        environment = json.load(tar.extractfile("configuration/environment.json"))
        assert "configuration/secret_key" not in tar.getnames()
    assert environment["SECRET_KEY"] == backups.MASKED
    assert environment["CAPSANTE_SMTP_PASSWORD"] == backups.MASKED
    assert environment["CAPSANTE_HTTPS"] == "true"
    assert "DATABASE_URL_EXAMPLE" not in environment

    with_secrets = tmp_path / "avec-secrets.tar"
    backups.create(with_secrets, with_secrets=True)
    with tarfile.open(with_secrets) as tar:
        assert tar.extractfile("configuration/secret_key").read().decode() == SECRET


def test_the_password_of_the_database_address_is_masked():
    shown = backups._shown("DATABASE_URL", "postgres://capsante:motdepasse@db:5432/capsante", False)
    assert shown == f"postgres://capsante:{backups.MASKED}@db:5432/capsante"


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of the archive whose members pass through change(name, bytes) -> bytes | None."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source:
            content = change(member.name, source.extractfile(member).read())
            if content is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))
    return target


def flip_one_byte(name: str, content: bytes) -> bytes:
    if name.startswith("staging/") and name.endswith("period=2025-02/data.parquet"):
        middle = len(content) // 2
        return content[:middle] + bytes([content[middle] ^ 1]) + content[middle + 1 :]
    return content


@pytest.fixture
def archive(transactional_db, staging, tmp_path):
    staged_table(staging)
    path = tmp_path / "sauvegarde.tar"
    backups.create(path)
    return path


def test_a_corrupted_archive_is_refused_and_nothing_changes(archive, empty_site, tmp_path):
    damaged = rewrite(archive, tmp_path / "abimee.tar", flip_one_byte)
    refused = empty_site.run("restore", str(damaged), check=False)
    assert refused.returncode != 0
    assert (
        "abimee.tar est altérée : le fichier staging/am_mes_activations/period=2025-02/"
        "data.parquet n'a pas l'empreinte SHA-256 notée dans le manifeste. Restauration "
        "refusée, rien n'a été modifié." in refused.stderr
    )
    assert not empty_site.staging.exists()
    assert not [p for p in empty_site.data.iterdir() if p.name.startswith(".capsante")]
    if empty_site.database_url:
        assert empty_site.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
            (0,)
        ]
    else:
        assert not (empty_site.data / "capsante.sqlite3").exists()
    checked = empty_site.run("restore", "--check-only", str(archive))
    assert "Archive intacte" in checked.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda name, content: None if name.startswith("database/") else content, "incomplète"),
        (
            lambda name, content: (
                content + b"!" if name == "configuration/environment.json" else content
            ),
            "altérée : le fichier configuration/environment.json",
        ),
        (
            lambda name, content: b"{}" if name == "manifest.json" else content,
            "n'est pas une sauvegarde de Cap e-santé",
        ),
    ],
    ids=["member missing", "member changed", "manifest replaced"],
)
def test_an_archive_that_does_not_match_its_manifest_is_refused(archive, tmp_path, change, message):
    damaged = rewrite(archive, tmp_path / "abimee.tar", change)
    with pytest.raises(backups.BackupError, match=message):
        backups.read_manifest(damaged)


def test_members_outside_the_archive_or_unlisted_are_refused(archive, tmp_path):
    for name in ("../../etc/cron.d/evil", "staging/extra.parquet"):
        damaged = tmp_path / "ajout.tar"
        rewrite(archive, damaged, lambda n, c: c)
        with tarfile.open(damaged, "a") as tar:
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        with pytest.raises(backups.BackupError, match="archive refusée"):
            backups.read_manifest(damaged)
        damaged.unlink()


def test_a_truncated_archive_is_refused(tmp_path, archive):
    compressed = tmp_path / "sauvegarde.tar.gz"
    with tarfile.open(compressed, "w:gz") as out, tarfile.open(archive) as source:
        for member in source:
            out.addfile(member, source.extractfile(member))
    cut = tmp_path / "tronquee.tar.gz"
    cut.write_bytes(compressed.read_bytes()[: compressed.stat().st_size // 2])
    with pytest.raises(backups.BackupError, match="illisible"):
        backups.read_manifest(cut)


def test_restore_refuses_a_database_that_is_not_empty(archive, live_site):
    refused = live_site.run("restore", str(archive), check=False)
    assert refused.returncode != 0
    assert "La base de données n'est pas vide" in refused.stderr


def test_restore_refuses_an_archive_of_the_other_engine(archive, empty_site, tmp_path):
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"

    def switch(name, content):
        if name == "manifest.json":
            data = json.loads(content)
            data["database"]["engine"] = other
            return json.dumps(data).encode()
        return content

    refused = empty_site.run(
        "restore", str(rewrite(archive, tmp_path / "x.tar", switch)), check=False
    )
    assert f"sauvegarde une base {other}" in refused.stderr


def test_a_backup_never_overwrites_a_file(archive):
    with pytest.raises(backups.BackupError, match="existe déjà"):
        backups.create(archive)
    assert os.path.getsize(archive) > 0
