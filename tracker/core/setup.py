"""Database creation and upgrade, shared by `tracker init`, scripts/run and the tests."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_migrate import upgrade

from ..scoring.rubric_store import install_builtin_rubrics
from . import unit_of_work


def initialise_database() -> list[str]:
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    upgrade()
    added = install_builtin_rubrics()
    unit_of_work.save()
    return added
