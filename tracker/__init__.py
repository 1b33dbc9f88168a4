"""tracker — 模拟依申请公开考评工具. create_app() is the factory and has no side effects beyond the app."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .config import load_config
from .core.paths import resource_dir

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict | None = None) -> Flask:
    # Flask is imported here, not with the package: `import tracker.law.workdays` (and the commands that
    # need no app) must not pay ~90 ms for it (DESIGN.md §10.6); so is every module below that needs Flask.
    from flask import Flask

    from .core import web

    config = load_config()
    config.update(overrides or {})
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"], instance_relative_config=False,
                template_folder=str(resource_dir("templates")), static_folder="static")
    app.config.update(config)
    web.install_converters(app)  # before any route is added: rules bind their converters when added
    _init_extensions(app)
    _register_blueprints(app)
    _connect_signals()

    web.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    # Lazy, as in create_app: `import tracker` must not load Flask and SQLAlchemy.
    from . import models  # noqa: F401  (the whole schema, for Alembic)
    from .core import auth  # noqa: F401  (the user loader)
    from .core.revisions import check_declarations
    from .extensions import bootstrap, csrf, db, login_manager, mail, migrate

    check_declarations(db.Model)  # a table no kept page knows about would keep stale pages: refuse to start

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)


def _connect_signals() -> None:
    # Lazy, as in create_app: `import tracker` must not load Flask and SQLAlchemy.
    from .requests.law_bridge import listen_to_calendar

    listen_to_calendar()


def _register_blueprints(app: Flask) -> None:
    # Lazy, as in create_app: `import tracker` must not load Flask and SQLAlchemy.
    from .blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
