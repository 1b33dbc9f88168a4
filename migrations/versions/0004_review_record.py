"""issue 14 — the signed record: review history, snapshots, return reasons

- sheet_review_events: every submit, sign, return and unlock of a score sheet, kept for ever; a
  sign row holds the signed snapshot (canonical JSON) and its 核验码 (tracker/scoring/snapshot.py).
  Sheets signed before this revision have no snapshot: they are shown recomputed until a reviewer
  unlocks and signs them again.
- campaigns.closed_on: the day an admin closed (archived) the campaign; NULL while it is open.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 04:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sheet_review_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sheet_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_username', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('business_date', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=True),
        sa.Column('snapshot', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['sheet_id'], ['score_sheets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_sheet_review_events_sheet_id'), 'sheet_review_events', ['sheet_id'], unique=False)
    op.create_index(op.f('ix_sheet_review_events_code'), 'sheet_review_events', ['code'], unique=False)
    # Issue 18: a finished campaign is closed (archived): read-only, out of the dashboards, still reported.
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('closed_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('closed_on')
    op.drop_index(op.f('ix_sheet_review_events_code'), table_name='sheet_review_events')
    op.drop_index(op.f('ix_sheet_review_events_sheet_id'), table_name='sheet_review_events')
    op.drop_table('sheet_review_events')
