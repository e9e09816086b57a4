"""Run an import: parse, compare, show or write, record. The Django side of the connectors.

Every import follows the same steps whatever the source: the connector's plain-Python parser
reads the file and reports every error by file, line and column; a refused file changes nothing;
a dry run only counts what would be added, changed and removed; a real run writes the structure
registry and the staged Parquet tables together, or neither.

Every run is a job (docs/decisions/0010): a web upload is queued and run by the worker, the
`import` command runs at once but is recorded the same way. From the comparison to the end of the
recompute, the run holds the lock of every staged table it writes or its recompute reads: two
imports of one source run one after the other. The staged files are backed up under the lock's
token before the write, and the database transaction that makes the write final also marks the
lock committed — after a crash, recovery keeps a committed write and undoes any other.
"""

import datetime as dt
import hashlib
import inspect
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from capsante.accounts import access
from capsante.directory import services as directory
from capsante.establishments.models import Establishment
from capsante.establishments.services import apply_sync, plan_sync
from capsante.indicators.models import Indicator
from capsante.indicators.services import definitions, recompute_after_import
from capsante.indicators.sources import SOURCES, Source
from capsante.ingest import contract, registry
from capsante.ingest.parsing import READING, ParseResult
from capsante.ingest.staging import DiffCounts, StagingStore
from capsante.jobs import services as jobs
from capsante.jobs.locks import Lease
from capsante.jobs.models import Job
from capsante.territories.models import Level, Territory
from capsante.ui import formats

from .models import ImportRecord, ImportStatus

Progress = Callable[[str, int, int], None]
MAX_STORED_ERRORS = 500
MAX_REMOVALS_SHOWN = 200
PROGRESS_EVERY_SECONDS = 0.5


