"""/healthz and /readyz: JSON for the supervision, 200 when all is well, 503 otherwise.

Anonymous, never cached, no session, no redirect to https (settings.SECURE_REDIRECT_EXEMPT): a
probe calls the application server directly on its loopback address.
"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


def _answer(ok: bool, checks: dict | None = None) -> JsonResponse:
    body: dict = {"status": "ok" if ok else "indisponible"}
    if checks is not None:
        body["checks"] = checks
    return JsonResponse(body, status=200 if ok else 503, json_dumps_params={"ensure_ascii": False})


@never_cache
@require_safe
def healthz(request):
    """The process is alive and answers. Reads nothing else."""
    return _answer(True)


@never_cache
@require_safe
def readyz(request):
    checks = health.readiness()
    return _answer(
        all(check.ok for check in checks.values()),
        {name: check.as_json() for name, check in checks.items()},
    )
