"""A sign-in while an import job writes the establishments registry succeeds: on SQLite the
worker's write transaction is short and the web server waits for it (WAL, IMMEDIATE
transactions, busy timeout) instead of failing with "database is locked". Real processes: the
web server, the worker, sign-ins over HTTP."""

import http.cookiejar
import re
import socket
import time
import urllib.parse
import urllib.request
from pathlib import Path

from capsante.jobs.tests.sites import large_finess_file

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "ingest/connectors/finess/tests/samples/etalab-cs1100507-stock-20260512-0336.csv"
)

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from capsante.imports import tasks
from capsante.imports.models import ImportRecord
from capsante.imports.services import save_upload

get_user_model().objects.create_user("lectrice", "lectrice@example.org", "mot-de-passe-assez-long")
admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x" * 20)
with open({path!r}, "rb") as handle:
    stored = save_upload(File(handle, name="finess.csv"))
with transaction.atomic():
    record = ImportRecord.objects.create(source="finess", file_name="finess.csv", user=admin)
    tasks.enqueue_upload(record, stored)
print(json.dumps(record.pk))
"""

STATUS = """
import json
from capsante.imports.models import ImportRecord
from capsante.establishments.models import Establishment
r = ImportRecord.objects.get(pk={pk})
print(json.dumps([r.status, r.message, Establishment.objects.count()]))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sign_in(base: str) -> tuple[int, float, str]:
    """(status, seconds, where to) of one sign-in, in a browser session of its own."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    started = time.monotonic()
    page = opener.open(f"{base}/comptes/connexion/", timeout=120).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": "lectrice",
            "password": "mot-de-passe-assez-long",
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/comptes/connexion/", data=data, headers={"Referer": f"{base}/comptes/connexion/"}
    )
    try:
        response = opener.open(request, timeout=120)
        status, location = response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as answer:
        status, location = answer.code, answer.headers.get("Location", "")
    signed_in = any(cookie.name == "sessionid" for cookie in jar)
    return (status if signed_in or status != 302 else 0), time.monotonic() - started, location


def test_a_sign_in_succeeds_while_an_import_job_writes(live_site):
    site = live_site
    big = large_finess_file(SAMPLE, site.root / "finess.csv", copies=1200)  # 12,000 establishments
    record = site.python(SETUP.format(path=str(big)))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    site.start(
        "runserver",
        "--noreload",
        f"127.0.0.1:{port}",
        env={"CAPSANTE_HTTPS": "false"},
        log="web.log",
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/comptes/connexion/", timeout=5)
            break
        except OSError:
            assert time.monotonic() < deadline, (site.root / "web.log").read_text()[-2000:]
            time.sleep(0.5)
    worker = site.start("worker", "--no-startup-delay", "-v0", log="worker.log")

    # Sign in again and again while the import writes: from its backup of the staged table
    # (the write begins) until the backup goes (the write has committed).
    deadline = time.monotonic() + 600
    while not any(".backup-" in p.name for p in site.staging.glob(".*")):
        assert worker.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    during = []
    while any(".backup-" in p.name for p in site.staging.glob(".*")):
        during.append(_sign_in(base))
    assert during, "no sign-in happened while the import wrote"
    assert [status for status, _, _ in during] == [302] * len(during), during
    status, message, establishments = site.python(STATUS.format(pk=record))
    deadline = time.monotonic() + 300
    while status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(1)
        status, message, establishments = site.python(STATUS.format(pk=record))
    assert status == "imported" and establishments == 12000, message
    print(
        f"{len(during)} sign-in(s) during the write, longest {max(s for _, s, _ in during):.1f} s"
    )
