"""Rubric versions in the database: built-ins are loaded by `tracker init`, others uploaded by admins.

A stored document never changes (a new version gets a new code), so a parsed rubric is cached
for the life of the process.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..rubric import parse_rubric
from .models import RubricVersion

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
    row = db.session.scalar(select(RubricVersion).where(RubricVersion.code == code))
    if row is None:
        raise LookupError(f"考评指标版本 {code} 不存在")
    return _parse_cached(row.code, row.id)


@lru_cache(maxsize=32)
def _parse_cached(code: str, row_id: int):
    row = db.session.get(RubricVersion, row_id)
    return parse_rubric(row.document)
