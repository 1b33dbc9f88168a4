"""issue 18 — the first week (accounts, evidence): a password someone else set must be changed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 07:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts are not asked to change anything: their users have been logging in already.
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('must_change_password')
