"""Evidence: how one study bears on one claim."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, same_as_created, utcnow, vocabulary, vocabulary_check
from app.models.claims import Claim
from app.models.studies import Study
from app.vocabularies import Directness, RiskOfBias, Stance


class Evidence(Base):
    """The link between a claim and a study, with the study's stance and finding."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    # RESTRICT: a study cannot be deleted while evidence cites it.
    study_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studies.id", ondelete="RESTRICT"), index=True
    )
    stance: Mapped[Stance] = mapped_column(vocabulary(Stance))
    finding: Mapped[str] = mapped_column(sa.Text)
    quote: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # The curator's appraisal of the study for this claim; null until appraised.
    risk_of_bias: Mapped[RiskOfBias | None] = mapped_column(vocabulary(RiskOfBias))
    directness: Mapped[Directness | None] = mapped_column(vocabulary(Directness))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=same_as_created)
    version: Mapped[int] = mapped_column(default=1)

    claim: Mapped[Claim] = relationship(lazy="raise")
    study: Mapped[Study] = relationship(lazy="raise")

    __table_args__ = (
        sa.UniqueConstraint("claim_id", "study_id"),
        vocabulary_check("stance", Stance),
        vocabulary_check("risk_of_bias", RiskOfBias, nullable=True),
        vocabulary_check("directness", Directness, nullable=True),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        {"sqlite_autoincrement": True},
    )
