from __future__ import annotations

import sys

import click
from sqlalchemy import select

from ..core import unit_of_work
from ..core.cli_support import fail, with_app
from ..extensions import db
from . import operations as ops
from .models import ROLES, User


@click.group()
def users() -> None:
    """Manage users."""


def _read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("标准输入中没有密码（--password-stdin）")
    return password


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--email", default=None)
@click.option("--display-name", default="", help="姓名")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_app
def create(name: str, role: str, email: str | None, display_name: str, password_stdin: bool) -> None:
    """Create a user; without --password-stdin a password is generated and printed once."""
    password = _read_password_stdin() if password_stdin else None
    user = ops.create_user(None, name, role, name=display_name, email=email, password=password)
    generated = None if password else ops.generate_initial_password(None, user)
    unit_of_work.save()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")
    if generated:
        click.echo(f"初始密码（只显示这一次）：{generated}")


@users.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True)
@with_app
def reset_password(name: str, password_stdin: bool) -> None:
    """Set a new password (generated and printed once unless read from standard input)."""
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        fail(f"用户 {name} 不存在")
    if password_stdin:
        ops.set_password(None, user, _read_password_stdin(), must_change=True)  # a reset: the user picks their own
        generated = None
    else:
        generated = ops.generate_initial_password(None, user)
    unit_of_work.save()
    click.echo(f"已重设用户 {name} 的密码" + (f"：{generated}（只显示这一次）" if generated else ""))


@users.command("list")
@with_app
def list_users() -> None:
    for user in db.session.scalars(select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{user.role}\t{user.email or ''}\t{'active' if user.active else 'disabled'}")


@users.command("count")
@with_app
def count() -> None:
    """Print the number of users (scripts/run uses it to know whether to create the first admin)."""
    click.echo(len(db.session.scalars(select(User.id)).all()))