def save_upload(upload) -> Path:
    """Copy an uploaded file to a private temporary file (0600) for the time of its import.

    The suffix is kept because parsers recognise .zip, .gz, .json… by it; the file's real name
    is recorded on the import record, never in the path.
    """
    folder = Path(settings.UPLOAD_TEMP_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    suffix = "".join(Path(Path(upload.name).name).suffixes[-2:])[:20]
    handle, name = tempfile.mkstemp(prefix="import-", suffix=suffix, dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in upload.chunks():
                file.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def run_uploaded_import(record_id: int, path: Path | str) -> ImportRecord:
    """Run an uploaded file's import, then delete the file whatever the outcome, except:
    after a successful dry run of a file that may be kept, the person may confirm the import
    without sending it again (`confirm_dry_run`), within KEEP_CHECKED_HOURS; and a crash (the
    process killed) or a stop of the worker skips the deletion: the file stays for a retry, and
    recovery deletes it once the time allowed for a retry has passed."""
    record = ImportRecord.objects.get(pk=record_id)
    keep = False
    try:
        record = run_import(
            record.source, path, user=record.user, dry_run=record.dry_run, record=record
        )
        keep = record.status == ImportStatus.DRY_RUN and record.source not in NEVER_KEPT
        if keep:
            record.options = {**record.options, KEPT: Path(path).name}
            record.save(update_fields=["options"])
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    if not keep:
        Path(path).unlink(missing_ok=True)
    return record


def kept_file(record: ImportRecord) -> Path | None:
    """The checked file of a dry run, still in the private upload folder and unchanged (same
    SHA-256 as when it was checked), or None."""
    name = (record.options or {}).get(KEPT)
    if not name or record.status != ImportStatus.DRY_RUN or record.source in NEVER_KEPT:
        return None
    path = Path(settings.UPLOAD_TEMP_DIR) / Path(name).name
    if not path.is_file() or file_digest(path) != record.file_hash:
        return None
    return path


def confirm_dry_run(user, record: ImportRecord) -> tuple[ImportRecord, Path]:
    """A new import of the file a dry run checked, with the same options, by the same person
    (or a regional admin of its territories). The caller runs it; the file is then deleted."""
    access.require(
        access.can_administer(user) and (record.user_id == user.pk or access.is_superuser(user)),
        "Seule la personne qui a fait la simulation peut confirmer cet import.",
    )
    path = kept_file(record)
    if path is None:
        raise ValidationError(
            "Le fichier vérifié n’est plus disponible : déposez-le à nouveau."
            if record.source not in NEVER_KEPT
            else "Les fichiers d’identités ne sont jamais conservés : déposez-le à nouveau."
        )
    options = {k: v for k, v in (record.options or {}).items() if k != KEPT}
    confirmed = ImportRecord.objects.create(
        source=record.source,
        file_name=record.file_name,
        user=user,
        dry_run=False,
        options={**options, "checked_by_dry_run": record.pk},
    )
    ImportRecord.objects.filter(pk=record.pk).update(options=options)
    return confirmed, path


def purge_kept_files(now: float | None = None) -> int:
    """Delete the checked files no one confirmed within KEEP_CHECKED_HOURS."""
    folder = Path(settings.UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return 0
    limit = (now or time.time()) - KEEP_CHECKED_HOURS * 3600
    removed = 0
    for path in folder.glob("import-*"):
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def staging_store() -> StagingStore:
    return StagingStore(settings.STAGING_DIR)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _connector(source: str):
    return registry.get(source)


# Files of patient identities are reduced to counts and never kept, not even for a confirmation
# (decisions 0009 and 0010): after a dry run, the person sends them again.
# The staged tables by their titles (the staging contract's), as the import pages name them.
TABLE_TITLES = {name: t.title for name, t in contract.TABLES.items()}
NEVER_KEPT = frozenset({"ins-fhir", "ins-hl7"})
KEPT = "checked_file"
KEEP_CHECKED_HOURS = 24


def known_sources() -> list[tuple[str, str]]:
    return [(c.name, c.label) for c in registry.CONNECTORS.values()]


@dataclass(frozen=True)
class SourceInUse:
    """A source the indicators read: who produces it, on what terms, which indicators read it,
    and, for a source imported from files, when it was last imported and its latest month."""

    code: str
    source: Source
    indicators: list[Indicator]
    last_import: dt.datetime | None = None
    latest_month: str | None = None


def sources_in_use() -> list[SourceInUse]:
    """Every source an indicator of the catalogue reads, in the order of SOURCES. Imports that
    wrote (or found nothing new in) their file count; simulations and refused files do not."""
    reading: dict[str, list[Indicator]] = {code: [] for code in SOURCES}
    for indicator in Indicator.objects.order_by("name"):
        for code in indicator.sources:
            if code in reading:
                reading[code].append(indicator)
    last: dict[str, dt.datetime] = {}
    months: dict[str, str] = {}
    kept = ImportRecord.objects.filter(
        dry_run=False, status__in=[ImportStatus.IMPORTED, ImportStatus.UNCHANGED]
    )
    for source, finished, periods in kept.values_list("source", "finished_at", "periods"):
        if finished and (source not in last or finished > last[source]):
            last[source] = finished
        months[source] = max([months.get(source, ""), *(periods or [])])
    return [
        SourceInUse(code, SOURCES[code], indicators, last.get(code), months.get(code) or None)
        for code, indicators in reading.items()
        if indicators
    ]


class _RecordProgress:
    """Forward progress to a callback and, at most twice a second, to the import record."""

    def __init__(self, record: ImportRecord, forward: Progress | None):
        self.record, self.forward, self.last = record, forward, 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.forward:
            self.forward(step, done, total)
        jobs.progress(step, done, total)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_SECONDS or (total and done >= total):
            self.last = now
            ImportRecord.objects.filter(pk=self.record.pk).update(
                progress_step=step[:100], progress_done=done, progress_total=total
            )


def _diffs(
    store: StagingStore, result: ParseResult, connector, full_extract: bool
) -> dict[str, DiffCounts]:
    return {
        table: store.diff(
            table,
            data,
            periods=result.periods or None,
            scope_columns=connector.scope_columns,
            full_extract=full_extract,
        )
        for table, data in result.tables.items()
    }


def _structure_plan(result: ParseResult, full_extract: bool):
    """The registry a file keeps in step with staging: FINESS establishments, directory
    resources."""
    if "structures" in result.tables:
        return plan_sync(result.tables["structures"], full_extract=full_extract)
    if "directory_resources" in result.tables:
        return directory.plan_sync(result.tables["directory_resources"], full_extract=full_extract)
    return None


def _removal_label(item) -> str:
    if isinstance(item, Establishment):
        return f"{item.name} (FINESS {item.finess_et}, {item.departement_code})"
    return f"{item.name} ({item.source}, {item.departement_code or 'sans commune'})"


def _removals(diffs: dict[str, DiffCounts], plan) -> list[str]:
    """What the import would take away, in words, the establishments by name."""
    if plan is not None and plan[2]:
        return [
            _removal_label(s) for s in sorted(plan[2], key=lambda s: (s.departement_code, s.name))
        ][:MAX_REMOVALS_SHOWN]
    keys = [
        f"{contract.table(table).title} : {key}"
        for table, d in diffs.items()
        for key in d.removed_keys
    ]
    return keys[:MAX_REMOVALS_SHOWN]


def _excessive_removal(diffs: dict[str, DiffCounts]) -> str:
    """A French sentence when the import would remove more than the allowed share of a table."""
    limit = settings.IMPORT_MAX_REMOVED_SHARE
    for table, d in diffs.items():
        # A handful of rows is ordinary churn (a count by status that drops to nothing);
        # the guard is for a partial file sent in place of a full one.
        if d.removed >= settings.IMPORT_MIN_REMOVALS_CHECKED and d.removed / d.staged > limit:
            share = 100 * d.removed / d.staged
            return (
                f"Cet import retirerait {formats.number(d.removed)} des "
                f"{formats.number(d.staged)} lignes de la table « {contract.table(table).title} » "
                f"({formats.percent(share, 0)}, au-delà des {formats.percent(100 * limit, 0)} "
                "admis sans confirmation). Vérifiez la liste des retraits ; si le fichier est bien "
                "complet, relancez l'import en confirmant les retraits."
            )
    return ""


def _finish(record: ImportRecord, status: str, started: float, message: str = "") -> ImportRecord:
    record.status = status
    record.message = message
    record.finished_at = timezone.now()
    record.duration_seconds = round(time.monotonic() - started, 3)
    record.save()
    return record


def run_import(
    source: str,
    path: Path | str,
    *,
    user=None,
    dry_run: bool = False,
    progress: Progress | None = None,
    record: ImportRecord | None = None,
    options: dict[str, Any] | None = None,
) -> ImportRecord:
    """Import one file from one source; always returns the import record, never half-writes."""
    path = Path(path)
    options = options or (record.options if record else {}) or {}
    if record is None:
        record = ImportRecord.objects.create(
            source=source, file_name=path.name, user=user, dry_run=dry_run, options=options
        )
    if jobs.current() is not None:
        return _run(source, path, user, dry_run, progress, record, options)
    # Run outside the queue (the `import` command, the demo): recorded as a job all the same,
    # so that a crash of this process is found and put right like any other.
    done: list[ImportRecord] = []

    def work() -> str:
        done.append(_run(source, path, user, dry_run, progress, record, options))
        return outcome(done[0])

    try:
        jobs.run_inline(
            work, kind="import", label=import_label(record), user=user, subject=subject_of(record)
        )
    except jobs.JobFailed:
        pass  # the record says why
    return done[0]


def outcome(record: ImportRecord) -> str:
    """The import's outcome as its job's: a technical failure fails the job."""
    text = record.message or record.get_status_display()
    if record.status == ImportStatus.FAILED:
        raise jobs.JobFailed(text)
    return text


def import_label(record: ImportRecord) -> str:
    verb = "Simulation d'import" if record.dry_run else "Import"
    return f"{verb} n° {record.pk} — {record.source_label} — {record.file_name}"


def subject_of(record: ImportRecord) -> str:
    return f"import:{record.pk}"


def locked_tables(connector) -> list[str]:
    """The staged tables an import of this source writes, and those its recompute reads."""
    tables = set(connector.tables)
    for definition in definitions().values():
        if connector.name in definition.sources:
            tables |= set(definition.tables)
    return sorted(t for t in tables if t in contract.TABLES)


def _run(
    source: str,
    path: Path,
    user,
    dry_run: bool,
    progress: Progress | None,
    record: ImportRecord,
    options: dict[str, Any],
) -> ImportRecord:
    started = time.monotonic()
    record.status, record.started_at = ImportStatus.RUNNING, timezone.now()
    record.save(update_fields=["status", "started_at"])
    try:
        connector = _connector(source)
    except KeyError:
        return _finish(record, ImportStatus.REFUSED, started, f"Source inconnue : « {source} ».")
    try:
        record.file_hash, record.file_size = file_digest(path), path.stat().st_size
        reporter = _RecordProgress(record, progress)
        # The reading counts the file's bytes, as the parser then reports them.
        reporter(READING, 0, record.file_size)
        # Parsed before taking any lock: no transaction, no lock while reading a large file.
        result = _parse(connector, path, reporter, options, record.file_name or path.name)
        _copy_counts(record, result)
        if not result.ok:
            return _finish(
                record,
                ImportStatus.REFUSED,
                started,
                # Each surface lists the errors where it shows them (the page below, the
                # command above): the message does not say where.
                f"Fichier refusé : {formats.plural(result.error_count, 'erreur')}. "
                "Rien n'a été importé.",
            )
        covered = covered_territories(result)
        record.territories.set(covered)
        outside = [t for t in covered if user is not None and not access.can_administer(user, t)]
        if outside:
            names = ", ".join(f"{t.name} ({t.code})" for t in outside)
            return _finish(
                record,
                ImportStatus.REFUSED,
                started,
                f"Ce fichier couvre des territoires hors de votre périmètre : {names}. "
                "Rien n'a été importé.",
            )
        tables = sorted(set(locked_tables(connector)) | set(result.tables))
        with jobs.staging_lock(tables, import_label(record)) as lease:
            reporter("comparaison avec les données en place", 1, 3)
            return _compare_and_write(
                record, result, connector, options, dry_run, reporter, started, lease
            )
    except Exception as exc:  # noqa: BLE001 - recorded for the user, then re-raised in tests by callers
        return _finish(record, ImportStatus.FAILED, started, f"Échec technique : {exc}")
    except BaseException:
        # Interrupted (Ctrl+C on the command): the write was undone, say so before stopping.
        _finish(
            record,
            ImportStatus.FAILED,
            started,
            "Échec technique — interrompu. Rien n'a été importé.",
        )
        raise


def _compare_and_write(
    record: ImportRecord,
    result: ParseResult,
    connector,
    options: dict[str, Any],
    dry_run: bool,
    reporter: _RecordProgress,
    started: float,
    lease: Lease,
) -> ImportRecord:
    store = staging_store()
    full_extract = bool(options.get("full_extract"))
    diffs = _diffs(store, result, connector, full_extract)
    plan = _structure_plan(result, full_extract)
    _count_changes(record, diffs, plan)
    record.removals = _removals(diffs, plan)
    too_many = _excessive_removal(diffs)
    if dry_run:
        message = "Simulation : rien n'a été écrit."
        if too_many and not options.get("confirm_removals"):
            message += " " + too_many
        return _finish(record, ImportStatus.DRY_RUN, started, message)
    if too_many and not options.get("confirm_removals"):
        return _finish(record, ImportStatus.REFUSED, started, too_many)
    if not (record.added or record.changed or record.removed):
        return _finish(
            record,
            ImportStatus.UNCHANGED,
            started,
            "Aucun changement : ce fichier est déjà importé.",
        )
    reporter("écriture", 2, 3)
    _write(store, result, plan, record, connector, full_extract, lease)
    message = "Import terminé."
    try:
        reporter("recalcul des indicateurs", 2, 3)
        after_import(record)
    except Exception as exc:  # noqa: BLE001 - the data landed; say what did not follow
        message = f"Import terminé, mais le recalcul des indicateurs a échoué : {exc}"
    reporter("terminé", 3, 3)
    return _finish(record, ImportStatus.IMPORTED, started, message)


def covered_territories(result: ParseResult) -> list[Territory]:
    """The départements (or régions) a file's rows are about, as territories.

    Read from each table's coverage column; for tables about establishments (identity counts,
    survey answers), from the registry's département of each establishment.
    """
    departements: set[str] = set()
    regions: set[str] = set()
    finess: set[str] = set()
    for name, data in result.tables.items():
        column = contract.table(name).coverage_column
        if column == "region_code":
            regions |= {c for c in data.column(column).to_pylist() if c}
        elif column:
            values = pc.unique(contract.coverage(data, column)).to_pylist()
            departements |= {c for c in values if c}
        elif "finess_et" in data.column_names:
            finess |= {c for c in pc.unique(data.column("finess_et")).to_pylist() if c}
    if finess:
        departements |= set(
            Establishment.objects.filter(finess_et__in=finess)
            .exclude(departement_code="")
            .values_list("departement_code", flat=True)
        )
    return list(
        Territory.objects.filter(
            Q(level=Level.DEPARTEMENT, code__in=departements)
            | Q(level=Level.REGION, code__in=regions)
        ).order_by("level", "code")
    )


def imports_for_user(user) -> QuerySet[ImportRecord]:
    """Import records a partner may read: those about a territory overlapping their scope, and
    their own uploads."""
    access.require_partner(user)
    if access.is_superuser(user):
        return ImportRecord.objects.all()
    about_scope = ImportRecord.objects.filter(access.overlapping_scope_q(user, "territories"))
    return ImportRecord.objects.filter(Q(pk__in=about_scope.values("pk")) | Q(user=user))


def jobs_for_user(user) -> QuerySet[Job]:
    """Background jobs an admin may follow: superusers all; a regional admin those they asked
    for, those about a territory overlapping their scope, and the jobs of imports they read."""
    access.require_partner(user)
    if access.is_superuser(user):
        return Job.objects.all()
    subjects = imports_for_user(user).annotate(
        job_subject=Concat(Value("import:"), Cast("pk", CharField()))
    )
    return Job.objects.filter(
        Q(user=user)
        | Q(subject__in=subjects.values("job_subject"))
        | Q(pk__in=Job.objects.filter(access.overlapping_scope_q(user, "territory")).values("pk"))
    )


def job_for_user(user, pk: int) -> Job:
    job = jobs_for_user(user).filter(pk=pk).first()
    if job is None:
        raise access.not_found("Travail introuvable")
    return job


def latest_job(record: ImportRecord) -> Job | None:
    return Job.objects.filter(subject=subject_of(record)).order_by("-pk").first()


def import_for_user(user, pk: int) -> ImportRecord:
    record = imports_for_user(user).select_related("user").filter(pk=pk).first()
    if record is None:
        raise access.not_found("Import introuvable")
    return record


def _parse(
    connector, path: Path, progress: Progress, options: dict[str, Any], name: str
) -> ParseResult:
    """Call the parser with what it accepts: our options, progress, and the known communes."""
    accepted = inspect.signature(connector.parse).parameters
    kwargs = {key: value for key, value in options.items() if key in connector.options}
    if "progress" in accepted:
        kwargs["progress"] = progress
    if "known_finess" in connector.options:
        finess = set(Establishment.objects.values_list("finess_et", flat=True))
        if finess:  # no registry yet (a first import, a test): nothing to check against
            kwargs["known_finess"] = finess
    if "known_communes" in connector.options:
        communes = set(Territory.objects.filter(level=Level.COMMUNE).values_list("code", flat=True))
        if communes:
            kwargs["known_communes"] = communes
    return connector.parse(path, name=name, **kwargs)


def _copy_counts(record: ImportRecord, result: ParseResult) -> None:
    record.rows_read, record.rows_kept, record.rows_rejected = (
        result.rows_read,
        result.rows_kept,
        result.rows_rejected,
    )
    record.error_count = result.error_count
    record.errors = [e.as_dict() for e in result.errors[:MAX_STORED_ERRORS]]
    record.periods = sorted(result.periods)
    record.encoding = result.encoding or ""


def _count_changes(record: ImportRecord, diffs: dict[str, DiffCounts], plan) -> None:
    record.tables = {
        table: {
            "added": d.added,
            "changed": d.changed,
            "removed": d.removed,
            "unchanged": d.unchanged,
        }
        for table, d in diffs.items()
    }
    record.added = sum(d.added for d in diffs.values())
    record.changed = sum(d.changed for d in diffs.values())
    record.removed = sum(d.removed for d in diffs.values())
    if plan is not None:
        # The structure registry may lag behind staging (e.g. territories loaded later): count it too.
        to_add, to_change, to_remove = plan
        record.added = max(record.added, len(to_add))
        record.changed = max(record.changed, len(to_change))
        record.removed = max(record.removed, len(to_remove))


def _write(
    store: StagingStore,
    result: ParseResult,
    plan,
    record: ImportRecord,
    connector,
    full: bool,
    lease: Lease,
) -> None:
    """Staged files first (backed up under the lock's token), then one short database
    transaction — the registry, the lock's committed mark, the record's written date — then the
    backups go. Any failure before the commit puts the files back; a crash is undone by recovery.
    """
    tables = list(result.tables)
    store.begin(tables, lease.token)
    try:
        for table, data in result.tables.items():
            store.write(
                table,
                data,
                result.periods or None,
                scope_columns=connector.scope_columns,
                full_extract=full,
            )
        with transaction.atomic():
            if isinstance(plan, directory.ResourcePlan):
                plan.apply(record)
            elif plan is not None:
                apply_sync(plan, record)
            lease.mark_committed()
            record.written_at = timezone.now()
            ImportRecord.objects.filter(pk=record.pk).update(written_at=record.written_at)
    except BaseException:
        store.rollback(tables, lease.token)
        raise
    store.commit(tables, lease.token)


def after_import(record: ImportRecord) -> None:
    """Recompute the indicators this source feeds, for the periods the import touched."""
    if not settings.RECOMPUTE_AFTER_IMPORT:
        return

    recompute_after_import(record)


# --- Jobs: what an import job is about (its queueing and recovery are in tasks.py) -------------


def record_of(job) -> ImportRecord | None:
    kind, _, pk = job.subject.partition(":")
    if kind != "import" or not pk.isdigit():
        return None
    return ImportRecord.objects.filter(pk=int(pk)).first()


def upload_still_there(job) -> bool:
    path = (job.arguments or {}).get("path")
    return bool(path) and Path(path).is_file()


RESEND = (
    "Le fichier déposé n'est plus sur le serveur (les fichiers déposés sont supprimés dès la fin "
    "de leur import, pour ne garder aucune donnée personnelle) : déposez-le à nouveau."
)
