"""The GRADE rules of the assessment, as tables to read beside the handbooks.

Sources, cited by section in the tables below:

- GRADE handbook: Schünemann H, Brożek J, Guyatt G, Oxman A (eds.), *GRADE Handbook for
  grading quality of evidence and strength of recommendations*, updated October 2013
  (gdtgradepro.org/app/handbook/handbook.html). 5.1: a body of randomised trials starts at
  high certainty, a body of observational studies at low. 5.2: the five reasons to rate
  down: 5.2.1 study limitations (risk of bias), 5.2.2 inconsistency of results, 5.2.3
  indirectness of evidence, 5.2.4 imprecision, 5.2.5 publication bias; each is judged not
  serious, serious (down one level) or very serious (down two).
- Cochrane Handbook 5.1 (2011), 12.2: table 12.2.a places case series and case reports at
  very low; table 12.2.d goes from the risk of bias of the studies to the judgement of the
  body ("most information from studies at low risk" is not serious; "the proportion of
  information from studies at high risk is sufficient to affect the interpretation" is
  serious; a crucial limitation is very serious).
- GRADE guidelines 6 (Guyatt et al., J Clin Epidemiol 2011;64:1283-93) and GRADE guidance 34
  (J Clin Epidemiol 2022;150:216-24): imprecision judged against the optimal information
  size (OIS), and rated down by more than one level when the sample is far below it.

What the rules cannot see, they do not pretend to: citedb stores a stance and an appraisal per
link, not effect estimates or confidence intervals, so imprecision is judged on participants
(the OIS rule of thumb), inconsistency on stances, and GRADE's reasons to rate *up* (large
effect, dose-response, opposing confounding) are never applied. Each domain's reason names the
studies that decided it, so a curator can check the judgement and depart from it in a
verdict's rationale.

The pure function :func:`assess` applies the tables to a claim's links; it reads nothing from
the database.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.assessment.schemas import (
    Assessment,
    Body,
    DesignCounts,
    Direction,
    Domain,
    DomainJudgement,
    Excluded,
    ExclusionReason,
    Judgement,
    StanceCounts,
    StartingCertainty,
)
from app.studies.schemas import ClaimRef
from app.verdicts.schemas import VerdictRead
from app.vocabularies import (
    DESIGN_RANK,
    Certainty,
    Design,
    Directness,
    PublicationType,
    Rating,
    RiskOfBias,
    Stance,
    words,
)


@dataclass(frozen=True)
class Link:
    """One evidence link with what the rules read of its study."""

    evidence_id: int
    study_id: int
    label: str  # how reasons name the study: "Arab 2011 (evidence 3)"
    stance: Stance
    design: Design | None
    publication_type: PublicationType
    sample_size: int | None
    retracted: bool
    risk_of_bias: RiskOfBias | None
    directness: Directness | None


# --- 1. Which links form a body of evidence ------------------------------------------------
#
# Checked in this order; the first that applies excludes the link (listed in `excluded`).

NOT_A_STUDY_PUBLICATIONS = frozenset({PublicationType.blog_post})

# GRADE handbook 5.1: randomised trials start high, observational studies low. Syntheses
# (meta-analyses, systematic reviews) start where the trials they pool start: they are
# taken to pool randomised trials (a curator who links a synthesis of observational studies
# appraises it `indirect` or picks the primary studies instead). None: not a study whose
# result GRADE rates. A narrative review is excluded because its selection of studies is not
# systematic, so its conclusion is an expert's reading of the literature (expert opinion
# in a review's form), and its weight belongs to the primary studies it cites, which can be
# linked themselves. `other` and an unrecorded design cannot be given a starting level.
STARTING_CERTAINTY: dict[Design, StartingCertainty | None] = {
    Design.meta_analysis: StartingCertainty.high,
    Design.systematic_review: StartingCertainty.high,
    Design.randomized_trial: StartingCertainty.high,
    Design.non_randomized_trial: StartingCertainty.low,
    Design.cohort: StartingCertainty.low,
    Design.case_control: StartingCertainty.low,
    Design.cross_sectional: StartingCertainty.low,
    Design.case_series: StartingCertainty.low,
    Design.case_report: StartingCertainty.low,
    Design.laboratory: StartingCertainty.low,
    Design.narrative_review: None,
    Design.expert_opinion: None,
    Design.other: None,
}

# Cochrane Handbook 5.1, table 12.2.a: uncontrolled designs sit with "downgraded observational
# studies" at very low. They are counted as at high risk of bias whatever their appraisal.
UNCONTROLLED_DESIGNS = frozenset({Design.case_series, Design.case_report})


def _a(noun: str) -> str:
    """Return the noun with its indefinite article: "A blog post", "An expert opinion"."""
    return f"{'An' if noun[:1] in 'aeiou' else 'A'} {noun}"


def exclusion(link: Link) -> tuple[ExclusionReason, str] | None:
    """Return why ``link`` is left out of the body of evidence, or None if it counts."""
    if link.retracted:
        return ExclusionReason.retracted, "The study is retracted."
    if link.stance is Stance.mentions:
        return ExclusionReason.mentions_only, "The study is only mentioned, not evidence."
    if link.publication_type in NOT_A_STUDY_PUBLICATIONS:
        return ExclusionReason.not_a_study, f"{_a(words(link.publication_type))}, not a study."
    if link.design is None:
        return ExclusionReason.not_a_study, "The study's design is not recorded."
    if STARTING_CERTAINTY[link.design] is None:
        return ExclusionReason.not_a_study, f"{_a(words(link.design))}: not a study GRADE rates."
    return None


# --- 2. The body, and where it starts ------------------------------------------------------
#
# Randomised and non-randomised studies are rated as separate bodies (handbook 5.1); the body
# of the assessment is the one that rates higher, the randomised one on a tie. The other
# body's studies stay in `counts` and `by_design` and are named in the inconsistency reason.


@dataclass(frozen=True)
class BodyOfEvidence:
    """The studies one certainty is rated on, and the comparable studies set aside."""

    start: StartingCertainty
    studies: Sequence[Link]
    set_aside: Sequence[Link]

    def with_stance(self, *stances: Stance) -> list[Link]:
        """Return the body's studies with one of ``stances``."""
        return [link for link in self.studies if link.stance in stances]

    @property
    def participants(self) -> int | None:
        """Return the recorded participants of the body, or None if none is recorded."""
        sizes = [link.sample_size for link in self.studies if link.sample_size is not None]
        return sum(sizes) if sizes else None


