"""Configuration: defaults overridden by TRACKER_* environment variables, read once at start."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from .core import base_url

BOOL_TRUE = {"1", "true", "yes", "on"}


class ConfigError(ValueError):
    """A TRACKER_* variable holds a value the app cannot use."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.strip().lower() in BOOL_TRUE


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} 必须是整数（{name} must be an integer）: {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} 不能小于 {minimum}: {value!r}")
    return number


def _remind_at(value: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in value.split(":"))
    except ValueError:
        raise ConfigError(f"TRACKER_REMIND_AT 必须是 HH:MM 格式: {value!r}") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ConfigError(f"TRACKER_REMIND_AT 时间无效: {value!r}")
    return hour, minute


def instance_path() -> Path:
    return Path(_env("TRACKER_INSTANCE", str(Path.cwd() / "instance"))).resolve()


def secret_key(instance: Path) -> str:
    """Generate the key once and keep it, so sessions survive restarts and workers agree."""
    configured = _env("TRACKER_SECRET_KEY")
    if configured:
        return configured
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def owner_only(instance: Path, database_url: str) -> None:
    """The instance folder (secret key, uploads, database) and a SQLite database file are readable
    by their owner only: 0700 and 0600. SQLite gives its -wal and -shm files the database's mode."""
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(instance, 0o700)
    if not database_url.startswith("sqlite:///") or database_url.endswith(":memory:"):
        return
    database = Path(database_url[len("sqlite:///"):].split("?")[0])
    if not database.exists() and database.parent.is_dir():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():
            _chmod(path, 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except (OSError, AttributeError):  # another owner, or Windows (no getuid): its ACLs apply
        pass


def load_config() -> dict:
    instance = instance_path()
    database_url = _env("TRACKER_DATABASE_URL", f"sqlite:///{instance / 'tracker.sqlite3'}")
    owner_only(instance, database_url)
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAIL_SERVER": _env("TRACKER_MAIL_SERVER", "localhost"),
        "MAIL_PORT": _env_int("TRACKER_MAIL_PORT", 25, minimum=1),
        "MAIL_USE_TLS": _env_bool("TRACKER_MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("TRACKER_MAIL_USE_SSL", False),
        "MAIL_USERNAME": _env("TRACKER_MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("TRACKER_MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": _env("TRACKER_MAIL_DEFAULT_SENDER", "tracker@localhost"),
        "MAIL_TIMEOUT": _env_int("TRACKER_MAIL_TIMEOUT", 30, minimum=1),
        "REMIND_AT": _remind_at(_env("TRACKER_REMIND_AT", "09:00")),
        "REMIND_WORKING_DAYS": _env_int("TRACKER_REMIND_WORKING_DAYS", 3, minimum=0),
        "SCHEDULER_ENABLED": _env_bool("TRACKER_SCHEDULER", True),
        "UPLOAD_DIR": str(Path(_env("TRACKER_UPLOAD_DIR", str(instance / "uploads"))).resolve()),
        "MAX_CONTENT_LENGTH": _env_int("TRACKER_MAX_UPLOAD_MB", 10, minimum=1) * 1024 * 1024,
        "BASE_URL": base_url.configured(_env("TRACKER_BASE_URL"), instance),
        "BASE_URL_SET": bool(_env("TRACKER_BASE_URL")),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("TRACKER_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_SECURE": _env_bool("TRACKER_SECURE_COOKIES", False),
        "SESSION_IDLE_MINUTES": _env_int("TRACKER_SESSION_IDLE_MINUTES", 180, minimum=1),
        "SESSION_MAX_HOURS": _env_int("TRACKER_SESSION_MAX_HOURS", 12, minimum=1),
    }
