"""amtsweg: run a city's public services from workflow, form and template definitions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from service import config as config_module
from service import sqlite
from service.application import App
from service.extensions import db, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Flask app from the environment, overridden by `config`."""
    app = App(
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

    from service.cases import case_view
    from service.definitions.services import (
        EXTENSION_KEY,
        DefinitionError,
        load_definitions,
        personal_field_keys,
    )
    from service.ops.logs import redact_personal

    registry, problems = load_definitions(app.config["DEFINITIONS_ROOT"])
    if problems:
        raise DefinitionError(problems)
    app.extensions[EXTENSION_KEY] = registry
    # The city's name and offices in every page and e-mail (city.yaml).
    app.jinja_env.globals["city"] = registry.city
    case_view.init_app(app)
    # Log lines never carry an answer to a personal field, whatever its name.
    redact_personal(personal_field_keys(registry), reset=True)

    from service import cli, errors, health, i18n, ratelimit, transactions

    i18n.ensure_compiled()
    errors.init_app(app)
    transactions.init_app(app)
    health.init_app(app)
    cli.init_app(app)
    _init_features(app)
    ratelimit.init_app(app)  # it limits endpoints the features registered
    transactions.init_commit(app)  # last: the commit runs before the other after-request hooks
    config_module.check_routes(app)
    return app


#: Expression indexes written by hand in their migration: Alembic cannot compare them.
HAND_WRITTEN_INDEXES = frozenset({"ix_cases_search"})


def _include_in_migrations(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave hand-written expression indexes out of autogenerate and `flask db check`."""
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)


def _init_features(app: Flask) -> None:
    """Set up every feature, in this order: each registers its pages, commands and effects.

    Imported here rather than at the top so that importing one part of `service` (the
    engine in a test, say) does not load every feature.
    """
    from service import api, web
    from service.audit import views as audit
    from service.auth import views as auth
    from service.backoffice import people as backoffice_people
    from service.backoffice import verifier
    from service.backoffice import views as backoffice
    from service.credentials import views as credentials
    from service.documents import views as documents
    from service.jobs import celery as jobs_celery
    from service.jobs import services as jobs
    from service.mail import views as mail
    from service.ops import services as ops
    from service.portal import app as portal
    from service.privacy import views as privacy
    from service.scanning import services as scanning
    from service.webhooks import services as webhooks

    web.init_app(app)
    auth.init_app(app)
    portal.init_app(app)
    backoffice.init_app(app)
    verifier.init_app(app)
    backoffice_people.init_app(app)
    api.init_app(app)
    documents.init_app(app)
    webhooks.init_app(app)
    credentials.init_app(app)
    mail.init_app(app)
    privacy.init_app(app)
    audit.init_app(app)
    ops.init_app(app)
    scanning.init_app(app)
    # Last: Celery's schedule lists the periodic jobs the features above registered.
    jobs.init_app(app)
    jobs_celery.init_app(app)


def _import_models() -> None:
    """Import every models module so that the metadata (and Alembic) sees all tables."""
    import service.api.models
    import service.attachments.models
    import service.auth.models
    import service.backoffice.models
    import service.cases.models
    import service.credentials.models
    import service.definitions.models
    import service.documents.models
    import service.drafts.models
    import service.jobs.models
    import service.webhooks.models  # noqa: F401