def at_high_risk(link: Link) -> bool:
    """Tell whether a study counts as at high risk of bias."""
    return link.risk_of_bias is RiskOfBias.high or link.design in UNCONTROLLED_DESIGNS


def named(links: Sequence[Link]) -> str:
    """Name studies in a reason."""
    return "; ".join(link.label for link in links)


# --- 3. The five domains -------------------------------------------------------------------
#
# Each rule's test returns its reason (naming the studies it looked at) when it applies, else
# None. Per domain the first rule that applies decides; the last rule of each domain always
# applies. Thresholds: OIS is GRADE's rule of thumb of 400 participants for a continuous
# outcome (guidelines 6); "far below" is a quarter of it (guidance 34 rates down two levels).

OPTIMAL_INFORMATION_SIZE = 400
FAR_BELOW_OIS = 100
SMALL_STUDY = 100


def _most_at_high_risk(body: BodyOfEvidence) -> str | None:
    high = [link for link in body.studies if at_high_risk(link)]
    if 2 * len(high) > len(body.studies):
        return f"{len(high)} of {len(body.studies)} studies at high risk of bias: {named(high)}"
    return None


def _some_at_high_risk(body: BodyOfEvidence) -> str | None:
    high = [link for link in body.studies if at_high_risk(link)]
    if high:
        return f"{len(high)} of {len(body.studies)} studies at high risk of bias: {named(high)}"
    return None


def _none_at_low_risk(body: BodyOfEvidence) -> str | None:
    if any(link.risk_of_bias is RiskOfBias.low for link in body.studies):
        return None
    concerns = [link for link in body.studies if link.risk_of_bias is RiskOfBias.some_concerns]
    unappraised = [link for link in body.studies if link.risk_of_bias is None]
    parts = []
    if concerns:
        parts.append(f"some concerns: {named(concerns)}")
    if unappraised:
        parts.append(f"not appraised: {named(unappraised)}")
    return "No study in the body is at low risk of bias (" + "; ".join(parts) + ")"


