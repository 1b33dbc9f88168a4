"""performance: indexes for lists and the dashboard at the scale of a province

- The request list pages through a campaign ordered by (due_date, key): the index on
  (campaign_id, due_date) left a sort of every request of the campaign per page; the index on
  (campaign_id, due_date, key) serves the same lookups and the order itself, so it replaces it.
- The dashboard lists open requests by status in (due_date, key) order (50 at a time) and the
  reminder job selects them by status: (status, due_date, key) replaces the index on status.
- The dashboard lists the letters posted and not yet signed for: (channel, letter_delivered_on,
  letter_confirmed_on) finds them without reading every request.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index('ix_requests_campaign_due_key', ['campaign_id', 'due_date', 'key'], unique=False)
        batch_op.drop_index('ix_requests_campaign_due')
        batch_op.create_index('ix_requests_status_due_key', ['status', 'due_date', 'key'], unique=False)
        batch_op.drop_index('ix_requests_status')
        batch_op.create_index('ix_requests_letter_waiting', ['channel', 'letter_delivered_on', 'letter_confirmed_on'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_letter_waiting')
        batch_op.create_index('ix_requests_status', ['status'], unique=False)
        batch_op.drop_index('ix_requests_status_due_key')
        batch_op.create_index('ix_requests_campaign_due', ['campaign_id', 'due_date'], unique=False)
        batch_op.drop_index('ix_requests_campaign_due_key')
