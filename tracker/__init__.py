"""tracker — 模拟依申请公开考评工具. create_app() is the factory and has no side effects beyond the app."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .config import load_config
from .core.paths import resource_dir

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict | None = None) -> Flask:
    # Flask is imported here, not with the package: `import tracker.law.workdays` (and the commands that
    # need no app) must not pay ~90 ms for it (DESIGN.md §10.6).
    from flask import Flask

    config = load_config()
    config.update(overrides or {})
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"], instance_relative_config=False,
                template_folder=str(resource_dir("templates")), static_folder="static")
    app.config.update(config)
    from .core import web

    web.install_converters(app)  # before any route is added: rules bind their converters when added
    _init_extensions(app)
    _register_blueprints(app)

    web.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (the whole schema, for Alembic)
    from .core import auth  # noqa: F401  (the user loader)
    from .extensions import bootstrap, csrf, db, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from .blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
