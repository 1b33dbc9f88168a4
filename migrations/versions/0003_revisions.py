"""revisions: tokens that tell a process whether what it kept is still current

- data_revision: one token, replaced by every committed change to evaluation data; the
  dashboard's whole-campaign summary and the campaign overview are kept per process under it
  (tracker/core/data_revision.py, tracker/core/kept.py).
- target_revisions: one token per target, replaced by every committed change to what that
  target's report reads, and a shared one (target_id 0) for what every report reads; each
  target's full report is kept under them (tracker/reports/target_revisions.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 14:00:00

"""
import uuid

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    data = op.create_table('data_revision',
                           sa.Column('id', sa.Integer(), nullable=False),
                           sa.Column('revision', sa.String(length=32), nullable=False),
                           sa.PrimaryKeyConstraint('id'))
    targets = op.create_table('target_revisions',
                              sa.Column('target_id', sa.Integer(), autoincrement=False, nullable=False),
                              sa.Column('revision', sa.String(length=32), nullable=False),
                              sa.PrimaryKeyConstraint('target_id'))
    # New tokens: nothing a process kept before the upgrade can match them.
    op.bulk_insert(data, [{'id': 1, 'revision': uuid.uuid4().hex}])
    op.bulk_insert(targets, [{'target_id': 0, 'revision': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('target_revisions')
    op.drop_table('data_revision')
