"""Password hashing (scrypt via Werkzeug), generation, and the password policy (pure).

The policy goes beyond length: a password from the bundled list of common passwords, one that
contains the username, or one that is a simple sequence ("1234567890", "abcdefghij", "aaaaaaaaaa",
"qwertyuiop", "abcabcabcabc") is refused — the guesses an attacker tries first.
"""
from __future__ import annotations

import gzip
import secrets
import string
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 200
_ALPHABET = string.ascii_letters + string.digits
COMMON_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """Check the password against `password_hash`, or against a throw-away hash of the same cost when
    there is none (unknown username, no password set): every answer costs one scrypt, so the time
    of a failed login does not tell whether the username exists."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def generate_password(length: int = 16) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` is refused (a Chinese message for the field), or None when it is acceptable."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符"
    if len(password) > MAX_LENGTH:
        return f"密码不能超过{MAX_LENGTH}个字符"
    lowered = password.lower()
    if username and len(username) >= 3 and username.lower() in lowered:
        return "密码不能包含用户名"
    if lowered in common_passwords():
        return "密码过于常见（在常用密码列表中），请换一个"
    if is_simple_sequence(lowered):
        return "密码不能是简单序列（如 1234567890、abcdefghij、qwertyuiop 或重复的字符）"
    return None


def is_simple_sequence(text: str) -> bool:
    """A repetition of a short unit, a run of consecutive characters, or a walk along a keyboard row."""
    for size in range(1, 5):
        unit = text[:size]
        if len(text) >= 2 * size and (unit * (len(text) // size + 1))[:len(text)] == text:
            return True
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    if text.isdigit():  # digits run round: 5678901234
        steps = {step % 10 for step in steps}
    if steps in ({1}, {-1}, {9}):
        return True
    return any(text in row or text in row[::-1] for row in KEYBOARD_ROWS)
