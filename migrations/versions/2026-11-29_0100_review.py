"""Review: the reasons a claim's verdict may be stale, and what the assessment said at a verdict.

``review_reasons`` bumps the content generation like every table of a claim's document.
SQLite adds the verdict columns with their CHECK constraints in one ``ALTER TABLE ... ADD
COLUMN`` (a batch rebuild of ``verdicts`` would drop its content-generation triggers).

Revision ID: 9b4d6e1f3a27
Revises: 4e00e68a79f5
Create Date: 2026-11-29 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b4d6e1f3a27"
down_revision: str | Sequence[str] | None = "4e00e68a79f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = ("evidence_changed", "study_retracted", "verdict_disagrees_with_assessment")
RATINGS = ("supported", "mostly_supported", "mixed", "mostly_refuted", "refuted", "unproven")
CERTAINTIES = ("high", "moderate", "low", "very_low")
VERDICT_COLUMNS = {
    "assessed_rating": ("rating", RATINGS),
    "assessed_certainty": ("certainty", CERTAINTIES),
}
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE content_generation SET value = value + 1 WHERE id = 1"


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    """Apply this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "review_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(*REASONS, name="storedreviewreason", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            f"reason IN ({_listed(REASONS)})", name=op.f("ck_review_reasons_reason_vocabulary")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_review_reasons_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["studies.id"],
            name=op.f("fk_review_reasons_study_id_studies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reasons")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_review_reasons_claim_id_reason", "review_reasons", ["claim_id", "reason"]
    )
    op.create_index(
        "ix_review_reasons_since_claim_id", "review_reasons", ["since", "claim_id"]
    )
    op.create_index(op.f("ix_review_reasons_study_id"), "review_reasons", ["study_id"])
    for column, (type_name, values) in VERDICT_COLUMNS.items():
        check = f"ck_verdicts_{column}_vocabulary"
        condition = f"{column} IS NULL OR {column} IN ({_listed(values)})"
        if sqlite:
            op.execute(
                f"ALTER TABLE verdicts ADD COLUMN {column} VARCHAR(32) "
                f"CONSTRAINT {check} CHECK ({condition})"
            )
            continue
        op.add_column(
            "verdicts",
            sa.Column(
                column,
                sa.Enum(*values, name=type_name, native_enum=False, length=32),
                nullable=True,
            ),
        )
        op.create_check_constraint(op.f(check), "verdicts", condition)
    if sqlite:
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER content_generation_review_reasons_{event.lower()} "
                f"AFTER {event} ON review_reasons BEGIN {BUMP}; END"
            )
    else:
        op.execute(
            "CREATE TRIGGER content_generation_review_reasons "
            "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON review_reasons "
            "FOR EACH STATEMENT EXECUTE FUNCTION content_generation_bump()"
        )


def downgrade() -> None:
    """Revert this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER content_generation_review_reasons_{event.lower()}")
    else:
        op.execute("DROP TRIGGER content_generation_review_reasons ON review_reasons")
    for column in reversed(VERDICT_COLUMNS):
        if not sqlite:
            op.drop_constraint(op.f(f"ck_verdicts_{column}_vocabulary"), "verdicts", type_="check")
        op.drop_column("verdicts", column)
    op.drop_index(op.f("ix_review_reasons_study_id"), table_name="review_reasons")
    op.drop_index("ix_review_reasons_since_claim_id", table_name="review_reasons")
    op.drop_index("ix_review_reasons_claim_id_reason", table_name="review_reasons")
    op.drop_table("review_reasons")
