"""Build content over the API, as a curator would."""

from typing import Any

import httpx

STUDY_DARLOW: dict[str, Any] = {
    "title": "The enduring impact of what clinicians say to people with low back pain",
    "authors": [{"family": "Darlow", "given": "Ben"}, {"family": "Dowell", "given": "Anthony"}],
    "year": 2013,
    "journal": "Annals of Family Medicine",
    "doi": "https://doi.org/10.1370/AFM.1518",
    "publication_type": "journal_article",
    "design": "cross_sectional",
}
STUDY_PMID_ONLY: dict[str, Any] = {
    "title": "Electromyographic activity of gluteus maximus in chronic low back pain",
    "authors": [{"family": "Arab", "given": "Amir M"}],
    "year": 2011,
    "pmid": "21838925",
    "design": "case_control",
}
STUDY_BLOG: dict[str, Any] = {
    "title": "Have the butt muscles of the world gone silent?",
    "authors": [{"family": "Lehman", "given": "Greg"}],
    "url": "https://www.greglehman.ca/blog/glutes",
    "publication_type": "blog_post",
    "design": "expert_opinion",
}


def byline(authors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return authors as a study represents them: every name part, unset ones empty."""
    blank = {
        "given": None,
        "non_dropping_particle": None,
        "dropping_particle": None,
        "suffix": None,
        "literal": False,
    }
    return [{**blank, **author} for author in authors]


def created(response: httpx.Response) -> dict[str, Any]:
    """Assert a 201 and return its body."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def make_topic(editor: httpx.Client, name: str, slug: str | None = None) -> dict[str, Any]:
    """Create a topic."""
    payload: dict[str, Any] = {"name": name}
    if slug:
        payload["slug"] = slug
    return created(editor.post("/v1/topics", json=payload))


def make_claim(editor: httpx.Client, statement: str, **fields: Any) -> dict[str, Any]:
    """Create a claim."""
    return created(editor.post("/v1/claims", json={"statement": statement, **fields}))


def make_study(editor: httpx.Client, **fields: Any) -> dict[str, Any]:
    """Create a study."""
    return created(editor.post("/v1/studies", json=fields))


def link(
    editor: httpx.Client, claim: str, study_id: int, stance: str, finding: str = "Found."
) -> dict[str, Any]:
    """Link a study to a claim."""
    return created(
        editor.post(
            f"/v1/claims/{claim}/evidence",
            json={"study_id": study_id, "stance": stance, "finding": finding},
        )
    )


def decide(editor: httpx.Client, claim: str, rating: str, certainty: str = "low") -> dict[str, Any]:
    """Record a verdict."""
    return created(
        editor.post(
            f"/v1/claims/{claim}/verdicts",
            json={
                "rating": rating,
                "certainty": certainty,
                "rationale": f"Rated {rating} by the test suite.",
            },
        )
    )
