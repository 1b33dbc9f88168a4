"""issue 20 — reply letters read offline (OCR)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 04:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # A scan of a reply letter (its file is an attachment of the request) and what OCR read in it.
    op.create_table('ocr_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('pages_total', sa.Integer(), nullable=False),
    sa.Column('pages_done', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('plain', sa.Text(), nullable=False),
    sa.Column('suggestions', sa.JSON(), nullable=True),
    sa.Column('previews', sa.JSON(), nullable=True),
    sa.Column('accepted', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ocr_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocr_scans_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ocr_scans_attachment_id'), ['attachment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ocr_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocr_scans_attachment_id'))
        batch_op.drop_index(batch_op.f('ix_ocr_scans_request_id'))
    op.drop_table('ocr_scans')
