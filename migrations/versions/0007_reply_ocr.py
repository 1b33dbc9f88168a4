"""issue 20 — reply letters read offline (OCR)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 04:20:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
