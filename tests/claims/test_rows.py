"""The claim detail read as plain rows is the same document, byte for byte, as the service's."""

import httpx

from app.config import Settings
from tests.databases import TestDatabase
from tests.factories import STUDY_DARLOW, decide, link, make_claim, make_study, make_topic
from tests.server import serve


def same_bytes(editor: httpx.Client, client: httpx.Client, slug: str, summary: str) -> None:
    """Change the claim's summary; the write's answer (the service's document) is the GET's."""
    current = client.get(f"/v1/claims/{slug}")
    written = editor.patch(
        f"/v1/claims/{slug}",
        json={"summary": summary},
        headers={"If-Match": current.headers["etag"]},  # 412 unless the bytes are the same
    )
    assert written.status_code == 200, written.text
    read = client.get(f"/v1/claims/{slug}")
    assert read.content == written.content
    assert read.headers["etag"] == written.headers["etag"]


def test_every_part_of_the_document_is_the_services(
    editor: httpx.Client, client: httpx.Client
) -> None:
    make_topic(editor, "Sitting", "sitting")
    make_topic(editor, "Glutes", "glutes")
    claim = make_claim(
        editor,
        "Sitting switches your glutes off",
        aliases=["glute amnesia", "dead butt syndrome", "Gesäßmuskel-Amnesie"],
        topics=["sitting", "glutes"],
    )
    slug = claim["slug"]
    same_bytes(editor, client, slug, "No verdict yet, no evidence.")
    studies = [
        make_study(editor, **STUDY_DARLOW),
        make_study(editor, title="A cohort of sitters", year=2019, design="cohort"),
        make_study(editor, title="An undesigned report", year=2020),
    ]
    for study, stance in zip(studies, ["contradicts", "supports", "mixed"], strict=True):
        link(editor, slug, study["id"], stance)
    same_bytes(editor, client, slug, "Evidence, no verdict.")
    decide(editor, slug, "refuted")
    same_bytes(editor, client, slug, "A verdict against the assessment.")
    retracted = editor.patch(
        f"/v1/studies/{studies[1]['id']}",
        json={"retracted": True, "retraction_note": "Retracted for data errors."},
    )
    assert retracted.status_code == 200, retracted.text
    document = client.get(f"/v1/claims/{slug}").json()
    assert document["review"]["needs_review"] is True
    same_bytes(editor, client, slug, "A retracted study, and the evidence changed: “quoted”.")
    # By id and by a former slug: the same document.
    moved = editor.patch(f"/v1/claims/{slug}", json={"statement": "Sitting turns glutes off"})
    assert moved.status_code == 200
    for ref in (str(claim["id"]), slug, moved.json()["slug"]):
        assert client.get(f"/v1/claims/{ref}").content == moved.content


def test_a_deleted_or_unknown_claim_is_404(editor: httpx.Client, client: httpx.Client) -> None:
    claim = make_claim(editor, "Sitting switches your glutes off")
    current = client.get(f"/v1/claims/{claim['slug']}")
    deleted = editor.delete(
        f"/v1/claims/{claim['slug']}", headers={"If-Match": current.headers["etag"]}
    )
    assert deleted.status_code == 204
    for ref in (claim["slug"], str(claim["id"]), "no-such-claim", "999999"):
        missing = client.get(f"/v1/claims/{ref}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


class TestReadAfterWrite:
    """The plain rows are read afresh: no answer is older than a committed write."""

    def test_a_read_after_the_processs_own_write_shows_it(
        self, clean_database: TestDatabase, editor_key: str
    ) -> None:
        settings = Settings(database_url=clean_database.url, cache_bytes=0)
        with (
            serve(settings) as server,
            httpx.Client(
                base_url=server.base_url, headers={"Authorization": f"Bearer {editor_key}"}
            ) as http,
        ):
            claim = make_claim(http, "Sitting switches your glutes off")
            path = f"/v1/claims/{claim['slug']}"
            for n in range(12):
                current = http.get(path)
                assert current.json()["version"] == n + 1
                written = http.patch(
                    path,
                    json={"summary": f"Summary {n}"},
                    headers={"If-Match": current.headers["etag"]},
                )
                assert written.status_code == 200, written.text
                read = http.get(path)
                assert read.json()["summary"] == f"Summary {n}"
                assert read.content == written.content

    def test_a_read_after_another_processs_write_shows_it(
        self, clean_database: TestDatabase, editor: httpx.Client, client: httpx.Client
    ) -> None:
        # The test's own connection writes, as another process (the CLI, a second worker) would;
        # nothing is kept (cache_ttl=0 in the session's server), so the read goes to the rows.
        claim = make_claim(editor, "Sitting switches your glutes off")
        path = f"/v1/claims/{claim['slug']}"
        for n in range(3):
            clean_database.execute(
                "UPDATE claims SET summary = ? WHERE id = ?", (f"Elsewhere {n}", claim["id"])
            )
            assert client.get(path).json()["summary"] == f"Elsewhere {n}"
