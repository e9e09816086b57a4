"""Schemathesis against the live API: the schema served by the running platform drives
requests over real HTTP, as an anonymous reader and as a Sarthe editor's token (who writes:
moves, proposals, targets). No answer may be a server error, and every answer (status, content
type, headers, body) must match what the schema promises; invalid input must be refused."""

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and mode: enough to cross every parameter, bounded for time.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}


def check(operation, mode: GenerationMode, base_url: str, headers: dict) -> tuple[str, int]:
    """Run one operation in one mode: (the failure, or "", and the number of requests)."""
    checks = CONFORMANCE + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
    sent = 0

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # report, do not shrink: bounded time
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        nonlocal sent
        sent += 1
        case.call_and_validate(base_url=base_url, headers=headers, checks=checks)

    try:
        run()
    except Unsatisfiable:
        return "", sent  # no invalid input exists for an operation without parameters
    except Exception as exc:  # a failed check: collected, reported together
        return f"{operation.label} [{mode.value}]: {exc}"[:3000], sent
    return "", sent


def fuzz(schema, base_url: str, headers: dict) -> tuple[list[str], int]:
    failures, sent = [], 0
    for result in schema.get_all_operations():
        for mode in EXAMPLES:
            failure, count = check(result.ok(), mode, base_url, headers)
            sent += count
            if failure:
                failures.append(failure)
    return failures, sent


@pytest.fixture
def live_schema(live_server, api_world):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")


@pytest.mark.parametrize("who", ["anonymous", "sarthe_editor_token"])
def test_schemathesis_finds_nothing_on_the_live_api(live_server, live_schema, issue, who):
    headers = {}
    if who != "anonymous":
        headers = {"Authorization": bearer(issue("editeur", "72"))["HTTP_AUTHORIZATION"]}
    started = time.monotonic()
    failures, sent = fuzz(live_schema, live_server.url, headers)
    elapsed = time.monotonic() - started
    print(f"schemathesis ({who}): {sent} requests in {elapsed:.1f} s")
    operations = len(list(live_schema.get_all_operations()))
    assert operations >= 18
    assert failures == [], "\n\n".join(failures)
    assert sent >= operations * 10, "each operation was exercised"
