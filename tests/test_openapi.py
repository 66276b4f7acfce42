"""The OpenAPI document: 3.1, every operation documented, every error as problem+json."""

from typing import Any

import httpx
import pytest

from tests.problems import assert_problem

TAGS = {
    "claims",
    "studies",
    "evidence",
    "topics",
    "references",
    "sources",
    "curation",
    "admin",
    "meta",
}


@pytest.fixture
def document(client: httpx.Client) -> dict[str, Any]:
    """Return the served OpenAPI document."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Return (method, path, operation) for every operation."""
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_is_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key made with `citedb create-key` or `POST /v1/api-keys`.",
    }


def test_every_operation_is_documented(document: dict[str, Any]) -> None:
    ids = []
    for method, path, operation in operations(document):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert set(operation["tags"]) <= TAGS, where
        assert len(operation["tags"]) == 1, where
        tag = operation["tags"][0]
        assert operation["operationId"].startswith(f"{tag}-"), where
        assert "_" not in operation["operationId"], where
        ids.append(operation["operationId"])
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], where
        assert "500" in operation["responses"], where
        if "requestBody" in operation:
            assert {"413", "422"} <= set(operation["responses"]), where
            body_schema = operation["requestBody"]["content"]
            assert body_schema, where
    assert len(ids) == len(set(ids))


def test_writes_need_a_key_and_declare_401(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if method in {"post", "patch", "delete"}:
            assert operation.get("security") == [{"ApiKey": []}], f"{method} {path}"
            assert "401" in operation["responses"], f"{method} {path}"
        elif path.startswith("/v1/") and not path.startswith(
            ("/v1/api-keys", "/v1/audit", "/v1/export", "/v1/webhooks")
        ):
            assert "security" not in operation, f"{method} {path}"


def test_docs_page_renders_swagger(client: httpx.Client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text


def test_unknown_path_and_method_are_problems(client: httpx.Client) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404)
    response = client.put("/v1/topics")
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]
