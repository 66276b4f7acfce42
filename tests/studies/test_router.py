"""Studies over HTTP."""

from typing import Any

import httpx
import pytest

from tests.factories import (
    STUDY_BLOG,
    STUDY_DARLOW,
    STUDY_PMID_ONLY,
    byline,
    link,
    make_claim,
    make_study,
)
from tests.problems import assert_problem


class TestCreateStudy:
    def test_anonymous_is_401(self, client: httpx.Client) -> None:
        assert_problem(client.post("/v1/studies", json=STUDY_DARLOW), 401)

    def test_valid_is_201_with_location_and_normalised_doi(
        self, editor: httpx.Client, client: httpx.Client
    ) -> None:
        response = editor.post("/v1/studies", json=STUDY_DARLOW)
        assert response.status_code == 201
        body = response.json()
        assert response.headers["location"] == f"/v1/studies/{body['id']}"
        assert body["doi"] == "10.1370/afm.1518"
        assert body["authors"] == byline(STUDY_DARLOW["authors"])
        assert body["cited_for"] == []
        assert client.get(response.headers["location"]).json() == body

    @pytest.mark.parametrize(
        "doi", ["doi:10.1370/afm.1518", "10.1370/AFM.1518", "http://dx.doi.org/10.1370/afm.1518"]
    )
    def test_duplicate_doi_in_any_form_is_409_with_existing(
        self, editor: httpx.Client, doi: str
    ) -> None:
        first = make_study(editor, **STUDY_DARLOW)
        body = assert_problem(
            editor.post("/v1/studies", json={**STUDY_DARLOW, "doi": doi, "title": "Other"}), 409
        )
        assert body["existing"] == f"/v1/studies/{first['id']}"
        assert "10.1370/afm.1518" in body["detail"]

    def test_duplicate_pmid_is_409_with_existing(self, editor: httpx.Client) -> None:
        first = make_study(editor, **STUDY_PMID_ONLY)
        body = assert_problem(
            editor.post("/v1/studies", json={"title": "Other", "pmid": "21838925"}), 409
        )
        assert body["existing"] == f"/v1/studies/{first['id']}"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("doi", "not-a-doi"),
            ("pmid", "PMC123"),
            ("pmcid", "123abc"),
            ("design", "anecdote"),
            ("publication_type", "tweet"),
            ("year", 99),
            ("url", "ftp://example.org"),
        ],
    )
    def test_invalid_field_is_422_naming_it(
        self, editor: httpx.Client, field: str, value: object
    ) -> None:
        body = assert_problem(editor.post("/v1/studies", json={"title": "T", field: value}), 422)
        assert body["errors"][0]["loc"][:2] == ["body", field]

    def test_blog_post_with_url_only(self, editor: httpx.Client) -> None:
        body = make_study(editor, **STUDY_BLOG)
        assert body["publication_type"] == "blog_post"
        assert (body["doi"], body["pmid"], body["year"]) == (None, None, None)


class TestUpdateStudy:
    def test_retraction_and_stale_if_match(self, editor: httpx.Client) -> None:
        study = make_study(editor, **STUDY_DARLOW)
        url = f"/v1/studies/{study['id']}"
        etag = editor.get(url).headers["etag"]
        retracted = editor.patch(
            url,
            json={"retracted": True, "retraction_note": "Retracted for data errors."},
            headers={"If-Match": etag},
        )
        assert retracted.status_code == 200
        assert retracted.json()["retracted"] is True
        assert retracted.json()["version"] == 2
        assert_problem(editor.patch(url, json={"title": "X"}, headers={"If-Match": etag}), 412)
        listed = editor.get("/v1/studies", params={"retracted": "true"}).json()["items"]
        assert [item["id"] for item in listed] == [study["id"]]

    def test_doi_of_another_study_is_409(self, editor: httpx.Client) -> None:
        darlow = make_study(editor, **STUDY_DARLOW)
        other = make_study(editor, **STUDY_PMID_ONLY)
        body = assert_problem(
            editor.patch(f"/v1/studies/{other['id']}", json={"doi": "10.1370/afm.1518"}), 409
        )
        assert body["existing"] == f"/v1/studies/{darlow['id']}"

    def test_authors_are_replaced_in_order(self, editor: httpx.Client) -> None:
        study = make_study(editor, **STUDY_DARLOW)
        authors: list[dict[str, Any]] = [
            {"family": "Zed", "given": None},
            {"family": "Alpha", "given": "A"},
        ]
        body = editor.patch(f"/v1/studies/{study['id']}", json={"authors": authors}).json()
        assert body["authors"] == byline(authors)

    def test_unknown_is_404(self, editor: httpx.Client) -> None:
        assert_problem(editor.patch("/v1/studies/4242", json={"title": "X"}), 404)


class TestDeleteStudy:
    def test_cited_study_is_409_then_deletable_once_unlinked(self, editor: httpx.Client) -> None:
        make_claim(editor, "Sitting switches your glutes off")
        study = make_study(editor, **STUDY_DARLOW)
        evidence = link(editor, "sitting-switches-your-glutes-off", study["id"], "supports")
        body = assert_problem(editor.delete(f"/v1/studies/{study['id']}"), 409)
        assert "1 evidence" in body["detail"]
        assert editor.delete(f"/v1/evidence/{evidence['id']}").status_code == 204
        assert editor.delete(f"/v1/studies/{study['id']}").status_code == 204
        assert_problem(editor.get(f"/v1/studies/{study['id']}"), 404)


class TestListStudies:
    def test_filters(self, editor: httpx.Client, client: httpx.Client) -> None:
        darlow = make_study(editor, **STUDY_DARLOW)
        arab = make_study(editor, **STUDY_PMID_ONLY)
        blog = make_study(editor, **STUDY_BLOG)

        def ids(**params: str | int | list[str]) -> list[int]:
            response = client.get("/v1/studies", params=params)
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

        assert ids() == [blog["id"], arab["id"], darlow["id"]]
        assert ids(doi="https://doi.org/10.1370/afm.1518") == [darlow["id"]]
        assert ids(pmid="21838925") == [arab["id"]]
        assert ids(design=["case_control", "expert_opinion"]) == [blog["id"], arab["id"]]
        assert ids(publication_type="blog_post") == [blog["id"]]
        assert ids(year_from=2012) == [darlow["id"]]
        assert ids(year_to=2012) == [arab["id"]]
        assert ids(q="darlow") == [darlow["id"]]
        assert ids(q="GLUTEUS") == [arab["id"]]
        assert ids(sort="-year") == [darlow["id"], arab["id"], blog["id"]]
        assert ids(sort="title", limit=1) == [arab["id"]]

    def test_paging_by_year(self, editor: httpx.Client, client: httpx.Client) -> None:
        made = [make_study(editor, title=f"S{n}", year=2000 + n % 4)["id"] for n in range(9)]
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"sort": "year", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/v1/studies", params=params).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(made)
        assert len(seen) == 9
