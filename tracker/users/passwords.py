"""Password hashing (scrypt via Werkzeug) and generation."""
import secrets
import string

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
_ALPHABET = string.ascii_letters + string.digits


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)


def generate_password(length: int = 16) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