def _low_risk(body: BodyOfEvidence) -> str:
    low = [link for link in body.studies if link.risk_of_bias is RiskOfBias.low]
    return f"Most information is from studies at low risk of bias: {named(low)}"


def _evenly_split(body: BodyOfEvidence) -> str | None:
    supporting = body.with_stance(Stance.supports)
    contradicting = body.with_stance(Stance.contradicts)
    if supporting and len(supporting) == len(contradicting):
        return (
            f"As many studies contradict ({named(contradicting)}) as support "
            f"({named(supporting)}) the claim"
        )
    return None


def _conflicting(body: BodyOfEvidence) -> str | None:
    supporting = body.with_stance(Stance.supports)
    contradicting = body.with_stance(Stance.contradicts)
    if supporting and contradicting:
        return (
            f"Comparable studies conflict: {named(supporting)} support; "
            f"{named(contradicting)} contradict"
        )
    return None


def _consistent(body: BodyOfEvidence) -> str:
    if len(body.studies) == 1:
        reason = "A single study: no conflicting results among comparable studies"
    else:
        reason = (
            f"The {len(body.studies)} studies do not conflict "
            "(none supports the claim while another contradicts it)"
        )
    stances = {link.stance for link in body.studies}
    other = [
        link
        for link in body.set_aside
        if link.stance in (Stance.supports, Stance.contradicts) and link.stance not in stances
    ]
    if other:
        reason += (
            f"; {named(other)} point the other way but are "
            f"{'non-randomised' if body.start is StartingCertainty.high else 'randomised'}, "
            "rated as a separate body, not comparable"
        )
    return reason


def _mostly_indirect(body: BodyOfEvidence) -> str | None:
    indirect = [link for link in body.studies if link.directness is Directness.indirect]
    if indirect and 2 * len(indirect) >= len(body.studies):
        return (
            f"{len(indirect)} of {len(body.studies)} studies are indirect (population, "
            f"exposure or outcome not the claim's): {named(indirect)}"
        )
    return None


def _direct(body: BodyOfEvidence) -> str:
    indirect = [link for link in body.studies if link.directness is Directness.indirect]
    unappraised = [link for link in body.studies if link.directness is None]
    reason = "Most studies bear directly on the claim"
    if indirect:
        reason += f"; indirect: {named(indirect)}"
    if unappraised:
        reason += f"; directness not appraised: {named(unappraised)}"
    return reason


def _no_participants(body: BodyOfEvidence) -> str | None:
    if body.participants is None:
        return (
            f"No participant count is recorded for the {len(body.studies)} "
            f"stud{'y' if len(body.studies) == 1 else 'ies'} ({named(body.studies)}), so "
            "the optimal information size cannot be shown to be met"
        )
    return None


def _far_below_ois(body: BodyOfEvidence) -> str | None:
    participants = body.participants
    if participants is not None and participants < FAR_BELOW_OIS:
        return (
            f"{participants} participants in {len(body.studies)} "
            f"stud{'y' if len(body.studies) == 1 else 'ies'}, far below the "
            f"{OPTIMAL_INFORMATION_SIZE} of the optimal information size "
            f"(fewer than {FAR_BELOW_OIS}): {named(body.studies)}"
        )
    return None


def _below_ois(body: BodyOfEvidence) -> str | None:
    participants = body.participants
    if participants is not None and participants < OPTIMAL_INFORMATION_SIZE:
        return (
            f"{participants} participants in {len(body.studies)} "
            f"stud{'y' if len(body.studies) == 1 else 'ies'}, fewer than the "
            f"{OPTIMAL_INFORMATION_SIZE} of the optimal information size: {named(body.studies)}"
        )
    return None


def _enough_participants(body: BodyOfEvidence) -> str:
    reason = (
        f"{body.participants} participants in {len(body.studies)} "
        f"stud{'y' if len(body.studies) == 1 else 'ies'}, at least the "
        f"{OPTIMAL_INFORMATION_SIZE} of the optimal information size"
    )
    uncounted = [link for link in body.studies if link.sample_size is None]
    if uncounted:
        reason += f" (not recorded: {named(uncounted)})"
    return reason


