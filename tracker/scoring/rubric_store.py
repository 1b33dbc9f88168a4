"""Rubric versions in the database: built-ins are loaded by `tracker init`, others uploaded by admins.

A stored document never changes (a new version gets a new code), so a parsed rubric is cached
for the life of the process.
"""
from __future__ import annotations

import hashlib
import tomllib
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from ..core.transaction_cache import transaction_cache
from ..extensions import db
from ..rubric import parse_rubric
from .models import RubricVersion
from .snapshot import canonical_json

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "rubric" / "data"


def builtin_documents() -> dict[str, dict]:
    documents = {}
    for path in sorted(BUILTIN_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        documents[document["code"]] = document
    return documents


def install_builtin_rubrics() -> list[str]:
    """Insert the built-in rubrics that the database lacks; return the codes added."""
    existing = set(db.session.scalars(select(RubricVersion.code)))
    added = []
    for code, document in builtin_documents().items():
        if code in existing:
            continue
        rubric = parse_rubric(document)
        db.session.add(RubricVersion(code=code, title=rubric.title, document=document, builtin=True))
        added.append(code)
    db.session.flush()
    return added


def rubric_exists(code: str) -> bool:
    return db.session.scalar(select(RubricVersion.id).where(RubricVersion.code == code)) is not None


def rubric_choices() -> list[tuple[str, str]]:
    return [(row.code, row.title) for row in db.session.scalars(select(RubricVersion).order_by(RubricVersion.code))]


def get_rubric(code: str):
    """The parsed rubric of a stored version (cached: stored documents are immutable)."""
    return _parse_cached(code, _row_id(code))


def rubric_digest(code: str) -> str:
    """The SHA-256 of the stored document's canonical JSON: what a signature says it was scored by."""
    return _digest_cached(code, _row_id(code))


def _row_id(code: str) -> int:
    """The stored version's row, looked up once per transaction (a row may be added, never changed)."""
    ids = transaction_cache("rubric.ids")
    if code not in ids:
        row_id = db.session.scalar(select(RubricVersion.id).where(RubricVersion.code == code))
        if row_id is None:
            raise LookupError(f"考评指标版本 {code} 不存在")
        ids[code] = row_id
    return ids[code]


def forget_parsed_rubrics() -> None:
    """Forget every parsed rubric and digest (tests: a database emptied, its row ids given again)."""
    _parse_cached.cache_clear()
    _digest_cached.cache_clear()


@lru_cache(maxsize=32)
def _parse_cached(code: str, row_id: int):
    row = db.session.get(RubricVersion, row_id)
    return parse_rubric(row.document)


@lru_cache(maxsize=32)
def _digest_cached(code: str, row_id: int) -> str:
    document = db.session.scalar(select(RubricVersion.document).where(RubricVersion.id == row_id))
    return hashlib.sha256(canonical_json(document or {}).encode("utf-8")).hexdigest()
