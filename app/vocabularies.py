"""The contract's controlled vocabularies, shared by the ORM models and the API schemas."""

from enum import StrEnum


class Rating(StrEnum):
    """A verdict's rating of a claim."""

    supported = "supported"
    mostly_supported = "mostly_supported"
    mixed = "mixed"
    mostly_refuted = "mostly_refuted"
    refuted = "refuted"
    unproven = "unproven"


# ClaimReview ``ratingValue`` for each rating; ``unproven`` has no number.
RATING_VALUES: dict[Rating, int | None] = {
    Rating.supported: 5,
    Rating.mostly_supported: 4,
    Rating.mixed: 3,
    Rating.mostly_refuted: 2,
    Rating.refuted: 1,
    Rating.unproven: None,
}

RATING_LABELS: dict[Rating, str] = {
    Rating.supported: "Supported",
    Rating.mostly_supported: "Mostly supported",
    Rating.mixed: "Mixed",
    Rating.mostly_refuted: "Mostly refuted",
    Rating.refuted: "Refuted",
    Rating.unproven: "Unproven",
}


class Certainty(StrEnum):
    """GRADE certainty of the evidence behind a verdict."""

    high = "high"
    moderate = "moderate"
    low = "low"
    very_low = "very_low"


class ReviewReasonKind(StrEnum):
    """Why a claim needs review."""

    no_verdict = "no_verdict"
    evidence_changed = "evidence_changed"
    study_retracted = "study_retracted"
    verdict_disagrees_with_assessment = "verdict_disagrees_with_assessment"


class StoredReviewReason(StrEnum):
    """The review reasons that writes set (``no_verdict`` is read from the verdicts)."""

    evidence_changed = "evidence_changed"
    study_retracted = "study_retracted"
    verdict_disagrees_with_assessment = "verdict_disagrees_with_assessment"


class Stance(StrEnum):
    """How a study bears on a claim."""

    supports = "supports"
    contradicts = "contradicts"
    mixed = "mixed"
    mentions = "mentions"


class RiskOfBias(StrEnum):
    """A curator's appraisal of how far a study's design and conduct may bias its result."""

    low = "low"
    some_concerns = "some_concerns"
    high = "high"


class Directness(StrEnum):
    """Whether a study looked at the claim's own population, exposure and outcome."""

    direct = "direct"
    indirect = "indirect"


class Design(StrEnum):
    """Study design, strongest first (the order of the evidence hierarchy)."""

    meta_analysis = "meta_analysis"
    systematic_review = "systematic_review"
    randomized_trial = "randomized_trial"
    non_randomized_trial = "non_randomized_trial"
    cohort = "cohort"
    case_control = "case_control"
    cross_sectional = "cross_sectional"
    case_series = "case_series"
    case_report = "case_report"
    laboratory = "laboratory"
    narrative_review = "narrative_review"
    expert_opinion = "expert_opinion"
    other = "other"


# Rank of each design when choosing the strongest: 0 is the strongest. The vocabulary lists
# `other` last, but a design that is not listed (a qualitative interview study, say) is still
# a study, so it ranks above an opinion.
DESIGN_RANK: dict[Design, int] = {
    design: rank
    for rank, design in enumerate(
        [
            *(d for d in Design if d not in (Design.expert_opinion, Design.other)),
            Design.other,
            Design.expert_opinion,
        ]
    )
}


class PublicationType(StrEnum):
    """What kind of publication a study is."""

    journal_article = "journal_article"
    review_article = "review_article"
    preprint = "preprint"
    book = "book"
    report = "report"
    blog_post = "blog_post"
    web_page = "web_page"
    other = "other"


class Role(StrEnum):
    """What an API key may do: editors curate content, admins also manage keys and data."""

    editor = "editor"
    admin = "admin"


class SourceStance(StrEnum):
    """How a source presents a claim it makes or mentions."""

    asserts = "asserts"
    refutes = "refutes"
    questions = "questions"


def words(value: object) -> str:
    """Return a vocabulary value as words for people: ``blog_post`` -> ``blog post``."""
    return str(value).replace("_", " ") if value is not None else ""
