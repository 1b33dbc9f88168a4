"""issue 17 — security: login throttling, mail back-off, hashed calendar tokens

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 04:20:00

"""
import hashlib

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Outbox back-off (DESIGN §10.4): when a message may be tried again, and since when it fails.
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('first_failed_at', sa.DateTime(), nullable=True))
    # Successful logins are kept too: the address a user logged in from before stays open to them.
    with op.batch_alter_table('login_attempts') as batch:
        batch.add_column(sa.Column('succeeded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index('ix_login_attempts_remote_addr', ['remote_addr'])
    _hash_calendar_tokens()


def _hash_calendar_tokens():
    """Calendar-feed tokens are stored as their SHA-256, like API tokens; existing links keep working."""
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('calendar_token', sa.String),
                     sa.column('calendar_token_hash', sa.String))
    rows = connection.execute(sa.select(users.c.id, users.c.calendar_token)
                              .where(users.c.calendar_token.is_not(None))).all()
    for user_id, token in rows:
        digest = hashlib.sha256(token.encode('utf-8')).hexdigest()
        connection.execute(users.update().where(users.c.id == user_id).values(calendar_token_hash=digest))
    with op.batch_alter_table('users') as batch:
        batch.drop_column('calendar_token')  # its unique constraint goes with it
        batch.create_index('ix_users_calendar_token_hash', ['calendar_token_hash'], unique=True)


def downgrade():
    # The plaintext of a hashed token cannot be recovered: downgrading ends every calendar link.
    with op.batch_alter_table('users') as batch:
        batch.drop_index('ix_users_calendar_token_hash')
        batch.drop_column('calendar_token_hash')
        batch.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_users_calendar_token', ['calendar_token'])
    with op.batch_alter_table('login_attempts') as batch:
        batch.drop_index('ix_login_attempts_remote_addr')
        batch.drop_column('succeeded')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('first_failed_at')
        batch.drop_column('next_attempt_at')
