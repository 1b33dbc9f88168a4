"""`tracker backup FILE` / `tracker restore FILE`: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from .errors import TrackerError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(TrackerError):
    pass


def _sqlite_path(url) -> Path:
    return Path(url.database).resolve()


def _pg_args(url) -> tuple[list[str], dict]:
    """libpq connection options for pg_dump/pg_restore, the password through the environment."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--dbname", url.database]
    if url.username:
        args += ["--username", url.username]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def _run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]}，请安装 PostgreSQL 客户端工具")
    result = subprocess.run(command, env=os.environ | env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip().splitlines()[-1] if result.stderr else result.returncode}")


def backup(database_url: str, destination: Path) -> None:
    url = make_url(database_url)
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = destination.with_name(destination.name + ".partial")
    _owner_only_file(temporary)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(temporary)
        try:
            source.backup(target)  # consistent even while the app writes: the online backup API
        finally:
            target.close()
            source.close()
    else:
        args, env = _pg_args(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(temporary), *args], env)
    temporary.chmod(0o600)  # pg_dump may have written it anew under the umask
    temporary.replace(destination)


def _owner_only_file(path: Path) -> None:
    """Create `path` empty and readable by its owner only (0600) before anything is written to it:
    a backup holds every password hash, token hash and evaluation record."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def restore(database_url: str, source: Path) -> None:
    """Replace the database's content with the backup's (the app should be stopped meanwhile)."""
    url = make_url(database_url)
    if not source.is_file():
        raise BackupError(f"备份文件不存在：{source}")
    head = source.read_bytes()[:16]
    if url.get_backend_name() == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError("这不是 SQLite 备份文件（当前数据库为 SQLite）")
        _check_sqlite(source)
        backup_db = sqlite3.connect(source)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
    else:
        if not head.startswith(PG_MAGIC):
            raise BackupError("这不是 pg_dump 备份文件（当前数据库为 PostgreSQL）")
        args, env = _pg_args(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)], env)


def _check_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"备份文件已损坏：{verdict}")
