"""Sources: texts that make claims and cite works, their appearances and citations.

Revision ID: 5a7c1e9d2b40
Revises: 5a1e0c2b7d94
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5a7c1e9d2b40'
down_revision: str | Sequence[str] | None = "5a1e0c2b7d94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('publisher', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_sources_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('url', name=op.f('uq_sources_url')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.create_index('ix_sources_created_at_id', ['created_at', 'id'], unique=False)

    op.create_table('source_appearances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('stance', sa.Enum('asserts', 'refutes', 'questions', name='sourcestance', native_enum=False, length=32), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=True),
    sa.CheckConstraint("stance IN ('asserts', 'refutes', 'questions')", name=op.f('ck_source_appearances_stance_vocabulary')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_source_appearances_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_appearances_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_appearances')),
    sa.UniqueConstraint('source_id', 'claim_id', name=op.f('uq_source_appearances_source_id_claim_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('source_appearances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_appearances_claim_id'), ['claim_id'], unique=False)

    op.create_table('source_citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_citations_source_id_sources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_source_citations_study_id_studies'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_citations')),
    sa.UniqueConstraint('source_id', 'study_id', name=op.f('uq_source_citations_source_id_study_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('source_citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_citations_study_id'), ['study_id'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('source_citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_citations_study_id'))

    op.drop_table('source_citations')
    with op.batch_alter_table('source_appearances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_appearances_claim_id'))

    op.drop_table('source_appearances')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_index('ix_sources_created_at_id')

    op.drop_table('sources')
