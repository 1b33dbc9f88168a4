"""Every mapped model declares which freshness tokens its rows renew (core/revisions.py, issue 16):
a table that declared nothing would silently keep stale pages — signed sheets printing old numbers —
so start-up refuses it."""
from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def test_every_mapped_table_of_the_app_declares_its_scope(app):
    from tracker.core.revisions import check_declarations, declaration_of
    from tracker.extensions import db

    check_declarations(db.Model)
    assert {table: declaration_of(db.Model, table) is not None for table in db.metadata.tables} == \
        {table: True for table in db.metadata.tables}


def _scratch_base():
    """A schema of its own (the app's metadata stays untouched) holding the targets table."""
    from tracker.core.revisions import ViaTarget

    class Base(DeclarativeBase):
        pass

    class Target(Base):
        __tablename__ = "targets"
        __revision_scope__ = ViaTarget("id")
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    return Base


def test_a_new_table_without_a_declaration_is_refused_by_name():
    from tracker.core.revisions import UndeclaredTables, check_declarations

    base = _scratch_base()

    class Note(base):
        __tablename__ = "notes"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        text: Mapped[str] = mapped_column(String(10))

    with pytest.raises(UndeclaredTables, match="notes"):
        check_declarations(base)


def test_a_path_that_does_not_reach_a_target_is_refused():
    from tracker.core.revisions import UndeclaredTables, ViaTarget, check_declarations

    base = _scratch_base()

    class Note(base):
        __tablename__ = "notes"
        __revision_scope__ = ViaTarget("text")  # no foreign key: leads nowhere
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        text: Mapped[int] = mapped_column(Integer)

    class Remark(base):
        __tablename__ = "remarks"
        __revision_scope__ = ViaTarget("target_id")
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"))

    with pytest.raises(UndeclaredTables, match="notes") as refused:
        check_declarations(base)
    assert "remarks" not in str(refused.value)


def test_an_ignored_column_must_exist():
    from tracker.core.revisions import Shared, UndeclaredTables, check_declarations

    base = _scratch_base()

    class Note(base):
        __tablename__ = "notes"
        __revision_scope__ = Shared(ignore_columns=("texte",))
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        text: Mapped[str] = mapped_column(String(10))

    with pytest.raises(UndeclaredTables, match="notes.*texte"):
        check_declarations(base)


def test_the_app_does_not_start_with_an_undeclared_model(tmp_path):
    """create_app checks the whole schema: a model added without a declaration stops start-up."""
    script = (
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "from tracker.extensions import db\n"
        "import tracker.models\n"
        "class Draft(db.Model):\n"
        "    __tablename__ = 'drafts'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "from tracker import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path / 'x.sqlite3'}'}})\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "drafts" in result.stderr and "UndeclaredTables" in result.stderr
