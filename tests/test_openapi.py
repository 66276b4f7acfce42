"""The OpenAPI document: 3.1, every operation documented, every error as problem+json."""

import re
from typing import Any

import httpx
import jsonschema
import pytest

from app.response_headers import UNCACHED_PATHS
from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study
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
    # POST /v1/claims/match is a read: its sentence travels in the body.
    reads_by_post = {("post", "/v1/claims/match")}
    for method, path, operation in operations(document):
        if method in {"post", "patch", "delete"} and (method, path) not in reads_by_post:
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


def schema_of(document: dict[str, Any], name: str) -> dict[str, Any]:
    """Return a component schema."""
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def string_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """Return the string alternative of a (possibly nullable) schema."""
    choices: list[dict[str, Any]] = schema.get("anyOf", [schema])
    for choice in choices:
        if choice.get("type") == "string":
            return choice
    raise AssertionError(f"no string alternative in {schema}")


def nullable(schema: dict[str, Any]) -> bool:
    """Tell whether a schema admits null."""
    return {"type": "null"} in schema.get("anyOf", []) or schema.get("type") == "null"


IDENTIFIER_CASES = {
    "doi": [
        "10.1370/afm.1518",
        "  10.1370/AFM.1518 ",
        "doi:10.1370/afm.1518",
        "DOI: 10.1370/afm.1518",
        "https://doi.org/10.1370/afm.1518",
        "HTTP://DX.DOI.ORG/10.1002%2Fxyz",
        "10/abc",
        "afm.1518",
        "10.137/afm",
        "10.\u0661\u0662\u0663\u0664/x",  # Arabic-Indic digits
        "10.1370/a b",
        "ftp://doi.org/10.1370/afm.1518",
    ],
    "pmid": ["24218376", "PMID: 24218376", "pmid24218376", "1234567890", "12a", "٣٤٥"],
}


class TestStatedRules:
    @pytest.mark.parametrize("name", sorted(IDENTIFIER_CASES))
    def test_identifier_patterns_say_what_the_server_accepts(
        self, name: str, document: dict[str, Any], client: httpx.Client
    ) -> None:
        (parameter,) = [
            p for p in document["paths"]["/v1/studies"]["get"]["parameters"] if p["name"] == name
        ]
        pattern = re.compile(string_branch(parameter["schema"])["pattern"])
        create = string_branch(schema_of(document, "StudyCreate")["properties"][name])
        assert create["pattern"] == pattern.pattern
        for value in IDENTIFIER_CASES[name]:
            status = client.get("/v1/studies", params={name: value}).status_code
            assert (status, value) == (200 if pattern.search(value) else 422, value)

    def test_the_cursor_is_an_opaque_string_and_other_characters_are_422(
        self, document: dict[str, Any], client: httpx.Client
    ) -> None:
        (parameter,) = [
            p for p in document["paths"]["/v1/claims"]["get"]["parameters"] if p["name"] == "cursor"
        ]
        cursor = string_branch(parameter["schema"])
        assert cursor["pattern"] == "^[A-Za-z0-9_-]*$"
        assert "opaque" in parameter["description"]
        assert_problem(client.get("/v1/claims", params={"cursor": "e30=!"}), 422)

    @pytest.mark.parametrize(
        ("model", "cleared", "kept"),
        [
            ("StudyUpdate", {"title", "authors", "publication_type", "retracted"}, "journal"),
            ("ClaimUpdate", {"statement", "aliases", "topics"}, "summary"),
            ("EvidenceUpdate", {"stance", "finding"}, "quote"),
            ("SourceUpdate", {"title", "authors", "appearances", "citations"}, "notes"),
        ],
    )
    def test_patch_bodies_say_which_fields_may_be_null(
        self, model: str, cleared: set[str], kept: str, document: dict[str, Any]
    ) -> None:
        properties = schema_of(document, model)["properties"]
        assert {name for name in properties if not nullable(properties[name])} == cleared
        assert nullable(properties[kept])
        assert not any("default" in properties[name] for name in cleared)

    def test_a_null_the_document_refuses_is_422_and_one_it_allows_is_stored(
        self, editor: httpx.Client
    ) -> None:
        study = make_study(editor, title="A study", journal="BMJ")
        url = f"/v1/studies/{study['id']}"
        body = assert_problem(editor.patch(url, json={"title": None}), 422)
        assert body["errors"][0]["msg"].endswith("'title' cannot be null; leave it out to keep it")
        changed = editor.patch(url, json={"journal": None})
        assert changed.status_code == 200, changed.text
        assert changed.json()["journal"] is None


