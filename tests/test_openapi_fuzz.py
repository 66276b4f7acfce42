"""Schemathesis against the app's own /openapi.json: each operation keeps its contract."""

from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import BaseSchema, Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import databases
from tests.conftest import insert_key
from tests.server import LiveServer

SEED = 20261125
# A bounded run for every `make test`; `make fuzz` (tests/fuzz.py) runs every phase for minutes.
EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The bibliographic import takes text bodies under these media types: send them as text.
schemathesis.serializer.alias(
    ["application/x-bibtex", "application/x-research-info-systems", "application/nbib"],
    "text/plain",
)


def seed_content(http: httpx.Client) -> None:
    """Create a topic, a claim tagged with it, a study, a link and a verdict: each id 1."""
    steps: list[tuple[str, dict[str, Any]]] = [
        ("/v1/topics", {"name": "Glute function", "slug": "glute-function"}),
        (
            "/v1/claims",
            {
                "statement": "Prolonged sitting switches your glutes off.",
                "aliases": ["glute amnesia"],
                "topics": ["glute-function"],
            },
        ),
        (
            "/v1/studies",
            {
                "title": "The enduring impact of what clinicians say to people with low back pain",
                "authors": [{"family": "Darlow", "given": "Ben"}],
                "year": 2013,
                "doi": "10.1370/afm.1518",
                "pmid": "24218376",
                "design": "cross_sectional",
            },
        ),
        (
            "/v1/claims/1/evidence",
            {"study_id": 1, "stance": "contradicts", "finding": "Glute EMG did not differ."},
        ),
        (
            "/v1/claims/1/verdicts",
            {"rating": "refuted", "certainty": "low", "rationale": "No study shows it."},
        ),
    ]
    for path, body in steps:
        response = http.post(path, json=body)
        assert response.status_code == 201, response.text
        assert response.json()["id"] == 1


@pytest.fixture(scope="module")
def fuzz_editor_key(database: databases.TestDatabase, live_server: LiveServer) -> str:
    """Empty the database, seed it through the API and return an editor key's secret."""
    database.reset()
    secret = insert_key(database, name="fuzz-editor", role="editor")
    with httpx.Client(
        base_url=live_server.base_url, timeout=30, headers={"Authorization": f"Bearer {secret}"}
    ) as http:
        seed_content(http)
    return secret


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer, fuzz_editor_key: str) -> BaseSchema:
    """Load the live server's OpenAPI document, configured for bounded, reproducible runs."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": live_server.base_url,
            "headers": {"Authorization": f"Bearer {fuzz_editor_key}"},
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
                "no-shrink": True,
            },
            # Inputs come from the seed alone, not from earlier responses: reproducible runs.
            "phases": {
                "examples": {"extra-data-sources": {"responses": False}},
                "coverage": {"extra-data-sources": {"responses": False}},
                "fuzzing": {
                    "extra-data-sources": {"responses": False},
                    "error-feedback": {"enabled": False},
                },
                "stateful": {"enabled": False},
            },
            # An editor key meets 403 on every admin operation whatever the input: boundary
            # values there (hundreds for the restore document) would only repeat that answer.
            "operations": [{"include-tag": "admin", "phases": {"coverage": {"enabled": False}}}],
            "request-timeout": 30,
        }
    )
    return schemathesis.openapi.from_url(f"{live_server.base_url}/openapi.json", config=config)


@pytest.fixture(autouse=True)
def _legacy_node_id(request: pytest.FixtureRequest) -> None:
    """Give the test item the ``_nodeid`` schemathesis 4.32.5 reads; pytest 9.2 renamed it."""
    # schemathesis.pytest.lazy reads and rewrites `request.node._nodeid`, which pytest 9.2
    # replaced with a structured `_id`; nodes keep a __dict__, so a plain attribute satisfies it.
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_keeps_its_documented_contract(case: Case[Any]) -> None:
    """Call the operation with generated input; no 5xx, and status, type and body as documented."""
    case.call_and_validate(checks=CHECKS)
