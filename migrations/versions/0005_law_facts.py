"""issue 15 — the law's finer facts: letter kinds, documents, fees, withdrawals

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 04:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# issue 15b (the law's finer facts). Existing data is carried over:
# - every existing letter becomes `registered` (signed for: received the day it was signed for),
#   except the 重要部署申请 letters of purpose 20, which become `to_other` (sent to the legal
#   representative: received the day the OGI office confirms by phone, 207号);
# - every existing reply was recorded as a written reply; its form is set by channel: a letter
#   (mail), the online platform (online) or handed over on the spot (oral).


def upgrade():
    # Plain ADD COLUMN (SQLite supports it): a batch "move and copy" of `requests` would drop the old
    # table, and with foreign keys on, SQLite would cascade that to every reply, event and attachment.
    op.add_column('requests', sa.Column('letter_kind', sa.String(length=16), nullable=True))
    op.add_column('requests', sa.Column('letter_tracking_other', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column('requests', sa.Column('phone_number_called', sa.String(length=50), nullable=False,
                                        server_default=''))
    op.add_column('request_events', sa.Column('party', sa.String(length=16), nullable=True))
    op.add_column('request_events', sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=True))
    op.add_column('replies', sa.Column('form', sa.String(length=16), nullable=True))
    op.create_table(
        'request_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('dated_on', sa.Date(), nullable=False),
        sa.Column('number', sa.String(length=100), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=1000), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_request_documents_request_id'), 'request_documents', ['request_id'], unique=False)
    op.execute("UPDATE requests SET letter_kind = CASE WHEN purpose = '20' THEN 'to_other' ELSE 'registered' END "
               "WHERE channel = 'mail'")
    op.execute("UPDATE replies SET form = (SELECT CASE requests.channel WHEN 'online' THEN 'platform' "
               "WHEN 'oral' THEN 'on_the_spot' ELSE 'letter' END FROM requests WHERE requests.id = replies.request_id)")


def downgrade():
    op.drop_index(op.f('ix_request_documents_request_id'), table_name='request_documents')
    op.drop_table('request_documents')
    # Plain DROP COLUMN (SQLite ≥ 3.35), for the same reason as in upgrade(): no copy of `requests`.
    op.drop_column('replies', 'form')
    op.drop_column('request_events', 'amount')
    op.drop_column('request_events', 'party')
    op.drop_column('requests', 'phone_number_called')
    op.drop_column('requests', 'letter_tracking_other')
    op.drop_column('requests', 'letter_kind')
