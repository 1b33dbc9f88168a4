"""issue 19 review — a report job records the data it was built from

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 11:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # The digest of the revision tokens the workbook read (reports/report_jobs.py): a finished file is
    # reused while they are unchanged. Jobs built before have none (NULL): never taken as current.
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_key', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_column('data_key')
