"""The address people reach the app at, for links in emails and the calendar feed (issue 18: links
said port 5000 while the server listened on 5101).

TRACKER_BASE_URL wins. Without it, `tracker serve` derives the address from where it listens and
records it in the instance folder, so `tracker remind` (another process) writes the same links.
Pure file I/O: no Flask.
"""
from __future__ import annotations

import socket
from pathlib import Path

DEFAULT = "http://127.0.0.1:5000"
RECORD = "base_url"  # in the instance folder
_ANY_ADDRESS = ("", "0.0.0.0", "::", "[::]")


def listening_url(host: str, port: int) -> str:
    """http://HOST:PORT as a browser would type it (all interfaces: this machine's name)."""
    shown = socket.getfqdn() if host in _ANY_ADDRESS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 literal
    return f"http://{shown}:{port}"


def warning_for(host: str, url: str) -> str | None:
    """Served on all interfaces without TRACKER_BASE_URL: people may reach it by another name."""
    if host in _ANY_ADDRESS:
        return (f"警告：未设置 TRACKER_BASE_URL，邮件和日历订阅中的链接将使用 {url}；"
                "如用户通过其他地址（反向代理、域名）访问，请设置 TRACKER_BASE_URL。")
    return None


def record(instance: Path, url: str) -> None:
    path = Path(instance) / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(url + "\n", encoding="utf-8")


def recorded(instance: Path) -> str | None:
    try:
        text = (Path(instance) / RECORD).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text if text.startswith(("http://", "https://")) else None


def configured(environment_value: str | None, instance: Path) -> str:
    return environment_value or recorded(instance) or DEFAULT
