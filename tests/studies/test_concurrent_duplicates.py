"""Concurrent creates of one DOI: one 201, and every 409 names the existing study."""

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.problems import assert_problem

CREATES = 49


def test_concurrent_duplicate_doi_creates_all_name_the_existing_study(
    editor: httpx.Client,
) -> None:
    body = {
        "title": "The enduring impact of what clinicians say to people with low back pain",
        "doi": "10.1370/afm.1518",
    }

    def create(_: int) -> httpx.Response:
        with httpx.Client(base_url=editor.base_url, headers=editor.headers, timeout=60) as http:
            return http.post("/v1/studies", json=body)

    with ThreadPoolExecutor(max_workers=CREATES) as pool:
        responses = list(pool.map(create, range(CREATES)))
    created = [r for r in responses if r.status_code == 201]
    assert len(created) == 1, [r.status_code for r in responses]
    url = f"/v1/studies/{created[0].json()['id']}"
    for response in responses:
        if response is not created[0]:
            problem = assert_problem(response, 409)
            assert problem["existing"].endswith(url), problem
