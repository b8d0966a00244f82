"""Schemathesis against the running API, over HTTP: whatever a client sends, the answer is never a 5xx.

Every operation of the OpenAPI document is fuzzed (schemathesis's coverage and fuzzing phases, valid and
invalid data, unexpected methods) and every response is checked against the document: no server error,
a documented status code, content type, headers and body.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.config import SchemathesisConfig

from goat.api.main import create_app
from goat.core.config import Settings
from tests.support.system import GoatSystem

# pytest collects one test per operation, so the document is needed before the server runs: the app
# builds it in-process, and test_fuzzed_document_is_the_served_one holds it equal to what the server serves.
DOCUMENT: dict[str, Any] = create_app(Settings(_env_file=None)).openapi()

# An upload the schema calls valid is still refused when it is not an ONNX model (422) or too large
# (413), both documented; an unknown task is a 404. Anything else for schema-valid data is a finding.
_UPLOAD_ACCEPTS = {
    "include-path": "/submit/{task}",
    "include-method": "POST",
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "413", "422"]}},
}


def _schema(parameters: dict[str, str]) -> schemathesis.schemas.BaseSchema:
    config = SchemathesisConfig.from_dict({"parameters": parameters, "operations": [_UPLOAD_ACCEPTS]})
    return schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=config)


# `task` is a free string in the document, so fuzzing it almost never names a task: these requests end at
# the unknown-task 404, before the body is read.
ANY_TASK = _schema({})
# The same operations with `task` pinned to a real task, so the bodies and submission ids reach the
# multipart parser, the size limit, the ONNX checks and the submission store.
KNOWN_TASK = _schema({"path.task": "task2"}).exclude(path_regex=r"^[^{]*$")

# Bounded and reproducible: the same cases on every run, the run stops by itself, and nothing is stored.
FUZZ = settings(
    max_examples=400,
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """Valkey and the API, no workers: an upload that passes the checks stays queued, out of the way."""
    running = GoatSystem(
        tmp_path_factory.mktemp("fuzz"),
        workers=0,
        env={"MAX_FILE_SIZE": str(64 * 1024), "MAX_QUEUE_LENGTH": "100000"},
    )
    try:
        yield running.start()
    finally:
        running.stop()


def test_fuzzed_document_is_the_served_one(fuzzed_api: GoatSystem) -> None:
    """The cases below come from the in-process document; this is what makes them the server's."""
    served = httpx.get(f"{fuzzed_api.url}/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == DOCUMENT


@ANY_TASK.parametrize()
@FUZZ
def test_any_request(case: Case, fuzzed_api: GoatSystem) -> None:
    case.call_and_validate(base_url=fuzzed_api.url, timeout=30)


@KNOWN_TASK.parametrize()
@FUZZ
def test_any_request_for_a_known_task(case: Case, fuzzed_api: GoatSystem) -> None:
    case.call_and_validate(base_url=fuzzed_api.url, timeout=30)
