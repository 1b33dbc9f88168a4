"""`tracker tokens create USERNAME --name NAME` / `tracker tokens revoke USERNAME --name NAME` (DESIGN §10.2)."""
from __future__ import annotations

import click
from sqlalchemy import select

from ..api import tokens as ops
from ..core import unit_of_work
from ..core.cli_support import fail, with_app
from ..extensions import db
from .models import User


@click.group()
def tokens() -> None:
    """API tokens for scripts: create (printed once), revoke."""


def _user(username: str):
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        fail(f"用户 {username} 不存在")
    return user


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="令牌名称（同一用户的有效令牌名称不能重复）")
@with_app
def create(username: str, name: str) -> None:
    """Print a new API token of USERNAME (plaintext, only this once)."""
    user = _user(username)
    if not user.active:
        fail(f"用户 {username} 已停用，不能创建令牌")
    _token, plaintext = ops.create_token(None, name, owner=user)
    unit_of_work.save()
    click.echo(plaintext)


@tokens.command("revoke")
@click.argument("username")
@click.option("--name", required=True, help="要撤销的令牌名称")
@with_app
def revoke(username: str, name: str) -> None:
    """Revoke USERNAME's active token called NAME."""
    token = ops.revoke_named(None, _user(username), name)
    unit_of_work.save()
    click.echo(f"已撤销用户 {username} 的 API 令牌“{token.name}”")
