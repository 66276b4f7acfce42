"""Initial schema: every table of the contract, and full-text search on claims.

Revision ID: f86f9a70e72f
Revises: 
Create Date: 2026-11-25 08:13:35.080929
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'f86f9a70e72f'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Full-text search over claims, kept in step by the database itself (triggers), never by a job.
# SQLite: an FTS5 external-content table over the claims rows, Porter stemming.
SQLITE_SEARCH_UP = [
    """CREATE VIRTUAL TABLE claims_fts USING fts5(
        statement, aliases_text, summary,
        content='claims', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER claims_fts_after_insert AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts (rowid, statement, aliases_text, summary)
        VALUES (new.id, new.statement, new.aliases_text, new.summary);
    END""",
    """CREATE TRIGGER claims_fts_after_delete AFTER DELETE ON claims BEGIN
        INSERT INTO claims_fts (claims_fts, rowid, statement, aliases_text, summary)
        VALUES ('delete', old.id, old.statement, old.aliases_text, old.summary);
    END""",
    """CREATE TRIGGER claims_fts_after_update AFTER UPDATE OF statement, aliases_text, summary
    ON claims BEGIN
        INSERT INTO claims_fts (claims_fts, rowid, statement, aliases_text, summary)
        VALUES ('delete', old.id, old.statement, old.aliases_text, old.summary);
        INSERT INTO claims_fts (rowid, statement, aliases_text, summary)
        VALUES (new.id, new.statement, new.aliases_text, new.summary);
    END""",
]
SQLITE_SEARCH_DOWN = [
    "DROP TRIGGER claims_fts_after_update",
    "DROP TRIGGER claims_fts_after_delete",
    "DROP TRIGGER claims_fts_after_insert",
    "DROP TABLE claims_fts",
]
# PostgreSQL: a weighted tsvector a claim (statement A, aliases B, summary C) with a GIN index.
POSTGRESQL_SEARCH_UP = [
    """CREATE TABLE claims_fts (
        claim_id INTEGER PRIMARY KEY REFERENCES claims (id) ON DELETE CASCADE,
        document TSVECTOR NOT NULL)""",
    "CREATE INDEX ix_claims_fts_document ON claims_fts USING gin (document)",
    """CREATE FUNCTION claims_fts_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO claims_fts (claim_id, document)
        VALUES (
            NEW.id,
            setweight(to_tsvector('english', NEW.statement), 'A')
            || setweight(to_tsvector('english', NEW.aliases_text), 'B')
            || setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'C'))
        ON CONFLICT (claim_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER claims_fts_refresh
        AFTER INSERT OR UPDATE OF statement, aliases_text, summary ON claims
        FOR EACH ROW EXECUTE FUNCTION claims_fts_refresh()""",
]
POSTGRESQL_SEARCH_DOWN = [
    "DROP TRIGGER claims_fts_refresh ON claims",
    "DROP FUNCTION claims_fts_refresh()",
    "DROP TABLE claims_fts",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('editor', 'admin', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('editor', 'admin')", name=op.f('ck_api_keys_role_vocabulary')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_api_keys_secret_hash')),
    sqlite_autoincrement=True,
    )
    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('aliases_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_claims_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('slug', name=op.f('uq_claims_slug')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('ix_claims_deleted_at', ['deleted_at'], unique=False)
        batch_op.create_index('ix_claims_statement_id', ['statement', 'id'], unique=False)
        batch_op.create_index('ix_claims_updated_at_id', ['updated_at', 'id'], unique=False)

    op.create_table('studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('title_key', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('journal', sa.Text(), nullable=True),
    sa.Column('volume', sa.String(length=64), nullable=True),
    sa.Column('issue', sa.String(length=64), nullable=True),
    sa.Column('pages', sa.String(length=64), nullable=True),
    sa.Column('doi', sa.String(length=255), nullable=True),
    sa.Column('pmid', sa.String(length=16), nullable=True),
    sa.Column('pmcid', sa.String(length=16), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('accessed', sa.Date(), nullable=True),
    sa.Column('publisher', sa.Text(), nullable=True),
    sa.Column('publication_type', sa.Enum('journal_article', 'review_article', 'preprint', 'book', 'report', 'blog_post', 'web_page', 'other', name='publicationtype', native_enum=False, length=32), nullable=False),
    sa.Column('design', sa.Enum('meta_analysis', 'systematic_review', 'randomized_trial', 'non_randomized_trial', 'cohort', 'case_control', 'cross_sectional', 'case_series', 'case_report', 'laboratory', 'narrative_review', 'expert_opinion', 'other', name='design', native_enum=False, length=32), nullable=True),
    sa.Column('sample_size', sa.Integer(), nullable=True),
    sa.Column('population', sa.Text(), nullable=True),
    sa.Column('abstract', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('retracted', sa.Boolean(), nullable=False),
    sa.Column('retraction_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("design IS NULL OR design IN ('meta_analysis', 'systematic_review', 'randomized_trial', 'non_randomized_trial', 'cohort', 'case_control', 'cross_sectional', 'case_series', 'case_report', 'laboratory', 'narrative_review', 'expert_opinion', 'other')", name=op.f('ck_studies_design_vocabulary')),
    sa.CheckConstraint("publication_type IN ('journal_article', 'review_article', 'preprint', 'book', 'report', 'blog_post', 'web_page', 'other')", name=op.f('ck_studies_publication_type_vocabulary')),
    sa.CheckConstraint('sample_size IS NULL OR sample_size >= 0', name=op.f('ck_studies_sample_size_positive')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_studies_version_positive')),
    sa.CheckConstraint('year IS NULL OR (year >= 1000 AND year <= 2999)', name=op.f('ck_studies_year_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studies')),
    sa.UniqueConstraint('doi', name=op.f('uq_studies_doi')),
    sa.UniqueConstraint('pmcid', name=op.f('uq_studies_pmcid')),
    sa.UniqueConstraint('pmid', name=op.f('uq_studies_pmid')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('studies', schema=None) as batch_op:
        batch_op.create_index('ix_studies_title_key_year', ['title_key', 'year'], unique=False)
        batch_op.create_index('ix_studies_updated_at_id', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_studies_year_id', ['year', 'id'], unique=False)

    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_topics_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics')),
    sa.UniqueConstraint('slug', name=op.f('uq_topics_slug')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.create_index('ix_topics_name_id', ['name', 'id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('who', sa.String(length=200), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_audit_log_api_key_id_api_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity_entity_id', ['entity', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_log_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_log_who', ['who'], unique=False)

    op.create_table('claim_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('alias', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_aliases_claim_id_claims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_aliases')),
    sa.UniqueConstraint('claim_id', 'alias', name=op.f('uq_claim_aliases_claim_id_alias')),
    sa.UniqueConstraint('claim_id', 'position', name=op.f('uq_claim_aliases_claim_id_position')),
    sqlite_autoincrement=True,
    )
    op.create_table('claim_slugs',
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_slugs_claim_id_claims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('slug', name=op.f('pk_claim_slugs'))
    )
    with op.batch_alter_table('claim_slugs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_slugs_claim_id'), ['claim_id'], unique=False)

    op.create_table('claim_topics',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_topics_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_claim_topics_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('claim_id', 'topic_id', name=op.f('pk_claim_topics'))
    )
    with op.batch_alter_table('claim_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_topics_topic_id'), ['topic_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('stance', sa.Enum('supports', 'contradicts', 'mixed', 'mentions', name='stance', native_enum=False, length=32), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("stance IN ('supports', 'contradicts', 'mixed', 'mentions')", name=op.f('ck_evidence_stance_vocabulary')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_evidence_version_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_evidence_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_evidence_study_id_studies'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('claim_id', 'study_id', name=op.f('uq_evidence_claim_id_study_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_study_id'), ['study_id'], unique=False)

    op.create_table('study_authors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('family', sa.Text(), nullable=False),
    sa.Column('given', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_study_authors_study_id_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_authors')),
    sa.UniqueConstraint('study_id', 'position', name=op.f('uq_study_authors_study_id_position')),
    sqlite_autoincrement=True,
    )
    op.create_table('verdicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Enum('supported', 'mostly_supported', 'mixed', 'mostly_refuted', 'refuted', 'unproven', name='rating', native_enum=False, length=32), nullable=False),
    sa.Column('certainty', sa.Enum('high', 'moderate', 'low', 'very_low', name='certainty', native_enum=False, length=32), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.CheckConstraint("certainty IN ('high', 'moderate', 'low', 'very_low')", name=op.f('ck_verdicts_certainty_vocabulary')),
    sa.CheckConstraint("rating IN ('supported', 'mostly_supported', 'mixed', 'mostly_refuted', 'refuted', 'unproven')", name=op.f('ck_verdicts_rating_vocabulary')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_verdicts_claim_id_claims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdicts')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('verdicts', schema=None) as batch_op:
        batch_op.create_index('ix_verdicts_claim_id_decided_at', ['claim_id', 'decided_at'], unique=False)
        batch_op.create_index('ix_verdicts_is_current_rating', ['is_current', 'rating'], unique=False)
        batch_op.create_index('uq_verdicts_current_claim_id', ['claim_id'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))

    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_SEARCH_UP)
    else:
        _run(POSTGRESQL_SEARCH_UP)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_SEARCH_DOWN)
    else:
        _run(POSTGRESQL_SEARCH_DOWN)
    with op.batch_alter_table('verdicts', schema=None) as batch_op:
        batch_op.drop_index('uq_verdicts_current_claim_id', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index('ix_verdicts_is_current_rating')
        batch_op.drop_index('ix_verdicts_claim_id_decided_at')

    op.drop_table('verdicts')
    op.drop_table('study_authors')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_study_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('claim_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_topics_topic_id'))

    op.drop_table('claim_topics')
    with op.batch_alter_table('claim_slugs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_slugs_claim_id'))

    op.drop_table('claim_slugs')
    op.drop_table('claim_aliases')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_who')
        batch_op.drop_index('ix_audit_log_occurred_at')
        batch_op.drop_index('ix_audit_log_entity_entity_id')

    op.drop_table('audit_log')
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_index('ix_topics_name_id')

    op.drop_table('topics')
    with op.batch_alter_table('studies', schema=None) as batch_op:
        batch_op.drop_index('ix_studies_year_id')
        batch_op.drop_index('ix_studies_updated_at_id')
        batch_op.drop_index('ix_studies_title_key_year')

    op.drop_table('studies')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('ix_claims_updated_at_id')
        batch_op.drop_index('ix_claims_statement_id')
        batch_op.drop_index('ix_claims_deleted_at')

    op.drop_table('claims')
    op.drop_table('api_keys')
