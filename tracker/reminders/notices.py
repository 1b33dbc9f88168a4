"""What the dashboard tells about mail that cannot go out (DESIGN §10.4): to admins, messages that
failed for good and users whose reminders wait for an email address; to a user without an address,
that their reminders wait. Called from the template only where shown (two small queries for admins)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..extensions import db
from ..law.deadline_terms import REMINDED_STATUSES
from ..requests.models import MockRequest
from ..users.models import User
from ..core.mail import OutboxMessage

MAX_NAMES = 10


@dataclass(frozen=True)
class Notice:
    text: str
    endpoint: str = ""
    args: tuple = ()


def mail_notices(user) -> list[Notice]:
    notices = []
    if not user.email:
        notices.append(Notice("您没有填写电子邮箱，期限提醒邮件无法发送，提醒会一直等待；请在“个人设置”中填写邮箱。",
                              "users.settings"))
    if user.role != "admin":
        return notices
    failed = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed"))
    if failed:
        notices.append(Notice(f"有 {failed} 封邮件发送失败（服务器永久拒收，或连续 7 天无法送达），收件人没有收到，"
                              "请在发件箱查看原因并重新发送。", "reminders.outbox", (("status", "failed"),)))
    waiting = _users_waiting_for_an_address()
    if waiting:
        names = "、".join(f"{name}（{count} 项）" for name, count in waiting[:MAX_NAMES])
        more = f"等 {len(waiting)} 位" if len(waiting) > MAX_NAMES else ""
        notices.append(Notice(f"以下用户没有可用的电子邮箱（未填写或账户已停用），其负责的未结申请的期限提醒无法发送、"
                              f"正在等待：{names}{more}。请补充邮箱或把申请交给他人。", "users.user_list"))
    return notices


def _users_waiting_for_an_address() -> list[tuple[str, int]]:
    r = MockRequest
    query = (select(func.coalesce(func.nullif(User.name, ""), User.username), func.count(r.id))
             .join(r, r.owner_id == User.id)
             .where(or_(User.email.is_(None), User.email == "", User.active.is_(False)),
                    r.voided.is_(False), r.channel != "phone", r.status.in_(REMINDED_STATUSES))
             .group_by(User.id, User.name, User.username).order_by(User.username).limit(MAX_NAMES + 1))
    return [(name, count) for name, count in db.session.execute(query)]
