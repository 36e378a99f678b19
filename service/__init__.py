"""amtsweg: run a city's public services from workflow, form and template definitions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from service import config as config_module
from service import sqlite
from service.extensions import db, migrate

ROOT = Path(__file__).resolve().parent.parent

#: Feature packages with an `init_app(app)`, set up in this order when present.
FEATURES = (
    "service.jobs.services",
    "service.web",
    "service.auth.services",
    "service.portal.views",
    "service.backoffice.views",
    "service.api",
    "service.documents.services",
    "service.webhooks.services",
    "service.credentials.services",
    "service.mail.services",
    "service.privacy.services",
    "service.ops.services",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Flask app from the environment, overridden by `config`."""
    import importlib
    import importlib.util

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "service" / "static"),
    )
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    config_module.settle(app.config)
    config_module.check(app.config)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    )
    db.init_app(app)
    with app.app_context():
        sqlite.init_engine(db.engine, app.config["SQLITE_SYNCHRONOUS"])
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_object=_include_in_migrations,
    )
    _import_models()

    from service.definitions.services import EXTENSION_KEY, DefinitionError, load_definitions

    registry, problems = load_definitions(app.config["DEFINITIONS_ROOT"])
    if problems:
        raise DefinitionError(problems)
    app.extensions[EXTENSION_KEY] = registry

    from service import cli, errors, health, i18n, transactions

    i18n.ensure_compiled()
    errors.init_app(app)
    transactions.init_app(app)
    health.init_app(app)
    cli.init_app(app)
    for name in FEATURES:
        try:
            if importlib.util.find_spec(name) is None:
                continue
        except ModuleNotFoundError:
            continue
        module = importlib.import_module(name)
        if hasattr(module, "init_app"):
            module.init_app(app)
    config_module.check_routes(app)
    return app


#: Expression indexes written by hand in their migration: Alembic cannot compare them.
HAND_WRITTEN_INDEXES = frozenset({"ix_cases_search"})


def _include_in_migrations(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave hand-written expression indexes out of autogenerate and `flask db check`."""
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)


def _import_models() -> None:
    """Import every models module so that metadata (and Alembic) sees all tables."""
    import importlib
    import importlib.util

    for package in sorted(p.name for p in (ROOT / "service").iterdir() if p.is_dir()):
        name = f"service.{package}.models"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
