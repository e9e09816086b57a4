"""The checks behind /healthz and /readyz (docs/exploitation/supervision.md).

/healthz says the process answers: no database, nothing that can be slow. /readyz says the
platform can serve and work: the database answers, its migrations are all applied, the staging
folder accepts files, and a worker (`capsante worker`) gave a sign of life recently. Each check
says what it found in a few French words, never an error's text (the endpoints are public: a
connection string or a path must not leak); the error itself goes to the log.
"""

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from capsante.jobs import presence
from capsante.ui.formats import plural

log = logging.getLogger(__name__)


@dataclass
class Check:
    ok: bool
    detail: str
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, **self.extra}


def database() -> Check:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        log.exception("readyz : base de données injoignable")
        return Check(False, "base de données injoignable")
    return Check(True, "base de données joignable")


def migrations() -> Check:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        log.exception("readyz : migrations illisibles")
        return Check(False, "état des migrations illisible")
    if plan:
        return Check(
            False,
            f"{plural(len(plan), 'migration')} à appliquer : lancez « capsante migrate »",
            {"pending": len(plan)},
        )
    return Check(True, "migrations appliquées", {"pending": 0})


def staging() -> Check:
    directory = Path(settings.STAGING_DIR)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # A dot-name: the staging store and the backups never take it for a table.
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".readyz-", suffix=".tmp") as f:
            f.write(b"ok")
            f.flush()
    except OSError:
        log.exception("readyz : dossier des tables préparées non inscriptible")
        return Check(False, "dossier des tables préparées non inscriptible")
    return Check(True, "dossier des tables préparées inscriptible")


def worker() -> Check:
    try:
        beat = presence.latest_heartbeat()
    except Exception:
        log.exception("readyz : signe de vie des travailleurs illisible")
        return Check(False, "signe de vie des travailleurs illisible")
    if beat is None:
        return Check(False, "aucun travailleur : lancez « capsante worker »")
    age = max(0, int((timezone.now() - beat).total_seconds()))
    if timezone.now() - beat > presence.stale_after():
        return Check(
            False,
            f"dernier signe de vie d'un travailleur il y a {age} s",
            {"last_heartbeat_seconds": age},
        )
    return Check(True, "travailleur actif", {"last_heartbeat_seconds": age})


def readiness() -> dict[str, Check]:
    checks = {"database": database()}
    if not checks["database"].ok:
        # Without a database the other answers would only repeat it.
        checks["migrations"] = Check(False, "non vérifié : base de données injoignable")
    else:
        checks["migrations"] = migrations()
    checks["staging"] = staging()
    if settings.READYZ_REQUIRE_WORKER:
        checks["worker"] = worker() if checks["database"].ok else Check(False, "non vérifié")
    return checks
