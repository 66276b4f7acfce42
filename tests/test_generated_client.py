"""A client generated from the served OpenAPI document by openapi-python-client, used as is.

The generator runs offline from the virtual environment into a temporary folder; the client
then imports BibTeX and CSL-JSON and reads a ClaimReview from the live test server.
"""

import importlib
import sys
from collections.abc import Iterator
from io import BytesIO
from types import ModuleType
from typing import Any

import httpx
import pytest
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType

from tests.factories import decide, link, make_claim
from tests.server import LiveServer

PACKAGE = "citedb_client"
BIBTEX = b"""@article{darlow2013,
  title = {The enduring impact of what clinicians say to people with low back pain},
  author = {Darlow, Ben and Dowell, Anthony},
  journal = {Annals of Family Medicine},
  year = {2013},
  pages = {527--534},
  doi = {10.1370/afm.1518}
}
"""


@pytest.fixture(scope="module")
def package(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Generate the client from the live server's /openapi.json and import it."""
    folder = tmp_path_factory.mktemp("client")
    document = folder / "openapi.json"
    document.write_bytes(httpx.get(f"{live_server.base_url}/openapi.json").content)
    config = Config.from_sources(
        ConfigFile(post_hooks=[], package_name_override=PACKAGE),
        MetaType.NONE,
        document,
        "utf-8",
        True,
        folder / PACKAGE,
    )
    errors = generate(config=config)
    # Media types it has no body kind for are warnings: it offers those bodies as the file
    # (application/octet-stream with `format`) and the CSL-JSON item instead.
    assert {(str(e.level), str(e.detail).split(" type ")[0]) for e in errors} <= {
        ("ErrorLevel.WARNING", "Unsupported content")
    }, errors
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_imports_bibtex_as_a_file(package: Any, live_server: LiveServer, editor_key: str) -> None:
    api = module("api.curation.curation_import_studies")
    types, models = module("types"), module("models")
    client = package.AuthenticatedClient(base_url=live_server.base_url, token=editor_key)
    body = types.File(payload=BytesIO(BIBTEX), file_name="darlow.bib")
    response = api.sync_detailed(client=client, body=body, format_=models.ImportFormat.BIBTEX)
    assert response.status_code == 200, response.content
    report = response.parsed
    assert isinstance(report, models.ImportReport)
    (record,) = report.records
    assert (record.status.value, record.key) == ("created", "darlow2013")
    assert isinstance(record.study_id, int)


def test_imports_a_typed_csl_json_item(
    package: Any, live_server: LiveServer, editor_key: str
) -> None:
    api = module("api.curation.curation_import_studies")
    models = module("models")
    client = package.AuthenticatedClient(base_url=live_server.base_url, token=editor_key)
    item = models.CslItem.from_dict(
        {
            "id": "smith2021",
            "type": "article-journal",
            "title": "Names in their parts",
            "author": [{"family": "Smith", "given": "John", "suffix": "Jr."}],
            "issued": {"date-parts": [[2021]]},
        }
    )
    report = api.sync(client=client, body=item)
    assert isinstance(report, models.ImportReport)
    assert [record.status.value for record in report.records] == ["created"]


def test_claim_review_is_a_typed_model(
    package: Any, live_server: LiveServer, editor: httpx.Client
) -> None:
    claim = make_claim(editor, "Sitting switches your glutes off")
    studies = editor.post("/v1/studies/import?format=bibtex", content=BIBTEX).json()
    link(editor, claim["slug"], studies["records"][0]["study_id"], "mentions")
    decide(editor, claim["slug"], "refuted", "low")
    api = module("api.references.references_claim_review")
    models = module("models")
    review = api.sync(claim=claim["slug"], client=package.Client(base_url=live_server.base_url))
    assert isinstance(review, models.ClaimReview)
    assert isinstance(review.review_rating, models.ReviewRating)
    assert review.claim_reviewed == claim["statement"]
    assert review.review_rating.alternate_name == "Refuted"