def component(document: dict[str, Any], ref: str) -> dict[str, Any]:
    """Return a schema that resolves its $refs against the document's components."""
    return {"$ref": ref, "components": document["components"]}


class TestTypedDocuments:
    def test_csl_json_and_claim_review_are_named_schemas(self, document: dict[str, Any]) -> None:
        paths = document["paths"]
        citation = paths["/v1/studies/{study}/citation"]["get"]["responses"]["200"]["content"]
        assert citation["application/vnd.citationstyles.csl+json"]["schema"] == {
            "type": "array",
            "items": {"$ref": "#/components/schemas/CslItem"},
        }
        review = paths["/v1/claims/{claim}/claimreview"]["get"]["responses"]["200"]["content"]
        assert review["application/ld+json"]["schema"] == {
            "$ref": "#/components/schemas/ClaimReview"
        }
        item = document["components"]["schemas"]["CslItem"]["properties"]
        assert {"container-title", "DOI", "author", "issued"} <= set(item)

    def test_import_body_names_every_format(self, document: dict[str, Any]) -> None:
        body = document["paths"]["/v1/studies/import"]["post"]["requestBody"]["content"]
        assert set(body) == {
            "application/x-bibtex",
            "application/x-research-info-systems",
            "application/vnd.citationstyles.csl+json",
            "application/nbib",
            "application/octet-stream",
            "text/plain",
        }
        for media_type in ("application/x-bibtex", "application/nbib", "application/octet-stream"):
            assert body[media_type]["schema"]["format"] == "binary", media_type
        csl = body["application/vnd.citationstyles.csl+json"]
        assert csl["schema"]["$ref"] == "#/components/schemas/CslItem"

    def test_served_documents_validate_against_their_schemas(
        self, document: dict[str, Any], editor: httpx.Client, client: httpx.Client
    ) -> None:
        claim = make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        link(editor, claim["slug"], study["id"], "mentions")
        decide(editor, claim["slug"], "unproven", "very_low")
        review = client.get(f"/v1/claims/{claim['slug']}/claimreview").json()
        jsonschema.validate(review, component(document, "#/components/schemas/ClaimReview"))
        items = client.get(f"/v1/studies/{study['id']}/citation", params={"format": "csl-json"})
        jsonschema.validate(
            items.json(),
            {
                "type": "array",
                "items": {"$ref": "#/components/schemas/CslItem"},
                "components": document["components"],
            },
        )
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(
                {**review, "@type": "Review"},
                component(document, "#/components/schemas/ClaimReview"),
            )


class TestResponseHeaders:
    def test_documented_where_sent(self, document: dict[str, Any]) -> None:
        for method, path, operation in operations(document):
            responses = operation["responses"]
            headers = {status: set(r.get("headers", {})) for status, r in responses.items()}
            where = f"{method.upper()} {path}"
            if method == "get" and "200" in responses and path not in UNCACHED_PATHS:
                assert {"ETag", "Cache-Control"} <= headers["200"], where
            if "201" in responses:
                assert {"Location", "ETag"} <= headers["201"], where
        claims = document["paths"]["/v1/claims"]["get"]["responses"]["200"]["headers"]
        assert claims["Link"]["schema"] == {"type": "string"}
        refs = document["paths"]["/v1/claims/{claim}/references"]["get"]["responses"]["200"]
        assert "Vary" in refs["headers"]

    def test_sent_as_documented(self, editor: httpx.Client, client: httpx.Client) -> None:
        created = editor.post("/v1/studies", json=STUDY_DARLOW)
        assert created.status_code == 201
        assert created.headers["location"] == f"/v1/studies/{created.json()['id']}"
        assert created.headers["etag"]
        read = client.get(created.headers["location"])
        assert read.headers["etag"]
        assert read.headers["cache-control"].startswith("public")
        for n in range(3):
            make_claim(editor, f"Claim number {n} about glutes")
        page = client.get("/v1/claims", params={"limit": 2})
        assert page.headers["link"].endswith('>; rel="next"')
        cited = client.get(f"/v1/studies/{created.json()['id']}/citation")
        assert cited.headers["vary"] == "Accept"
