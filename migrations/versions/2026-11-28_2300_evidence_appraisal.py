"""Evidence appraisal: a curator's risk of bias and directness on each evidence link.

SQLite adds each column with its CHECK constraint in one ``ALTER TABLE ... ADD COLUMN``
(a batch rebuild of ``evidence`` would drop its content-generation triggers).

Revision ID: 5a1e0c2b7d94
Revises: 7e2a9b3c4d5f
Create Date: 2026-11-28 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a1e0c2b7d94"
down_revision: str | Sequence[str] | None = "7e2a9b3c4d5f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "risk_of_bias": ("riskofbias", ("low", "some_concerns", "high")),
    "directness": ("directness", ("direct", "indirect")),
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IS NULL OR {column} IN ({listed})"


def upgrade() -> None:
    """Apply this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, (type_name, values) in COLUMNS.items():
        check = f"ck_evidence_{column}_vocabulary"
        if sqlite:
            op.execute(
                f"ALTER TABLE evidence ADD COLUMN {column} VARCHAR(32) "
                f"CONSTRAINT {check} CHECK ({_condition(column, values)})"
            )
            continue
        op.add_column(
            "evidence",
            sa.Column(
                column,
                sa.Enum(*values, name=type_name, native_enum=False, length=32),
                nullable=True,
            ),
        )
        op.create_check_constraint(op.f(check), "evidence", _condition(column, values))


def downgrade() -> None:
    """Revert this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in reversed(COLUMNS):
        if not sqlite:
            op.drop_constraint(op.f(f"ck_evidence_{column}_vocabulary"), "evidence", type_="check")
        op.drop_column("evidence", column)
