"""Load the seed content through the services, as the seed's own key; idempotent.

The files under ``seed/content/`` are validated by the API's own schemas and written by the
same services the API uses, so every seeded row is audited under the key named ``seed``.

Idempotent and respectful of curators: a thing the seed created once (found in the audit log
as created by ``seed``) is never created again, even if a curator has since changed or
deleted it; evidence is linked only where the claim has no link to that study; a verdict is
recorded only for a claim that has none; a source is added only if no source has its URL and
the seed never added it before (its appearances skip claims a curator deleted).
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as key_service
from app.auth.actor import Actor
from app.auth.schemas import ApiKeyCreate
from app.bibliography.identifiers import normalize_title
from app.claims import service as claim_service
from app.claims.schemas import ClaimCreate
from app.db import Database
from app.evidence import service as evidence_service
from app.evidence.schemas import EvidenceCreate
from app.models import ApiKey, AuditEntry, Claim, Evidence, Source, Study, Topic, Verdict
from app.sources import service as source_service
from app.sources.schemas import AppearanceWrite, CitationWrite, SourceCreate, SourceFields
from app.studies import service as study_service
from app.studies.schemas import StudyCreate
from app.topics import service as topic_service
from app.topics.schemas import TopicCreate
from app.verdicts import service as verdict_service
from app.verdicts.schemas import VerdictCreate
from app.vocabularies import Directness, RiskOfBias, Role

CONTENT = Path(__file__).resolve().parent / "content"
SEED_KEY_NAME = "seed"


class SeedError(Exception):
    """The seed files are not valid; nothing was written."""


class SeedStudy(StudyCreate):
    """A study in the seed: the API's fields plus a seed-local key and where ids were seen."""

    model_config = ConfigDict(extra="forbid")

    key: str
    provenance: str | None = None


class SeedEvidence(BaseModel):
    """A link in the seed: the study by seed key, with its appraisal where the record allows."""

    model_config = ConfigDict(extra="forbid")

    study: str
    stance: str
    finding: str
    quote: str | None = None
    notes: str | None = None
    risk_of_bias: RiskOfBias | None = None
    directness: Directness | None = None


class SeedClaim(ClaimCreate):
    """A claim in the seed, with its verdict and its evidence."""

    model_config = ConfigDict(extra="forbid")

    key: str
    verdict: VerdictCreate
    evidence: list[SeedEvidence] = Field(default_factory=list)


class SeedAppearance(BaseModel):
    """A claim a seed source makes or refutes: the claim by seed key."""

    model_config = ConfigDict(extra="forbid")

    claim: str
    stance: str
    excerpt: str | None = None


class SeedCitation(BaseModel):
    """A work a seed source cites: the study by seed key."""

    model_config = ConfigDict(extra="forbid")

    study: str
    statement: str | None = None


class SeedSource(SourceFields):
    """A source in the seed, its claims and studies by seed key."""

    model_config = ConfigDict(extra="forbid")

    title: str
    appearances: list[SeedAppearance] = Field(default_factory=list)  # type: ignore[assignment]
    citations: list[SeedCitation] = Field(default_factory=list)  # type: ignore[assignment]


@dataclass
class SeedContent:
    """The validated seed files."""

    topics: list[TopicCreate]
    studies: list[SeedStudy]
    claims: list[SeedClaim]
    sources: list[SeedSource] = field(default_factory=list)


@dataclass
class SeedReport:
    """What one run of the seed did."""

    created: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        kinds = ("topic", "study", "claim", "evidence", "verdict", "source")
        made = ", ".join(f"{self.created[kind]} {kind}" for kind in kinds)
        kept = sum(self.kept.values())
        return f"seed: created {made}; {kept} already present or curated, left as they are"


