"""issue 16 — one revision mechanism (scopes)

The three token tables become one, `revisions` (scope, key, token), written by the session
listeners of tracker/core/revisions.py. Their tokens are carried over, so what a process kept
before the upgrade stays valid and a signed sheet's recorded calendar revision stays the current one:
- data_revision (id 1)          → ('data', 0)
- target_revisions (target 0)   → ('shared', 0); (target n) → ('target', n)
- calendar_revision (id 1)      → ('calendar', 0)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revisions',
                    sa.Column('scope', sa.String(length=16), nullable=False),
                    sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('token', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('scope', 'key'))
    op.execute("INSERT INTO revisions (scope, key, token) SELECT 'data', 0, revision FROM data_revision WHERE id = 1")
    op.execute("INSERT INTO revisions (scope, key, token) "
               "SELECT CASE WHEN target_id = 0 THEN 'shared' ELSE 'target' END, target_id, revision "
               "FROM target_revisions")
    op.execute("INSERT INTO revisions (scope, key, token) "
               "SELECT 'calendar', 0, revision FROM calendar_revision WHERE id = 1")
    op.drop_table('data_revision')
    op.drop_table('target_revisions')
    op.drop_table('calendar_revision')


def downgrade():
    op.create_table('calendar_revision',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('revision', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_table('target_revisions',
                    sa.Column('target_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('revision', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('target_id'))
    op.create_table('data_revision',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('revision', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.execute("INSERT INTO calendar_revision (id, revision) SELECT 1, token FROM revisions "
               "WHERE scope = 'calendar' AND key = 0")
    op.execute("INSERT INTO target_revisions (target_id, revision) SELECT key, token FROM revisions "
               "WHERE (scope = 'shared' AND key = 0) OR (scope = 'target' AND key > 0)")
    op.execute("INSERT INTO data_revision (id, revision) SELECT 1, token FROM revisions "
               "WHERE scope = 'data' AND key = 0")
    op.drop_table('revisions')
