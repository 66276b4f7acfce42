"""Cursors: every list pages with the one helper, and a forged cursor is a 422, never a 500."""

import base64
from typing import Any

import httpx
import orjson
import pytest

from tests.factories import decide, link, make_claim, make_study, make_topic
from tests.problems import assert_problem

LISTS = [
    "/v1/claims",
    "/v1/claims?sort=updated_at",
    "/v1/claims?sort=statement",
    "/v1/claims?q=sitting",
    "/v1/claims/sitting-is-bad/evidence",
    "/v1/claims/sitting-is-bad/verdicts",
    "/v1/studies",
    "/v1/studies?sort=title",
    "/v1/studies?sort=-year",
    "/v1/topics",
    "/v1/audit",
    "/v1/api-keys",
]

# The cursor of the issue: the sort of `GET /v1/claims`, with a null timestamp.
FORGED = "eyJzIjoiLXVwZGF0ZWRfYXQiLCJrIjpbbnVsbCwxXX0"


def cursor_of(payload: Any) -> str:
    """Encode ``payload`` the way cursors are encoded."""
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decoded(cursor: str) -> dict[str, Any]:
    """Decode a cursor."""
    payload: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * 4))
    return payload


@pytest.fixture
def content(editor: httpx.Client) -> None:
    """Two of everything every list shows."""
    make_topic(editor, "Sitting", "sitting")
    make_topic(editor, "Glutes", "glutes")
    make_claim(editor, "Sitting is bad", topics=["sitting"])
    make_claim(editor, "Sitting all day switches the glutes off", topics=["sitting"])
    for n, design in enumerate(("cohort", "randomized_trial")):
        study = make_study(editor, title=f"Study {n}", year=2000 + n, design=design)
        link(editor, "sitting-is-bad", study["id"], "supports")
    decide(editor, "sitting-is-bad", "mixed")
    decide(editor, "sitting-is-bad", "refuted")


def forgeries(real: str) -> list[str]:
    """Return cursors that keep a real cursor's sort but break its values, and others."""
    payload = decoded(real)
    sort, keys = payload["s"], payload["k"]
    broken: list[Any] = [None, 2**40, -(2**63), "\u0000", 1.5, [1], {"dt": "2020-01-01T00:00:00"}]
    forged = [cursor_of({"s": sort, "k": [value, *keys[1:]]}) for value in broken]
    forged += [cursor_of({"s": sort, "k": [*keys[:-1], value]}) for value in broken]
    forged += [
        cursor_of({"s": sort, "k": keys[:-1]}),
        cursor_of({"s": sort, "k": [*keys, 1]}),
        cursor_of({"s": "other", "k": keys}),
        cursor_of({"s": sort}),
        cursor_of([sort, keys]),
        cursor_of({"s": sort, "k": {"dt": "x"}}),
        FORGED,
        "!!!",
        "bm90IGpzb24",
        "",
    ]
    return forged


@pytest.mark.usefixtures("content")
def test_forged_cursors_are_422_on_every_list(admin: httpx.Client) -> None:
    for path in LISTS:
        first = admin.get(path, params={"limit": 1})
        assert first.status_code == 200, (path, first.text)
        real = first.json()["next_cursor"]
        assert real is not None, path
        second = admin.get(path, params={"limit": 1, "cursor": real})
        assert second.status_code == 200, (path, second.text)
        assert second.json()["items"] != first.json()["items"], path
        for forged in forgeries(real):
            response = admin.get(path, params={"limit": 1, "cursor": forged})
            if forged == "":
                assert response.status_code == 200, path  # no cursor: the first page
                continue
            body = assert_problem(response, 422)
            assert body["errors"][0]["loc"] == ["query", "cursor"], (path, forged)


@pytest.mark.usefixtures("content")
def test_a_cursor_of_one_list_is_422_on_another(admin: httpx.Client) -> None:
    studies = admin.get("/v1/studies", params={"limit": 1}).json()["next_cursor"]
    assert_problem(admin.get("/v1/claims", params={"cursor": studies}), 422)


# A list's own filter made invalid, with a bad `limit` and `cursor` beside it.
BAD_FILTERS = {
    "/v1/claims": ("q", ""),
    "/v1/studies": ("year_from", "1"),
    "/v1/claims/sitting-is-bad/evidence": ("stance", "neither"),
    "/v1/sources": ("claim", ""),
    "/v1/review-queue": ("reason", "boredom"),
    "/v1/audit": ("entity_id", "0"),
}


@pytest.mark.usefixtures("content")
def test_paging_errors_follow_the_lists_own_errors(admin: httpx.Client) -> None:
    for path, (name, value) in BAD_FILTERS.items():
        response = admin.get(path, params={name: value, "limit": 0, "cursor": "!"})
        body = assert_problem(response, 422)
        locs = [error["loc"][:2] for error in body["errors"]]  # a list's item adds its index
        assert locs == [["query", name], ["query", "limit"], ["query", "cursor"]], path