def _read(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SeedError(f"{name}: expected a list")
    return data


def load_content(directory: Path = CONTENT) -> SeedContent:
    """Read and validate the seed files with the API's schemas; raise SeedError if any is bad."""
    try:
        topics = [TopicCreate.model_validate(item) for item in _read("topics.yaml")]
        studies = [SeedStudy.model_validate(item) for item in _read("studies.yaml")]
        claims = [SeedClaim.model_validate(item) for item in _read("claims.yaml")]
        for claim in claims:
            for link in claim.evidence:
                EvidenceCreate.model_validate({**link.model_dump(exclude={"study"}), "study_id": 1})
        sources = [SeedSource.model_validate(item) for item in _read("sources.yaml")]
        for source in sources:
            for appearance in source.appearances:
                AppearanceWrite.model_validate(appearance.model_dump())
    except ValidationError as exc:
        raise SeedError(str(exc)) from exc
    study_keys = {study.key for study in studies}
    for claim in claims:
        unknown = [link.study for link in claim.evidence if link.study not in study_keys]
        if unknown:
            raise SeedError(f"claim {claim.key}: unknown study key(s) {unknown}")
    claim_keys = {claim.key for claim in claims}
    for source in sources:
        unknown = [a.claim for a in source.appearances if a.claim not in claim_keys]
        unknown += [c.study for c in source.citations if c.study not in study_keys]
        if unknown:
            raise SeedError(f"source {source.url}: unknown claim or study key(s) {unknown}")
    return SeedContent(topics=topics, studies=studies, claims=claims, sources=sources)


async def _seed_actor(session: AsyncSession) -> Actor:
    key = (
        await session.execute(select(ApiKey).where(ApiKey.name == SEED_KEY_NAME).limit(1))
    ).scalar_one_or_none()
    if key is None:
        # The secret is thrown away: the seed key is a name to audit under, not a login.
        created = await key_service.create(
            session, data=ApiKeyCreate(name=SEED_KEY_NAME, role=Role.editor), actor=None
        )
        return Actor(key_id=created.id, name=created.name, role=created.role)
    return Actor(key_id=key.id, name=key.name, role=key.role)


async def _seeded_before(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """Return the snapshots of everything the seed ever created, by entity."""
    rows = await session.execute(
        select(AuditEntry.entity, AuditEntry.after).where(
            AuditEntry.who == SEED_KEY_NAME, AuditEntry.action == "create"
        )
    )
    seeded: dict[str, list[dict[str, Any]]] = {}
    for entity, after in rows.all():
        seeded.setdefault(entity, []).append(after or {})
    return seeded


def title_prefix(title: str) -> str:
    """Return the start of a study's title identity, whatever its year."""
    return f"title:{normalize_title(title)}:"


def _study_identity(doi: str | None, pmid: str | None, title: str, year: int | None) -> set[str]:
    keys = {f"title:{normalize_title(title)}:{year}"}
    if doi:
        keys.add(f"doi:{doi}")
    if pmid:
        keys.add(f"pmid:{pmid}")
    return keys


async def _load(session: AsyncSession, content: SeedContent, report: SeedReport) -> None:
    actor = await _seed_actor(session)
    seeded = await _seeded_before(session)

    seeded_topics = {snapshot.get("slug") for snapshot in seeded.get("topic", [])}
    existing_topics = set((await session.execute(select(Topic.slug))).scalars())
    for topic in content.topics:
        if topic.slug in seeded_topics or topic.slug in existing_topics:
            report.kept["topic"] += 1
            continue
        await topic_service.create(session, data=topic, actor=actor)
        report.created["topic"] += 1

    study_ids: dict[str, int] = {}
    seeded_studies: set[str] = set()
    for snapshot in seeded.get("study", []):
        seeded_studies |= _study_identity(
            snapshot.get("doi"),
            snapshot.get("pmid"),
            snapshot.get("title", ""),
            snapshot.get("year"),
        )
    for study in content.studies:
        data = StudyCreate.model_validate(study.model_dump(exclude={"key", "provenance"}))
        match = await study_service.find_duplicate(session, doi=data.doi, pmid=data.pmid)
        if match is None:
            # Same title, and the same year unless one side has none (a year found not to be
            # data and dropped from the seed still names the study seeded with it).
            same_year = (
                or_(Study.year == data.year, Study.year.is_(None))
                if data.year is not None
                else Study.id.is_not(None)
            )
            match = (
                (
                    await session.execute(
                        select(Study).where(
                            Study.title_key == normalize_title(data.title), same_year
                        )
                    )
                )
                .scalars()
                .first()
            )
        if match is not None:
            study_ids[study.key] = match.id
            report.kept["study"] += 1
            continue
        if _study_identity(data.doi, data.pmid, data.title, data.year) & seeded_studies or (
            data.year is None
            and any(key.startswith(title_prefix(data.title)) for key in seeded_studies)
        ):
            report.kept["study"] += 1  # seeded once, deleted by a curator since
            continue
        created = await study_service.create(session, data=data, actor=actor)
        study_ids[study.key] = created.id
        report.created["study"] += 1

    claim_ids: dict[str, int] = {}
    seeded_claims = {snapshot.get("statement", "").lower() for snapshot in seeded.get("claim", [])}
    for seed_claim in content.claims:
        claim_data = ClaimCreate.model_validate(
            seed_claim.model_dump(include={"statement", "slug", "aliases", "summary", "topics"})
        )
        claim = await _find_claim(session, claim_data.statement)
        if claim is not None and claim.deleted_at is not None:
            report.kept["claim"] += 1  # deleted by a curator: left deleted
            continue
        if claim is None:
            if claim_data.statement.lower() in seeded_claims:
                report.kept["claim"] += 1  # seeded once, renamed or deleted by a curator since
                continue
            new_claim = await claim_service.create(session, data=claim_data, actor=actor)
            claim = await claim_service.get(session, ref=str(new_claim.id), for_update=True)
            report.created["claim"] += 1
        else:
            report.kept["claim"] += 1
        claim_ids[seed_claim.key] = claim.id
        await _link_evidence(session, claim, seed_claim, study_ids, actor, report)
        has_verdict = (
            await session.execute(select(Verdict.id).where(Verdict.claim_id == claim.id).limit(1))
        ).first()
        if has_verdict is None:
            await verdict_service.create(session, claim=claim, data=seed_claim.verdict, actor=actor)
            report.created["verdict"] += 1
        else:
            report.kept["verdict"] += 1

    await _add_sources(session, content, claim_ids, study_ids, seeded, actor, report)


async def _add_sources(
    session: AsyncSession,
    content: SeedContent,
    claim_ids: dict[str, int],
    study_ids: dict[str, int],
    seeded: dict[str, list[dict[str, Any]]],
    actor: Actor,
    report: SeedReport,
) -> None:
    """Add each seed source not yet present and never added before."""
    seeded_urls = {snapshot.get("url") for snapshot in seeded.get("source", [])}
    for seed_source in content.sources:
        url = seed_source.url
        known = url in seeded_urls or (
            url is not None
            and (await session.execute(select(Source.id).where(Source.url == url))).first()
        )
        if known:
            report.kept["source"] += 1
            continue
        data = SourceCreate(
            **seed_source.model_dump(exclude={"appearances", "citations"}),
            appearances=[
                AppearanceWrite(claim=str(claim_ids[a.claim]), stance=a.stance, excerpt=a.excerpt)
                for a in seed_source.appearances
                if a.claim in claim_ids  # a claim a curator deleted is left out
            ],
            citations=[
                CitationWrite(study_id=study_ids[c.study], statement=c.statement)
                for c in seed_source.citations
                if c.study in study_ids  # a study a curator deleted is left out
            ],
        )
        await source_service.create(session, data=data, actor=actor)
        report.created["source"] += 1


async def _find_claim(session: AsyncSession, statement: str) -> Claim | None:
    """Return the claim with this statement (deleted or not), or None."""
    claim_id = (
        await session.execute(select(Claim.id).where(Claim.statement == statement).limit(1))
    ).scalar_one_or_none()
    if claim_id is None:
        return None
    claim = await session.get(Claim, claim_id)
    if claim is None or claim.deleted_at is not None:
        return claim
    return await claim_service.get(session, ref=str(claim_id), for_update=True)


async def _link_evidence(
    session: AsyncSession,
    claim: Claim,
    seed_claim: SeedClaim,
    study_ids: dict[str, int],
    actor: Actor,
    report: SeedReport,
) -> None:
    linked = set(
        (await session.execute(select(Evidence.study_id).where(Evidence.claim_id == claim.id)))
        .scalars()
        .all()
    )
    for link in seed_claim.evidence:
        study_id = study_ids.get(link.study)
        if study_id is None or study_id in linked:
            report.kept["evidence"] += 1
            continue
        data = EvidenceCreate.model_validate(
            {**link.model_dump(exclude={"study"}), "study_id": study_id}
        )
        await evidence_service.create(session, claim=claim, data=data, actor=actor)
        linked.add(study_id)
        report.created["evidence"] += 1


async def load_seed(database: Database, *, console: Console) -> str:
    """Validate the seed files and load them in one transaction; return a one-line report."""
    content = load_content()
    report = SeedReport()
    async with database.write_sessions() as session, session.begin():
        await _load(session, content, report)
    return str(report)
