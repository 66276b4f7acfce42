"""No N+1: each list answers in a fixed number of SQL statements whatever `limit` is."""

import httpx
import pytest

from tests.factories import decide, link, make_claim, make_study, make_topic
from tests.server import LiveServer, counting

ROWS = 105


@pytest.fixture
def many(editor: httpx.Client) -> str:
    """Make ROWS claims with aliases, topics, evidence and verdicts; return one claim's slug."""
    make_topic(editor, "Sitting", "sitting")
    make_topic(editor, "Glutes", "glutes")
    for n in range(6):
        make_topic(editor, f"Topic {n}")
    hub = make_claim(editor, "Hub claim with many studies", aliases=["hub"], topics=["glutes"])
    for n in range(ROWS):
        claim = make_claim(
            editor,
            f"Claim number {n} about sitting",
            aliases=[f"alias {n}", f"other {n}"],
            topics=["sitting", "glutes"],
        )
        study = make_study(
            editor,
            title=f"Study {n}",
            authors=[{"family": f"Author{n}", "given": "A"}, {"family": "Second", "given": "B"}],
            year=2000 + n % 20,
            design=["cohort", "laboratory", "randomized_trial"][n % 3],
        )
        link(editor, claim["slug"], study["id"], "supports")
        link(editor, hub["slug"], study["id"], ["supports", "contradicts", "mixed"][n % 3])
        decide(editor, claim["slug"], "mixed")
    return str(hub["slug"])


LISTS = [
    "/v1/claims",
    "/v1/claims?q=sitting",
    "/v1/claims?topic=sitting&verdict=mixed",
    "/v1/claims?needs_review=false",
    "/v1/studies",
    "/v1/topics",
    "/v1/claims/{hub}/evidence",
    "/v1/audit",
    "/v1/api-keys",
]


def test_statements_do_not_grow_with_the_page(
    many: str, admin: httpx.Client, live_server: LiveServer
) -> None:
    for path in LISTS:
        url = path.format(hub=many)
        counts = {}
        sizes = {}
        for limit in (5, 100):
            with counting(live_server) as statements:
                response = admin.get(url, params={"limit": limit})
            assert response.status_code == 200, response.text
            sizes[limit] = len(response.json()["items"])
            counts[limit] = len(statements)
        if path != "/v1/api-keys":
            assert sizes[5] == 5, url
            assert sizes[100] > 5, url
        assert counts[5] == counts[100], (url, counts)
        # At most: BEGIN and the content-generation check, then a claims page's own queries
        # (claims, aliases, topics, current verdicts, evidence counts, review reasons).
        assert counts[5] <= 9, (url, counts)
