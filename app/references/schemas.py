"""The JSON documents of the references domain, as typed schemas for the OpenAPI document.

The documents are built as dicts by ``formatting`` (CSL-JSON) and ``service`` (ClaimReview);
these models describe them, so generated clients get typed objects, and the tests check every
document the API sends against them.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Document(BaseModel):
    """A JSON document with hyphenated or ``@`` keys; other keys pass through."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")


class CslName(_Document):
    """A CSL name: a person in parts, or a literal (an organisation)."""

    family: str | None = None
    given: str | None = None
    non_dropping_particle: str | None = Field(default=None, alias="non-dropping-particle")
    dropping_particle: str | None = Field(default=None, alias="dropping-particle")
    suffix: str | None = None
    literal: str | None = None


class CslDate(_Document):
    """A CSL date: ``date-parts`` ([[year, month, day]]), or free text."""

    date_parts: list[list[int | str]] | None = Field(default=None, alias="date-parts")
    raw: str | None = None
    literal: str | None = None


class CslItem(_Document):
    """A CSL-JSON item (Citation Style Language 1.0.2), as citeproc-js and Zotero read it."""

    id: str | int
    type: str = Field(examples=["article-journal"])
    title: str | None = None
    author: list[CslName] | None = None
    issued: CslDate | None = None
    accessed: CslDate | None = None
    container_title: str | None = Field(default=None, alias="container-title")
    publisher: str | None = None
    volume: str | int | None = None
    issue: str | int | None = None
    page: str | int | None = None
    number: str | int | None = Field(
        default=None, description="The article number, where the article has one."
    )
    genre: str | None = None
    DOI: str | None = None
    PMID: str | None = None
    PMCID: str | None = None
    URL: str | None = None
    abstract: str | None = None


class Person(_Document):
    """A schema.org Person."""

    type: Literal["Person"] = Field(alias="@type")
    name: str
    familyName: str | None = None


class Organization(_Document):
    """A schema.org Organization."""

    type: Literal["Organization"] = Field(alias="@type")
    name: str
    url: str | None = None


class CreativeWork(_Document):
    """A schema.org CreativeWork: a source where a claim appears."""

    type: Literal["CreativeWork"] = Field(alias="@type")
    headline: str
    url: str | None = None
    author: list[Person] | None = None
    datePublished: str | None = None
    publisher: Organization | None = None


class ReviewedClaim(_Document):
    """The schema.org Claim a ClaimReview reviews, with where it appears."""

    type: Literal["Claim"] = Field(alias="@type")
    name: str
    alternateName: list[str]
    appearance: list[CreativeWork] | None = None
    firstAppearance: CreativeWork | None = None
    author: list[Person] | None = Field(
        default=None, description="Who made the claim: the authors of a source asserting it."
    )
    datePublished: str | None = None


class ReviewRating(_Document):
    """The verdict as a schema.org Rating on a 1 (refuted) to 5 (supported) scale."""

    type: Literal["Rating"] = Field(alias="@type")
    bestRating: int
    worstRating: int
    alternateName: str
    ratingValue: int | None = Field(
        default=None, description="Absent for a verdict off the scale (unproven)."
    )


class ClaimReview(_Document):
    """A schema.org ClaimReview of a claim's current verdict (JSON-LD)."""

    context: Literal["https://schema.org"] = Field(alias="@context")
    type: Literal["ClaimReview"] = Field(alias="@type")
    url: str
    claimReviewed: str
    itemReviewed: ReviewedClaim
    author: Organization
    datePublished: str
    dateModified: str
    reviewRating: ReviewRating
    reviewBody: str | None = None
    creativeWorkStatus: Literal["Published", "UnderReview"]
    citation: str


# Components of the OpenAPI document that responses refer to by name.
DOCUMENT_SCHEMAS: dict[str, type[BaseModel]] = {"CslItem": CslItem, "ClaimReview": ClaimReview}
