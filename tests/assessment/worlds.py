"""Build small worlds of evidence over the API, for the assessment and review tests."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.factories import created, make_claim, make_study


@dataclass(frozen=True)
class S:
    """A study to create and link: its title, design, size, stance and appraisal."""

    title: str
    design: str | None = "randomized_trial"
    stance: str = "supports"
    n: int | None = 200
    rob: str | None = "low"
    directness: str | None = "direct"
    publication_type: str = "journal_article"
    retracted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def add(editor: httpx.Client, slug: str, study: S) -> dict[str, Any]:
    """Create ``study`` and link it to claim ``slug``; return the evidence link."""
    fields: dict[str, Any] = {
        "title": study.title,
        "authors": [{"family": study.title.split()[0], "given": "A"}],
        "year": 2020,
        "publication_type": study.publication_type,
        "design": study.design,
        "sample_size": study.n,
        "retracted": study.retracted,
        **study.extra,
    }
    made = make_study(editor, **fields)
    link: dict[str, Any] = {"study_id": made["id"], "stance": study.stance, "finding": "Found."}
    if study.rob is not None:
        link["risk_of_bias"] = study.rob
    if study.directness is not None:
        link["directness"] = study.directness
    return created(editor.post(f"/v1/claims/{slug}/evidence", json=link))


def world(editor: httpx.Client, *studies: S, statement: str = "Sitting turns glutes off") -> str:
    """Create a claim with ``studies`` linked; return its slug."""
    slug: str = make_claim(editor, statement)["slug"]
    for study in studies:
        add(editor, slug, study)
    return slug


def assessment(client: httpx.Client, slug: str) -> dict[str, Any]:
    """Return the claim's assessment."""
    response = client.get(f"/v1/claims/{slug}/assessment")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def domain(body: dict[str, Any], name: str) -> dict[str, Any]:
    """Return one domain's judgement from an assessment."""
    found: dict[str, Any] = next(d for d in body["domains"] if d["domain"] == name)
    return found
