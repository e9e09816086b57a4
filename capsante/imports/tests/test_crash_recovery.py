"""A worker killed in the middle of an import, then restarted: the staged tables are as they were
before the import, nothing is left behind, the import is marked failed and its retry succeeds.
Two imports of one source at once: both land, one after the other. Real processes throughout:
the `capsante` commands and the worker, on the suite's database engine (docs/decisions/0010)."""

import os
import signal
import time
from pathlib import Path

import pyarrow.compute as pc

from capsante.jobs.tests.sites import am_documents_file, communes

SOURCE = "am-dmp-documents"
TABLE = "am_dmp_documents"

ENQUEUE = """
import json
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from capsante.imports import tasks
from capsante.imports.models import ImportRecord
from capsante.imports.services import save_upload

admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x" * 20)
with open({path!r}, "rb") as handle:
    stored = save_upload(File(handle, name="am-documents-2.csv"))
with transaction.atomic():  # as the upload view does
    record = ImportRecord.objects.create(source={source!r}, file_name="am-documents-2.csv", user=admin)
    job = tasks.enqueue_upload(record, stored)
print(json.dumps({{"record": record.pk, "job": job.pk, "path": str(stored)}}))
"""

STATE = """
import json
from capsante.imports.models import ImportRecord
from capsante.jobs.models import Job, StagingLock
print(json.dumps({{
    "records": {{r.pk: [r.status, r.message] for r in ImportRecord.objects.all()}},
    "durations": {{r.pk: r.duration_seconds for r in ImportRecord.objects.all()}},
    "jobs": {{j.pk: [j.status, j.message, j.retry_of_id, j.kind] for j in Job.objects.all()}},
    "locks": [l.table for l in StagingLock.objects.exclude(token="")],
}}))
"""

RETRY = """
import json
from django.contrib.auth import get_user_model
from django.db import transaction
from capsante.imports import tasks  # the import job's kind and retry
from capsante.jobs import services
from capsante.jobs.models import Job

with transaction.atomic():
    again = services.retry(Job.objects.get(pk={job}), get_user_model().objects.get(username="admin"))
print(json.dumps({{"job": again.pk, "subject": again.subject}}))
"""


HELD = "select 1 from jobs_staginglock where \"table\" = 'am_dmp_documents' and token <> ''"


def _leftovers(staging: Path) -> list[str]:
    return sorted(
        str(p.relative_to(staging))
        for p in staging.rglob(".*")
        if ".backup-" in p.name or p.name.endswith(".tmp")
    )


def _kill_in_the_middle_of_the_write(site, worker, partitions: dict[Path, int]) -> int:
    """Watch the staged table; SIGKILL the worker once its write has replaced some partitions
    (after its backup was made whole). Returns how many were replaced when it died."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert worker.poll() is None, (site.root / "worker.log").read_text()[-3000:]
        backup = [
            p
            for p in site.staging.iterdir()
            if ".backup-" in p.name and not p.name.endswith(".partial")
        ]
        if backup and any(p.stat().st_ino != inode for p, inode in partitions.items()):
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
            return sum(p.stat().st_ino != inode for p, inode in partitions.items())
        time.sleep(0.002)
    raise AssertionError("the import never began writing")


def test_an_import_killed_mid_write_is_undone_at_restart_and_its_retry_succeeds(live_site):
    site = live_site
    places = communes("72", 300) + communes("53", 200)
    first = am_documents_file(site.root / "am-1.csv", months=120, communes=places)
    second = am_documents_file(site.root / "am-2.csv", months=120, communes=places, shift=1)
    site.run("import", SOURCE, str(first), "-v0")
    before = site.staging_hashes()
    partitions = {p: p.stat().st_ino for p in (site.staging / TABLE).glob("period=*/data.parquet")}
    assert len(partitions) == 120

    queued = site.python(ENQUEUE.format(path=str(second), source=SOURCE))
    worker = site.start("worker", "--no-startup-delay", "-v0", log="worker.log")
    replaced = _kill_in_the_middle_of_the_write(site, worker, partitions)
    # The kill landed in the middle: some months rewritten, others not, a backup lying there.
    replaced = sum(p.stat().st_ino != inode for p, inode in partitions.items())
    assert 0 < replaced < len(partitions)
    assert site.staging_hashes() != before and _leftovers(site.staging)

    started = time.monotonic()
    report = site.run("worker", "--recover-only").stdout
    recovery_seconds = time.monotonic() - started
    assert "1\u00a0travail interrompu marqué en échec" in report and TABLE in report, report
    assert site.staging_hashes() == before  # the table as it was, file for file
    assert _leftovers(site.staging) == []
    state = site.python(STATE.format())
    status, message = state["records"][str(queued["record"])]
    assert status == "failed" and "interrompu" in message and "Réessayer" in message, message
    job_status, job_message, _, _ = state["jobs"][str(queued["job"])]
    assert job_status == "interrupted" and "interrompu" in job_message
    assert state["locks"] == []
    # Kept for the retry (private, 0600), since the import did not end.
    assert Path(queued["path"]).is_file()

    again = site.python(RETRY.format(job=queued["job"]))
    site.run("worker", "--batch", "--no-startup-delay", "-v0")
    state = site.python(STATE.format())
    record = int(again["subject"].split(":")[1])
    assert state["records"][str(record)][0] == "imported", state["records"][str(record)]
    assert state["jobs"][str(again["job"])][:3] == [
        "succeeded",
        state["jobs"][str(again["job"])][1],
        queued["job"],
    ]
    staged = site.staged_rows(TABLE)
    assert staged.num_rows == 120 * len(places) * 4
    expected = sum(int(line.rsplit(";", 1)[1]) for line in second.read_text().splitlines()[1:])
    assert pc.sum(staged["documents"]).as_py() == expected
    assert _leftovers(site.staging) == [] and not Path(queued["path"]).exists()
    print(
        f"recovery (process start included): {recovery_seconds:.1f} s; {replaced} of 120 months "
        f"rewritten when killed; retry of {staged.num_rows} rows through the queue: "
        f"{state['durations'][str(record)]:.1f} s"
    )


WAIT_THEN_IMPORT = """
import json, pathlib, time
from capsante.imports.services import run_import
print("prêt", flush=True)
trigger = pathlib.Path({trigger!r})
while not trigger.exists():
    time.sleep(0.02)