def _small_studies_one_way(body: BodyOfEvidence) -> str | None:
    if len(body.studies) < 2 or len({link.stance for link in body.studies}) != 1:
        return None
    if body.studies[0].stance is Stance.mixed:
        return None
    if all(
        link.sample_size is not None and link.sample_size < SMALL_STUDY for link in body.studies
    ):
        return (
            f"Every study is small (fewer than {SMALL_STUDY} participants) and all "
            f"{body.studies[0].stance.value} the claim, the pattern unpublished contrary "
            f"results leave: {named(body.studies)}"
        )
    return None


def _no_reason_to_suspect(body: BodyOfEvidence) -> str:
    return "No reason to suspect it: the body is not only small studies pointing one way"


@dataclass(frozen=True)
class DomainRule:
    """One row of the domain table."""

    code: str
    domain: Domain
    judgement: Judgement
    when: str  # the condition in words, as documented in /docs
    source: str  # where the handbooks say so
    test: Callable[[BodyOfEvidence], str | None]


DOMAIN_RULES: tuple[DomainRule, ...] = (
    # code, domain, judgement, when (in words), source, and the test that decides it
    DomainRule("RB-1", Domain.risk_of_bias, Judgement.very_serious,
               "more than half of the body's studies are at high risk of bias "
               "(appraised `high`, or a case series or case report)",
               "GRADE 5.2.1; Cochrane 12.2.d, 12.2.a", _most_at_high_risk),
    DomainRule("RB-2", Domain.risk_of_bias, Judgement.serious,
               "at least one study is at high risk of bias",
               "GRADE 5.2.1; Cochrane 12.2.d", _some_at_high_risk),
    DomainRule("RB-3", Domain.risk_of_bias, Judgement.serious,
               "no study is appraised at low risk (some concerns or not appraised)",
               "GRADE 5.2.1; Cochrane 12.2.d", _none_at_low_risk),
    DomainRule("RB-4", Domain.risk_of_bias, Judgement.not_serious,
               "otherwise: most information is from studies at low risk",
               "Cochrane 12.2.d", _low_risk),
    DomainRule("INC-1", Domain.inconsistency, Judgement.very_serious,
               "as many of the body's studies contradict the claim as support it",
               "GRADE 5.2.2", _evenly_split),
    DomainRule("INC-2", Domain.inconsistency, Judgement.serious,
               "some of the body's studies support the claim and some contradict it",
               "GRADE 5.2.2", _conflicting),
    DomainRule("INC-3", Domain.inconsistency, Judgement.not_serious,
               "otherwise (studies of the other body, randomised or not, are not comparable)",
               "GRADE 5.1, 5.2.2", _consistent),
    DomainRule("IND-1", Domain.indirectness, Judgement.serious,
               "at least half of the body's studies are appraised `indirect`",
               "GRADE 5.2.3", _mostly_indirect),
    DomainRule("IND-2", Domain.indirectness, Judgement.not_serious,
               "otherwise (studies not appraised for directness are named)",
               "GRADE 5.2.3", _direct),
    DomainRule("IMP-1", Domain.imprecision, Judgement.serious,
               "no study of the body records its participants (`sample_size`)",
               "GRADE 5.2.4; guidelines 6", _no_participants),
    DomainRule("IMP-2", Domain.imprecision, Judgement.very_serious,
               f"fewer than {FAR_BELOW_OIS} participants in all, far below the optimal "
               f"information size of {OPTIMAL_INFORMATION_SIZE}",
               "GRADE 5.2.4; guidance 34", _far_below_ois),
    DomainRule("IMP-3", Domain.imprecision, Judgement.serious,
               f"fewer than {OPTIMAL_INFORMATION_SIZE} participants in all",
               "GRADE 5.2.4; guidelines 6", _below_ois),
    DomainRule("IMP-4", Domain.imprecision, Judgement.not_serious,
               f"otherwise: at least {OPTIMAL_INFORMATION_SIZE} participants",
               "GRADE 5.2.4", _enough_participants),
    DomainRule("PB-1", Domain.publication_bias, Judgement.serious,
               f"two or more studies, every one small (fewer than {SMALL_STUDY} "
               "participants), all with the same stance",
               "GRADE 5.2.5", _small_studies_one_way),
    DomainRule("PB-2", Domain.publication_bias, Judgement.not_serious,
               "otherwise: no reason to suspect it",
               "GRADE 5.2.5", _no_reason_to_suspect),
)  # fmt: skip

