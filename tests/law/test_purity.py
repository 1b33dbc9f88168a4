"""The law package is pure: importing any of its modules loads neither Flask nor SQLAlchemy."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import tracker.law

LAW_MODULES = sorted(m.name for m in pkgutil.iter_modules(tracker.law.__path__, "tracker.law."))


def test_the_law_package_holds_the_law() -> None:
    names = {name.rsplit(".", 1)[1] for name in LAW_MODULES}
    assert {"workdays", "deadlines", "deadline_run", "deadline_checks", "phone", "derived", "letters",
            "reminder_selection"} <= names


@pytest.mark.parametrize("module", LAW_MODULES)
def test_law_module_imports_neither_flask_nor_sqlalchemy(module: str) -> None:
    probe = (f"import sys, {module}; "
             "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'flask_sqlalchemy'}); "
             "print(','.join(bad))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"{module} pulls in {loaded}"