record = run_import({source!r}, {path!r})
print(json.dumps([record.status, record.message]), flush=True)
"""


def test_two_imports_of_one_source_at_once_run_one_after_the_other_and_both_land(live_site):
    site = live_site
    places = communes("72", 500)
    site.run(
        "import", SOURCE, str(am_documents_file(site.root / "s0.csv", months=120, communes=places))
    )
    # The Sarthe's new figures, every row changed: a long comparison and write under the lock.
    sarthe = am_documents_file(site.root / "sarthe.csv", months=120, communes=places, shift=1)
    mayenne = am_documents_file(site.root / "mayenne.csv", months=120, communes=communes("53", 20))
    # The Mayenne's import is started first and waits for a signal, Django loaded: it then
    # reaches the table within a fraction of a second, while the Sarthe's holds it.
    trigger = site.root / "go"
    second = site.start(
        "shell",
        "-c",
        WAIT_THEN_IMPORT.format(trigger=str(trigger), source=SOURCE, path=str(mayenne)),
        log="mayenne.log",
    )
    deadline = time.monotonic() + 300
    while "prêt" not in (site.root / "mayenne.log").read_text():
        assert second.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    first = site.start("import", SOURCE, str(sarthe), "-v0", log="sarthe.log")
    while not site.sql(HELD):
        assert first.poll() is None and time.monotonic() < deadline, (
            site.root / "sarthe.log"
        ).read_text()
        time.sleep(0.02)
    trigger.touch()
    assert first.wait(timeout=600) == 0 and second.wait(timeout=600) == 0
    # The Mayenne's import waited for the Sarthe's to finish, and said so.
    waited = (site.root / "mayenne.log").read_text()
    assert f"table {TABLE} prise pour" in waited and "d'attente" in waited, waited
    staged = site.staged_rows(TABLE)
    # Each file replaces its own département only: both are there, none lost to the other.
    departements = pc.unique(pc.utf8_slice_codeunits(staged["commune_code"], 0, 2)).to_pylist()
    assert sorted(departements) == ["53", "72"]
    assert staged.num_rows == 120 * (500 + 20) * 4
    expected = sum(int(line.rsplit(";", 1)[1]) for line in sarthe.read_text().splitlines()[1:])
    sarthe_rows = staged.filter(pc.starts_with(staged["commune_code"], "72"))
    assert pc.sum(sarthe_rows["documents"]).as_py() == expected
    state = site.python(STATE.format())
    assert sorted(s for s, _ in state["records"].values()) == ["imported"] * 3
    assert state["locks"] == [] and _leftovers(site.staging) == []