LEVELS_DOWN = {Judgement.not_serious: 0, Judgement.serious: 1, Judgement.very_serious: 2}
CERTAINTY_LADDER = (Certainty.high, Certainty.moderate, Certainty.low, Certainty.very_low)


def judge(body: BodyOfEvidence) -> list[DomainJudgement]:
    """Judge the five domains of ``body``: per domain, the first rule that applies."""
    judgements = []
    for domain in Domain:
        for rule in DOMAIN_RULES:
            if rule.domain is not domain:
                continue
            reason = rule.test(body)
            if reason is not None:
                judgements.append(
                    DomainJudgement(
                        domain=domain, judgement=rule.judgement, reason=reason, rule=rule.code
                    )
                )
                break
    return judgements


def rated(start: StartingCertainty, judgements: Sequence[DomainJudgement]) -> Certainty:
    """Rate down from ``start`` one level per serious domain, two per very serious one."""
    steps = sum(LEVELS_DOWN[judgement.judgement] for judgement in judgements)
    first = 0 if start is StartingCertainty.high else CERTAINTY_LADDER.index(Certainty.low)
    return CERTAINTY_LADDER[min(first + steps, len(CERTAINTY_LADDER) - 1)]


# --- 4. Direction and the suggested rating -------------------------------------------------


def direction_of(body: BodyOfEvidence | None) -> Direction:
    """Return where the body points: one stance must outnumber the other two together."""
    if body is None:
        return Direction.none
    supporting = len(body.with_stance(Stance.supports))
    contradicting = len(body.with_stance(Stance.contradicts))
    mixed = len(body.with_stance(Stance.mixed))
    if supporting > contradicting + mixed:
        return Direction.supports
    if contradicting > supporting + mixed:
        return Direction.contradicts
    return Direction.mixed


# Rows: direction; columns: certainty. Very low certainty ("any estimate of effect is very
# uncertain", GRADE 5.1) is not enough either way: unproven.
SUGGESTED_RATING: dict[Direction, dict[Certainty, Rating]] = {
    Direction.supports: {
        Certainty.high: Rating.supported,
        Certainty.moderate: Rating.supported,
        Certainty.low: Rating.mostly_supported,
        Certainty.very_low: Rating.unproven,
    },
    Direction.contradicts: {
        Certainty.high: Rating.refuted,
        Certainty.moderate: Rating.refuted,
        Certainty.low: Rating.mostly_refuted,
        Certainty.very_low: Rating.unproven,
    },
    Direction.mixed: {
        Certainty.high: Rating.mixed,
        Certainty.moderate: Rating.mixed,
        Certainty.low: Rating.mixed,
        Certainty.very_low: Rating.unproven,
    },
    Direction.none: dict.fromkeys(Certainty, Rating.unproven),
}


def agrees(verdict: VerdictRead, *, rating: Rating, certainty: Certainty) -> bool:
    """Tell whether a verdict has the suggested rating and the assessed certainty."""
    return verdict.rating is rating and verdict.certainty is certainty


# --- The assessment ------------------------------------------------------------------------


def _counts(links: Sequence[Link]) -> StanceCounts:
    counts = StanceCounts()
    for link in links:
        setattr(counts, link.stance.value, getattr(counts, link.stance.value) + 1)
    return counts


def _by_design(links: Sequence[Link]) -> list[DesignCounts]:
    groups: dict[Design | None, list[Link]] = {}
    for link in links:
        groups.setdefault(link.design, []).append(link)
    order = sorted(groups, key=lambda design: DESIGN_RANK[design] if design else len(Design))
    return [DesignCounts(design=design, **_counts(groups[design]).model_dump()) for design in order]


def _bodies(eligible: Sequence[Link]) -> list[BodyOfEvidence]:
    """Return the randomised and the non-randomised body (those that have studies)."""
    bodies = []
    for start in (StartingCertainty.high, StartingCertainty.low):
        studies = [
            link
            for link in eligible
            if link.design is not None and STARTING_CERTAINTY[link.design] is start
        ]
        others = [link for link in eligible if link not in studies]
        if studies:
            bodies.append(BodyOfEvidence(start=start, studies=studies, set_aside=others))
    return bodies


