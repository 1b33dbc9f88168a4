"""data revision: a token that changes with every committed change to evaluation data

The campaign overview (every county's sheet, ranked, with charts) is kept per process and reused
while this token is unchanged (tracker/core/data_revision.py).

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
    table = op.create_table('data_revision',
                            sa.Column('id', sa.Integer(), nullable=False),
                            sa.Column('revision', sa.String(length=32), nullable=False),
                            sa.PrimaryKeyConstraint('id'))
    op.bulk_insert(table, [{'id': 1, 'revision': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('data_revision')