def assess(claim: ClaimRef, links: Sequence[Link], verdict: VerdictRead | None) -> Assessment:
    """Apply the tables to a claim's links and its current verdict."""
    counted = [link for link in links if not link.retracted]
    excluded: list[Excluded] = []
    eligible: list[Link] = []
    for link in links:
        why = exclusion(link)
        if why is None:
            eligible.append(link)
        else:
            excluded.append(
                Excluded(
                    evidence_id=link.evidence_id,
                    study_id=link.study_id,
                    reason=why[0],
                    detail=why[1],
                )
            )
    best: tuple[BodyOfEvidence, list[DomainJudgement], Certainty] | None = None
    for body in _bodies(eligible):
        judgements = judge(body)
        certainty = rated(body.start, judgements)
        if best is None or CERTAINTY_LADDER.index(certainty) < CERTAINTY_LADDER.index(best[2]):
            best = (body, judgements, certainty)
    chosen: BodyOfEvidence | None = None
    domains: list[DomainJudgement] = []
    certainty = Certainty.very_low
    if best is not None:
        chosen, domains, certainty = best
    direction = direction_of(chosen)
    suggested = SUGGESTED_RATING[direction][certainty]
    studies = list(chosen.studies) if chosen else []
    return Assessment(
        claim=claim,
        counts=_counts(counted),
        by_design=_by_design(counted),
        body=Body(
            studies=len(studies),
            participants=chosen.participants if chosen else None,
            best_design=min(
                (link.design for link in studies if link.design is not None),
                key=lambda design: DESIGN_RANK[design],
                default=None,
            ),
            evidence_ids=[link.evidence_id for link in studies],
        ),
        starting_certainty=chosen.start if chosen else None,
        domains=domains,
        certainty=certainty,
        direction=direction,
        suggested_rating=suggested,
        current_verdict=verdict,
        agrees_with_current_verdict=(
            None if verdict is None else agrees(verdict, rating=suggested, certainty=certainty)
        ),
        excluded=excluded,
    )


def documentation() -> str:
    """Return the rules as Markdown, for the operation's description in /docs."""
    starts = "\n".join(
        f"| `{design.value}` | {f'`{start.value}`' if start else 'never (`not_a_study`)'} |"
        for design, start in STARTING_CERTAINTY.items()
    )
    rows = "\n".join(
        f"| {rule.code} | `{rule.domain.value}` | `{rule.judgement.value}` | {rule.when} | "
        f"{rule.source} |"
        for rule in DOMAIN_RULES
    )
    ratings = "\n".join(
        f"| `{direction.value}` | "
        + " | ".join(f"`{SUGGESTED_RATING[direction][c].value}`" for c in CERTAINTY_LADDER)
        + " |"
        for direction in Direction
    )
    return f"""
**Links left out** (listed in `excluded`, in this order): a retracted study (`retracted`);
a `mentions` link (`mentions_only`); a blog post, a study whose design is not recorded,
`narrative_review`, `expert_opinion` or `other` (`not_a_study`). `counts` and `by_design`
cover every link except retracted studies.

**Starting certainty** (GRADE handbook 5.1). Randomised and non-randomised studies form
separate bodies; the assessment rates the one that ends higher (the randomised one on a tie).

| design | starts |
| --- | --- |
{starts}

**Domains**: for each, the first rule that applies decides; each `serious` rates the
certainty down one level, each `very_serious` two, never below `very_low`. Risk of bias and
directness come from the links' appraisal; participants from the studies' `sample_size`.

| rule | domain | judgement | when | source |
| --- | --- | --- | --- | --- |
{rows}

**Direction**: `supports` when supporting studies outnumber contradicting and mixed ones
together, `contradicts` likewise, else `mixed`; `none` without a body of evidence (certainty
`very_low`, no domains).

**Suggested rating** (columns: `high`, `moderate`, `low`, `very_low`):

| direction | high | moderate | low | very low |
| --- | --- | --- | --- | --- |
{ratings}

`agrees_with_current_verdict` is true when the current verdict has the suggested rating and
the assessed certainty. A curator may depart from it; the verdict's rationale then says why.
"""
